// "Did you mean": the spelling correction of a query, word by word, from the dictionary the
// indexer keeps in the database (document_builder.h: spelling_words).
//
// Xapian's QueryParser::FLAG_SPELLING_CORRECTION also "corrects" words that are in the
// index (checker -> checked) and never the word being typed; this module corrects only
// words the index does not know.
#pragma once

#include <string>
#include <string_view>

#include <xapian.h>

namespace postsearch {

// The query with each unknown word replaced by its closest known spelling, or "" when no
// word needs (or has) a correction. Operators, field names (`tag:`), words with digits or
// symbols and words under 3 letters are left alone. With `partial`, the last word is
// unknown only if no indexed word starts with it.
std::string spelling_correction(const Xapian::Database& db, std::string_view query, bool partial);

// The same, with the indexed words read from `words` and the spelling suggestions from
// `dictionary` (a separate dictionary database: remote shards serve no spelling table).
std::string spelling_correction(const Xapian::Database& words, const Xapian::Database& dictionary,
                                std::string_view query, bool partial);

}  // namespace postsearch
