#!/usr/bin/env bash
# Live update benchmark (issue 4), on an index of the whole MDN corpus (14,235 posts):
#   - one changed post applied and visible to a running server: a unique word is appended to
#     one post, `postsearch-index` (incremental) is started, and `/api/search?q=WORD` is polled
#     with curl until it finds the post; the figure is the time from the indexer's start to
#     the first search that finds it (target < 100 ms). Median of RUNS edits, each a different
#     post. The indexer's own wall time (start to exit) is shown beside it;
#   - a run with no change, next to a full build into an empty index measured in the same run
#     (target: no-change < 5% of a full build);
#   - a --full rebuild (built beside the live index, compacted, swapped in) while the server runs.
#   - the same with the indexer told the changed file (`--changed PATH`), which skips the
#     tree walk;
#   - with --watch support in the indexer: the same edit saved under a running
#     `postsearch-index --watch`, from the save to the first search that finds it.
#
#   bash bench/live_update.sh [RUNS]     (default: 5; a few minutes)
#
# MDN is extracted from tests/corpora/mdn-en-us.tar.xz to /tmp/postsearch-mdn if absent
# (as bench/indexing.sh does) and copied to a temporary posts directory (real files: the watch
# mode rescans everything when posts are symlinks), which is deleted in the background at the
# end (14k files can take a minute to delete on a disk mounted with `discard`).
# Needs a build (bash scripts/build.sh) and curl. Prints a Markdown table; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
corpus_root="$PWD/tests/corpora"  # the corpora the tests use (tests/corpora/README.md)
indexer="$PWD/build/indexer/postsearch-index"
server="$PWD/build/server/postsearch-server"
[ -x "$indexer" ] && [ -x "$server" ] || { echo "build first: bash scripts/build.sh" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }

work=$(mktemp -d)
server_pid=""
watch_pid=""
cleanup() {
  for pid in $watch_pid $server_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # In the background: deleting 14k files can take a minute.
  (rm -rf "$work" >/dev/null 2>&1 &)
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
ms_since() { echo $(( ($(now_ns) - $1) / 1000000 )); }
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
secs() { awk -v ns="$1" 'BEGIN {printf "%.3f", ns / 1e9}'; }
# A word no post has: letters only, so it is one term.
unique_word() { echo "livebench$(now_ns | tr 0-9 a-j)$(printf '%s' "$1" | tr 0-9 a-j)"; }

# The corpus.
mdn=/tmp/postsearch-mdn/files/en-us
if [ ! -d /tmp/postsearch-mdn/files ]; then
  echo "extracting MDN to /tmp/postsearch-mdn ..." >&2
  mkdir -p /tmp/postsearch-mdn && tar -xJf "$corpus_root/mdn-en-us.tar.xz" -C /tmp/postsearch-mdn
fi
count=$(find "$mdn" -name '*.md' | wc -l)
[ "$count" -eq 14235 ] || echo "warning: /tmp/postsearch-mdn holds $count posts, not 14235" >&2
posts="$work/posts"
mkdir -p "$posts"
cp -r "$mdn" "$posts/"
chmod -R u+w "$posts"
db="$work/db"

# A full build into an empty index.
echo "full build ..." >&2
start=$(now_ns)
"$indexer" --quiet --db "$db" "$posts"
full_ns=$(( $(now_ns) - start ))
indexed=$("$indexer" --db "$db" "$posts" | awk '{print $1}')

# The server, on an ephemeral port.
"$server" --db "$db" --listen 127.0.0.1:0 --threads 2 --quiet > "$work/server.out" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 200); do
  port=$(sed -n 's|^postsearch-server listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/server.out")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "the server did not start: $(cat "$work/server.out")" >&2; exit 2; }
found() {
  case "$(curl -s "http://127.0.0.1:$port/api/search?q=$1&partial=0&per_page=1")" in
    *'"total":0,'*) return 1 ;;
    *'"total":'*) return 0 ;;
    *) return 1 ;;
  esac
}
# Polls until a search finds $1 (every ~5 ms, up to 60 s); prints ms since $2, or "n/a".
wait_found() {
  local word=$1 since=$2 deadline=$(( $(now_ns) + 60000000000 ))
  until found "$word"; do
    [ "$(now_ns)" -lt "$deadline" ] || { echo n/a; return; }
    sleep 0.005
  done
  ms_since "$since"
}

# No-change runs.
echo "no-change runs ..." >&2
nochange=()
for _ in $(seq "$runs"); do
  start=$(now_ns)
  "$indexer" --quiet --db "$db" "$posts"
  nochange+=("$(( $(now_ns) - start ))")
done

