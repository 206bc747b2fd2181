"""torch.distributed on flagos tensors (backend="flagos": gloo under the hood on the host platform).

The multi-process tests share one job: torchrun starts 2 ranks (distributed_worker.py;
FLAGOS_HOST_DEVICE_COUNT=2, rank r on flagos:r, gloo over loopback), which run every scenario on
inputs drawn here; each test compares one scenario's results with single-process references
computed here: collectives against their definitions, DDP and FSDP2 training against training on
the concatenated batch in float64 on the CPU, a distributed checkpoint against the state it saved.
One job, not one per test, because starting Python with torch dominates the time (about 3 s a
process). In-process tests use a 1-rank group for registration, engine choice and errors.
"""
from __future__ import annotations

import copy
import dataclasses
import os
import pathlib
import subprocess
import sys
import zlib
from datetime import timedelta
from typing import Any, Iterator

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F

import flagos
import flagos.distributed
from flagos import _runtime
from flagos.distributed import CollectiveError, EngineUnavailableError, FlagosProcessGroup, engine_for

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import conftest  # noqa: E402  (the session seed)
import distributed_worker as worker  # noqa: E402  (its models, for the references)

WORLD = 2
TIMEOUT_S = float(os.environ.get("FLAGOS_DIST_TIMEOUT_S", "240"))  # the 2-rank job, all scenarios


