// The HTTP router called directly, without sockets (SPEC §4): routes, parameter
// validation, error JSON, HEAD/OPTIONS/405, CORS, request ids, static files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/searcher.h"
#include "server/router.h"
#include "server/search_page.h"
#include "server_test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using nlohmann::json;
using postsearch::testing::SmallBlog;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

SmallBlog& blog() {
  static SmallBlog instance;
  return instance;
}

// Router + Searcher over the small blog (or over `db`).
struct Fixture {
  explicit Fixture(RouterConfig config = {}, fs::path db = blog().db_path())
      : searcher(std::move(db)), router(make(std::move(config))) {}

  static RouterConfig make(RouterConfig config) {
    config.error_log = [](std::string_view) {};
    return config;
  }

  HttpResponse call(const std::string& target, http::verb method = http::verb::get,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    unsigned version = 11) {
    HttpRequest request{method, target, version};
    request.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers) request.set(name, value);
    return router.handle(request, searcher);
  }

  Searcher searcher;
  Router router;
};

std::string header(const HttpResponse& res, std::string_view name) {
  auto it = res.find(name);
  return it == res.end() ? std::string() : std::string(it->value());
}

bool has_header(const HttpResponse& res, std::string_view name) { return res.find(name) != res.end(); }

json body_json(const HttpResponse& res) {
  INFO(res.body());
  REQUIRE(header(res, "Content-Type") == "application/json; charset=utf-8");
  return json::parse(res.body());
}

// Checks the SPEC error shape and returns the code.
std::string error_code(const HttpResponse& res) {
  const json j = body_json(res);
  REQUIRE(j.contains("error"));
  const json& e = j.at("error");
  CHECK(e.at("status").get<unsigned>() == res.result_int());
  CHECK_FALSE(e.at("message").get<std::string>().empty());
  return e.at("code").get<std::string>();
}

}  // namespace

