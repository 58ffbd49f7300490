// Several databases searched as one (README "Shards"): --db source parsing, SHARDS files, and
// a Searcher over local shards answering exactly like one database of the same posts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include "common/errors.h"
#include "common/index_sources.h"
#include "common/searcher.h"
#include "shard_fixture.h"

using namespace postsearch;
using postsearch::testing::SplitIndexes;
namespace fs = std::filesystem;

TEST_CASE("a --db source is a local path or tcp://host:port", "[shards]") {
  const IndexSource local = parse_index_source("var/index");
  CHECK_FALSE(local.remote);
  CHECK(local.path == "var/index");
  CHECK_FALSE(parse_index_source("tcp-index").remote);
  CHECK_FALSE(parse_index_source("/srv/tcp://x").remote);

  struct Good {
    const char* spec;
    const char* host;
    std::uint16_t port;
  };
  for (const Good& g : {Good{"tcp://127.0.0.1:33333", "127.0.0.1", 33333},
                        Good{"tcp://search-2.internal:1", "search-2.internal", 1},
                        Good{"TCP://localhost:65535", "localhost", 65535},
                        Good{"tcp://[::1]:8100", "::1", 8100},
                        Good{"tcp://[fe80::1:2]:8100", "fe80::1:2", 8100}}) {
    INFO(g.spec);
    const IndexSource s = parse_index_source(g.spec);
    CHECK(s.remote);
    CHECK(s.host == g.host);
    CHECK(s.port == g.port);
    CHECK(s.spec == g.spec);
  }

  struct Bad {
    const char* spec;
    const char* reason;
  };
  for (const Bad& b : {Bad{"", "empty"},
                       Bad{"tcp://", "missing port"},
                       Bad{"tcp://:8100", "missing host"},
                       Bad{"tcp://host", "missing port"},
                       Bad{"tcp://host:", "missing port"},
                       Bad{"tcp://host:0", "out of range"},
                       Bad{"tcp://host:65536", "out of range"},
                       Bad{"tcp://host:123456", "out of range"},
                       Bad{"tcp://host:-1", "not a number"},
                       Bad{"tcp://host:80x", "not a number"},
                       Bad{"tcp://host:+80", "not a number"},
                       Bad{"tcp://host:80/db", "not a number"},
                       Bad{"tcp://ho st:80", "bad character"},
                       Bad{"tcp://user@host:80", "bad character"},
                       Bad{"tcp://::1:8100", "needs brackets"},
                       Bad{"tcp://[::1:8100", "unclosed"},
                       Bad{"tcp://[]:8100", "missing host"},
                       Bad{"tcp://[::1]", "missing port"},
                       Bad{"tcp://[::1]8100", "missing port"},
                       Bad{"tcp://[::1]:", "missing port"},
                       Bad{"tcp://[host]:8100", "IPv6"},
                       Bad{"tcp://[127.0.0.1]:8100", "IPv6"}}) {
    INFO(b.spec);
    CHECK_THROWS_WITH(parse_index_source(b.spec), Catch::Contains(b.reason));
  }
  CHECK_THROWS_AS(parse_index_set({}, {}), std::invalid_argument);
  CHECK_THROWS_WITH(parse_index_set({"a"}, "tcp://h:1"), Catch::Contains("--dict"));
  const IndexSet set = parse_index_set({"a", "tcp://h:2"}, "dict");
  REQUIRE(set.sources.size() == 2);
  CHECK(set.sources[1].remote);
  CHECK(set.dictionary == "dict");
}

