#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "common/searcher.h"

namespace postsearch {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kReadChunk = 4096;
// After an error response the connection is closed gracefully: our side is shut down and
// what the client still sends is read and dropped for a moment, so that closing with unread
// data (which makes the kernel send RST) does not destroy the response before it is read.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr int kAcceptBurst = 64;  // connections taken per accept wake-up
// Connections over max_connections that are still being answered 503 and lingered on. They
// hold descriptors too, so they are capped: past this many, a connection over the limit is
// closed at once, without a response.
constexpr std::size_t kMaxRejecting = 32;
constexpr std::size_t kMaxLoggedTarget = 512;

// The Searcher of the current worker thread (SPEC: one per thread, never shared).
struct WorkerSlot {
  const std::filesystem::path* db_path = nullptr;
  const IndexSet* indexes = nullptr;  // used instead of db_path when it has sources
  SearcherOptions options;
  std::unique_ptr<Searcher> searcher;
};
thread_local WorkerSlot* t_worker = nullptr;

Searcher& worker_searcher() {
  if (t_worker == nullptr) throw std::logic_error("request handled outside a worker thread");
  if (!t_worker->searcher) {
    if (t_worker->indexes != nullptr && !t_worker->indexes->sources.empty()) {
      t_worker->searcher = std::make_unique<Searcher>(*t_worker->indexes, t_worker->options);
    } else {
      t_worker->searcher = std::make_unique<Searcher>(*t_worker->db_path, t_worker->options);
    }
  }
  return *t_worker->searcher;
}

// Control characters and overlong targets are not written to the log as they are.
std::string loggable(std::string_view s) {
  std::string out;
  out.reserve(std::min(s.size(), kMaxLoggedTarget) + 3);
  for (char c : s.substr(0, kMaxLoggedTarget)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == ' ' || c == '"') {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  if (s.size() > kMaxLoggedTarget) out += "...";
  return out;
}

bool is_http_error(const beast::error_code& ec) {
  static const auto& category = beast::http::make_error_code(beast::http::error::need_more).category();
  return ec.category() == category;
}

}  // namespace

namespace detail {

class Session;

// Everything the listener and the sessions share. Members used by sessions (config, router,
// session registry) are declared before the io_context, so they outlive the handlers the
// io_context destroys after a forced stop.
struct ServerCore {
  explicit ServerCore(ServerConfig c);
  ~ServerCore() { destroying = true; }

  ServerConfig config;
  ListenAddress address;
  Router router;
  std::mutex log_mutex;
  std::mutex sessions_mutex;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;
  std::size_t rejecting = 0;  // connections over the cap still being answered (add_rejecting)
  std::atomic<bool> stopping{false};
  std::atomic<bool> destroying{false};
  tcp::endpoint bound;