TEST_CASE("router: search answers with the SPEC response and card fields", "[router]") {
  Fixture f;
  const HttpResponse res = f.call("/api/search?q=event+loop");
  REQUIRE(res.result() == http::status::ok);
  CHECK(header(res, "Cache-Control") == "no-cache");  // stored, revalidated by its ETag
  CHECK(header(res, "Server") == "postsearch");
  const json j = body_json(res);
  for (const char* key : {"query", "corrected_query", "total", "total_is_exact", "page",
                          "per_page", "took_ms", "hits", "facets"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["query"] == "event loop");
  CHECK(j["page"] == 1);
  CHECK(j["per_page"] == 10);
  CHECK(j["total"].get<int>() >= 1);
  CHECK(j["facets"].contains("tags"));
  CHECK(j["facets"].contains("years"));
  REQUIRE_FALSE(j["hits"].empty());
  const json& card = j["hits"][0];
  for (const char* key : {"slug", "url", "title", "date", "updated", "authors", "tags", "summary",
                          "reading_minutes", "snippet", "score", "section"}) {
    INFO(key);
    CHECK(card.contains(key));
  }
  CHECK(card["slug"] == "async/uvloop-sanic-motor");
  CHECK(card["url"] == "https://blog.example/posts/async/uvloop-sanic-motor");
  CHECK(card["date"] == "2017-05-08");
  CHECK(card["snippet"].get<std::string>().find("<mark>") != std::string::npos);
  CHECK(card["score"].get<double>() > 0);
  CHECK(card["score"].get<double>() <= 1);
}

TEST_CASE("router: search parameters are decoded: '+' and %20 are spaces, tags filter", "[router]") {
  Fixture f;
  CHECK(body_json(f.call("/api/search?q=event%20loop"))["query"] == "event loop");
  const json tagged = body_json(f.call("/api/search?q=&tag=go&per_page=5"));
  CHECK(tagged["per_page"] == 5);
  for (const auto& hit : tagged["hits"]) {
    CHECK(std::find(hit["tags"].begin(), hit["tags"].end(), "go") != hit["tags"].end());
  }
  const json waitgroup = body_json(f.call("/api/search?q=sync.WaitGroup"));
  REQUIRE_FALSE(waitgroup["hits"].empty());
  CHECK(waitgroup["hits"][0]["slug"] == "go/waitgroup");
}

TEST_CASE("router: bad parameters are 400 with a JSON error", "[router]") {
  struct Row {
    std::string target;
    std::string code;  // empty: any code
  };
  const std::vector<Row> rows = {
      {"/api/search?q=x&per_page=0", "bad_parameter"},
      {"/api/search?q=x&per_page=101", "bad_parameter"},
      {"/api/search?q=x&per_page=ten", "bad_parameter"},
      {"/api/search?q=x&page=0", "bad_parameter"},
      {"/api/search?q=x&page=-1", "bad_parameter"},
      {"/api/search?q=x&page=1.5", "bad_parameter"},
      {"/api/search?q=x&page=%FF", "bad_encoding"},   // invalid UTF-8 in any parameter
      {"/api/search?q=x&sort=random", "bad_parameter"},
      {"/api/search?q=x&since=yesterday", "bad_parameter"},
      {"/api/search?q=a&q=b", "bad_parameter"},
      {"/api/search?q=%FF", "bad_encoding"},           // decodes to invalid UTF-8
      {"/api/search?q=caf%C3", "bad_encoding"},        // truncated UTF-8 sequence
      {"/api/search?q=%C0%AF", "bad_encoding"},        // overlong '/'
      {"/api/search?q=%ED%A0%80", "bad_encoding"},     // a UTF-16 surrogate
      {"/api/search?q=a%00b", "bad_encoding"},         // NUL
      {"/api/search?q=a%1Bb", "bad_encoding"},         // a control character
      {"/api/search?%FF=1", "bad_encoding"},           // in a parameter name
      {"/api/posts/%FF", "bad_encoding"},              // in the path
      {"/api/search?q=%ZZ", "bad_request"},            // invalid percent-encoding
      {"/api/search?q=%", "bad_request"},
      {"/api/search?q=%4", "bad_request"},
      {"/api/posts/%G0", "bad_request"},
      {"/api/search?q=" + std::string(10000, 'a'), "bad_parameter"},
  };
  Fixture f;
  for (const auto& row : rows) {
    INFO(row.target.substr(0, 80));
    const HttpResponse res = f.call(row.target);
    CHECK(res.result() == http::status::bad_request);
    const std::string code = error_code(res);
    if (!row.code.empty()) CHECK(code == row.code);
    CHECK(has_header(res, "X-Request-Id"));
  }
}

TEST_CASE("router: odd queries never fail with 500", "[router]") {
  const std::vector<std::string> always_ok = {
      "/api/search",
      "/api/search?q=",
      "/api/search?q",
      "/api/search?q=%22unbalanced+quote",
      "/api/search?q=(python",
      "/api/search?q=python)",
      "/api/search?q=%22%22",
      "/api/search?q=title%3A",
      "/api/search?q=tag%3A",
      "/api/search?q=*",
      "/api/search?q=-",
      "/api/search?q=%2B",
      "/api/search?q=%E2%80%9Ccurly%E2%80%9D",
      "/api/search?q=caf%C3%A9",
      "/api/search?q=2019-01-01..2019-06-30",
      "/api/search?q=x&unknown=1",
  };
  const std::vector<std::string> ok_or_bad_query = {
      "/api/search?q=AND", "/api/search?q=NOT", "/api/search?q=OR", "/api/search?q=python+AND",
      "/api/search?q=NOT+NOT", "/api/search?q=AND+OR+NOT", "/api/search?q=((((", "/api/search?q=-python",
  };
  Fixture f;
  for (const auto& target : always_ok) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK(res.result() == http::status::ok);
    CHECK(body_json(res).contains("hits"));
  }
  for (const auto& target : ok_or_bad_query) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK((res.result() == http::status::ok || res.result() == http::status::bad_request));
    const json j = body_json(res);
    CHECK((j.contains("hits") || j.contains("error")));
  }
}

TEST_CASE("router: unknown paths are 404 JSON", "[router]") {
  Fixture f;
  for (const std::string target : {"/nope", "/api", "/api/", "/api/unknown", "/api/posts/",
                                   "/api/search/", "/healthz/x", "/assets/nope.js", "/index.html"}) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK(res.result() == http::status::not_found);
    CHECK(error_code(res) == "not_found");
  }
}

