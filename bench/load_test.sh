#!/usr/bin/env bash
# Bounded load test (issue 6): many keep-alive connections send a mix of requests to a real
# postsearch-server for a fixed time; the run fails (exit 1) on any error and on memory growth.
#
#   bash bench/load_test.sh [SECONDS] [CONNECTIONS] [CORPUS]
#       SECONDS      length of the load (default 60)
#       CONNECTIONS  concurrent keep-alive connections (default 256)
#       CORPUS       go-blog (default), rust-blog (tests/corpora/NAME), data (data/posts),
#                    or mdn (extracted from tests/corpora/mdn-en-us.tar.xz to
#                    /tmp/postsearch-mdn if absent, as bench/indexing.sh does)
#
# What it does: installs wrk, curl and jq if missing (apt-get); builds postsearch-index and
# postsearch-server into build/ (or uses $POSTSEARCH_BUILD_DIR/{indexer,server}/ as built);
# indexes the corpus into a temporary directory; starts the server on 127.0.0.1:0 with
# --quiet --threads 2 (and --max-connections above CONNECTIONS if the server has that
# option); writes a request list and checks each request once with a single client; then runs
#   wrk -t2 -cCONNECTIONS -dSECONDS --timeout 5s --latency -s bench/load_mix.lua
# while sampling the server's VmRSS (and open file descriptors) every second.
#
# The mix (about 800 requests, cycled; each wrk thread starts at a different place):
# /api/search with the 200 queries of bench/queries-go-blog.txt, some with page=2,
# sort=date, a tag filter, partial=0/1, per_page; an empty query filtered by tag;
# /api/suggest with each query's prefix; /api/posts/SLUG and /api/posts/SLUG/related for
# slugs listed by the server itself; /healthz; and about 1% bad requests (page=0, per_page=101,
# sort=bogus, a repeated q, a bad date, bad percent-encoding, limit=0, an unknown slug) whose
# 400/404 is expected. bench/load_mix.lua checks every response against its request.
#
# Fails (exit 1) when:
#   - any response has an unexpected status (any 5xx, a 4xx to a request that should succeed)
#     or wrk saw a socket error (connect, read, write) or a timeout (no response in 5 s; wrk
#     counts a request still waiting once per 2 s check, so the count overstates requests);
#   - RSS at the end exceeds RSS at the end of warm-up by more than RSS_MAX_GROWTH_PCT %
#     (default 10) AND more than RSS_MAX_GROWTH_KB (default 4096 KB). Warm-up (WARMUP
#     seconds, default the first sixth of the run, at least 5 s) is when malloc arenas,
#     Xapian's per-thread state and the sessions' buffers reach their working size. On the
#     Go blog the server sits at 12-14 MB under this load and moves by at most ~1.1 MB after
#     warm-up (a 300 s run stayed within 13.0-14.1 MB), so 4 MB is 4x the noise yet catches
#     a leak of ~120 bytes a request over a 60 s run; the percentage keeps allocator noise
#     on a big index (MDN) from failing a healthy run;
#   - /healthz does not answer 200 after the load, or the server does not exit 0 within
#     SHUTDOWN_WAIT seconds (default 5) of SIGTERM.
# Exit 2: setup failed (build, index, server start, a request of the list answered wrongly
# even without load).
#
# Other settings (environment): SERVER_THREADS (2), WRK_THREADS (2), WRK_TIMEOUT (5s),
# MAX_CONNECTIONS (CONNECTIONS + max(64, CONNECTIONS/4)), KEEP_WORK=1 keeps the temporary
# directory (server stderr, wrk output, RSS samples). Bounded: every step has a time limit
# and the server is killed on any exit.
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-60}"
connections="${2:-256}"
corpus="${3:-go-blog}"
is_count() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
if ! is_count "$duration" || ! is_count "$connections"; then
  echo "usage: bash bench/load_test.sh [SECONDS=60] [CONNECTIONS=256] [CORPUS=go-blog]" >&2
  exit 2
fi
corpus_root="$PWD/tests/corpora"  # the corpora the tests use (tests/corpora/README.md)
queries_file="$PWD/bench/queries-go-blog.txt"
warmup="${WARMUP:-$(( duration / 6 > 5 ? duration / 6 : 5 ))}"
rss_max_pct="${RSS_MAX_GROWTH_PCT:-10}"
rss_max_kb="${RSS_MAX_GROWTH_KB:-4096}"
server_threads="${SERVER_THREADS:-2}"
wrk_threads="${WRK_THREADS:-2}"
[ "$wrk_threads" -le "$connections" ] || wrk_threads="$connections"
wrk_timeout="${WRK_TIMEOUT:-5s}"
shutdown_wait="${SHUTDOWN_WAIT:-5}"
max_connections="${MAX_CONNECTIONS:-$(( connections + (connections / 4 > 64 ? connections / 4 : 64) ))}"
[ "$warmup" -lt "$duration" ] || { echo "WARMUP ($warmup s) must be shorter than the run ($duration s)" >&2; exit 2; }

