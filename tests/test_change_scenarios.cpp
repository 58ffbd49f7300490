// Every kind of change a blog goes through, applied to an index three ways — a full-scan
// incremental run, a run told only the changed paths (the watch mode's), and a fresh build of
// the same files — which must then agree: same posts, same cards, same facet counts, same
// spelling dictionary, same synonyms.
#include <catch2/catch.hpp>

#include <functional>

#include <xapian.h>

#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

std::string post(const std::string& title, const std::string& body, const std::string& extra = "") {
  return "---\ntitle: \"" + title + "\"\ndate: 2021-03-04\n" + extra + "---\n" + body + "\n";
}

// Everything a reader or a front end can observe of an index.
struct Snapshot {
  std::vector<std::string> cards;  // every post's card JSON, by slug
  std::map<std::string, std::size_t> tags, years;
  std::vector<std::pair<std::string, Xapian::doccount>> spellings;
  std::vector<std::string> synonyms;
  std::vector<std::string> search_results;  // a few searches: slugs, snippets, scores

  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const fs::path& db_path) {
  Snapshot s;
  Searcher searcher(db_path);
  SearchRequest browse;
  browse.per_page = 100;
  const SearchResponse all = searcher.search(browse);
  for (const auto& hit : all.hits) {
    s.cards.push_back(card_to_json(*searcher.find_post(hit.slug), false).dump());
  }
  std::sort(s.cards.begin(), s.cards.end());
  s.tags = all.tag_counts;
  s.years = all.year_counts;
  for (const std::string q : {"alpha", "shared words", "golang", "kubernetes", "zebra", "renamed"}) {
    SearchRequest r;
    r.query = q;
    for (const auto& hit : searcher.search(r).hits) {
      s.search_results.push_back(q + " " + hit.slug + " " + hit.snippet.value_or("") + " " +
                                 std::to_string(hit.score.value_or(0)));
    }
  }
  Xapian::Database db(db_path.string());
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) {
    s.spellings.emplace_back(*it, it.get_termfreq());
  }
  for (auto k = db.synonym_keys_begin(); k != db.synonym_keys_end(); ++k) {
    for (auto v = db.synonyms_begin(*k); v != db.synonyms_end(*k); ++v) s.synonyms.push_back(*k + "=" + *v);
  }
  return s;
}

struct Scenario {
  std::string name;
  // Changes the posts under `posts` (and the synonyms file); returns the paths it touched.
  std::function<std::vector<fs::path>(const fs::path& posts, const fs::path& synonyms)> change;
};

