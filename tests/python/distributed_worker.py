"""One rank of the multi-process flagos test job (started by test_distributed.py, never collected).

    torchrun --standalone --nproc-per-node 2 distributed_worker.py INPUTS OUTPUT

Each rank selects flagos:LOCAL_RANK and joins backend="flagos" the standard way, then runs every
scenario named in INPUTS (a torch.save'd {scenario: inputs} drawn fresh by the test) in order and
saves {scenario: what it computed, as CPU tensors} to OUTPUT ("{rank}" replaced by its rank). The
test compares those with single-process references; assertions live there, not here.
"""
from __future__ import annotations

import faulthandler
import gc
import os
import sys
from typing import Any, Callable

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

import flagos  # noqa: F401  (registers the device and backend="flagos")

Result = dict[str, Any]


def cpu(t: torch.Tensor) -> torch.Tensor:
    return t.detach().cpu()


# ---- collectives -------------------------------------------------------------------------------


def collectives(rank: int, world: int, dev: torch.device, inputs: dict[str, Any]) -> Result:
    mine = inputs["ranks"][rank]
    out: Result = {}

    def on_dev(t: torch.Tensor) -> torch.Tensor:
        return t.to(dev)

    # all_reduce, in place and zero-copy: same memory before and after, no flagos allocation: the
    # peak within the call never rises above the level at its start. Frees may happen meanwhile
    # (the engine drops references to earlier tensors on its own threads, whenever it gets there),
    # so "allocated after == before" would be a race; the garbage collector is kept out too.
    gc.disable()
    keys = ("sum_f32", "sum_f64", "sum_bf16", "sum_i64", "max_f32", "avg_f32", "premul_f32")
    tensors = {key: on_dev(mine[key]) for key in keys}
    for key in keys:
        t = tensors[key]
        op = {"max": dist.ReduceOp.MAX, "avg": dist.ReduceOp.AVG,
              "premul": dist._make_nccl_premul_sum(inputs["premul_factor"])}.get(key.split("_")[0], dist.ReduceOp.SUM)
        ptr = t.data_ptr()
        torch.flagos.synchronize()
        allocated = torch.flagos.memory_allocated(dev)
        torch.flagos.reset_peak_memory_stats(dev)
        dist.all_reduce(t, op=op)
        out[f"all_reduce_{key}"] = cpu(t)
        out[f"all_reduce_{key}_same_memory"] = t.data_ptr() == ptr and t.device == dev
        out[f"all_reduce_{key}_no_allocation"] = torch.flagos.max_memory_allocated(dev) <= allocated
    gc.enable()

    # async handles: wait(), result() and the future give the flagos tensor.
    t = on_dev(mine["async"])
    work = dist.all_reduce(t, async_op=True)
    out["async_wait"] = work.wait()
    # On NCCL wait() orders the current stream after the collective without blocking the host;
    # is_completed() is a query: true once the device got there.
    torch.flagos.synchronize()
    out["async_completed"] = work.is_completed()
    out["async_value"] = cpu(t)
    fut_value = dist.all_reduce(t, async_op=True).get_future().wait()
    out["future_is_input"] = fut_value[0] is t or (fut_value[0].data_ptr() == t.data_ptr()
                                                   and fut_value[0].device == dev)
    out["future_value"] = cpu(t)

    b = on_dev(mine["broadcast"])
    dist.broadcast(b, src=1)
    out["broadcast"] = cpu(b)

    gathered = [torch.empty_like(on_dev(mine["gather"])) for _ in range(world)]
    dist.all_gather(gathered, on_dev(mine["gather"]))
    out["all_gather"] = [cpu(g) for g in gathered]
    out["all_gather_devices"] = [g.device for g in gathered]

    flat = torch.empty(world * mine["gather"].numel(), device=dev)
    dist.all_gather_into_tensor(flat, on_dev(mine["gather"]).flatten())
    out["all_gather_into_tensor"] = cpu(flat)

    rs = torch.empty(mine["scatter_in"].numel() // world, device=dev)
    dist.reduce_scatter_tensor(rs, on_dev(mine["scatter_in"]))
    out["reduce_scatter_tensor"] = cpu(rs)
    rs_avg = torch.empty_like(rs)
    dist.reduce_scatter_tensor(rs_avg, on_dev(mine["scatter_in"]), op=dist.ReduceOp.AVG)
    out["reduce_scatter_tensor_avg"] = cpu(rs_avg)
    rs_list = torch.empty_like(rs)
    dist.reduce_scatter(rs_list, list(on_dev(mine["scatter_in"]).chunk(world)))
    out["reduce_scatter"] = cpu(rs_list)

    a2a = [torch.empty_like(c) for c in on_dev(mine["a2a"]).chunk(world)]
    dist.all_to_all(a2a, list(on_dev(mine["a2a"]).chunk(world)))
    out["all_to_all"] = [cpu(a) for a in a2a]
    splits_in = inputs["a2a_splits"][rank]
    splits_out = [inputs["a2a_splits"][src][rank] for src in range(world)]
    a2a_single = torch.empty(sum(splits_out), device=dev)
    dist.all_to_all_single(a2a_single, on_dev(mine["a2a_uneven"]), splits_out, splits_in)
    out["all_to_all_single"] = cpu(a2a_single)

    peer = (rank + 1) % world
    received = torch.empty_like(on_dev(mine["p2p"]))
    # Even ranks send first, odd ranks receive first: a ring where every rank sends before it
    # receives deadlocks on NCCL (a send waits for its receive); 2 ranks make it a pairwise exchange.
    if rank % 2 == 0:
        dist.isend(on_dev(mine["p2p"]), dst=peer).wait()
        dist.recv(received, src=(rank - 1) % world)
    else:
        dist.recv(received, src=(rank - 1) % world)
        dist.isend(on_dev(mine["p2p"]), dst=peer).wait()
    out["send_recv"] = cpu(received)
    received = torch.empty_like(on_dev(mine["p2p"]))
    ops = [dist.P2POp(dist.irecv, received, (rank - 1) % world), dist.P2POp(dist.isend, on_dev(mine["p2p"]) * 2, peer)]
    for work in dist.batch_isend_irecv(ops):
        work.wait()
    out["batch_isend_irecv"] = cpu(received)

    # Coalesced collectives (what _coalescing_manager turns several calls into).
    coalesced = [on_dev(t) for t in mine["coalesced"]]
    with dist._coalescing_manager(async_ops=True) as cm:
        for t in coalesced:
            dist.all_reduce(t)
    cm.wait()
    out["all_reduce_coalesced"] = [cpu(t) for t in coalesced]
    gathered_c = [torch.empty(world * t.numel(), device=dev) for t in mine["coalesced"]]
    with dist._coalescing_manager(async_ops=True) as cm:
        for o, t in zip(gathered_c, mine["coalesced"]):
            dist.all_gather_into_tensor(o, on_dev(t))
    cm.wait()
    out["all_gather_into_tensor_coalesced"] = [cpu(o) for o in gathered_c]
    scattered_c = [torch.empty(t.numel() // world, device=dev) for t in mine["coalesced"]]
    with dist._coalescing_manager(async_ops=True) as cm:
        for o, t in zip(scattered_c, mine["coalesced"]):
            dist.reduce_scatter_tensor(o, on_dev(t), op=dist.ReduceOp.AVG)
    cm.wait()
    out["reduce_scatter_tensor_coalesced_avg"] = [cpu(o) for o in scattered_c]

    subgroup = dist.new_group(list(range(world)))  # another flagos group, over the same ranks
    sub = on_dev(mine["async"])
    dist.all_reduce(sub, group=subgroup)
    out["new_group_type"] = type(subgroup).__name__
    out["new_group_all_reduce"] = cpu(sub)

    red = on_dev(mine["reduce"])
    dist.reduce(red, dst=0)
    if rank == 0:
        out["reduce"] = cpu(red)
    gather_list = [torch.empty_like(on_dev(mine["gather"])) for _ in range(world)] if rank == 0 else None
    dist.gather(on_dev(mine["gather"]), gather_list, dst=0)
    if rank == 0:
        out["gather"] = [cpu(g) for g in gather_list]
    scattered = torch.empty_like(on_dev(mine["gather"]))
    dist.scatter(scattered, [on_dev(c) for c in inputs["scatter_from_0"]] if rank == 0 else None, src=0)
    out["scatter"] = cpu(scattered)

    objects: list[Any] = [None] * world
    dist.all_gather_object(objects, {"rank": rank, "device": str(dev)})
    out["all_gather_object"] = objects
    dist.barrier()
    out["barrier"] = True
    return out


# ---- DDP -----------------------------------------------------------------------------------------


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 3))


def ddp(rank: int, world: int, dev: torch.device, inputs: dict[str, Any]) -> Result:
    from torch.nn.parallel import DistributedDataParallel

    model = mlp().double()
    model.load_state_dict(inputs["init"] if rank == 0 else {k: torch.randn_like(v) for k, v in inputs["init"].items()})
    model.to(dev)
    # Rank 1 starts from other weights: DDP's initial broadcast must overwrite them. Small buckets
    # and bucket views: several all_reduces per step, gradients that are views of flagos buckets.
    ddp_model = DistributedDataParallel(model, bucket_cap_mb=0.002, gradient_as_bucket_view=True)
    opt = torch.optim.SGD(ddp_model.parameters(), lr=inputs["lr"], momentum=0.9)
    for x, y in zip(inputs["x"][rank], inputs["y"][rank]):
        opt.zero_grad()
        loss = F.mse_loss(ddp_model(x.to(dev)), y.to(dev))
        loss.backward()
        opt.step()
    return {
        "params": {k: cpu(v) for k, v in model.state_dict().items()},
        "param_devices": sorted({str(p.device) for p in model.parameters()}),
        "grad_devices": sorted({str(p.grad.device) for p in model.parameters()}),
    }


# ---- FSDP2 and distributed checkpoints -------------------------------------------------------


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int = 32, dim: int = 16, heads: int = 2, layers: int = 2, seq: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.pos = nn.Parameter(torch.randn(seq, dim) * 0.1)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(dim, heads, 2 * dim, dropout=0.0, batch_first=True) for _ in range(layers)
        )
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        h = self.embed(tokens) + self.pos[: tokens.shape[1]]
        for layer in self.layers:
            h = layer(h)
        return self.head(self.norm(h))


