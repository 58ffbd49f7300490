#!/usr/bin/env bash
# postsearch against its peers, in one run (issue 7): regenerates docs/BENCHMARKS.md.
#
#   bash bench/compare.sh            go-blog, rust-blog and MDN; RUNS=3 builds each; ~10 min
#                                    on 2 cores (and ~15 s more to render MDN to HTML once)
#   bash bench/compare.sh --smoke    go-blog only, 1 run, short loads; report to
#                                    $POSTSEARCH_BENCH_OUT (default BUILD/bench-smoke)/BENCHMARKS.md;
#                                    exits non-zero if any driver fails or a figure is missing
#
# What it measures (the report says it again beside the figures):
#   - full index builds into an empty place, RUNS times each (median): postsearch-index,
#     omindex and Pagefind over an HTML rendering of the posts (bench/peers/render_html.py,
#     cached under /tmp, not timed), SQLite FTS5 (bench/peers/fts5_bench.cpp), MiniSearch
#     (bench/peers/minisearch_bench.mjs), plain Xapian (bench/peers/xapian_plain.cpp); floors:
#     `cat` of every post to /dev/null and one `cmark` process over every post. Wall and CPU
#     seconds and peak RSS from /usr/bin/time, index size with `du -sb` (apparent bytes);
#   - postsearch's no-change run, one-changed-post run, and the time from that run's start
#     until a running postsearch-server finds the change (bench/live_update.sh's method), for
#     a plain incremental run and for one told the path (--changed FILE);
#   - in-process query latency, one thread, top-10 with snippets, over the 200 queries of
#     bench/queries-go-blog.txt (one untimed warm round first), and postsearch's
#     searcher rate on 2 threads;
#   - HTTP on loopback under wrk (go-blog and MDN): nginx serving a 2 KB static JSON file,
#     postsearch-server's /healthz, and /api/search cycling the queries; req/s, p50, p99 and
#     the server's VmRSS after the load.
# Then bench/peers/report.py turns the figures (results.tsv) into the Markdown report, with
# the "Targets" table of issue 7.
#
# Installs what is missing: Debian packages (apt-get) and bench/node's npm packages (npm ci,
# the versions pinned in bench/node/package-lock.json). Binaries: $POSTSEARCH_BUILD_DIR
# (postsearch-index, postsearch-server, query-latency-bench, fts5-bench, xapian-plain-bench),
# else build/ (built by scripts/build.sh). MDN is extracted to /tmp/postsearch-mdn if absent.
#
# Environment: RUNS (3), ROUNDS (query rounds, 3), XAPIAN_ROUNDS (1: its default snippets are
# slow), WRK_SECONDS (10), WRK_CONNECTIONS (64), RATE_SECONDS (5), CORPORA ("go-blog rust-blog
# mdn"), HTTP_CORPORA ("go-blog mdn"), KEEP_WORK=1 (keep the work dir),
# KEEP_RESULTS=DIR (copy the raw figures, results.tsv and meta.tsv, there).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
smoke=0
case "${1:-}" in
  --smoke) smoke=1 ;;
  "") ;;
  *) echo "usage: bash bench/compare.sh [--smoke]" >&2; exit 2 ;;
esac
corpus_root="$PWD/tests/corpora"  # the corpora the tests use (tests/corpora/README.md)
queries="$PWD/bench/queries-go-blog.txt"
wrk_connections=${WRK_CONNECTIONS:-64}
if [ "$smoke" = 1 ]; then
  runs=1 rounds=1 xapian_rounds=1 wrk_seconds=2 rate_seconds=1
  read -ra corpora <<< "${CORPORA:-go-blog}"
  read -ra http_corpora <<< "${HTTP_CORPORA:-go-blog}"
else
  runs=${RUNS:-3} rounds=${ROUNDS:-3} xapian_rounds=${XAPIAN_ROUNDS:-1}
  wrk_seconds=${WRK_SECONDS:-10} rate_seconds=${RATE_SECONDS:-5}
  read -ra corpora <<< "${CORPORA:-go-blog rust-blog mdn}"
  read -ra http_corpora <<< "${HTTP_CORPORA:-go-blog mdn}"
fi
log() { echo "[compare $(date +%H:%M:%S)] $*" >&2; }

