#!/usr/bin/env bash
# Installs the build at $1 into a temporary prefix and checks what lands there: the three
# binaries (each answering --version with exit 0), the page assets and the deployment examples.
set -euo pipefail
build=$1
prefix=$(mktemp -d /tmp/postsearch-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT

cmake --install "$build" --prefix "$prefix" > "$prefix.log" 2>&1 || { cat "$prefix.log"; rm -f "$prefix.log"; exit 1; }
rm -f "$prefix.log"

status=0
for file in bin/postsearch-server bin/postsearch-index bin/postsearch \
            share/postsearch/assets/index.html share/postsearch/assets/search.js \
            share/postsearch/assets/search.css \
            share/postsearch/examples/postsearch.service \
            share/postsearch/examples/nginx-postsearch.conf; do
  if [ ! -s "$prefix/$file" ]; then
    echo "missing after install: $file" >&2
    status=1
  fi
done
for program in postsearch-server postsearch-index postsearch; do
  if ! out=$("$prefix/bin/$program" --version); then
    echo "$program --version failed" >&2
    status=1
    continue
  fi
  if ! [[ $out =~ ^$program\ [0-9]+\.[0-9]+\.[0-9]+\ \(Xapian\ [0-9.]+,\ Boost\ [0-9]+\.[0-9]+\)$ ]]; then
    echo "$program --version printed: $out" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "install: all files present, --version works"
exit $status
