// The indexer against temporary posts directories: every kind of change, bad posts, slug
// conflicts, drafts, and the promise that an incremental run equals a fresh build.
#include <catch2/catch.hpp>

#include <fstream>

#include <xapian.h>

#include "common/errors.h"
#include "common/searcher.h"
#include "indexer/index_store.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

std::string post(const std::string& title, const std::string& body,
                 const std::string& extra = "") {
  return "---\ntitle: \"" + title + "\"\ndate: 2020-05-01\n" + extra + "---\n" + body + "\n";
}

struct Fixture {
  TempDir dir;
  IndexOptions options;
  Fixture() {
    fs::create_directories(dir / "posts");
    options.posts_dirs = {dir / "posts"};
    options.db_path = dir / "index";
  }
  fs::path posts() const { return dir / "posts"; }
  IndexReport run() { return update_index(options); }
  std::vector<std::string> slugs_for(const std::string& q) {
    Searcher searcher(options.db_path);
    SearchRequest r;
    r.query = q;
    r.per_page = 100;
    std::vector<std::string> out;
    for (const auto& hit : searcher.search(r).hits) out.push_back(hit.slug);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::optional<Card> card(const std::string& slug) {
    return Searcher(options.db_path).find_post(slug);
  }
};

}  // namespace

TEST_CASE("an incremental run adds, changes, removes and leaves alone", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "b.md", post("Beta", "bananas"));
  write_file(f.posts() / "sub/c.md", post("Gamma", "cherries"));
  auto r = f.run();
  CHECK(r.added == 3);
  CHECK(r.posts == 3);
  CHECK(r.summary().rfind("3 posts: 3 added, 0 changed, 0 removed, 0 unchanged, synonyms updated in ", 0) == 0);

  r = f.run();
  CHECK((r.added == 0 && r.changed == 0 && r.removed == 0 && r.unchanged == 3));

  write_file(f.posts() / "a.md", post("Alpha", "apricots"));
  fs::remove(f.posts() / "b.md");
  write_file(f.posts() / "d.md", post("Delta", "dates"));
  r = f.run();
  CHECK(r.added == 1);
  CHECK(r.changed == 1);
  CHECK(r.removed == 1);
  CHECK(r.unchanged == 1);
  CHECK(r.posts == 3);
  CHECK(f.slugs_for("apricots") == std::vector<std::string>{"a"});
  CHECK(f.slugs_for("apples").empty());
  CHECK(f.slugs_for("bananas").empty());
  CHECK(f.card("sub/c"));
}

TEST_CASE("renames, moves and slug changes follow the slug rules", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "old-name.md", post("Moving post", "wanderlust"));
  write_file(f.posts() / "fixed.md", post("Fixed slug", "steadfast", "slug: permanent/home\n"));
  f.run();
  fs::create_directories(f.posts() / "dir");
  fs::rename(f.posts() / "old-name.md", f.posts() / "dir/new-name.md");
  fs::create_directories(f.posts() / "elsewhere");
  fs::rename(f.posts() / "fixed.md", f.posts() / "elsewhere/fixed.md");
  const auto r = f.run();
  CHECK(f.slugs_for("wanderlust") == std::vector<std::string>{"dir/new-name"});
  CHECK(!f.card("old-name"));
  // Same slug from front matter: the post is replaced in place, not removed and re-added.
  CHECK(f.slugs_for("steadfast") == std::vector<std::string>{"permanent/home"});
  CHECK(r.posts == 2);
  CHECK(r.added == 1);
  CHECK(r.removed == 1);
  CHECK(r.changed == 1);
}

TEST_CASE("a broken post is reported with path and line; the rest are indexed", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "good.md", post("Good", "fine words"));
  write_file(f.posts() / "broken.md", "---\ntitle: [unclosed\n---\nbody\n");
  write_file(f.posts() / "binary.md", std::string("\x7f" "ELF\0\0\x01", 7));
  write_file(f.posts() / "latin1.md", "---\ntitle: Caf\xE9\n---\nbody\n");
  write_file(f.posts() / "bad-date.md", "---\ntitle: Bad date\ntags: [x]\npublishDate: 2019-02-30\n---\ntext\n");
  const auto r = f.run();
  CHECK(r.posts == 1);
  REQUIRE(r.skipped.size() == 4);
  std::map<std::string, SkippedPost> by_file;
  for (const auto& s : r.skipped) by_file[fs::path(s.path).filename().string()] = s;
  CHECK(by_file.at("broken.md").describe().find("/broken.md:") != std::string::npos);
  CHECK(by_file.at("broken.md").line >= 2);
  CHECK(by_file.at("broken.md").reason.find("YAML") != std::string::npos);
  CHECK(by_file.at("binary.md").reason.find("NUL") != std::string::npos);
  CHECK(by_file.at("latin1.md").line == 2);
  CHECK(by_file.at("latin1.md").reason.find("UTF-8") != std::string::npos);
  CHECK(by_file.at("bad-date.md").reason.find("publishDate") != std::string::npos);
  CHECK(by_file.at("bad-date.md").line == 4);
}

