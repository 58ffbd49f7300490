#include "common/card.h"

namespace postsearch {

using nlohmann::ordered_json;

namespace {

ordered_json date_or_null(const std::string& date) {
  return date.empty() ? ordered_json(nullptr) : ordered_json(date);
}

}  // namespace

Card card_from_post(const Post& post) {
  Card card;
  card.slug = post.slug;
  card.url = post.url;
  card.title = post.title;
  card.date = post.date;
  card.updated = post.updated;
  card.authors = post.authors;
  card.tags = post.tags;
  card.summary = post.summary;
  card.reading_minutes = post.reading_minutes;
  return card;
}

ordered_json card_to_json(const Card& card, bool with_match) {
  ordered_json j;
  j["slug"] = card.slug;
  j["url"] = card.url;
  j["title"] = card.title;
  j["date"] = date_or_null(card.date);
  j["updated"] = date_or_null(card.updated);
  j["authors"] = card.authors;
  j["tags"] = card.tags;
  j["summary"] = card.summary;
  j["reading_minutes"] = card.reading_minutes;
  if (with_match) {
    j["snippet"] = card.snippet ? ordered_json(*card.snippet) : ordered_json(nullptr);
    j["score"] = card.score ? ordered_json(*card.score) : ordered_json(nullptr);
    if (card.section) {
      j["section"] = {{"heading", card.section->heading}, {"anchor", card.section->anchor}};
    } else {
      j["section"] = nullptr;
    }
  }
  return j;
}

std::string serialise_card(const Card& card) { return card_to_json(card, false).dump(); }

Card deserialise_card(std::string_view data) {
  const auto j = nlohmann::json::parse(data);
  Card card;
  card.slug = j.at("slug").get<std::string>();
  card.url = j.at("url").get<std::string>();
  card.title = j.at("title").get<std::string>();
  card.date = j.at("date").is_null() ? "" : j.at("date").get<std::string>();
  card.updated = j.at("updated").is_null() ? "" : j.at("updated").get<std::string>();
  card.authors = j.at("authors").get<std::vector<std::string>>();
  card.tags = j.at("tags").get<std::vector<std::string>>();
  card.summary = j.at("summary").get<std::string>();
  card.reading_minutes = j.at("reading_minutes").get<int>();
  return card;
}

}  // namespace postsearch
