#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test:
# unit tests, end-to-end and hostile-client tests against the real server, fault tests, and
# tests over the corpora in tests/corpora; then the whole suite again under ASan + UBSan
# (scripts/test-sanitizers.sh), then each libFuzzer target briefly (scripts/fuzz.sh).
#   FUZZ_SECONDS=N   seconds per fuzz target (default 20; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
WERROR=ON bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2
bash scripts/test-sanitizers.sh
if [[ ${FUZZ_SECONDS:-20} -gt 0 ]]; then
  bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
fi
