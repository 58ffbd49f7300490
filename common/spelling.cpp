#include "common/spelling.h"

#include <vector>

#include "common/text.h"

namespace postsearch {

namespace {

struct Token {
  std::size_t begin;
  std::size_t end;
};

// Runs of word characters, with their byte ranges in `query`.
std::vector<Token> tokens(const std::string& query) {
  std::vector<Token> out;
  const char* base = query.data();
  Xapian::Utf8Iterator it(query);
  const Xapian::Utf8Iterator end;
  while (it != end) {
    while (it != end && !Xapian::Unicode::is_wordchar(*it)) ++it;
    if (it == end) break;
    const auto begin = static_cast<std::size_t>(it.raw() - base);
    while (it != end && Xapian::Unicode::is_wordchar(*it)) ++it;
    out.push_back({begin, it == end ? query.size() : static_cast<std::size_t>(it.raw() - base)});
  }
  return out;
}

bool is_operator(std::string_view word) {
  return word == "AND" || word == "OR" || word == "NOT" || word == "XOR" || word == "NEAR" ||
         word == "ADJ";
}

bool has_completion(const Xapian::Database& db, const std::string& prefix) {
  auto it = db.allterms_begin(prefix);
  return it != db.allterms_end(prefix);
}

}  // namespace

std::string spelling_correction(const Xapian::Database& db, std::string_view query, bool partial) {
  return spelling_correction(db, db, query, partial);
}

std::string spelling_correction(const Xapian::Database& db, const Xapian::Database& dictionary,
                                std::string_view query_view, bool partial) {
  const std::string query(query_view);
  const std::vector<Token> words = tokens(query);
  std::string corrected;
  std::size_t copied = 0;
  bool changed = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const Token& t = words[i];
    const std::string word = query.substr(t.begin, t.end - t.begin);
    const bool field_name = t.end < query.size() && query[t.end] == ':';
    if (field_name || is_operator(word) || word.size() < 3 || !text::all_letters(word)) continue;
    const std::string lower = text::fold_case(word);
    if (db.term_exists(lower)) continue;
    const bool typing = partial && i + 1 == words.size() && t.end == query.size();
    if (typing && has_completion(db, lower)) continue;
    const std::string suggestion = dictionary.get_spelling_suggestion(lower);
    if (suggestion.empty() || suggestion == lower) continue;
    corrected.append(query, copied, t.begin - copied);
    corrected += suggestion;
    copied = t.end;
    changed = true;
  }
  if (!changed) return "";
  corrected.append(query, copied, std::string::npos);
  return corrected;
}

}  // namespace postsearch
