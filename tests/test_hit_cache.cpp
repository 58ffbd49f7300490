// common/hit_cache.h: recently shown posts kept within a byte budget, least recent out first;
// and the Searcher's use of it: a changed index never shows a kept post's old text.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "common/hit_cache.h"
#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "test_support.h"

using namespace postsearch;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;

namespace {

std::shared_ptr<const CachedHit> hit(const std::string& slug, std::size_t text_bytes) {
  auto h = std::make_shared<CachedHit>();
  h->card.slug = slug;
  h->text = std::string(text_bytes, 'x');
  return h;
}

}  // namespace

TEST_CASE("HitCache keeps the most recently used within its budget", "[hit_cache]") {
  HitCache cache(10'000);
  cache.insert(1, hit("one", 3000));
  cache.insert(2, hit("two", 3000));
  cache.insert(3, hit("three", 3000));
  CHECK(cache.size() == 3);
  CHECK(cache.bytes() <= 10'000);
  REQUIRE(cache.find(1) != nullptr);  // now the most recent
  cache.insert(4, hit("four", 3000));  // evicts 2, the least recent
  CHECK(cache.find(2) == nullptr);
  CHECK(cache.find(1)->card.slug == "one");
  CHECK(cache.find(3) != nullptr);
  CHECK(cache.find(4) != nullptr);
  CHECK(cache.bytes() <= 10'000);

  cache.insert(3, hit("three again", 100));  // replaces, and is accounted once
  CHECK(cache.find(3)->card.slug == "three again");
  CHECK(cache.size() == 3);

  cache.insert(5, hit("huge", 20'000));  // over the whole budget: not kept, nothing evicted
  CHECK(cache.find(5) == nullptr);
  CHECK(cache.size() == 3);

  cache.clear();
  CHECK(cache.size() == 0);
  CHECK(cache.bytes() == 0);
  CHECK(cache.find(1) == nullptr);

  HitCache none(0);
  none.insert(1, hit("one", 10));
  CHECK(none.find(1) == nullptr);
}

TEST_CASE("a searcher never shows a kept post as it was before the index changed", "[hit_cache]") {
  TempDir dir;
  const std::string head = "---\ntitle: \"Kettles\"\ndate: 2022-02-02\n---\n";
  write_file(dir / "posts" / "kettle.md", head + "The copper kettle whistles at dawn.\n");
  write_file(dir / "posts" / "other.md", head + "Nothing about it here, only a kettle.\n");
  IndexOptions options;
  options.posts_dirs = {dir / "posts"};
  options.db_path = dir / "index";
  update_index(options);

  Searcher searcher(options.db_path);  // one searcher throughout, as a server thread's
  SearchRequest r;
  r.query = "kettle";
  auto snippet_of = [&](const std::string& slug) {
    for (const auto& card : searcher.search(r).hits) {
      if (card.slug == slug) return card.snippet.value_or("");
    }
    return std::string("(not found)");
  };
  CHECK(snippet_of("kettle").find("copper") != std::string::npos);
  CHECK(snippet_of("kettle").find("copper") != std::string::npos);  // shown from the cache

  // An incremental run rewrites the post in place (same document id).
  write_file(dir / "posts" / "kettle.md", head + "The steel kettle hums at noon.\n");
  CHECK(update_index(options).changed == 1);
  CHECK(snippet_of("kettle").find("steel") != std::string::npos);
  CHECK(snippet_of("kettle").find("copper") == std::string::npos);

  // A full run swaps in a new generation (document ids renumbered).
  write_file(dir / "posts" / "kettle.md", head + "The iron kettle sings at dusk.\n");
  options.full = true;
  update_index(options);
  CHECK(snippet_of("kettle").find("iron") != std::string::npos);
  CHECK(snippet_of("other").find("only a") != std::string::npos);
}

TEST_CASE("searchers on several threads at once, browsing and searching", "[searcher][threads]") {
  // Each server thread has its own Searcher; nothing Xapian reference-counts may be shared
  // between them. An empty query once copied the static Xapian::Query::MatchAll, whose
  // non-atomic reference count several threads then raced on (a server crashed under load).
  TempDir dir;
  for (int i = 0; i < 30; ++i) {
    write_file(dir / "posts" / ("p" + std::to_string(i) + ".md"),
               "---\ntitle: \"Post " + std::to_string(i) + "\"\ndate: 2021-03-0" +
                   std::to_string(1 + i % 9) + "\ntags: [a, b]\n---\nwords about kettles " +
                   std::to_string(i) + "\n");
  }
  IndexOptions options;
  options.posts_dirs = {dir / "posts"};
  options.db_path = dir / "index";
  update_index(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Searcher searcher(options.db_path);
      for (int i = 0; i < 5000; ++i) {
        SearchRequest r;
        r.query = (i + t) % 2 == 0 ? "" : "kettles";  // browse, or search
        if (i % 3 == 0) r.tags = {"a"};
        if (searcher.search(r).total != 30) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
}