TEST_CASE("a post that breaks keeps its last good version in the index", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "p.md", post("Stable", "marmalade"));
  f.run();
  write_file(f.posts() / "p.md", "---\ntitle: \"unterminated\n");
  const auto r = f.run();
  CHECK(r.skipped.size() == 1);
  CHECK(r.removed == 0);
  CHECK(f.slugs_for("marmalade") == std::vector<std::string>{"p"});
  write_file(f.posts() / "p.md", post("Stable", "quince"));
  CHECK(f.run().changed == 1);
  CHECK(f.slugs_for("marmalade").empty());
}

TEST_CASE("drafts, stubs, hidden and non-Markdown files are not search results", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "draft.md", post("Draft", "secretive", "draft: true\n"));
  write_file(f.posts() / "stub.md", "---\nredirect: /blog/elsewhere\n---\n");
  write_file(f.posts() / "empty.md", "");
  write_file(f.posts() / ".hidden/x.md", post("Hidden", "secretive"));
  write_file(f.posts() / "notes.txt", "secretive");
  write_file(f.posts() / "UPPER.MARKDOWN", post("Upper", "shouting"));
  auto r = f.run();
  CHECK(r.posts == 1);
  CHECK(r.ignored == 3);
  CHECK(f.slugs_for("secretive").empty());
  CHECK(f.slugs_for("shouting") == std::vector<std::string>{"UPPER"});

  f.options.include_drafts = true;
  r = f.run();
  CHECK(f.slugs_for("secretive") == std::vector<std::string>{"draft"});
  f.options.include_drafts = false;
  write_file(f.posts() / "draft.md", post("Draft", "secretive", "draft: yes\n"));
  r = f.run();
  CHECK(r.removed == 1);
  CHECK(f.slugs_for("secretive").empty());
}

TEST_CASE("duplicate slugs: the first file in path order wins, with a warning", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "b/post.md", post("Second", "duplicate zebra", "slug: same\n"));
  write_file(f.posts() / "a/post.md", post("First", "duplicate yak", "slug: same\n"));
  const auto r = f.run();
  REQUIRE(r.conflicts.size() == 1);
  CHECK(r.conflicts[0].slug == "same");
  CHECK(fs::path(r.conflicts[0].winner).parent_path().filename() == "a");
  CHECK(r.posts == 1);
  CHECK(f.card("same")->title == "First");
  // Removing the winner lets the other file have the slug.
  fs::remove(f.posts() / "a/post.md");
  f.run();
  CHECK(f.card("same")->title == "Second");
}

TEST_CASE("an incrementally updated index answers like a fresh build", "[indexer]") {
  Fixture inc;
  for (int i = 0; i < 12; ++i) {
    write_file(inc.posts() / ("p" + std::to_string(i) + ".md"),
               post("Post " + std::to_string(i), "common words and word" + std::to_string(i),
                    "tags: [t" + std::to_string(i % 3) + "]\n"));
  }
  inc.run();
  for (int i = 0; i < 12; i += 3) fs::remove(inc.posts() / ("p" + std::to_string(i) + ".md"));
  write_file(inc.posts() / "p1.md", post("Post one", "common words rewritten", "tags: [t9]\n"));
  write_file(inc.posts() / "p20.md", post("Post 20", "common words new", "tags: [t0]\n"));
  inc.run();

  Fixture fresh;
  fs::copy(inc.posts(), fresh.posts(), fs::copy_options::recursive);
  fresh.run();

  {
    // The spelling dictionary holds the same words with the same frequencies.
    Xapian::Database da(inc.options.db_path.string()), dbf(fresh.options.db_path.string());
    std::vector<std::pair<std::string, Xapian::doccount>> wa, wb;
    for (auto it = da.spellings_begin(); it != da.spellings_end(); ++it) wa.emplace_back(*it, it.get_termfreq());
    for (auto it = dbf.spellings_begin(); it != dbf.spellings_end(); ++it) wb.emplace_back(*it, it.get_termfreq());
    CHECK(!wa.empty());
    CHECK(wa == wb);
  }
  Searcher a(inc.options.db_path), b(fresh.options.db_path);
  for (const std::string q : {"common", "words", "post", "", "rewritten", "tag:t0"}) {
    INFO(q);
    SearchRequest r;
    r.query = q;
    r.per_page = 100;
    const auto ra = a.search(r), rb = b.search(r);
    CHECK(ra.total == rb.total);
    CHECK(ra.tag_counts == rb.tag_counts);
    CHECK(ra.year_counts == rb.year_counts);
    REQUIRE(ra.hits.size() == rb.hits.size());
    for (std::size_t i = 0; i < ra.hits.size(); ++i) {
      CHECK(ra.hits[i].slug == rb.hits[i].slug);
      CHECK(ra.hits[i].snippet == rb.hits[i].snippet);
      CHECK(ra.hits[i].score == rb.hits[i].score);
    }
  }
}

