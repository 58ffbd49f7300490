// The searcher over the bundled archive (data/posts) and small fixtures: ranking, the query
// language, filters, facets, pagination, snippets and every kind of bad query.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "common/document_builder.h"
#include "common/errors.h"
#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

// The bundled posts plus a few fixtures for code search, indexed once for all tests.
class Archive {
 public:
  Archive() {
    write_file(fixtures_ / "code/flags.md", R"(---
title: "Command-line flags in practice"
date: 2020-01-01
tags: [cli]
aliases: ["/2019/12/31/old-flags.html"]
---
Pass `--verbose-output` to see more. The function `snake_case_name` does the parsing.

## Running it

Runners run quickly; running is what it does.
)");
    IndexOptions options;
    options.posts_dirs = {postsearch::testing::data_dir() / "posts", fixtures_.path()};
    options.db_path = db_path();
    const IndexReport report = update_index(options);
    REQUIRE(report.skipped.empty());
  }
  fs::path db_path() const { return dir_ / "index"; }

 private:
  TempDir dir_;
  TempDir fixtures_;
};

Archive& archive() {
  static Archive instance;
  return instance;
}

SearchResponse search(const std::string& q, int per_page = 10) {
  Searcher searcher(archive().db_path());
  SearchRequest r;
  r.query = q;
  r.per_page = per_page;
  return searcher.search(r);
}

SearchResponse search(SearchRequest r) {
  Searcher searcher(archive().db_path());
  return searcher.search(r);
}

std::vector<std::string> slugs(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const auto& hit : r.hits) out.push_back(hit.slug);
  return out;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

TEST_CASE("'event loop' ranks the asyncio posts first", "[searcher]") {
  const auto r = search("event loop");
  REQUIRE(r.hits.size() >= 4);
  for (int i = 0; i < 4; ++i) {
    INFO(r.hits[i].slug);
    CHECK(starts_with(r.hits[i].slug, "async/"));
  }
  CHECK(r.hits[0].score == Approx(1.0));
  for (const auto& hit : r.hits) {
    REQUIRE(hit.score);
    CHECK(*hit.score > 0.0);
    CHECK(*hit.score <= 1.0);
  }
  // Scores never increase down the list.
  for (std::size_t i = 1; i < r.hits.size(); ++i) CHECK(*r.hits[i].score <= *r.hits[i - 1].score);
}

TEST_CASE("every bundled post is found first by its exact title", "[searcher]") {
  const std::vector<std::pair<std::string, std::string>> titles = {
      {"Async Python: The Different Forms of Concurrency", "async/different-forms-of-concurrency"},
      {"Exploring Asyncio - uvloop, sanic and motor", "async/uvloop-sanic-motor"},
      {"Generators, Coroutines, Native Coroutines and async/await",
       "async/generators-coroutines-async-await"},
      {"Python asyncio: Future, Task and the Event Loop", "async/asyncio-future-task-event-loop"},
      {"A Quick Introduction to the concurrent.futures Module", "async/concurrent-futures"},
      {"Interfaces in Python: Protocols and ABCs", "python/interfaces-protocols-abcs"},
      {"Understanding Decorators in Python", "python/decorators"},
      {"Composition Over Inheritance", "design/composition-over-inheritance"},
      {"Distributed Task Processing in Go", "go/distributed-task-processing"},
      {"Golang: Building a Telegram Bot for Aggregating Content",
       "go/telegram-bot-content-aggregator"},
      {"Golang Interface", "go/golang-interface"},
      {"Introduction to Django Channels", "django/channels-introduction"},
      {"Django Channels: Using Custom Channels", "django/channels-custom-channels"},
      {"Deploying Django Channels using Daphne", "django/channels-daphne-deployment"},
      {"Django Admin: Expensive COUNT(*) Queries", "django/admin-expensive-count-queries"},
      {"Understanding JWT (JSON Web Tokens)", "web/understanding-jwt"},
      {"REST APIs: Concepts and Applications", "web/rest-apis-concepts"},
  };
  for (const auto& [title, slug] : titles) {
    INFO(title);
    const auto r = search(title, 3);
    REQUIRE(!r.hits.empty());
    CHECK(r.hits[0].slug == slug);
    CHECK(r.hits[0].title == title);
  }
}