TEST_CASE("router: methods: 405 with Allow, OPTIONS 204, HEAD has headers but no body", "[router]") {
  Fixture f;
  for (auto method : {http::verb::post, http::verb::put, http::verb::delete_, http::verb::patch}) {
    INFO(http::to_string(method));
    const HttpResponse res = f.call("/api/search?q=x", method);
    CHECK(res.result() == http::status::method_not_allowed);
    CHECK(header(res, "Allow") == "GET, HEAD, OPTIONS");
    CHECK(error_code(res) == "method_not_allowed");
  }
  for (const std::string target : {"/api/search", "/healthz", "/", "/api/posts/go/waitgroup", "*"}) {
    INFO(target);
    const HttpResponse res = f.call(target, http::verb::options);
    CHECK(res.result() == http::status::no_content);
    CHECK(header(res, "Allow") == "GET, HEAD, OPTIONS");
    CHECK(res.body().empty());
    CHECK_FALSE(has_header(res, "Content-Length"));
  }
  CHECK(f.call("/nope", http::verb::options).result() == http::status::not_found);

  for (const std::string target : {"/healthz", "/", "/assets/search.js", "/api/posts/go/waitgroup"}) {
    INFO(target);
    const HttpResponse get = f.call(target);
    const HttpResponse head = f.call(target, http::verb::head);
    CHECK(head.result() == get.result());
    CHECK(head.body().empty());
    CHECK(header(head, "Content-Type") == header(get, "Content-Type"));
    CHECK(header(head, "Content-Length") == std::to_string(get.body().size()));
  }
  const HttpResponse head_search = f.call("/api/search?q=python", http::verb::head);
  CHECK(head_search.result() == http::status::ok);
  CHECK(head_search.body().empty());
  CHECK(std::stoul(header(head_search, "Content-Length")) > 0);
}

TEST_CASE("router: other methods are 405 on any path; Host and version are checked", "[router]") {
  Fixture f;
  for (auto method : {http::verb::post, http::verb::trace, http::verb::connect, http::verb::unknown}) {
    for (const std::string target : {"/api/search?q=x", "/nope", "*", "%%%"}) {
      INFO(http::to_string(method) << " " << target);
      const HttpResponse res = f.call(target, method);
      CHECK(res.result() == http::status::method_not_allowed);
      CHECK(header(res, "Allow") == "GET, HEAD, OPTIONS");
    }
  }
  HttpRequest no_host{http::verb::get, "/healthz", 11};
  CHECK(f.router.handle(no_host, f.searcher).result() == http::status::bad_request);
  HttpRequest two_hosts{http::verb::get, "/healthz", 11};
  two_hosts.insert(http::field::host, "a");
  two_hosts.insert(http::field::host, "b");
  CHECK(f.router.handle(two_hosts, f.searcher).result() == http::status::bad_request);
  HttpRequest http10{http::verb::get, "/healthz", 10};  // HTTP/1.0 needs no Host
  CHECK(f.router.handle(http10, f.searcher).result() == http::status::ok);
  CHECK(f.call("/healthz", http::verb::get, {}, 20).result() ==
        http::status::http_version_not_supported);
  CHECK(f.call("/healthz", http::verb::get, {}, 12).result() ==
        http::status::http_version_not_supported);
}

TEST_CASE("router: query words, length, page size and depth follow the configured limits",
          "[router]") {
  auto words = [](int n) {
    std::string q;
    for (int i = 0; i < n; ++i) q += (i ? "+w" : "w") + std::to_string(i);
    return q;
  };
  Fixture defaults;
  CHECK(defaults.call("/api/search?q=" + words(kMaxQueryWords)).result() == http::status::ok);
  const HttpResponse too_many = defaults.call("/api/search?q=" + words(kMaxQueryWords + 1));
  CHECK(too_many.result() == http::status::bad_request);
  CHECK(body_json(too_many)["error"]["message"].get<std::string>().find("words") !=
        std::string::npos);
  CHECK(defaults.call("/api/suggest?q=" + words(kMaxQueryWords + 1)).result() ==
        http::status::bad_request);

  RouterConfig config;
  config.limits.max_query_words = 3;
  config.limits.max_query_bytes = 20;
  config.limits.max_per_page = 5;
  config.limits.max_result_depth = 10;
  Fixture strict(config);
  CHECK(strict.call("/api/search?q=" + words(3)).result() == http::status::ok);
  CHECK(strict.call("/api/search?q=" + words(4)).result() == http::status::bad_request);
  CHECK(strict.call("/api/search?q=" + std::string(21, 'a')).result() == http::status::bad_request);
  CHECK(strict.call("/api/search?q=go&per_page=5").result() == http::status::ok);
  CHECK(strict.call("/api/search?q=go&per_page=6").result() == http::status::bad_request);
  CHECK(strict.call("/api/search?q=go&per_page=5&page=2").result() == http::status::ok);
  CHECK(strict.call("/api/search?q=go&per_page=5&page=3").result() == http::status::bad_request);
}

