#include "server/router.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <nlohmann/json.hpp>
#include <xapian.h>

#include "common/card.h"
#include "common/errors.h"
#include "common/search_request.h"
#include "common/searcher.h"
#include "common/text.h"
#include "common/version.h"
#include "server/embedded_files.h"
#include "server/http_cache.h"
#include "server/page_renderer.h"
#include "server/search_page.h"

namespace postsearch {

namespace fs = std::filesystem;
namespace urls = boost::urls;
using nlohmann::ordered_json;

namespace {

constexpr std::string_view kJsonType = "application/json; charset=utf-8";
constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";
constexpr std::string_view kServerName = "postsearch";
constexpr std::size_t kMaxStaticFileBytes = 32 * 1024 * 1024;
constexpr std::size_t kMaxRequestIdChars = 64;

// Routes; `kNone` is a 404.
enum class Route { kNone, kSearch, kSuggest, kPost, kHealth, kAsset, kStatic, kMetrics, kOpenSearch };

constexpr std::string_view kMetricsType = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view kOpenSearchType = "application/opensearchdescription+xml";
constexpr std::string_view kSuggestionsType = "application/x-suggestions+json";

// Dumps JSON; a byte sequence that is not UTF-8 (an echoed parameter, say) becomes U+FFFD
// instead of throwing.
std::string dump(const ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A request the protocol layer refuses with a status other than 400.
class HttpError : public std::runtime_error {
 public:
  HttpError(http::status status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  http::status status() const { return status_; }
  const std::string& code() const { return code_; }

 private:
  http::status status_;
  std::string code_;
};

ordered_json error_body(http::status status, std::string_view code, std::string_view message) {
  ordered_json error;
  error["status"] = static_cast<unsigned>(status);
  error["code"] = std::string(code);
  error["message"] = std::string(message);
  ordered_json body;
  body["error"] = std::move(error);
  return body;
}

HttpResponse json_response(http::status status, const ordered_json& body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, kJsonType);
  res.body() = dump(body);
  return res;
}

HttpResponse json_error(http::status status, std::string_view code, std::string_view message) {
  return json_response(status, error_body(status, code, message));
}

// The parts of a request the handlers need, decoded once.
struct Target {
  std::string path;                               // percent-decoded
  std::vector<std::string> segments;              // percent-decoded, split on '/' before decoding
  std::multimap<std::string, std::string> params; // percent-decoded, '+' as space
};

// Decoded text must be UTF-8 without NUL or other control characters (tab, CR and LF are
// allowed in values: a pasted query may hold them, and the query parser reads them as spaces).
void check_decoded(const std::string& what, std::string_view text) {
  if (text::find_invalid_utf8(text)) {
    throw BadRequest("bad_encoding", what + " is not valid UTF-8 once percent-decoded");
  }
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f) {
      throw BadRequest("bad_encoding", what + " contains a control character");
    }
  }
}

// Parses the request target with Boost.URL: origin form ("/path?query"), or absolute form
// ("http://host/path?query", which RFC 9112 says servers must accept). Throws BadRequest.
Target parse_target(std::string_view raw) {
  urls::result<urls::url_view> parsed;
  if (!raw.empty() && raw.front() == '/') {
    parsed = urls::parse_origin_form(raw);
  } else {
    parsed = urls::parse_absolute_uri(raw);
  }
  if (!parsed) {
    throw BadRequest("bad_request",
                     "the request target is not a valid URL (bad character or percent-encoding)");
  }
  const urls::url_view& url = *parsed;
  Target target;
  target.path = url.path();
  if (target.path.empty()) target.path = "/";
  check_decoded("the path", target.path);
  for (auto segment : url.segments()) target.segments.push_back(segment);
  for (auto param : url.params()) {
    check_decoded("a parameter name", param.key);
    if (param.has_value) check_decoded("parameter '" + param.key + "'", param.value);
    target.params.emplace(std::move(param.key), param.has_value ? std::move(param.value) : "");
  }
  return target;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

template <class Name>  // http::field or a header name
std::string_view header_value(const HttpRequest& req, Name name) {
  auto it = req.find(name);
  if (it == req.end()) return {};
  return {it->value().data(), it->value().size()};
}

// True when the decoded path has a "." or ".." segment. Boost.URL hides a leading "/."
// from segments() (it is path syntax there), so static lookups check the path itself too.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    const std::string_view segment = path.substr(start, slash - start);
    if (segment == "." || segment == "..") return true;
    start = slash + 1;
  }
  return false;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// ---- handlers -------------------------------------------------------------------------

HttpResponse handle_search(const Target& target, Searcher& searcher,
                           const RequestLimits& limits) {
  SearchRequest request = parse_search_params(target.params, limits);
  return json_response(http::status::ok, response_to_json(searcher.search(request)));
}

// The value of a single-valued parameter, or `fallback` when absent. Throws BadRequest when
// it is given twice.
std::string single_param(const Target& target, const std::string& name, std::string fallback) {
  auto range = target.params.equal_range(name);
  if (range.first == range.second) return fallback;
  if (std::next(range.first) != range.second) {
    throw BadRequest("bad_parameter", "parameter '" + name + "' is given more than once");
  }
  return range.first->second;
}

HttpResponse handle_suggest(const Target& target, Searcher& searcher) {
  auto q = target.params.equal_range("q");
  if (q.first != q.second && std::next(q.first) != q.second) {
    throw BadRequest("bad_parameter", "parameter 'q' is given more than once");
  }
  const std::string query = q.first == q.second ? std::string() : q.first->second;
  const int limit = parse_limit_param(target.params, 5);
  const std::string format = single_param(target, "format", "json");
  if (format != "json" && format != "opensearch") {
    throw BadRequest("bad_parameter", "parameter 'format' must be json or opensearch");
  }
  const SuggestResponse suggestions = searcher.suggest(query, limit);
  if (format == "json") return json_response(http::status::ok, suggest_to_json(suggestions));
  // OpenSearch suggestions (what a browser's search bar reads): ["query", ["completion", ...]].
  ordered_json body = ordered_json::array({suggestions.query, suggestions.suggestions});
  HttpResponse res = json_response(http::status::ok, body);
  res.set(http::field::content_type, kSuggestionsType);
  return res;
}

// `/api/posts/{slug}` and `/api/posts/{slug}/related`. Slugs may contain '/' (and could end
// in "/related"), so the whole path is tried as a slug first; only when no post has it and it
// ends in "/related" is it the related route for the slug before that.
HttpResponse handle_post(std::string_view slug, const Target& target, Searcher& searcher,
                         RouteLabel& label) {
  if (auto card = searcher.find_post(std::string(slug))) {
    return json_response(http::status::ok, card_to_json(*card, false));
  }
  constexpr std::string_view kRelated = "/related";
  if (slug.size() > kRelated.size() && slug.substr(slug.size() - kRelated.size()) == kRelated) {
    const std::string base(slug.substr(0, slug.size() - kRelated.size()));
    label = RouteLabel::kRelated;
    const int limit = parse_limit_param(target.params, 5);
    if (auto related = searcher.related(base, limit)) {
      return json_response(http::status::ok, related_to_json(*related));
    }
    return json_error(http::status::not_found, "not_found", "no post with slug '" + base + "'");
  }
  return json_error(http::status::not_found, "not_found",
                    "no post with slug '" + std::string(slug) + "'");
}

HttpResponse handle_health(Searcher& searcher) {
  ordered_json body;
  try {
    IndexStatus status = searcher.status();
    body["status"] = "ok";
    body["posts"] = status.posts;
    body["index_updated"] =
        status.updated.empty() ? ordered_json(nullptr) : ordered_json(status.updated);
    return json_response(http::status::ok, body);
  } catch (const IndexUnavailable& e) {
    body = error_body(http::status::service_unavailable, "index_unavailable", e.what());
  } catch (const Xapian::Error& e) {
    body = error_body(http::status::service_unavailable, "index_unavailable",
                      "the index cannot be read: " + e.get_msg());
  }
  // Monitors look at "status"; API clients at "error".
  ordered_json out;
  out["status"] = "unavailable";
  out["error"] = std::move(body["error"]);
  return json_response(http::status::service_unavailable, out);
}

// /metrics answers 200 whatever state the index is in: a scrape that fails would hide
// exactly the moment postsearch_index_up says 0.
HttpResponse handle_metrics(Searcher& searcher, const Metrics& metrics,
                            const std::function<void(std::string_view)>& error_log) {
  IndexGauges index;
  try {
    const IndexStatus status = searcher.status();
    index.up = true;
    index.documents = status.posts;
    index.updated = status.updated;
  } catch (const IndexUnavailable&) {
    index.up = false;
  } catch (const Xapian::Error& e) {
    error_log("metrics: the index cannot be read: " + e.get_description());
    index.up = false;
  }
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, kMetricsType);
  res.body() = metrics.render(index);
  return res;
}