TEST_CASE("code identifiers are findable in every written form", "[searcher]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"asyncio.gather", "async/"},
      {"gather", "async/"},
      {"sync.WaitGroup", "go/"},
      {"WaitGroup", "go/"},
      {"wait group", "go/"},
      {"COUNT(*)", "django/admin-expensive-count-queries"},
      {"snake_case_name", "code/flags"},
      {"--verbose-output", "code/flags"},
      {"verbose output", "code/flags"},
  };
  for (const auto& [query, expected] : cases) {
    INFO(query);
    const auto r = search(query, 3);
    REQUIRE(!r.hits.empty());
    CHECK(starts_with(r.hits[0].slug, expected));
  }
}

TEST_CASE("an old URL from front matter aliases finds its post", "[searcher]") {
  for (const std::string q : {"/2019/12/31/old-flags.html", "2019/12/31/old-flags.html",
                              "https://blog.example/2019/12/31/old-flags.html"}) {
    INFO(q);
    const auto r = search(q);
    REQUIRE(r.total == 1);
    CHECK(r.hits[0].slug == "code/flags");
  }
  CHECK(search("/2019/12/31/never-was.html").total == 0);
}

TEST_CASE("the default synonyms: golang finds go posts, db finds database posts", "[searcher]") {
  const auto go = search("go", 50), golang = search("golang", 50);
  CHECK(golang.total == go.total);
  CHECK(golang.total >= 4);
  const auto found = slugs(golang);
  CHECK(std::find(found.begin(), found.end(), "go/distributed-task-processing") != found.end());
  REQUIRE(!golang.hits.empty());
  CHECK(golang.hits[0].snippet->find("<mark>Go</mark>") != std::string::npos);
  const auto db = slugs(search("db", 50));
  CHECK(std::find(db.begin(), db.end(), "django/admin-expensive-count-queries") != db.end());
}

TEST_CASE("plain words match stemmed English", "[searcher]") {
  // The fixture says "runs"/"running"/"runners" and never "run".
  const auto found = slugs(search("run", 50));
  CHECK(std::count(found.begin(), found.end(), "code/flags") == 1);
}

TEST_CASE("the query language: phrases, booleans, fields, prefixes, ranges", "[searcher]") {
  SECTION("a quoted phrase needs the words together") {
    const auto phrase = search("\"native coroutines\"");
    REQUIRE(!phrase.hits.empty());
    CHECK(phrase.hits[0].slug == "async/generators-coroutines-async-await");
  }
  SECTION("AND, NOT, +, -") {
    for (const auto& hit : search("django NOT daphne", 50).hits) CHECK(hit.slug != "django/channels-daphne-deployment");
    for (const auto& hit : search("+django -channels", 50).hits) {
      CHECK(hit.slug != "django/channels-introduction");
    }
    const auto both = search("jwt AND signature");
    REQUIRE(!both.hits.empty());
    CHECK(both.hits[0].slug == "web/understanding-jwt");
  }
  SECTION("OR widens") {
    CHECK(search("uvloop OR daphne", 50).total > search("uvloop", 50).total);
  }
  SECTION("field prefixes") {
    const auto t = search("title:decorators");
    REQUIRE(t.total == 1);
    CHECK(t.hits[0].slug == "python/decorators");
    for (const auto& hit : search("tag:Go", 50).hits) {
      CHECK(std::find(hit.tags.begin(), hit.tags.end(), "go") != hit.tags.end());
    }
    CHECK(search("tag:go", 50).total == 3);
    CHECK(search("author:ruiz", 50).total == 17);
    for (const auto& hit : search("year:2018", 50).hits) CHECK(hit.date.substr(0, 4) == "2018");
    CHECK(search("year:2018", 50).total >= 2);
  }
  SECTION("date ranges") {
    const auto r = search("2018-01-01..2018-12-31", 50);
    REQUIRE(r.total >= 2);
    for (const auto& hit : r.hits) CHECK(hit.date.substr(0, 4) == "2018");
  }
  SECTION("a trailing * and the word being typed match as prefixes") {
    const auto star = search("decorat*");
    REQUIRE(!star.hits.empty());
    CHECK(star.hits[0].slug == "python/decorators");
    const auto typing = search("telegra");
    REQUIRE(!typing.hits.empty());
    CHECK(typing.hits[0].slug == "go/telegram-bot-content-aggregator");
    SearchRequest no_partial;
    no_partial.query = "telegra";
    no_partial.partial = false;
    // Without search-as-you-type, "telegra" is a word of its own: a typo, corrected.
    const auto whole_word = search(no_partial);
    REQUIRE(whole_word.corrected_query);
    CHECK(*whole_word.corrected_query == "telegram");
  }
}