TEST_CASE("a SHARDS file is parsed strictly", "[shards]") {
  CHECK(parse_shards_file("postsearch-shards 1\nshard-0\nshard-1\n") ==
        std::vector<std::string>{"shard-0", "shard-1"});
  CHECK(parse_shards_file("postsearch-shards 1\nonly") == std::vector<std::string>{"only"});

  struct Bad {
    const char* contents;
    const char* reason;
  };
  for (const Bad& b : {Bad{"", "line 1: expected"},
                       Bad{"postsearch-shards 2\nshard-0\n", "line 1: expected"},
                       Bad{"postsearch-shards 1\r\nshard-0\n", "line 1: expected"},
                       Bad{"shard-0\n", "line 1: expected"},
                       Bad{"postsearch-shards 1\n", "line 2: no shard"},
                       Bad{"postsearch-shards 1", "line 1: no shard"},
                       Bad{"postsearch-shards 1\nshard-0\n\nshard-1\n", "line 3: blank line"},
                       Bad{"postsearch-shards 1\nshard-0\n\n", "line 3: blank line"},
                       Bad{"postsearch-shards 1\nshard-0\r\n", "line 2: carriage return"},
                       Bad{"postsearch-shards 1\nshard 0\n", "line 2: space"},
                       Bad{"postsearch-shards 1\nshard-0\n../other\n", "line 3: a shard name is a directory name"},
                       Bad{"postsearch-shards 1\n/abs\n", "line 2: a shard name is a directory name"},
                       Bad{"postsearch-shards 1\n..\n", "line 2: a shard name cannot start with '.'"},
                       Bad{"postsearch-shards 1\n.hidden\n", "line 2: a shard name cannot start with '.'"},
                       Bad{"postsearch-shards 1\na\nb\na\n", "line 4: shard 'a' listed twice"}}) {
    INFO(b.contents);
    CHECK_THROWS_WITH(parse_shards_file(b.contents), Catch::Contains(b.reason));
  }

  postsearch::testing::TempDir dir;
  CHECK(read_shards(dir.path()).empty());  // not sharded
  postsearch::testing::write_file(dir / "SHARDS", "postsearch-shards 1\nshard-0\nshard-1\n");
  CHECK(read_shards(dir.path()) == std::vector<fs::path>{dir / "shard-0", dir / "shard-1"});
  postsearch::testing::write_file(dir / "SHARDS", "postsearch-shards 1\nshard-0\nshard-0\n");
  CHECK_THROWS_WITH(read_shards(dir.path()), Catch::Contains((dir / "SHARDS").string() + ": line 3"));
}

namespace {

// A search as a JSON body, without the one field that legitimately differs.
std::string body(Searcher& searcher, const SearchRequest& request) {
  auto json = response_to_json(searcher.search(request));
  json.erase("took_ms");
  return json.dump(2);
}

SearchRequest request(std::string query, bool partial = true) {
  SearchRequest r;
  r.query = std::move(query);
  r.partial = partial;
  return r;
}

// The matches of a search, not their order: total, facets, correction and every hit's slug.
std::string matches(Searcher& searcher, SearchRequest r) {
  r.per_page = 100;
  const SearchResponse response = searcher.search(r);
  std::vector<std::string> slugs;
  for (const auto& card : response.hits) slugs.push_back(card.slug);
  std::sort(slugs.begin(), slugs.end());
  auto json = response_to_json(response);
  json.erase("took_ms");
  json.erase("hits");
  json["slugs"] = slugs;
  return json.dump(2);
}

// Suggestions as JSON, or the error they give.
std::string suggestions(Searcher& searcher, const std::string& q, bool with_titles) {
  try {
    auto json = suggest_to_json(searcher.suggest(q, 8));
    if (!with_titles) json.erase("titles");
    return json.dump(2);
  } catch (const BadRequest& e) {
    return std::string("error: ") + e.what();
  }
}

// Over several databases a wildcard or a search-as-you-type last word ranks like one
// database only when every shard has every word it expands to (README "Shards"): otherwise
// such searches are compared by their matches.
bool expands(const std::string& q, bool partial) {
  return partial || q.find('*') != std::string::npos;
}

// The same requests, related posts and suggestions against `a` (one database) and `b`.
void check_same_answers(Searcher& a, Searcher& b, const std::vector<std::string>& queries,
                        const std::vector<std::string>& slugs, bool exact_prefixes = true) {
  REQUIRE(a.status().posts == b.status().posts);
  for (const auto& q : queries) {
    for (const bool partial : {false, true}) {
      INFO("query: '" << q << "' partial " << partial);
      if (exact_prefixes || !expands(q, partial)) {
        CHECK(body(a, request(q, partial)) == body(b, request(q, partial)));
      } else {
        CHECK(matches(a, request(q, partial)) == matches(b, request(q, partial)));
      }
    }
    INFO("suggest: '" << q << "'");
    CHECK(suggestions(a, q, exact_prefixes) == suggestions(b, q, exact_prefixes));
  }
  std::vector<SearchRequest> more;
  for (int page : {1, 2, 4}) {
    for (const auto sort : {SortOrder::kRelevance, SortOrder::kDate}) {
      SearchRequest r = request("go", false);
      r.page = page;
      r.per_page = 7;
      r.sort = sort;
      more.push_back(r);
      r.query = "";
      more.push_back(r);
    }
  }
  SearchRequest ranged = request("", false);
  ranged.since = "2012-01-01";
  ranged.until = "2019-06-30";
  more.push_back(ranged);
  SearchRequest no_spelling = request("concurency", false);
  no_spelling.spelling = false;
  more.push_back(no_spelling);
  for (const auto& r : more) {
    INFO("query: '" << r.query << "' page " << r.page << " sort " << static_cast<int>(r.sort)
                    << " since " << r.since);
    CHECK(body(a, r) == body(b, r));
  }
  for (const auto& slug : slugs) {
    INFO("slug: " << slug);
    const auto card_a = a.find_post(slug), card_b = b.find_post(slug);
    REQUIRE(card_a.has_value());
    REQUIRE(card_b.has_value());
    CHECK(card_to_json(*card_a, true).dump() == card_to_json(*card_b, true).dump());
    CHECK(related_to_json(*a.related(slug, 10)).dump(2) == related_to_json(*b.related(slug, 10)).dump(2));
  }
  CHECK_FALSE(b.find_post("no/such/post").has_value());
}

const std::vector<std::string> kDataQueries = {
    "event loop", "asyncio", "\"event loop\"", "python", "tag:python", "tag:Go", "year:2019",
    "python -asyncio", "2017-01-01..2018-12-31", "asyncio OR goroutine", "title:loop",
    "asyncoi", "evnt loop", "gather*", "as", "wait group", "golang", "the", "a*", "",
    "python AND"};
const std::vector<std::string> kGoQueries = {
    "concurrency", "error handling", "\"error handling\"", "tag:go", "year:2015", "gorutine",
    "generics type parameters", "2015-01-01..2016-12-31 generics", "conc*", "c*", "golang modules",
    "go", "context cancellation", "modles", "gopls", "title:go", "fuzzing OR testing",
    "pipelines -context", "gc", "memory alloc", "sync"};

}  // namespace

