// common/snippet.h: which words match a query, and the passage shown for a hit.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <xapian.h>

#include "common/markdown.h"
#include "common/snippet.h"
#include "common/text.h"

using namespace postsearch;

namespace {

const Xapian::Stem& english() {
  static const Xapian::Stem stem("english");
  return stem;
}

// The query the search box would build for `q` (stemmed English, STEM_SOME).
Xapian::Query parse(const std::string& q) {
  Xapian::QueryParser qp;
  qp.set_stemmer(english());
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_default_op(Xapian::Query::OP_AND);
  qp.add_prefix("title", "S");
  qp.add_boolean_prefix("tag", "K");
  return qp.parse_query(q, Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PHRASE);
}

Xapian::Query terms(std::initializer_list<const char*> ts) {
  std::vector<Xapian::Query> qs;
  for (const char* t : ts) qs.emplace_back(t);
  return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + needle.size())) {
    ++n;
  }
  return n;
}

// `html` with <mark> and </mark> removed: what a reader sees.
std::string unmarked(std::string html) {
  for (const std::string tag : {"<mark>", "</mark>"}) {
    for (std::size_t p; (p = html.find(tag)) != std::string::npos;) html.erase(p, tag.size());
  }
  return html;
}

std::string filler(int words) {
  std::string s;
  for (int i = 0; i < words; ++i) s += "lorem ipsum ";
  return s;
}

const std::string kEllipsis = "\xE2\x80\xA6";

}  // namespace

TEST_CASE("WordMatcher matches exact forms, stems and prefixes", "[snippet]") {
  struct Case {
    const char* name;
    Xapian::Query query;
    std::vector<std::string> prefixes;
    std::vector<std::string> match;
    std::vector<std::string> no_match;
    std::size_t concepts;
  };
  const std::vector<Case> cases = {
      {"stemmed word", parse("running"), {}, {"running", "runs", "run", "RUN", "Running"},
       {"ran", "runner", "rune", "r"}, 1},
      {"two words", parse("event loops"), {}, {"event", "events", "loop", "looping"},
       {"eventual", "the"}, 2},
      {"quoted phrase matches exact forms only", parse("\"running fast\""), {},
       {"running", "fast", "Running"}, {"runs", "run", "faster"}, 2},
      {"unprefixed exact term", terms({"python"}), {}, {"python", "Python"}, {"pythons"}, 1},
      {"title field", parse("title:asyncio"), {}, {"asyncio", "AsyncIO"}, {"async"}, 1},
      {"title terms by hand", terms({"Sasyncio", "ZSloop"}), {}, {"asyncio", "loops"}, {"async"},
       2},
      {"author and heading terms", terms({"Ajane", "ZXHsetup"}), {}, {"jane", "setups"},
       {"doe"}, 2},
      {"boolean filters are not words", terms({"Kpython", "Y2019", "Qslug", "XTexact title"}),
       {}, {}, {"python", "2019", "slug", "exact", "title"}, 0},
      {"prefix words", Xapian::Query(), {"asy", "Gat"}, {"asyncio", "Asynchronous", "gather"},
       {"as", "sync", "ga"}, 2},
      {"prefixes and words", parse("event"), {"lo"}, {"event", "loop", "long"}, {"el"}, 2},
      {"one-letter prefix", Xapian::Query(), {"a"}, {"a", "asyncio", "Await"}, {"ba"}, 1},
      {"one-letter words", parse("x y"), {}, {"x", "X", "y"}, {"xs", "ax"}, 2},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    WordMatcher matcher(c.query, c.prefixes, english());
    CHECK(matcher.concept_count() == c.concepts);
    CHECK(matcher.empty() == (c.concepts == 0));
    for (const auto& w : c.match) {
      CAPTURE(w);
      CHECK(matcher.match(w) != nullptr);
    }
    for (const auto& w : c.no_match) {
      CAPTURE(w);
      CHECK(matcher.match(w) == nullptr);
    }
  }
}

TEST_CASE("WordMatcher gives forms of one word the same concept", "[snippet]") {
  WordMatcher matcher(parse("running python"), {}, english());
  const std::string* a = matcher.match("runs");
  const std::string* b = matcher.match("running");
  const std::string* c = matcher.match("python");
  REQUIRE(a != nullptr);
  REQUIRE(b != nullptr);
  REQUIRE(c != nullptr);
  CHECK(*a == *b);
  CHECK(*a != *c);
  CHECK(matcher.match("runs") == a);  // remembered
}

