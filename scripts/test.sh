#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test:
# unit tests, end-to-end tests against the real server, and tests over ../shared/corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
WERROR=ON bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2
