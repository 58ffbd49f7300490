// Sharded indexing (`postsearch-index --shards N`): the placement rule is pinned, each post
// lives in the shard its slug hashes to, the shards together hold exactly what one unsharded
// index of the same posts holds, changes reach the right shard (and only it), and
// DB/dictionary holds the whole corpus's spelling and synonym tables.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include <xapian.h>

#include "common/errors.h"
#include "common/schema.h"
#include "common/shards.h"
#include "indexer/index_store.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

std::string post(const std::string& title, const std::string& body, const std::string& extra = "") {
  return "---\ntitle: \"" + title + "\"\ndate: 2022-02-03\n" + extra + "---\n" + body + "\n";
}

// One document as a reader sees it: its data, every value and every term with its wdf.
struct DocView {
  std::string data;
  std::map<Xapian::valueno, std::string> values;
  std::vector<std::pair<std::string, Xapian::termcount>> terms;
  bool operator==(const DocView&) const = default;
};

DocView view(const Xapian::Document& doc) {
  DocView v;
  v.data = doc.get_data();
  for (auto it = doc.values_begin(); it != doc.values_end(); ++it) v.values[it.get_valueno()] = *it;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    v.terms.emplace_back(*it, it.get_wdf());
  }
  return v;
}

// slug -> document, over one database.
std::map<std::string, DocView> documents(const Xapian::Database& db) {
  std::map<std::string, DocView> out;
  for (auto it = db.postlist_begin(""); it != db.postlist_end(""); ++it) {
    const Xapian::Document doc = db.get_document(*it);
    out[doc.get_value(schema::kSlug)] = view(doc);
  }
  return out;
}

std::vector<std::pair<std::string, Xapian::doccount>> spellings(const Xapian::Database& db) {
  std::vector<std::pair<std::string, Xapian::doccount>> out;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) {
    out.emplace_back(*it, it.get_termfreq());
  }
  return out;
}

bool has_spelling(const Xapian::Database& db, const std::string& word) {
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) {
    if (*it == word) return true;
  }
  return false;
}

std::vector<std::string> synonyms(const Xapian::Database& db) {
  std::vector<std::string> out;
  for (auto key = db.synonym_keys_begin(); key != db.synonym_keys_end(); ++key) {
    for (auto it = db.synonyms_begin(*key); it != db.synonyms_end(*key); ++it) {
      out.push_back(*key + " -> " + *it);
    }
  }
  return out;
}

// The live generation named by an index directory's stub.
std::string generation(const fs::path& index_dir) {
  std::ifstream stub(index_dir / "XAPIANDB");
  std::string backend, name;
  stub >> backend >> name;
  return name;
}

struct Fixture {
  TempDir dir;
  IndexOptions options;    // sharded, into dir/index
  IndexOptions unsharded;  // the same posts, one database, into dir/single
  explicit Fixture(std::size_t shards = 3) {
    fs::create_directories(posts());
    options.posts_dirs = {posts()};
    options.db_path = dir / "index";
    options.shards = shards;
    unsharded = options;
    unsharded.db_path = dir / "single";
    unsharded.shards = 0;
  }
  fs::path posts() const { return dir / "posts"; }
  fs::path shard(std::size_t k) const { return options.db_path / shards::shard_name(k); }
  fs::path dictionary() const { return options.db_path / kDictionaryDir; }
  IndexReport run() { return update_index(options); }

