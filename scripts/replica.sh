#!/usr/bin/env bash
# Read replicas of a postsearch index with Xapian's own replication (xapian-tools):
# xapian-replicate-server on the machine that runs postsearch-index, xapian-replicate on each
# machine that runs a postsearch-server over its local copy. See README "Replicas".
#
#   scripts/replica.sh serve INDEX_DIR [ADDR:]PORT
#       On the master: serves INDEX_DIR (a postsearch-index --db directory) by the name
#       basename(INDEX_DIR). Runs xapian-replicate-server over INDEX_DIR's parent folder,
#       so every database in that folder can be asked for by name: keep it for indexes only.
#       ADDR defaults to 127.0.0.1 (use the master's private address to serve other hosts).
#
#   scripts/replica.sh pull HOST:PORT NAME REPLICA_DIR [--once] [--interval S] [--reader-time S] [--verbose]
#       On a replica: keeps REPLICA_DIR a copy of the master's database NAME, connecting
#       every S seconds (default 10); --once makes one update and exits (exit 0 when the
#       replica is up to date). Point postsearch-server --db at REPLICA_DIR: it picks up
#       each update on its next request, without a restart.
#       --reader-time (default 1): seconds between two changesets applied in one update, so
#       that a request still reading the older revision finishes first (xapian-replicate's
#       default is 30; a postsearch request takes milliseconds and is retried once).
#       --verbose prints each update: "Update complete: 0 copies, 1 changesets, ...".
#
# Changesets: run postsearch-index with XAPIAN_MAX_CHANGESETS=N in its environment (e.g. 100;
# in a systemd unit: Environment=XAPIAN_MAX_CHANGESETS=100). Each commit then also writes a
# changeset into the live generation, and a replica applies only what changed. Without it,
# or when a replica is more than N commits behind, or after postsearch-index --full (a new
# generation, a new database UUID), the replica receives a full copy instead, written beside
# its live copy and swapped in by rewriting REPLICA_DIR/XAPIANDB. Both ways are atomic for
# readers.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

need() {
  command -v "$1" > /dev/null || {
    echo "replica.sh: $1 not found: install Debian's xapian-tools (scripts/install-deps.sh)" >&2
    exit 2
  }
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
  serve)
    [ $# -eq 2 ] || usage
    index=${1%/}
    listen=$2
    if [ ! -f "$index/XAPIANDB" ]; then
      echo "replica.sh: $index is not a postsearch index (no XAPIANDB): run postsearch-index --db $index first" >&2
      exit 2
    fi
    case "$listen" in
      *:*) addr=${listen%:*} port=${listen##*:} ;;
      *) addr=127.0.0.1 port=$listen ;;
    esac
    need xapian-replicate-server
    parent=$(cd "$(dirname "$index")" && pwd)
    echo "replica.sh: serving $parent/$(basename "$index") as '$(basename "$index")' on $addr:$port" >&2
    exec xapian-replicate-server --interface="$addr" --port="$port" "$parent"
    ;;
  pull)
    [ $# -ge 3 ] || usage
    master=$1 name=$2 replica=${3%/}
    shift 3
    once=() verbose=() interval=10 reader_time=1
    while [ $# -gt 0 ]; do
      case "$1" in
        --once) once=(--one-shot) ;;
        --verbose) verbose=(--verbose) ;;
        --interval) interval=${2:?}; shift ;;
        --reader-time) reader_time=${2:?}; shift ;;
        *) usage ;;
      esac
      shift
    done
    case "$master" in *:*) ;; *) usage ;; esac
    # A replica is written by xapian-replicate alone: never by postsearch-index, whose index
    # it would clobber (and which would refuse a replica as "not a postsearch index").
    if [ -e "$replica/postsearch.lock" ]; then
      echo "replica.sh: $replica is a postsearch-index directory, not a replica" >&2
      exit 2
    fi
    need xapian-replicate
    exec xapian-replicate --host="${master%:*}" --port="${master##*:}" --master="$name" \
      --interval="$interval" --reader-time="$reader_time" --timeout=30 "${once[@]}" "${verbose[@]}" "$replica"
    ;;
  *) usage ;;
esac
