#!/usr/bin/env bash
# Configures and builds postsearch into build/ (warnings are errors when WERROR=1).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOSTSEARCH_WERROR="${WERROR:-OFF}" >/dev/null
cmake --build build -j"$(nproc)"
