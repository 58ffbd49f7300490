#!/usr/bin/python3
"""End to end: the real postsearch-index and postsearch-server binaries, for the operability
parts. Parses /metrics with the Prometheus client's own parser after some traffic and checks
the counters moved; checks the ETag changes when postsearch-index changes a post and a 304
comes back while it does not; sends hostile targets and user agents over a raw socket and
checks the JSON access log has exactly one valid object per request; /metrics answers 200
with index_up 0 once the index is gone; the server exits 0 on SIGTERM.

Usage: ops_e2e.py BUILD_DIR   (needs Debian's python3-prometheus-client)
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from prometheus_client.parser import text_string_to_metric_families

BUILD = sys.argv[1]
INDEXER = os.path.join(BUILD, "indexer", "postsearch-index")
SERVER = os.path.join(BUILD, "server", "postsearch-server")

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAILED:", what, file=sys.stderr)


def write_post(posts, name, title, body):
    with open(os.path.join(posts, name), "w", encoding="utf-8") as f:
        f.write(f"---\ntitle: {title}\ndate: 2024-01-02\n---\n\n{body}\n")


def run_indexer(posts, db):
    subprocess.run([INDEXER, "--quiet", "--db", db, posts], check=True, timeout=60)


class Client:
    def __init__(self, port):
        self.port = port
        self.sent = 0  # requests that the access log must show

    def request(self, target, method="GET", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request(method, target, headers=headers or {})
        res = conn.getresponse()
        body = res.read()
        conn.close()
        self.sent += 1
        return res, body

    def raw(self, data):
        """Sends raw bytes on a new connection; returns the status line."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.sent += 1
        return reply.split(b"\r\n", 1)[0].decode("latin-1")


