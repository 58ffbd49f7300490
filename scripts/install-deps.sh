#!/usr/bin/env bash
# Installs the Debian 12 packages postsearch builds and tests with (only those missing).
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libxapian-dev libcmark-dev libzstd-dev
  libboost1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libyaml-cpp-dev libtomlplusplus-dev libcli11-dev
  catch2 curl
  xapian-tools              # xapian-replicate(-server), xapian-tcpsrv: replicas and remote shards
  python3-prometheus-client  # tests/ops_e2e.py parses /metrics with the Prometheus parser
  clang libclang-rt-14-dev  # libFuzzer targets (scripts/fuzz.sh)
  chromium                  # browser tests (scripts/test-browser.sh)
  # bench/compare.sh (its smoke run is a test): omindex, the cmark CLI, SQLite FTS5 headers
  # for bench/peers/fts5_bench.cpp, nginx, wrk, GNU time
  xapian-omega cmark libsqlite3-dev nginx wrk time
)
# Node.js for the browser tests' driver (playwright-core) and bench/compare.sh's JavaScript
# peers (Pagefind, MiniSearch): Debian's unless one is there.
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