# ---- what it needs -----------------------------------------------------------------------------
install_packages() {
  # omindex, the cmark CLI, FTS5's headers, nginx, wrk, GNU time, curl; Node.js if absent.
  local packages=(xapian-omega cmark libsqlite3-dev nginx wrk time curl) missing=() p
  command -v node > /dev/null && command -v npm > /dev/null || packages+=(nodejs npm)
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  # policy-rc.d or not, the nginx package must not leave a system nginx running: we start our own.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}
install_node_packages() {
  # npm ci only when the installed packages do not match the lock file (as scripts/test-browser.sh).
  local dir=bench/node
  if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.package-lock.source" 2> /dev/null; then
    log "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dir/package-lock.json" "$dir/node_modules/.package-lock.source"
  fi
}
install_packages
install_node_packages
pagefind="$root/bench/node/node_modules/.bin/pagefind"

binaries=(postsearch-index postsearch-server query-latency-bench fts5-bench xapian-plain-bench)
if [ -n "${POSTSEARCH_BUILD_DIR:-}" ]; then
  build=$(realpath "$POSTSEARCH_BUILD_DIR")
else
  log "building ${binaries[*]} into build/"
  bash scripts/build.sh "${binaries[@]}" > /dev/null
  build="$root/build"
fi
indexer="$build/indexer/postsearch-index"
server="$build/server/postsearch-server"
latency="$build/bench/query-latency-bench"
fts5="$build/bench/fts5-bench"
xapian_plain="$build/bench/xapian-plain-bench"
for b in "$indexer" "$server" "$latency" "$fts5" "$xapian_plain"; do
  [ -x "$b" ] || { echo "compare.sh: $b missing (build it: cmake --build $build --target $(basename "$b"))" >&2; exit 2; }
done
[ -f "$queries" ] || { echo "compare.sh: no $queries" >&2; exit 2; }

if [ "$smoke" = 1 ]; then
  out_dir="${POSTSEARCH_BENCH_OUT:-$build/bench-smoke}"
else
  out_dir="${POSTSEARCH_BENCH_OUT:-$root/docs}"
fi
mkdir -p "$out_dir"
report="$out_dir/BENCHMARKS.md"

# ---- work dir, cleanup -------------------------------------------------------------------------
work=$(mktemp -d /tmp/postsearch-compare.XXXXXX)
results="$work/results.tsv"
: > "$results"
server_pid="" nginx_pid=""
stop_pid() {  # SIGTERM, then SIGKILL after 5 s
  local pid=$1 i
  kill -TERM "$pid" 2> /dev/null || return 0
  for i in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
}
cleanup() {
  [ -z "$server_pid" ] || stop_pid "$server_pid"
  [ -z "$nginx_pid" ] || stop_pid "$nginx_pid"
  if [ -n "${KEEP_WORK:-}" ]; then
    log "kept $work"
  else
    (rm -rf "$work" > /dev/null 2>&1 &)  # 14k files of MDN take a while to delete
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# One figure: CORPUS SUBJECT METRIC VALUE.
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$results"; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR) print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_ns() { date +%s%N; }
mb_of() { du -sb "$@" | awk '{s += $1} END {printf "%.2f", s / 1048576}'; }
# "key<TAB>value" lines of a driver's output -> figures of SUBJECT.
record_tsv() {
  local corpus=$1 subject=$2 file=$3 key value
  while IFS=$'\t' read -r key value; do
    [ -n "$value" ] && record "$corpus" "$subject" "$key" "$value"
  done < "$file"
}

corpus_dir() {
  case "$1" in
    mdn)
      if [ ! -d /tmp/postsearch-mdn/files ]; then
        log "extracting MDN to /tmp/postsearch-mdn"
        mkdir -p /tmp/postsearch-mdn && tar -xJf "$corpus_root/mdn-en-us.tar.xz" -C /tmp/postsearch-mdn
      fi
      echo /tmp/postsearch-mdn/files ;;
    *) echo "$corpus_root/$1" ;;
  esac
}

# The HTML site of a corpus, rendered once and cached under /tmp.
html_site() {
  local corpus=$1 posts=$2 site=/tmp/postsearch-peers-html/$1
  if [ ! -f "$site.complete" ] || [ "$(cat "$site.complete")" != "$(find "$posts" -name '*.md' | wc -l)" ]; then
    log "$corpus: rendering the posts to HTML with cmark (cached in $site)"
    rm -rf "$site" "$site.complete"
    python3 bench/peers/render_html.py "$posts" "$site" > /dev/null
  fi
  echo "$site"
}