TEST_CASE("filters, sorting, pagination and facets", "[searcher]") {
  SECTION("tags combine with AND, case-insensitively") {
    SearchRequest r;
    r.query = "";
    r.per_page = 100;
    r.tags = {"Python", "asyncio"};
    const auto res = search(r);
    REQUIRE(res.total >= 3);
    for (const auto& hit : res.hits) {
      CHECK(std::find(hit.tags.begin(), hit.tags.end(), "python") != hit.tags.end());
      CHECK(std::find(hit.tags.begin(), hit.tags.end(), "asyncio") != hit.tags.end());
    }
  }
  SECTION("since and until bound the date") {
    SearchRequest r;
    r.query = "python";
    r.since = "2017-01-01";
    r.until = "2018-12-31";
    r.per_page = 100;
    const auto res = search(r);
    REQUIRE(res.total >= 1);
    for (const auto& hit : res.hits) {
      CHECK(hit.date >= "2017-01-01");
      CHECK(hit.date <= "2018-12-31");
    }
  }
  SECTION("sort=date is newest first") {
    SearchRequest r;
    r.query = "python";
    r.sort = SortOrder::kDate;
    r.per_page = 100;
    const auto res = search(r);
    REQUIRE(res.hits.size() >= 3);
    for (std::size_t i = 1; i < res.hits.size(); ++i) CHECK(res.hits[i].date <= res.hits[i - 1].date);
  }
  SECTION("an empty query browses every post, newest first") {
    const auto res = search("", 100);
    CHECK(res.total == 18);
    CHECK(res.total_is_exact);
    for (std::size_t i = 1; i < res.hits.size(); ++i) CHECK(res.hits[i].date <= res.hits[i - 1].date);
  }
  SECTION("pages are disjoint and stable") {
    SearchRequest r;
    r.query = "python";
    r.per_page = 3;
    const auto p1 = search(r);
    r.page = 2;
    const auto p2 = search(r);
    CHECK(p1.total == p2.total);
    REQUIRE(p2.hits.size() >= 1);
    for (const auto& hit : p2.hits) {
      const auto s = slugs(p1);
      CHECK(std::find(s.begin(), s.end(), hit.slug) == s.end());
    }
    r.page = 1;
    CHECK(slugs(search(r)) == slugs(p1));
  }
  SECTION("facets count every tag of every matching post") {
    const auto res = search("", 100);
    std::map<std::string, std::size_t> tags, years;
    for (const auto& hit : res.hits) {
      for (const auto& tag : hit.tags) ++tags[tag];
      ++years[hit.date.substr(0, 4)];
    }
    CHECK(res.tag_counts == tags);
    CHECK(res.year_counts == years);
    CHECK(res.tag_counts.at("python") >= 8);
  }
}

TEST_CASE("snippets mark the matching words and name their section", "[searcher]") {
  const auto r = search("uvloop");
  REQUIRE(!r.hits.empty());
  const Card& top = r.hits[0];
  REQUIRE(top.snippet);
  CHECK(top.snippet->find("<mark>uvloop</mark>") != std::string::npos);
  // Only <mark> is markup.
  std::string stripped = *top.snippet;
  for (const char* tag : {"<mark>", "</mark>"}) {
    for (std::size_t p; (p = stripped.find(tag)) != std::string::npos;) stripped.erase(p, std::strlen(tag));
  }
  CHECK(stripped.find('<') == std::string::npos);

  const auto daphne = search("supervisor");
  REQUIRE(!daphne.hits.empty());
  REQUIRE(daphne.hits[0].section);
  CHECK(!daphne.hits[0].section->anchor.empty());
  CHECK(daphne.hits[0].section->anchor.find(' ') == std::string::npos);
}

