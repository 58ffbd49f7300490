#include "common/snippet.h"

#include <algorithm>
#include <deque>
#include <map>

#include "common/text.h"

namespace postsearch {

namespace {

struct Word {
  std::size_t begin;
  std::size_t end;
};

// Calls `fn(Word)` for each word (a run of Xapian word characters) of `text`; stops when
// `fn` returns false.
template <typename Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  const char* base = text.data();
  Xapian::Utf8Iterator it(base, text.size());
  const Xapian::Utf8Iterator end;
  while (it != end) {
    while (it != end && !Xapian::Unicode::is_wordchar(*it)) ++it;
    if (it == end) break;
    const std::size_t begin = static_cast<std::size_t>(it.raw() - base);
    while (it != end && Xapian::Unicode::is_wordchar(*it)) ++it;
    const std::size_t stop = it == end ? text.size() : static_cast<std::size_t>(it.raw() - base);
    if (!fn(Word{begin, stop})) return;
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
}

const std::string* WordMatcher::match(std::string_view word) {
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
  std::map<const std::string*, int> counts;
  std::size_t best_distinct = 0, best_total = 0, best_begin = 0;
  bool any = false;
  if (!matcher.empty()) {
    for_each_word(text, [&](Word w) {
      const std::string* c = matcher.match(text.substr(w.begin, w.end - w.begin));
      if (c == nullptr) return true;
      window.push_back({w.begin, w.end, c});
      ++counts[c];
      while (window.back().end - window.front().begin > max_bytes) {
        if (--counts[window.front().concept_name] == 0) counts.erase(window.front().concept_name);
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