  // slug -> the shard that holds it (each slug must be in exactly one).
  std::map<std::string, std::size_t> placement() const {
    std::map<std::string, std::size_t> out;
    for (std::size_t k = 0; k < options.shards; ++k) {
      for (const auto& [slug, doc] : documents(Xapian::Database(shard(k).string()))) {
        INFO(slug);
        CHECK(out.emplace(slug, k).second);
      }
    }
    return out;
  }
  std::map<std::string, DocView> union_of_shards() const {
    std::map<std::string, DocView> out;
    for (std::size_t k = 0; k < options.shards; ++k) {
      out.merge(documents(Xapian::Database(shard(k).string())));
    }
    return out;
  }
  // "gen-000001@3" per shard, then the dictionary's: changes with any commit or swap.
  std::vector<std::string> revisions() const {
    const auto version = [](const fs::path& index_dir) {
      return generation(index_dir) + "@" +
             std::to_string(Xapian::Database(index_dir.string()).get_revision());
    };
    std::vector<std::string> out;
    for (std::size_t k = 0; k < options.shards; ++k) out.push_back(version(shard(k)));
    out.push_back(version(dictionary()));
    return out;
  }
  // The sharded index equals a fresh unsharded build of the same posts: same documents
  // (data, values, terms), each in its slug's shard; the dictionary has its spellings and
  // synonyms and no document.
  void check_equals_unsharded() const {
    TempDir fresh;
    IndexOptions single = unsharded;
    single.db_path = fresh / "single";
    update_index(single);
    const Xapian::Database one(single.db_path.string());
    const auto expected = documents(one);
    const auto got = union_of_shards();
    CHECK(got.size() == expected.size());
    for (const auto& [slug, doc] : expected) {
      INFO(slug);
      const auto it = got.find(slug);
      REQUIRE(it != got.end());
      CHECK(it->second == doc);
    }
    for (const auto& [slug, k] : placement()) {
      INFO(slug);
      CHECK(k == shards::shard_of(slug, options.shards));
    }
    const Xapian::Database dict(dictionary().string());
    CHECK(dict.get_doccount() == 0);
    CHECK(spellings(dict) == spellings(one));
    CHECK(synonyms(dict) == synonyms(one));
    CHECK(!synonyms(dict).empty());
  }
  // A slug (as written in front matter) that lands in a shard other than `not_in`.
  std::string slug_outside(std::size_t not_in, const std::string& stem) const {
    for (int i = 0;; ++i) {
      const std::string slug = stem + "-" + std::to_string(i);
      if (shards::shard_of(slug, options.shards) != not_in) return slug;
    }
  }
};

void write_corpus(const Fixture& f) {
  const char* words[] = {"apple", "banana", "cherry", "damson", "elderberry", "fig", "grape",
                         "huckleberry", "imbe", "jackfruit", "kiwi", "lime"};
  for (int i = 0; i < 12; ++i) {
    write_file(f.posts() / ("p" + std::to_string(i) + ".md"),
               post("Fruit " + std::string(words[i]),
                    "Shared words about golang orchards and " + std::string(words[i]) +
                        " harvesting " + std::to_string(i),
                    "tags: [fruit, t" + std::to_string(i % 3) + "]\n"));
  }
  write_file(f.posts() / "nested/deep.md", post("Deep post", "kubernetes zebra lonelyword"));
}

}  // namespace

TEST_CASE("the shard placement rule is pinned", "[sharded-index]") {
  // FNV-1a 64 test vectors, and placements that must never change (a change would move
  // posts between shards of every existing index).
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(shards::shard_of("a", 3) == 1);
  CHECK(shards::shard_of("a", 7) == 5);
  CHECK(shards::shard_of("go1.22", 3) == 1);
  CHECK(shards::shard_of("go1.22", 7) == 4);
  CHECK(shards::shard_of("async/uvloop-sanic-motor", 3) == 0);
  CHECK(shards::shard_of("async/uvloop-sanic-motor", 7) == 6);
  CHECK(shards::shard_of("anything", 1) == 0);
  CHECK(shards::shard_name(2) == "shard-2");
}