TEST_CASE("bad queries never throw anything but BadRequest", "[searcher]") {
  for (const std::string q : {"AND", "NOT", "OR", "\"unbalanced", "(a OR b", "a OR b)", "***",
                              "the", "the and of", "-", "+", "\"\"", "()", "title:", "tag:",
                              "2019-13-45..2019-99-99", "python AND", "NOT NOT NOT", "a:b:c"}) {
    INFO(q);
    CHECK_NOTHROW(search(q));
  }
  CHECK(search("the").total > 0);  // only stop words: searched for after all
  CHECK_THROWS_AS(search(std::string(10000, 'a')), BadRequest);
  CHECK_THROWS_AS(search(std::string("caf\xC3", 4)), BadRequest);
}

TEST_CASE("a query with no hits is answered for its spelling correction", "[searcher]") {
  const auto r = search("corutines");
  REQUIRE(r.corrected_query);
  CHECK(*r.corrected_query == "coroutines");
  REQUIRE(!r.hits.empty());
  CHECK(r.hits[0].slug == "async/generators-coroutines-async-await");
  CHECK(r.hits[0].snippet->find("<mark>") != std::string::npos);

  // A typo in one word of several.
  const auto two = search("telegam bot");
  REQUIRE(two.corrected_query);
  CHECK(*two.corrected_query == "telegram bot");
  CHECK(two.hits.at(0).slug == "go/telegram-bot-content-aggregator");

  // A typo beside a correct word: the correction must have both.
  const auto mixed = search("decorators uvlop");
  REQUIRE(mixed.corrected_query);
  CHECK(*mixed.corrected_query == "decorators uvloop");
  CHECK(mixed.hits.at(0).slug == "async/uvloop-sanic-motor");

  // Few hits for the query as typed: they stay, and the correction is offered beside them.
  const auto few = search("sanic OR corutines");
  CHECK(!few.corrected_query);
  REQUIRE(few.suggestion);
  CHECK(*few.suggestion == "sanic OR coroutines");
  CHECK(few.hits.at(0).slug == "async/uvloop-sanic-motor");

  // A typo in the word being typed (a prefix of nothing) is corrected too.
  const auto typing = search("event lopp");
  REQUIRE(typing.corrected_query);
  CHECK(*typing.corrected_query == "event loop");

  // Correct words are left alone.
  const auto fine = search("coroutines");
  CHECK(!fine.corrected_query);
  CHECK(!fine.suggestion);
}

TEST_CASE("suggest completes the word being typed and names the best posts", "[searcher]") {
  Searcher searcher(archive().db_path());
  const auto one = searcher.suggest("corout");
  REQUIRE(!one.suggestions.empty());
  for (const auto& s : one.suggestions) CHECK(s.rfind("corout", 0) == 0);
  CHECK(std::find(one.suggestions.begin(), one.suggestions.end(), "coroutines") != one.suggestions.end());
  REQUIRE(!one.titles.empty());
  CHECK(one.titles[0].slug == "async/generators-coroutines-async-await");
  CHECK(!one.titles[0].snippet);  // titles are plain cards

  // With words before it, completions that go with them come first.
  const auto context = searcher.suggest("event lo");
  REQUIRE(!context.suggestions.empty());
  CHECK(context.suggestions[0] == "event loop");
  CHECK(context.titles.size() <= 5);

  CHECK(searcher.suggest("").suggestions.empty());
  CHECK(searcher.suggest("zzzzq").suggestions.empty());
  CHECK(searcher.suggest("py", 2).suggestions.size() <= 2);
  CHECK_THROWS_AS(searcher.suggest("py", 0), BadRequest);
  CHECK_THROWS_AS(searcher.suggest("py", 21), BadRequest);
  CHECK_THROWS_AS(searcher.suggest(std::string(2000, 'a')), BadRequest);
}