TEST_CASE("files are compared by modification time and size before their bytes", "[indexer]") {
  Fixture f;
  const fs::path file = f.posts() / "a.md";
  write_file(file, post("Alpha", "original words"));
  // Saved a minute ago: past the racy window, so its stamp is trusted.
  const auto stamp = fs::last_write_time(file) - std::chrono::seconds(60);
  fs::last_write_time(file, stamp);
  f.run();

  // Touched, same bytes: unchanged (the new stamp is remembered).
  fs::last_write_time(file, stamp + std::chrono::seconds(5));
  auto r = f.run();
  CHECK(r.unchanged == 1);
  CHECK(r.changed == 0);

  // Same size and the old stamp put back: taken as unchanged without reading it (the price
  // of not reading every file on every run, as make and rsync pay it)...
  write_file(file, post("Alpha", "replaced words"));
  REQUIRE(fs::file_size(file) == post("Alpha", "original words").size());
  fs::last_write_time(file, stamp + std::chrono::seconds(5));
  r = f.run();
  CHECK(r.unchanged == 1);
  CHECK(f.slugs_for("replaced").empty());
  // ...which --full always reads.
  f.options.full = true;
  r = f.run();
  CHECK(r.changed == 1);
  CHECK(f.slugs_for("replaced") == std::vector<std::string>{"a"});
}

TEST_CASE("a second same-size save within one clock tick of the first is indexed", "[indexer]") {
  // Git's "racily clean" case: a run reads a file just saved; the file is saved again in the
  // same clock tick (same mtime) at the same size. The stamp the run saw must not hide it.
  Fixture f;
  const fs::path file = f.posts() / "a.md";
  write_file(file, post("Alpha", "original words"));
  const auto first_save = fs::last_write_time(file);
  f.run();
  write_file(file, post("Alpha", "replaced words"));
  REQUIRE(fs::file_size(file) == post("Alpha", "original words").size());
  fs::last_write_time(file, first_save);  // the same tick
  auto r = f.run();
  CHECK(r.changed == 1);
  CHECK(f.slugs_for("replaced") == std::vector<std::string>{"a"});
  CHECK(f.slugs_for("original").empty());

  // Once the save is older than the window, its stamp is recorded and trusted again: an
  // unchanged file is not rewritten.
  fs::last_write_time(file, first_save - std::chrono::seconds(60));
  r = f.run();
  CHECK(r.unchanged == 1);
  write_file(file, post("Alpha", "original words"));
  fs::last_write_time(file, first_save - std::chrono::seconds(60));
  r = f.run();
  CHECK(r.unchanged == 1);  // the recorded stamp matched: not read (see the test above)
  CHECK(f.slugs_for("replaced") == std::vector<std::string>{"a"});
}

TEST_CASE("words of removed posts leave the spelling dictionary", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "a.md", post("Alpha", "a xylophonist plays"));
  write_file(f.posts() / "b.md", post("Beta", "nothing musical"));
  f.run();
  Searcher searcher(f.options.db_path);
  SearchRequest r;
  r.query = "xylophonst";
  auto before = searcher.search(r);
  REQUIRE(before.corrected_query);
  CHECK(*before.corrected_query == "xylophonist");
  fs::remove(f.posts() / "a.md");
  f.run();
  CHECK(!searcher.search(r).corrected_query);
}

