// Snippets: the passage of a post that best matches a query, HTML-escaped, with the
// matching words wrapped in <mark>. Our own windowing over the stored text: cheaper than
// MSet::snippet's exhaustive search, and it tells us where the passage lies (its section).
#pragma once

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
