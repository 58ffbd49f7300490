// The unpacked data of recently shown posts, by document id, least recently used out first.
//
// Showing a hit means reading its document data (a few Xapian blocks), unpacking its text
// (zstd) and parsing its card: most of a search with snippets once the match is done. Search
// boxes show the same posts again and again (popular queries, and every keystroke of one
// query), so a Searcher keeps them, within a byte budget. The cache is emptied whenever the
// index changes (a document id may then name another post). Not thread-safe: one per Searcher.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include <xapian.h>

#include "common/card.h"

namespace postsearch {

struct CachedHit {
  Card card;  // as stored: no snippet, score or section
  std::string sections;
  std::string text;
};

class HitCache {
 public:
  explicit HitCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The entry for `docid` (made the most recent), or nullptr.
  std::shared_ptr<const CachedHit> find(Xapian::docid docid);
  // Keeps `hit` for `docid` unless it alone is over the budget; evicts the least recent.
  void insert(Xapian::docid docid, std::shared_ptr<const CachedHit> hit);
  void clear();
  std::size_t bytes() const { return bytes_; }
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Xapian::docid docid;
    std::shared_ptr<const CachedHit> hit;
    std::size_t bytes;
  };
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::list<Entry> entries_;  // most recent first
  std::unordered_map<Xapian::docid, std::list<Entry>::iterator> by_docid_;
};

}  // namespace postsearch
