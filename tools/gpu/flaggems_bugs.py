"""FlagGems bugs that flagos' check and tune found, reproduced without flagos.

    python tools/gpu/flaggems_bugs.py

Each case runs on plain `cuda` tensors, once on PyTorch's CUDA kernels and once inside
`flag_gems.use_gems()` (the way FlagGems' own users call it), in a process where flagos is not
loaded (TORCH_DEVICE_BACKEND_AUTOLOAD=0 is set before torch is imported). Prints one line per case:
"ok" where FlagGems matches CUDA, else what goes wrong. Exit status 0 either way: the output is
the finding.
"""
from __future__ import annotations

import os
import traceback

os.environ["TORCH_DEVICE_BACKEND_AUTOLOAD"] = "0"  # an installed flagos would load with torch

import torch  # noqa: E402


def _cases() -> dict:
    g = torch.Generator().manual_seed(0)

    def randn(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.randn(*shape, generator=g).to(dtype).cuda()

    x = randn(4, 1024, dtype=torch.bfloat16)
    h, s = randn(1, 1, 1024), randn(1, 1, 1)
    q, r = randn(1, 16, 1, 128, dtype=torch.bfloat16), randn(1, 1, 1, 128, dtype=torch.bfloat16)
    y = randn(8, 8)
    cpu_scalar = torch.tensor(3.0)  # a Python number reaches kernels as a 0-dim CPU tensor
    return {
        "rms_norm, weight=None (bf16 [4, 1024])": lambda: torch.nn.functional.rms_norm(x, (1024,), weight=None),
        "rms_norm with a weight (bf16 [4, 1024])": lambda: torch.nn.functional.rms_norm(
            x, (1024,), weight=torch.ones(1024, device="cuda", dtype=torch.bfloat16)),
        "mul.Tensor broadcast [1,1,1024] * [1,1,1] (f32)": lambda: torch.mul(h, s),
        "mul.Tensor broadcast [1,16,1,128] * [1,1,1,128] (bf16)": lambda: torch.mul(q, r),
        "div.Tensor by a 0-dim CPU tensor": lambda: torch.ops.aten.div.Tensor(y, cpu_scalar),
        "sub.Tensor of a 0-dim CPU tensor": lambda: torch.ops.aten.sub.Tensor(y, cpu_scalar),
    }


def main() -> None:
    import flag_gems

    print(f"flag_gems {getattr(flag_gems, '__version__', '?')}, torch {torch.__version__}, "
          f"{torch.cuda.get_device_name()}")
    for label, call in _cases().items():
        ref = call().float().cpu()
        try:
            with flag_gems.use_gems():
                got = call()
            torch.cuda.synchronize()
            got = got.float().cpu()
            bad = ~torch.isclose(got, ref, rtol=2e-2, atol=1e-2)
            verdict = "ok" if not bad.any() else f"WRONG: {int(bad.sum())} of {ref.numel()} elements differ"
        except Exception as e:  # noqa: BLE001 (the finding)
            where = traceback.extract_tb(e.__traceback__)[-1]
            verdict = (f"CRASH: {type(e).__name__}: {str(e).strip().splitlines()[0][:120]} "
                       f"(at {os.path.basename(where.filename)}:{where.lineno})")
        print(f"{label:58} {verdict}", flush=True)


if __name__ == "__main__":
    main()
