#!/usr/bin/env bash
# Scale benchmark (issue 8): query latency against index size on one node.
#
#   bash bench/scale.sh [SIZES...]            (default: 10000 100000 1000000)
#
# For each size N: the first N synthetic posts of bench/gen_posts.py (real paragraphs, code
# and titles of the Go blog, the Rust blog and MDN, one source in three each; ~1.6 KB of
# Markdown a post; synthetic titles, tags, authors, dates, distinct slugs) are indexed from
# scratch by the real postsearch-index; then
#   - in-process latency: build/bench/query-latency-bench (one thread, the Searcher the server
#     uses: top-10 cards with snippets and exact facets, 500 ms budget) over the 200 queries
#     of bench/queries-go-blog.txt, ROUNDS rounds (default 3);
#   - served: postsearch-server --threads 2 under wrk (2 threads, CONNECTIONS=16 keep-alive
#     connections, LOAD_SECONDS=10) cycling /api/search over the same queries; requests/s,
#     wrk's p50/p99, and the server's RSS after the load.
# Prints one Markdown table. Posts are generated once into $SCALE_WORK (default
# /tmp/postsearch-scale) and reused; each index is deleted after it is measured (KEEP=1 keeps
# them). Uses $POSTSEARCH_BUILD_DIR (default build/) for the binaries: postsearch-index,
# postsearch-server, query-latency-bench. Installs nothing but needs wrk for the served column
# (skipped without it). Bounded: each build has BUILD_TIMEOUT seconds (default 3600), each
# measurement a time limit, and the server is killed on any exit. Asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
rounds=${ROUNDS:-3}
connections=${CONNECTIONS:-16}
load_seconds=${LOAD_SECONDS:-10}
build=${POSTSEARCH_BUILD_DIR:-$PWD/build}
corpus_root="$PWD/tests/corpora"  # the corpora the tests use (tests/corpora/README.md)
queries="$PWD/bench/queries-go-blog.txt"
work=${SCALE_WORK:-/tmp/postsearch-scale}
indexer="$build/indexer/postsearch-index"
server="$build/server/postsearch-server"
latency="$build/bench/query-latency-bench"
for b in "$indexer" "$server" "$latency"; do
  [ -x "$b" ] || { echo "scale.sh: $b missing: build it (bash scripts/build.sh $(basename "$b"))" >&2; exit 2; }
done

server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2> /dev/null || true; wait "$server_pid" 2> /dev/null || true; fi
}
trap cleanup EXIT

mkdir -p "$work"
mdn=/tmp/postsearch-mdn/files
if [ ! -d "$mdn" ]; then
  mkdir -p /tmp/postsearch-mdn && tar -xJf "$corpus_root/mdn-en-us.tar.xz" -C /tmp/postsearch-mdn
fi
max=0
for n in "${sizes[@]}"; do
  [[ $n =~ ^[1-9][0-9]*000$ ]] || { echo "scale.sh: sizes are multiples of 1000: $n" >&2; exit 2; }
  [ "$n" -gt "$max" ] && max=$n
done
start=$(date +%s.%N)
python3 bench/gen_posts.py "$work/posts" "$max" "$corpus_root/go-blog" "$corpus_root/rust-blog" "$mdn"
echo "posts: $max in $work/posts ($(du -sh "$work/posts" | cut -f1) on disk), generated or checked in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e - s}') s" >&2

# The wrk side: every query as an /api/search path, cycled.
python3 -c 'import sys, urllib.parse
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        print("/api/search?q=" + urllib.parse.quote(line.strip()))' "$queries" > "$work/paths.txt"
to_ms() {  # wrk's "1.23ms" / "456.00us" / "1.20s" -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'
}

printf '| posts | index on disk | full build | indexer max RSS | in-process p50 / p90 / p99 (ms) | over budget | suggest p50 / p99 (ms) | served req/s (%s conn.) | served p50 / p99 (ms) | server RSS |\n' "$connections"
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  db="$work/db-$n"
  rm -rf "$db"
  dirs=()
  for ((f = 0; f < n / 1000; f++)); do dirs+=("$work/posts/$(printf %04d "$f")"); done
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/index.rss" timeout "${BUILD_TIMEOUT:-3600}" \
    "$indexer" --quiet --db "$db" "${dirs[@]}" > "$work/index.out" 2>&1 ||
    { echo "scale.sh: indexing $n posts failed:" >&2; tail -5 "$work/index.out" >&2; exit 1; }
  build_s=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN {printf "%.0f", e - s}')
  live="$db/$(awk '{print $2}' "$db/XAPIANDB")"
  size=$(du -sh "$live" | cut -f1)

  timeout 1800 "$latency" "$db" "$queries" "$rounds" > "$work/latency.out"
  read -r p50 p90 p99 < <(awk -F'|' '/^\| postsearch: top-10/ {printf "%.2f %.2f %.2f\n", $3/1000, $4/1000, $5/1000}' "$work/latency.out")
  read -r s50 s99 < <(awk -F'|' '/^\| postsearch suggest/ {printf "%.2f %.2f\n", $3/1000, $5/1000}' "$work/latency.out")
  budget=$(sed -n 's/^searches over the time budget (facets not exact): \([0-9]* of [0-9]*\)$/\1/p' "$work/latency.out")

  rps="-" w50="-" w99="-" rss="-"
  if command -v wrk > /dev/null; then
    "$server" --db "$db" --listen 127.0.0.1:0 --threads 2 --quiet > "$work/server.log" 2>&1 &
    server_pid=$!
    port=""
    for _ in $(seq 200); do
      port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/server.log" | head -1)
      [ -n "$port" ] && break
      sleep 0.05
    done
    if [ -n "$port" ]; then
      timeout $((load_seconds + 30)) wrk -t2 -c"$connections" -d"${load_seconds}s" --timeout 10s --latency \
        -s "$PWD/bench/cycle_paths.lua" "http://127.0.0.1:$port" -- "$work/paths.txt" > "$work/wrk.out" 2>&1 || true
      rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk.out")
      w50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")")
      w99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")
      bad=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
      [ -z "$bad" ] || rps="$rps ($bad non-2xx)"
      rss="$(awk '/^VmRSS:/ {printf "%.0f MB", $2 / 1024}' "/proc/$server_pid/status")"
    fi
    kill -TERM "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
    server_pid=""
  fi
  printf '| %s | %s | %s s | %.0f MB | %s / %s / %s | %s | %s / %s | %s | %s / %s | %s |\n' \
    "$n" "$size" "$build_s" "$(awk '{print $1 / 1024}' "$work/index.rss")" "$p50" "$p90" "$p99" \
    "$budget" "$s50" "$s99" "$rps" "$w50" "$w99" "$rss"
  [ "${KEEP:-0}" = 1 ] || rm -rf "$db"
done
echo
echo "$(nproc) cores, $(date -u +%Y-%m-%d); ROUNDS=$rounds; queries: $(wc -l < "$queries") from $(basename "$queries")"