TEST_CASE("highlight marks every matching word and escapes the rest", "[snippet]") {
  struct Case {
    std::string query, text, html;
  };
  const std::vector<Case> cases = {
      {"python", "Python and python", "<mark>Python</mark> and <mark>python</mark>"},
      {"event loop", "The event loop runs.", "The <mark>event loop</mark> runs."},
      {"event loop", "event, loop", "<mark>event</mark>, <mark>loop</mark>"},
      {"event loop", "event  \n loop", "<mark>event  \n loop</mark>"},
      {"run", "a <b>run</b> & 'go'", "a &lt;b&gt;<mark>run</mark>&lt;/b&gt; &amp; &#39;go&#39;"},
      {"caf\xC3\xA9", "Un caf\xC3\xA9 cr\xC3\xA8me", "Un <mark>caf\xC3\xA9</mark> cr\xC3\xA8me"},
      {"nothing", "No match <here>", "No match &lt;here&gt;"},
      {"x", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query, c.text);
    WordMatcher matcher(parse(c.query), {}, english());
    CHECK(highlight(c.text, matcher) == c.html);
  }
}

TEST_CASE("make_snippet marks stemmed matches", "[snippet]") {
  WordMatcher matcher(parse("running"), {}, english());
  const Snippet s = make_snippet("She runs every morning and ran yesterday.", matcher);
  CHECK(s.matched);
  CHECK(s.offset == 0);
  CHECK(s.html == "She <mark>runs</mark> every morning and ran yesterday.");
}

TEST_CASE("make_snippet escapes the post's text; only <mark> is markup", "[snippet]") {
  const std::string text =
      "To run it, never write <script>alert(\"owned\")</script> in a post & expect it to "
      "be safe; <img src=x onerror=run()> is no better.";
  WordMatcher matcher(parse("run"), {}, english());
  const Snippet s = make_snippet(text, matcher);
  REQUIRE(s.matched);
  CHECK(contains(s.html, "&lt;script&gt;"));
  CHECK(contains(s.html, "&amp; expect"));
  CHECK(contains(s.html, "&quot;owned&quot;"));
  CHECK(contains(s.html, "<mark>run</mark>"));
  const std::string plain = unmarked(s.html);
  CHECK_FALSE(contains(plain, "<"));
  CHECK_FALSE(contains(plain, ">"));
  CHECK_FALSE(contains(plain, "\""));
}

TEST_CASE("make_snippet prefers the window with the most distinct words", "[snippet]") {
  SECTION("many matches of one word lose to both words together") {
    const std::string text = "python python python python. " + filler(60) +
                             "Here python meets asyncio at last. " + filler(60);
    WordMatcher matcher(parse("python asyncio"), {}, english());
    const Snippet s = make_snippet(text, matcher);
    REQUIRE(s.matched);
    CHECK(contains(s.html, "<mark>python</mark> meets <mark>asyncio</mark>"));
    CHECK(s.offset > 100);
  }
  SECTION("forms of one word count once") {
    // Three forms of "run" come first; a window with "run" and "python" comes later.
    const std::string text = "running runs run. " + filler(60) + "You run python daily. " +
                             filler(60);
    WordMatcher matcher(parse("run python"), {}, english());
    const Snippet s = make_snippet(text, matcher);
    REQUIRE(s.matched);
    CHECK(contains(s.html, "<mark>run python</mark>"));
  }
  SECTION("with equal distinct words, the window with more matches") {
    // "django" is not in the text (a post can match on its title), so no window has every
    // word and the search goes on to the end.
    const std::string text = "python once. " + filler(60) + "python and python and python. " +
                             filler(60);
    WordMatcher matcher(parse("python django"), {}, english());
    const Snippet s = make_snippet(text, matcher);
    REQUIRE(s.matched);
    CHECK(count(s.html, "<mark>python</mark>") == 3);
    CHECK_FALSE(contains(s.html, "once"));
  }
  SECTION("the first window with every word wins") {
    // The search stops at the first window with every word (a documented shortcut), even
    // when a later one has more matches.
    const std::string text = "asyncio first. " + filler(60) + "asyncio asyncio asyncio. " +
                             filler(60);
    WordMatcher matcher(parse("asyncio"), {}, english());
    const Snippet s = make_snippet(text, matcher);
    REQUIRE(s.matched);
    CHECK(s.offset == 0);
    CHECK(s.html.rfind("<mark>asyncio</mark> first.", 0) == 0);
  }
}

TEST_CASE("make_snippet matches prefix words as prefixes", "[snippet]") {
  const std::string text = filler(30) + "Then asyncio.gather waits for them. " + filler(30);
  WordMatcher matcher(Xapian::Query(), {"asy"}, english());
  const Snippet s = make_snippet(text, matcher);
  REQUIRE(s.matched);
  CHECK(contains(s.html, "<mark>asyncio</mark>.gather"));
}

