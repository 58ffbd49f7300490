// Synonyms: groups of equivalent words (data/synonyms.txt) stored in the index's synonym
// table, which the searcher's query parser expands each query word with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace postsearch {

struct SynonymProblem {
  std::size_t line = 0;
  std::string reason;
};

struct SynonymList {
  std::vector<std::vector<std::string>> groups;  // each group: two or more words, lower case
  std::vector<SynonymProblem> problems;          // lines or words that were left out
};

// Parses the synonyms file format (see data/synonyms.txt). Never throws: bad words and
// lines are reported in `problems` and left out.
SynonymList parse_synonyms(std::string_view text);

// The built-in default list (data/synonyms.txt at build time).
std::string_view default_synonyms();

// Makes the index's synonym table hold exactly `list`. Leaves the table alone (and returns
// false) when it already does, so an unchanged list costs no commit.
bool store_synonyms(Xapian::WritableDatabase& db, const SynonymList& list);

}  // namespace postsearch
