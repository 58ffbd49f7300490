#include "common/snippet.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/text.h"

namespace postsearch {

namespace {

struct Word {
  std::size_t begin;
  std::size_t end;
};

constexpr std::array<bool, 128> kAsciiWordChars = [] {
  std::array<bool, 128> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = table[c - 'a' + 'A'] = true;
  table['_'] = true;
  return table;
}();

bool is_word_char(unsigned ch) {
  if (ch < 0x80) return kAsciiWordChars[ch];
  return Xapian::Unicode::is_wordchar(ch);
}

unsigned char ascii_lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

// The first two bytes of a word, lower-cased when ASCII: the key of the quick filter.
std::size_t head_key(std::string_view word) {
  const auto a = ascii_lower(static_cast<unsigned char>(word[0]));
  const auto b = word.size() > 1 ? ascii_lower(static_cast<unsigned char>(word[1])) : 0;
  return static_cast<std::size_t>(a) << 8 | b;
}

// The code point at text[i] and its length in bytes (ASCII without a decoder call).
unsigned decode_at(std::string_view text, std::size_t i, std::size_t& length) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    length = 1;
    return c;
  }
  // Stored text is valid UTF-8 (the indexer rejects anything else); a stray byte still
  // decodes as itself, one byte long, so the scan always advances.
  std::size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (i + n > text.size()) n = 1;
  unsigned ch = n == 1 ? c : c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0) != 0x80) {
      length = 1;
      return c;
    }
    ch = (ch << 6) | (next & 0x3F);
  }
  length = n;
  return ch;
}

// Whether text[i] starts a word character; `length` gets the character's byte length.
// ASCII, nearly all of a post, is one table lookup (this loop is most of a snippet's cost).
inline bool word_char_at(std::string_view text, std::size_t i, std::size_t& length) {
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) {
    length = 1;
    return kAsciiWordChars[c];
  }
  return is_word_char(decode_at(text, i, length));
}

// Calls `fn(Word)` for each word (a run of word characters, as Xapian's TermGenerator
// sees them) of `text`; stops when `fn` returns false.
template <typename Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  std::size_t i = 0, length = 0;
  const std::size_t n = text.size();
  while (i < n) {
    while (i < n && !word_char_at(text, i, length)) i += length;
    if (i >= n) break;
    const std::size_t begin = i;
    while (i < n && word_char_at(text, i, length)) i += length;
    if (i == begin) {
      ++i;  // not a word character (a query term such as ".net"): no word starts here
      continue;
    }
    if (!fn(Word{begin, i})) return;
  }
}

// Whether the character that ends just before text[i] is a word character.
bool word_char_before(std::string_view text, std::size_t i) {
  std::size_t start = i - 1;
  // Back over UTF-8 continuation bytes (at most three) to the character's first byte.
  while (start > 0 && i - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t length = 0;
  return word_char_at(text, start, length) && start + length == i;
}

// Finds the next byte a query word may start with (WordMatcher::may_start_with). With few
// such bytes (a query's words usually start with one to four letters, in two cases each),
// sixteen bytes are compared at a time where SSE2 is there (every x86-64).
class StartFinder {
 public:
  explicit StartFinder(const WordMatcher& matcher) : matcher_(matcher) {
#if defined(__SSE2__)
    const auto& bytes = matcher.start_bytes();
    count_ = bytes.size() <= kMaxVectorBytes ? bytes.size() : 0;
    for (std::size_t k = 0; k < count_; ++k) targets_[k] = _mm_set1_epi8(static_cast<char>(bytes[k]));
#endif
  }

  // The first position at or after `i` holding such a byte, or text.size().
  std::size_t operator()(std::string_view text, std::size_t i) const {
    const std::size_t n = text.size();
#if defined(__SSE2__)
    if (count_ > 0) {
      for (; i + 16 <= n; i += 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
        __m128i hit = _mm_cmpeq_epi8(block, targets_[0]);
        for (std::size_t k = 1; k < count_; ++k) hit = _mm_or_si128(hit, _mm_cmpeq_epi8(block, targets_[k]));
        if (const int mask = _mm_movemask_epi8(hit); mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(mask));
      }
    }
#endif
    while (i < n && !matcher_.may_start_with(static_cast<unsigned char>(text[i]))) ++i;
    return i;
  }

 private:
  const WordMatcher& matcher_;
#if defined(__SSE2__)
  static constexpr std::size_t kMaxVectorBytes = 8;
  std::size_t count_ = 0;
  __m128i targets_[kMaxVectorBytes];
#endif
};

// Calls `fn(Word)` for each word of `text` that WordMatcher::may_match lets through, in order:
// the words for_each_word gives, less those no query word can match. When every query word
// starts with an ASCII byte, the scan jumps from one possible first byte to the next instead
// of walking every word, which is most of the cost of a snippet in a long post.
template <typename Fn>
void for_each_candidate_word(std::string_view text, const WordMatcher& matcher, Fn&& fn) {
  const auto keep = [&](Word w) {
    return !matcher.may_match(text.substr(w.begin, w.end - w.begin)) || fn(w);
  };
  if (!matcher.ascii_starts()) {
    for_each_word(text, keep);
    return;
  }
  const std::size_t n = text.size();
  const StartFinder find_start(matcher);
  std::size_t i = 0, length = 0;
  while (i < n) {
    i = find_start(text, i);
    if (i >= n) return;
    // Inside a word, or a word whose first two letters no query word has: on to the next
    // possible start (the rest of this word fails the first test).
    if (i > 0 && word_char_before(text, i)) {
      ++i;
      continue;
    }
    auto second = static_cast<unsigned char>(i + 1 < n ? text[i + 1] : 0);
    if (second < 0x80 && !kAsciiWordChars[second]) second = 0;  // a one-letter word
    if (!matcher.may_match_head(static_cast<unsigned char>(text[i]), second)) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < n && word_char_at(text, i, length)) i += length;
    if (i == begin) {
      ++i;  // not a word character (a query term such as ".net"): no word starts here
      continue;
    }
    if (!fn(Word{begin, i})) return;
  }
}

