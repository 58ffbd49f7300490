// The on-disk layout of an index directory (`--db DIR`), which lets a full rebuild be
// swapped in atomically while servers keep reading:
//
//   DIR/XAPIANDB          a Xapian stub naming the live generation: "auto gen-000003"
//   DIR/gen-000003/       the live database (Xapian opens DIR through the stub)
//   DIR/gen-000002/       the previous generation, kept until the next swap for readers
//                         that opened it just before the swap
//   DIR/gen-000004.build  a generation being built (left over only by a killed run)
//   DIR/postsearch.lock   flock()ed by the one indexer at work (released even by kill -9)
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

namespace postsearch {

// The writer lock of an index directory: DIR/postsearch.lock, flock()ed (released even by
// kill -9). IndexStore takes it for its directory; a sharded index takes it for DB itself
// (besides each shard's own), so two indexers never work on one sharded index, nor a sharded
// and an unsharded one on one directory.
class DirectoryLock {
 public:
  // Creates DIR if needed. Throws IndexWriteError when another indexer holds the lock.
  explicit DirectoryLock(const std::filesystem::path& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

class IndexStore {
 public:
  // Creates DIR if needed, takes the writer lock and removes what killed runs left behind.
  // Throws IndexWriteError when another indexer holds the lock, or when DIR holds something
  // that is not a postsearch index (a sharded index's top directory included).
  explicit IndexStore(std::filesystem::path dir);
  ~IndexStore();
  IndexStore(const IndexStore&) = delete;
  IndexStore& operator=(const IndexStore&) = delete;

  // The live generation's directory, or nullopt for a new index.
  std::optional<std::filesystem::path> live() const;

  // An empty directory path for a new generation.
  std::filesystem::path begin_generation();

  // Compacts the committed databases `parts` (one or more, at `built` or below it: a build
  // written in parts) into one database in its final place, points the stub at it (an atomic
  // rename: readers see the old generation or the new one, never neither), removes `built`
  // and generations older than the one it replaces.
  void publish(const std::filesystem::path& built,
               const std::vector<std::filesystem::path>& parts);

 private:
  void remove_leftovers();

  std::filesystem::path dir_;
  std::optional<DirectoryLock> lock_;
};

}  // namespace postsearch
