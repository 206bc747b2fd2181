#!/bin/bash
# Runs nvcc with a private temporary directory (next to its output) so that parallel nvcc actions
# never share temp file names: nvcc names them by process id, and Bazel < 7's sandbox shares /tmp
# with tiny, colliding pids. Usage: nvcc_wrapper.sh <nvcc> <output object> <nvcc args...>
set -euo pipefail
nvcc="$1"; out="$2"; shift 2
tmp="${out}.nvcc-tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
TMPDIR="$tmp" "$nvcc" "$@"