// The OpenSearch description (https://github.com/dewitt/opensearch): lets a browser add the
// blog as a search engine, with search-box suggestions from /api/suggest.
HttpResponse handle_opensearch(std::string_view base) {
  const std::string b = text::html_escape(base);  // its five escapes are XML's too
  std::string xml;
  xml += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n";
  xml += "  <ShortName>postsearch</ShortName>\n";
  xml += "  <Description>Search the blog's posts</Description>\n";
  xml += "  <InputEncoding>UTF-8</InputEncoding>\n";
  xml += "  <Url type=\"text/html\" method=\"get\" template=\"" + b + "/?q={searchTerms}\"/>\n";
  xml += "  <Url type=\"application/x-suggestions+json\" method=\"get\" template=\"" + b +
         "/api/suggest?q={searchTerms}&amp;format=opensearch\"/>\n";
  xml += "  <Url type=\"application/opensearchdescription+xml\" rel=\"self\" template=\"" + b +
         "/opensearch.xml\"/>\n";
  xml += "</OpenSearchDescription>\n";
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, kOpenSearchType);
  res.set(http::field::cache_control, "public, max-age=300");
  res.body() = std::move(xml);
  return res;
}

// An /api/* GET with HTTP validation: the ETag is computed from the index version read
// *before* the handler runs (the handler re-opens the index and may see a newer commit,
// never an older one), so a tag never claims a body newer than it is; at worst a client
// revalidates once more. A matching If-None-Match is a 304 and the search does not run.
template <class Handler>
HttpResponse with_etag(const HttpRequest& req, std::string_view raw_target, Searcher& searcher,
                       Handler&& handler) {
  std::string etag;
  try {
    etag = api_etag(searcher.status().version, raw_target, version());
  } catch (const IndexUnavailable&) {
    return handler();  // no validator; the handler reports a bad parameter or the 503 itself
  } catch (const Xapian::Error&) {
    return handler();
  }
  const auto inm = req.find(http::field::if_none_match);
  if (inm != req.end() && if_none_match_matches({inm->value().data(), inm->value().size()}, etag)) {
    HttpResponse res{http::status::not_modified, 11};
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");
    return res;
  }
  HttpResponse res = handler();
  if (res.result() == http::status::ok) {
    res.set(http::field::etag, etag);
    res.set(http::field::cache_control, "no-cache");  // store, but revalidate every time
  }
  return res;
}

