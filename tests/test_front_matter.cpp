// common/front_matter.h: splitting off YAML/TOML front matter and reporting its errors by line.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/errors.h"
#include "common/front_matter.h"

using namespace postsearch;

namespace {

// The PostError `fn` throws (fails the test when it throws nothing).
template <typename Fn>
PostError post_error(Fn&& fn) {
  try {
    fn();
  } catch (const PostError& e) {
    return e;
  }
  FAIL("expected a PostError");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("YAML front matter", "[front_matter]") {
  const std::string text =
      "---\n"                                  // 1
      "title: Hello, world\n"                  // 2
      "date: 2019-05-15\n"                     // 3
      "tags:\n"                                // 4
      "  - python\n"                           // 5
      "  - asyncio\n"                          // 6
      "draft: false\n"                         // 7
      "count: 42\n"                            // 8
      "empty:\n"                               // 9
      "nested:\n"                              // 10
      "  key: value\n"                         // 11
      "---\n"                                  // 12
      "# Body\n";                              // 13
  const FrontMatter fm = parse_front_matter(text);
  CHECK(fm.fields.at("title") == "Hello, world");
  CHECK(fm.fields.at("date") == "2019-05-15");
  CHECK(fm.fields.at("tags") == nlohmann::json::array({"python", "asyncio"}));
  // YAML scalars are kept as text; the post reader interprets them.
  CHECK(fm.fields.at("draft") == "false");
  CHECK(fm.fields.at("count") == "42");
  CHECK(fm.fields.at("empty").is_null());
  CHECK(fm.fields.at("nested") == nlohmann::json{{"key", "value"}});

  CHECK(fm.key_lines.at("title") == 2);
  CHECK(fm.key_lines.at("date") == 3);
  CHECK(fm.key_lines.at("tags") == 4);
  CHECK(fm.key_lines.at("draft") == 7);
  CHECK(fm.key_lines.at("nested") == 10);
  CHECK(fm.key_lines.count("key") == 0);  // only top-level keys

  CHECK(fm.body_line == 13);
  CHECK(text.substr(fm.body_offset) == "# Body\n");
}

TEST_CASE("YAML front matter closed by '...'", "[front_matter]") {
  const std::string text = "---\ntitle: Dots\n...\nBody text\n";
  const FrontMatter fm = parse_front_matter(text);
  CHECK(fm.fields.at("title") == "Dots");
  CHECK(fm.body_line == 4);
  CHECK(text.substr(fm.body_offset) == "Body text\n");
}

TEST_CASE("TOML front matter", "[front_matter]") {
  const std::string text =
      "+++\n"                                            // 1
      "title = \"Zola post\"\n"                          // 2
      "date = 2020-01-02\n"                              // 3
      "updated = 2020-01-03T10:00:00-08:00\n"            // 4
      "local = 2020-01-04T10:00:00\n"                    // 5
      "tags = [\"rust\", \"wasm\"]\n"                    // 6
      "draft = true\n"                                   // 7
      "weight = 5\n"                                     // 8
      "ratio = 1.5\n"                                    // 9
      "\n"                                               // 10
      "[extra]\n"                                        // 11
      "author = \"Ferris\"\n"                            // 12
      "+++\n"                                            // 13
      "Body\n";                                          // 14
  const FrontMatter fm = parse_front_matter(text);
  CHECK(fm.fields.at("title") == "Zola post");
  CHECK(fm.fields.at("date") == "2020-01-02");
  const std::string updated = fm.fields.at("updated").get<std::string>();
  CHECK(updated.rfind("2020-01-03T10:00:00", 0) == 0);
  CHECK(updated.substr(updated.size() - 6) == "-08:00");
  CHECK(fm.fields.at("local").get<std::string>().rfind("2020-01-04T10:00:00", 0) == 0);
  CHECK(fm.fields.at("tags") == nlohmann::json::array({"rust", "wasm"}));
  CHECK(fm.fields.at("draft") == true);
  CHECK(fm.fields.at("weight") == 5);
  CHECK(fm.fields.at("ratio") == 1.5);
  CHECK(fm.fields.at("extra") == nlohmann::json{{"author", "Ferris"}});
  // Zola's [extra] keys are not top-level keys.
  CHECK(fm.fields.count("author") == 0);

  CHECK(fm.key_lines.at("title") == 2);
  CHECK(fm.key_lines.at("date") == 3);
  CHECK(fm.key_lines.at("tags") == 6);
  CHECK(fm.key_lines.at("draft") == 7);
  CHECK(fm.body_line == 14);
  CHECK(text.substr(fm.body_offset) == "Body\n");
}

TEST_CASE("text without front matter", "[front_matter]") {
  const std::vector<std::string> texts = {
      "",
      "# Just a heading\n\nAnd text.\n",
      "Text first\n---\ntitle: not front matter\n---\n",
      " ---\ntitle: indented opener\n---\n",
      "----\ntitle: four dashes\n----\n",
      "++\nx\n++\n",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    const FrontMatter fm = parse_front_matter(text);
    CHECK(fm.fields.empty());
    CHECK(fm.key_lines.empty());
    CHECK(fm.body_offset == 0);
    CHECK(fm.body_line == 1);
  }
}

TEST_CASE("empty front matter", "[front_matter]") {
  struct Case {
    std::string text;
    std::string body;
    std::size_t body_line;
  };
  const std::vector<Case> cases = {
      {"---\n---\nBody\n", "Body\n", 3},
      {"+++\n+++\nBody\n", "Body\n", 3},
      {"---\n\n\n---\nBody\n", "Body\n", 5},
      {"---\n# only a comment\n---\n", "", 4},
      {"---\n---", "", 3},  // no newline after the closer
      {"--- \n---\t\nBody\n", "Body\n", 3},  // trailing blanks on the fences
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const FrontMatter fm = parse_front_matter(c.text);
    CHECK(fm.fields.empty());
    CHECK(c.text.substr(fm.body_offset) == c.body);
    CHECK(fm.body_line == c.body_line);
  }
}

TEST_CASE("unterminated front matter is an error on line 1", "[front_matter]") {
  const std::vector<std::string> texts = {
      "---\ntitle: never closed\n\nBody text\n",
      "+++\ntitle = \"never closed\"\n",
      "---\n",
      "---",
      "+++\ntitle = \"x\"\n---\n",  // the wrong closer
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    const PostError e = post_error([&] { parse_front_matter(text); });
    CHECK(e.line() == 1);
    CHECK(std::string(e.what()).find("never closed") != std::string::npos);
  }
}

TEST_CASE("YAML syntax errors are reported near their line", "[front_matter]") {
  struct Case {
    std::string text;
    std::size_t line;
  };
  const std::vector<Case> cases = {
      // line 3: an unterminated flow sequence
      {"---\ntitle: ok\ntags: [a, b\nother: x\n---\n", 3},
      // line 4: a key at a wrong indentation after a scalar
      {"---\ntitle: ok\ndate: 2019-01-01\n  bad: indent\n---\n", 4},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const PostError e = post_error([&] { parse_front_matter(c.text); });
    // yaml-cpp sometimes reports the line after the mistake; both are useful to a reader.
    CHECK(e.line() >= c.line);
    CHECK(e.line() <= c.line + 1);
    CHECK(std::string(e.what()).find("YAML") != std::string::npos);
  }
}

TEST_CASE("an unterminated YAML quote is an error or text, never a crash", "[front_matter]") {
  // yaml-cpp 0.7 accepts a quoted scalar left open at the end of the block and folds the
  // following lines into it; a stricter parser would reject it. Either is acceptable here.
  const std::string text = "---\ntitle: \"unclosed\ndate: 2019-01-01\n---\nBody\n";
  try {
    const FrontMatter fm = parse_front_matter(text);
    CHECK(fm.fields.at("title").is_string());
    CHECK(text.substr(fm.body_offset) == "Body\n");
  } catch (const PostError& e) {
    CHECK(e.line() >= 2);
    CHECK(e.line() <= 4);
  }
}

TEST_CASE("YAML front matter that is not a mapping is an error", "[front_matter]") {
  const std::vector<std::string> texts = {
      "---\n- a\n- b\n---\nBody\n",
      "---\njust a sentence\n---\n",
  };
  for (const auto& text : texts) {
    CAPTURE(text);
    const PostError e = post_error([&] { parse_front_matter(text); });
    CHECK(e.line() == 2);
    CHECK(std::string(e.what()).find("mapping") != std::string::npos);
  }
}

TEST_CASE("TOML syntax errors are reported with their line", "[front_matter]") {
  struct Case {
    std::string text;
    std::size_t line;
  };
  const std::vector<Case> cases = {
      {"+++\ntitle = \"ok\"\ndate = \n+++\n", 3},
      {"+++\ntitle = \"ok\"\n\ntags = [\"a\", \n\"b\"\nbad bad\n+++\n", 6},
      {"+++\ntitle = 'unclosed\n+++\n", 2},
      {"+++\ntitle = \"a\"\ntitle = \"b\"\n+++\n", 3},  // duplicate key
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const PostError e = post_error([&] { parse_front_matter(c.text); });
    CHECK(e.line() == c.line);
    CHECK(std::string(e.what()).find("TOML") != std::string::npos);
  }
}
