#!/usr/bin/env bash
# Compiles the stub runtime of a SYNTHETIC stand-in SDK into an SDK tree whose headers and
# scripts synthetic_sdk.bzl has already copied there.
#   install.sh <cann|maca> <sdk dir> <host c++ compiler> <stub sources...>
# The libraries land where the vendors' installers put theirs: CANN lib64/, MACA lib/.
# CANN's sources are told apart by name: aclnn_stub_base_*.cc make libnnopbase.so (aclnn's
# descriptors), aclnn_stub_op_*.cc libopapi.so (the operators), every other .cc libascendcl.so (the
# runtime, with the common device model). The aclnn libraries link against libascendcl.so in the
# same lib64/ (rpath $ORIGIN), so the process has one runtime, as with the real toolkit.
set -euo pipefail
sdk="$1" dest="$2" cxx="$3"
shift 3
sources=() nnopbase_sources=() opapi_sources=()
for s in "$@"; do
  case "$s" in
    */aclnn_stub_base_*.cc) nnopbase_sources+=("$s") ;;
    */aclnn_stub_op_*.cc) opapi_sources+=("$s") ;;
    */aclnn_stub_*.cc)
      echo "install.sh: $s: name aclnn sources aclnn_stub_base_*.cc (libnnopbase) or aclnn_stub_op_*.cc (libopapi)" >&2
      exit 2
      ;;
    *.cc) sources+=("$s") ;;
  esac
done
common_dir=""
for s in "$@"; do
  case "$s" in */common/synthetic_device.h) common_dir="$(dirname "$s")" ;; esac
done

flags=(-std=c++17 -O1 -g -fPIC -shared -Wall -Wextra -I"$dest/include" -I"$common_dir")
case "$sdk" in
  cann)
    mkdir -p "$dest/lib64"
    if [ ${#nnopbase_sources[@]} -eq 0 ] || [ ${#opapi_sources[@]} -eq 0 ]; then
      echo "install.sh: cann needs aclnn_stub_base_*.cc and aclnn_stub_op_*.cc sources" >&2
      exit 2
    fi
    "$cxx" "${flags[@]}" -Wl,-soname,libascendcl.so -o "$dest/lib64/libascendcl.so" "${sources[@]}" -lpthread
    aclnn_link=(-L"$dest/lib64" -Wl,-rpath,'$ORIGIN' -Wl,--no-undefined)
    "$cxx" "${flags[@]}" -Wl,-soname,libnnopbase.so -o "$dest/lib64/libnnopbase.so" "${nnopbase_sources[@]}" \
      "${aclnn_link[@]}" -lascendcl -lpthread
    "$cxx" "${flags[@]}" -Wl,-soname,libopapi.so -o "$dest/lib64/libopapi.so" "${opapi_sources[@]}" \
      "${aclnn_link[@]}" -lnnopbase -lascendcl -lpthread
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
