#!/usr/bin/env bash
# Read replicas with Xapian replication (issue 8), against the real binaries on loopback:
#   1. postsearch-index (with XAPIAN_MAX_CHANGESETS) builds a master index from data/posts;
#      scripts/replica.sh serve runs xapian-replicate-server over it on an ephemeral port;
#      scripts/replica.sh pull --once copies it into a replica directory; a postsearch-server
#      on 127.0.0.1:0 over the replica answers a search.
#   2. A post is edited and another removed on the master, postsearch-index runs, the replica
#      pulls: the update arrives as a changeset (not a full copy), and the same server process
#      finds the new word, no longer finds the old one, and counts one post less.
#   3. postsearch-index --full swaps a new generation in on the master: the replica receives a
#      full copy (its stub switches replica_N), and the same server sees it.
#   4. An incremental run after the swap travels as a changeset again and is seen.
#   5. SIGTERM: the server exits 0.
# Usage: replica_test.sh BUILD_DIR. Every step is bounded; every process started is stopped.
set -euo pipefail
build=$1
source_dir=$(cd "$(dirname "$0")/.." && pwd)
indexer="$build/indexer/postsearch-index"
server_bin="$build/server/postsearch-server"
replica_sh="$source_dir/scripts/replica.sh"
for tool in xapian-replicate xapian-replicate-server curl python3; do
  command -v "$tool" > /dev/null || { echo "replica_test: $tool not found (scripts/install-deps.sh)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/postsearch-replica-XXXXXX)
master_pid="" server_pid=""
stop_master() {  # the replication server and the children it forked, by process group
  if [ -n "$master_pid" ]; then
    kill -TERM -- "-$master_pid" 2> /dev/null || kill -TERM "$master_pid" 2> /dev/null || true
    wait "$master_pid" 2> /dev/null || true
    master_pid=""
  fi
}
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -KILL "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  stop_master
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "replica_test: FAIL: $*" >&2
  for log in "$work"/*.log; do
    [ -s "$log" ] && { echo "--- $log" >&2; tail -20 "$log" >&2; }
  done
  exit 1
}

export XAPIAN_MAX_CHANGESETS=10
cp -r "$source_dir/data/posts" "$work/posts"
mkdir "$work/master"
index() { timeout 60 "$indexer" --quiet --db "$work/master/index" "$@" "$work/posts" || fail "postsearch-index $*"; }
index

# The master on a free loopback port: ask the kernel for one, release it, start the server on
# it; another process may take it in between, so retry with a new one until a pull succeeds.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
pull() {  # one update of the replica; its output (copies, changesets) in $work/pull.out
  timeout 30 bash "$replica_sh" pull "127.0.0.1:$port" index "$work/replica" --once --verbose > "$work/pull.out" 2>&1
}
pulled=no
for attempt in 1 2 3 4 5; do
  port=$(free_port)
  # Its own session: on SIGTERM xapian-replicate-server (like xapian-tcpsrv) passes the
  # signal to its whole process group, which would otherwise include this script and ctest.
  setsid bash "$replica_sh" serve "$work/master/index" "127.0.0.1:$port" 2> "$work/master.log" &
  master_pid=$!
  for _ in $(seq 50); do  # up to 5 s for it to listen
    if pull; then pulled=yes; break 2; fi
    kill -0 "$master_pid" 2> /dev/null || break  # it died: the port was taken
    sleep 0.1
  done
  stop_master
done
[ $pulled = yes ] || fail "could not start xapian-replicate-server and pull from it"
grep -q "1 copies" "$work/pull.out" || fail "first pull was not a full copy: $(cat "$work/pull.out")"
[ -f "$work/replica/XAPIANDB" ] || fail "no replica stub after the first pull"

# A server over the replica; its port is in its first line.
"$server_bin" --db "$work/replica" --listen 127.0.0.1:0 --threads 2 --quiet > "$work/server.log" 2>&1 &
server_pid=$!
http_port=""
for _ in $(seq 100); do
  http_port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$work/server.log" | head -1)
  [ -n "$http_port" ] && break
  kill -0 "$server_pid" 2> /dev/null || fail "postsearch-server exited at start"
  sleep 0.05
done
[ -n "$http_port" ] || fail "postsearch-server did not print its port"

get() { curl -sS --max-time 10 "http://127.0.0.1:$http_port$1"; }
total() { get "/api/search?q=$1&partial=0" | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])'; }
posts() { get /healthz | python3 -c 'import json, sys; print(json.load(sys.stdin)["posts"])'; }
# The server sees a replica update on its next request; allow it a few tries all the same.
expect_total() {  # QUERY N WHAT
  local got=""
  for _ in $(seq 20); do
    got=$(total "$1") && [ "$got" = "$2" ] && return 0
    sleep 0.1
  done
  fail "$3: total for '$1' is '$got', expected $2"
}

[ "$(total asyncio)" -gt 0 ] || fail "the replica does not find 'asyncio'"
expect_total zanzibarquux 0 "before the update"
posts_before=$(posts)
[ "$posts_before" -gt 2 ] || fail "healthz posts: $posts_before"

# 2. Edit one post, remove another, on the master; a changeset reaches the replica.
edited=$(find "$work/posts" -name '*.md' | sort | head -1)
removed=$(find "$work/posts" -name '*.md' | sort | tail -1)
printf '\nA zanzibarquux paragraph added on the master.\n' >> "$edited"
rm "$removed"
index
ls "$work/master/index/$(awk '{print $2}' "$work/master/index/XAPIANDB")" | grep -q '^changes' ||
  fail "the indexer wrote no changeset with XAPIAN_MAX_CHANGESETS set"
pull || fail "pull after an incremental run: $(cat "$work/pull.out")"
grep -q "0 copies, 1 changesets" "$work/pull.out" || fail "incremental update not sent as a changeset: $(cat "$work/pull.out")"
expect_total zanzibarquux 1 "after an incremental run"
[ "$(posts)" = $((posts_before - 1)) ] || fail "healthz posts after removing one: $(posts), expected $((posts_before - 1))"

# 3. A --full rebuild swaps a new generation in: a full copy, a new replica stub.
stub_before=$(tail -1 "$work/replica/XAPIANDB")
sed -i 's/zanzibarquux/quoxolotlword/' "$edited"
index --full
pull || fail "pull after --full: $(cat "$work/pull.out")"
grep -q "1 copies" "$work/pull.out" || fail "a --full swap did not send a full copy: $(cat "$work/pull.out")"
[ "$(tail -1 "$work/replica/XAPIANDB")" != "$stub_before" ] || fail "replica stub did not switch after a full copy"
expect_total quoxolotlword 1 "after --full"
expect_total zanzibarquux 0 "after --full (old word)"

# 4. Incremental again on the new generation: a changeset again.
sed -i 's/quoxolotlword/plimbertineword/' "$edited"
index
pull || fail "pull after the run following --full: $(cat "$work/pull.out")"
grep -q "0 copies, 1 changesets" "$work/pull.out" || fail "update after --full not sent as a changeset: $(cat "$work/pull.out")"
expect_total plimbertineword 1 "after an incremental run following --full"
expect_total quoxolotlword 0 "after an incremental run following --full (old word)"

# 5. The same server process answered throughout; it stops cleanly.
kill -0 "$server_pid" 2> /dev/null || fail "postsearch-server died"
kill -TERM "$server_pid"
status=0
for _ in $(seq 200); do kill -0 "$server_pid" 2> /dev/null || break; sleep 0.05; done
kill -0 "$server_pid" 2> /dev/null && { kill -KILL "$server_pid"; fail "postsearch-server still running 10 s after SIGTERM"; }
wait "$server_pid" || status=$?
server_pid=""
[ $status -eq 0 ] || fail "postsearch-server exited $status on SIGTERM"
echo "replica_test: ok (master port $port, server port $http_port)"