std::string lower(std::string_view word) { return text::fold_case(word); }

// Writes text[begin, end) escaped, marking matching words; adjacent marked words separated
// only by spaces share one <mark>.
void append_marked(std::string& out, std::string_view text, std::size_t begin, std::size_t end,
                   WordMatcher& matcher) {
  std::size_t pos = begin;
  bool open = false;
  for_each_word(text.substr(begin, end - begin), [&](Word w) {
    w.begin += begin;
    w.end += begin;
    const std::string_view gap = text.substr(pos, w.begin - pos);
    const bool hit = matcher.match(text.substr(w.begin, w.end - w.begin)) != nullptr;
    const bool gap_is_space = gap.find_first_not_of(" \n") == std::string_view::npos;
    if (open && !(hit && gap_is_space)) {
      out += "</mark>";
      open = false;
    }
    text::append_html_escaped(out, gap);
    if (hit && !open) {
      out += "<mark>";
      open = true;
    }
    text::append_html_escaped(out, text.substr(w.begin, w.end - w.begin));
    pos = w.end;
    return true;
  });
  if (open) out += "</mark>";
  text::append_html_escaped(out, text.substr(pos, end - pos));
}

std::string flatten_newlines(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

WordMatcher::WordMatcher(const Xapian::Query& query, std::vector<std::string> prefixes,
                         const Xapian::Stem& stemmer)
    : prefixes_(std::move(prefixes)), stemmer_(stemmer) {
  std::unordered_set<std::string> concepts;
  for (auto it = query.get_unique_terms_begin(); it != query.get_unique_terms_end(); ++it) {
    const std::string term = *it;
    // Skip our boolean/exact prefixes; strip a field prefix (upper-case letters).
    std::size_t p = 0;
    while (p < term.size() && std::isupper(static_cast<unsigned char>(term[p]))) ++p;
    const std::string prefix = term.substr(0, p);
    const std::string word = term.substr(p);
    if (word.empty()) continue;
    if (prefix == "Z" || prefix == "ZS" || prefix == "ZA" || prefix == "ZXH") {
      stems_.insert(word);
      concepts.insert(word);
    } else if (prefix.empty() || prefix == "S" || prefix == "A" || prefix == "XH") {
      exact_.insert(word);
      concepts.insert(stemmer_(word));
    }
  }
  for (auto& prefix : prefixes_) prefix = lower(prefix);
  concept_count_ = concepts.size() + prefixes_.size();
  const auto add_start = [&](std::string_view w) {
    const auto b = static_cast<unsigned char>(w[0]);
    // A term that starts with punctuation ("-", ".net") matches no word of the text: words
    // are runs of word characters.
    if (b < 0x80 && !kAsciiWordChars[b]) return;
    if (b >= 0x80) ascii_starts_ = false;
    starts_[b] = true;
    starts_[ascii_lower(b)] = true;
    if (b >= 'a' && b <= 'z') starts_[b - 'a' + 'A'] = true;
  };
  for (const auto* set : {&exact_, &stems_}) {
    for (const auto& w : *set) {
      heads_.set(head_key(w));
      add_start(w);
    }
  }
  for (const auto& p : prefixes_) {
    if (!p.empty()) add_start(p);
  }
  for (std::size_t b = 0; b < starts_.size(); ++b) {
    if (starts_[b]) start_bytes_.push_back(static_cast<unsigned char>(b));
  }
  for (const auto& p : prefixes_) {
    if (p.size() == 1) {
      // A one-letter prefix fixes only the first byte: every second byte may follow.
      for (std::size_t b = 0; b < 256; ++b) heads_.set(head_key(p) | b);
    } else {
      heads_.set(head_key(p));
    }
  }
}

const std::string* WordMatcher::match(std::string_view word) {
  if (!may_match(word)) return nullptr;
  std::string key = lower(word);
  auto it = memo_.find(key);
  if (it == memo_.end()) {
    std::string concept_name;
    const std::string stem = stemmer_(key);
    if (exact_.count(key) != 0 || stems_.count(stem) != 0) {
      concept_name = stem;
    } else {
      for (const auto& prefix : prefixes_) {
        if (key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0) {
          concept_name = "*" + prefix;
          break;
        }
      }
    }
    it = memo_.emplace(std::move(key), std::move(concept_name)).first;
  }
  return it->second.empty() ? nullptr : &it->second;
}

Snippet make_snippet(std::string_view text, WordMatcher& matcher, std::size_t max_bytes) {
  // Slide a window of words no wider than max_bytes; keep the one covering the most
  // distinct concepts (then the most matches), earliest first. Stop early once a window
  // has every concept.
  struct Hit {
    std::size_t begin, end;
    const std::string* concept_name;
  };
  std::deque<Hit> window;
  // Keyed by the concept itself: "runs" and "running" are two memo entries, one concept.
  std::map<std::string_view, int> counts;
  std::size_t best_distinct = 0, best_total = 0, best_begin = 0;
  bool any = false;
  if (!matcher.empty()) {
    for_each_candidate_word(text, matcher, [&](Word w) {
      const std::string* c = matcher.match(text.substr(w.begin, w.end - w.begin));
      if (c == nullptr) return true;
      window.push_back({w.begin, w.end, c});
      ++counts[*c];
      // A window keeps at least its newest word: one word wider than max_bytes (a hash,
      // a base64 blob, a long unbroken CJK run) is a window of its own, cut when shown.
      while (window.size() > 1 && window.back().end - window.front().begin > max_bytes) {
        const std::string_view front = *window.front().concept_name;
        if (--counts[front] == 0) counts.erase(front);
        window.pop_front();
      }
      if (counts.size() > best_distinct ||
          (counts.size() == best_distinct && window.size() > best_total)) {
        best_distinct = counts.size();
        best_total = window.size();
        best_begin = window.front().begin;
        any = true;
      }
      return best_distinct < matcher.concept_count();
    });
  }

  Snippet snippet;
  snippet.matched = any;
  std::size_t begin = 0;
  if (any) {
    // Start a few words before the first match, at a word boundary, for context.
    const std::size_t lead = max_bytes / 4;
    begin = best_begin > lead ? best_begin - lead : 0;
    const std::size_t line_start = text.rfind('\n', best_begin == 0 ? 0 : best_begin - 1);
    if (line_start != std::string_view::npos && line_start + 1 > begin) begin = line_start + 1;
    while (begin > 0 && begin < text.size() && text[begin - 1] != ' ' && text[begin - 1] != '\n') {
      ++begin;
      if (begin >= best_begin) {
        begin = best_begin;
        break;
      }
    }
  }
  std::size_t end = std::min(text.size(), begin + max_bytes);
  if (end < text.size()) {
    const std::size_t space = text.rfind(' ', end);
    if (space != std::string_view::npos && space > begin) end = space;
    while (end > begin && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  }
  while (end > begin && (text[end - 1] == '\n' || text[end - 1] == ' ')) --end;
  snippet.offset = begin;
  std::string html;
  if (begin > 0) html += "\u2026 ";
  append_marked(html, text, begin, end, matcher);
  if (end < text.size()) html += " \u2026";
  snippet.html = flatten_newlines(std::move(html));
  return snippet;
}

std::string highlight(std::string_view text, WordMatcher& matcher) {
  std::string out;
  append_marked(out, text, 0, text.size(), matcher);
  return out;
}

}  // namespace postsearch
