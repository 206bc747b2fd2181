"""torch.distributed on flagos tensors, through the platform's own collective engine.

Importing flagos registers the ``flagos`` backend with torch.distributed, so standard code works::

    torch.flagos.set_device(int(os.environ["LOCAL_RANK"]))      # under torchrun
    torch.distributed.init_process_group(backend="flagos")      # or "cpu:gloo,flagos:flagos"
    model = DistributedDataParallel(model.to("flagos"))         # or fully_shard(model)

Collectives on flagos tensors run on the platform's engine (gloo on host, NCCL on cuda and metax)
over native aliases of the same memory (on ascend, gloo over host copies); cpu tensors go to gloo. See
``_process_group`` for how, ``_engines`` for which engine, and :func:`init` for a torchrun helper.
"""
from __future__ import annotations

import torch.distributed as dist

from ._engines import Engine, EngineUnavailableError, engine_for
from ._checkpoint import install as _install_checkpoint_staging
from ._launch import init, local_rank
from ._p2p import install as _install_batched_p2p
from ._process_group import NAME, FlagosProcessGroup, create
from ._tensors import CollectiveError
from ._work import FlagosWork

BACKEND = NAME


def register() -> None:
    """Makes ``backend="flagos"`` (and ``"flagos"`` in device maps) known to torch.distributed.

    The group serves flagos and cpu tensors, so ``backend="flagos"`` alone covers object
    collectives and cpu state too. It also makes ``batch_isend_irecv`` batch on flagos groups
    (see ``_p2p``) and DCP's file writer stage flagos tensors next to CUDA (see ``_checkpoint``).
    Calling it again does nothing.
    """
    if NAME.upper() not in dist.Backend._plugins:
        dist.Backend.register_backend(NAME, create, devices=["flagos", "cpu"])
    _install_batched_p2p()
    _install_checkpoint_staging()


register()

__all__ = [
    "BACKEND",
    "CollectiveError",
    "Engine",
    "EngineUnavailableError",
    "FlagosProcessGroup",
    "FlagosWork",
    "engine_for",
    "init",
    "local_rank",
    "register",
]
