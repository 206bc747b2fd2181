#!/usr/bin/env bash
# The SYNTHETIC stand-in mxcc (tests/synthetic_sdk/maca/mxgpu_llvm/bin/mxcc) accepts the command
# line flagos' mxcc_library writes for the real compiler and refuses what the real one would not
# get from flagos. (That mxcc_library's own command passes is shown by :test_kernels building.)
set -euo pipefail
mxcc="$TEST_SRCDIR/maca_synthetic/sdk/mxgpu_llvm/bin/mxcc"
[ -x "$mxcc" ] || { echo "no stand-in mxcc at $mxcc" >&2; exit 1; }
root="$(cd "$(dirname "$(readlink -f "$mxcc")")/../.." && pwd)"
work="$TEST_TMPDIR/mxcc"
mkdir -p "$work"
cat > "$work/k.maca" <<'SRC'
__global__ void k(float* p) { p[threadIdx.x] = 1.0f; }
extern "C" mcError_t launch_k(float* p, mcStream_t s) { k<<<1, 32, 0, s>>>(p); return mcGetLastError(); }
SRC
failures=0
good=(-x maca -c "$work/k.maca" -o "$work/k.o" -fPIC -std=c++17 -O2 --offload-arch=xcore1000 --maca-path="$root" -I "$work" -DFLAG=1)

expect_ok() {
  local what="$1"; shift
  if ! out="$("$mxcc" "$@" 2>&1)"; then
    echo "FAIL ($what): refused: $out"; failures=$((failures + 1))
  else
    echo "ok   ($what)"
  fi
}
expect_refused() {
  local what="$1" message="$2"; shift 2
  if out="$("$mxcc" "$@" 2>&1)"; then
    echo "FAIL ($what): accepted"; failures=$((failures + 1))
  elif [[ "$out" != *"$message"* ]]; then
    echo "FAIL ($what): expected '$message' in: $out"; failures=$((failures + 1))
  else
    echo "ok   ($what): $out"
  fi
}
without() {  # the good command line without the arguments given
  local drop=("$@") a d keep
  for a in "${good[@]}"; do
    keep=1
    for d in "${drop[@]}"; do [ "$a" = "$d" ] && keep=0; done
    [ $keep = 1 ] && printf '%s\0' "$a"
  done
}

expect_ok "the command line mxcc_library writes" "${good[@]}"
[ -s "$work/k.o" ] || { echo "FAIL: no object written"; failures=$((failures + 1)); }
nm "$work/k.o" | grep -q " T launch_k" || { echo "FAIL: launch_k not defined in the object"; failures=$((failures + 1)); }
expect_ok "two architectures" "${good[@]}" --offload-arch=xcore1500

mapfile -d '' no_lang < <(without -x maca)
expect_refused "no -x maca" "missing '-x maca'" "${no_lang[@]}"
mapfile -d '' no_pic < <(without -fPIC)
expect_refused "no -fPIC" "missing -fPIC" "${no_pic[@]}"
mapfile -d '' no_arch < <(without --offload-arch=xcore1000)
expect_refused "no architecture" "missing --offload-arch" "${no_arch[@]}"
mapfile -d '' no_path < <(without "--maca-path=$root")
expect_refused "no SDK path" "missing --maca-path" "${no_path[@]}"
mapfile -d '' no_c < <(without -c)
expect_refused "linking" "missing -c" "${no_c[@]}"
expect_refused "a CUDA architecture" "unknown offload architecture 'sm_80'" "${no_arch[@]}" --offload-arch=sm_80
expect_refused "an AMD architecture" "unknown offload architecture 'gfx90a'" "${no_arch[@]}" --offload-arch=gfx90a
expect_refused "a flag the real mxcc would not get" "unsupported option '-fopenmp'" "${good[@]}" -fopenmp
expect_refused "a wrong SDK path" "is not a MACA SDK" "${no_path[@]}" --maca-path=/nonexistent
expect_refused "two sources" "exactly one source" "${good[@]}" "$work/k.maca"
expect_refused "a missing source" "no such source file" -x maca -c "$work/missing.maca" -o "$work/m.o" -fPIC --offload-arch=xcore1000 --maca-path="$root"
printf 'this is not device code\n' > "$work/bad.maca"
expect_refused "compile errors are reported" "bad.maca:1" -x maca -c "$work/bad.maca" -o "$work/bad.o" -fPIC --offload-arch=xcore1000 --maca-path="$root"

version="$("$mxcc" --version)"
[[ "$version" == *"version 2.33.0.synthetic"* ]] || { echo "FAIL: --version said: $version"; failures=$((failures + 1)); }

[ $failures = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
