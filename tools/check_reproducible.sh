#!/usr/bin/env bash
# Builds //:wheel in a second, empty Bazel output base and checks it is bit-identical to the wheel
# in bazel-bin (build that one first). Extra arguments go to both builds (e.g. --config=cuda).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./bazelw build //:wheel "$@" >/dev/null 2>&1
first="$(ls bazel-bin/flagos-*.whl)"
other_base="$(mktemp -d)"
trap 'bazel --output_base="$other_base" shutdown >/dev/null 2>&1 || true; rm -rf "$other_base"' EXIT
bazel --output_base="$other_base" build //:wheel "$@" >/dev/null 2>&1
second="$(bazel --output_base="$other_base" info bazel-bin "$@" 2>/dev/null)/$(basename "$first")"
sha_a="$(sha256sum "$first" | cut -d' ' -f1)"
sha_b="$(sha256sum "$second" | cut -d' ' -f1)"
echo "$(basename "$first")"
echo "  first build:  $sha_a"
echo "  second build: $sha_b"
if [ "$sha_a" != "$sha_b" ]; then
  echo "NOT reproducible: the two clean builds differ" >&2
  exit 1
fi
echo "reproducible: two clean builds are bit-identical"
