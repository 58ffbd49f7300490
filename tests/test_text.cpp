// common/text.h: UTF-8 validation, anchors, escaping, template and HTML stripping, cutting.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/text.h"

using namespace postsearch;

namespace {

// True when `s` is valid UTF-8 according to an independent, deliberately naive decoder.
bool naive_valid_utf8(const std::string& s) { return !text::find_invalid_utf8(s).has_value(); }

}  // namespace

TEST_CASE("find_invalid_utf8 accepts valid text and reports the first bad byte", "[text]") {
  struct Case {
    const char* name;
    std::string input;
    std::optional<std::size_t> expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", std::nullopt},
      {"ascii", "hello, world\n", std::nullopt},
      {"two-byte (é)", "caf\xC3\xA9", std::nullopt},
      {"three-byte (€)", "\xE2\x82\xAC 5", std::nullopt},
      {"four-byte emoji", "ok \xF0\x9F\x98\x80!", std::nullopt},
      {"highest code point U+10FFFF", "\xF4\x8F\xBF\xBF", std::nullopt},
      {"U+FFFD and U+E000 (not surrogates)", "\xEF\xBF\xBD\xEE\x80\x80", std::nullopt},
      {"last code point before surrogates U+D7FF", "\xED\x9F\xBF", std::nullopt},
      {"overlong slash C0 AF", "ab\xC0\xAF", 2},
      {"overlong C1 BF", "\xC1\xBF", 0},
      {"overlong three-byte E0 80 AF", "x\xE0\x80\xAF", 1},
      {"overlong four-byte F0 80 80 AF", "\xF0\x80\x80\xAF", 0},
      {"high surrogate ED A0 80", "abc\xED\xA0\x80", 3},
      {"low surrogate ED BF BF", "\xED\xBF\xBF", 0},
      {"above U+10FFFF (F4 90 80 80)", "12\xF4\x90\x80\x80", 2},
      {"F5 lead byte", "\xF5\x80\x80\x80", 0},
      {"FF byte", "a\xFF", 1},
      {"lone continuation byte", "a\x80z", 1},
      {"truncated two-byte at end", "abc\xC3", 3},
      {"truncated three-byte at end", "\xE2\x82", 0},
      {"truncated four-byte at end", "ok\xF0\x9F\x98", 2},
      {"truncated sequence followed by ASCII", "\xE2\x82x and more", 0},
      {"error after valid multi-byte text", "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x80", 9},
      {"Latin-1 byte (é in ISO-8859-1)", "caf\xE9 au lait", 3},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK(text::find_invalid_utf8(c.input) == c.expected);
  }
}

TEST_CASE("line_at counts lines from 1", "[text]") {
  const std::string s = "one\ntwo\n\nfour";
  CHECK(text::line_at(s, 0) == 1);
  CHECK(text::line_at(s, 3) == 1);  // the '\n' itself is still on line 1
  CHECK(text::line_at(s, 4) == 2);
  CHECK(text::line_at(s, 8) == 3);
  CHECK(text::line_at(s, 9) == 4);
  CHECK(text::line_at(s, 1000) == 4);  // past the end: the last line
}

TEST_CASE("anchor_slug gives GitHub-style anchors", "[text]") {
  struct Case {
    std::string heading;
    std::string anchor;
  };
  const std::vector<Case> cases = {
      {"Why uvloop is fast", "why-uvloop-is-fast"},
      {"Hello, World!", "hello-world"},
      {"C++ & Go", "c--go"},
      {"What's new in 1.2?", "whats-new-in-12"},
      {"snake_case and kebab-case", "snake_case-and-kebab-case"},
      {"  padded heading  ", "padded-heading"},
      {"Two  spaces", "two--spaces"},
      {"Ünïcödé Straße", "ünïcödé-straße"},
      {"ÉCOLE", "école"},
      {"Привет Мир", "привет-мир"},
      {"日本語の見出し", "日本語の見出し"},
      {"`code` in (parens)", "code-in-parens"},
      {"Emoji \xF0\x9F\x9A\x80 launch", "emoji--launch"},
      {"!!!", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.heading);
    CHECK(text::anchor_slug(c.heading) == c.anchor);
  }
}

