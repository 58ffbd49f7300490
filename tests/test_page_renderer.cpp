// The server-rendered search page (server/page_renderer.h): escaping of everything that
// comes from posts or the request, the links facets, chips, spelling switches and the pager
// carry, error pages; and `GET /?q=...` through the router.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/searcher.h"
#include "common/text.h"
#include "server/page_renderer.h"
#include "server/router.h"
#include "server/search_page.h"
#include "server_test_support.h"

using namespace postsearch;

namespace {

std::string_view page_template() { return find_embedded_asset("/")->body; }

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

Card card(std::string title, std::string url, std::vector<std::string> tags) {
  Card c;
  c.slug = "x/y";
  c.title = std::move(title);
  c.url = std::move(url);
  c.date = "2019-03-02";
  c.tags = std::move(tags);
  c.reading_minutes = 4;
  c.snippet = "the <mark>event loop</mark> &amp; friends";
  c.section = CardSection{"Why it's fast", "why-its-fast"};
  return c;
}

SearchResponse response_with(std::vector<Card> hits, std::size_t total) {
  SearchResponse r;
  r.hits = std::move(hits);
  r.total = total;
  r.took_ms = 0.5;
  return r;
}

}  // namespace

TEST_CASE("page: the escaper the renderer uses escapes the five characters, nothing else", "[page]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"plain text", "plain text"},
      {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"},
      {"it's & \"so\"", "it&#39;s &amp; &quot;so&quot;"},
      {"caf\xC3\xA9 \xE2\x9C\x93", "caf\xC3\xA9 \xE2\x9C\x93"},  // UTF-8 passes through
      {"&amp;", "&amp;amp;"},
  };
  for (const auto& [in, out] : cases) {
    INFO(in);
    CHECK(text::html_escape(in) == out);
  }
}

TEST_CASE("page: only http(s) and site-relative URLs become links", "[page]") {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"https://blog.example/posts/a", true}, {"http://blog.example/", true},
      {"HTTPS://blog.example/", true},        {"/posts/a#x", true},
      {"/", true},                            {"javascript:alert(1)", false},
      {"JaVaScRiPt:alert(1)", false},         {" javascript:alert(1)", false},
      {"data:text/html,<script>", false},     {"vbscript:x", false},
      {"//evil.example/x", false},            {"/\\evil.example", false},
      {"posts/a", false},                     {"", false},
      {"https://", false},                    {"mailto:a@b.c", false},
  };
  for (const auto& [url, safe] : cases) {
    INFO(url);
    CHECK(is_safe_href(url) == safe);
  }
}

TEST_CASE("page: a snippet keeps <mark> and character references, nothing else", "[page]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a <mark>loop</mark> b", "a <mark>loop</mark> b"},
      {"x &amp; y &lt;z&gt; &#39; &#x27;", "x &amp; y &lt;z&gt; &#39; &#x27;"},
      {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"<mark onclick=x>a</mark>", "&lt;mark onclick=x&gt;a</mark>"},
      {"a & b", "a &amp; b"},
      {"\"quoted\"", "&quot;quoted&quot;"},
      {"<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"},
  };
  for (const auto& [in, out] : cases) {
    INFO(in);
    CHECK(sanitize_snippet(in) == out);
  }
}

TEST_CASE("page: page_url writes the state in a fixed order, defaults left out", "[page]") {
  SearchRequest r;
  CHECK(page_url(r) == "/");
  r.query = "event loop & \"more\"";
  CHECK(page_url(r) == "/?q=event+loop+%26+%22more%22");
  r.tags = {"c++", "go"};
  r.since = "2019-01-01";
  r.until = "2019-12-31";
  r.sort = SortOrder::kDate;
  r.spelling = false;
  r.per_page = 20;
  r.page = 3;
  CHECK(page_url(r) ==
        "/?q=event+loop+%26+%22more%22&tag=c%2B%2B&tag=go&since=2019-01-01&until=2019-12-31"
        "&sort=date&correct=0&per_page=20&page=3");
  SearchRequest unicode;
  unicode.query = "caf\xC3\xA9";
  CHECK(page_url(unicode) == "/?q=caf%C3%A9");
}

