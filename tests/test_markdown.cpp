// common/markdown.h: what text, code and headings a Markdown body contributes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "common/errors.h"
#include "common/markdown.h"

using namespace postsearch;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("blocks become one line each, in document order", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "# Title\n"
      "\n"
      "First paragraph\nwraps here.\n"
      "\n"
      "## Section\n"
      "\n"
      "Second *paragraph* with **emphasis**.\n");
  CHECK(md.text ==
        "Title\n"
        "First paragraph wraps here.\n"
        "Section\n"
        "Second paragraph with emphasis.\n");
  CHECK(md.first_h1 == "Title");
  CHECK(md.first_paragraph == "First paragraph wraps here.");
  CHECK(md.word_count == 10);
}

TEST_CASE("headings get de-duplicated GitHub anchors and offsets into text", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "# Why uvloop is fast\n\n"
      "Intro.\n\n"
      "## Setup\n\nx\n\n"
      "## Setup\n\ny\n\n"
      "### Setup\n\nz\n\n"
      "## Setup-1\n\n"
      "## C++ & Go\n\n"
      "## `code` and *emphasis*\n");
  struct Expected {
    std::string text;
    std::string anchor;
    int level;
  };
  const std::vector<Expected> expected = {
      {"Why uvloop is fast", "why-uvloop-is-fast", 1},
      {"Setup", "setup", 2},
      {"Setup", "setup-1", 2},
      {"Setup", "setup-2", 3},
      // "setup-1" is taken by the second "Setup": GitHub's slugger then counts on from it.
      {"Setup-1", "setup-1-1", 2},
      {"C++ & Go", "c--go", 2},
      {"code and emphasis", "code-and-emphasis", 2},
  };
  REQUIRE(md.headings.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    const Heading& h = md.headings[i];
    CHECK(h.text == expected[i].text);
    CHECK(h.anchor == expected[i].anchor);
    CHECK(h.level == expected[i].level);
    // The offset points at the heading's own line of `text`.
    REQUIRE(h.offset + h.text.size() <= md.text.size());
    CHECK(md.text.substr(h.offset, h.text.size()) == h.text);
    CHECK((h.offset == 0 || md.text[h.offset - 1] == '\n'));
    CHECK(md.text[h.offset + h.text.size()] == '\n');
    if (i > 0) CHECK(h.offset > md.headings[i - 1].offset);
  }
}

TEST_CASE("setext headings are headings", "[markdown]") {
  const MarkdownText md = extract_markdown("Big Title\n=========\n\nSmaller\n-------\n\nText.\n");
  REQUIRE(md.headings.size() == 2);
  CHECK(md.headings[0].text == "Big Title");
  CHECK(md.headings[0].level == 1);
  CHECK(md.headings[1].text == "Smaller");
  CHECK(md.headings[1].level == 2);
  CHECK(md.first_h1 == "Big Title");
  CHECK(md.first_paragraph == "Text.");
}

TEST_CASE("first_h1 and first_paragraph", "[markdown]") {
  struct Case {
    const char* name;
    std::string markdown;
    std::string first_h1;
    std::string first_paragraph;
  };
  const std::vector<Case> cases = {
      {"h2 before h1", "## Sub\n\n# Main\n\n# Second\n", "Main", ""},
      {"no h1", "## Only h2\n\nPara.\n", "", "Para."},
      {"code block before paragraph", "```\ncode first\n```\n\nThe *real* paragraph.\n\nLater.\n",
       "", "The real paragraph."},
      {"html block before paragraph", "<div>html first</div>\n\nPara.\n", "", "Para."},
      {"empty h1 is skipped", "#\n\n# Real\n", "Real", ""},
      {"empty document", "", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const MarkdownText md = extract_markdown(c.markdown);
    CHECK(md.first_h1 == c.first_h1);
    CHECK(md.first_paragraph == c.first_paragraph);
  }
}

TEST_CASE("code goes to both code and text", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "Call `asyncio.gather` here.\n"
      "\n"
      "```go\n"
      "var wg sync.WaitGroup\n"
      "wg.Add(1)\n"
      "```\n"
      "\n"
      "    indented_code_block()\n");
  CHECK(contains(md.code, "asyncio.gather"));
  CHECK(contains(md.code, "var wg sync.WaitGroup\nwg.Add(1)"));
  CHECK(contains(md.code, "indented_code_block()"));
  CHECK_FALSE(contains(md.code, "Call"));  // prose is not code
  CHECK_FALSE(contains(md.code, "go\n"));   // the info string is not code
  CHECK(contains(md.text, "Call asyncio.gather here."));
  CHECK(contains(md.text, "var wg sync.WaitGroup wg.Add(1)"));  // one line in text
  CHECK(contains(md.text, "indented_code_block()"));
  CHECK(md.first_paragraph == "Call asyncio.gather here.");
}

