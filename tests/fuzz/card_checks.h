// Invariants every response of the query side keeps, whatever the query and whatever the
// posts: checked by fuzz_query and fuzz_post_query on each response. A broken one is a
// finding (fuzz::fail aborts).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/card.h"
#include "fuzz_support.h"

namespace postsearch::fuzz {

// SPEC §5: a score in (0, 1]; a snippet that is valid UTF-8 and whose only markup is <mark>
// and </mark>.
inline void check_cards(const std::vector<Card>& cards) {
  for (const Card& card : cards) {
    if (card.score && !(*card.score > 0 && *card.score <= 1)) {
      fail("card score outside (0, 1]: " + std::to_string(*card.score), card.slug);
    }
    if (card.snippet) {
      std::string rest = *card.snippet;
      for (std::string_view tag : {"<mark>", "</mark>"}) {
        for (std::size_t at; (at = rest.find(tag)) != std::string::npos;) rest.erase(at, tag.size());
      }
      if (rest.find('<') != std::string::npos) fail("markup in a snippet", *card.snippet);
      check_utf8("snippet", *card.snippet);
    }
  }
}

// How often `needle` occurs in `hay` (ASCII case-insensitive): the rendered page may hold no
// more script elements or javascript: URLs than its template, whatever the posts say.
inline std::size_t count_ci(std::string_view hay, std::string_view needle) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  std::size_t n = 0;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t k = 0;
    while (k < needle.size() && lower(hay[i + k]) == needle[k]) ++k;
    if (k == needle.size()) ++n;
  }
  return n;
}

}  // namespace postsearch::fuzz
