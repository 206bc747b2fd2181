#!/usr/bin/env bash
# Compiles the stub runtime of a SYNTHETIC stand-in SDK into an SDK tree whose headers and
# scripts synthetic_sdk.bzl has already copied there.
#   install.sh <cann|maca> <sdk dir> <host c++ compiler> <stub sources...>
# The libraries land where the vendors' installers put theirs: CANN lib64/, MACA lib/.
set -euo pipefail
sdk="$1" dest="$2" cxx="$3"
shift 3
sources=()
for s in "$@"; do
  case "$s" in *.cc) sources+=("$s") ;; esac
done
common_dir=""
for s in "$@"; do
  case "$s" in */common/synthetic_device.h) common_dir="$(dirname "$s")" ;; esac
done

flags=(-std=c++17 -O1 -g -fPIC -shared -Wall -Wextra -I"$dest/include" -I"$common_dir")
case "$sdk" in
  cann)
    mkdir -p "$dest/lib64"
    "$cxx" "${flags[@]}" -Wl,-soname,libascendcl.so -o "$dest/lib64/libascendcl.so" "${sources[@]}" -lpthread
    # aclnn: flagos calls no aclnn function yet (the platform glue that will is not written), so
    # the stand-in aclnn libraries are empty; they exist so that the SDK check and the :aclnn
    # target see the layout of a real toolkit.
    for lib in libnnopbase libopapi; do
      printf '// synthetic stand-in: flagos calls no aclnn function yet\n' > "$dest/$lib.empty.cc"
      "$cxx" -fPIC -shared -Wl,-soname,$lib.so -o "$dest/lib64/$lib.so" "$dest/$lib.empty.cc"
      rm "$dest/$lib.empty.cc"
    done
    ;;
  maca)
    mkdir -p "$dest/lib"
    "$cxx" "${flags[@]}" -Wl,-soname,libmcruntime.so -o "$dest/lib/libmcruntime.so" "${sources[@]}" -lpthread
    chmod +x "$dest/mxgpu_llvm/bin/mxcc"
    ;;
  *)
    echo "install.sh: unknown SDK '$sdk'" >&2
    exit 2
    ;;
esac
