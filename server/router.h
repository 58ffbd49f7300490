// The HTTP request handler of postsearch-server (SPEC §4): one parsed request in, one
// complete response out. It knows nothing about sockets, so tests call it directly.
//
// Thread safety: a Router is immutable after construction and may be shared by all worker
// threads; the Searcher passed to handle() must belong to the calling thread (Xapian
// objects are not thread-safe).
//
// Strictness: methods other than GET, HEAD and OPTIONS get 405 with `Allow`; HTTP/1.1
// without exactly one Host header, or a version other than 1.0/1.1, gets 400/505; a target
// that is not a valid URL, or whose decoded path or parameters are not UTF-8 or hold a NUL
// or control character, gets 400. Unknown parameters are ignored (cache busters like
// `_=123` are common); a single-valued parameter given twice is a 400.
//
// Errors: handle() never throws. Every failure becomes a SPEC JSON error
//   {"error": {"status": 400, "code": "bad_parameter", "message": "..."}}
// built in one catch point: BadRequest -> 400 (its code), IndexUnavailable and
// Xapian::DatabaseError -> 503, Xapian::QueryParserError -> 400 bad_query, any other
// Xapian::Error or std::exception -> 500 (details go to the error log, not to the client).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "common/search_request.h"
#include "server/metrics.h"

namespace postsearch {

class Searcher;

namespace http = boost::beast::http;

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

struct RouterConfig {
  // Origins allowed to call the API from a browser ("https://blog.example"); "*" allows any.
  std::vector<std::string> cors_origins;
  // Files under this directory are served for paths no route matches (empty: none).
  std::filesystem::path static_dir;
  // Bounds on what one search may ask for (query length and words, page size and depth).
  RequestLimits limits;
  // Receives one line per internal error (500, unexpected 503 causes). Default: stderr.
  std::function<void(std::string_view)> error_log;
  // The counters /metrics shows; the session layer records into the same object. Default:
  // a fresh one owned by the Router.
  std::shared_ptr<Metrics> metrics;
  // The site's public origin behind a proxy ("https://search.example", no trailing slash;
  // see normalize_public_url), used in /opensearch.xml. Empty: the request's Host header
  // when it is a valid host[:port], else fallback_origin.
  std::string public_url;
  // The origin /opensearch.xml names when neither public_url nor a valid Host header is
  // there. HttpServer sets it to http://127.0.0.1:PORT once it has bound its port.
  std::string fallback_origin = "http://127.0.0.1:8080";
};

// What the router learnt about a request, for the session layer's metrics and access log.
struct RequestInfo {
  RouteLabel route = RouteLabel::kInvalid;
};

class Router {
 public:
  // Throws std::invalid_argument when static_dir is set but is not a readable directory.
  explicit Router(RouterConfig config);

  // Answers one request. The response is complete: status, Content-Type, Content-Length
  // (also for HEAD, whose body is empty), X-Request-Id, Server, Cache-Control, CORS
  // headers, and keep-alive as the request asked. Never throws. When `info` is given it
  // receives the request's route label (kInvalid when it was refused before routing).
  //
  // Caching: a 200 from /api/* carries a weak ETag derived from the index version
  // (IndexStatus::version, read before the handler runs, so a tag is never newer than its
  // body) and the raw target, with `Cache-Control: no-cache`; a matching If-None-Match gets
  // 304 without running the search. Embedded assets carry a strong ETag of their bytes and
  // `public, max-age=300` (the page itself `no-cache`). Errors, /metrics and /healthz are
  // `no-store`.
  HttpResponse handle(const HttpRequest& request, Searcher& searcher,
                      RequestInfo* info = nullptr) const;

  // A JSON error for a request that could not be parsed (the session layer: 400, 413, 414,
  // 431). It carries a fresh request id and `Connection: close`.
  HttpResponse error_response(http::status status, std::string_view code,
                              std::string_view message) const;

  const RouterConfig& config() const { return config_; }
  Metrics& metrics() const { return *config_.metrics; }

  // Replaces config().fallback_origin. Not thread-safe: call before serving requests.
  void set_fallback_origin(std::string origin) { config_.fallback_origin = std::move(origin); }

 private:
  RouterConfig config_;
  std::filesystem::path static_root_;  // canonical form of config_.static_dir, or empty
};

// Helpers exposed for tests and the session layer.

// The incoming X-Request-Id when it is sane (1-64 chars of [A-Za-z0-9_-]), else a new
// random 16-hex-digit id.
std::string request_id_for(std::string_view incoming);

// The file under `root` (canonical) that the decoded path segments name, or nullopt when
// the path is unsafe (a "." or ".." segment, a dot file, an empty segment, '/', '\\' or NUL
// inside a segment) or the canonical target escapes `root` or is not a regular file. A
// path naming a directory (or ending in '/', i.e. a last empty segment) resolves to its
// index.html.
std::optional<std::filesystem::path> resolve_static_file(const std::filesystem::path& root,
                                                         const std::vector<std::string>& segments);

// Content-Type for a file name by extension ("application/octet-stream" when unknown).
std::string_view content_type_for(const std::filesystem::path& file);

// Checks --public-url: an absolute http or https URL with a host, without user info, query
// or fragment (parsed by Boost.URL). Returns it without a trailing '/'
// ("https://blog.example/search"). Throws std::invalid_argument with the reason.
std::string normalize_public_url(std::string_view url);

// True when a Host header value is a syntactically valid host[:port]: a DNS-style name
// (letters, digits, '-', '.'), an IPv4 address or a bracketed IPv6 address, and an optional
// port of 1-5 digits up to 65535. Anything else is not echoed into a document.
bool is_valid_host_header(std::string_view host);

}  // namespace postsearch