# ---- full builds -------------------------------------------------------------------------------
# timed CORPUS SUBJECT OUTPUT -- COMMAND...: removes OUTPUT (the index of the previous run;
# "" for none) then runs COMMAND under /usr/bin/time, RUNS times; records the medians of wall
# s, CPU s (user + sys) and peak RSS MB, and the size of OUTPUT after the last run. Any
# failure stops the benchmark (postsearch-index's exit 1, some posts skipped, is fine).
# COMMAND's output goes to $work/SUBJECT.out, or to $timed_stdout if set (the floors: /dev/null).
timed_stdout=""
timed() {
  local corpus=$1 subject=$2 output=$3 status i wall user sys rss; shift 4
  local walls=() cpus=() rsss=() ok=0
  [ "$subject" != postsearch ] || ok=1
  for i in $(seq "$runs"); do
    [ -z "$output" ] || rm -rf "$output"
    status=0
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" > "${timed_stdout:-$work/$subject.out}" 2> "$work/$subject.err" || status=$?
    if [ "$status" -gt "$ok" ]; then
      echo "compare.sh: $subject on $corpus failed (exit $status): $*" >&2
      tail -5 "$work/$subject.err" >&2
      exit 1
    fi
    read -r wall user sys rss < <(tail -1 "$work/time")
    walls+=("$wall"); cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')"); rsss+=("$rss")
  done
  record "$corpus" "$subject" build_s "$(printf '%s\n' "${walls[@]}" | median)"
  record "$corpus" "$subject" cpu_s "$(printf '%s\n' "${cpus[@]}" | median)"
  record "$corpus" "$subject" rss_mb "$(printf '%s\n' "${rsss[@]}" | median | awk '{printf "%.1f", $1 / 1024}')"
  [ -z "$output" ] || record "$corpus" "$subject" size_mb "$(mb_of "$output")"
}

build_all() {
  local corpus=$1 posts=$2 site=$3 out=$work/out-$1
  mkdir -p "$out"
  log "$corpus: postsearch-index x $runs"
  timed "$corpus" postsearch "$out/postsearch" -- "$indexer" --quiet --db "$out/postsearch" "$posts"
  log "$corpus: omindex x $runs"
  timed "$corpus" omindex "$out/omindex" -- omindex --db "$out/omindex" --url / "$site"
  log "$corpus: Pagefind x $runs"
  timed "$corpus" pagefind "$out/pagefind" -- "$pagefind" --site "$site" --output-path "$out/pagefind" --quiet
  log "$corpus: FTS5 x $runs"
  timed "$corpus" fts5 "$out/fts5.db" -- "$fts5" index "$out/fts5.db" "$posts"
  log "$corpus: MiniSearch x $runs"
  timed "$corpus" minisearch "$out/minisearch" -- node bench/peers/minisearch_bench.mjs index "$out/minisearch" "$posts"
  log "$corpus: plain Xapian x $runs"
  # Writes xapian/db, then compacts it into xapian/db.compact: the size reported is the latter.
  mkdir -p "$out/xapian"
  timed "$corpus" xapian "$out/xapian/db.compact" -- "$xapian_plain" index "$out/xapian/db" "$posts"
  record "$corpus" xapian uncompacted_size_mb "$(mb_of "$out/xapian/db")"
  record_tsv "$corpus" xapian "$work/xapian.out"

  log "$corpus: floors x $runs"
  # One process each over the whole list (relative names keep the command line short).
  local files
  mapfile -d '' -t files < <(cd "$posts" && find . -name '*.md' -print0 | sort -z)
  timed_stdout=/dev/null
  (cd "$posts" && timed "$corpus" floor-cat "" -- cat "${files[@]}")
  (cd "$posts" && timed "$corpus" floor-cmark "" -- cmark "${files[@]}")
  timed_stdout=""
}