TEST_CASE("three local shards answer exactly like one database of the same posts", "[shards]") {
  const SplitIndexes split(postsearch::testing::data_dir() / "posts", 3);
  IndexSet set;
  for (const auto& shard : split.shards()) set.sources.push_back(parse_index_source(shard.string()));
  set.dictionary = split.full();
  Searcher one(split.full()), sharded(set);
  check_same_answers(one, sharded, kDataQueries,
                     {"async/uvloop-sanic-motor", "go/golang-interface", "python/decorators"});
  CHECK(sharded.status().version.find(',') != std::string::npos);  // one commit per shard

  SECTION("a sharded directory (SHARDS, dictionary/) given as one --db") {
    const fs::path dir = split.dir() / "sharded";
    fs::create_directories(dir);
    std::ofstream(dir / "SHARDS") << "postsearch-shards 1\nshard-0\nshard-1\nshard-2\n";
    for (std::size_t k = 0; k < 3; ++k) {
      fs::copy(split.shards()[k], dir / ("shard-" + std::to_string(k)), fs::copy_options::recursive);
    }
    fs::copy(split.full(), dir / "dictionary", fs::copy_options::recursive);
    Searcher as_dir(dir);
    check_same_answers(one, as_dir, kDataQueries, {"async/uvloop-sanic-motor"});

    // A damaged SHARDS file: the index is unavailable, with the reason; fixed, it answers.
    std::ofstream(dir / "SHARDS") << "postsearch-shards 1\nshard-0\n../shard-1\n";
    CHECK_THROWS_WITH(as_dir.search(request("python")),
                      Catch::Contains("SHARDS: line 3") && Catch::Contains("directory name"));
    std::ofstream(dir / "SHARDS") << "postsearch-shards 1\nshard-0\nshard-1\nshard-2\n";
    CHECK(as_dir.search(request("python")).total == one.search(request("python")).total);
    // A shard listed but missing.
    std::ofstream(dir / "SHARDS") << "postsearch-shards 1\nshard-0\nshard-9\n";
    CHECK_THROWS_AS(as_dir.search(request("python")), IndexUnavailable);
  }
}

TEST_CASE("two local shards of the Go blog answer exactly like one database", "[shards][corpus]") {
  const fs::path posts = postsearch::testing::corpora_dir() / "go-blog";
  if (!fs::is_directory(posts)) {
    WARN("no Go blog corpus at " << posts << ": skipped");
    return;
  }
  const SplitIndexes split(posts, 2);
  IndexSet set;
  for (const auto& shard : split.shards()) set.sources.push_back(parse_index_source(shard.string()));
  set.dictionary = split.full();
  Searcher one(split.full()), sharded(set);
  check_same_answers(one, sharded, kGoQueries, {"pipelines", "context", "errors-are-values"},
                     /*exact_prefixes=*/false);
}