  net::io_context ioc;
  net::strand<net::io_context::executor_type> strand;  // listener, timers, signals
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;
  net::steady_timer grace_timer;
  net::signal_set signals;
  net::signal_set hangup;  // SIGHUP: reopen the access log
  std::vector<std::thread> threads;

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void open_session(tcp::socket socket);
  void begin_shutdown();
  // Registers a connection; false when max_connections are already open.
  bool add_session(const std::shared_ptr<Session>& session);
  void remove_session(const Session* session);
  // Counts a connection being rejected; false when kMaxRejecting already are.
  bool add_rejecting();
  void remove_rejecting();
  void log_access(std::string_view line);
  void log_error(std::string_view line);
  void wait_for_hangup();
  void run_worker();
};

// One connection: read a request, answer it, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, ServerCore& server) : stream_(std::move(socket)), server_(server) {
    beast::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) {
      const auto address = peer.address();
      remote_ = (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
                std::to_string(peer.port());
    }
  }
  ~Session() {
    if (rejecting_) server_.remove_rejecting();
    server_.remove_session(this);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::do_read, shared_from_this()));
  }

  // Answers a connection over the max_connections limit with a 503 and closes it. The
  // caller counted it (add_rejecting); the count is given back when the session ends.
  void reject() {
    rejecting_ = true;
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      HttpResponse res = self->server_.router.error_response(
          http::status::service_unavailable, "too_many_connections",
          "the server has too many open connections; retry shortly");
      res.set(http::field::retry_after, "1");
      self->log_method_ = "-";
      self->log_target_ = "-";
      self->route_ = RouteLabel::kRejected;
      self->server_.router.metrics().connection_rejected(RejectReason::kTooManyConnections);
      self->write(std::move(res), /*linger=*/true);
    });
  }

  // Called when the server stops: a connection waiting for its next request is closed; one
  // with a request in flight finishes it (the response says `Connection: close`).
  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) self->stream_.cancel();
    });
  }

 private:
  void do_read() {
    if (server_.stopping && buffer_.size() == 0) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.config.max_header_bytes));
    parser_->body_limit(server_.config.max_body_bytes);
    header_bytes_ = 0;
    if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
    // Wait for the first byte with the idle timeout, then give the whole request the
    // request timeout: a slow client cannot hold a connection by trickling bytes.
    idle_ = true;
    stream_.expires_after(first_ ? server_.config.request_timeout : server_.config.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
  }

  void on_first_bytes(beast::error_code ec, std::size_t bytes) {
    idle_ = false;
    if (ec) return;  // closed by the peer, timed out, or cancelled by shutdown: nothing to say
    buffer_.commit(bytes);
    read_request();
  }

  void read_request() {
    stream_.expires_after(server_.config.request_timeout);  // one deadline for the request
    parse_header();
  }

  // The header is fed to the parser here rather than by http::async_read, because Beast
  // 1.81 applies header_limit to each parse call, not to the header as a whole: fields that
  // arrive in several TCP segments would otherwise add up without limit.
  void parse_header() {
    if (buffer_.size() > 0) {
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes_ += used;
      if (ec && ec != http::error::need_more) return on_read(ec, 0);
      if (parser_->is_header_done()) {
        if (header_bytes_ > server_.config.max_header_bytes) {
          return on_read(http::error::header_limit, 0);
        }
        // RFC 9112 §6.1: a request whose last transfer coding is not chunked has no knowable
        // length; answering it would let a proxy and us disagree on where it ends.
        const auto& head = parser_->get();
        if (head.find(http::field::transfer_encoding) != head.end() && !head.chunked()) {
          return on_read(http::error::bad_transfer_encoding, 0);
        }
        // The body (if any): Beast's body_limit counts the whole body.
        return http::async_read(stream_, buffer_, *parser_,
                                beast::bind_front_handler(&Session::on_read, shared_from_this()));
      }
      // Everything buffered belongs to the unfinished header.
      if (header_bytes_ + buffer_.size() > server_.config.max_header_bytes) {
        return on_read(http::error::header_limit, 0);
      }
    }
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::on_header_bytes, shared_from_this()));
  }

  void on_header_bytes(beast::error_code ec, std::size_t bytes) {
    if (ec == beast::error::timeout) {  // a slowloris client, cut off
      server_.router.metrics().connection_rejected(RejectReason::kTimeout);
    }
    if (ec) return;  // the peer went away mid-header, or the request timed out
    buffer_.commit(bytes);
    parse_header();
  }

  void on_read(beast::error_code ec, std::size_t) {
    started_ = Clock::now();
    if (ec) {
      // The peer went away or was too slow (beast closes the socket on timeout).
      if (!is_http_error(ec) || ec == http::error::end_of_stream ||
          ec == http::error::partial_message) {
        return;
      }
      http::status status = http::status::bad_request;
      std::string_view code = "bad_request";
      std::string message = "malformed HTTP request: " + ec.message();
      if (ec == http::error::header_limit) {
        // The start line is parsed before the fields; when even it did not fit, the message
        // has no target yet.
        if (parser_->get().target().empty()) {
          status = http::status::uri_too_long;
          code = "uri_too_long";
          message = "the request line is longer than " +
                    std::to_string(server_.config.max_header_bytes) + " bytes";
        } else {
          status = http::status::request_header_fields_too_large;
          code = "headers_too_large";
          message = "the request header fields are longer than " +
                    std::to_string(server_.config.max_header_bytes) + " bytes";
        }
      } else if (ec == http::error::body_limit) {
        status = http::status::payload_too_large;
        code = "body_too_large";
        message = "the request body is larger than " +
                  std::to_string(server_.config.max_body_bytes) + " bytes";
      }
      log_method_ = "-";
      log_target_ = "-";
      user_agent_.clear();
      route_ = RouteLabel::kRejected;
      server_.router.metrics().connection_rejected(status == http::status::bad_request
                                                       ? RejectReason::kMalformed
                                                       : RejectReason::kTooLarge);
      return write(server_.router.error_response(status, code, message), /*linger=*/true);
    }

    HttpRequest request = parser_->release();
    log_method_ = std::string(request.method_string());
    log_target_ = server_.config.request_log
                      ? std::string(request.target().substr(0, kMaxLoggedTargetBytes))
                      : loggable({request.target().data(), request.target().size()});
    const auto agent = request.find(http::field::user_agent);
    user_agent_ = agent == request.end()
                      ? std::string()
                      : std::string(agent->value().substr(0, kMaxLoggedUserAgent));
    HttpResponse response;
    RequestInfo info;
    try {
      response = server_.router.handle(request, worker_searcher(), &info);
      route_ = info.route;
    } catch (const std::exception& e) {  // only creating the Searcher can get here
      server_.log_error(std::string("cannot answer a request: ") + e.what());
      response = server_.router.error_response(http::status::internal_server_error,
                                               "internal_error", "internal error");
    }
    if (server_.stopping) response.keep_alive(false);
    write(std::move(response), /*linger=*/false);
  }

  void write(HttpResponse&& response, bool linger) {
    response_ = std::move(response);
    stream_.expires_after(server_.config.write_timeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this(), linger));
  }

  void on_write(bool linger, beast::error_code ec, std::size_t) {
    const auto elapsed = Clock::now() - started_;
    server_.router.metrics().record_request(route_, response_.result_int(), elapsed);
    if (server_.config.request_log) {
      log_structured(elapsed);
    } else if (!server_.config.quiet) {
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.1fms", static_cast<double>(micros) / 1000.0);
      auto id = response_.find("X-Request-Id");
      std::string line = log_method_ + " " + log_target_ + " " +
                         std::to_string(response_.result_int()) + " " + ms;
      if (id != response_.end()) line += " id=" + std::string(id->value());
      if (ec) line += " (write failed: " + ec.message() + ")";
      server_.log_access(line);
    }
    if (ec) return;
    if (linger) return start_linger();
    if (response_.need_eof()) return close();
    first_ = false;
    response_ = {};
    do_read();
  }

  void log_structured(Clock::duration elapsed) {
    AccessLogEntry entry;
    entry.time = std::chrono::system_clock::now();
    auto id = response_.find("X-Request-Id");
    if (id != response_.end()) entry.request_id = {id->value().data(), id->value().size()};
    entry.remote = remote_;
    entry.method = log_method_;
    entry.target = log_target_;
    entry.status = response_.result_int();
    // The body as sent: a HEAD response keeps its Content-Length but sends no body.
    entry.bytes = response_.body().size();
    entry.duration_ms = std::chrono::duration<double, std::milli>(elapsed).count();
    entry.user_agent = user_agent_;
    entry.route = route_label_name(route_);
    server_.config.request_log->write(entry);
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  void start_linger() {
    close();
    stream_.expires_after(kLingerTime);  // one deadline for the whole drain
    lingered_ = 0;
    buffer_.clear();
    do_linger();
  }

  void do_linger() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->lingered_ += n;
                              if (ec || self->lingered_ > kMaxLingerBytes) return;
                              self->do_linger();
                            });
  }

  beast::tcp_stream stream_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpResponse response_;
  bool idle_ = false;   // waiting for the first byte of a request
  bool first_ = true;   // no request answered yet on this connection
  std::size_t lingered_ = 0;
  bool rejecting_ = false;  // counted by ServerCore::add_rejecting
  std::size_t header_bytes_ = 0;  // start line and fields parsed so far
  Clock::time_point started_ = Clock::now();
  std::string log_method_;
  std::string log_target_;  // escaped for the plain log, raw (cut) for the structured one
  std::string user_agent_;
  std::string remote_ = "-";
  RouteLabel route_ = RouteLabel::kInvalid;
};

