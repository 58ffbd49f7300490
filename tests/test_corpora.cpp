// Tests over real blogs written by other people (tests/corpora): they must index with
// no skipped posts, re-index as unchanged, and answer known-item searches by title.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "common/post.h"
#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;

namespace {

struct KnownItem {
  std::string slug;
  std::string title;
};

// Every post that is a search result, with its title, read the way the indexer reads it.
std::vector<KnownItem> known_items(const fs::path& dir) {
  std::vector<KnownItem> items;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".md") continue;
    const std::string rel = entry.path().lexically_relative(dir).generic_string();
    Post post = read_post(entry.path(), rel, ReadOptions{});
    if (post.is_stub() || post.draft) continue;
    items.push_back({post.slug, post.title});
  }
  return items;
}

struct Ranks {
  std::size_t total = 0, first = 0, top3 = 0;
  std::vector<std::string> misses;
};

Ranks rank_titles(const fs::path& db, const std::vector<KnownItem>& items) {
  Searcher searcher(db);
  Ranks ranks;
  for (const auto& item : items) {
    SearchRequest request;
    request.query = item.title;
    request.per_page = 3;
    const SearchResponse response = searcher.search(request);
    ++ranks.total;
    std::size_t rank = 0;
    for (std::size_t i = 0; i < response.hits.size(); ++i) {
      if (response.hits[i].slug == item.slug) rank = i + 1;
    }
    if (rank == 1) ++ranks.first;
    if (rank >= 1 && rank <= 3) ++ranks.top3;
    if (rank != 1) {
      ranks.misses.push_back(item.title + " [" + item.slug + "] rank " +
                             (rank == 0 ? std::string(">3") : std::to_string(rank)) +
                             ", first: " +
                             (response.hits.empty() ? "none" : response.hits[0].slug));
    }
  }
  return ranks;
}

void check_corpus(const std::string& name, std::size_t files, std::size_t stubs) {
  const fs::path dir = postsearch::testing::corpora_dir() / name;
  REQUIRE(fs::is_directory(dir));
  TempDir tmp;
  IndexOptions options;
  options.posts_dirs = {dir};
  options.db_path = tmp / "index";

  const IndexReport first = update_index(options);
  INFO(first.summary());
  for (const auto& s : first.skipped) UNSCOPED_INFO(s.describe());
  CHECK(first.skipped.empty());
  CHECK(first.conflicts.empty());
  CHECK(first.ignored == stubs);
  CHECK(first.added == files - stubs);
  CHECK(first.posts == files - stubs);

  const IndexReport second = update_index(options);
  CHECK(second.added == 0);
  CHECK(second.changed == 0);
  CHECK(second.removed == 0);
  CHECK(second.unchanged == first.posts);

  const std::vector<KnownItem> items = known_items(dir);
  REQUIRE(items.size() == first.posts);
  const Ranks ranks = rank_titles(options.db_path, items);
  const double first_rate = double(ranks.first) / ranks.total;
  const double top3_rate = double(ranks.top3) / ranks.total;
  std::cout << name << ": known-item title search, " << ranks.total << " posts: first "
            << ranks.first << " (" << first_rate * 100 << "%), top 3 " << ranks.top3 << " ("
            << top3_rate * 100 << "%)\n";
  for (const auto& miss : ranks.misses) std::cout << "  " << miss << "\n";
  CHECK(first_rate >= 0.95);
  CHECK(top3_rate >= 0.99);
}

}  // namespace

TEST_CASE("the Go blog indexes completely and every title finds its post", "[corpus]") {
  // 336 files, of which 60 are redirect stubs (no title, no body): not search results.
  check_corpus("go-blog", 336, 60);
}

TEST_CASE("the Rust blog indexes completely and every title finds its post", "[corpus]") {
  // 751 files; releases/latest.md is a template stub with no title and no body.
  check_corpus("rust-blog", 751, 1);
}