TEST_CASE("HTML contributes its text, not its tags", "[markdown]") {
  struct Case {
    const char* name;
    std::string markdown;
    std::vector<std::string> present;
    std::vector<std::string> absent;
  };
  const std::vector<Case> cases = {
      {"html block",
       "<div class=\"note\">\n<p>Hello <b>world</b> &amp; friends</p>\n</div>\n",
       {"Hello world & friends"},
       {"div", "class", "note", "<", ">"}},
      {"script block contributes nothing",
       "Before.\n\n<script>\nvar secretWord = 1;\n</script>\n\nAfter.\n",
       {"Before.", "After."},
       {"secretWord", "var", "script"}},
      {"style block contributes nothing",
       "<style>\n.hiddenClass { color: red }\n</style>\n\nShown.\n",
       {"Shown."},
       {"hiddenClass", "color"}},
      {"comment block contributes nothing", "<!-- a hidden note -->\n\nShown.\n", {"Shown."},
       {"hidden"}},
      {"inline html", "Press <kbd>Ctrl</kbd>+<kbd>K</kbd> now.\n", {"Press Ctrl+K now."},
       {"kbd"}},
      {"entities in text", "AT&amp;T and &copy; and &#65;\n", {"AT&T and \xC2\xA9 and A"}, {"&amp;"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const MarkdownText md = extract_markdown(c.markdown);
    CAPTURE(md.text);
    for (const auto& p : c.present) CHECK(contains(md.text, p));
    for (const auto& a : c.absent) CHECK_FALSE(contains(md.text, a));
  }
}

TEST_CASE("template actions contribute no words", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "Before {{< figure src=\"diagram.png\" caption=\"Figure caption\" >}} after.\n"
      "\n"
      "{% include newsletter.html %}\n"
      "\n"
      "{{image \"gopher.png\"}}\n"
      "\n"
      "{{< highlight go >}}\n"
      "\n"
      "<div class=\"wrapper\">{{ .Content | markdownify }}</div>\n"
      "\n"
      "Keep {braces} and {{unclosed text.\n");
  CAPTURE(md.text);
  for (const std::string word :
       {"figure", "diagram", "caption", "include", "newsletter", "image", "gopher", "highlight",
        "Content", "markdownify"}) {
    CAPTURE(word);
    CHECK_FALSE(contains(md.text, word));
  }
  CHECK(contains(md.text, "Before after."));
  CHECK(contains(md.text, "Keep {braces} and {{unclosed text."));
  // A paragraph that was nothing but an action leaves no empty line behind.
  CHECK_FALSE(contains(md.text, "\n\n"));
  CHECK(md.first_paragraph == "Before after.");
}

TEST_CASE("image alt text and link text are included, URLs are not", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "![A cat sitting on a mat](images/cat-photo.png \"photo title\")\n"
      "\n"
      "See [the official docs](https://docs.example.org/guide) and <https://autolink.example>.\n");
  CHECK(contains(md.text, "A cat sitting on a mat"));
  CHECK(contains(md.text, "See the official docs and"));
  CHECK_FALSE(contains(md.text, "cat-photo"));
  CHECK_FALSE(contains(md.text, "docs.example.org"));
  CHECK_FALSE(contains(md.text, "photo title"));
}

TEST_CASE("lists and block quotes are included", "[markdown]") {
  const MarkdownText md = extract_markdown(
      "- first item\n"
      "- second item\n"
      "  - nested item\n"
      "\n"
      "1. numbered item\n"
      "\n"
      "> a quoted sentence\n"
      "> > nested quote\n"
      "\n"
      "| col a | col b |\n"
      "|-------|-------|\n"
      "| cell1 | cell2 |\n");
  for (const std::string s : {"first item", "second item", "nested item", "numbered item",
                               "a quoted sentence", "nested quote", "cell1", "cell2"}) {
    CAPTURE(s);
    CHECK(contains(md.text, s));
  }
  // List markers and quote markers are not text.
  CHECK_FALSE(contains(md.text, "- first"));
  CHECK_FALSE(contains(md.text, "> a"));
  CHECK_FALSE(contains(md.text, "1."));
}

TEST_CASE("word_count counts whitespace-separated words of text", "[markdown]") {
  struct Case {
    std::string markdown;
    std::size_t words;
  };
  const std::vector<Case> cases = {
      {"", 0},
      {"one", 1},
      {"one two three\n\n- four five\n", 5},
      {"# Heading words\n\nbody\n", 3},
      {"```\na = b + c\n```\n", 5},  // code is text too
      {"   \n\n\t\n", 0},
      {"<!-- only a comment -->\n", 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.markdown);
    CHECK(extract_markdown(c.markdown).word_count == c.words);
  }
}

TEST_CASE("extract_markdown accepts any bytes; only too deep nesting is an error", "[markdown]") {
  const std::vector<std::string> inputs = {
      std::string("\0\0\0", 3), "[[[[[[[[[[", "*_*_*_*_`", "<div", "```", "> > > > >",
      std::string(10000, '['), "\xFF\xFE invalid", std::string(kMaxMarkdownDepth - 1, '>'),
  };
  for (const auto& input : inputs) {
    const MarkdownText md = extract_markdown(input);
    CHECK(md.word_count <= input.size());
  }
  // 10,000 block quotes, one in another: a PostError on the line where they start.
  try {
    extract_markdown("One.\n\n" + std::string(10000, '>'));
    FAIL("expected a PostError");
  } catch (const PostError& e) {
    CHECK(e.line() == 3);
  }
}
