// common/document_builder.h: the terms, values and data a post's document carries
// (common/schema.h is the contract the searcher reads).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "common/card.h"
#include "common/document_builder.h"
#include "common/post.h"
#include "common/schema.h"
#include "common/text.h"

using namespace postsearch;
namespace schema = postsearch::schema;

namespace {

using Strings = std::vector<std::string>;

std::set<std::string> terms_of(const Xapian::Document& doc) {
  std::set<std::string> terms;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) terms.insert(*it);
  return terms;
}

std::set<std::string> terms_with_prefix(const std::set<std::string>& terms,
                                        std::string_view prefix) {
  std::set<std::string> out;
  for (const auto& t : terms) {
    // A prefix is followed by a lower-case or non-letter character.
    if (t.rfind(prefix, 0) == 0 && t.size() > prefix.size() &&
        !std::isupper(static_cast<unsigned char>(t[prefix.size()]))) {
      out.insert(t);
    }
  }
  return out;
}

const char* const kPost =
    "---\n"
    "title: Exploring Asyncio - uvloop, sanic and motor\n"
    "date: 2017-02-11\n"
    "tags: [Python, AsyncIO, Web Dev]\n"
    "author: Jane Doe\n"
    "aliases: [/old/uvloop/]\n"
    "summary: Why the event loop matters.\n"
    "---\n"
    "# Exploring Asyncio\n"
    "\n"
    "The event loop keeps running tasks.\n"
    "\n"
    "## Why uvloop is fast\n"
    "\n"
    "Use a `sync.WaitGroup` or an `HTTPServer`:\n"
    "\n"
    "```python\n"
    "snake_case_name = asyncio.gather(fetch_all())\n"
    "```\n";

Post example_post() {
  ReadOptions options;
  options.base_url = "https://blog.example/posts/";
  return parse_post(kPost, "async/uvloop-sanic-motor.md", options);
}

}  // namespace