TEST_CASE("make_snippet without a match shows the opening of the text", "[snippet]") {
  SECTION("short text") {
    WordMatcher matcher(parse("absent"), {}, english());
    const Snippet s = make_snippet("A short text.\nSecond line.", matcher);
    CHECK_FALSE(s.matched);
    CHECK(s.offset == 0);
    CHECK(s.html == "A short text. Second line.");  // blocks joined by a space
  }
  SECTION("long text is cut at a word with an ellipsis") {
    const std::string text = filler(100);
    WordMatcher matcher(parse("absent"), {}, english());
    const Snippet s = make_snippet(text, matcher, 100);
    CHECK_FALSE(s.matched);
    CHECK(s.offset == 0);
    REQUIRE(s.html.size() > 4);
    CHECK(s.html.substr(s.html.size() - 4) == " " + kEllipsis);
    const std::string kept = s.html.substr(0, s.html.size() - 4);
    CHECK(kept.size() <= 100);
    CHECK(text.rfind(kept, 0) == 0);
    CHECK(text[kept.size()] == ' ');
  }
  SECTION("a query with only filters") {
    WordMatcher matcher(terms({"Kpython"}), {}, english());
    const Snippet s = make_snippet("python is here", matcher);
    CHECK_FALSE(s.matched);
    CHECK(s.html == "python is here");
  }
  SECTION("empty text") {
    WordMatcher matcher(parse("x"), {}, english());
    const Snippet s = make_snippet("", matcher);
    CHECK_FALSE(s.matched);
    CHECK(s.html.empty());
  }
}

TEST_CASE("make_snippet cuts long texts around the match", "[snippet]") {
  const std::string text = filler(100) + "The needle is here. " + filler(100);
  WordMatcher matcher(parse("needle"), {}, english());
  const std::size_t max_bytes = 120;
  const Snippet s = make_snippet(text, matcher, max_bytes);
  REQUIRE(s.matched);
  CHECK(s.html.rfind(kEllipsis + " ", 0) == 0);
  CHECK(s.html.substr(s.html.size() - 4) == " " + kEllipsis);
  const std::string inner = unmarked(s.html.substr(4, s.html.size() - 8));
  CHECK(inner.size() <= max_bytes);
  CHECK(contains(inner, "needle"));
  // The passage is the text at the offset, starting at a word.
  CHECK(text.compare(s.offset, inner.size(), inner) == 0);
  CHECK(text[s.offset - 1] == ' ');
  CHECK(s.offset < text.find("needle"));
  CHECK(text.find("needle") - s.offset <= max_bytes);
}

TEST_CASE("make_snippet never splits a UTF-8 character", "[snippet]") {
  std::string text;
  for (int i = 0; i < 80; ++i) text += "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC ";
  text += "recherche ";
  for (int i = 0; i < 80; ++i) text += "\xF0\x9F\x98\x80\xF0\x9F\x98\x80 caf\xC3\xA9 ";
  for (std::size_t max : {50, 77, 101, 220}) {
    CAPTURE(max);
    for (const char* q : {"recherche", "absent"}) {
      WordMatcher matcher(parse(q), {}, english());
      const Snippet s = make_snippet(text, matcher, max);
      CHECK_FALSE(text::find_invalid_utf8(s.html).has_value());
    }
  }
}

TEST_CASE("make_snippet's offset finds the section of the match", "[snippet]") {
  const MarkdownText md = extract_markdown(
      "# Exploring asyncio\n\n" + filler(40) +
      "\n\n## Why uvloop is fast\n\n" + filler(20) + "It replaces the event loop with libuv. " +
      filler(20) +
      "\n\n## Benchmarks\n\n" + filler(40) + "\n");
  REQUIRE(md.headings.size() == 3);
  // The heading under which the passage lies: the last one at or before the offset.
  auto section_of = [&](std::size_t offset) {
    std::string anchor;
    for (const auto& h : md.headings) {
      if (h.offset > offset) break;
      anchor = h.anchor;
    }
    return anchor;
  };
  SECTION("a match in a section's body") {
    WordMatcher matcher(parse("libuv"), {}, english());
    const Snippet s = make_snippet(md.text, matcher);
    REQUIRE(s.matched);
    CHECK(section_of(s.offset) == "why-uvloop-is-fast");
    CHECK(contains(s.html, "<mark>libuv</mark>"));
    // The passage does not start in the previous block (the heading line).
    CHECK(s.offset > md.headings[1].offset + md.headings[1].text.size());
  }
  SECTION("a match in a heading") {
    WordMatcher matcher(parse("benchmarks"), {}, english());
    const Snippet s = make_snippet(md.text, matcher);
    REQUIRE(s.matched);
    CHECK(s.offset == md.headings[2].offset);
    CHECK(section_of(s.offset) == "benchmarks");
    CHECK(s.html.rfind(kEllipsis + " <mark>Benchmarks</mark> lorem", 0) == 0);
  }
  SECTION("a match before any heading") {
    const MarkdownText intro = extract_markdown("Intro with python.\n\n# Later\n\nText.\n");
    WordMatcher matcher(parse("python"), {}, english());
    const Snippet s = make_snippet(intro.text, matcher);
    REQUIRE(s.matched);
    CHECK(s.offset < intro.headings[0].offset);
  }
}

