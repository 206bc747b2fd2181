#!/usr/bin/env bash
# `python -m flagos tune` on the Qwen3-0.6B-shaped workload (tools/gpu/tune_qwen3_workload.py:
# bf16, prefill 128, decode 32, AdamW step 4x512) on a GPU machine where the cuda wheel and
# flag_gems are installed (tools/gpu/run_cuda_suite.sh installs them):
#
#   tools/gpu/tune_qwen3.sh OUT_DIR
#
# Phases, each with a time limit so that the whole script ends within about 8 minutes:
#   1. trace the workload (all-native; timed trace, so tune takes the costliest operators first)  <= 150 s
#   2. tune over native and flaggems on the traced samples (jobs <= 170 s; the operators not reached
#      stay native), write routes, table, JSON and plot, then confirm: the workload again with the
#      tuned routes against all-native (each run <= 75 s)                                         <= 330 s
#   3. the FlagGems bugs reproducer, without flagos                                               <= 60 s
# Outputs in OUT_DIR: trace.json, traced.json, tuned.conf, tune.json, tune.png, tune.txt (table and
# confirmation), flaggems_bugs.txt, info.txt, *.log.
set -uo pipefail
out="${1:?usage: tools/gpu/tune_qwen3.sh OUT_DIR}"
mkdir -p "$out"
out="$(realpath "$out")"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
py="${PYTHON:-python3}"
workload="$root/tools/gpu/tune_qwen3_workload.py"
cd /tmp  # import the installed wheel, not the source tree
start=$SECONDS

"$py" -m flagos info > "$out/info.txt" 2>&1 || { cat "$out/info.txt"; exit 1; }

echo "== 1. trace ($((SECONDS - start)) s)"
FLAGOS_TRACE="$out/trace.json,timed" timeout 150 "$py" "$workload" --repeat 1 --json "$out/traced.json" \
  > "$out/trace.log" 2>&1
code=$?
tail -2 "$out/trace.log"
[ $code -eq 0 ] && [ -s "$out/trace.json" ] || { echo "tracing failed (exit $code): see $out/trace.log"; exit 1; }

echo "== 2. tune and confirm ($((SECONDS - start)) s)"
timeout 330 "$py" -m flagos tune --trace "$out/trace.json" --providers native,flaggems --dtypes none \
  --max-shapes 4 --repeats 7 --budget 170 --timeout 75 \
  --write-routes "$out/tuned.conf" --json "$out/tune.json" --plot "$out/tune.png" \
  --run "$workload" --repeat 3 > "$out/tune.txt" 2> "$out/tune.log"
code=$?
cat "$out/tune.txt"
[ $code -eq 0 ] || echo "tune exited with $code (124: its time limit): see $out/tune.log"

echo "== 3. FlagGems bugs without flagos ($((SECONDS - start)) s)"
timeout 60 "$py" "$root/tools/gpu/flaggems_bugs.py" > "$out/flaggems_bugs.txt" 2>&1
cat "$out/flaggems_bugs.txt"
echo "== done in $((SECONDS - start)) s; results in $out"