void base_posts(const fs::path& posts, const fs::path& synonyms) {
  write_file(posts / "alpha.md", post("Alpha", "alpha shared words about golang", "tags: [go, intro]\n"));
  write_file(posts / "beta.md", post("Beta", "beta shared words on kubernetes clusters", "tags: [k8s]\n"));
  write_file(posts / "gamma/index.md", post("Gamma", "gamma shared words zebra", "tags: [Go]\n"));
  write_file(posts / "notes/delta.md", post("Delta", "delta shared words", "tags: [notes]\n"));
  write_file(posts / "notes/epsilon.md", post("Epsilon", "epsilon text zebra", "draft: true\n"));
  write_file(posts / "dup-a.md", post("Dup A", "first duplicate", "slug: dup\n"));
  write_file(posts / "dup-b.md", post("Dup B", "second duplicate", "slug: dup\n"));
  write_file(synonyms, "go, golang\nk8s, kubernetes\n");
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"edit a post's body", [](const fs::path& p, const fs::path&) {
         write_file(p / "alpha.md", post("Alpha", "alpha rewritten entirely, zebra", "tags: [go, intro]\n"));
         return std::vector<fs::path>{p / "alpha.md"};
       }},
      {"add a post", [](const fs::path& p, const fs::path&) {
         write_file(p / "new/zeta.md", post("Zeta", "zeta shared words", "tags: [new]\n"));
         return std::vector<fs::path>{p / "new", p / "new/zeta.md"};
       }},
      {"delete a post", [](const fs::path& p, const fs::path&) {
         fs::remove(p / "beta.md");
         return std::vector<fs::path>{p / "beta.md"};
       }},
      {"rename a post", [](const fs::path& p, const fs::path&) {
         fs::rename(p / "alpha.md", p / "alpha-renamed.md");
         return std::vector<fs::path>{p / "alpha.md", p / "alpha-renamed.md"};
       }},
      {"move a post to another directory", [](const fs::path& p, const fs::path&) {
         fs::create_directories(p / "archive");
         fs::rename(p / "notes/delta.md", p / "archive/delta.md");
         return std::vector<fs::path>{p / "notes/delta.md", p / "archive/delta.md"};
       }},
      {"change tags and date only", [](const fs::path& p, const fs::path&) {
         write_file(p / "beta.md", "---\ntitle: \"Beta\"\ndate: 2019-12-31\ntags: [k8s, ops]\n---\n"
                                   "beta shared words on kubernetes clusters\n");
         return std::vector<fs::path>{p / "beta.md"};
       }},
      {"a draft published and a post made a draft", [](const fs::path& p, const fs::path&) {
         write_file(p / "notes/epsilon.md", post("Epsilon", "epsilon text zebra"));
         write_file(p / "notes/delta.md", post("Delta", "delta shared words", "draft: true\n"));
         return std::vector<fs::path>{p / "notes/epsilon.md", p / "notes/delta.md"};
       }},
      {"a whole directory added", [](const fs::path& p, const fs::path&) {
         for (int i = 0; i < 5; ++i) {
           write_file(p / ("series/part" + std::to_string(i) + ".md"),
                      post("Part " + std::to_string(i), "series shared words " + std::to_string(i)));
         }
         std::vector<fs::path> touched{p / "series"};
         for (int i = 0; i < 5; ++i) touched.push_back(p / ("series/part" + std::to_string(i) + ".md"));
         return touched;
       }},
      {"a whole directory removed", [](const fs::path& p, const fs::path&) {
         fs::remove_all(p / "notes");
         return std::vector<fs::path>{p / "notes", p / "notes/delta.md", p / "notes/epsilon.md"};
       }},
      {"a file replaced by a symlink to another file", [](const fs::path& p, const fs::path&) {
         write_file(p / ".shared/source.md", post("Linked", "linked shared words"));
         fs::remove(p / "alpha.md");
         fs::create_symlink(p / ".shared/source.md", p / "alpha.md");
         return std::vector<fs::path>{p / "alpha.md"};
       }},
      {"the winner of a slug conflict deleted", [](const fs::path& p, const fs::path&) {
         fs::remove(p / "dup-a.md");
         return std::vector<fs::path>{p / "dup-a.md"};
       }},
      {"a post broken by an edit keeps its last version", [](const fs::path& p, const fs::path&) {
         write_file(p / "alpha.md", "---\ntitle: [broken\n---\nalpha\n");
         return std::vector<fs::path>{p / "alpha.md"};
       }},
      {"the synonyms file changed", [](const fs::path&, const fs::path& synonyms) {
         write_file(synonyms, "go, golang, gopher\n");
         return std::vector<fs::path>{};
       }},
  };
  return all;
}

}  // namespace

TEST_CASE("each kind of change leaves the index equal to a fresh build", "[scenarios]") {
  for (const Scenario& scenario : scenarios()) {
    // Three copies of the same history: full-scan incremental, told-the-paths, fresh.
    for (const bool told_paths : {false, true}) {
      INFO(scenario.name << (told_paths ? " (told the changed paths)" : " (full scan)"));
      TempDir dir;
      const fs::path posts = dir / "posts", synonyms = dir / "synonyms.txt";
      base_posts(posts, synonyms);
      IndexOptions options;
      options.posts_dirs = {posts};
      options.db_path = dir / "index";
      options.synonyms_file = synonyms;
      update_index(options);

      const std::vector<fs::path> touched = scenario.change(posts, synonyms);
      if (told_paths) options.changed_paths = touched;
      update_index(options);

      IndexOptions fresh = options;
      fresh.changed_paths.clear();
      fresh.db_path = dir / "fresh";
      update_index(fresh);

      const Snapshot a = snapshot(options.db_path), b = snapshot(fresh.db_path);
      if (scenario.name == "a post broken by an edit keeps its last version") {
        // The one deliberate difference: the fresh build never saw the good version.
        CHECK(a.cards.size() == b.cards.size() + 1);
        continue;
      }
      CHECK(a.cards == b.cards);
      CHECK(a.tags == b.tags);
      CHECK(a.years == b.years);
      CHECK(a.spellings == b.spellings);
      CHECK(a.synonyms == b.synonyms);
      CHECK(a.search_results == b.search_results);
    }
  }
}
