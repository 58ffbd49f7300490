// The post card (SPEC §5): what a search hit, a post lookup and a related post return.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/post.h"

namespace postsearch {

struct CardSection {
  std::string heading;
  std::string anchor;
};

struct Card {
  std::string slug;
  std::string url;
  std::string title;
  std::string date;     // "YYYY-MM-DD" or empty (JSON null)
  std::string updated;  // "YYYY-MM-DD" or empty (JSON null)
  std::vector<std::string> authors;
  std::vector<std::string> tags;
  std::string summary;
  int reading_minutes = 0;
  // Per query; absent on a plain post lookup.
  std::optional<std::string> snippet;  // HTML-safe: only <mark> and </mark> are markup
  std::optional<double> score;         // in (0, 1], the best hit highest
  std::optional<CardSection> section;  // heading under which the snippet lies
};

Card card_from_post(const Post& post);

// JSON in SPEC order. `snippet`, `score` and `section` are written only when `with_match`
// (search hits), as null when unset.
nlohmann::ordered_json card_to_json(const Card& card, bool with_match);

// The stored form (document data) round-trips through these.
std::string serialise_card(const Card& card);
Card deserialise_card(std::string_view data);

}  // namespace postsearch
