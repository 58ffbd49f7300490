// Post -> Xapian document, following schema.h. Owns a TermGenerator, so one builder per
// thread (no Xapian object is thread-safe).
#pragma once

#include <string>
#include <string_view>

#include <xapian.h>

#include "common/post.h"

namespace postsearch {

// Where a document came from, stored beside it so the indexer can diff the next run.
struct SourceInfo {
  std::string path;          // the file, as the indexer names it
  std::string content_hash;  // hex digest of bytes + options + schema version
  std::string file_stamp;    // modification time and size, to skip reading unchanged files
};

class DocumentBuilder {
 public:
  DocumentBuilder();
  // The returned document is referenced by nothing else, so it may be handed to another
  // thread (Xapian's reference counts are not atomic).
  Xapian::Document build(const Post& post, const SourceInfo& source);

 private:
  void index_code_identifiers(const std::string& code);

  Xapian::Stem stemmer_;
  Xapian::TermGenerator generator_;
};

// The three parts of a document's data (schema.h).
struct DocumentData {
  std::string card;      // serialised card JSON
  std::string sections;  // JSON [[offset, heading, anchor], ...]
  std::string text;      // plain text for snippets
};
std::string encode_document_data(std::string_view card, std::string_view sections,
                                 std::string_view text);
// Throws Xapian::DatabaseCorruptError when `data` is not what encode_document_data wrote.
DocumentData decode_document_data(std::string_view data);
// Only the card (nothing else unpacked).
std::string decode_document_card(std::string_view data);

// The words of a document that feed the spelling dictionary: its distinct unprefixed terms
// made only of letters, 3 to 30 bytes long. The indexer adds them (once per document) when
// it writes a document and removes them when it replaces or deletes it, so the dictionary
// after any sequence of updates equals that of a fresh build.
std::vector<std::string> spelling_words(const Xapian::Document& doc);

// Terms of code-like identifiers split into their words: "WaitGroup" -> wait, group;
// "snake_case_name" -> snake, case, name; "HTTPServer" -> http, server. Lower-cased.
// Returns nothing for an identifier that is a single word.
std::vector<std::string> split_identifier(std::string_view identifier);

}  // namespace postsearch
