// Every boolean and exact-match term of the index schema (common/schema.h), built from a
// post's values by the indexer and from a request's values by the searcher with the same
// functions, so that the two sides cannot disagree (a long tag once never matched: the
// indexer shortened it and the searcher did not).
#pragma once

#include <string>
#include <string_view>

namespace postsearch::terms {

// Xapian refuses terms over 245 bytes; a term longer than this is shortened.
inline constexpr std::size_t kMaxTermBytes = 240;

// prefix + value, or when longer than kMaxTermBytes, its first bytes (cut at a UTF-8
// boundary) + '#' + 16 hex digits of the FNV-1a hash of the whole value.
std::string bounded(std::string_view prefix, std::string_view value);

// "Q" + slug: one document per slug.
std::string unique_id(std::string_view slug);
// "K" + the tag, case-folded: `tag:` filters and the tag facet.
std::string tag(std::string_view tag);
// "Y" + the year as written: `year:` filters.
std::string year(std::string_view year);
// "XA" + an old URL of a post, normalised (normalise_alias); empty when nothing is left of it.
std::string alias(std::string_view url);
// "XT" + the title normalised for matching (text::normalise_for_match); empty when
// nothing is left of it.
std::string exact_title(std::string_view title);

// An old URL reduced to the form aliases are matched in: no scheme or host, no leading or
// trailing '/' ("https://blog.example/2014/12/12/x.html/" -> "2014/12/12/x.html").
std::string normalise_alias(std::string_view url);

}  // namespace postsearch::terms