TEST_CASE("related posts come from the post's own words and tags, never itself", "[searcher]") {
  Searcher searcher(archive().db_path());
  const auto channels = searcher.related("django/channels-introduction", 3);
  REQUIRE(channels);
  CHECK(channels->slug == "django/channels-introduction");
  REQUIRE(channels->hits.size() == 3);
  std::set<std::string> top;
  for (const auto& hit : channels->hits) {
    CHECK(hit.slug != "django/channels-introduction");
    top.insert(hit.slug);
  }
  CHECK(top.count("django/channels-custom-channels") == 1);
  CHECK(top.count("django/channels-daphne-deployment") == 1);

  const auto futures = searcher.related("async/concurrent-futures", 3);
  REQUIRE(futures);
  for (const auto& hit : futures->hits) CHECK(hit.slug.rfind("async/", 0) == 0);

  CHECK(!searcher.related("no/such-post"));
  CHECK_THROWS_AS(searcher.related("python/decorators", 0), BadRequest);
  const auto many = searcher.related("python/decorators", 50);
  CHECK(many->hits.size() >= 10);  // most posts share a word or a tag with it...
  CHECK(many->hits.size() <= 17);  // ...but never itself
}

TEST_CASE("find_post, status, and a missing index", "[searcher]") {
  Searcher searcher(archive().db_path());
  const auto card = searcher.find_post("web/understanding-jwt");
  REQUIRE(card);
  CHECK(card->title == "Understanding JWT (JSON Web Tokens)");
  CHECK(card->url == "/web/understanding-jwt");
  CHECK(!searcher.find_post("no/such-post"));
  CHECK(searcher.status().posts == 18);
  CHECK(!searcher.status().updated.empty());

  TempDir empty;
  Searcher missing(empty / "nothing-here");
  CHECK_THROWS_AS(missing.search(SearchRequest{}), IndexUnavailable);
  CHECK_THROWS_AS(missing.status(), IndexUnavailable);
}

TEST_CASE("a searcher sees a new commit without being recreated", "[searcher]") {
  TempDir dir;
  write_file(dir / "posts/a.md", "---\ntitle: Alpha\n---\nThe first post.\n");
  IndexOptions options;
  options.posts_dirs = {dir / "posts"};
  options.db_path = dir / "index";
  update_index(options);
  Searcher searcher(options.db_path);
  SearchRequest r;
  r.query = "zeppelin";
  CHECK(searcher.search(r).total == 0);
  write_file(dir / "posts/b.md", "---\ntitle: Beta\n---\nA zeppelin floats by.\n");
  update_index(options);
  const auto after = searcher.search(r);
  REQUIRE(after.total == 1);
  CHECK(after.hits[0].slug == "b");
}

// 60,000 synthetic posts that all match `common`, with 600 tags to count (counting every
// match for the total and the facets is the slow part of a search) and 97 words `wN`.
const TempDir& large_index() {
  static const TempDir dir;
  static const bool built = [] {
    Xapian::WritableDatabase db(dir.path().string(), Xapian::DB_CREATE_OR_OPEN);
    DocumentBuilder builder;
    for (int i = 0; i < 60000; ++i) {
      Post post;
      post.slug = "p" + std::to_string(i);
      post.url = "/" + post.slug;
      post.title = "Post " + std::to_string(i);
      post.has_own_title = true;
      post.date = "2020-01-" + std::string(i % 28 < 9 ? "0" : "") + std::to_string(i % 28 + 1);
      post.tags = {"t" + std::to_string(i % 600)};
      post.body.text = "common words w" + std::to_string(i % 97);
      for (int k = 0; k < i % 40; ++k) post.body.text += " filler" + std::to_string(k);
      db.add_document(builder.build(post, SourceInfo{post.slug + ".md", "h", "s"}));
    }
    db.commit();
    return true;
  }();
  REQUIRE(built);
  return dir;
}

template <typename T>
double median(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[v.size() / 2]);
}

