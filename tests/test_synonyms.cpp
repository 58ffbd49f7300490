// Synonym groups: the file format, the table stored in the index, and updates to it.
#include <catch2/catch.hpp>

#include <xapian.h>

#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "indexer/synonyms.h"
#include "test_support.h"

using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

TEST_CASE("the synonyms file format", "[synonyms]") {
  const SynonymList list = parse_synonyms(
      "# comment\n"
      "\n"
      "go, golang\n"
      "  JS ,javascript, ECMAScript  \n"
      "c++, cpp\n"
      "k8s, kubernetes, k8s\n"
      "lonely\n"
      "wait group, waitgroup, wg\n"
      "a,\n");
  REQUIRE(list.groups.size() == 5);
  CHECK(list.groups[0] == std::vector<std::string>{"go", "golang"});
  CHECK(list.groups[1] == std::vector<std::string>{"js", "javascript", "ecmascript"});
  CHECK(list.groups[2] == std::vector<std::string>{"c++", "cpp"});
  CHECK(list.groups[3] == std::vector<std::string>{"k8s", "kubernetes"});  // duplicate dropped
  CHECK(list.groups[4] == std::vector<std::string>{"waitgroup", "wg"});    // the bad word left out
  // "lonely" (line 7) and "a," (line 9) are groups of one; "wait group" is two words.
  REQUIRE(list.problems.size() == 3);
  CHECK(list.problems[0].line == 7);
  CHECK(list.problems[1].line == 8);
  CHECK(list.problems[1].reason.find("'wait group'") != std::string::npos);
  CHECK(list.problems[2].line == 9);
}

TEST_CASE("the built-in list parses cleanly and has the expected groups", "[synonyms]") {
  const SynonymList list = parse_synonyms(default_synonyms());
  CHECK(list.problems.empty());
  auto has_group = [&](const std::vector<std::string>& words) {
    for (const auto& g : list.groups) {
      if (std::all_of(words.begin(), words.end(), [&](const std::string& w) {
            return std::find(g.begin(), g.end(), w) != g.end();
          })) {
        return true;
      }
    }
    return false;
  };
  for (const auto& pair : std::vector<std::vector<std::string>>{
           {"go", "golang"}, {"js", "javascript"}, {"k8s", "kubernetes"},
           {"postgres", "postgresql"}, {"py", "python"}, {"db", "database"}}) {
    INFO(pair[0]);
    CHECK(has_group(pair));
  }
}

TEST_CASE("a query for one word of a group finds posts using another", "[synonyms]") {
  TempDir dir;
  write_file(dir / "posts/k.md", "---\ntitle: Clusters\n---\nRunning Kubernetes clusters.\n");
  write_file(dir / "posts/p.md", "---\ntitle: Tuning\n---\nTuning PostgreSQL databases.\n");
  IndexOptions options;
  options.posts_dirs = {dir / "posts"};
  options.db_path = dir / "index";
  CHECK(update_index(options).synonyms_changed);
  Searcher searcher(options.db_path);
  auto slugs = [&](const std::string& q) {
    SearchRequest r;
    r.query = q;
    std::vector<std::string> out;
    for (const auto& hit : searcher.search(r).hits) out.push_back(hit.slug);
    return out;
  };
  CHECK(slugs("k8s") == std::vector<std::string>{"k"});
  CHECK(slugs("K8s clusters") == std::vector<std::string>{"k"});
  CHECK(slugs("postgres") == std::vector<std::string>{"p"});
  CHECK(slugs("db tuning") == std::vector<std::string>{"p"});  // db -> databases, stemmed

  // An unchanged list is not rewritten; a new list replaces the old table entirely.
  CHECK(!update_index(options).synonyms_changed);
  write_file(dir / "synonyms.txt", "pg, postgresql\n");
  options.synonyms_file = dir / "synonyms.txt";
  const IndexReport changed = update_index(options);
  CHECK(changed.synonyms_changed);
  CHECK(changed.summary().find("synonyms updated") != std::string::npos);
  CHECK(slugs("pg") == std::vector<std::string>{"p"});
  CHECK(slugs("k8s").empty());

  options.synonyms_file = std::filesystem::path();  // none at all
  update_index(options);
  CHECK(slugs("pg").empty());
  Xapian::Database db(options.db_path.string());
  CHECK(db.synonym_keys_begin() == db.synonym_keys_end());

  options.synonyms_file = dir / "missing.txt";
  CHECK_THROWS_AS(update_index(options), std::invalid_argument);
}
