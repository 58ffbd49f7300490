// The index schema: every term prefix and value slot the indexer writes and the searcher
// reads, with its encoding. Change anything here and bump kSchemaVersion, which is mixed
// into every post's content hash so that the next run rewrites every document.
#pragma once

#include <string_view>

#include <xapian.h>

namespace postsearch::schema {

inline constexpr std::string_view kSchemaVersion = "postsearch-schema-3";

// --- Term prefixes (Xapian conventions where one exists) ---
// Free-text fields (positional, stemmed, searchable with `field:word`):
inline constexpr std::string_view kTitle = "S";    // title words; `title:`
inline constexpr std::string_view kAuthor = "A";   // author name words; `author:`
inline constexpr std::string_view kHeading = "XH"; // heading words (also indexed unprefixed)
// Boolean (filter) terms, exact and lower-cased:
inline constexpr std::string_view kUniqueId = "Q"; // "Q" + slug: one document per slug
inline constexpr std::string_view kSourcePath = "XP"; // "XP" + path relative to its posts dir root
inline constexpr std::string_view kTag = "K";      // "K" + lower-cased tag; `tag:`
inline constexpr std::string_view kYear = "Y";     // "Y" + four-digit year; `year:`
inline constexpr std::string_view kAlias = "XA";   // "XA" + alias URL path, exact
// "XT" + normalised whole title: lets an exact title query outrank everything else.
inline constexpr std::string_view kExactTitle = "XT";

// --- Value slots ---
enum Slot : Xapian::valueno {
  kDate = 0,          // "YYYYMMDD" (empty when the post has no date); date ranges and sorting
  kSlug = 1,          // the slug, for stable tie-breaking
  kContentHash = 2,   // hex hash of file bytes + schema + indexing options
  kSourceKey = 3,     // the path of the file the document came from, as the indexer found it
  kTags = 4,          // lower-cased tags joined by '\x1f', for facet counting
  kFileStamp = 5,     // "<mtime ns>:<size>" of that file: unchanged stamp, unchanged file
};

// Weights given to each kind of text (wdf increments): title above headings above body.
inline constexpr unsigned kTitleWeight = 6;
inline constexpr unsigned kHeadingWeight = 2;
inline constexpr unsigned kSummaryWeight = 2;
inline constexpr unsigned kBodyWeight = 1;

// Document data (one read per hit, cheaper than large values, which Xapian stores in
// chunks shared by many documents): three parts, each packed as a Zstandard frame, after the
// byte lengths of the first two frames (4 bytes each, little-endian; schema 2):
//   card JSON (without the per-query snippet, score and section)
//   sections JSON [[byte offset into the text, heading, anchor], ...]
//   plain text of the post, blocks separated by '\n', for snippets
// See encode_document_data / decode_document_data in document_builder.h.

}  // namespace postsearch::schema
