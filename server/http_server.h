// The network side of postsearch-server: a Boost.Beast listener and one session per
// connection on an io_context run by N worker threads. Requests are answered by Router.
//
// Threads and Xapian: every worker thread owns one Searcher (created lazily on its first
// request), so no Xapian object is ever shared between threads. A handler runs to
// completion on the thread that read the request.
//
// Limits (ServerConfig; each has a command-line option): request line + headers
// max_header_bytes (431, or 414 when the request line alone does not fit), body
// max_body_bytes (413; no route takes a body), a whole request must arrive within
// request_timeout of its first byte (a slowloris client is cut off; waiting costs no
// thread), an idle keep-alive connection is closed after idle_timeout, a response must be
// written within write_timeout, at most max_connections are open at once (the next is
// answered 503 with Retry-After and closed; at most 32 such answers linger at once, and
// past those a connection is closed unanswered, so descriptors stay bounded under a flood),
// and a search gets query_time_limit of match time. A request that cannot be parsed gets a 400 JSON error and the connection is closed.
//
// Metrics: every answered request is counted in router.metrics (RouterConfig::metrics) by
// route label and status, with its latency from the complete request to the written
// response; open connections, and connections refused at the session layer (over the cap,
// unparseable, too large, header time-out) are counted too.
//
// Shutdown: stop() (or SIGINT/SIGTERM when handle_signals) stops accepting, closes idle
// connections, lets requests in flight finish (answered with `Connection: close`), and
// forces the rest closed after shutdown_grace. wait() returns when all threads are done.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/index_sources.h"
#include "server/access_log.h"
#include "server/router.h"

namespace postsearch {

inline constexpr std::size_t kHeaderLimit = 8 * 1024;  // request line + header fields
inline constexpr std::size_t kBodyLimit = 16 * 1024;   // request body (no route takes one)
inline constexpr std::size_t kMaxConnections = 1024;

struct ServerConfig {
  std::filesystem::path db_path = "var/index";
  // Several databases searched as one (--db repeated, tcp:// shards, --dict): when it has
  // sources, it is searched instead of db_path.
  IndexSet indexes;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, [IPv6]:PORT; port 0 = any free port
  unsigned threads = 2;
  RouterConfig router;
  bool quiet = false;           // no access log lines
  bool handle_signals = false;  // stop on SIGINT/SIGTERM (the executable; not tests)
  std::chrono::milliseconds request_timeout{15'000};  // whole request, from its first byte
  std::chrono::milliseconds idle_timeout{30'000};     // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{15'000};
  std::chrono::milliseconds shutdown_grace{10'000};
  std::size_t max_header_bytes = kHeaderLimit;
  std::size_t max_body_bytes = kBodyLimit;
  std::size_t max_connections = kMaxConnections;
  // The match-time budget of one search (SearcherOptions::time_limit); 0: none.
  std::chrono::milliseconds query_time_limit{500};
  // Per worker thread: bytes of recently shown posts kept unpacked (SearcherOptions).
  std::size_t hit_cache_bytes = 32 * 1024 * 1024;
  // One line per request ("GET /api/search?q=go 200 1.2ms id=..."). Default: stderr.
  // Not used when request_log is set.
  std::function<void(std::string_view)> access_log;
  // The structured access log (--access-log): one JSON or logfmt line per request, in place
  // of the line above. With handle_signals, SIGHUP reopens its file (logrotate).
  std::shared_ptr<AccessLog> request_log;
};

struct ListenAddress {
  std::string host;  // without brackets: "127.0.0.1", "::1", "localhost"
  std::uint16_t port = 0;
};

// Parses "HOST:PORT" or "[IPV6]:PORT". Throws std::invalid_argument with a reason.
ListenAddress parse_listen_address(std::string_view text);

class HttpServer {
 public:
  // Throws std::invalid_argument for a bad listen address or static directory.
  explicit HttpServer(ServerConfig config);
  // Stops and waits (bounded by shutdown_grace).
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the worker threads; returns the bound port. Throws
  // std::runtime_error ("cannot listen on 127.0.0.1:8080: Address already in use").
  std::uint16_t start();

  // Begins a graceful shutdown. Thread-safe, idempotent, does not block.
  void stop();

  // Blocks until every worker thread has finished (after stop() or a signal). Must not be
  // called from a worker thread.
  void wait();

  // "http://127.0.0.1:PORT" ("http://[::1]:PORT" for IPv6) after start().
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postsearch