// The strong ETag of each embedded file, hashed once (the Router's constructor asks first).
const std::string& asset_etag(const EmbeddedAsset& asset) {
  static const std::map<const char*, std::string> tags = [] {
    std::map<const char*, std::string> out;
    for (const auto& file : embedded_files()) out.emplace(file.data.data(), content_etag(file.data));
    return out;
  }();
  static const std::string none;
  auto it = tags.find(asset.body.data());
  return it == tags.end() ? none : it->second;
}

RouteLabel route_label(Route route, const EmbeddedAsset* asset) {
  switch (route) {
    case Route::kSearch: return RouteLabel::kSearch;
    case Route::kSuggest: return RouteLabel::kSuggest;
    case Route::kPost: return RouteLabel::kPost;  // handle_post tells /related apart
    case Route::kHealth: return RouteLabel::kHealth;
    case Route::kMetrics: return RouteLabel::kMetrics;
    case Route::kOpenSearch: return RouteLabel::kOpenSearch;
    case Route::kAsset:
      return asset != nullptr && asset->path == "/" ? RouteLabel::kPage : RouteLabel::kAsset;
    case Route::kStatic: return RouteLabel::kStatic;
    case Route::kNone: break;
  }
  return RouteLabel::kNotFound;
}

// The origin /opensearch.xml names: --public-url, else a valid Host header, else the fallback.
std::string public_base(const RouterConfig& config, const HttpRequest& req) {
  if (!config.public_url.empty()) return config.public_url;
  const std::string_view host = header_value(req, http::field::host);
  if (is_valid_host_header(host)) return "http://" + std::string(host);
  return config.fallback_origin;
}