// ---- ServerCore ---------------------------------------------------------------------------

ServerCore::ServerCore(ServerConfig c)
    : config(std::move(c)),
      address(parse_listen_address(config.listen)),
      router(config.router),
      ioc(static_cast<int>(std::max(1u, config.threads))),
      strand(net::make_strand(ioc)),
      acceptor(strand),
      accept_retry(strand),
      grace_timer(strand),
      signals(strand),
      hangup(strand) {
  if (config.threads == 0) config.threads = 1;
  if (!config.access_log) {
    config.access_log = [](std::string_view line) {
      std::string out = std::string(line) + "\n";
      std::fwrite(out.data(), 1, out.size(), stderr);
    };
  }
}

void ServerCore::log_access(std::string_view line) {
  std::lock_guard lock(log_mutex);
  config.access_log(line);
}

void ServerCore::log_error(std::string_view line) {
  std::lock_guard lock(log_mutex);
  std::string out = "postsearch-server: " + std::string(line) + "\n";
  std::fwrite(out.data(), 1, out.size(), stderr);
}

void ServerCore::do_accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        beast::bind_front_handler(&ServerCore::on_accept, this));
}

void ServerCore::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping) return;  // the socket closes as it goes out of scope
  if (ec) {
    if (ec == net::error::operation_aborted) return;
    // Out of file descriptors and the like: keep the listener alive and try again shortly.
    log_error("accept failed: " + ec.message());
    accept_retry.expires_after(kAcceptRetryDelay);
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && !stopping) do_accept();
    });
    return;
  }
  open_session(std::move(socket));
  // The next async accept would wait behind every request queued for the workers, so a burst
  // of new connections would be let in one per pass through that queue (seconds under load).
  // Take what is already waiting now.
  for (int i = 0; i < kAcceptBurst && !stopping; ++i) {
    tcp::socket next(net::make_strand(ioc));
    beast::error_code accept_ec;
    acceptor.accept(next, accept_ec);  // non-blocking: would_block when none is waiting
    if (accept_ec) break;
    open_session(std::move(next));
  }
  do_accept();
}