TEST_CASE("a search's time budget bounds the match on a large index", "[searcher][budget]") {
  const TempDir& dir = large_index();
  SearchRequest request;
  request.query = "common";
  request.partial = false;

  Searcher unlimited(dir.path(), SearcherOptions{{}, std::chrono::milliseconds(0)});
  Searcher budgeted(dir.path(), SearcherOptions{{}, std::chrono::milliseconds(1)});
  unlimited.search(request);  // warm handles, as a server's are
  budgeted.search(request);
  // Medians of alternating runs: this machine's other load moves single timings.
  std::vector<double> full_ms, cut_ms;
  SearchResponse full, cut;
  for (int run = 0; run < 7; ++run) {
    full = unlimited.search(request);
    cut = budgeted.search(request);
    full_ms.push_back(full.took_ms);
    cut_ms.push_back(cut.took_ms);
  }
  CHECK(full.total == 60000);
  CHECK(full.total_is_exact);
  std::size_t counted = 0;
  for (const auto& [tag, n] : full.tag_counts) counted += n;
  CHECK(counted == 60000);
  CHECK(full.facets_exact);

  INFO("median unlimited " << median(full_ms) << " ms, with a 1 ms budget " << median(cut_ms)
                           << " ms");
  // The top hits are still found; only the counting stops early, and says so.
  REQUIRE(cut.hits.size() == full.hits.size());
  for (std::size_t i = 0; i < cut.hits.size(); ++i) CHECK(cut.hits[i].slug == full.hits[i].slug);
  CHECK_FALSE(cut.facets_exact);
  std::size_t cut_counted = 0;
  for (const auto& [tag, n] : cut.tag_counts) cut_counted += n;
  CHECK(cut_counted < counted);
  // Idle, ~8 ms against ~35 ms; what remains after the deadline is Xapian walking the
  // postings, which the budget does not stop.
  CHECK(median(cut_ms) < 0.8 * median(full_ms));
}

TEST_CASE("suggest keeps to the time budget with a worst-case context", "[searcher][budget]") {
  // Completions after other words are ranked by counting, for each of up to 40 candidates,
  // the posts that have the words before it: a context that matches all 60,000 posts (a
  // word, and wildcards) makes every count large. A suggest request is that ranking plus a
  // search for the best titles; the ranking must stop at the deadline.
  const TempDir& dir = large_index();
  constexpr auto kBudget = std::chrono::milliseconds(5);
  Searcher unlimited(dir.path(), SearcherOptions{{}, std::chrono::milliseconds(0)});
  Searcher budgeted(dir.path(), SearcherOptions{{}, kBudget});
  const auto ms_since = [](std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  for (const std::string query : {"common w", "comm* wor* c* common w"}) {
    CAPTURE(query);
    SearchRequest titles;  // the search suggest makes for its titles
    titles.query = query;
    titles.per_page = 5;
    titles.facets = false;
    titles.snippets = false;
    unlimited.suggest(query, 5);  // warm handles, as a server's are
    budgeted.suggest(query, 5);
    std::vector<double> full_ms, cut_ms, titles_ms;
    SuggestResponse full, cut;
    for (int run = 0; run < 5; ++run) {
      auto start = std::chrono::steady_clock::now();
      full = unlimited.suggest(query, 5);
      full_ms.push_back(ms_since(start));
      start = std::chrono::steady_clock::now();
      cut = budgeted.suggest(query, 5);
      cut_ms.push_back(ms_since(start));
      start = std::chrono::steady_clock::now();
      unlimited.search(titles);
      titles_ms.push_back(ms_since(start));
    }
    const double full_ranking = median(full_ms) - median(titles_ms);
    const double cut_ranking = median(cut_ms) - median(titles_ms);
    INFO("medians: unlimited " << median(full_ms) << " ms, with a " << kBudget.count()
                               << " ms budget " << median(cut_ms) << " ms, of which the titles search "
                               << median(titles_ms) << " ms");
    // Still five completions of the last word, each the whole query completed.
    REQUIRE(cut.suggestions.size() == 5);
    for (const auto& s : cut.suggestions) CHECK(s.rfind(query, 0) == 0);
    REQUIRE(full.suggestions.size() == 5);
    // The ranking's share keeps to the budget (with room for the count in flight at the
    // deadline), well under what it costs unbudgeted.
    CHECK(cut_ranking < 4.0 * static_cast<double>(kBudget.count()));
    CHECK(cut_ranking < 0.5 * full_ranking);
  }
}
