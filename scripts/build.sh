#!/usr/bin/env bash
# Configures and builds postsearch into build/ (warnings are errors when WERROR=ON).
#   bash scripts/build.sh              everything, tests included
#   bash scripts/build.sh TARGET...    only those targets
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTSEARCH_WERROR="${WERROR:-OFF}" >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build build -j"$(nproc)" "${targets[@]}"