TEST_CASE("router: security headers on every response", "[router]") {
  Fixture f;
  for (const std::string target : {"/", "/api/search?q=go", "/nope", "/api/search?q=%FF"}) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK(header(res, "X-Content-Type-Options") == "nosniff");
    CHECK(header(res, "Referrer-Policy") == "no-referrer");
  }
  const std::string csp = header(f.call("/"), "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
}

TEST_CASE("router: posts by slug, slashes included", "[router]") {
  Fixture f;
  for (const std::string target :
       {"/api/posts/async/uvloop-sanic-motor", "/api/posts/async%2Fuvloop-sanic-motor"}) {
    INFO(target);
    const HttpResponse res = f.call(target);
    REQUIRE(res.result() == http::status::ok);
    const json card = body_json(res);
    CHECK(card["slug"] == "async/uvloop-sanic-motor");
    CHECK(card["title"] == "Exploring Asyncio - uvloop, sanic and motor");
    CHECK(card["tags"] == json::array({"python", "asyncio"}));
    CHECK(card["authors"] == json::array({"Ana Ruiz"}));
    CHECK_FALSE(card.contains("snippet"));  // a lookup has no match
  }
  for (const std::string target : {"/api/posts/async", "/api/posts/nope", "/api/posts/go/waitgroup/",
                                   "/api/posts/nope/related"}) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK(res.result() == http::status::not_found);
    CHECK(error_code(res) == "not_found");
  }
}

TEST_CASE("router: related posts and suggestions", "[router]") {
  Fixture f;
  const HttpResponse related = f.call("/api/posts/async/uvloop-sanic-motor/related?limit=2");
  REQUIRE(related.result() == http::status::ok);
  const json r = body_json(related);
  CHECK(r["slug"] == "async/uvloop-sanic-motor");
  REQUIRE(r["hits"].is_array());
  CHECK(r["hits"].size() <= 2);
  CHECK(!r["hits"].empty());
  for (const auto& hit : r["hits"]) {
    CHECK(hit["slug"] != "async/uvloop-sanic-motor");
    CHECK(hit.contains("score"));
  }
  for (const std::string bad : {"/api/posts/async/uvloop-sanic-motor/related?limit=0",
                                "/api/posts/async/uvloop-sanic-motor/related?limit=x",
                                "/api/posts/async/uvloop-sanic-motor/related?limit=51",
                                "/api/suggest?q=py&limit=99", "/api/suggest?q=a&q=b"}) {
    INFO(bad);
    const HttpResponse res = f.call(bad);
    CHECK(res.result() == http::status::bad_request);
    CHECK(error_code(res) == "bad_parameter");
  }

  const HttpResponse suggest = f.call("/api/suggest?q=uvlo");
  REQUIRE(suggest.result() == http::status::ok);
  const json sj = body_json(suggest);
  CHECK(sj["query"] == "uvlo");
  REQUIRE(sj["suggestions"].is_array());
  REQUIRE(!sj["suggestions"].empty());
  CHECK(sj["suggestions"][0] == "uvloop");
  REQUIRE(!sj["titles"].empty());
  CHECK(sj["titles"][0]["slug"] == "async/uvloop-sanic-motor");
  CHECK_FALSE(sj["titles"][0].contains("snippet"));

  const HttpResponse empty = f.call("/api/suggest");
  REQUIRE(empty.result() == http::status::ok);
  CHECK(body_json(empty)["suggestions"].empty());
}

TEST_CASE("router: healthz reports the index", "[router]") {
  Fixture f;
  const HttpResponse res = f.call("/healthz");
  REQUIRE(res.result() == http::status::ok);
  const json j = body_json(res);
  CHECK(j["status"] == "ok");
  CHECK(j["posts"] == 3);
  REQUIRE(j["index_updated"].is_string());
  CHECK(j["index_updated"].get<std::string>().size() >= 20);  // RFC 3339
}

