// common/search_request.h: query-string parameters -> a validated SearchRequest.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/search_request.h"

using namespace postsearch;

namespace {

using Params = std::multimap<std::string, std::string>;
using Strings = std::vector<std::string>;

// The BadRequest parsing `params` throws (fails the test when it throws nothing).
BadRequest bad_request(const Params& params) {
  try {
    parse_search_params(params);
  } catch (const BadRequest& e) {
    return e;
  }
  FAIL("expected a BadRequest");
  throw std::logic_error("unreachable");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("defaults", "[request]") {
  const SearchRequest r = parse_search_params({});
  CHECK(r.query.empty());
  CHECK(r.page == 1);
  CHECK(r.per_page == 10);
  CHECK(r.tags.empty());
  CHECK(r.since.empty());
  CHECK(r.until.empty());
  CHECK(r.sort == SortOrder::kRelevance);
  CHECK(r.partial);

  const SearchRequest q = parse_search_params({{"q", "asyncio event loop"}});
  CHECK(q.query == "asyncio event loop");
  CHECK(q.page == 1);
}

TEST_CASE("page and per_page", "[request]") {
  struct Good {
    std::string page, per_page;
    int page_value, per_page_value;
  };
  const std::vector<Good> good = {
      {"1", "10", 1, 10},   {"2", "1", 2, 1},     {"3", "100", 3, 100},
      {"100", "100", 100, 100},  // 10000 results deep: the limit
      {"1000", "10", 1000, 10},  {"007", "05", 7, 5},
  };
  for (const auto& g : good) {
    CAPTURE(g.page, g.per_page);
    const SearchRequest r = parse_search_params({{"page", g.page}, {"per_page", g.per_page}});
    CHECK(r.page == g.page_value);
    CHECK(r.per_page == g.per_page_value);
  }

  struct Bad {
    std::string name, value;
  };
  const std::vector<Bad> bad = {
      {"per_page", "0"},      {"per_page", "101"},     {"per_page", "-1"},
      {"per_page", "abc"},    {"per_page", "10x"},     {"per_page", ""},
      {"per_page", " 10"},    {"per_page", "1e2"},     {"per_page", "99999999999999999999"},
      {"page", "0"},          {"page", "-5"},          {"page", "abc"},
      {"page", "2.5"},        {"page", "+2"},          {"page", ""},
      {"page", "99999999999"},  // overflows int
      {"page", "2147483647"},   // fits int, but far too deep
      {"page", "1001"},         // 1001 * 10 > 10000 results
  };
  for (const auto& b : bad) {
    CAPTURE(b.name, b.value);
    const BadRequest e = bad_request({{b.name, b.value}});
    CHECK(e.code() == "bad_parameter");
    CHECK(contains(e.what(), b.name == "page" && b.value == "1001" ? "deep" : b.name));
  }
  // The depth limit counts both parameters.
  CHECK_THROWS_AS(parse_search_params({{"page", "101"}, {"per_page", "100"}}), BadRequest);
  CHECK_NOTHROW(parse_search_params({{"page", "500"}, {"per_page", "20"}}));
}

TEST_CASE("sort", "[request]") {
  CHECK(parse_search_params({{"sort", "relevance"}}).sort == SortOrder::kRelevance);
  CHECK(parse_search_params({{"sort", "date"}}).sort == SortOrder::kDate);
  CHECK(parse_search_params({{"sort", ""}}).sort == SortOrder::kRelevance);
  for (const std::string v : {"newest", "Date", "DATE", "date ", "-date", "title"}) {
    CAPTURE(v);
    const BadRequest e = bad_request({{"sort", v}});
    CHECK(e.code() == "bad_parameter");
    CHECK(contains(e.what(), "sort"));
  }
}

TEST_CASE("tags: repeated and comma-separated", "[request]") {
  struct Case {
    Params params;
    Strings tags;
  };
  const std::vector<Case> cases = {
      {{{"tag", "python"}}, {"python"}},
      {{{"tag", "python"}, {"tag", "asyncio"}}, {"python", "asyncio"}},
      {{{"tag", "python,asyncio"}}, {"python", "asyncio"}},
      {{{"tag", " python , web dev "}, {"tag", "go"}}, {"python", "web dev", "go"}},
      {{{"tag", ""}}, {}},
      {{{"tag", ",,"}}, {}},
      {{{"tag", "Python"}}, {"Python"}},  // case folding is the searcher's job
      {{{"tag", "c++"}}, {"c++"}},
  };
  for (const auto& c : cases) {
    CHECK(parse_search_params(c.params).tags == c.tags);
  }
  const BadRequest e = bad_request({{"tag", "bad\xFF"}});
  CHECK(e.code() == "bad_parameter");
  CHECK(contains(e.what(), "tag"));
}

TEST_CASE("since and until", "[request]") {
  struct Good {
    Params params;
    std::string since, until;
  };
  const std::vector<Good> good = {
      {{{"since", "2019-01-01"}}, "2019-01-01", ""},
      {{{"until", "2019-06-30"}}, "", "2019-06-30"},
      {{{"since", "2019-1-5"}, {"until", "2019-12-31"}}, "2019-01-05", "2019-12-31"},
      {{{"since", "2019-03-01"}, {"until", "2019-03-01"}}, "2019-03-01", "2019-03-01"},
      {{{"since", ""}, {"until", ""}}, "", ""},
      {{{"since", "2019-03-01T10:00:00Z"}}, "2019-03-01", ""},
      {{{"since", "2020-02-29"}}, "2020-02-29", ""},
  };
  for (const auto& g : good) {
    const SearchRequest r = parse_search_params(g.params);
    CHECK(r.since == g.since);
    CHECK(r.until == g.until);
  }

  struct Bad {
    Params params;
    std::string names;  // what the message must mention
  };
  const std::vector<Bad> bad = {
      {{{"since", "2019-02-30"}}, "since"},
      {{{"until", "2019-13-01"}}, "until"},
      {{{"since", "yesterday"}}, "since"},
      {{{"until", "2019/01/01"}}, "until"},
      {{{"since", "2019-01-01x"}}, "since"},
      {{{"since", "2019-07-01"}, {"until", "2019-06-30"}}, "until"},
  };
  for (const auto& b : bad) {
    CAPTURE(b.names);
    const BadRequest e = bad_request(b.params);
    CHECK(e.code() == "bad_parameter");
    CHECK(contains(e.what(), b.names));
  }
}

TEST_CASE("a single-valued parameter given twice is an error", "[request]") {
  for (const std::string name : {"q", "page", "per_page", "sort", "since", "until", "partial"}) {
    CAPTURE(name);
    const std::string value = name == "page" || name == "per_page" ? "1"
                              : name == "sort"                     ? "date"
                              : name == "since" || name == "until" ? "2019-01-01"
                                                                   : "x";
    const BadRequest e = bad_request({{name, value}, {name, value}});
    CHECK(e.code() == "bad_parameter");
    CHECK(contains(e.what(), "'" + name + "'"));
  }
}

TEST_CASE("query size and encoding", "[request]") {
  const std::string at_limit(kMaxQueryBytes, 'a');
  CHECK(parse_search_params({{"q", at_limit}}).query == at_limit);

  const BadRequest too_long = bad_request({{"q", at_limit + "a"}});
  CHECK(too_long.code() == "bad_parameter");
  CHECK(contains(too_long.what(), "1024"));

  // Multi-byte text is counted in bytes.
  std::string accented;
  while (accented.size() + 2 <= kMaxQueryBytes) accented += "\xC3\xA9";
  CHECK_NOTHROW(parse_search_params({{"q", accented}}));
  CHECK_THROWS_AS(parse_search_params({{"q", accented + "\xC3\xA9"}}), BadRequest);

  for (const std::string q : {"caf\xE9", "\xC0\xAF", "\xED\xA0\x80", "ok \xF0\x9F\x98"}) {
    CAPTURE(q);
    const BadRequest e = bad_request({{"q", q}});
    CHECK(e.code() == "bad_parameter");
    CHECK(contains(e.what(), "UTF-8"));
  }
  CHECK(parse_search_params({{"q", "caf\xC3\xA9 \xF0\x9F\x98\x80"}}).query ==
        "caf\xC3\xA9 \xF0\x9F\x98\x80");
}

TEST_CASE("partial", "[request]") {
  CHECK(parse_search_params({{"partial", "0"}}).partial == false);
  CHECK(parse_search_params({{"partial", "false"}}).partial == false);
  CHECK(parse_search_params({{"partial", "1"}}).partial == true);
  CHECK(parse_search_params({{"partial", "true"}}).partial == true);
}

TEST_CASE("unknown parameters are ignored", "[request]") {
  const SearchRequest r = parse_search_params(
      {{"q", "go"}, {"utm_source", "x"}, {"utm_source", "y"}, {"callback", "evil()"}, {"", ""}});
  CHECK(r.query == "go");
  CHECK(r.page == 1);
}

TEST_CASE("validate checks requests built by hand", "[request]") {
  SearchRequest r;
  CHECK_NOTHROW(validate(r));
  r.per_page = kMaxPerPage + 1;
  CHECK_THROWS_AS(validate(r), BadRequest);
  r.per_page = kMaxPerPage;
  r.page = kMaxResultDepth / kMaxPerPage + 1;
  CHECK_THROWS_AS(validate(r), BadRequest);
  r.page = 0;
  CHECK_THROWS_AS(validate(r), BadRequest);
  r.page = 1;
  r.since = "2020-01-02";
  r.until = "2020-01-01";
  CHECK_THROWS_AS(validate(r), BadRequest);
  r.until.clear();
  CHECK_NOTHROW(validate(r));
  r.query = std::string(kMaxQueryBytes + 1, 'q');
  CHECK_THROWS_AS(validate(r), BadRequest);
  // Large values do not overflow the depth check.
  SearchRequest big;
  big.page = 2147483647;
  big.per_page = 100;
  CHECK_THROWS_AS(validate(big), BadRequest);
}

TEST_CASE("validate checks hand-built dates and the word limit", "[search_request]") {
  SearchRequest r;
  r.since = "yesterday";
  CHECK_THROWS_AS(validate(r), BadRequest);
  r.since = "2020-01-01";
  CHECK_NOTHROW(validate(r));
  r.until = std::string("\xFF\xFE", 2);
  CHECK_THROWS_WITH(validate(r), "'until' must be a date YYYY-MM-DD");
  r.until.clear();
  r.query = "one two three";
  RequestLimits limits;
  limits.max_query_words = 2;
  CHECK_THROWS_AS(validate(r, limits), BadRequest);
  limits.max_query_words = 3;
  CHECK_NOTHROW(validate(r, limits));
  CHECK(count_query_words("sync.WaitGroup wg.Add(1) café --flag") == 7);
  CHECK(count_query_words("  ") == 0);
}