void ServerCore::open_session(tcp::socket socket) {
  auto session = std::make_shared<Session>(std::move(socket), *this);
  if (add_session(session)) {
    session->start();
  } else if (add_rejecting()) {
    session->reject();
  } else {
    // A flood: no descriptor is kept for it (the socket closes with the session, now).
    router.metrics().connection_rejected(RejectReason::kTooManyConnections);
  }
}

bool ServerCore::add_rejecting() {
  std::lock_guard lock(sessions_mutex);
  if (rejecting >= kMaxRejecting) return false;
  ++rejecting;
  return true;
}

void ServerCore::remove_rejecting() {
  std::lock_guard lock(sessions_mutex);
  --rejecting;
}

bool ServerCore::add_session(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex);
  if (sessions.size() >= config.max_connections) return false;
  sessions.emplace(session.get(), session);
  router.metrics().connection_opened();
  return true;
}

void ServerCore::remove_session(const Session* session) {
  bool last = false;
  {
    std::lock_guard lock(sessions_mutex);
    // Rejected connections were never registered, so they never counted as open.
    if (sessions.erase(session) != 0 && !destroying) router.metrics().connection_closed();
    last = sessions.empty();
  }
  // The last connection is gone: no need to wait for the grace timer any longer.
  if (last && stopping && !destroying) {
    net::post(strand, [this] { grace_timer.cancel(); });
  }
}

void ServerCore::begin_shutdown() {
  if (stopping.exchange(true)) return;
  beast::error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  signals.cancel(ignored);
  signals.clear(ignored);  // a second Ctrl-C gets the default action: terminate now
  hangup.cancel(ignored);
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& entry : sessions) {
      if (auto session = entry.second.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) session->shutdown();
  if (!live.empty()) {
    grace_timer.expires_after(config.shutdown_grace);
    grace_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      log_error("connections still open after the shutdown grace period: closing them");
      ioc.stop();
    });
  }
}

void ServerCore::wait_for_hangup() {
  hangup.async_wait([this](beast::error_code ec, int) {
    if (ec || stopping) return;
    if (!config.request_log->reopen()) log_error("SIGHUP: cannot reopen the access log");
    wait_for_hangup();
  });
}

