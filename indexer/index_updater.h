// Brings a Xapian database in line with the posts on disk (SPEC §2 postsearch-index):
// scan -> hash -> parse what changed -> diff against the index -> one atomic commit.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/post.h"

namespace postsearch {

struct IndexOptions {
  std::vector<std::filesystem::path> posts_dirs;
  std::filesystem::path db_path;
  ReadOptions read;
  bool include_drafts = false;
  bool full = false;  // re-read and rewrite every post, whatever its hash
  // Synonym groups (data/synonyms.txt format): nullopt uses the built-in list, an empty
  // path none at all.
  std::optional<std::filesystem::path> synonyms_file;
  // When not empty, only these paths may have changed (added, edited or deleted; the watch
  // mode knows): the run looks at them, not at the whole tree, and trusts every other
  // indexed file as unchanged. Ignored by full runs.
  std::vector<std::filesystem::path> changed_paths;
  // Split the index into this many shards by slug (common/shards.h has the layout and the
  // placement rule). 0: as DB/SHARDS records, or unsharded when there is no such file. A
  // number other than the one DB/SHARDS records, or any number for an unsharded index, is
  // refused (IndexWriteError): re-sharding is a build into a new directory.
  std::size_t shards = 0;
  // Threads writing a fresh build (the first run, or --full), each into a part of its own
  // that publishing merges: 0 is one per core. Incremental runs write on one thread.
  std::size_t jobs = 0;
};

// A post that was not indexed because of a problem in the file.
struct SkippedPost {
  std::string path;
  std::size_t line = 0;
  std::string reason;
  std::string describe() const;  // "path:line: reason"
};

// Two files that claim the same slug: the first in path order wins.
struct SlugConflict {
  std::string slug;
  std::string winner;
  std::string loser;
};

struct IndexReport {
  std::size_t posts = 0;  // documents in the index after the run
  std::size_t added = 0;
  std::size_t changed = 0;
  std::size_t removed = 0;
  std::size_t unchanged = 0;
  std::size_t ignored = 0;  // drafts and empty stubs: not search results
  std::vector<SkippedPost> skipped;
  std::vector<SlugConflict> conflicts;
  bool synonyms_changed = false;  // the synonym table was rewritten
  double seconds = 0;
  std::string summary() const;  // "312 posts: 3 added, 1 changed, 2 removed, 306 unchanged in 0.41 s"
};

// Called after each file is looked at (done, total), for a progress display.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

// Sharded, each shard is written in its own transaction and committed in shard order (a
// reader may see one shard's commit before the next one's), then DB/dictionary is rebuilt
// from the shards' spelling and synonym tables when any shard changed.
//
// Throws IndexWriteError when the database cannot be opened, written or committed (the
// previous commit is then still intact; sharded: the shards committed before the failure
// keep their new commit, the others their previous one, and the next run completes the work), and std::invalid_argument for a posts directory
// or synonyms file that does not exist or cannot be read. Bad posts and bad synonym lines
// are reported in `skipped`, not thrown.
IndexReport update_index(const IndexOptions& options, const ProgressFn& progress = {});

}  // namespace postsearch