// An embedded asset with its content ETag; a matching If-None-Match gets 304 (RFC 9110
// §15.4.5: no body, but the ETag and Cache-Control a 200 would have).
HttpResponse handle_asset(const EmbeddedAsset& asset, const std::string& etag,
                          std::string_view if_none_match) {
  const bool fresh =
      !etag.empty() && !if_none_match.empty() && if_none_match_matches(if_none_match, etag);
  HttpResponse res{fresh ? http::status::not_modified : http::status::ok, 11};
  if (!etag.empty()) res.set(http::field::etag, etag);
  if (!fresh) {
    res.set(http::field::content_type, asset.content_type);
    res.body() = std::string(asset.body);
  }
  if (asset.path == "/") {
    res.set("Content-Security-Policy", kSearchPageCsp);
    res.set(http::field::cache_control, "no-cache");
  } else {
    res.set(http::field::cache_control, "public, max-age=300");
  }
  return res;
}

// Parameters that make `GET /` a search: with none of them the page is the static asset.
bool is_page_search(const Target& target) {
  for (const char* name : {"q", "tag", "since", "until"}) {
    auto it = target.params.find(name);
    if (it != target.params.end() && !it->second.empty()) return true;
  }
  return false;
}

HttpResponse html_page(http::status status, std::string body) {
  HttpResponse res{status, 11};
  res.set(http::field::content_type, "text/html; charset=utf-8");
  res.set("Content-Security-Policy", kSearchPageCsp);
  res.set(http::field::cache_control, "no-cache");
  res.body() = std::move(body);
  return res;
}

// `GET /?q=...`: the page with the results in it, for browsers without JavaScript. Errors
// a reader can act on are shown on the page (HTML, not JSON); the rest go to the catch point.
HttpResponse handle_page_search(const Target& target, Searcher& searcher,
                                const RequestLimits& limits, const EmbeddedAsset& page) {
  auto q = target.params.find("q");
  const std::string query = q == target.params.end() ? std::string() : q->second;
  try {
    const SearchRequest request = parse_search_params(target.params, limits);
    return html_page(http::status::ok,
                     render_results_page(page.body, request, searcher.search(request)));
  } catch (const BadRequest& e) {
    return html_page(http::status::bad_request, render_error_page(page.body, query, e.what()));
  } catch (const Xapian::QueryParserError& e) {
    return html_page(http::status::bad_request,
                     render_error_page(page.body, query, "bad query: " + e.get_msg()));
  } catch (const IndexUnavailable&) {
    return html_page(http::status::service_unavailable,
                     render_error_page(page.body, query, "Search is unavailable right now."));
  }
}

HttpResponse handle_static(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec || size > kMaxStaticFileBytes) {
    return json_error(http::status::not_found, "not_found", "no such file");
  }
  std::ifstream in(file, std::ios::binary);
  std::string data(static_cast<std::size_t>(size), '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(size))) {
    return json_error(http::status::not_found, "not_found", "no such file");
  }
  HttpResponse res{http::status::ok, 11};
  res.set(http::field::content_type, content_type_for(file));
  res.set(http::field::cache_control, "no-cache");
  res.body() = std::move(data);
  return res;
}

}  // namespace

// ---- public helpers ------------------------------------------------------------------------