TEST_CASE("make_snippet finds words by their first letter only at word starts", "[snippet]") {
  // The scan jumps between bytes a query word can start with; a jump that lands inside a
  // word (after ASCII or multi-byte letters, digits or '_') must not start a match there.
  WordMatcher matcher(parse("loop"), {}, english());
  const std::string text =
      "Overlooping xloop éloop _loop 9loop ΔLoop are not it. An event Loop is, and so is (loop).";
  const Snippet s = make_snippet(text, matcher, 400);
  REQUIRE(s.matched);
  CHECK(contains(s.html, "event <mark>Loop</mark> is"));
  CHECK(contains(s.html, "(<mark>loop</mark>)"));
  for (const char* inside : {"xloop", "éloop", "_loop", "9loop", "ΔLoop", "Overlooping"}) {
    CHECK(contains(s.html, inside));  // shown unmarked
  }
  CHECK(std::count(s.html.begin(), s.html.end(), '<') == 4);  // two <mark> pairs
  // A query word starting with a non-ASCII letter is found too (the scan reads every word).
  WordMatcher accented(parse("école"), {}, english());
  const Snippet e = make_snippet("Une École, pas une pré-école.", accented, 400);
  CHECK(contains(e.html, "<mark>École</mark>"));
  CHECK(contains(e.html, "pré-<mark>école</mark>"));
}

TEST_CASE("make_snippet ends on query terms that start with punctuation", "[snippet]") {
  // Terms such as "-" or ".net" (from a title's words, say) start no word of the text; the
  // scan must step past them, not stop there (it once looped forever on such a term).
  WordMatcher matcher(terms({"-", ".net", "loop"}), {}, english());
  const Snippet s = make_snippet("A - B .net - and a loop - here.", matcher, 400);
  CHECK(s.matched);
  CHECK(contains(s.html, "<mark>loop</mark>"));
  WordMatcher only_punctuation(terms({"-"}), {}, english());
  CHECK_FALSE(make_snippet("x - y - z", only_punctuation, 400).matched);
}

TEST_CASE("make_snippet shows a matched word wider than the snippet, cut", "[snippet]") {
  // A checksum, a base64 blob or an unbroken CJK run is one word; matched (here by a
  // search-as-you-type prefix) it is a window of its own. It once emptied the window and
  // crashed the server.
  std::string hex;
  for (int i = 0; i < 260; ++i) hex += "0123456789abcdef"[i % 16];
  std::string cjk;
  for (int i = 0; i < 30; ++i) cjk += "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E";  // 日本語 x 30
  struct Case {
    std::string text;
    std::vector<std::string> prefixes;
    std::string query;
  };
  const std::vector<Case> cases = {
      {"```\ndeadbeef" + hex + "\n```", {"deadbeef"}, "deadbeef"},
      {"Checksum deadbeef in prose.\ndeadbeef" + hex + "\nand more", {"deadbeef"}, "checksum"},
      {"Intro words. deadbeef" + hex, {"deadbeef"}, "intro"},
      {cjk, {}, cjk},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text.size(), c.query);
    WordMatcher matcher(c.prefixes.empty() ? terms({c.query.c_str()}) : parse(c.query),
                        c.prefixes, english());
    for (std::size_t max_bytes : {220u, 40u, 8u, 1u}) {
      CAPTURE(max_bytes);
      const Snippet s = make_snippet(c.text, matcher, max_bytes);
      CHECK(s.matched);
      CHECK(s.offset <= c.text.size());
      CHECK_FALSE(text::find_invalid_utf8(s.html).has_value());
      CHECK_FALSE(contains(unmarked(s.html), "<"));
    }
  }
}
