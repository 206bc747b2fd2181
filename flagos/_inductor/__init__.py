"""``torch.compile`` on flagos: Inductor's code generators and device interface for ``flagos``.

Importing Dynamo and Inductor costs seconds, so ``import flagos`` only records the platform
(:func:`install`). Inductor looks up the code generators of the PrivateUse1 device in its device
module the first time it compiles a graph (``torch.flagos.Scheduling`` etc., see
``torch._inductor.codegen.common.init_backend_registration``); ``torch.flagos`` answers those
names from :func:`device_module_attribute`, which registers everything then:

- the device interface (``torch._dynamo.device_interface``): devices, streams, events,
  properties, ``synchronize``, memory statistics, from ``torch.flagos``;
- the platform's code generators (``register_backend_for_device``) and the snippets its Python
  wrapper writes for device handling (``register_device_op_overrides``).

Which module serves which platform is the table ``_PLATFORMS``; a platform without an Inductor
code generator gets one that stops with what is missing (``backend="aot_eager"`` still works:
it needs no code generator).

Tracing needs no Python fake kernels from flagos: its kernels serve ATen operators, whose meta
kernels Dynamo and AOTAutograd use; the one kernel tracing reaches (SDPA's backend choice, a
metadata query) reads no data (runtime/ops/attention.cc), and the bridge operators
``torch.ops.flagos.to_native``/``from_native`` refuse fake tensors with what to do instead.
"""
from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType
from typing import Any, Optional

# platform -> module of this package that provides SCHEDULING, WRAPPER, CPP_WRAPPER, DEVICE_OPS, INTERFACE
_PLATFORMS = {
    "host": "._host",
    "cuda": "._cuda",
    "ascend": "._unsupported",
    "metax": "._unsupported",
}

# The names Inductor asks the device module for (torch.utils.backend_registration._get_custom_mod_func).
_DEVICE_MODULE_NAMES = {
    "Scheduling": "SCHEDULING",
    "PythonWrapperCodegen": "WRAPPER",
    "CppWrapperCodegen": "CPP_WRAPPER",
    "WrapperFxCodegen": None,
}

_platform: Optional[str] = None
_registered: Optional[ModuleType] = None
_lock = threading.Lock()


def install(platform: str) -> None:
    """Called by ``import flagos``: remembers the platform; registers at once if Dynamo is loaded."""
    global _platform
    if platform not in _PLATFORMS:
        raise RuntimeError(f"flagos._inductor: no entry for platform '{platform}' in _PLATFORMS")
    _platform = platform
    if "torch._dynamo" in sys.modules:
        register()


def register() -> ModuleType:
    """Registers the device interface and the platform's Inductor backend (once); returns its module."""
    global _registered
    with _lock:
        if _registered is not None:
            return _registered
        if _platform is None:
            raise RuntimeError("flagos._inductor.register() before flagos was imported")
        module = importlib.import_module(_PLATFORMS[_platform], __name__)
        from torch._dynamo.device_interface import register_interface_for_device
        from torch._inductor.codegen.common import register_backend_for_device, register_device_op_overrides

        from ._interface import BACKEND

        register_interface_for_device(BACKEND, module.INTERFACE)
        for index in range(module.INTERFACE.device_count()):
            register_interface_for_device(f"{BACKEND}:{index}", module.INTERFACE)
        register_device_op_overrides(BACKEND, module.DEVICE_OPS)
        register_backend_for_device(BACKEND, module.SCHEDULING, module.WRAPPER, module.CPP_WRAPPER)
        getattr(module, "after_register", lambda: None)()
        _registered = module
        return module


def device_module_attribute(name: str) -> Any:
    """``torch.flagos.<name>`` for Inductor's backend lookup; AttributeError for any other name."""
    if name not in _DEVICE_MODULE_NAMES:
        raise AttributeError(f"module 'torch.flagos' has no attribute '{name}'")
    attribute = _DEVICE_MODULE_NAMES[name]
    module = register()
    return None if attribute is None else getattr(module, attribute)
