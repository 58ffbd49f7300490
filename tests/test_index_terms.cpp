// common/index_terms.h: the terms both sides build from one value, and that the index and a
// request agree on them for values of any length.
#include <catch2/catch.hpp>

#include <string>

#include <xapian.h>

#include "common/hash.h"
#include "common/index_terms.h"
#include "common/searcher.h"
#include "common/text.h"
#include "indexer/index_updater.h"
#include "test_support.h"

using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

TEST_CASE("unique_id is Q + slug, bounded for long slugs", "[terms]") {
  CHECK(terms::unique_id("async/uvloop") == "Qasync/uvloop");
  CHECK(terms::unique_id("") == "Q");

  const std::string long_a = std::string(300, 'a');
  const std::string long_b = std::string(299, 'a') + "b";  // differs only at the end
  const std::string ta = terms::unique_id(long_a);
  const std::string tb = terms::unique_id(long_b);
  CHECK(ta.size() <= 245);
  CHECK(tb.size() <= 245);
  CHECK(ta != tb);
  CHECK(ta.rfind("Qaaaa", 0) == 0);
  CHECK(terms::unique_id(long_a) == ta);  // stable

  // Just under and just over the limit.
  const std::string fits(239, 's');
  CHECK(terms::unique_id(fits) == "Q" + fits);
  CHECK(terms::unique_id(fits + "s").size() <= 245);
  CHECK(terms::unique_id(fits + "s") != terms::unique_id(fits + "t"));

  // A long multi-byte slug is not cut inside a character.
  std::string accented;
  for (int i = 0; i < 150; ++i) accented += "\xC3\xA9";  // 300 bytes of "é"
  const std::string te = terms::unique_id(accented);
  CHECK(te.size() <= 245);
  CHECK_FALSE(text::find_invalid_utf8(te).has_value());

  // Xapian accepts it as a term.
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  Xapian::Document doc;
  doc.add_boolean_term(ta);
  doc.add_boolean_term(te);
  CHECK_NOTHROW(db.replace_document(ta, doc));
  CHECK(db.term_exists(ta));
}

TEST_CASE("shortened terms end in the FNV-1a of the whole value, the same in every build", "[terms]") {
  const std::string tag(300, 'x');
  const std::string term = terms::tag(tag);
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(tag)));
  CHECK(term.size() == terms::kMaxTermBytes - 17 + 17);
  CHECK(term.substr(term.size() - 17) == std::string("#") + hash);
  // Pinned: the value is written to disk, so it must never change with a compiler or library.
  CHECK(fnv1a64(tag) == 0xe78ddf9f1ba85555ULL);
  CHECK(terms::tag("Python") == "Kpython");
  CHECK(terms::tag(std::string(300, 'X')) == term);  // folded before it is shortened
  CHECK(terms::year("2019") == "Y2019");
  CHECK(terms::alias("https://blog.example/2014/12/12/x.html/") == "XA2014/12/12/x.html");
  CHECK(terms::normalise_alias(" /a/b/ ") == "a/b");
  CHECK(terms::alias("https://blog.example/").empty());  // no path: no term
  CHECK(terms::exact_title("  The Go   Blog! ") == "XT" + text::normalise_for_match("The Go Blog!"));
  CHECK(terms::exact_title("!!!").empty());
}

TEST_CASE("a long tag, alias and title are found by the search that names them", "[terms][searcher]") {
  // Values over Xapian's term limit are shortened the same way when indexed and when
  // searched: a long tag filter, an old URL and an exact title each find their post.
  const std::string tag = "release-notes-" + std::string(280, 'q');
  const std::string alias = "/archive/" + std::string(280, 'p') + ".html";
  std::string title = "Notes";
  for (char c = 'a'; c < 'a' + 15; ++c) title += " " + std::string(20, c);  // 320 bytes, 16 words
  TempDir dir;
  write_file(dir / "posts/long.md", "---\ntitle: \"" + title + "\"\ntags: [\"" + tag +
                                        "\", short]\naliases: [\"" + alias +
                                        "\"]\n---\nBody words about zebras.\n");
  write_file(dir / "posts/other.md", "---\ntitle: Other\ntags: [short]\n---\nAbout zebras too, and a very long title.\n");
  IndexOptions options;
  options.posts_dirs = {dir / "posts"};
  options.db_path = dir / "index";
  REQUIRE(update_index(options).skipped.empty());
  Searcher searcher(options.db_path);

  SearchRequest by_tag;
  by_tag.query = "zebras";
  by_tag.tags = {tag};
  auto hits = searcher.search(by_tag).hits;
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].slug == "long");

  by_tag.tags = {text::fold_case("RELEASE-NOTES-") + std::string(280, 'Q')};
  CHECK(searcher.search(by_tag).hits.size() == 1);

  SearchRequest by_field;
  by_field.query = "tag:" + tag;
  hits = searcher.search(by_field).hits;
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].slug == "long");

  SearchRequest by_alias;
  by_alias.query = "https://old.example" + alias;
  hits = searcher.search(by_alias).hits;
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].slug == "long");

  SearchRequest by_title;
  by_title.query = title;
  by_title.per_page = 2;
  hits = searcher.search(by_title).hits;
  REQUIRE_FALSE(hits.empty());
  CHECK(hits[0].slug == "long");
}