def sharded_transformer(dev: torch.device, init: dict[str, torch.Tensor]) -> nn.Module:
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    model = TinyTransformer()
    model.load_state_dict(init)
    model.to(dev)
    mesh = init_device_mesh("flagos", (dist.get_world_size(),))
    for layer in model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def lm_step(model: nn.Module, opt: torch.optim.Optimizer, tokens: torch.Tensor, dev: torch.device) -> None:
    tokens = tokens.to(dev)
    logits = model(tokens[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()


def full_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Unsharded parameters (DTensor.full_tensor: an all-gather through the flagos group)."""
    return {name: cpu(p.full_tensor()) for name, p in model.named_parameters()}


def fsdp2(rank: int, world: int, dev: torch.device, inputs: dict[str, Any]) -> Result:
    model = sharded_transformer(dev, inputs["init"])
    local = {name: (str(p.to_local().device), p.to_local().shape) for name, p in model.named_parameters()}
    opt = torch.optim.SGD(model.parameters(), lr=inputs["lr"], momentum=0.9)
    for tokens in inputs["tokens"][rank]:
        lm_step(model, opt, tokens, dev)
    return {"params": full_state(model), "local_shards": local}


def dcp_round_trip(rank: int, world: int, dev: torch.device, inputs: dict[str, Any]) -> Result:
    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

    def optimizer_state(model: nn.Module, opt: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
        _, osd = get_state_dict(model, opt)
        return {f"{name}.{key}": cpu(v.full_tensor() if hasattr(v, "full_tensor") else v)
                for name, state in osd["state"].items() for key, v in state.items()}

    model = sharded_transformer(dev, inputs["init"])
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    lm_step(model, opt, inputs["tokens"][rank][0], dev)  # optimizer state to save
    msd, osd = get_state_dict(model, opt)
    dcp.save({"model": msd, "optim": osd}, checkpoint_id=inputs["checkpoint"])
    saved = {"params": full_state(model), "optim": optimizer_state(model, opt)}

    # A fresh model and optimizer with other weights and no state, restored from the checkpoint.
    restored = sharded_transformer(dev, inputs["other_init"])
    restored_opt = torch.optim.Adam(restored.parameters(), lr=1e-2)
    lm_step(restored, restored_opt, inputs["tokens"][rank][1], dev)  # state of the wrong shape history
    msd2, osd2 = get_state_dict(restored, restored_opt)
    state = {"model": msd2, "optim": osd2}
    dcp.load(state, checkpoint_id=inputs["checkpoint"])
    set_state_dict(restored, restored_opt, model_state_dict=state["model"], optim_state_dict=state["optim"])
    loaded = {"params": full_state(restored), "optim": optimizer_state(restored, restored_opt)}

    # Both continue with the same batch: same result if the optimizer state came back too.
    lm_step(model, opt, inputs["tokens"][rank][2], dev)
    lm_step(restored, restored_opt, inputs["tokens"][rank][2], dev)
    return {
        "saved": saved,
        "loaded": loaded,
        "continued": full_state(model),
        "continued_restored": full_state(restored),
        "devices": sorted({str(p.to_local().device) for p in restored.parameters()}),
    }


# ---- launch --------------------------------------------------------------------------------------


def launch(rank: int, world: int, dev: torch.device, inputs: dict[str, Any]) -> Result:
    t = torch.full((3,), float(rank + 1), device="flagos")  # the current device, set from LOCAL_RANK
    dist.all_reduce(t)
    return {
        "rank": rank,
        "local_rank": int(os.environ["LOCAL_RANK"]),
        "current_device": torch.flagos.current_device(),
        "tensor_device": str(t.device),
        "all_reduce": cpu(t),
        "backend": dist.get_backend(),
        "group_type": type(dist.group.WORLD).__name__,
    }


SCENARIOS: dict[str, Callable[[int, int, torch.device, dict[str, Any]], Result]] = {
    "launch": launch,
    "collectives": collectives,
    "ddp": ddp,
    "fsdp2": fsdp2,
    "dcp": dcp_round_trip,
}


def main(inputs_file: str, output: str) -> None:
    inputs = torch.load(inputs_file, weights_only=False)
    torch.flagos.set_device(int(os.environ["LOCAL_RANK"]))  # what torchrun leaves to the program
    dist.init_process_group(backend="flagos")  # env:// rendezvous from torchrun's variables
    rank, world = dist.get_rank(), dist.get_world_size()
    dev = torch.device("flagos", torch.flagos.current_device())
    results = {}
    # A hung collective shows where each rank waits: stacks go to stderr before the test gives up.
    faulthandler.dump_traceback_later(float(os.environ.get("FLAGOS_DIST_TIMEOUT_S", "240")) - 15, exit=True)
    try:
        for scenario, scenario_inputs in inputs.items():
            print(f"[rank{rank}] {scenario}", flush=True)
            results[scenario] = SCENARIOS[scenario](rank, world, dev, scenario_inputs)
            dist.barrier()
    finally:
        dist.destroy_process_group()
    torch.save(results, output.replace("{rank}", str(rank)))


if __name__ == "__main__":
    main(*sys.argv[1:])