TEST_CASE("a full run builds a new generation and swaps it in", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "a.md", post("Alpha", "x"));
  write_file(f.posts() / "b.md", post("Beta", "yonder"));
  f.run();
  auto stub = [&] {
    std::ifstream in(f.options.db_path / "XAPIANDB");
    std::string backend, name;
    in >> backend >> name;
    return name;
  };
  const std::string first = stub();
  CHECK(first == "gen-000001");
  Searcher reader(f.options.db_path);  // a server's reader, open across the swap
  SearchRequest r;
  r.query = "yonder";
  REQUIRE(reader.search(r).total == 1);

  write_file(f.posts() / "b.md", post("Beta", "elsewhere"));
  f.options.full = true;
  auto report = f.run();
  CHECK(report.changed == 1);    // b's bytes changed
  CHECK(report.unchanged == 1);  // a was rewritten into the new build, but did not change
  CHECK(stub() == "gen-000002");
  CHECK(fs::is_directory(f.options.db_path / "gen-000001"));  // kept for readers
  // The reader follows the swap on its next search.
  CHECK(reader.search(r).total == 0);
  r.query = "elsewhere";
  CHECK(reader.search(r).total == 1);

  f.run();
  CHECK(stub() == "gen-000003");
  CHECK(!fs::exists(f.options.db_path / "gen-000001"));  // two swaps old: removed
  // Leftovers of a killed full build (a build, a half-compacted generation) are cleared by
  // the next run of any kind.
  fs::create_directories(f.options.db_path / "gen-000009.build");
  fs::create_directories(f.options.db_path / "gen-000008");
  f.options.full = false;
  f.run();
  CHECK(!fs::exists(f.options.db_path / "gen-000009.build"));
  CHECK(!fs::exists(f.options.db_path / "gen-000008"));
  CHECK(fs::exists(f.options.db_path / "gen-000002"));  // the previous generation stays
  f.options.full = true;
  f.run();
  CHECK(stub() == "gen-000004");

  // Incremental runs write into the live generation; options that change documents
  // rewrite them.
  f.options.full = false;
  f.options.read.base_url = "https://blog.example/posts";
  report = f.run();
  CHECK(report.changed == 2);
  CHECK(stub() == "gen-000004");
  CHECK(f.card("a")->url == "https://blog.example/posts/a");
}

TEST_CASE("fatal problems are errors, and a second writer is refused clearly", "[indexer]") {
  Fixture f;
  f.options.posts_dirs = {f.dir / "does-not-exist"};
  CHECK_THROWS_AS(f.run(), std::invalid_argument);

  f.options.posts_dirs = {f.posts()};
  write_file(f.posts() / "a.md", post("Alpha", "x"));
  f.run();
  {
    IndexStore other(f.options.db_path);  // another postsearch-index at work
    try {
      f.run();
      FAIL("a second indexer was allowed");
    } catch (const IndexWriteError& e) {
      CHECK(std::string(e.what()).find("another postsearch-index") != std::string::npos);
    }
  }
  {
    Xapian::WritableDatabase holder((f.options.db_path / "gen-000001").string(), Xapian::DB_OPEN);
    try {
      f.run();
      FAIL("a second writer was allowed");
    } catch (const IndexWriteError& e) {
      CHECK(std::string(e.what()).find("being updated by another program") != std::string::npos);
    }
  }
  CHECK(f.run().posts == 1);  // both gone: works again

  // A directory that holds something else is refused, not overwritten.
  TempDir other;
  Xapian::WritableDatabase plain((other / "plain").string(), Xapian::DB_CREATE);
  plain.close();
  f.options.db_path = other / "plain";
  CHECK_THROWS_AS(f.run(), IndexWriteError);
}

TEST_CASE("nothing is visible before the run commits", "[indexer]") {
  Fixture f;
  write_file(f.posts() / "a.md", post("Alpha", "x"));
  f.run();
  Xapian::Database reader(f.options.db_path.string());
  const auto before = reader.get_revision();
  for (int i = 0; i < 30; ++i) write_file(f.posts() / ("n" + std::to_string(i) + ".md"), post("N", "y"));
  std::size_t seen_partial = 0;
  f.options.full = false;
  update_index(f.options, [&](std::size_t done, std::size_t) {
    reader.reopen();
    if (reader.get_doccount() != 1 && done < 31) ++seen_partial;
  });
  CHECK(seen_partial == 0);
  reader.reopen();
  CHECK(reader.get_revision() == before + 1);
  CHECK(reader.get_doccount() == 31);
}
