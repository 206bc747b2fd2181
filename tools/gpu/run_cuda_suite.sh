#!/usr/bin/env bash
# Runs flagos' test suite and benchmarks on an NVIDIA GPU machine, against a cuda wheel built
# elsewhere (./bazelw build //:wheel --config=cuda) and carried over. No Bazel or network needed:
# the tests run with the machine's python3, which must have torch==<the version the wheel pins>
# and pytest (transformers for the model benchmark).
#
#   tools/gpu/run_cuda_suite.sh <flagos-...+cuda-...whl> [output dir] [extra wheels to install...]
#
# Writes pytest logs, JUnit XML and benchmark JSON into the output dir (default ./gpu-results).
# Extra wheels: flag_gems (+ sqlalchemy, greenlet) enable tests/gpu's FlagGems tests.
# SKIP_MODEL_BENCHMARK=1 leaves out the (slow) model benchmark.
set -uo pipefail
wheel="$(realpath "$1")"
out="${2:-gpu-results}"
shift 2 || shift $#
mkdir -p "$out"
out="$(realpath "$out")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${PYTHON:-python3}"

"$py" -m pip install --quiet --no-deps --no-index --force-reinstall "$wheel" "$@" || exit 1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
cd /tmp  # import the installed wheel, not the source tree
"$py" -m flagos info | tee "$out/info.txt" || exit 1

status=0
"$py" -m pytest "$root/tests/python" -q -p no:cacheprovider -rs --junitxml="$out/junit.xml" 2>&1 | tee "$out/pytest.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# FlagGems through the flaggems provider (skips when flag_gems is not installed)
"$py" -m pytest "$root/tests/gpu" -q -p no:cacheprovider -rs --junitxml="$out/junit_gpu.xml" 2>&1 | tee "$out/pytest_gpu.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
FLAGOS_WHEEL="$wheel" "$py" -m pytest "$root/tests/wheel/test_wheel_contents.py" -q -p no:cacheprovider 2>&1 | tee "$out/wheel.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

"$py" "$root/benchmarks/op_overhead.py" "$out" --native cuda 2>&1 | tee "$out/op_overhead.log"
"$py" "$root/benchmarks/routing_overhead.py" 2>&1 | tee "$out/routing_overhead.txt"
# Qwen3-0.6B-shaped decode step, eager vs graph on cuda and flagos (tables in $out/graph_decode/)
"$py" "$root/benchmarks/graph_decode.py" "$out/graph_decode" --devices cuda,flagos 2>&1 | tee "$out/graph_decode.txt"
gpus=$(nvidia-smi -L | wc -l)
if [ "$gpus" -ge 2 ]; then  # tests/python ran the 2-rank NCCL job above; here its bandwidth
  "$py" "$root/benchmarks/allreduce_bandwidth.py" --nproc 2 --max-size 256M 2>&1 | tee "$out/allreduce_bandwidth.txt"
fi
if [ -z "${SKIP_MODEL_BENCHMARK:-}" ]; then
  "$py" "$root/benchmarks/native_vs_flagos.py" "$out" 2>&1 | tee "$out/native_vs_flagos.log"
fi
exit $status
