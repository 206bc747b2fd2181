"""The ascend and metax routing tables (platforms/<p>/routes.conf) and the build-time table tool
(tools/routes/routes.py over flagos/routing/_file.py): every routed operator exists in the ATen of
the pinned torch, the documented policy holds, and the reader handles includes, overrides and
mistakes."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest
import torch

import routes

HERE = pathlib.Path(os.environ.get("TEST_SRCDIR", ""), os.environ.get("TEST_WORKSPACE", ""))
TABLES = {"ascend": str(HERE / "platforms/ascend/routes_aclnn.conf"),  # the target table (see its header)
          "metax": str(HERE / "platforms/metax/routes.conf")}
ASCEND_SHIPPED = str(HERE / "platforms/ascend/routes.conf")
METAX_WITHOUT_ALIASES = str(HERE / "platforms/metax/routes_without_aliases.conf")
ROUTES_PY = str(HERE / "tools/routes/routes.py")


@pytest.fixture(scope="module", params=sorted(TABLES))
def table(request) -> tuple[str, routes.Table]:
    return request.param, routes.load(TABLES[request.param])


def test_every_routed_operator_exists_in_aten(table) -> None:
    platform, t = table
    missing = []
    for op in t.routes:
        name, overload = op.split(".")
        packet = getattr(torch.ops.aten, name, None)
        if packet is None or overload not in packet.overloads():
            missing.append(f"{op} ({t.origin[op]})")
    assert not missing, f"{platform}: not ATen operator overloads in torch {torch.__version__}: {missing}"


def test_every_provider_is_used_deliberately(table) -> None:
    platform, t = table
    assert t.default and all(p in routes.PROVIDERS for p in t.default)
    assert len(t.routes) >= 20, f"{platform}: a table is expected to route the core operator groups"


ASCEND_CORE = ["mm.default", "bmm.default", "addmm.default", "baddbmm.default", "add.Tensor", "mul.Tensor",
               "div.Tensor", "gelu.default", "silu.default", "_softmax.default", "_log_softmax.default",
               "native_layer_norm.default", "_fused_rms_norm.default", "embedding.default", "copy_.default",
               "_to_copy.default"]


def test_ascend_policy() -> None:
    t = routes.load(TABLES["ascend"])
    assert t.default == ["cpu"], "stock PyTorch has no NPU kernels: unrouted operators run on the CPU"
    for op in ASCEND_CORE:
        assert t.provider(op) == "native", f"{op}: the aclnn core set is native"
    for op in ("sort.default", "sort.stable", "topk.default"):
        assert t.provider(op) != "flaggems", f"{op}: FlagGems disables it on Ascend"
    assert {p for p in t.routes.values()} == {"native", "flaggems", "cpu"}


ASCEND_KERNELS = ["mm.default", "bmm.default", "add.Tensor", "add_.Tensor", "sub.Tensor", "mul.Tensor", "div.Tensor",
                  "pow.Tensor_Scalar", "rsqrt.default", "silu.default", "mean.dim", "_softmax.default",
                  "_softmax_backward_data.default", "native_layer_norm.default",
                  "native_layer_norm_backward.default", "embedding.default", "embedding_dense_backward.default",
                  "_fused_rms_norm.default", "_fused_rms_norm_backward.default"]


def test_ascend_ships_native_routes_only_for_its_kernels() -> None:
    shipped, target = routes.load(ASCEND_SHIPPED), routes.load(TABLES["ascend"])
    assert shipped.default == ["cpu"], "operators without an aclnn kernel run on the cpu provider"
    native = sorted(op for op, p in shipped.routes.items() if p == "native")
    assert native == sorted(ASCEND_KERNELS), "platforms/ascend/kernels implements exactly these (import checks the rest)"
    assert set(shipped.routes.values()) == {"native"}
    assert all(target.provider(op) == "native" for op in native), "the shipped table stays within the target's"


METAX_FLAGGEMS_BLACKLIST = ["acos.default", "copy_.default", "std.correction", "trace.default",
                            "masked_scatter.default", "masked_scatter_.default", "upsample_nearest1d.default",
                            "_upsample_bicubic2d_aa.default", "nll_loss2d_forward.default"]


def test_metax_policy() -> None:
    t = routes.load(TABLES["metax"])
    assert t.default == ["native"], "MetaX's torch covers every operator natively"
    for op in METAX_FLAGGEMS_BLACKLIST:
        assert t.provider(op) == "native", f"{op}: FlagGems' MetaX compatibility list marks it failing"
    assert "cpu" not in t.routes.values()
    for op in ("mm.default", "bmm.default", "addmm.default", "baddbmm.default"):
        assert t.provider(op) == "native", f"{op}: GEMMs stay on mcBLAS until FlagGems is measured faster"
    assert sum(1 for p in t.routes.values() if p == "flaggems") >= 10


def test_flatten_round_trip(table, tmp_path) -> None:
    platform, t = table
    out = tmp_path / "flat.conf"
    res = subprocess.run([sys.executable, ROUTES_PY, "flatten", TABLES[platform], str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    flat = routes.load(str(out))
    assert flat.default == t.default and flat.routes == t.routes
    assert "include" not in out.read_text()


def test_check_command() -> None:
    res = subprocess.run([sys.executable, ROUTES_PY, "check", *TABLES.values()], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert "ascend/routes_aclnn.conf: default cpu;" in res.stdout and "metax/routes.conf: default native;" in res.stdout


# ---- the reader ------------------------------------------------------------------------------------

def write(path: pathlib.Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_include_and_later_statements_win(tmp_path) -> None:
    write(tmp_path / "common/base.conf", "default = native  # base\nmm.default = flaggems\nadd.Tensor = cpu\n")
    top = write(tmp_path / "p/routes.conf", "include ../common/base.conf\n\n# override\nmm.default = native\n"
                                            "default = cpu\nsilu.default = flaggems\n")
    t = routes.load(top)
    assert t.default == ["cpu"]
    assert t.routes == {"add.Tensor": "cpu", "mm.default": "native", "silu.default": "flaggems"}
    assert list(t.routes) == ["add.Tensor", "mm.default", "silu.default"], "an override moves to its new position"
    assert t.origin["mm.default"].endswith("p/routes.conf:4")
    assert t.provider("relu.default") == "cpu"


@pytest.mark.parametrize("text, message", [
    ("default = native\nmm.default = gpu\n", "routes.conf:2: unknown provider 'gpu'"),
    ("default = native\nmm.default native\n", "routes.conf:2: expected '<op>.<overload> = <provider>'"),
    ("default = native\nmm.default = native, cpu\n", "routes.conf:2: an operator takes one provider"),
    ("default = native, gpu\n", "routes.conf:1: unknown provider 'gpu'"),
    ("mm.default = native\n", "no 'default = <provider>' line"),
    ("default = native\ninclude missing.conf\n", "routes.conf:2: include missing.conf: no such file"),
])
def test_mistakes_are_named_with_their_line(tmp_path, text, message) -> None:
    with pytest.raises(routes.RoutesError, match=None) as e:
        routes.load(write(tmp_path / "routes.conf", text))
    assert message in str(e.value), str(e.value)


def test_a_later_line_of_the_same_file_wins(tmp_path) -> None:
    t = routes.load(write(tmp_path / "routes.conf", "default = native, cpu\nmm.default = cpu\nmm.default = flaggems\n"))
    assert t.routes == {"mm.default": "flaggems"} and t.origin["mm.default"].endswith("routes.conf:3")
    assert t.default == ["native", "cpu"]


def test_include_cycle(tmp_path) -> None:
    write(tmp_path / "a.conf", "default = native\ninclude b.conf\n")
    write(tmp_path / "b.conf", "include a.conf\n")
    with pytest.raises(routes.RoutesError) as e:
        routes.load(str(tmp_path / "a.conf"))
    assert "include cycle" in str(e.value)


def test_check_command_fails_on_a_bad_table(tmp_path) -> None:
    bad = write(tmp_path / "routes.conf", "default = maybe\n")
    res = subprocess.run([sys.executable, ROUTES_PY, "check", bad], capture_output=True, text=True)
    assert res.returncode == 1
    assert "unknown provider 'maybe'" in res.stderr


def test_metax_without_native_aliases_ships_a_cpu_table() -> None:
    # --config=metax-synthetic: stock torch, no native kernels; a native route would be refused at import
    t = routes.load(METAX_WITHOUT_ALIASES)
    assert t.default == ["cpu"] and not t.routes