std::string request_id_for(std::string_view incoming) {
  if (!incoming.empty() && incoming.size() <= kMaxRequestIdChars) {
    bool sane = true;
    for (char c : incoming) sane = sane && is_token_char(c);
    if (sane) return std::string(incoming);
  }
  thread_local std::mt19937_64 rng{[] {
    std::random_device device;
    static std::atomic<std::uint64_t> counter{0};
    return (static_cast<std::uint64_t>(device()) << 32) ^ device() ^ ++counter;
  }()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::uint64_t bits = rng();
  std::string id(16, '0');
  for (auto& c : id) {
    c = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

std::optional<fs::path> resolve_static_file(const fs::path& root,
                                            const std::vector<std::string>& segments) {
  if (root.empty()) return std::nullopt;
  fs::path candidate = root;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& segment = segments[i];
    if (segment.empty()) {
      if (i + 1 == segments.size()) break;  // trailing slash: the directory's index.html
      return std::nullopt;                  // "//": an absolute path smuggled in
    }
    // ".", "..", and dot files (.git, .env) are never served.
    if (segment.front() == '.') return std::nullopt;
    if (segment.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return std::nullopt;
    }
    candidate /= segment;
  }
  std::error_code ec;
  fs::path file = fs::canonical(candidate, ec);
  if (ec) return std::nullopt;
  if (fs::is_directory(file, ec)) {
    file = fs::canonical(file / "index.html", ec);
    if (ec) return std::nullopt;
  }
  // A symbolic link may point anywhere: the canonical target must still be under root.
  const fs::path relative = file.lexically_relative(root);
  if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") return std::nullopt;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  return file;
}

std::string_view content_type_for(const fs::path& file) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".map", "application/json; charset=utf-8"},
      {".xml", "application/xml; charset=utf-8"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/vnd.microsoft.icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".pdf", "application/pdf"},
      {".wasm", "application/wasm"},
  };
  std::string ext = file.extension().string();
  for (auto& c : ext) c = static_cast<char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