TEST_CASE("a sharded index holds each post in its slug's shard, like one index", "[sharded-index]") {
  Fixture f;
  write_corpus(f);
  const IndexReport first = f.run();
  CHECK(first.added == 13);
  CHECK(first.posts == 13);

  std::ifstream layout(f.options.db_path / "SHARDS");
  const std::string text((std::istreambuf_iterator<char>(layout)), std::istreambuf_iterator<char>());
  CHECK(text == "postsearch-shards 1\nshard-0\nshard-1\nshard-2\n");
  for (std::size_t k = 0; k < 3; ++k) CHECK(fs::exists(f.shard(k) / "XAPIANDB"));
  CHECK(fs::exists(f.dictionary() / "XAPIANDB"));

  f.check_equals_unsharded();
  // Every shard got some of the 13 posts (a sanity check on the spread, not a promise).
  std::set<std::size_t> used;
  for (const auto& [slug, k] : f.placement()) used.insert(k);
  CHECK(used.size() == 3);

  SECTION("searching the shards together finds what one index finds") {
    update_index(f.unsharded);
    Xapian::Database one(f.unsharded.db_path.string());
    Xapian::Database all;
    for (std::size_t k = 0; k < 3; ++k) all.add_database(Xapian::Database(f.shard(k).string()));
    for (const std::string q : {"golang", "harvesting fig", "zebra", "orchards OR kiwi"}) {
      INFO(q);
      std::set<std::string> found[2];
      int i = 0;
      for (Xapian::Database* db : {&one, &all}) {
        Xapian::QueryParser qp;
        qp.set_database(*db);
        qp.set_stemmer(Xapian::Stem("en"));
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
        Xapian::Enquire enquire(*db);
        enquire.set_query(qp.parse_query(q));
        const Xapian::MSet mset = enquire.get_mset(0, 100);
        for (auto it = mset.begin(); it != mset.end(); ++it) {
          found[i].insert(it.get_document().get_value(schema::kSlug));
        }
        ++i;
      }
      CHECK(!found[0].empty());
      CHECK(found[0] == found[1]);
    }
  }

  SECTION("a run with no change writes nothing, in any shard or the dictionary") {
    const auto before = f.revisions();
    const IndexReport again = f.run();
    CHECK((again.added == 0 && again.changed == 0 && again.removed == 0 && again.unchanged == 13));
    CHECK(f.revisions() == before);
    // Touched but not changed: the stamp is rewritten, nothing else.
    fs::last_write_time(f.posts() / "p3.md", fs::file_time_type::clock::now());
    CHECK(f.run().unchanged == 13);
    f.check_equals_unsharded();
  }

  SECTION("an edit replaces the post in its shard only") {
    const std::size_t k = shards::shard_of("p4", 3);
    const auto before = f.revisions();
    write_file(f.posts() / "p4.md", post("Fruit kiwi", "rewritten with quinces"));
    const IndexReport r = f.run();
    CHECK(r.changed == 1);
    CHECK(r.unchanged == 12);
    const auto after = f.revisions();
    for (std::size_t s = 0; s < 3; ++s) {
      INFO("shard " << s);
      CHECK((after[s] != before[s]) == (s == k));
    }
    CHECK(after[3] != before[3]);  // the dictionary learnt "quinces"
    CHECK(has_spelling(Xapian::Database(f.dictionary().string()), "quinces"));
    CHECK(f.placement().at("p4") == k);
    f.check_equals_unsharded();
  }

  SECTION("a new slug in front matter moves the post to its new shard") {
    const std::size_t from = shards::shard_of("p5", 3);
    const std::string slug = f.slug_outside(from, "moved");
    write_file(f.posts() / "p5.md", post("Fruit fig", "moved away", "slug: " + slug + "\n"));
    const IndexReport r = f.run();
    CHECK(r.added == 1);
    CHECK(r.removed == 1);
    CHECK(r.posts == 13);
    const auto where = f.placement();
    CHECK(where.count("p5") == 0);
    CHECK(where.at(slug) == shards::shard_of(slug, 3));
    CHECK(where.at(slug) != from);
    f.check_equals_unsharded();

    // Told only the changed path (the watch mode's runs): moving back works the same way.
    write_file(f.posts() / "p5.md", post("Fruit fig", "back home"));
    IndexOptions changed = f.options;
    changed.changed_paths = {f.posts() / "p5.md"};
    const IndexReport back = update_index(changed);
    CHECK(back.added == 1);
    CHECK(back.removed == 1);
    CHECK(back.unchanged == 12);
    CHECK(f.placement().at("p5") == from);
    f.check_equals_unsharded();
  }

  SECTION("a deleted post leaves its shard and its words leave the dictionary") {
    const std::size_t k = shards::shard_of("nested/deep", 3);
    CHECK(has_spelling(Xapian::Database(f.dictionary().string()), "lonelyword"));
    CHECK(Xapian::Database(f.shard(k).string()).term_exists("Qnested/deep"));
    fs::remove(f.posts() / "nested/deep.md");
    const IndexReport r = f.run();
    CHECK(r.removed == 1);
    CHECK(r.posts == 12);
    CHECK(!Xapian::Database(f.shard(k).string()).term_exists("Qnested/deep"));
    const Xapian::Database dict(f.dictionary().string());
    CHECK(!has_spelling(dict, "lonelyword"));
    CHECK(has_spelling(dict, "harvesting"));
    f.check_equals_unsharded();
  }

  SECTION("--full rebuilds every shard and the dictionary") {
    std::vector<std::string> before;
    for (std::size_t k = 0; k < 3; ++k) before.push_back(generation(f.shard(k)));
    before.push_back(generation(f.dictionary()));
    write_file(f.posts() / "p0.md", post("Fruit apple", "changed during the full run"));
    IndexOptions full = f.options;
    full.full = true;
    full.shards = 0;  // the recorded number is used
    const IndexReport r = update_index(full);
    CHECK(r.changed == 1);
    CHECK(r.unchanged == 12);
    CHECK(r.posts == 13);
    for (std::size_t k = 0; k < 3; ++k) CHECK(generation(f.shard(k)) != before[k]);
    CHECK(generation(f.dictionary()) != before[3]);
    f.check_equals_unsharded();
  }

  SECTION("a different number of shards is refused, and nothing is written") {
    const auto before = f.revisions();
    IndexOptions other = f.options;
    other.shards = 4;
    try {
      update_index(other);
      FAIL("--shards 4 on a 3-shard index was accepted");
    } catch (const IndexWriteError& e) {
      CHECK(std::string(e.what()).find("split into 3 shards, not 4") != std::string::npos);
    }
    CHECK(!fs::exists(f.options.db_path / "shard-3"));
    CHECK(f.revisions() == before);
    // Without --shards, the recorded number is used.
    IndexOptions plain = f.options;
    plain.shards = 0;
    CHECK(update_index(plain).unchanged == 13);
    // The top directory is not an unsharded index, whatever opens it for writing.
    CHECK_THROWS_AS(IndexStore(f.options.db_path), IndexWriteError);
  }

  SECTION("a dictionary lost or behind its shards is rebuilt by the next run, even with no change") {
    // As after a run killed between its last shard commit and the dictionary's swap.
    fs::remove_all(f.dictionary());
    CHECK(f.run().unchanged == 13);
    f.check_equals_unsharded();
    // A shard committed since the dictionary was built (here by hand) makes it stale: rebuilt.
    const std::size_t k = shards::shard_of("p7", 3);
    {
      Xapian::WritableDatabase shard(f.shard(k).string(), Xapian::DB_OPEN);
      shard.add_spelling("strangeword");
      shard.commit();
    }
    f.run();
    CHECK(has_spelling(Xapian::Database(f.dictionary().string()), "strangeword"));
  }

  SECTION("a second indexer is refused while one holds the sharded index") {
    const DirectoryLock held(f.options.db_path);
    try {
      f.run();
      FAIL("a second indexer was let in");
    } catch (const IndexWriteError& e) {
      CHECK(std::string(e.what()).find("being updated by another postsearch-index") != std::string::npos);
    }
  }
}