# ---- tools -----------------------------------------------------------------------------------
missing=()
for tool in wrk curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get -y -qq install --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || { echo "needs python3 (URL encoding)" >&2; exit 2; }

# ---- binaries ----------------------------------------------------------------------------------
if [ -n "${POSTSEARCH_BUILD_DIR:-}" ]; then
  build="$POSTSEARCH_BUILD_DIR"
else
  echo "building ..." >&2
  bash scripts/build.sh postsearch-index postsearch-server >/dev/null
  build="$PWD/build"
fi
indexer="$build/indexer/postsearch-index"
server="$build/server/postsearch-server"
if [ ! -x "$indexer" ] || [ ! -x "$server" ]; then echo "no binaries under $build" >&2; exit 2; fi

# ---- corpus ------------------------------------------------------------------------------------
case "$corpus" in
  data) posts="$PWD/data/posts" ;;
  mdn)
    if [ ! -d /tmp/postsearch-mdn/files ]; then
      echo "extracting MDN to /tmp/postsearch-mdn ..." >&2
      mkdir -p /tmp/postsearch-mdn && tar -xJf "$corpus_root/mdn-en-us.tar.xz" -C /tmp/postsearch-mdn
    fi
    posts=/tmp/postsearch-mdn/files ;;
  *) posts="$corpus_root/$corpus" ;;