TEST_CASE("split_identifier splits code identifiers into words", "[document]") {
  struct Case {
    std::string identifier;
    Strings parts;
  };
  const std::vector<Case> cases = {
      {"WaitGroup", {"wait", "group"}},
      {"waitGroup", {"wait", "group"}},
      {"HTTPServer", {"http", "server"}},
      {"XMLHttpRequest", {"xml", "http", "request"}},
      {"getHTTPResponseCode", {"get", "http", "response", "code"}},
      {"parseJSON", {"parse", "json"}},
      {"snake_case_name", {"snake", "case", "name"}},
      {"SCREAMING_SNAKE_CASE", {"screaming", "snake", "case"}},
      {"_private_name", {"private", "name"}},
      {"Base64Encode", {"base64", "encode"}},
      {"utf8_decode", {"utf8", "decode"}},
      // Single words give nothing: the word itself is indexed anyway.
      {"single", {}},
      {"Single", {}},
      {"HTTP", {}},
      {"__init__", {}},
      {"x", {}},
      {"", {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.identifier);
    CHECK(split_identifier(c.identifier) == c.parts);
  }
}

TEST_CASE("build() writes the terms of schema.h", "[document]") {
  const Post post = example_post();
  DocumentBuilder builder;
  const Xapian::Document doc = builder.build(post, {"async/uvloop-sanic-motor.md", "abc123", ""});
  const auto terms = terms_of(doc);
  auto has = [&](const std::string& term) { return terms.count(term) != 0; };

  SECTION("unique id, tags, year, alias, exact title") {
    CHECK(has("Qasync/uvloop-sanic-motor"));
    CHECK(terms_with_prefix(terms, "Q") == std::set<std::string>{"Qasync/uvloop-sanic-motor"});
    CHECK(terms_with_prefix(terms, "K") ==
          std::set<std::string>{"Kpython", "Kasyncio", "Kweb dev"});
    CHECK(terms_with_prefix(terms, "Y") == std::set<std::string>{"Y2017"});
    CHECK(has("XAold/uvloop"));  // normalised: no leading or trailing slash
    CHECK(has("XTexploring asyncio uvloop sanic and motor"));
  }
  SECTION("title terms, plain and stemmed") {
    for (const std::string t : {"Sexploring", "Sasyncio", "Suvloop", "Ssanic", "Smotor"}) {
      CAPTURE(t);
      CHECK(has(t));
    }
    CHECK(has("ZSexplor"));
    CHECK_FALSE(has("SExploring"));  // terms are lower-cased
    // Body words are not title words.
    CHECK_FALSE(has("Sevent"));
  }
  SECTION("author and heading terms") {
    CHECK(has("Ajane"));
    CHECK(has("Adoe"));
    CHECK(has("XHwhy"));
    CHECK(has("XHfast"));
  }
  SECTION("body words, plain and stemmed") {
    CHECK(has("running"));
    CHECK(has("Zrun"));
    CHECK(has("tasks"));
    CHECK(has("Ztask"));
    CHECK(has("event"));
    CHECK(has("matters"));  // the summary's own words
  }
  SECTION("code identifiers split into words") {
    for (const std::string t :
         {"wait", "group", "Zwait", "Zgroup", "http", "server", "Zserver", "snake", "case",
          "name", "Zname", "fetch", "all"}) {
      CAPTURE(t);
      CHECK(has(t));
    }
  }
  SECTION("the title weighs more than a body word") {
    Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
    db.add_document(doc);
    // "uvloop" is in the title and a heading; "keeps" only in the body.
    CHECK(db.get_collection_freq("uvloop") > db.get_collection_freq("keeps"));
    CHECK(db.get_collection_freq("keeps") == 1);
  }
}

TEST_CASE("build() fills the value slots of schema.h", "[document]") {
  const Post post = example_post();
  DocumentBuilder builder;
  const Xapian::Document doc =
      builder.build(post, {"0\x1f" "async/uvloop-sanic-motor.md", "abc123", ""});

  CHECK(doc.get_value(schema::kDate) == "20170211");
  CHECK(doc.get_value(schema::kSlug) == "async/uvloop-sanic-motor");
  CHECK(doc.get_value(schema::kContentHash) == "abc123");
  CHECK(doc.get_value(schema::kSourceKey) == "0\x1f" "async/uvloop-sanic-motor.md");
  CHECK(doc.get_value(schema::kTags) == "python\x1f" "asyncio\x1f" "web dev");
}

TEST_CASE("build() stores card, sections and text as document data", "[document]") {
  const Post post = example_post();
  DocumentBuilder builder;
  const Xapian::Document doc = builder.build(post, {"x.md", "h", ""});
  const std::string data = doc.get_data();
  const DocumentData parts = decode_document_data(data);

  SECTION("the card") {
    const Card card = deserialise_card(parts.card);
    CHECK(card.slug == "async/uvloop-sanic-motor");
    CHECK(card.url == "https://blog.example/posts/async/uvloop-sanic-motor");
    CHECK(card.title == "Exploring Asyncio - uvloop, sanic and motor");
    CHECK(card.date == "2017-02-11");
    CHECK(card.updated.empty());
    CHECK(card.authors == Strings{"Jane Doe"});
    CHECK(card.tags == Strings{"Python", "AsyncIO", "Web Dev"});  // as written
    CHECK(card.summary == "Why the event loop matters.");
    CHECK(card.reading_minutes == 1);
    CHECK_FALSE(card.snippet.has_value());
    CHECK_FALSE(card.score.has_value());
  }
  SECTION("the text") { CHECK(parts.text == post.body.text); }
  SECTION("the sections, with offsets into the text") {
    const auto sections = nlohmann::json::parse(parts.sections);
    REQUIRE(sections.is_array());
    REQUIRE(sections.size() == 2);
    CHECK(sections[0][1] == "Exploring Asyncio");
    CHECK(sections[0][2] == "exploring-asyncio");
    CHECK(sections[1][1] == "Why uvloop is fast");
    CHECK(sections[1][2] == "why-uvloop-is-fast");
    for (const auto& s : sections) {
      const auto offset = s[0].get<std::size_t>();
      const auto heading = s[1].get<std::string>();
      CHECK(parts.text.compare(offset, heading.size(), heading) == 0);
    }
  }
}

TEST_CASE("encode_document_data and decode_document_data round-trip", "[document]") {
  struct Case {
    std::string card, sections, text;
  };
  const std::vector<Case> cases = {
      {"{\"slug\":\"a\"}", "[]", "line one\nline two\n"},
      {"{}", "[[0,\"H\",\"h\"]]", ""},
      {"", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.card, c.sections, c.text);
    const std::string data = encode_document_data(c.card, c.sections, c.text);
    const DocumentData parts = decode_document_data(data);
    CHECK(parts.card == c.card);
    CHECK(parts.sections == c.sections);
    CHECK(parts.text == c.text);
  }
  // Parts unpack alone, and a long text packs smaller than it is.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "Line " + std::to_string(i) + " of a long post \u00e9t\u00e9.\n";
  const std::string data = encode_document_data("{\"slug\":\"long\"}", "[]", text);
  CHECK(data.size() < text.size() / 3);
  CHECK(decode_document_card(data) == "{\"slug\":\"long\"}");
  CHECK(decode_document_data(data).text == text);
}

TEST_CASE("damaged document data is an error, never a crash or garbage", "[document]") {
  const std::string good = encode_document_data("{\"slug\":\"a\"}", "[[0,\"H\",\"h\"]]", "some text here");
  const std::vector<std::string> damaged = {
      "",                                          // no lengths
      "{\"x\":1}",                                  // schema 1 data: card JSON first
      std::string("\xff\xff\xff\xff\0\0\0\0", 8),  // a frame longer than the data
      good.substr(0, good.size() - 3),             // truncated text frame
      good.substr(0, 12),                          // truncated card frame
  };
  for (const auto& data : damaged) {
    CAPTURE(data);
    CHECK_THROWS_AS(decode_document_data(data), Xapian::DatabaseCorruptError);
  }
  // Any byte changed in any frame (each carries a checksum).
  for (std::size_t i = 8; i < good.size(); ++i) {
    std::string flipped = good;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    CAPTURE(i);
    CHECK_THROWS_AS(decode_document_data(flipped), Xapian::DatabaseCorruptError);
  }
}

TEST_CASE("build() for a post without date, tags or headings", "[document]") {
  const Post post = parse_post("Just a body.\n", "notes/plain.md", ReadOptions{});
  DocumentBuilder builder;
  const Xapian::Document doc = builder.build(post, {"notes/plain.md", "h", ""});
  const auto terms = terms_of(doc);
  CHECK(terms_with_prefix(terms, "Y").empty());
  CHECK(terms_with_prefix(terms, "K").empty());
  CHECK(terms.count("Qnotes/plain") == 1);
  CHECK(doc.get_value(schema::kDate).empty());
  CHECK(doc.get_value(schema::kTags).empty());
  const std::string data = doc.get_data();
  const DocumentData parts = decode_document_data(data);
  CHECK(nlohmann::json::parse(parts.sections) == nlohmann::json::array());
  CHECK(deserialise_card(parts.card).date.empty());
  CHECK(parts.text == "Just a body.\n");
}

TEST_CASE("one builder builds independent documents", "[document]") {
  DocumentBuilder builder;
  const Post a = parse_post("---\ntitle: Alpha\ntags: [one]\n---\nalphabody\n", "a.md", {});
  const Post b = parse_post("---\ntitle: Beta\n---\nbetabody\n", "b.md", {});
  const Xapian::Document da = builder.build(a, {"a.md", "1", ""});
  const Xapian::Document db = builder.build(b, {"b.md", "2", ""});
  const auto ta = terms_of(da), tb = terms_of(db);
  CHECK(ta.count("alphabody") == 1);
  CHECK(tb.count("alphabody") == 0);
  CHECK(tb.count("Kone") == 0);
  CHECK(tb.count("Qa") == 0);
  CHECK(tb.count("betabody") == 1);
}

TEST_CASE("a huge post's stored text is capped at a character boundary", "[document]") {
  std::string body = "# Start\n\n";
  while (body.size() < 700 * 1024) body += "caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9" "e. ";
  body += "\n\n## Late heading\n\nEnd.\n";
  const Post post = parse_post(body, "huge.md", {});
  DocumentBuilder builder;
  const Xapian::Document doc = builder.build(post, {"huge.md", "h", ""});
  const std::string data = doc.get_data();
  const DocumentData parts = decode_document_data(data);
  const std::string stored(parts.text);
  CHECK(stored.size() <= 512 * 1024);
  CHECK(stored.size() > 500 * 1024);
  CHECK(post.body.text.rfind(stored, 0) == 0);
  CHECK_FALSE(text::find_invalid_utf8(stored).has_value());
  // Only sections that start inside the stored text are listed.
  const auto sections = nlohmann::json::parse(parts.sections);
  REQUIRE(sections.size() == 1);
  CHECK(sections[0][1] == "Start");
  // The whole post is still searchable.
  CHECK(terms_of(doc).count("late") == 1);
}