TEST_CASE("page: hostile titles, tags, URLs and queries are escaped", "[page]") {
  SearchRequest request;
  request.query = "\"><script>alert('q')</script>";
  request.tags = {"\"><img src=x onerror=alert(2)>"};
  Card evil = card("<script>alert(1)</script>", "javascript:alert(3)",
                   {"\"><img src=x onerror=alert(4)>"});
  evil.section = CardSection{"<b>bold</b>", "\"><x"};
  Card relative = card("Fine", "/posts/fine", {"go"});
  relative.section = CardSection{"Head", "h\"><script>"};
  SearchResponse response = response_with({evil, relative}, 2);
  response.tag_counts = {{"<svg onload=alert(5)>", 1}};

  const std::string page = render_results_page(page_template(), request, response);
  for (std::string_view bad : {"<script>alert", "<img", "<svg", "javascript:", "<b>bold",
                               "onerror=alert(2)>", "\"><x"}) {
    INFO(bad);
    CHECK_FALSE(contains(page, bad));
  }
  CHECK(contains(page, "<h2 class=\"ps-title\">&lt;script&gt;alert(1)&lt;/script&gt;</h2>"));
  CHECK(contains(page, "<span class=\"ps-tag\">&quot;&gt;&lt;img src=x onerror=alert(4)&gt;</span>"));
  CHECK(contains(page, "value=\"&quot;&gt;&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;\""));
  CHECK(contains(page, "<title>&quot;&gt;&lt;script&gt;"));
  // The unsafe URL is dropped, and with it the section link; the safe one keeps both.
  CHECK(contains(page, "<a href=\"/posts/fine\">Fine</a>"));
  CHECK(contains(page, "<a href=\"/posts/fine#h%22%3E%3Cscript%3E\">\xC2\xA7 Head</a>"));
  CHECK(contains(page, "the <mark>event loop</mark> &amp; friends"));
  // The hostile tag filter survives only encoded, in a hidden input and a chip.
  CHECK(contains(page, "<input type=\"hidden\" name=\"tag\" value=\"&quot;&gt;&lt;img src=x "
                       "onerror=alert(2)&gt;\">"));
  CHECK(contains(page, "tag=%22%3E%3Cimg+src%3Dx+onerror%3Dalert%282%29%3E"));
}

TEST_CASE("page: facet, chip and pager links carry the right parameters", "[page]") {
  SearchRequest request;
  request.query = "a b";
  request.tags = {"x y"};
  request.sort = SortOrder::kDate;
  request.page = 2;
  SearchResponse response = response_with({card("T", "https://b.example/t", {"python"})}, 35);
  response.tag_counts = {{"python", 3}, {"x y", 35}};
  response.year_counts = {{"2018", 5}, {"2019", 2}};
  const std::string page = render_results_page(page_template(), request, response);

  // A tag adds itself (AND) and starts at page 1; an active tag's link removes it.
  CHECK(contains(page, "href=\"/?q=a+b&amp;tag=x+y&amp;tag=python&amp;sort=date\" "
                       "aria-label=\"Filter by tag python (3)\""));
  CHECK(contains(page, "href=\"/?q=a+b&amp;sort=date\" aria-label=\"Remove tag x y (35)\" "
                       "aria-current=\"true\""));
  // A year is since/until of that year; newest year first.
  CHECK(contains(page, "href=\"/?q=a+b&amp;tag=x+y&amp;since=2019-01-01&amp;until=2019-12-31"
                       "&amp;sort=date\""));
  CHECK(page.find("Filter by year 2019") < page.find("Filter by year 2018"));
  // The chip removes its filter; "Clear filters" removes all, keeping query and sort.
  CHECK(contains(page, "<a class=\"ps-nav ps-chip\" href=\"/?q=a+b&amp;sort=date\" "
                       "aria-label=\"Remove filter tag: x y\">"));
  CHECK(contains(page, "<a class=\"ps-nav ps-chip-clear\" href=\"/?q=a+b&amp;sort=date\">"));
  // Pager: 35 results, 10 a page, on page 2: previous (page 1 has no page param), 1-4, next.
  CHECK(contains(page, "href=\"/?q=a+b&amp;tag=x+y&amp;sort=date\" rel=\"prev\""));
  CHECK(contains(page, "href=\"/?q=a+b&amp;tag=x+y&amp;sort=date&amp;page=3\" rel=\"next\""));
  CHECK(contains(page, "href=\"/?q=a+b&amp;tag=x+y&amp;sort=date&amp;page=4\" aria-label=\"Page 4\""));
  CHECK(contains(page, "aria-label=\"Page 2\" aria-current=\"page\""));
  CHECK_FALSE(contains(page, "Page 5"));
  CHECK(contains(page, "<option value=\"date\" selected>"));
  CHECK(contains(page, "<span class=\"ps-count\">35 results</span>"));

  SearchRequest year;
  year.since = "2018-01-01";
  year.until = "2018-12-31";
  const std::string by_year = render_results_page(page_template(), year, response);
  CHECK(contains(by_year, "aria-label=\"Remove filter year: 2018\""));
  CHECK(contains(by_year, "href=\"/\" aria-label=\"Remove year 2018 (5)\" aria-current=\"true\""));
  CHECK_FALSE(contains(by_year, "rel=\"prev\""));  // page 1
}

TEST_CASE("page: did you mean and showing results for switch with one link", "[page]") {
  SearchRequest request;
  request.query = "asyncoi";
  request.tags = {"python"};
  SearchResponse suggested = response_with({}, 1);
  suggested.suggestion = "asyncio";
  const std::string did_you_mean = render_results_page(page_template(), request, suggested);
  CHECK(contains(did_you_mean, "Did you mean <a class=\"ps-nav ps-switch\" "
                               "href=\"/?q=asyncio&amp;tag=python\">asyncio</a>?"));

  SearchResponse corrected = response_with({}, 7);
  corrected.corrected_query = "asyncio";
  const std::string showing = render_results_page(page_template(), request, corrected);
  CHECK(contains(showing, "Showing results for <strong>asyncio</strong>. Search instead for "
                          "<a class=\"ps-nav ps-switch\" href=\"/?q=asyncoi&amp;tag=python&amp;"
                          "correct=0\">asyncoi</a>"));

  SearchResponse none = response_with({}, 0);
  CHECK(contains(render_results_page(page_template(), request, none),
                 "No results for \xE2\x80\x9C" "asyncoi\xE2\x80\x9D"));
}