TEST_CASE("router: a missing index is 503, not 500", "[router]") {
  TempDir empty;
  Fixture f({}, empty / "no-such-index");
  const HttpResponse health = f.call("/healthz");
  CHECK(health.result() == http::status::service_unavailable);
  const json j = body_json(health);
  CHECK(j["status"] == "unavailable");
  CHECK(j["error"]["code"] == "index_unavailable");

  for (const std::string target : {"/api/search?q=python", "/api/posts/go/waitgroup"}) {
    INFO(target);
    const HttpResponse res = f.call(target);
    CHECK(res.result() == http::status::service_unavailable);
    CHECK(error_code(res) == "index_unavailable");
  }
  // Bad parameters are still the client's fault.
  CHECK(f.call("/api/search?per_page=0").result() == http::status::bad_request);
  // The page does not need the index.
  CHECK(f.call("/").result() == http::status::ok);
}

TEST_CASE("router: CORS headers only for allowed origins", "[router]") {
  const std::vector<std::pair<std::string, std::string>> good = {{"Origin", "https://blog.example"}};
  const std::vector<std::pair<std::string, std::string>> evil = {{"Origin", "https://evil.example"}};
  SECTION("a list of origins") {
    RouterConfig config;
    config.cors_origins = {"https://blog.example", "http://localhost:1313"};
    Fixture f(config);
    const HttpResponse allowed = f.call("/api/search?q=go", http::verb::get, good);
    CHECK(header(allowed, "Access-Control-Allow-Origin") == "https://blog.example");
    CHECK(header(allowed, "Vary") == "Origin");
    const HttpResponse denied = f.call("/api/search?q=go", http::verb::get, evil);
    CHECK_FALSE(has_header(denied, "Access-Control-Allow-Origin"));
    CHECK(header(denied, "Vary") == "Origin");
    const HttpResponse none = f.call("/api/search?q=go");
    CHECK_FALSE(has_header(none, "Access-Control-Allow-Origin"));
    // Errors carry CORS headers too, so a browser can read them.
    const HttpResponse error = f.call("/api/search?per_page=0", http::verb::get, good);
    CHECK(header(error, "Access-Control-Allow-Origin") == "https://blog.example");

    auto preflight = good;
    preflight.emplace_back("Access-Control-Request-Method", "GET");
    const HttpResponse ok = f.call("/api/search", http::verb::options, preflight);
    CHECK(ok.result() == http::status::no_content);
    CHECK(header(ok, "Access-Control-Allow-Origin") == "https://blog.example");
    CHECK(header(ok, "Access-Control-Allow-Methods") == "GET, HEAD, OPTIONS");
    auto evil_preflight = evil;
    evil_preflight.emplace_back("Access-Control-Request-Method", "GET");
    const HttpResponse no = f.call("/api/search", http::verb::options, evil_preflight);
    CHECK_FALSE(has_header(no, "Access-Control-Allow-Origin"));
    CHECK_FALSE(has_header(no, "Access-Control-Allow-Methods"));
  }
  SECTION("any origin") {
    RouterConfig config;
    config.cors_origins = {"*"};
    Fixture f(config);
    CHECK(header(f.call("/api/search?q=go", http::verb::get, evil), "Access-Control-Allow-Origin") ==
          "*");
  }
  SECTION("no CORS configured") {
    Fixture f;
    const HttpResponse res = f.call("/api/search?q=go", http::verb::get, good);
    CHECK_FALSE(has_header(res, "Access-Control-Allow-Origin"));
    CHECK_FALSE(has_header(res, "Vary"));
  }
}