def metrics(client):
    res, body = client.request("/metrics")
    check(res.status == 200, f"/metrics status {res.status}")
    check(res.getheader("Content-Type") == "text/plain; version=0.0.4; charset=utf-8",
          "/metrics content type")
    samples = {}
    types = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        types[family.name] = family.type
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples, types


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def main():
    tmp = tempfile.mkdtemp(prefix="postsearch-ops-e2e-")
    server = None
    try:
        posts = os.path.join(tmp, "posts")
        db = os.path.join(tmp, "index")
        log_path = os.path.join(tmp, "access.log")
        os.makedirs(posts)
        write_post(posts, "first.md", "Event loops", "The event loop schedules callbacks.")
        write_post(posts, "second.md", "Goroutines", "A WaitGroup waits for goroutines.")
        run_indexer(posts, db)

        server = subprocess.Popen(
            [SERVER, "--listen", "127.0.0.1:0", "--db", db, "--threads", "2",
             "--access-log", log_path, "--access-log-format", "json"],
            stdout=subprocess.PIPE, text=True)
        line = server.stdout.readline().strip()
        prefix = "postsearch-server listening on http://127.0.0.1:"
        check(line.startswith(prefix), f"startup line {line!r}")
        client = Client(int(line[len(prefix):]))

        # Traffic.
        for _ in range(5):
            res, _ = client.request("/api/search?q=event")
            check(res.status == 200, "search 200")
        res, _ = client.request("/api/search?q=x&per_page=0")
        check(res.status == 400, "bad parameter 400")
        res, _ = client.request("/no/such/page")
        check(res.status == 404, "404")
        res, _ = client.request("/api/suggest?q=ev&format=opensearch")
        check(res.status == 200, "suggest 200")
        status = client.raw(b"NOT HTTP AT ALL\r\n\r\n")
        check(status.startswith("HTTP/1.1 400"), f"garbage gives 400: {status}")

        # Hostile targets and user agents: each is one request and one log line.
        hostile = [
            b'GET /api/search?q=%22quoted%22%0A%0D%5C HTTP/1.1\r\nHost: x\r\n'
            b'User-Agent: evil "agent" \\ \t tab\r\nConnection: close\r\n\r\n',
            b'GET /api/search?q=%FF%FE HTTP/1.1\r\nHost: x\r\n'
            b'User-Agent: \xff\xfe\xc3( not utf-8\r\nConnection: close\r\n\r\n',
            b'GET /api/search?q=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
            b'GET /"}{"injected":1} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        ]
        for request in hostile:
            status = client.raw(request)
            check(status.startswith("HTTP/1.1 "), f"hostile request answered: {status!r}")

        # ETag: 304 while the index is unchanged, a new tag after postsearch-index.
        res, _ = client.request("/api/search?q=goroutines")
        etag = res.getheader("ETag")
        check(res.status == 200 and etag and etag.startswith('W/"'), f"ETag {etag!r}")
        check(res.getheader("Cache-Control") == "no-cache", "API Cache-Control no-cache")
        res, body = client.request("/api/search?q=goroutines", headers={"If-None-Match": etag})
        check(res.status == 304 and body == b"", f"unchanged index: 304 ({res.status})")
        run_indexer(posts, db)  # nothing changed: no commit, same tag
        res, _ = client.request("/api/search?q=goroutines", headers={"If-None-Match": etag})
        check(res.status == 304, f"a no-change index run keeps the tag ({res.status})")
        write_post(posts, "second.md", "Goroutines", "A WaitGroup waits for many goroutines.")
        run_indexer(posts, db)
        res, _ = client.request("/api/search?q=goroutines", headers={"If-None-Match": etag})
        new_etag = res.getheader("ETag")
        check(res.status == 200, f"changed index: 200 ({res.status})")
        check(new_etag and new_etag != etag, "changed index: new ETag")
        res, _ = client.request("/api/search?q=goroutines", headers={"If-None-Match": new_etag})
        check(res.status == 304, "the new tag gets a 304")

        # The counters moved, and the parser accepts the whole exposition.
        samples, types = metrics(client)
        for name, kind in [("postsearch_http_requests", "counter"),
                           ("postsearch_http_request_duration_seconds", "histogram"),
                           ("postsearch_http_connections_open", "gauge"),
                           ("postsearch_http_connections_rejected", "counter"),
                           ("postsearch_index_up", "gauge"),
                           ("postsearch_index_documents", "gauge"),
                           ("postsearch_index_age_seconds", "gauge"),
                           ("postsearch_build_info", "gauge"),
                           ("process_resident_memory_bytes", "gauge"),
                           ("process_start_time_seconds", "gauge")]:
            check(types.get(name) == kind, f"{name} is a {kind} (got {types.get(name)})")
        search_200 = value(samples, "postsearch_http_requests_total", route="search", status="200")
        check(search_200 >= 7, f"search 200 counted: {search_200}")
        check(value(samples, "postsearch_http_requests_total", route="search", status="304") == 3,
              "search 304 counted")
        check(value(samples, "postsearch_http_requests_total", route="not_found", status="404") == 1,
              "404 counted under not_found")
        check(value(samples, "postsearch_http_requests_total", route="rejected", status="400") >= 1,
              "the unparseable request counted as rejected")
        check(value(samples, "postsearch_http_connections_rejected_total", reason="malformed") >= 1,
              "rejected connections counted")
        search_total = sum(v for (n, l), v in samples.items()
                           if n == "postsearch_http_requests_total" and ("route", "search") in l)
        check(value(samples, "postsearch_http_request_duration_seconds_count", route="search")
              == search_total, "histogram count equals the search requests")
        check(value(samples, "postsearch_http_request_duration_seconds_bucket", route="search",
                    le="+Inf") == search_total, "+Inf bucket equals the count")
        check(value(samples, "postsearch_http_request_duration_seconds_sum", route="search") > 0,
              "latency sum")
        check(value(samples, "postsearch_index_up") == 1, "index up")
        check(value(samples, "postsearch_index_documents") == 2, "2 documents")
        check(0 <= value(samples, "postsearch_index_age_seconds") < 600, "index age")
        check(value(samples, "postsearch_http_connections_open") >= 1, "connections open")
        check(value(samples, "process_resident_memory_bytes") > 1e6, "RSS")
        check(any(n == "postsearch_build_info" for (n, _) in samples), "build info")

        # The index gone: /metrics still answers, with index_up 0.
        shutil.move(db, db + ".away")
        samples, _ = metrics(client)
        check(value(samples, "postsearch_index_up") == 0, "index down: index_up 0")
        res, _ = client.request("/healthz")
        check(res.status == 503, "index down: healthz 503")

        server.send_signal(signal.SIGTERM)
        check(server.wait(timeout=15) == 0, "exit 0 on SIGTERM")
        server = None

        # One JSON object per request, none broken by what the clients sent.
        with open(log_path, "rb") as f:
            lines = f.read().split(b"\n")
        check(lines[-1] == b"", "the log ends with a newline")
        lines = lines[:-1]
        check(len(lines) == client.sent, f"{len(lines)} log lines for {client.sent} requests")
        entries = []
        for raw in lines:
            try:
                entries.append(json.loads(raw.decode("utf-8")))
            except (UnicodeDecodeError, ValueError) as e:
                check(False, f"log line is not one JSON object: {raw!r} ({e})")
        for e in entries:
            check(set(e) == {"time", "request_id", "remote", "method", "target", "status",
                             "bytes", "duration_ms", "user_agent", "route"}, f"fields {sorted(e)}")
            check(e["time"].endswith("Z") and len(e["time"]) == 24, f"time {e['time']}")
        agents = [e["user_agent"] for e in entries]
        check('evil "agent" \\ \t tab' in agents, f"hostile user agent logged as sent: {agents}")
        check(any(a.endswith("( not utf-8") and "\ufffd" in a for a in agents),
              "non-UTF-8 user agent logged with U+FFFD")
        check(any(e["route"] == "rejected" and e["method"] == "-" for e in entries),
              "the unparseable request is logged")
        check(any(e["target"].startswith("/api/search?q=%22quoted%22") for e in entries),
              "raw target logged undecoded")
    finally:
        if server is not None:
            server.kill()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("ops e2e: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
