"""What a forked child (``os.fork``, multiprocessing's ``fork`` start method) may do with flagos.

The runtime's own locks are fork-safe on every platform (runtime/hal/fork_locks.h): a child never
inherits a lock that another thread of the parent held. Whether the child can use the *device*
depends on the platform:

- host: "device" memory is host RAM, copied into the child like any other; the child works.
- cuda: a CUDA context does not survive fork. The child is in a bad fork exactly when CUDA's is
  (``torch.cuda._is_in_bad_fork()``); flagos initialises torch.cuda with itself, so CUDA's
  fork handler is installed whenever flagos has touched the GPU.
- other device runtimes (ascend, metax) do not survive fork either: a child of a process that had
  initialised flagos is in a bad fork.

In a bad fork, flagos' initialisation and every HAL error say so and name the fix: the ``spawn``
start method.
"""
from __future__ import annotations

import os

from .. import _runtime

_BAD_FORK = False


def _message(platform: str) -> str:
    return (f"flagos: cannot use the {platform} platform in a forked subprocess: its device runtime was initialised "
            "in the parent and does not survive fork(). To use flagos with multiprocessing, use the 'spawn' start "
            "method: torch.multiprocessing.set_start_method('spawn') (or a 'spawn' context)")


def is_in_bad_fork() -> bool:
    """Whether this process is a forked child that cannot use its flagos devices."""
    platform = _runtime.platform()
    if platform == "host":
        return False
    if platform == "cuda":
        import torch.cuda

        return bool(torch.cuda._is_in_bad_fork()) or _BAD_FORK
    return _BAD_FORK


def check_not_in_bad_fork() -> None:
    """Raises the bad-fork error (flagos' initialisation calls this)."""
    if is_in_bad_fork():
        raise RuntimeError(_message(_runtime.platform()))


def initialise_platform_runtime() -> None:
    """On cuda, initialises torch.cuda with flagos, so that CUDA's fork handling covers flagos' use."""
    if _runtime.platform() == "cuda":
        import torch.cuda

        torch.cuda.init()


def _after_fork_in_child() -> None:
    global _BAD_FORK
    from . import is_initialized

    platform = _runtime.platform()
    if platform != "host" and is_initialized():
        _BAD_FORK = True
        _runtime.set_bad_fork(_message(platform))


os.register_at_fork(after_in_child=_after_fork_in_child)