esac
[ -d "$posts" ] || { echo "no corpus '$corpus' ($posts)" >&2; exit 2; }
[ -f "$queries_file" ] || { echo "no $queries_file" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
sampler_pid=""
cleanup() {
  [ -z "$sampler_pid" ] || kill "$sampler_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP_WORK:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "indexing $corpus ..." >&2
db="$work/db"
index_status=0
"$indexer" --quiet --db "$db" "$posts" 2> "$work/index.err" || index_status=$?
# 1 = some posts skipped (reported, indexed anyway); anything else is fatal.
[ "$index_status" -le 1 ] || { cat "$work/index.err" >&2; exit 2; }

# ---- server ------------------------------------------------------------------------------------
server_args=(--db "$db" --listen 127.0.0.1:0 --threads "$server_threads" --quiet)
if "$server" --help 2>&1 | grep -q -- '--max-connections'; then
  server_args+=(--max-connections "$max_connections")
else
  max_connections="none"
fi
"$server" "${server_args[@]}" > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^postsearch-server listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
[ -n "$port" ] || { echo "the server did not start: $(cat "$work/server.out" "$work/server.err")" >&2; exit 2; }
base="http://127.0.0.1:$port"
get() { curl -s --max-time 10 "$base$1"; }

# ---- the request list: "STATUS PATH" a line --------------------------------------------------
# URL-encodes each line of stdin (a query component; SAFE characters kept as they are).
urlencode() { python3 -c 'import sys, urllib.parse
for line in sys.stdin: print(urllib.parse.quote(line.rstrip("\n"), safe=sys.argv[1]))' "${1:-}"; }

mapfile -t raw_queries < <(grep -v '^[[:space:]]*$' "$queries_file")
mapfile -t queries < <(printf '%s\n' "${raw_queries[@]}" | urlencode)
# Suggest prefixes: each query minus its last 2 characters (as query-latency-bench does).
mapfile -t prefixes < <(printf '%s\n' "${raw_queries[@]}" |
  awk '{ print (length($0) > 3 ? substr($0, 1, length($0) - 2) : $0) }' | urlencode)
# Slugs and tags, from the server itself (an empty query lists every post, newest first).
: > "$work/slugs"
for page in 1 2 3; do
  get "/api/search?q=&per_page=100&page=$page" | jq -r '.hits[].slug' >> "$work/slugs"
done
mapfile -t slugs < <(sort -u "$work/slugs" | urlencode /)
posts_total=$(get "/api/search?q=&per_page=1" | jq -r .total)
mapfile -t tags < <(get "/api/search?q=&per_page=1" |
  jq -r '.facets.tags | to_entries | sort_by(-.value) | .[:20][] | .key' | urlencode)
[ ${#slugs[@]} -gt 0 ] || { echo "the server lists no posts" >&2; exit 2; }
[ ${#tags[@]} -gt 0 ] || tags=(go)  # a corpus without tags: the filter finds nothing, still 200
bad_requests=(
  "400 /api/search?q=go&page=0"
  "400 /api/search?q=go&per_page=101"
  "400 /api/search?q=go&sort=bogus"
  "400 /api/search?q=go&q=rust"
  "400 /api/search?q=go&page=2000"
  "400 /api/search?q=go&since=yesterday"
  "400 /api/search?q=%ZZ"
  "400 /api/suggest?q=go&limit=0"
  "404 /api/posts/no-such-post-load-test"
)
list="$work/requests.txt"
{
  ns=${#slugs[@]}; nt=${#tags[@]}; nb=${#bad_requests[@]}
  for i in "${!queries[@]}"; do
    q=${queries[$i]}; p=${prefixes[$i]}
    slug=${slugs[$(( i * 7 % ns ))]}; tag=${tags[$(( i % nt ))]}
    echo "200 /api/search?q=$q"
    (( i % 4 == 1 )) && echo "200 /api/search?q=$q&page=2"
    (( i % 5 == 2 )) && echo "200 /api/search?q=$q&sort=date"
    (( i % 6 == 3 )) && echo "200 /api/search?q=$q&tag=$tag"
    (( i % 8 == 5 )) && echo "200 /api/search?q=&tag=$tag&sort=date&per_page=20"
    (( i % 3 == 0 )) && echo "200 /api/search?q=$q&partial=0"
    (( i % 7 == 4 )) && echo "200 /api/search?q=$p&partial=1&per_page=5"
    (( i % 2 == 0 )) && echo "200 /api/suggest?q=$p"
    (( i % 6 == 1 )) && echo "200 /api/suggest?q=$p&limit=10"
    (( i % 3 == 1 )) && echo "200 /api/posts/$slug"
    (( i % 10 == 7 )) && echo "200 /api/posts/$slug/related?limit=5"
    (( i % 20 == 0 )) && echo "200 /healthz"
    (( i % 25 == 12 )) && echo "${bad_requests[$(( i / 25 % nb ))]}"
    (( i % 25 == 24 )) && echo "${bad_requests[$(( (i / 25 + 4) % nb ))]}"
    true
  done
} > "$list"
# Each request once, one client: the list itself must be right before load can be judged.
python3 - "$port" "$list" > "$work/preflight" <<'EOF' || { cat "$work/preflight" >&2; echo "the request list is wrong without load" >&2; exit 2; }
import http.client, sys
port, path = int(sys.argv[1]), sys.argv[2]
conn, bad = http.client.HTTPConnection("127.0.0.1", port, timeout=10), 0
for n, line in enumerate(open(path), 1):
    want, target = line.split()
    conn.request("GET", target)
    resp = conn.getresponse(); resp.read()
    if resp.status != int(want):
        bad += 1; print(f"line {n}: {target} -> {resp.status}, expected {want}")
    if resp.will_close:
        conn.close(); conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
sys.exit(1 if bad else 0)
EOF
list_size=$(wc -l < "$list")
list_bad=$(grep -vc '^200 ' "$list" || true)

# ---- load --------------------------------------------------------------------------------------
rss_of() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null; }
rss_idle=$(rss_of "$server_pid")
# Connections the kernel has completed but the server has not accepted yet (the listening
# socket's Recv-Q): a client's first request waits there. "-" without ss (iproute2).
accept_queue() {
  if command -v ss >/dev/null; then
    ss -ltnH "( sport = :$port )" 2>/dev/null | awk 'NR == 1 {print $2}'
  else
    echo -
  fi
}
# One sample a second: milliseconds since the load began, VmRSS in KB, open descriptors,
# accept queue.
(
  start=$(date +%s%N)
  while rss=$(rss_of "$server_pid") && [ -n "$rss" ]; do
    fds=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    echo "$(( ($(date +%s%N) - start) / 1000000 )) $rss $fds $(accept_queue)"
    sleep 1
  done
) > "$work/rss.tsv" &
sampler_pid=$!
echo "load: ${duration} s, $connections connections, $wrk_threads wrk threads, $list_size requests in the mix, server threads $server_threads, max connections $max_connections ..." >&2
wrk_status=0
LOAD_MIX_REQUESTS="$list" LOAD_MIX_RESULT="$work/result" \
  timeout --kill-after=5 $(( duration + 30 )) \
  wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --timeout "$wrk_timeout" --latency \
      -s bench/load_mix.lua "$base" > "$work/wrk.out" 2>&1 || wrk_status=$?
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""

# ---- after the load: still answering, then a clean shutdown ------------------------------------
health=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/healthz" || true)
kill -TERM "$server_pid"
shutdown_start=$(date +%s%N)
while kill -0 "$server_pid" 2>/dev/null; do
  (( $(date +%s%N) - shutdown_start < shutdown_wait * 1000000000 )) || break
  sleep 0.05
done
shutdown_ms=$(( ($(date +%s%N) - shutdown_start) / 1000000 ))
if kill -0 "$server_pid" 2>/dev/null; then
  server_exit="still running after ${shutdown_wait} s (killed)"
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
else
  server_exit=0; wait "$server_pid" || server_exit=$?
fi
server_pid=""

# ---- summary -----------------------------------------------------------------------------------
failures=()
cat "$work/wrk.out"
echo
[ -s "$work/result" ] || { echo "wrk wrote no result (exit $wrk_status)" >&2; exit 1; }
r() { awk -v k="$1" '$1 == k {print $2; found=1} END {if (!found) print 0}' "$work/result"; }
ms() { awk -v us="$1" 'BEGIN {printf "%.2f ms", us / 1000}'; }
requests=$(r requests)
rps=$(awk -v n="$requests" -v us="$(r duration_us)" 'BEGIN {printf "%.0f", n / (us / 1e6)}')
unexpected=$(r unexpected)
socket_errors=$(( $(r errors_connect) + $(r errors_read) + $(r errors_write) + $(r errors_timeout) ))

echo "== load test: $corpus ($posts_total posts; ${#slugs[@]} slugs in the mix), ${duration} s, $connections connections, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "requests:        $requests ($rps req/s); responses checked: $(r responses)"
echo "latency:         p50 $(ms "$(r latency_p50_us)"), p90 $(ms "$(r latency_p90_us)"), p99 $(ms "$(r latency_p99_us)"), max $(ms "$(r latency_max_us)")"
echo "expected 4xx:    $(r expected_error) (bad requests: $list_bad of the $list_size in the mix)"
echo "errors:          unexpected status $unexpected, connect $(r errors_connect), read $(r errors_read), write $(r errors_write), timeout $(r errors_timeout)"
if [ "$unexpected" -gt 0 ]; then
  # "unexpected_status STATUS LINE COUNT": show the worst few with their request.
  grep '^unexpected_status ' "$work/result" | sort -k4,4nr | head -10 | while read -r _ status line n; do
    target="(no request id)"
    [ "$line" = "?" ] || target=$(sed -n "${line}p" "$list")
    echo "                 $n x $status for: $target"
  done
  failures+=("$unexpected unexpected statuses")
fi
[ "$socket_errors" -eq 0 ] || failures+=("$socket_errors socket errors/timeouts")
[ "$wrk_status" -eq 0 ] || failures+=("wrk exited $wrk_status")

# RSS: the sample nearest after the warm-up, the last one, the largest after warm-up.
read -r rss_warm rss_end rss_max fds_max samples accept_max accept_last < <(awk -v w=$(( warmup * 1000 )) '
  { n++; if ($2 > max) max = $2; if ($3 > fds) fds = $3; end = $2
    if (warm == "" && $1 >= w) warm = $2
    if ($4 == "-") aq = "-"; else if ($4 > 0) { if ($4 > aq) aq = $4; last = sprintf("%.1f", $1 / 1000) } }
  END { print (warm == "" ? end : warm), end, max, fds, n, (aq == "" ? 0 : aq), (last == "" ? "-" : last) }' "$work/rss.tsv")
growth_kb=$(( rss_end - rss_warm ))
growth_pct=$(awk -v g="$growth_kb" -v b="$rss_warm" 'BEGIN {printf "%.1f", 100 * g / b}')
echo "server RSS:      idle $rss_idle KB; at ${warmup} s (warm-up end) $rss_warm KB; at the end $rss_end KB; max $rss_max KB ($samples samples; max open fds $fds_max)"
echo "RSS growth:      $growth_kb KB ($growth_pct%) after warm-up; limit: more than $rss_max_kb KB and more than $rss_max_pct%"
if [ "$growth_kb" -gt "$rss_max_kb" ] && awk -v p="$growth_pct" -v m="$rss_max_pct" 'BEGIN {exit !(p > m)}'; then
  failures+=("RSS grew $growth_kb KB ($growth_pct%) after warm-up")
fi
echo "accept queue:    max $accept_max connections waiting to be accepted (sampled each second); last seen non-empty at ${accept_last} s"
echo "after the load:  /healthz $health; SIGTERM -> exit $server_exit in $shutdown_ms ms"
[ "$health" = 200 ] || failures+=("/healthz answered '$health' after the load")
[ "$server_exit" = 0 ] || failures+=("shutdown: exit $server_exit")
if [ -s "$work/server.err" ]; then
  echo "server stderr:   $(wc -l < "$work/server.err") lines, first ones:"
  head -5 "$work/server.err" | sed 's/^/                 /'
fi
if [ ${#failures[@]} -gt 0 ]; then
  printf 'FAIL: %s\n' "${failures[@]}"
  exit 1
fi
echo "PASS"