# ---- postsearch: incremental runs and a running server ----------------------------------------
found() {  # does the server at $1 find the word $2?
  case "$(curl -s --max-time 5 "http://127.0.0.1:$1/api/search?q=$2&partial=0&per_page=1")" in
    *'"total":0,'*) return 1 ;;
    *'"total":'*) return 0 ;;
    *) return 1 ;;
  esac
}
# Starts postsearch-server over DB on 127.0.0.1:0 (as bench/load_test.sh does): sets
# $server_pid and $server_port. Not in a subshell, so that the cleanup knows the pid.
start_server() {
  "$server" --db "$1" --listen 127.0.0.1:0 --threads 2 --quiet > "$work/server.out" 2> "$work/server.err" &
  server_pid=$!
  server_port=""
  local i
  for i in $(seq 200); do
    server_port=$(sed -n 's|^postsearch-server listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/server.out")
    [ -n "$server_port" ] && break
    kill -0 "$server_pid" 2> /dev/null || break
    sleep 0.05
  done
  [ -n "$server_port" ] || { echo "compare.sh: the server did not start: $(cat "$work/server.err")" >&2; exit 1; }
}

# One edit seen by the running server: appends a word no post has to VICTIM, starts the
# indexer (with EXTRA arguments), and polls /api/search until the word is found (as
# bench/live_update.sh does). Prints the indexer's run and the time until found, in ns.
edit_and_find() {
  local db=$1 posts=$2 port=$3 victim=$4; shift 4
  local word start run_pid seen="" deadline
  word="comparebench$(now_ns | tr 0-9 a-j)"
  printf '\nEdited by bench/compare.sh: %s.\n' "$word" >> "$victim"
  start=$(now_ns)
  ( "$indexer" --quiet --db "$db" "$@" "$posts" 2> /dev/null || [ $? -eq 1 ]; echo $(( $(now_ns) - start )) > "$work/run_ns" ) &
  run_pid=$!
  deadline=$(( start + 60000000000 ))
  until found "$port" "$word"; do
    [ "$(now_ns)" -lt "$deadline" ] || break
    sleep 0.005
  done
  found "$port" "$word" && seen=$(( $(now_ns) - start ))
  wait "$run_pid" || { echo "compare.sh: the one-changed-post run failed" >&2; exit 1; }
  [ -n "$seen" ] || { echo "compare.sh: the server never found the changed post" >&2; exit 1; }
  echo "$(cat "$work/run_ns") $seen"
}

# postsearch's no-change run, then one changed post, RUNS times each (different posts, spread
# over the corpus), with a server running: a plain incremental run (walks the tree) and a run
# told the path (`--changed FILE`, what a git hook or an editor passes).
incremental() {
  local corpus=$1 posts=$2 db=$work/out-$1/postsearch i start nochange=() change=() visible=() told=()
  log "$corpus: postsearch no-change and one-changed-post runs x $runs"
  for i in $(seq "$runs"); do
    start=$(now_ns)
    "$indexer" --quiet --db "$db" "$posts" 2> /dev/null || [ $? -eq 1 ]
    nochange+=("$(( $(now_ns) - start ))")
  done
  start_server "$db"
  local victims run_ns seen_ns
  mapfile -t victims < <(find "$posts" -name '*.md' | sort |
    awk -v n="$runs" '{a[NR]=$0} END {for (i = 1; i <= n; i++) print a[int((i - 0.5) * NR / n) + 1]}')
  for i in $(seq "$runs"); do
    read -r run_ns seen_ns < <(edit_and_find "$db" "$posts" "$server_port" "${victims[$((i - 1))]}")
    [ -n "$seen_ns" ] || exit 1  # edit_and_find said why
    change+=("$run_ns"); visible+=("$seen_ns")
    read -r run_ns seen_ns < <(edit_and_find "$db" "$posts" "$server_port" "${victims[$((i - 1))]}" --changed "${victims[$((i - 1))]}")
    [ -n "$seen_ns" ] || exit 1
    told+=("$seen_ns")
  done
  stop_pid "$server_pid"; server_pid=""
  local s='{printf "%.3f", $1 / 1e9}' ms='{printf "%.0f", $1 / 1e6}'
  record "$corpus" postsearch nochange_s "$(printf '%s\n' "${nochange[@]}" | median | awk "$s")"
  record "$corpus" postsearch onechange_s "$(printf '%s\n' "${change[@]}" | median | awk "$s")"
  record "$corpus" postsearch visible_ms "$(printf '%s\n' "${visible[@]}" | median | awk "$ms")"
  record "$corpus" postsearch visible_changed_ms "$(printf '%s\n' "${told[@]}" | median | awk "$ms")"
}

# ---- in-process queries ------------------------------------------------------------------------
query_all() {
  local corpus=$1 out=$work/out-$1
  log "$corpus: in-process queries (postsearch, FTS5, MiniSearch: $rounds rounds; Xapian: $xapian_rounds)"
  "$latency" "$out/postsearch" "$queries" "$rounds" --tsv --threads 2 --seconds "$rate_seconds" > "$work/q.out"
  record_tsv "$corpus" postsearch-query "$work/q.out"
  "$fts5" query "$out/fts5.db" "$queries" "$rounds" > "$work/q.out"
  record_tsv "$corpus" fts5-query "$work/q.out"
  node bench/peers/minisearch_bench.mjs query "$out/minisearch" "$queries" "$rounds" > "$work/q.out"
  record_tsv "$corpus" minisearch-query "$work/q.out"
  "$xapian_plain" query "$out/xapian/db.compact" "$queries" "$xapian_rounds" > "$work/q.out"
  record_tsv "$corpus" xapian-query "$work/q.out"
}

# ---- HTTP under wrk ----------------------------------------------------------------------------
# The query mix for wrk: each query as a percent-encoded /api/search path, cycled.
python3 -c 'import sys, urllib.parse
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        print("/api/search?q=" + urllib.parse.quote(line.strip()))' "$queries" > "$work/paths.txt"

# wrk CORPUS SUBJECT URL [LUA ARGS...]: records req/s, p50 and p99 (ms), and non-2xx.
run_wrk() {
  local corpus=$1 subject=$2 url=$3; shift 3
  local script_args=()
  [ $# -eq 0 ] || script_args=(-s "$1" "$url" -- "${@:2}")
  [ $# -gt 0 ] || script_args=("$url")
  timeout $(( wrk_seconds + 30 )) wrk -t2 -c"$wrk_connections" -d"${wrk_seconds}s" --timeout 5s --latency \
    "${script_args[@]}" > "$work/wrk.out" 2>&1 || { cat "$work/wrk.out" >&2; exit 1; }
  to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
  record "$corpus" "$subject" rps "$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$work/wrk.out")"
  record "$corpus" "$subject" p50_ms "$(to_ms "$(awk '$1 == "50%" {print $2}' "$work/wrk.out")")"
  record "$corpus" "$subject" p99_ms "$(to_ms "$(awk '$1 == "99%" {print $2}' "$work/wrk.out")")"
  local bad; bad=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.out")
  record "$corpus" "$subject" non2xx "${bad:-0}"
  local errors; errors=$(awk '/Socket errors/ {print}' "$work/wrk.out")
  [ -z "$errors" ] || log "$subject: wrk $errors"
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# nginx serving a 2 KB JSON file: the HTTP ceiling of this machine, 2 workers for 2 cores.
nginx_static() {
  local dir=$work/nginx port; port=$(free_port)
  mkdir -p "$dir/www" "$dir/tmp"
  python3 -c 'import json, sys
card = {"slug": "go-turns-10", "url": "/go-turns-10", "title": "Go Turns 10", "date": "2019-11-08",
        "tags": ["go", "community"], "summary": "Happy 10th birthday, Go!", "score": 0.83}
doc = {"query": "go", "total": 42, "hits": []}
while len(json.dumps(doc)) < 1900: doc["hits"].append(dict(card, snippet="the <mark>go</mark> release " * 3))
sys.stdout.write(json.dumps(doc))' > "$dir/www/static.json"
  cat > "$dir/nginx.conf" << EOF
$([ "$(id -u)" -eq 0 ] && echo "user root;")
worker_processes 2;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir/tmp/body; proxy_temp_path $dir/tmp/proxy; fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi; scgi_temp_path $dir/tmp/scgi;
  types { application/json json; }
  server { listen 127.0.0.1:$port; root $dir/www; }
}
EOF
  nginx -c "$dir/nginx.conf" -p "$dir" > "$dir/stdout" 2>&1 &
  nginx_pid=$!
  local i
  for i in $(seq 100); do
    curl -sf -o /dev/null "http://127.0.0.1:$port/static.json" && break
    kill -0 "$nginx_pid" 2> /dev/null || { cat "$dir/error.log" "$dir/stdout" >&2; exit 1; }
    sleep 0.05
  done
  log "nginx static x ${wrk_seconds} s"
  run_wrk all nginx "http://127.0.0.1:$port/static.json"
  record all nginx file_bytes "$(stat -c %s "$dir/www/static.json")"
  stop_pid "$nginx_pid"; nginx_pid=""
}

http_all() {
  local corpus=$1
  start_server "$work/out-$1/postsearch"
  local port=$server_port
  log "$corpus: postsearch-server /healthz and /api/search x ${wrk_seconds} s"
  run_wrk "$corpus" healthz "http://127.0.0.1:$port/healthz"
  run_wrk "$corpus" search "http://127.0.0.1:$port" "$root/bench/cycle_paths.lua" "$work/paths.txt"
  record "$corpus" search rss_mb "$(awk '/^VmRSS:/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status")"
  stop_pid "$server_pid"; server_pid=""
}

# ---- the machine and the versions --------------------------------------------------------------
describe() {
  meta() { printf '%s\t%s\n' "$1" "$2" >> "$work/meta.tsv"; }
  : > "$work/meta.tsv"
  meta mode "$([ "$smoke" = 1 ] && echo smoke || echo full)"
  meta date "$(date -u +'%Y-%m-%d %H:%M UTC')"
  meta cpu "$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
  meta cores "$(nproc)"
  meta ram "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
  meta kernel "$(uname -sr)"
  meta postsearch "$(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo unknown)"
  meta xapian "$(dpkg-query -W -f='${Version}' libxapian30 2> /dev/null)"
  meta omindex "$(omindex --version | awk '{print $NF}')"
  meta sqlite "$(dpkg-query -W -f='${Version}' libsqlite3-0 2> /dev/null)"
  meta node "$(node --version)"
  meta pagefind "$("$pagefind" --version | awk '{print $NF}')"
  meta minisearch "$(node -p 'require("./bench/node/node_modules/minisearch/package.json").version')"
  meta nginx "$(nginx -v 2>&1 | sed 's|.*nginx/||')"
  meta wrk "$(wrk -v 2>&1 | awk 'NR == 1 {print $2}')"
  meta cmark "$(cmark --version | awk 'NR == 1 {print $2}')"
  meta runs "$runs"
  meta rounds "$rounds"
  meta xapian_rounds "$xapian_rounds"
  meta wrk_seconds "$wrk_seconds"
  meta wrk_connections "$wrk_connections"
  meta rate_seconds "$rate_seconds"
  meta queries "$(grep -c . "$queries")"
  meta corpora "${corpora[*]}"
  meta http_corpora "${http_corpora[*]}"
  meta command "bash bench/compare.sh$([ "$smoke" = 1 ] && echo ' --smoke')"
}

# ---- the run -----------------------------------------------------------------------------------
started=$(now_ns)
describe
for corpus in "${corpora[@]}"; do
  src=$(corpus_dir "$corpus")
  [ -d "$src" ] || { echo "compare.sh: no corpus $corpus ($src)" >&2; exit 2; }
  # A writable copy: every tool reads it, and the change runs edit it (after the builds).
  posts="$work/posts-$corpus"
  cp -r "$src" "$posts"
  chmod -R u+w "$posts"
  record "$corpus" corpus posts "$(find "$posts" -name '*.md' | wc -l)"
  record "$corpus" corpus md_mb "$(find "$posts" -name '*.md' -printf '%s\n' | awk '{s += $1} END {printf "%.2f", s / 1048576}')"
  site=$(html_site "$corpus" "$src")
  record "$corpus" corpus html_mb "$(mb_of "$site")"
  build_all "$corpus" "$posts" "$site"
  query_all "$corpus"
  incremental "$corpus" "$posts"
  for h in "${http_corpora[@]}"; do
    [ "$h" != "$corpus" ] || http_all "$corpus"
  done
done
[ ${#http_corpora[@]} -eq 0 ] || nginx_static
record all run total_s "$(( ($(now_ns) - started) / 1000000000 ))"

[ -z "${KEEP_RESULTS:-}" ] || cp "$results" "$work/meta.tsv" "$KEEP_RESULTS/"
python3 bench/peers/report.py "$work/meta.tsv" "$results" "$report"
log "wrote $report in $(( ($(now_ns) - started) / 1000000000 )) s"