TEST_CASE("router: every response has a request id; sane incoming ids are echoed", "[router]") {
  Fixture f;
  const std::string a = header(f.call("/healthz"), "X-Request-Id");
  const std::string b = header(f.call("/nope"), "X-Request-Id");
  CHECK(a.size() == 16);
  CHECK(b.size() == 16);
  CHECK(a != b);
  CHECK(header(f.call("/healthz", http::verb::get, {{"X-Request-Id", "abc-123_XYZ"}}),
               "X-Request-Id") == "abc-123_XYZ");
  for (const std::string& bad : std::vector<std::string>{"has space", "semi;colon", "<script>", std::string(65, 'a')}) {
    INFO(bad);
    const std::string id = header(f.call("/healthz", http::verb::get, {{"X-Request-Id", bad}}),
                                  "X-Request-Id");
    CHECK(id != bad);
    CHECK(id.size() == 16);
  }
  CHECK(request_id_for("") != request_id_for(""));
  const auto err = f.router.error_response(http::status::request_header_fields_too_large,
                                           "headers_too_large", "too big");
  CHECK(err.result() == http::status::request_header_fields_too_large);
  CHECK(has_header(err, "X-Request-Id"));
  CHECK_FALSE(err.keep_alive());
  CHECK(error_code(err) == "headers_too_large");
}

TEST_CASE("router: keep-alive follows the request", "[router]") {
  Fixture f;
  CHECK(f.call("/healthz").keep_alive());
  CHECK_FALSE(f.call("/healthz", http::verb::get, {}, 10).keep_alive());
  CHECK_FALSE(f.call("/healthz", http::verb::get, {{"Connection", "close"}}).keep_alive());
}

