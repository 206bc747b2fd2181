#!/usr/bin/env bash
# Runs the model workloads on an NVIDIA GPU machine, after tools/gpu/run_cuda_suite.sh installed the
# cuda wheel (and flag_gems): the Qwen3-0.6B-shaped GPU mode of tests/models against CUDA, then the
# FlagGems workflow of tools/gpu/flaggems_qwen3.py (native, unchecked, check, checked, report).
#
#   tools/gpu/run_models.sh [output dir]
#
# Writes pytest logs, the workflow's JSON and its report into the output dir (default ./gpu-models).
set -uo pipefail
out="${1:-gpu-models}"
mkdir -p "$out"
out="$(realpath "$out")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${PYTHON:-python3}"
cd /tmp  # import the installed wheel, not the source tree

status=0
FLAGOS_QWEN3_FULL=1 "$py" -m pytest "$root/tests/models" -q -s -p no:cacheprovider -rs \
  --junitxml="$out/junit_models.xml" 2>&1 | tee "$out/pytest_models.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

work="$out/flaggems_qwen3"
for phase in native unchecked check checked report; do
  echo "== flaggems_qwen3: $phase"
  extra=(); [ "$phase" = checked ] && extra=(--repair 3)
  "$py" "$root/tools/gpu/flaggems_qwen3.py" --work "$work" --phase "$phase" "${extra[@]}" 2>&1 | tee "$out/flaggems_$phase.log"
done
exit $status