void ServerCore::run_worker() {
  WorkerSlot slot;
  slot.db_path = &config.db_path;
  slot.indexes = &config.indexes;
  slot.options.limits = config.router.limits;
  slot.options.time_limit = config.query_time_limit;
  slot.options.hit_cache_bytes = config.hit_cache_bytes;
  t_worker = &slot;
  for (;;) {
    try {
      ioc.run();
      break;
    } catch (const std::exception& e) {
      log_error(std::string("worker: ") + e.what());
    }
  }
  t_worker = nullptr;
}

}  // namespace detail

// ---- public API -------------------------------------------------------------------------

ListenAddress parse_listen_address(std::string_view text) {
  auto fail = [&](const std::string& why) -> ListenAddress {
    throw std::invalid_argument("--listen '" + std::string(text) + "': " + why);
  };
  ListenAddress out;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    out.host = std::string(text.substr(1, close - 1));
    if (close + 1 >= text.size() || text[close + 1] != ':') return fail("expected [ADDRESS]:PORT");
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected HOST:PORT");
    out.host = std::string(text.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return fail("write an IPv6 address in brackets: [::1]:8080");
    }
    port = text.substr(colon + 1);
  }
  if (out.host.empty()) return fail("the host is missing (use 0.0.0.0 for every interface)");
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return fail("the port must be a number from 0 to 65535");
  }
  const unsigned long value = std::stoul(std::string(port));
  if (value > 65535) return fail("the port must be a number from 0 to 65535");
  out.port = static_cast<std::uint16_t>(value);
  return out;
}

struct HttpServer::Impl : detail::ServerCore {
  using ServerCore::ServerCore;
};

HttpServer::HttpServer(ServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

HttpServer::~HttpServer() {
  stop();
  wait();
}

std::uint16_t HttpServer::start() {
  Impl& s = *impl_;
  if (!s.threads.empty() || s.acceptor.is_open()) throw std::logic_error("server already started");
  const std::string where = "cannot listen on " + s.config.listen + ": ";
  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(s.address.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.address.port);
  } else {
    tcp::resolver resolver(s.ioc);
    auto results = resolver.resolve(s.address.host, std::to_string(s.address.port), ec);
    if (ec || results.empty()) {
      throw std::runtime_error(where + "cannot resolve '" + s.address.host + "'" +
                               (ec ? ": " + ec.message() : std::string()));
    }
    endpoint = results.begin()->endpoint();
  }
  auto check = [&](const beast::error_code& error) {
    if (error) {
      beast::error_code ignored;
      s.acceptor.close(ignored);
      throw std::runtime_error(where + error.message());
    }
  };
  s.acceptor.open(endpoint.protocol(), ec);
  check(ec);
  s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  check(ec);
  s.acceptor.bind(endpoint, ec);
  check(ec);
  s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  check(ec);
  s.bound = s.acceptor.local_endpoint(ec);
  check(ec);
  s.acceptor.non_blocking(true, ec);  // for the burst accepts in on_accept
  check(ec);

  s.do_accept();
  if (s.config.handle_signals) {
    s.signals.add(SIGINT);
    s.signals.add(SIGTERM);
    s.signals.async_wait([core = impl_.get()](beast::error_code wait_ec, int) {
      if (!wait_ec) core->begin_shutdown();
    });
    if (s.config.request_log) {
      s.hangup.add(SIGHUP);
      s.wait_for_hangup();
    }
  }
  // /opensearch.xml's last resort names the port actually bound.
  s.router.set_fallback_origin("http://127.0.0.1:" + std::to_string(s.bound.port()));
  const unsigned n = std::max(1u, s.config.threads);
  s.threads.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    s.threads.emplace_back([core = impl_.get()] { core->run_worker(); });
  }
  return s.bound.port();
}

void HttpServer::stop() {
  net::post(impl_->strand, [core = impl_.get()] { core->begin_shutdown(); });
}

void HttpServer::wait() {
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

std::string HttpServer::url() const {
  const auto address = impl_->bound.address();
  const std::string host =
      address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return "http://" + host + ":" + std::to_string(impl_->bound.port());
}

}  // namespace postsearch