std::string normalize_public_url(std::string_view text) {
  auto fail = [&](const std::string& why) -> std::string {
    throw std::invalid_argument("--public-url '" + std::string(text) + "': " + why);
  };
  const auto parsed = urls::parse_absolute_uri(text);
  if (!parsed) return fail("not an absolute URL (" + parsed.error().message() + ")");
  const urls::url_view& url = *parsed;
  if (url.scheme_id() != urls::scheme::http && url.scheme_id() != urls::scheme::https) {
    return fail("the scheme must be http or https");
  }
  if (!url.has_authority() || url.encoded_host().empty()) return fail("the host is missing");
  if (url.has_userinfo()) return fail("user info does not belong in a public URL");
  if (url.has_query() || url.has_fragment()) return fail("a query or fragment is not allowed");
  std::string out(url.buffer());
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

bool is_valid_host_header(std::string_view host) {
  if (host.empty()) return false;
  const auto parsed = urls::parse_authority(host);
  if (!parsed) return false;
  const urls::authority_view& authority = *parsed;
  if (authority.has_userinfo()) return false;
  switch (authority.host_type()) {
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      break;
    case urls::host_type::name: {
      const std::string_view name = authority.encoded_host();
      if (name.empty() || name.size() > 253) return false;
      for (char c : name) {
        if (!is_token_char(c) && c != '.') return false;
        if (c == '_') return false;
      }
      break;
    }
    default:
      return false;  // IPvFuture and anything else
  }
  if (authority.has_port()) {
    const std::string_view port = authority.port();
    if (port.empty() || port.size() > 5) return false;
    if (std::stoul(std::string(port)) > 65535) return false;
  }
  return true;
}

// ---- Router ------------------------------------------------------------------------------

Router::Router(RouterConfig config) : config_(std::move(config)) {
  if (!config_.error_log) {
    config_.error_log = [](std::string_view line) {
      std::string out = "postsearch-server: " + std::string(line) + "\n";
      std::fwrite(out.data(), 1, out.size(), stderr);
    };
  }
  if (!config_.static_dir.empty()) {
    std::error_code ec;
    static_root_ = fs::canonical(config_.static_dir, ec);
    if (ec || !fs::is_directory(static_root_, ec)) {
      throw std::invalid_argument("--static " + config_.static_dir.string() +
                                  ": not a readable directory");
    }
  }
  if (!config_.metrics) config_.metrics = std::make_shared<Metrics>(std::string(version()));
  for (const auto& file : embedded_files()) {  // hash the assets now, not on a first request
    asset_etag(EmbeddedAsset{file.name, {}, file.data});
  }
}

HttpResponse Router::error_response(http::status status, std::string_view code,
                                    std::string_view message) const {
  HttpResponse res = json_error(status, code, message);
  res.set(http::field::server, kServerName);
  res.set("X-Request-Id", request_id_for({}));
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.keep_alive(false);
  res.prepare_payload();
  return res;
}

HttpResponse Router::handle(const HttpRequest& req, Searcher& searcher, RequestInfo* info) const {
  RouteLabel label = RouteLabel::kInvalid;  // until the request is routed
  const std::string request_id = request_id_for(header_value(req, "X-Request-Id"));
  const bool head = req.method() == http::verb::head;
  const std::string_view origin = header_value(req, http::field::origin);
  const bool any_origin = std::find(config_.cors_origins.begin(), config_.cors_origins.end(),
                                    "*") != config_.cors_origins.end();
  const bool origin_allowed =
      !origin.empty() &&
      (any_origin || std::find(config_.cors_origins.begin(), config_.cors_origins.end(),
                               origin) != config_.cors_origins.end());

  HttpResponse res;
  // The one catch point: everything a handler throws becomes a JSON error here.
  try {
    res = [&]() -> HttpResponse {
      if (req.version() != 10 && req.version() != 11) {
        throw HttpError(http::status::http_version_not_supported, "version_not_supported",
                        "only HTTP/1.0 and HTTP/1.1 are supported");
      }
      const auto hosts = req.count(http::field::host);
      if (hosts > 1 || (hosts == 0 && req.version() == 11)) {
        throw BadRequest("bad_request", "an HTTP/1.1 request needs exactly one Host header");
      }
      if (req.method() != http::verb::get && !head && req.method() != http::verb::options) {
        HttpResponse r = json_error(
            http::status::method_not_allowed, "method_not_allowed",
            "method " + std::string(req.method_string()) + " is not allowed; use GET or HEAD");
        r.set(http::field::allow, kAllow);
        return r;
      }
      const std::string_view raw_target(req.target().data(), req.target().size());
      if (raw_target == "*") {  // "OPTIONS * HTTP/1.1": what the server as a whole allows
        if (req.method() != http::verb::options) {
          throw BadRequest("bad_request", "'*' is a target only for OPTIONS");
        }
        HttpResponse r{http::status::no_content, 11};
        r.set(http::field::allow, kAllow);
        return r;
      }
      const Target target = parse_target(raw_target);

      Route route = Route::kNone;
      std::string_view slug;
      const EmbeddedAsset* asset = nullptr;
      std::optional<fs::path> static_file;
      const std::string_view path = target.path;
      constexpr std::string_view kPostsPrefix = "/api/posts/";
      if (path == "/api/search") {
        route = Route::kSearch;
      } else if (path == "/api/suggest") {
        route = Route::kSuggest;
      } else if (starts_with(path, kPostsPrefix) && path.size() > kPostsPrefix.size()) {
        route = Route::kPost;
        slug = path.substr(kPostsPrefix.size());
      } else if (path == "/healthz") {
        route = Route::kHealth;
      } else if (path == "/metrics") {
        route = Route::kMetrics;
      } else if (path == "/opensearch.xml") {
        route = Route::kOpenSearch;
      } else if ((asset = find_embedded_asset(path)) != nullptr) {
        route = Route::kAsset;
      } else if (!static_root_.empty() && path != "/api" && !starts_with(path, "/api/")) {
        if (!has_dot_segment(path)) {
          static_file = resolve_static_file(static_root_, target.segments);
          if (static_file) route = Route::kStatic;
        }
      }

      label = route_label(route, asset);
      if (route == Route::kNone) {
        return json_error(http::status::not_found, "not_found", "no such resource");
      }
      if (req.method() == http::verb::options) {
        label = RouteLabel::kOptions;
        HttpResponse r{http::status::no_content, 11};
        r.set(http::field::allow, kAllow);
        if (origin_allowed && req.find(http::field::access_control_request_method) != req.end()) {
          r.set(http::field::access_control_allow_methods, kAllow);
          r.set(http::field::access_control_allow_headers, "Content-Type, X-Request-Id");
          r.set(http::field::access_control_max_age, "600");
        }
        return r;
      }
      switch (route) {
        case Route::kSearch:
          return with_etag(req, raw_target, searcher,
                           [&] { return handle_search(target, searcher, config_.limits); });
        case Route::kSuggest:
          return with_etag(req, raw_target, searcher,
                           [&] { return handle_suggest(target, searcher); });
        case Route::kPost:
          return with_etag(req, raw_target, searcher,
                           [&] { return handle_post(slug, target, searcher, label); });
        case Route::kHealth: return handle_health(searcher);
        case Route::kMetrics: return handle_metrics(searcher, *config_.metrics, config_.error_log);
        case Route::kOpenSearch: return handle_opensearch(public_base(config_, req));
        case Route::kAsset:
          if (asset->path == "/" && is_page_search(target)) {
            return handle_page_search(target, searcher, config_.limits, *asset);
          }
          return handle_asset(*asset, asset_etag(*asset),
                              header_value(req, http::field::if_none_match));
        case Route::kStatic: return handle_static(*static_file);
        case Route::kNone: break;
      }
      return json_error(http::status::not_found, "not_found", "no such resource");
    }();
  } catch (const HttpError& e) {
    res = json_error(e.status(), e.code(), e.what());
  } catch (const BadRequest& e) {
    res = json_error(http::status::bad_request, e.code(), e.what());
  } catch (const IndexUnavailable& e) {
    res = json_error(http::status::service_unavailable, "index_unavailable", e.what());
  } catch (const Xapian::QueryParserError& e) {
    res = json_error(http::status::bad_request, "bad_query", e.get_msg());
  } catch (const Xapian::DatabaseError& e) {
    // Opening, corrupt, modified-twice, locked: the index, not the request, is at fault.
    config_.error_log("request " + request_id + ": " + e.get_description());
    res = json_error(http::status::service_unavailable, "index_unavailable",
                     "the index cannot be read right now");
  } catch (const Xapian::Error& e) {
    config_.error_log("request " + request_id + ": " + e.get_description());
    res = json_error(http::status::internal_server_error, "internal_error", "internal error");
  } catch (const std::exception& e) {
    config_.error_log("request " + request_id + ": " + e.what());
    res = json_error(http::status::internal_server_error, "internal_error", "internal error");
  } catch (...) {
    config_.error_log("request " + request_id + ": unknown exception");
    res = json_error(http::status::internal_server_error, "internal_error", "internal error");
  }

  if (info != nullptr) info->route = label;
  // Headers every response carries.
  res.version(req.version());
  res.set(http::field::server, kServerName);
  res.set("X-Request-Id", request_id);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  if (res.find(http::field::cache_control) == res.end()) {
    res.set(http::field::cache_control, "no-store");
  }
  if (any_origin) {
    res.set(http::field::access_control_allow_origin, "*");
  } else if (!config_.cors_origins.empty()) {
    res.set(http::field::vary, "Origin");  // caches must not mix answers for two origins
    if (origin_allowed) res.set(http::field::access_control_allow_origin, origin);
  }
  if (any_origin || origin_allowed) {
    res.set(http::field::access_control_expose_headers, "X-Request-Id");
  }
  res.keep_alive(req.keep_alive());

  const auto status = res.result();
  if (status == http::status::no_content || status == http::status::not_modified) {
    res.body().clear();
    res.content_length(boost::none);  // RFC 9110: no Content-Length on 204
  } else {
    res.prepare_payload();
    if (head) {  // the headers a GET would get, without the body
      const std::size_t size = res.body().size();
      res.body().clear();
      res.content_length(size);
    }
  }
  return res;
}

}  // namespace postsearch