TEST_CASE("an unsharded index refuses a number of shards", "[sharded-index]") {
  Fixture f;
  write_corpus(f);
  IndexOptions single = f.options;
  single.shards = 0;
  update_index(single);
  try {
    f.run();
    FAIL("--shards on an unsharded index was accepted");
  } catch (const IndexWriteError& e) {
    CHECK(std::string(e.what()).find("holds an unsharded index") != std::string::npos);
  }
  CHECK(!fs::exists(f.options.db_path / "SHARDS"));
  CHECK(update_index(single).unchanged == 13);
}

TEST_CASE("a damaged shard list is refused", "[sharded-index]") {
  Fixture f;
  write_corpus(f);
  f.run();
  write_file(f.options.db_path / "SHARDS", "postsearch-shards 1\nshard-0\nshard-7\nshard-2\n");
  CHECK_THROWS_AS(f.run(), IndexWriteError);
  write_file(f.options.db_path / "SHARDS", "something else\n");
  CHECK_THROWS_AS(f.run(), IndexWriteError);
}

TEST_CASE("the Go blog in 3 shards: every post, balanced, then all unchanged", "[sharded-index][corpus]") {
  const fs::path corpus = postsearch::testing::corpora_dir() / "go-blog";
  REQUIRE(fs::is_directory(corpus));
  TempDir tmp;
  IndexOptions options;
  options.posts_dirs = {corpus};
  options.db_path = tmp / "index";
  options.shards = 3;
  const IndexReport first = update_index(options);
  INFO(first.summary());
  CHECK(first.skipped.empty());
  CHECK(first.posts == 276);  // 336 files, 60 redirect stubs (as corpus_tests)
  std::size_t total = 0;
  std::vector<std::size_t> sizes;
  for (std::size_t k = 0; k < 3; ++k) {
    const Xapian::Database shard((options.db_path / shards::shard_name(k)).string());
    sizes.push_back(shard.get_doccount());
    total += sizes.back();
    for (auto it = shard.valuestream_begin(schema::kSlug); it != shard.valuestream_end(schema::kSlug); ++it) {
      CHECK(shards::shard_of(*it, 3) == k);
    }
  }
  CHECK(total == 276);
  const double mean = total / 3.0;
  for (std::size_t k = 0; k < 3; ++k) {
    INFO("shard " << k << ": " << sizes[k] << " posts, mean " << mean);
    CHECK(sizes[k] >= 0.75 * mean);
    CHECK(sizes[k] <= 1.25 * mean);
  }
  const IndexReport second = update_index(options);
  CHECK(second.unchanged == 276);
  CHECK((second.added == 0 && second.changed == 0 && second.removed == 0));
}