def randn(gen: torch.Generator, *shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


def close(actual: torch.Tensor, expected: torch.Tensor, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    torch.testing.assert_close(actual.double(), expected.double(), rtol=rtol, atol=atol)


# ---- inputs of each scenario -----------------------------------------------------------------------


def collectives_inputs(gen: torch.Generator) -> dict[str, Any]:
    ranks = []
    for _ in range(WORLD):
        ranks.append({
            "sum_f32": randn(gen, 5, 3), "sum_f64": randn(gen, 7, dtype=torch.float64),
            "sum_bf16": randn(gen, 6, dtype=torch.bfloat16), "sum_i64": torch.randint(-50, 50, (9,), generator=gen),
            "max_f32": randn(gen, 4, 4), "avg_f32": randn(gen, 8), "premul_f32": randn(gen, 3, 2),
            "async": randn(gen, 5), "broadcast": randn(gen, 2, 3), "gather": randn(gen, 2, 2),
            "scatter_in": randn(gen, 2 * WORLD), "a2a": randn(gen, 3 * WORLD), "p2p": randn(gen, 4),
            "reduce": randn(gen, 3), "coalesced": [randn(gen, 2 * WORLD), randn(gen, 4 * WORLD)],
        })
    splits = [[1, 3], [2, 0]]  # uneven all_to_all_single: rank r sends splits[r][d] to rank d
    for rank in range(WORLD):
        ranks[rank]["a2a_uneven"] = randn(gen, sum(splits[rank]))
    return {"ranks": ranks, "premul_factor": float(torch.rand((), generator=gen)) + 0.5, "a2a_splits": splits,
            "scatter_from_0": [randn(gen, 2, 2) for _ in range(WORLD)]}


def ddp_inputs(gen: torch.Generator) -> dict[str, Any]:
    torch.manual_seed(int(torch.randint(0, 2**31, (), generator=gen)))
    steps, batch = 4, 5
    return {
        "init": copy.deepcopy(worker.mlp().double().state_dict()),
        "x": [[randn(gen, batch, 6, dtype=torch.float64) for _ in range(steps)] for _ in range(WORLD)],
        "y": [[randn(gen, batch, 3, dtype=torch.float64) for _ in range(steps)] for _ in range(WORLD)],
        "lr": 0.1,
    }


def transformer_init(gen: torch.Generator) -> dict[str, torch.Tensor]:
    torch.manual_seed(int(torch.randint(0, 2**31, (), generator=gen)))
    return copy.deepcopy(worker.TinyTransformer().state_dict())


def fsdp2_inputs(gen: torch.Generator) -> dict[str, Any]:
    steps, batch = 3, 4
    return {
        "init": transformer_init(gen),
        "tokens": [[torch.randint(0, 32, (batch, 9), generator=gen) for _ in range(steps)] for _ in range(WORLD)],
        "lr": 0.1,
    }


def dcp_inputs(gen: torch.Generator, checkpoint: pathlib.Path) -> dict[str, Any]:
    return {
        "init": transformer_init(gen),
        "other_init": transformer_init(gen),
        "tokens": [[torch.randint(0, 32, (2, 9), generator=gen) for _ in range(3)] for _ in range(WORLD)],
        "checkpoint": str(checkpoint),
    }


# ---- the job -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Job:
    inputs: dict[str, Any]
    results: list[dict[str, Any]]  # per rank: {scenario: results}
    directory: pathlib.Path

    def scenario(self, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return self.inputs[name], [r[name] for r in self.results]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    env["FLAGOS_HOST_DEVICE_COUNT"] = str(WORLD)
    env["GLOO_SOCKET_IFNAME"] = "lo"  # loopback: works in the Bazel sandbox and offline
    env["OMP_NUM_THREADS"] = "1"
    return env


@pytest.fixture(scope="module")
def job(tmp_path_factory: pytest.TempPathFactory) -> Job:
    if flagos.platform != "host" and torch.flagos.device_count() < WORLD:
        # The host platform simulates the devices (FLAGOS_HOST_DEVICE_COUNT); elsewhere they must exist.
        pytest.skip(f"needs {WORLD} flagos devices, this machine has {torch.flagos.device_count()}")
    gen = torch.Generator().manual_seed(zlib.crc32(b"test_distributed") ^ conftest.SESSION_SEED)
    directory = tmp_path_factory.mktemp("distributed")
    inputs = {
        "launch": {},
        "collectives": collectives_inputs(gen),
        "ddp": ddp_inputs(gen),
        "fsdp2": fsdp2_inputs(gen),
        "dcp": dcp_inputs(gen, directory / "checkpoint"),
    }
    torch.save(inputs, directory / "inputs.pt")
    output = str(directory / "out{rank}.pt")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={WORLD}",
               str(HERE / "distributed_worker.py"), str(directory / "inputs.pt"), output]
    try:
        proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env(),
                              timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the 2-rank job did not finish in {TIMEOUT_S} s:\n{(e.output or b'').decode(errors='replace')}")
    if proc.returncode != 0:
        pytest.fail(f"the 2-rank job failed (exit {proc.returncode}):\n{proc.stdout.decode(errors='replace')[-12000:]}")
    results = [torch.load(output.format(rank=rank), weights_only=False) for rank in range(WORLD)]
    return Job(inputs, results, directory)


# ---- torchrun --------------------------------------------------------------------------------------


def test_torchrun_ranks_run_on_their_local_rank_device(job: Job) -> None:
    _, results = job.scenario("launch")
    for rank, result in enumerate(results):
        assert result["rank"] == result["local_rank"] == rank
        assert result["current_device"] == rank and result["tensor_device"] == f"flagos:{rank}"
        assert result["backend"] == "flagos" and result["group_type"] == "FlagosProcessGroup"
        assert torch.equal(result["all_reduce"], torch.full((3,), float(sum(range(1, WORLD + 1)))))


# ---- collectives ---------------------------------------------------------------------------------


def test_collectives_match_their_definitions(job: Job) -> None:
    inputs, results = job.scenario("collectives")
    ranks, factor, splits = inputs["ranks"], inputs["premul_factor"], inputs["a2a_splits"]
    def total(key: str) -> torch.Tensor:
        return sum(r[key].double() for r in ranks)

    for rank, out in enumerate(results):
        close(out["all_reduce_sum_f32"], total("sum_f32"))
        close(out["all_reduce_sum_f64"], total("sum_f64"), rtol=1e-12, atol=1e-12)
        close(out["all_reduce_sum_bf16"], total("sum_bf16"), rtol=1.6e-2, atol=2e-2)
        assert torch.equal(out["all_reduce_sum_i64"], sum(r["sum_i64"] for r in ranks))
        close(out["all_reduce_max_f32"], torch.maximum(ranks[0]["max_f32"], ranks[1]["max_f32"]))
        close(out["all_reduce_avg_f32"], total("avg_f32") / WORLD)
        close(out["all_reduce_premul_f32"], total("premul_f32") * factor)
        for key in ("sum_f32", "sum_f64", "sum_bf16", "sum_i64", "max_f32", "avg_f32", "premul_f32"):
            assert out[f"all_reduce_{key}_same_memory"], f"all_reduce {key}: result not in the input's flagos memory"
            assert out[f"all_reduce_{key}_no_allocation"], f"all_reduce {key}: allocated flagos memory (a copy)"
        assert out["async_wait"] and out["async_completed"]
        close(out["async_value"], total("async"))
        assert out["future_is_input"], "the future's value is not the caller's flagos tensor"
        close(out["future_value"], total("async") * WORLD)
        close(out["broadcast"], ranks[1]["broadcast"])
        for src in range(WORLD):
            close(out["all_gather"][src], ranks[src]["gather"])
        assert out["all_gather_devices"] == [torch.device("flagos", rank)] * WORLD
        close(out["all_gather_into_tensor"], torch.cat([r["gather"].flatten() for r in ranks]))
        chunk = total("scatter_in").chunk(WORLD)[rank]
        close(out["reduce_scatter_tensor"], chunk)
        close(out["reduce_scatter_tensor_avg"], chunk / WORLD)
        close(out["reduce_scatter"], chunk)
        for src in range(WORLD):
            close(out["all_to_all"][src], ranks[src]["a2a"].chunk(WORLD)[rank])
        pieces = [ranks[src]["a2a_uneven"].split(splits[src])[rank] for src in range(WORLD)]
        close(out["all_to_all_single"], torch.cat(pieces))
        close(out["send_recv"], ranks[(rank - 1) % WORLD]["p2p"])
        close(out["batch_isend_irecv"], ranks[(rank - 1) % WORLD]["p2p"] * 2)
        for i in range(2):
            summed = sum(r["coalesced"][i].double() for r in ranks)
            close(out["all_reduce_coalesced"][i], summed)
            close(out["all_gather_into_tensor_coalesced"][i], torch.cat([r["coalesced"][i] for r in ranks]))
            close(out["reduce_scatter_tensor_coalesced_avg"][i], summed.chunk(WORLD)[rank] / WORLD)
        assert out["new_group_type"] == "FlagosProcessGroup"
        close(out["new_group_all_reduce"], total("async"))
        close(out["scatter"], inputs["scatter_from_0"][rank])
        assert out["all_gather_object"] == [{"rank": r, "device": f"flagos:{r}"} for r in range(WORLD)]
        assert out["barrier"]
    close(results[0]["reduce"], total("reduce"))
    for src in range(WORLD):
        close(results[0]["gather"][src], ranks[src]["gather"])


# ---- DDP and FSDP2 -------------------------------------------------------------------------------


def test_ddp_matches_single_process_training_on_the_concatenated_batch(job: Job) -> None:
    inputs, results = job.scenario("ddp")
    reference = worker.mlp().double()
    reference.load_state_dict(inputs["init"])
    steps = len(inputs["x"][0])
    opt = torch.optim.SGD(reference.parameters(), lr=inputs["lr"], momentum=0.9)
    for step in range(steps):
        x = torch.cat([inputs["x"][r][step] for r in range(WORLD)])
        y = torch.cat([inputs["y"][r][step] for r in range(WORLD)])
        opt.zero_grad()
        F.mse_loss(reference(x), y).backward()
        opt.step()
    for rank, out in enumerate(results):
        assert out["param_devices"] == [f"flagos:{rank}"]
        assert out["grad_devices"] == [f"flagos:{rank}"]  # gradient_as_bucket_view: views of flagos buckets
        for name, value in reference.state_dict().items():
            assert not torch.equal(value, inputs["init"][name]), "training did not change the weights"
            close(out["params"][name], value, rtol=1e-10, atol=1e-12)


def _lm_reference(init: dict[str, torch.Tensor], batches: list[list[torch.Tensor]], lr: float) -> torch.nn.Module:
    model = worker.TinyTransformer().double()
    model.load_state_dict(init)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for step in range(len(batches[0])):
        worker.lm_step(model, opt, torch.cat([batches[r][step] for r in range(WORLD)]), torch.device("cpu"))
    return model


def test_fsdp2_transformer_matches_single_process_training(job: Job) -> None:
    inputs, results = job.scenario("fsdp2")
    reference = _lm_reference(inputs["init"], inputs["tokens"], inputs["lr"])
    for rank, out in enumerate(results):
        for name, (device, shape) in out["local_shards"].items():
            assert device == f"flagos:{rank}", f"{name}'s shard is on {device}"
        assert out["local_shards"]["head.weight"][1][0] == 32 // WORLD  # sharded on dim 0
        for name, value in reference.named_parameters():
            assert not torch.equal(value.detach().float(), inputs["init"][name]), f"{name} did not train"
            close(out["params"][name], value.detach(), rtol=1e-4, atol=1e-5)


def test_distributed_checkpoint_round_trip_restores_the_state(job: Job) -> None:
    inputs, results = job.scenario("dcp")
    assert any(pathlib.Path(inputs["checkpoint"]).glob("*.distcp")), "no checkpoint files were written"
    for rank, out in enumerate(results):
        assert out["devices"] == [f"flagos:{rank}"]
        assert out["saved"]["params"].keys() == out["loaded"]["params"].keys()
        for name, value in out["saved"]["params"].items():
            assert torch.equal(out["loaded"]["params"][name], value), f"parameter {name} not restored"
        assert out["saved"]["optim"] and out["saved"]["optim"].keys() == out["loaded"]["optim"].keys()
        for name, value in out["saved"]["optim"].items():
            assert torch.equal(out["loaded"]["optim"][name], value), f"optimizer state {name} not restored"
        for name, value in out["continued"].items():
            assert torch.equal(out["continued_restored"][name], value), f"{name} diverged after restoring"
    for name, value in results[0]["saved"]["params"].items():
        assert torch.equal(results[1]["saved"]["params"][name], value)


# ---- in process: registration, engines, errors ---------------------------------------------------


@pytest.fixture
def one_rank_group(request: pytest.FixtureRequest) -> Iterator[dist.ProcessGroup]:
    backend = getattr(request, "param", "flagos")
    dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1)
    try:
        yield dist.group.WORLD
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("one_rank_group", ["flagos", "cpu:gloo,flagos:flagos", None], indirect=True,
                         ids=["flagos", "device_map", "default_for_accelerator"])
def test_backend_names_give_the_flagos_group(one_rank_group: dist.ProcessGroup, gen: torch.Generator) -> None:
    assert isinstance(one_rank_group, FlagosProcessGroup)
    # gloo on host, nccl on cuda; gloo on host copies where there are no native aliases
    assert one_rank_group.engine.name == engine_for(flagos.platform, _runtime.native_aliases_readable()).name
    assert {d.type for d in one_rank_group._device_types} == {"flagos", "cpu"}
    x = randn(gen, 4)
    t, c = x.to("flagos"), x.clone()
    dist.all_reduce(t)
    dist.all_reduce(c)  # cpu tensors work in the same group (gloo)
    assert t.device.type == "flagos" and torch.equal(t.cpu(), x) and torch.equal(c, x)


def test_backend_is_registered_for_the_flagos_device() -> None:
    assert dist.Backend.default_device_backend_map["flagos"] == "flagos"
    assert set(dist.Backend.backend_capability["flagos"]) == {"flagos", "cpu"}
    flagos.distributed.register()  # again: no-op


def test_engines_per_platform() -> None:
    # ascend: gloo over host copies until flagos has an HCCL engine of its own (torch_npu's cannot be used)
    assert [engine_for(p).name for p in ("host", "cuda", "metax", "ascend")] == ["gloo", "nccl", "nccl", "gloo"]
    assert engine_for("host").native_device == "cpu" and engine_for("cuda").native_device == "cuda"
    assert engine_for("cuda", native_aliases=False).name == "gloo"  # the process group stages host copies
    with pytest.raises(EngineUnavailableError, match="no collective engine is known for platform 'tpu'"):
        engine_for("tpu")


def test_batch_isend_irecv_batches_on_flagos_groups() -> None:
    # torch batches only when type(group) is ProcessGroup; flagos wraps it (NCCL deadlocks otherwise:
    # the 2-rank job's batch_isend_irecv, irecv first on every rank, is the real test on a GPU pair).
    import torch.distributed.distributed_c10d as c10d
    assert dist.batch_isend_irecv is c10d.batch_isend_irecv
    assert getattr(dist.batch_isend_irecv, "__flagos_batched__", False)
    assert dist.batch_isend_irecv.__wrapped__.__module__ == "torch.distributed.distributed_c10d"


def test_checkpoint_writer_stages_flagos_tensors_next_to_another_accelerator(
        tmp_path: pathlib.Path, gen: torch.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    # On the cuda platform DCP's loader moves only "cuda" tensors to the CPU ("Tensor must be on
    # CPU" otherwise). Reproduced here by making its device type another one ("cpu": a no-op move).
    import torch.distributed.checkpoint as dcp
    import torch.distributed.checkpoint.filesystem as filesystem
    assert getattr(filesystem._OverlappingCpuLoader, "_flagos_aware", False)
    monkeypatch.setattr(filesystem, "_get_available_device_type", lambda: "cpu")
    monkeypatch.setattr(torch.cpu.Stream, "synchronize", lambda self: None, raising=False)  # cpu work is synchronous
    state = {"w": randn(gen, 5, 3).to("flagos"), "b": randn(gen, 7, dtype=torch.float64).to("flagos")}
    dcp.save(state, storage_writer=dcp.FileSystemWriter(str(tmp_path), thread_count=1), no_dist=True)
    restored = {k: torch.zeros_like(v) for k, v in state.items()}
    dcp.load(restored, checkpoint_id=str(tmp_path), no_dist=True)
    for key, value in state.items():
        assert restored[key].device.type == "flagos"
        assert torch.equal(restored[key].cpu(), value.cpu())


@pytest.mark.skipif(dist.is_nccl_available(), reason="NCCL is present here: no engine is missing")
def test_missing_engine_is_a_clear_error() -> None:
    with pytest.raises(EngineUnavailableError, match="NCCL"):
        engine_for("cuda").create(dist.HashStore(), 0, 1, timedelta(seconds=5))


def _gloo_device(group: FlagosProcessGroup) -> str:
    """Where tensors go through gloo in this group: flagos tensors on host, CPU tensors elsewhere."""
    return "flagos" if group.engine.name == "gloo" else "cpu"


@pytest.mark.filterwarnings("ignore:`torch.distributed.all_gather_into_tensor` is deprecated")
def test_unsupported_dtype_names_collective_dtype_and_engine(one_rank_group: dist.ProcessGroup) -> None:
    device = _gloo_device(one_rank_group)
    with pytest.raises(CollectiveError, match=r"all_reduce does not support torch.int16 tensors: the gloo engine"):
        dist.all_reduce(torch.ones(3, dtype=torch.int16, device=device))
    with pytest.raises(CollectiveError, match=r"all_gather_into_tensor does not support torch.float8_e4m3fn"):
        dist.all_gather_into_tensor(torch.empty(2, dtype=torch.float8_e4m3fn, device=device),
                                    torch.zeros(2, dtype=torch.float8_e4m3fn, device=device))
    with pytest.raises(CollectiveError, match=r"all_reduce with ReduceOp.AVG is not supported for torch.int64 "
                                              r"tensors on the gloo engine"):
        dist.all_reduce(torch.ones(3, dtype=torch.int64, device=device), op=dist.ReduceOp.AVG)


def test_avg_on_gloo_is_emulated_for_floating_tensors(one_rank_group: dist.ProcessGroup, gen: torch.Generator) -> None:
    x = randn(gen, 5)
    t = x.to(_gloo_device(one_rank_group))
    dist.all_reduce(t, op=dist.ReduceOp.AVG)  # 1 rank: the average is the tensor itself
    assert torch.equal(t.cpu(), x)


def test_coalescing_follows_the_engine(one_rank_group: dist.ProcessGroup, gen: torch.Generator) -> None:
    xs = [randn(gen, 2), randn(gen, 3)]
    ts = [x.to("flagos") for x in xs]
    if one_rank_group.engine.name == "gloo":
        with pytest.raises(CollectiveError,
                           match=r"coalescing \(_start_coalescing\) is not supported by the gloo engine"):
            with dist._coalescing_manager(device=torch.device("flagos", 0)):
                dist.all_reduce(ts[0])
        return
    with dist._coalescing_manager(device=torch.device("flagos", 0)):
        for t in ts:
            dist.all_reduce(t)
    for t, x in zip(ts, xs):
        assert t.device.type == "flagos" and torch.equal(t.cpu(), x)


def test_monitored_barrier_on_the_group(one_rank_group: dist.ProcessGroup) -> None:
    # torch.distributed.monitored_barrier() itself only accepts groups named "gloo".
    one_rank_group.monitored_barrier(timedelta(seconds=30))


def test_tensor_on_a_foreign_device_is_refused(one_rank_group: dist.ProcessGroup) -> None:
    with pytest.raises(CollectiveError, match=r"broadcast got a tensor on meta"):
        dist.broadcast(torch.empty(2, device="meta"), src=0)



def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_init_selects_the_local_rank_device_and_joins(monkeypatch: pytest.MonkeyPatch) -> None:
    if torch.flagos.device_count() < 2:
        pytest.skip("needs 2 flagos devices (FLAGOS_HOST_DEVICE_COUNT=2 on the host platform)")
    for name, value in {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(_free_port()), "RANK": "0",
                        "WORLD_SIZE": "1", "LOCAL_RANK": "1"}.items():
        monkeypatch.setenv(name, value)
    try:
        assert flagos.distributed.init() == torch.device("flagos", 1)
        assert torch.flagos.current_device() == 1
        assert isinstance(dist.group.WORLD, FlagosProcessGroup) and dist.get_backend() == "flagos"
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
        torch.flagos.set_device(0)


def test_init_refuses_a_local_rank_without_a_device(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_RANK", str(torch.flagos.device_count()))
    with pytest.raises(RuntimeError, match=r"local rank \d+ needs flagos:\d+, but \d+ flagos device\(s\)"):
        flagos.distributed.init()
    assert not dist.is_initialized()
