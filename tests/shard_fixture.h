// Test fixture for sharded search: one collection of posts indexed whole, and split into N
// disjoint subsets by a hash of each file's path, each indexed into its own directory by the
// real indexing code (update_index). Same posts, same slugs: a search over the shards must
// answer exactly like one over the whole index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "indexer/index_updater.h"
#include "test_support.h"

namespace postsearch::testing {

class SplitIndexes {
 public:
  SplitIndexes(const std::filesystem::path& posts, std::size_t shards) {
    namespace fs = std::filesystem;
    for (const auto& entry : fs::recursive_directory_iterator(posts)) {
      if (!entry.is_regular_file()) continue;
      const std::string rel = fs::relative(entry.path(), posts).generic_string();
      std::uint64_t h = 1469598103934665603ULL;  // FNV-1a of the relative path
      for (unsigned char c : rel) h = (h ^ c) * 1099511628211ULL;
      const fs::path target = dir_ / ("posts-" + std::to_string(h % shards)) / rel;
      fs::create_directories(target.parent_path());
      fs::copy_file(entry.path(), target);
    }
    full_ = index({posts}, dir_ / "full");
    for (std::size_t k = 0; k < shards; ++k) {
      const fs::path subset = dir_ / ("posts-" + std::to_string(k));
      fs::create_directories(subset);
      shards_.push_back(index({subset}, dir_ / ("shard-" + std::to_string(k))));
    }
  }

  const std::filesystem::path& full() const { return full_; }
  const std::vector<std::filesystem::path>& shards() const { return shards_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  static std::filesystem::path index(std::vector<std::filesystem::path> posts,
                                     std::filesystem::path db) {
    IndexOptions options;
    options.posts_dirs = std::move(posts);
    options.db_path = db;
    const IndexReport report = update_index(options);
    if (!report.skipped.empty()) throw std::runtime_error("a post was skipped: " + report.skipped.front().describe());
    return db;
  }

  TempDir dir_;
  std::filesystem::path full_;
  std::vector<std::filesystem::path> shards_;
};

}  // namespace postsearch::testing
