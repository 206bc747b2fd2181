"""flagos: one PyTorch device, ``flagos``, on any AI chip.

``import flagos`` (or just ``import torch`` once the wheel is installed: PyTorch autoloads it)
registers the device. Every ATen operator on a flagos tensor runs on the platform's native kernels
over the same memory (zero-copy); ``torch.flagos`` mirrors ``torch.cuda``.

    >>> import torch, flagos
    >>> x = torch.randn(4, 4, device="flagos")
    >>> (x @ x).sum().item()
"""
from __future__ import annotations


def _autoload() -> None:
    """Entry point for PyTorch's backend autoloading (group ``torch.backends``): importing is all.

    Defined before anything imports torch: when a program runs ``import flagos`` first, torch's
    import triggers the autoload while this module is still initialising, and the entry point must
    already resolve.
    """


from . import _backend, _build_info, _loader  # noqa: E402

_backend.check_slot_free()  # before the library registers kernels for PrivateUse1
_loader.load()
_backend.register()

from . import device  # noqa: E402
from . import routing  # noqa: E402

routing._initialise(_build_info.PLATFORM)

from . import _trace  # noqa: E402
from ._trace import Trace, trace  # noqa: E402

_trace._trace_process()

import torch.distributed as _torch_distributed  # noqa: E402  (already imported by `import torch`)

if _torch_distributed.is_available():
    # Registers backend="flagos" with torch.distributed (flagos/distributed/).
    from . import distributed  # noqa: E402,F401

from . import _inductor  # noqa: E402

_inductor.install(_build_info.PLATFORM)  # torch.compile: registered lazily (flagos/_inductor/)

from .routing._flaggems import get_registered_ops, is_flaggems_available, is_flaggems_enabled  # noqa: E402

__version__: str = _build_info.VERSION
platform: str = _build_info.PLATFORM
torch_version: str = _build_info.TORCH_VERSION  # the torch flagos was built against
cxx11_abi: bool = _build_info.CXX11_ABI


__all__ = [
    "__version__",
    "cxx11_abi",
    "device",
    "get_registered_ops",
    "is_flaggems_available",
    "is_flaggems_enabled",
    "platform",
    "routing",
    "torch_version",
    "trace",
    "Trace",
]
