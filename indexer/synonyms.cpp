#include "indexer/synonyms.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/text.h"
#include "indexer/default_synonyms.h"

namespace postsearch {

namespace {

constexpr const char* kFingerprintKey = "postsearch:synonyms";

bool valid_word(const std::string& word) {
  if (word.empty() || word.size() > 64) return false;
  for (Xapian::Utf8Iterator it(word); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    const bool symbol = ch == '+' || ch == '#' || ch == '.' || ch == '-' || ch == '_';
    if (!symbol && !Xapian::Unicode::is_wordchar(ch)) return false;
  }
  return true;
}

// Every key the query parser may look a word up by (its plain and its stemmed form),
// mapped to the stemmed forms of the other words of its group, so that inflections match.
std::map<std::string, std::set<std::string>> synonym_table(const SynonymList& list) {
  const Xapian::Stem stem("english");
  std::map<std::string, std::set<std::string>> table;
  for (const auto& group : list.groups) {
    for (const auto& word : group) {
      for (const auto& other : group) {
        if (other == word) continue;
        const std::string expansion = "Z" + stem(other);
        table[word].insert(expansion);
        table["Z" + stem(word)].insert(expansion);
      }
    }
  }
  return table;
}

std::string fingerprint(const std::map<std::string, std::set<std::string>>& table) {
  std::string out;
  for (const auto& [key, values] : table) {
    out += key;
    for (const auto& v : values) out += '\x1f' + v;
    out += '\n';
  }
  // Metadata values may be long, but keep the stored fingerprint small.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : out) h = (h ^ c) * 0x100000001b3ULL;
  return std::to_string(h) + ":" + std::to_string(out.size());
}

}  // namespace

SynonymList parse_synonyms(std::string_view text) {
  SynonymList list;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string line = text::trim(text.substr(start, end - start));
    start = end + 1;
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (text::find_invalid_utf8(line)) {
      list.problems.push_back({line_no, "not valid UTF-8"});
      continue;
    }
    std::vector<std::string> group;
    std::size_t pos = 0;
    while (pos <= line.size()) {
      std::size_t comma = line.find(',', pos);
      if (comma == std::string::npos) comma = line.size();
      const std::string word = text::fold_case(text::trim(std::string_view(line).substr(pos, comma - pos)));
      pos = comma + 1;
      if (word.empty()) continue;
      if (!valid_word(word)) {
        list.problems.push_back({line_no, "'" + word + "' is not a single word; left out"});
        continue;
      }
      if (std::find(group.begin(), group.end(), word) == group.end()) group.push_back(word);
    }
    if (group.size() < 2) {
      list.problems.push_back({line_no, "a group needs two or more words separated by commas"});
      continue;
    }
    list.groups.push_back(std::move(group));
  }
  return list;
}

std::string_view default_synonyms() { return kDefaultSynonyms; }

bool store_synonyms(Xapian::WritableDatabase& db, const SynonymList& list) {
  const auto table = synonym_table(list);
  const std::string print = fingerprint(table);
  if (db.get_metadata(kFingerprintKey) == print) return false;
  std::vector<std::string> old_keys;
  for (auto it = db.synonym_keys_begin(); it != db.synonym_keys_end(); ++it) old_keys.push_back(*it);
  for (const auto& key : old_keys) db.clear_synonyms(key);
  for (const auto& [key, values] : table) {
    for (const auto& value : values) db.add_synonym(key, value);
  }
  db.set_metadata(kFingerprintKey, print);
  return true;
}

}  // namespace postsearch