TEST_CASE("page: an error page shows the escaped message and keeps the query", "[page]") {
  const std::string page =
      render_error_page(page_template(), "<q>", "parameter 'page' must be <1 or more>");
  CHECK(contains(page, "<span class=\"ps-error\" role=\"alert\">parameter &#39;page&#39; must be "
                       "&lt;1 or more&gt;</span>"));
  CHECK(contains(page, "name=\"q\" value=\"&lt;q&gt;\""));
  CHECK_FALSE(contains(page, "<!--ps:"));
  CHECK_FALSE(contains(page, "ps-hit"));
}

TEST_CASE("page: a template without a placeholder is a build error", "[page]") {
  CHECK_THROWS_AS(render_results_page("<title>Search</title>", SearchRequest{}, SearchResponse{}),
                  std::logic_error);
}

// ---- through the router ------------------------------------------------------------------

namespace {

struct PageFixture {
  PageFixture() : searcher(blog.db_path()), router(config()) {}
  static RouterConfig config() {
    RouterConfig c;
    c.error_log = [](std::string_view) {};
    return c;
  }
  HttpResponse get(const std::string& target, http::verb method = http::verb::get) {
    HttpRequest request{method, target, 11};
    request.set(http::field::host, "localhost");
    return router.handle(request, searcher);
  }
  testing::SmallBlog blog;
  Searcher searcher;
  Router router;
};

std::string header(const HttpResponse& res, http::field name) {
  auto it = res.find(name);
  return it == res.end() ? std::string() : std::string(it->value());
}

}  // namespace

TEST_CASE("router: GET /?q= renders the results into the page", "[page][router]") {
  PageFixture f;
  const HttpResponse res = f.get("/?q=event+loop");
  REQUIRE(res.result() == http::status::ok);
  CHECK(header(res, http::field::content_type) == "text/html; charset=utf-8");
  CHECK(header(res, http::field::cache_control) == "no-cache");
  const auto csp = res.find("Content-Security-Policy");
  REQUIRE(csp != res.end());
  CHECK(std::string(csp->value()) == kSearchPageCsp);
  CHECK(contains(res.body(), "<a href=\"https://blog.example/posts/async/uvloop-sanic-motor\">"
                             "Exploring Asyncio - uvloop, sanic and motor</a>"));
  CHECK(contains(res.body(), "<mark>"));
  CHECK(contains(res.body(), "name=\"q\" value=\"event loop\""));
  CHECK(contains(res.body(), "class=\"ps-count\">1 result<"));
  CHECK_FALSE(contains(res.body(), "style="));
  CHECK_FALSE(contains(res.body(), "<script>"));

  // Filters alone are a search (browse a tag); the page without them is the static asset.
  const HttpResponse tagged = f.get("/?tag=go");
  CHECK(contains(tagged.body(), "Waiting for goroutines"));
  CHECK(contains(tagged.body(), "aria-label=\"Remove filter tag: go\""));
  for (const std::string plain : {"/", "/?q=", "/?_=123"}) {
    INFO(plain);
    const HttpResponse page = f.get(plain);
    CHECK(page.result() == http::status::ok);
    CHECK(page.body() == page_template());
  }
  // HEAD gets the length of what GET would send.
  const HttpResponse head = f.get("/?q=event+loop", http::verb::head);
  CHECK(head.result() == http::status::ok);
  CHECK(head.body().empty());
  CHECK(head[http::field::content_length] == std::to_string(res.body().size()));
}

TEST_CASE("router: a bad page search is a 400 HTML page with the message", "[page][router]") {
  PageFixture f;
  for (const std::string target : {"/?q=asyncio&page=0", "/?q=asyncio&sort=sideways",
                                   "/?q=asyncio&since=yesterday", "/?q=a&q=b"}) {
    INFO(target);
    const HttpResponse res = f.get(target);
    CHECK(res.result() == http::status::bad_request);
    CHECK(header(res, http::field::content_type) == "text/html; charset=utf-8");
    CHECK(res.find("Content-Security-Policy") != res.end());
    CHECK(contains(res.body(), "class=\"ps-error\""));
    CHECK_FALSE(contains(res.body(), "ps-hit"));
  }
  const HttpResponse echoed = f.get("/?q=%3Cscript%3E&page=0");
  CHECK(contains(echoed.body(), "value=\"&lt;script&gt;\""));
  CHECK_FALSE(contains(echoed.body(), "<script>"));
  // The JSON API still answers errors in JSON.
  CHECK(header(f.get("/api/search?q=x&page=0"), http::field::content_type) ==
        "application/json; charset=utf-8");
}