# One changed post, applied by an incremental run and found by the server.
mapfile -t victims < <(find "$posts/en-us/games" -name '*.md' | sort | awk -v n="$runs" '{a[NR]=$0} END {for (i = 1; i <= n; i++) print a[int((i - 0.5) * NR / n) + 1]}')
visible=(); run_ms=()
echo "one changed post x $runs ..." >&2
for i in $(seq "$runs"); do
  victim=${victims[$((i - 1))]}
  word=$(unique_word "$i")
  found "$word" && { echo "$word is already indexed?" >&2; exit 2; }
  printf '\nEdited by the live update benchmark: %s.\n' "$word" >> "$victim"
  start=$(now_ns)
  ( "$indexer" --quiet --db "$db" "$posts"; echo $(( ($(now_ns) - start) / 1000000 )) > "$work/run_ms" ) &
  indexer_pid=$!
  visible+=("$(wait_found "$word" "$start")")
  wait "$indexer_pid"
  run_ms+=("$(cat "$work/run_ms")")
done

# The same edit, with the indexer told which file changed (--changed: what a git hook or an
# editor integration passes).
told_visible=()
echo "one changed post, told the path, x $runs ..." >&2
for i in $(seq "$runs"); do
  victim=${victims[$((i - 1))]}
  word=$(unique_word "c$i")
  printf '\nEdited by the live update benchmark: %s.\n' "$word" >> "$victim"
  start=$(now_ns)
  ( "$indexer" --quiet --db "$db" --changed "$victim" "$posts" ) &
  indexer_pid=$!
  told_visible+=("$(wait_found "$word" "$start")")
  wait "$indexer_pid"
done

# The same edit under --watch, if this indexer has it.
watch_visible=()
help=$("$indexer" --help 2>&1 || true)
if [[ $help == *--watch* ]]; then
  echo "watch mode x $runs ..." >&2
  "$indexer" --watch --quiet --db "$db" "$posts" > "$work/watch.out" 2>&1 &
  watch_pid=$!
  sleep 3  # let it scan and start watching
  for i in $(seq "$runs"); do
    victim=${victims[$((i - 1))]}
    word=$(unique_word "w$i")
    start=$(now_ns)
    printf '\nEdited under --watch: %s.\n' "$word" >> "$victim"
    watch_visible+=("$(wait_found "$word" "$start")")
    sleep 0.5
  done
  kill "$watch_pid" 2>/dev/null || true
  wait "$watch_pid" 2>/dev/null || true
  watch_pid=""
fi

# A --full rebuild while the server answers.
echo "--full rebuild ..." >&2
start=$(now_ns)
"$indexer" --quiet --full --db "$db" "$posts"
rebuild_ns=$(( $(now_ns) - start ))
health=$(curl -s "http://127.0.0.1:$port/healthz")

v_med=$(printf '%s\n' "${visible[@]}" | { grep -v n/a || true; } | median)
v_all=$(printf '%s ' "${visible[@]}")
r_med=$(printf '%s\n' "${run_ms[@]}" | median)
n_med=$(printf '%s\n' "${nochange[@]}" | median)
ratio=$(awk -v a="$n_med" -v b="$full_ns" 'BEGIN {printf "%.2f%%", 100 * a / b}')

echo
echo "| MDN, $indexed posts | median | runs | target |"
echo "|---|---:|---:|---|"
echo "| one changed post: indexer start -> found by the server's search | ${v_med} ms | $runs ($v_all) | < 100 ms |"
echo "| one changed post: indexer run, start to exit | ${r_med} ms | $runs | |"
c_med=$(printf '%s\n' "${told_visible[@]}" | { grep -v n/a || true; } | median)
echo "| one changed post, indexer told the path (--changed): start -> found | ${c_med} ms | $runs ($(printf '%s ' "${told_visible[@]}")) | < 100 ms |"
if [ ${#watch_visible[@]} -gt 0 ]; then
  w_med=$(printf '%s\n' "${watch_visible[@]}" | { grep -v n/a || true; } | median)
  echo "| one changed post under --watch: save -> found by the server's search | ${w_med} ms | $runs ($(printf '%s ' "${watch_visible[@]}")) | < 100 ms |"
fi
echo "| no-change run | $(secs "$n_med") s | $runs | |"
echo "| full build into an empty index | $(secs "$full_ns") s | 1 | |"
echo "| no-change run / full build | $ratio | | < 5% |"
echo "| --full rebuild beside the live index (server answering) | $(secs "$rebuild_ns") s | 1 | |"
echo
echo "$(nproc) cores, $(date -u +%Y-%m-%d); server /healthz after the rebuild: $health"
