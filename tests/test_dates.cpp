// common/dates.h: the date forms posts use, and the impossible ones they must not.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/dates.h"

using namespace postsearch;

namespace {

struct Case {
  std::string input;
  std::optional<std::string> expected;
};

}  // namespace

TEST_CASE("parse_date accepts calendar dates and RFC 3339", "[dates]") {
  const std::vector<Case> cases = {
      {"2019-05-15", "2019-05-15"},
      {"2024-4-09", "2024-04-09"},
      {"2024-4-9", "2024-04-09"},
      {"2024-12-1", "2024-12-01"},
      {"  2019-05-15\n", "2019-05-15"},
      {"2019-03-01T10:00:00Z", "2019-03-01"},
      {"2019-03-01t10:00:00z", "2019-03-01"},
      {"2019-03-01T10:00:00+05:30", "2019-03-01"},
      // The day the author wrote down, not the UTC day.
      {"2019-03-01T23:30:00-08:00", "2019-03-01"},
      {"2019-03-01T00:15:00+14:00", "2019-03-01"},
      {"2019-03-01T10:00:00.123Z", "2019-03-01"},
      {"2019-03-01T10:00:00.123456789-07:00", "2019-03-01"},
      {"2019-03-01 10:00:00Z", "2019-03-01"},
      {"2019-03-01 10:00:00", "2019-03-01"},
      {"2019-03-01 10:00:00 +0000", "2019-03-01"},  // Jekyll's form
      {"2019-03-01T10:00", "2019-03-01"},
      {"2019-03-01T23:59:60Z", "2019-03-01"},  // leap second
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(dates::parse_date(c.input) == c.expected);
  }
}

TEST_CASE("parse_date rejects impossible days and other forms", "[dates]") {
  const std::vector<std::string> invalid = {
      "",
      "yesterday",
      "2019/01/01",
      "01-02-2019",
      "19-01-01",
      "2019-02-30",
      "2019-02-29",  // not a leap year
      "2019-13-01",
      "2019-00-10",
      "2019-01-00",
      "2019-01-32",
      "2019-04-31",
      "0000-01-01",
      "2019-01",
      "2019-01-01x",
      "2019-01-01 and more",
      "2019-01-01T",
      "2019-01-01T25:00:00Z",
      "2019-01-01T10:60:00Z",
      "2019-01-01T10:00:61Z",
      "2019-01-01T10:00:00+24:00",
      "2019-01-01T10:00:00Zjunk",
      "2019-01-01T10:00:00.Z",
      "2019-01-01T10:00:00+05",
      "2019-001-01",
      "2019-01-011",
      "20190-01-01",
      "2019-01-01T10",
  };
  for (const auto& s : invalid) {
    CAPTURE(s);
    CHECK_FALSE(dates::parse_date(s).has_value());
  }
}

TEST_CASE("leap years follow the Gregorian rules", "[dates]") {
  struct Leap {
    int year;
    bool leap;
  };
  const std::vector<Leap> years = {
      {2019, false}, {2020, true}, {2024, true}, {1900, false}, {2000, true}, {2100, false},
      {2400, true},
  };
  for (const auto& y : years) {
    CAPTURE(y.year);
    CHECK(dates::is_valid_day(y.year, 2, 29) == y.leap);
    CHECK(dates::is_valid_day(y.year, 2, 28));
    CHECK_FALSE(dates::is_valid_day(y.year, 2, 30));
    const std::string feb29 = std::to_string(y.year) + "-02-29";
    CHECK(dates::parse_date(feb29).has_value() == y.leap);
  }
  // Month lengths.
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    CAPTURE(m);
    CHECK(dates::is_valid_day(2019, m, days[m - 1]));
    CHECK_FALSE(dates::is_valid_day(2019, m, days[m - 1] + 1));
  }
  CHECK_FALSE(dates::is_valid_day(2019, 0, 1));
  CHECK_FALSE(dates::is_valid_day(2019, 13, 1));
  CHECK_FALSE(dates::is_valid_day(2019, 1, 0));
  CHECK_FALSE(dates::is_valid_day(0, 1, 1));
}

TEST_CASE("date_from_path finds a YYYY/MM/DD/ segment", "[dates]") {
  const std::vector<Case> cases = {
      {"2019/05/15/slug/", "2019-05-15"},
      {"/2019/05/15/slug", "2019-05-15"},
      {"inside-rust/2020/01/02/x", "2020-01-02"},
      {"blog/2016/02/29/", "2016-02-29"},
      {"2019/05/15/", "2019-05-15"},
      {"2019/05/15", std::nullopt},         // no '/' after the day
      {"blog2019/05/15/x", std::nullopt},   // not a whole segment
      {"2019/5/15/x", std::nullopt},        // segments are zero-padded
      {"2019/02/30/x", std::nullopt},       // impossible day
      {"2019/13/01/x", std::nullopt},
      {"posts/my-post/", std::nullopt},
      {"", std::nullopt},
      {"x/2019/13/01/y/2020/02/03/z", "2020-02-03"},  // the first valid segment
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(dates::date_from_path(c.input) == c.expected);
  }
}

TEST_CASE("date_from_file_name reads a Jekyll prefix", "[dates]") {
  const std::vector<Case> cases = {
      {"2019-05-15-my-post.md", "2019-05-15"},
      {"2020-02-29-leap.markdown", "2020-02-29"},
      {"2019-02-29-not-leap.md", std::nullopt},
      {"2019-05-15.md", std::nullopt},   // the prefix needs its trailing '-'
      {"2019-5-15-x.md", std::nullopt},
      {"my-post-2019-05-15-.md", std::nullopt},
      {"post.md", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(dates::date_from_file_name(c.input) == c.expected);
  }
}

TEST_CASE("to_sortable drops the dashes", "[dates]") {
  CHECK(dates::to_sortable("2019-05-15") == "20190515");
  CHECK(dates::to_sortable("") == "");
  // Sorting the sortable form sorts the dates.
  CHECK(dates::to_sortable("2019-12-31") < dates::to_sortable("2020-01-01"));
}