TEST_CASE("router: the built-in search page and its assets", "[router]") {
  Fixture f;
  const HttpResponse page = f.call("/");
  REQUIRE(page.result() == http::status::ok);
  CHECK(header(page, "Content-Type") == "text/html; charset=utf-8");
  CHECK(header(page, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
  CHECK(page.body().find("/assets/search.js") != std::string::npos);
  CHECK(page.body().find("/assets/search.css") != std::string::npos);
  CHECK(page.body().find("<script>") == std::string::npos);  // no inline script
  CHECK(page.body().find("<style") == std::string::npos);    // no inline style
  CHECK(page.body().find("style=") == std::string::npos);

  const HttpResponse js = f.call("/assets/search.js");
  CHECK(js.result() == http::status::ok);
  CHECK(header(js, "Content-Type") == "text/javascript; charset=utf-8");
  CHECK(js.body().find("/api/search") != std::string::npos);
  const HttpResponse css = f.call("/assets/search.css");
  CHECK(css.result() == http::status::ok);
  CHECK(header(css, "Content-Type") == "text/css; charset=utf-8");
  // The page works with a query in its URL.
  CHECK(f.call("/?q=asyncio").result() == http::status::ok);
}

TEST_CASE("router: the embeddable widget: /widget.js and /widget.css", "[router][widget]") {
  // Blogs load them cross-origin with <script src> and (in the widget's shadow root)
  // <link rel=stylesheet>: no CORS needed, so they are served the same with or without an
  // Origin, allowed or not.
  RouterConfig config;
  config.cors_origins = {"https://blog.example"};
  Fixture f(config);
  for (const std::string origin : {"", "https://blog.example", "https://evil.example"}) {
    INFO("Origin: " << origin);
    std::vector<std::pair<std::string, std::string>> headers;
    if (!origin.empty()) headers.emplace_back("Origin", origin);

    const HttpResponse js = f.call("/widget.js", http::verb::get, headers);
    REQUIRE(js.result() == http::status::ok);
    CHECK(header(js, "Content-Type") == "text/javascript; charset=utf-8");
    CHECK(header(js, "Cache-Control") == "public, max-age=300");
    CHECK(header(js, "X-Content-Type-Options") == "nosniff");  // so the type must be right
    CHECK_FALSE(has_header(js, "Content-Security-Policy"));    // the page's policy, not ours
    // What the script is built on: its own URL, shadow roots, the API, its stylesheet.
    for (const char* needle : {"document.currentScript", "attachShadow", "api/search",
                               "widget.css", "window.postsearch"}) {
      CHECK(js.body().find(needle) != std::string::npos);
    }

    const HttpResponse css = f.call("/widget.css", http::verb::get, headers);
    REQUIRE(css.result() == http::status::ok);
    CHECK(header(css, "Content-Type") == "text/css; charset=utf-8");
    CHECK(header(css, "Cache-Control") == "public, max-age=300");
    CHECK(css.body().find("prefers-color-scheme: dark") != std::string::npos);
    // No third-party requests from the stylesheet: no @import, no url() (fonts, images).
    CHECK(css.body().find("@import") == std::string::npos);
    CHECK(css.body().find("url(") == std::string::npos);
  }
  const HttpResponse head = f.call("/widget.js", http::verb::head);
  CHECK(head.result() == http::status::ok);
  CHECK(head.body().empty());
  CHECK(header(head, "Content-Length") == std::to_string(f.call("/widget.js").body().size()));
  CHECK(f.call("/widget.js", http::verb::post).result() == http::status::method_not_allowed);
  CHECK(f.call("/widget").result() == http::status::not_found);
  CHECK(f.call("/assets/widget.js").result() == http::status::not_found);
}

TEST_CASE("router: CORS for the widget's requests from a blog's origin", "[router][widget]") {
  RouterConfig config;
  config.cors_origins = {"http://127.0.0.1:4000"};
  Fixture f(config);
  const std::vector<std::pair<std::string, std::string>> blog_origin = {
      {"Origin", "http://127.0.0.1:4000"}};
  const std::vector<std::pair<std::string, std::string>> other_origin = {
      {"Origin", "http://127.0.0.1:4001"}};  // another port is another origin

  // The widget's two requests are "simple" GETs (no custom header): the browser sends them
  // without a preflight and lets the page read the answer only with a matching
  // Access-Control-Allow-Origin.
  for (const std::string target : {"/api/search?q=asyncio&per_page=8", "/api/suggest?q=asy"}) {
    INFO(target);
    const HttpResponse allowed = f.call(target, http::verb::get, blog_origin);
    CHECK(allowed.result() == http::status::ok);
    CHECK(header(allowed, "Access-Control-Allow-Origin") == "http://127.0.0.1:4000");
    CHECK(header(allowed, "Access-Control-Expose-Headers") == "X-Request-Id");
    CHECK(header(allowed, "Vary").find("Origin") != std::string::npos);
    CHECK_FALSE(has_header(allowed, "Access-Control-Allow-Credentials"));  // no cookies

    const HttpResponse denied = f.call(target, http::verb::get, other_origin);
    CHECK(denied.result() == http::status::ok);  // answered; the browser withholds it
    CHECK_FALSE(has_header(denied, "Access-Control-Allow-Origin"));
    CHECK_FALSE(has_header(denied, "Access-Control-Expose-Headers"));
    CHECK(header(denied, "Vary").find("Origin") != std::string::npos);
  }

  // A preflight (a page that adds X-Request-Id, say) from the allowed origin.
  auto preflight = blog_origin;
  preflight.emplace_back("Access-Control-Request-Method", "GET");
  preflight.emplace_back("Access-Control-Request-Headers", "x-request-id");
  const HttpResponse ok = f.call("/api/search?q=asyncio", http::verb::options, preflight);
  CHECK(ok.result() == http::status::no_content);
  CHECK(ok.body().empty());
  CHECK(header(ok, "Access-Control-Allow-Origin") == "http://127.0.0.1:4000");
  CHECK(header(ok, "Access-Control-Allow-Methods").find("GET") != std::string::npos);
  CHECK(header(ok, "Access-Control-Allow-Headers").find("X-Request-Id") != std::string::npos);
  CHECK_FALSE(header(ok, "Access-Control-Max-Age").empty());
  // ... and from another origin: no grant at all.
  auto other_preflight = other_origin;
  other_preflight.emplace_back("Access-Control-Request-Method", "GET");
  const HttpResponse no = f.call("/api/suggest?q=asy", http::verb::options, other_preflight);
  CHECK_FALSE(has_header(no, "Access-Control-Allow-Origin"));
  CHECK_FALSE(has_header(no, "Access-Control-Allow-Methods"));
  CHECK_FALSE(has_header(no, "Access-Control-Allow-Headers"));
}

TEST_CASE("router: static files: served under the directory, traversal is 404", "[router][static]") {
  TempDir dir;
  const fs::path root = dir / "public";
  write_file(root / "style.css", "body{}");
  write_file(root / "docs/index.html", "<p>docs</p>");
  write_file(root / "docs/page.html", "<p>page</p>");
  write_file(root / ".env", "SECRET=1");
  write_file(root / "index.html", "shadowed by the built-in page");
  write_file(dir / "secret", "top secret");
  write_file(dir / "public-other/x", "sibling with a common prefix");
  std::error_code ec;
  fs::create_symlink(dir / "secret", root / "link-out", ec);
  REQUIRE_FALSE(ec);
  fs::create_directory_symlink(dir.path(), root / "dir-out", ec);
  REQUIRE_FALSE(ec);

  RouterConfig config;
  config.static_dir = root;
  Fixture f(config);

  struct Row {
    std::string target;
    http::status status;
    std::string body;  // expected body for 200
  };
  const std::vector<Row> rows = {
      {"/style.css", http::status::ok, "body{}"},
      {"/docs/", http::status::ok, "<p>docs</p>"},
      {"/docs", http::status::ok, "<p>docs</p>"},
      {"/docs/page.html", http::status::ok, "<p>page</p>"},
      {"/docs/page%2Ehtml", http::status::ok, "<p>page</p>"},
      {"/docs/page.html?v=2", http::status::ok, "<p>page</p>"},
      {"/../etc/passwd", http::status::not_found, ""},
      {"/../secret", http::status::not_found, ""},
      {"/%2e%2e/secret", http::status::not_found, ""},
      {"/%2E%2E/secret", http::status::not_found, ""},
      {"/a/../../x", http::status::not_found, ""},
      {"/docs/../../secret", http::status::not_found, ""},
      {"/docs/../style.css", http::status::not_found, ""},  // dot segments are refused outright
      {"/..%2fsecret", http::status::not_found, ""},
      {"/%2e%2e%2fsecret", http::status::not_found, ""},
      {"/docs%2f..%2f..%2fsecret", http::status::not_found, ""},
      {"/..%5csecret", http::status::not_found, ""},
      {"//etc/passwd", http::status::not_found, ""},
      {"/%2fetc%2fpasswd", http::status::not_found, ""},
      {"/./style.css", http::status::not_found, ""},
      {"/.env", http::status::not_found, ""},
      {"/link-out", http::status::not_found, ""},
      {"/dir-out/secret", http::status::not_found, ""},
      {"/missing.html", http::status::not_found, ""},
      {"/api/style.css", http::status::not_found, ""},
  };
  for (const auto& row : rows) {
    INFO(row.target);
    const HttpResponse res = f.call(row.target);
    CHECK(res.result() == row.status);
    if (row.status == http::status::ok) {
      CHECK(res.body() == row.body);
    } else {
      CHECK(error_code(res) == "not_found");
      CHECK(res.body().find("secret") == std::string::npos);
    }
  }
  CHECK(header(f.call("/style.css"), "Content-Type") == "text/css; charset=utf-8");
  CHECK(header(f.call("/docs/"), "Content-Type") == "text/html; charset=utf-8");
  // Routes win over files.
  CHECK(f.call("/").body().find("shadowed") == std::string::npos);
  // Without --static nothing is served from disk.
  Fixture plain;
  CHECK(plain.call("/style.css").result() == http::status::not_found);
}

TEST_CASE("router: resolve_static_file", "[router][static]") {
  TempDir dir;
  write_file(dir / "root/a.txt", "a");
  const fs::path root = fs::canonical(dir / "root");
  using Segments = std::vector<std::string>;
  CHECK(resolve_static_file(root, Segments{"a.txt"}) == root / "a.txt");
  CHECK_FALSE(resolve_static_file(root, Segments{".."}));
  CHECK_FALSE(resolve_static_file(root, Segments{"..", "root", "a.txt"}));
  CHECK_FALSE(resolve_static_file(root, Segments{"", "a.txt"}));
  CHECK_FALSE(resolve_static_file(root, Segments{"x/../a.txt"}));
  CHECK_FALSE(resolve_static_file(root, Segments{std::string("a.txt\0", 6)}));
  CHECK_FALSE(resolve_static_file(root, Segments{}));  // the root itself has no index.html
  CHECK_FALSE(resolve_static_file({}, Segments{"a.txt"}));
  CHECK(content_type_for("x.PNG") == "image/png");
  CHECK(content_type_for("x.unknown") == "application/octet-stream");
}

TEST_CASE("router: a static dir that does not exist is refused at construction", "[router][static]") {
  TempDir dir;
  RouterConfig config;
  config.static_dir = dir / "missing";
  CHECK_THROWS_AS(Router(config), std::invalid_argument);
}