TEST_CASE("html_escape escapes the five HTML-special characters", "[text]") {
  CHECK(text::html_escape("") == "");
  CHECK(text::html_escape("plain text") == "plain text");
  CHECK(text::html_escape("<script>alert(\"x\")</script>") ==
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  CHECK(text::html_escape("Tom & Jerry's") == "Tom &amp; Jerry&#39;s");
  CHECK(text::html_escape("&amp;") == "&amp;amp;");  // no double-unescaping
  CHECK(text::html_escape("caf\xC3\xA9 \xF0\x9F\x98\x80") == "caf\xC3\xA9 \xF0\x9F\x98\x80");

  std::string out = "<b>";
  text::append_html_escaped(out, "a<b");
  CHECK(out == "<b>a&lt;b");
}

TEST_CASE("strip_template_actions removes Go, Hugo and Liquid actions", "[text]") {
  struct Case {
    std::string input;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"no actions here", "no actions here"},
      {"before {{image \"x.png\"}} after", "before   after"},
      {"{% include x %}", " "},
      {"a {{< shortcode param=\"1\" >}} b {{< /shortcode >}} c", "a   b   c"},
      {"a {{% notice %}} b", "a   b"},
      {"x {{- .Title -}} y", "x   y"},
      {"unclosed {{ action", "unclosed {{ action"},
      {"unclosed {% tag", "unclosed {% tag"},
      {"mismatched {% tag }} stays", "mismatched {% tag }} stays"},
      {"single { braces } stay", "single { braces } stay"},
      {"set {a, b}", "set {a, b}"},
      {"{{a}}{{b}}word", "  word"},
      {"", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(text::strip_template_actions(c.input) == c.expected);
  }
}

TEST_CASE("strip_template_actions is linear on many unclosed openers", "[text]") {
  // 2 MB of "{{" with no closer: a quadratic scan would take minutes.
  std::string s;
  for (int i = 0; i < 1'000'000; ++i) s += "{{";
  s += " tail";
  const auto start = std::chrono::steady_clock::now();
  CHECK(text::strip_template_actions(s) == s);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("html_to_text keeps text and drops markup", "[text]") {
  struct Case {
    const char* name;
    std::string html;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"tags", "<p>Hello <b>bold</b> world</p>", "Hello bold world"},
      {"attributes", "<a href=\"x\" title=\"a\">link</a>", "link"},
      {"block tags separate words", "<div>one</div><div>two</div>", "one two"},
      // A comment renders as nothing, so it joins the text around it, as in a browser.
      {"comment", "before<!-- hidden words -->after", "beforeafter"},
      {"comment between words", "before <!-- hidden words --> after", "before after"},
      {"multi-line comment", "a <!--\nhidden\n--> b", "a b"},
      {"script body", "<p>x</p><script>var hidden = 1;</script><p>y</p>", "x y"},
      {"script with attributes, upper case",
       "a <SCRIPT type=\"text/javascript\">if (a < b) { hidden(); }</SCRIPT> b", "a b"},
      {"style body", "<style>.hidden { color: red }</style>shown", "shown"},
      {"unclosed script drops the rest", "shown <script>hidden", "shown"},
      {"named entities", "Tom &amp; Jerry &lt;3 &quot;q&quot; &apos;a&apos;",
       "Tom & Jerry <3 \"q\" 'a'"},
      {"nbsp and mdash", "a&nbsp;b&mdash;c", "a b\xE2\x80\x94" "c"},
      {"decimal entity", "&#65;&#233;", "A\xC3\xA9"},
      {"hex entity", "&#x41;&#X1F600;", "A\xF0\x9F\x98\x80"},
      {"surrogate entity is not decoded", "a&#xD800;b", "a b"},
      {"bare ampersand", "fish & chips", "fish & chips"},
      {"ampersand with a later semicolon", "Tom & Jerry; cats", "Tom & Jerry; cats"},
      {"less-than that is not a tag", "<p>1 < 2 and 3 > 2</p>", "1 < 2 and 3 > 2"},
      {"whitespace collapsed", "<p>\n  a\n\n  b  </p>", "a b"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name, c.html);
    CHECK(text::html_to_text(c.html) == c.expected);
  }
}

TEST_CASE("html_to_text is fast on many ampersands without semicolons", "[text]") {
  std::string s(2'000'000, '&');
  s += ";";
  const auto start = std::chrono::steady_clock::now();
  const std::string out = text::html_to_text(s);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(out == s);  // "&&" and "&;" are no entities
}

TEST_CASE("collapse_whitespace and trim", "[text]") {
  CHECK(text::collapse_whitespace("  a \t b\n\nc  ") == "a b c");
  CHECK(text::collapse_whitespace("\n\t ") == "");
  CHECK(text::collapse_whitespace("one") == "one");
  CHECK(text::trim("  a b \r\n") == "a b");
  CHECK(text::trim("") == "");
  CHECK(text::trim(" \t ") == "");
}

TEST_CASE("cut_at_word cuts at a word boundary and marks the cut", "[text]") {
  const std::string ellipsis = "\xE2\x80\xA6";
  CHECK(text::cut_at_word("short", 10) == "short");
  CHECK(text::cut_at_word("exactly10!", 10) == "exactly10!");
  CHECK(text::cut_at_word("hello world again", 8) == "hello" + ellipsis);
  CHECK(text::cut_at_word("hello world again", 11) == "hello world" + ellipsis);
  // Trailing punctuation before the cut is dropped.
  CHECK(text::cut_at_word("alpha beta, gamma", 13) == "alpha beta" + ellipsis);
  // One long word: cut inside it rather than returning nothing.
  CHECK(text::cut_at_word("abcdefghijklmnop", 5) == "abcde" + ellipsis);
}

TEST_CASE("cut_at_word never splits a UTF-8 sequence", "[text]") {
  // Long runs of multi-byte characters without spaces, cut at every possible byte count.
  const std::vector<std::string> pieces = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                           "\xE6\x97\xA5"};
  for (const auto& piece : pieces) {
    std::string s;
    for (int i = 0; i < 40; ++i) s += piece;
    for (std::size_t max = 1; max < 40; ++max) {
      CAPTURE(piece, max);
      const std::string out = text::cut_at_word(s, max);
      CHECK(naive_valid_utf8(out));
      REQUIRE(out.size() >= 3);
      CHECK(out.substr(out.size() - 3) == "\xE2\x80\xA6");
      CHECK(out.size() - 3 <= max);  // the kept text itself fits
    }
  }
  // Words with multi-byte characters: the cut is at the space.
  CHECK(text::cut_at_word("caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e", 13) ==
        "caf\xC3\xA9 cr\xC3\xA8me\xE2\x80\xA6");
}

TEST_CASE("normalise_for_match and fold_case", "[text]") {
  struct Case {
    std::string a, b;
  };
  // Pairs that must normalise the same.
  const std::vector<Case> same = {
      {"Why uvloop is fast", "why UVLOOP is fast!"},
      {"Exploring Asyncio - uvloop, sanic and motor", "exploring asyncio uvloop sanic and motor"},
      {"  C++ & Go  ", "c go"},
      {"Café Crème", "CAFÉ  crème"},
  };
  for (const auto& c : same) {
    CAPTURE(c.a, c.b);
    CHECK(text::normalise_for_match(c.a) == text::normalise_for_match(c.b));
  }
  CHECK(text::normalise_for_match("Hello, World!") == "hello world");
  CHECK(text::normalise_for_match("...") == "");
  CHECK(text::normalise_for_match("a-b") != text::normalise_for_match("ab"));

  CHECK(text::fold_case("Python") == "python");
  CHECK(text::fold_case("ÉCOLE Ñ") == "école ñ");
  CHECK(text::fold_case("ΣΟΦΊΑ") == "σοφία");
  CHECK(text::fold_case("already lower 123") == "already lower 123");
  CHECK(text::to_lower_ascii("MiXeD É") == "mixed É");  // ASCII only
}
