// A fresh build written by several threads, each into a part merged when published
// (indexer/build_writer.h), must be the index one thread writes: same documents with the same
// terms, positions, values and data, same spelling dictionary, same answers.
#include <catch2/catch.hpp>

#include <map>
#include <sstream>

#include <xapian.h>

#include "common/searcher.h"
#include "indexer/build_writer.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

// Everything a document holds, in a comparable form; keyed by its unique (Q) term.
std::map<std::string, std::string> documents(const Xapian::Database& db) {
  std::map<std::string, std::string> out;
  for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
    const Xapian::Document doc = db.get_document(*d);
    std::ostringstream all;
    std::string unique;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      if ((*t)[0] == 'Q') unique = *t;
      all << *t << ':' << t.get_wdf() << '[';
      for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) all << *p << ',';
      all << "] ";
    }
    for (auto v = doc.values_begin(); v != doc.values_end(); ++v) {
      all << 'v' << v.get_valueno() << '=' << *v << ' ';
    }
    all << doc.get_data();
    out[unique] = all.str();
  }
  return out;
}

std::map<std::string, Xapian::doccount> spellings(const Xapian::Database& db) {
  std::map<std::string, Xapian::doccount> out;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) out[*it] = it.get_termfreq();
  return out;
}

std::vector<std::string> answer(const fs::path& db, const std::string& q) {
  SearchRequest r;
  r.query = q;
  r.per_page = 20;
  std::vector<std::string> out;
  for (const auto& hit : Searcher(db).search(r).hits) out.push_back(hit.slug);
  return out;
}

IndexReport build(const fs::path& posts, const fs::path& db, std::size_t jobs, bool full = false) {
  IndexOptions options;
  options.posts_dirs = {posts};
  options.db_path = db;
  options.jobs = jobs;
  options.full = full;
  return update_index(options);
}

}  // namespace

TEST_CASE("a build written in parts equals one written by one thread (Go blog)", "[indexer][parallel]") {
  TempDir dir;
  const fs::path posts = postsearch::testing::corpora_dir() / "go-blog";
  const IndexReport one = build(posts, dir / "one", 1);
  const IndexReport three = build(posts, dir / "three", 3);
  REQUIRE(one.posts > 250);
  CHECK(three.posts == one.posts);
  CHECK(three.added == one.added);
  CHECK(three.skipped.size() == one.skipped.size());

  const Xapian::Database a((dir / "one").string()), b((dir / "three").string());
  CHECK(b.get_doccount() == a.get_doccount());
  CHECK(b.get_total_length() == a.get_total_length());
  const auto docs_a = documents(a), docs_b = documents(b);
  REQUIRE(docs_a.size() == one.posts);
  CHECK(docs_a == docs_b);
  const auto spell_a = spellings(a);
  CHECK(spell_a.size() > 1000);
  CHECK(spell_a == spellings(b));  // frequencies summed over the parts
  CHECK(b.get_metadata("postsearch:synonyms") == a.get_metadata("postsearch:synonyms"));
  CHECK(!a.get_metadata("postsearch:synonyms").empty());
  // One database after publishing, not a stub over the parts.
  CHECK(!fs::exists(dir / "three" / "gen-000001.build"));
  for (const std::string q : {"generics", "garbage collector", "modules proxy", "contexts"}) {
    INFO(q);
    CHECK(answer(dir / "one", q) == answer(dir / "three", q));
  }
}

TEST_CASE("a full build in parts carries a broken post's last good version", "[indexer][parallel]") {
  TempDir dir;
  const std::string head = "---\ntitle: \"Post\"\ndate: 2021-01-01\n---\n";
  for (int i = 0; i < 20; ++i) {
    write_file(dir / "posts" / ("p" + std::to_string(i) + ".md"), head + "common words " + std::to_string(i) + "\n");
  }
  write_file(dir / "posts" / "keep.md", head + "marmalade\n");
  build(dir / "posts", dir / "db", 2);
  write_file(dir / "posts" / "keep.md", "---\ntitle: \"unterminated\n");
  const IndexReport r = build(dir / "posts", dir / "db", 2, true);
  CHECK(r.skipped.size() == 1);
  CHECK(r.posts == 21);
  CHECK(answer(dir / "db", "marmalade") == std::vector<std::string>{"keep"});
  CHECK(answer(dir / "db", "common").size() == 20);
  // Its spellings came along with it.
  const auto words = spellings(Xapian::Database((dir / "db").string()));
  CHECK(words.at("marmalade") == 1);
  CHECK(words.at("common") == 20);
}

TEST_CASE("a writer's failure reaches the indexer's thread", "[indexer][parallel]") {
  TempDir dir;
  Xapian::WritableDatabase db((dir / "db").string(), Xapian::DB_CREATE);
  BuildWriter writer(db);
  Xapian::Document too_long;
  too_long.add_term(std::string(300, 'x'));  // over Xapian's term length limit
  writer.add(std::move(too_long));
  CHECK_THROWS_AS(writer.finish(), Xapian::InvalidArgumentError);
}

TEST_CASE("a writer stopped early drops its queue and joins", "[indexer][parallel]") {
  TempDir dir;
  Xapian::WritableDatabase db((dir / "db").string(), Xapian::DB_CREATE);
  {
    BuildWriter writer(db);
    for (int i = 0; i < 200; ++i) {
      Xapian::Document doc;
      doc.add_term("word" + std::to_string(i));
      writer.add(std::move(doc));
    }
  }  // destroyed without finish(): a failed build
  CHECK(db.get_doccount() <= 200);
  Xapian::Document doc;
  doc.add_term("after");
  db.add_document(doc);  // the database is usable again on this thread
  CHECK(db.get_termfreq("after") == 1);
}
