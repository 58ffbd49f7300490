// The router's operability routes without sockets: /metrics (200 even with the index gone),
// ETag/If-None-Match on the API and the assets, Cache-Control per kind of response,
// /opensearch.xml and its base URL, /api/suggest?format=opensearch, route labels, and
// --public-url / Host validation.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/searcher.h"
#include "server/router.h"
#include "server_test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using nlohmann::json;
using postsearch::testing::SmallBlog;
using postsearch::testing::TempDir;

namespace {

struct Ops {
  explicit Ops(fs::path db, RouterConfig config = {})
      : searcher(std::move(db)), router([&] {
          config.error_log = [](std::string_view) {};
          return config;
        }()) {}

  HttpResponse call(const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    RequestInfo* info = nullptr, http::verb method = http::verb::get,
                    unsigned version = 11) {
    HttpRequest request{method, target, version};
    if (version == 11) request.set(http::field::host, "localhost");
    for (const auto& [name, value] : headers) request.set(name, value);
    return router.handle(request, searcher, info);
  }

  Searcher searcher;
  Router router;
};

std::string header(const HttpResponse& res, std::string_view name) {
  auto it = res.find(name);
  return it == res.end() ? std::string() : std::string(it->value());
}

}  // namespace

TEST_CASE("ops: /metrics is Prometheus text and answers 200 with the index gone", "[ops]") {
  SmallBlog blog;
  {
    Ops ops(blog.db_path());
    const HttpResponse res = ops.call("/metrics");
    REQUIRE(res.result() == http::status::ok);
    CHECK(header(res, "Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
    CHECK(header(res, "Cache-Control") == "no-store");
    CHECK(res.body().find("\npostsearch_index_up 1\n") != std::string::npos);
    CHECK(res.body().find("\npostsearch_index_documents 3\n") != std::string::npos);
    CHECK(res.body().find("postsearch_build_info{version=\"") != std::string::npos);
  }
  TempDir empty;
  Ops gone(empty / "no-such-index");
  const HttpResponse res = gone.call("/metrics");
  REQUIRE(res.result() == http::status::ok);
  CHECK(res.body().find("\npostsearch_index_up 0\n") != std::string::npos);
  CHECK(res.body().find("postsearch_index_documents") == std::string::npos);
  CHECK(gone.call("/api/search?q=x").result() == http::status::service_unavailable);
}

TEST_CASE("ops: API ETags follow the index version and the target; 304 skips the body", "[ops]") {
  SmallBlog blog;
  Ops ops(blog.db_path());
  const HttpResponse first = ops.call("/api/search?q=asyncio");
  REQUIRE(first.result() == http::status::ok);
  const std::string etag = header(first, "ETag");
  REQUIRE(etag.rfind("W/\"", 0) == 0);
  CHECK(header(first, "Cache-Control") == "no-cache");

  // The same request: same tag, and a conditional one is a bodiless 304 with the validators.
  CHECK(header(ops.call("/api/search?q=asyncio"), "ETag") == etag);
  const HttpResponse not_modified = ops.call("/api/search?q=asyncio", {{"If-None-Match", etag}});
  REQUIRE(not_modified.result() == http::status::not_modified);
  CHECK(not_modified.body().empty());
  CHECK(header(not_modified, "ETag") == etag);
  CHECK(header(not_modified, "Cache-Control") == "no-cache");
  CHECK_FALSE(not_modified.has_content_length());

  // Another query never shares the tag; suggest and posts have tags too.
  CHECK(header(ops.call("/api/search?q=asyncio&page=1"), "ETag") != etag);
  CHECK(header(ops.call("/api/suggest?q=asy"), "ETag").rfind("W/\"", 0) == 0);
  CHECK(header(ops.call("/api/posts/go/waitgroup"), "ETag").rfind("W/\"", 0) == 0);
  CHECK(header(ops.call("/api/posts/go/waitgroup/related"), "ETag").rfind("W/\"", 0) == 0);

  // Errors are never stored and carry no tag.
  const HttpResponse bad = ops.call("/api/search?q=x&per_page=0");
  CHECK(bad.result() == http::status::bad_request);
  CHECK(header(bad, "Cache-Control") == "no-store");
  CHECK(header(bad, "ETag").empty());
  const HttpResponse missing = ops.call("/api/posts/no/such/post");
  CHECK(missing.result() == http::status::not_found);
  CHECK(header(missing, "Cache-Control") == "no-store");
  CHECK(header(missing, "ETag").empty());

  // A change to the index changes the tag: the old one no longer gets a 304.
  blog.write_post("new/post.md", "---\ntitle: Brand new\ndate: 2024-01-01\n---\n\nasyncio again.\n");
  blog.reindex();
  const HttpResponse after = ops.call("/api/search?q=asyncio", {{"If-None-Match", etag}});
  REQUIRE(after.result() == http::status::ok);
  CHECK(header(after, "ETag") != etag);
  CHECK(json::parse(after.body())["total"] == 2);
  // And the new one does.
  CHECK(ops.call("/api/search?q=asyncio", {{"If-None-Match", header(after, "ETag")}}).result() ==
        http::status::not_modified);
}

TEST_CASE("ops: embedded assets have content ETags and 304", "[ops]") {
  SmallBlog blog;
  Ops ops(blog.db_path());
  const HttpResponse css = ops.call("/assets/search.css");
  REQUIRE(css.result() == http::status::ok);
  CHECK(header(css, "Cache-Control") == "public, max-age=300");
  const std::string etag = header(css, "ETag");
  REQUIRE(etag.size() == 18);  // "16 hex digits"
  CHECK(etag.front() == '"');
  const HttpResponse again = ops.call("/assets/search.css", {{"If-None-Match", etag}});
  CHECK(again.result() == http::status::not_modified);
  CHECK(again.body().empty());
  CHECK(header(again, "ETag") == etag);
  CHECK(header(again, "Cache-Control") == "public, max-age=300");
  CHECK(header(ops.call("/assets/search.js"), "ETag") != etag);
  CHECK(ops.call("/assets/search.css", {{"If-None-Match", "\"other\""}}).result() ==
        http::status::ok);
  CHECK(header(ops.call("/healthz"), "Cache-Control") == "no-store");
}

TEST_CASE("ops: opensearch description and suggestions", "[ops]") {
  SmallBlog blog;
  SECTION("--public-url is the base") {
    RouterConfig config;
    config.public_url = normalize_public_url("https://search.example/blog/");
    Ops ops(blog.db_path(), config);
    const HttpResponse res = ops.call("/opensearch.xml", {{"Host", "ignored.example"}});
    REQUIRE(res.result() == http::status::ok);
    CHECK(header(res, "Content-Type") == "application/opensearchdescription+xml");
    const std::string& xml = res.body();
    CHECK(xml.find("<ShortName>") != std::string::npos);
    CHECK(xml.find("<InputEncoding>UTF-8</InputEncoding>") != std::string::npos);
    CHECK(xml.find(R"(<Url type="text/html" method="get" template="https://search.example/blog/?q={searchTerms}"/>)") !=
          std::string::npos);
    CHECK(xml.find(R"(type="application/x-suggestions+json" method="get" template="https://search.example/blog/api/suggest?q={searchTerms}&amp;format=opensearch")") !=
          std::string::npos);
    CHECK(xml.find("ignored.example") == std::string::npos);
  }
  SECTION("a valid Host header, else the fallback origin") {
    RouterConfig config;
    config.fallback_origin = "http://127.0.0.1:9999";
    Ops ops(blog.db_path(), config);
    CHECK(ops.call("/opensearch.xml", {{"Host", "blog.example:8080"}}).body().find(
              "template=\"http://blog.example:8080/?q=") != std::string::npos);
    for (const std::string host : {"evil\"><x", "a b", "user@host", "host:99999", "host:port",
                                   "h<o>st", "ex_ample.com"}) {
      INFO(host);
      const std::string xml = ops.call("/opensearch.xml", {{"Host", host}}).body();
      CHECK(xml.find("template=\"http://127.0.0.1:9999/?q=") != std::string::npos);
      CHECK(xml.find(host) == std::string::npos);
    }
    // HTTP/1.0 without a Host at all.
    CHECK(ops.call("/opensearch.xml", {}, nullptr, http::verb::get, 10).body().find(
              "http://127.0.0.1:9999/") != std::string::npos);
  }
  SECTION("/api/suggest?format=opensearch") {
    Ops ops(blog.db_path());
    const HttpResponse res = ops.call("/api/suggest?q=asy&format=opensearch");
    REQUIRE(res.result() == http::status::ok);
    CHECK(header(res, "Content-Type") == "application/x-suggestions+json");
    const json j = json::parse(res.body());
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 2);
    CHECK(j[0] == "asy");
    REQUIRE(j[1].is_array());
    CHECK_FALSE(j[1].empty());
    for (const auto& s : j[1]) CHECK(s.get<std::string>().rfind("asy", 0) == 0);
    CHECK(ops.call("/api/suggest?q=asy&format=xml").result() == http::status::bad_request);
    CHECK(ops.call("/api/suggest?q=asy&format=json&format=json").result() ==
          http::status::bad_request);
    CHECK(json::parse(ops.call("/api/suggest?q=asy&format=json").body()).is_object());
  }
}

TEST_CASE("ops: Router::handle reports a fixed route label", "[ops]") {
  SmallBlog blog;
  Ops ops(blog.db_path());
  struct Case {
    std::string target;
    RouteLabel route;
    http::verb method = http::verb::get;
  };
  const std::vector<Case> cases = {
      {"/api/search?q=go", RouteLabel::kSearch},
      {"/api/search?per_page=0", RouteLabel::kSearch},  // a 400 still counts for its route
      {"/api/suggest?q=a", RouteLabel::kSuggest},
      {"/api/posts/go/waitgroup", RouteLabel::kPost},
      {"/api/posts/go/waitgroup/related", RouteLabel::kRelated},
      {"/healthz", RouteLabel::kHealth},
      {"/metrics", RouteLabel::kMetrics},
      {"/", RouteLabel::kPage},
      {"/assets/search.js", RouteLabel::kAsset},
      {"/opensearch.xml", RouteLabel::kOpenSearch},
      {"/no/such/thing", RouteLabel::kNotFound},
      {"/api/search", RouteLabel::kOptions, http::verb::options},
      {"/%zz", RouteLabel::kInvalid},
      {"/api/search", RouteLabel::kInvalid, http::verb::post},
  };
  for (const auto& c : cases) {
    INFO(c.target);
    RequestInfo info;
    info.route = RouteLabel::kCount;
    ops.call(c.target, {}, &info, c.method);
    CHECK(route_label_name(info.route) == route_label_name(c.route));
  }
}

TEST_CASE("ops: --public-url and Host validation", "[ops]") {
  CHECK(normalize_public_url("https://search.example") == "https://search.example");
  CHECK(normalize_public_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080");
  CHECK(normalize_public_url("https://blog.example/search/") == "https://blog.example/search");
  for (const std::string bad : {"", "search.example", "/relative", "ftp://x.example",
                                "https://", "https://u:p@x.example", "https://x.example/?q=1",
                                "https://x.example/#f", "https://x .example"}) {
    INFO(bad);
    CHECK_THROWS_AS(normalize_public_url(bad), std::invalid_argument);
  }
  for (const std::string good : {"localhost", "blog.example", "blog.example:8080", "127.0.0.1:80",
                                 "[::1]:8080", "[::1]", "xn--bcher-kva.example"}) {
    INFO(good);
    CHECK(is_valid_host_header(good));
  }
  for (const std::string bad : {"", "a b", "user@host", "host:99999", "host:", "h\"st",
                                "host/path", "[::1", "ex_ample.com", "host:80:80"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_host_header(bad));
  }
}
