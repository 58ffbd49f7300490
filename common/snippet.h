// Snippets: the passage of a post that best matches a query, HTML-escaped, with the
// matching words wrapped in <mark>. Our own windowing over the stored text: cheaper than
// MSet::snippet's exhaustive search, and it tells us where the passage lies (its section).
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <xapian.h>

namespace postsearch {

// Decides whether a word of a post matches the query: by its exact (lower-cased) form, its
// stem, or a prefix (the word being typed, `prefix*`). Remembers its answers, so one matcher
// serves all hits of one query. Not thread-safe.
class WordMatcher {
 public:
  WordMatcher(const Xapian::Query& query, std::vector<std::string> prefixes,
              const Xapian::Stem& stemmer);

  // The concept a matching word stands for (its stem), or nullptr when it does not match.
  const std::string* match(std::string_view word);
  // False for most words that cannot match, at the cost of a bit test: stems and prefixes
  // keep a word's first two letters, so a word whose first two (ASCII) letters no query word
  // starts with is out without case folding, stemming or a lookup. Non-ASCII: always true.
  bool may_match(std::string_view word) const {
    if (word.empty()) return false;
    return may_match_head(static_cast<unsigned char>(word[0]),
                          static_cast<unsigned char>(word.size() > 1 ? word[1] : 0));
  }
  // The same test from a word's first two bytes (the second 0 for a one-letter word).
  bool may_match_head(unsigned char b0, unsigned char b1) const {
    if (b0 >= 0x80 || b1 >= 0x80) return true;
    return heads_.test(static_cast<std::size_t>(kLower[b0]) << 8 | kLower[b1]);
  }
  // Whether every query word starts with an ASCII byte: then only words starting with one of
  // may_start_with() can match, and a scan may jump from one such byte to the next.
  bool ascii_starts() const { return ascii_starts_; }
  bool may_start_with(unsigned char byte) const { return starts_[byte]; }
  // The distinct bytes may_start_with() accepts.
  const std::vector<unsigned char>& start_bytes() const { return start_bytes_; }
  // How many distinct concepts the query has; a window with all of them is the best.
  std::size_t concept_count() const { return concept_count_; }
  bool empty() const { return exact_.empty() && stems_.empty() && prefixes_.empty(); }

 private:
  std::unordered_set<std::string> exact_;
  std::unordered_set<std::string> stems_;
  std::vector<std::string> prefixes_;
  std::unordered_map<std::string, std::string> memo_;  // word -> concept ("" = no match)
  Xapian::Stem stemmer_;
  std::size_t concept_count_ = 0;
  std::bitset<65536> heads_;  // first two bytes a matching ASCII word can start with
  std::array<bool, 256> starts_{};  // first bytes (both cases) of the query words
  std::vector<unsigned char> start_bytes_;
  bool ascii_starts_ = true;
  static constexpr std::array<unsigned char, 128> kLower = [] {
    std::array<unsigned char, 128> table{};
    for (int c = 0; c < 128; ++c) table[c] = static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    return table;
  }();
};

struct Snippet {
  std::string html;
  std::size_t offset = 0;  // byte offset of the passage in the text
  bool matched = false;    // false: the text has no matching word (html is its opening)
};

// The best window of about `max_bytes` of `text`.
Snippet make_snippet(std::string_view text, WordMatcher& matcher, std::size_t max_bytes = 220);

// `text` escaped with every matching word marked (for short fields such as the summary).
std::string highlight(std::string_view text, WordMatcher& matcher);

}  // namespace postsearch
