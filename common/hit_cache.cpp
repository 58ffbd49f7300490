#include "common/hit_cache.h"

namespace postsearch {

namespace {

// What an entry costs: its strings and a rough allowance for the card's and the list's own.
std::size_t size_of(const CachedHit& hit) {
  std::size_t bytes = 256 + hit.sections.size() + hit.text.size() + hit.card.title.size() +
                      hit.card.summary.size() + hit.card.url.size() + hit.card.slug.size();
  for (const auto& tag : hit.card.tags) bytes += 32 + tag.size();
  for (const auto& author : hit.card.authors) bytes += 32 + author.size();
  return bytes;
}

}  // namespace

std::shared_ptr<const CachedHit> HitCache::find(Xapian::docid docid) {
  const auto it = by_docid_.find(docid);
  if (it == by_docid_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->hit;
}

void HitCache::insert(Xapian::docid docid, std::shared_ptr<const CachedHit> hit) {
  const std::size_t bytes = size_of(*hit);
  if (bytes > max_bytes_) return;
  if (const auto it = by_docid_.find(docid); it != by_docid_.end()) {
    bytes_ -= it->second->bytes;
    entries_.erase(it->second);
    by_docid_.erase(it);
  }
  while (!entries_.empty() && bytes_ + bytes > max_bytes_) {
    bytes_ -= entries_.back().bytes;
    by_docid_.erase(entries_.back().docid);
    entries_.pop_back();
  }
  entries_.push_front(Entry{docid, std::move(hit), bytes});
  by_docid_[docid] = entries_.begin();
  bytes_ += bytes;
}

void HitCache::clear() {
  entries_.clear();
  by_docid_.clear();
  bytes_ = 0;
}

}  // namespace postsearch
