#include "common/caching_stemmer.h"

#include <string>
#include <unordered_map>

namespace postsearch {

namespace {

// Bounds the memory a post full of unique junk words can take; an archive's real
// vocabulary (MDN: ~170k distinct words) fits.
constexpr std::size_t kMaxCached = 1 << 18;

class CachingStemmer : public Xapian::StemImplementation {
 public:
  std::string operator()(const std::string& word) override {
    if (const auto hit = cache_.find(word); hit != cache_.end()) return hit->second;
    if (cache_.size() >= kMaxCached) cache_.clear();
    std::string stem = english_(word);
    cache_.emplace(word, stem);
    return stem;
  }
  std::string get_description() const override { return "english (cached)"; }

 private:
  Xapian::Stem english_{"english"};
  std::unordered_map<std::string, std::string> cache_;
};

}  // namespace

Xapian::Stem caching_english_stemmer() { return Xapian::Stem(new CachingStemmer); }

}  // namespace postsearch
