#!/usr/bin/env bash
# The main job: install what is missing, build, index the bundled posts in data/posts and
# serve them with the search page on http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh postsearch-index postsearch-server postsearch
export POSTSEARCH_DB="${POSTSEARCH_DB:-var/index}"
./build/indexer/postsearch-index data/posts
exec ./build/server/postsearch-server --listen "${LISTEN:-127.0.0.1:8080}" "$@"
