#!/usr/bin/env bash
# Indexing benchmark: for each corpus, the median wall time of a full build into an empty
# index and of a run with no change, and their ratio (measured in the same run, so the
# machine's speed cancels out). Also one changed post applied to the whole index.
#
#   bash bench/indexing.sh [RUNS] [CORPUS...]     (default: 5 runs; go-blog rust-blog)
#   bash bench/indexing.sh 3 mdn                  (MDN, extracted from its tarball to /tmp)
#
# Needs a build (bash scripts/build.sh). Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"; shift || true
corpora=("$@"); [ ${#corpora[@]} -gt 0 ] || corpora=(go-blog rust-blog)
corpus_root="$PWD/tests/corpora"  # the corpora the tests use (tests/corpora/README.md)
indexer="$PWD/build/indexer/postsearch-index"
[ -x "$indexer" ] || { echo "build first: bash scripts/build.sh" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { local s e; s=$(now); "$@" >/dev/null 2>&1 || true; e=$(now); awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b - a}'; }

corpus_dir() {
  case "$1" in
    mdn)
      if [ ! -d /tmp/postsearch-mdn/files ]; then
        mkdir -p /tmp/postsearch-mdn && tar -xJf "$corpus_root/mdn-en-us.tar.xz" -C /tmp/postsearch-mdn
      fi
      echo /tmp/postsearch-mdn/files ;;
    *) echo "$corpus_root/$1" ;;
  esac
}

printf '| corpus | posts | full build (median s) | no-change run (median s) | ratio | one changed post (median s) |\n'
printf '|---|---:|---:|---:|---:|---:|\n'
for corpus in "${corpora[@]}"; do
  dir=$(corpus_dir "$corpus")
  cp -r "$dir" "$work/posts-$corpus"
  posts="$work/posts-$corpus"
  full=(); nochange=(); onechange=()
  for i in $(seq "$runs"); do
    rm -rf "$work/db"
    full+=("$(timed "$indexer" --quiet --db "$work/db" "$posts")")
  done
  count=$("$indexer" --db "$work/db" "$posts" 2>/dev/null | awk '{print $1}')
  for i in $(seq "$runs"); do
    nochange+=("$(timed "$indexer" --quiet --db "$work/db" "$posts")")
  done
  victim=$(find "$posts" -name '*.md' | sort | head -1)
  for i in $(seq "$runs"); do
    printf '\nEdited by the benchmark, run %s.\n' "$i" >> "$victim"
    onechange+=("$(timed "$indexer" --quiet --db "$work/db" "$posts")")
  done
  f=$(printf '%s\n' "${full[@]}" | median)
  n=$(printf '%s\n' "${nochange[@]}" | median)
  o=$(printf '%s\n' "${onechange[@]}" | median)
  printf '| %s | %s | %.3f | %.3f | %.3f | %.3f |\n' "$corpus" "$count" "$f" "$n" "$(awk -v a="$n" -v b="$f" 'BEGIN {print a / b}')" "$o"
done
echo
echo "ratio = no-change run / full build (target < 0.1); $runs runs each, $(nproc) cores, $(date -u +%Y-%m-%d)"
