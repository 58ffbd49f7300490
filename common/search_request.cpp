#include "common/search_request.h"

#include <algorithm>
#include <charconv>

#include "common/dates.h"
#include "common/errors.h"
#include "common/text.h"

namespace postsearch {

namespace {

[[noreturn]] void bad(const std::string& message) { throw BadRequest("bad_parameter", message); }

const std::string* single(const std::multimap<std::string, std::string>& params,
                          const std::string& name) {
  auto [first, last] = params.equal_range(name);
  if (first == last) return nullptr;
  if (std::next(first) != last) bad("parameter '" + name + "' is given more than once");
  return &first->second;
}

int integer(const std::string& name, const std::string& value) {
  int out = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end || value.empty()) {
    bad("parameter '" + name + "' must be a whole number, not '" + value + "'");
  }
  return out;
}

std::string date_param(const std::string& name, const std::string& value) {
  if (value.empty()) return "";
  auto date = dates::parse_date(value);
  if (!date) bad("parameter '" + name + "' must be a date YYYY-MM-DD, not '" + value + "'");
  return *date;
}

}  // namespace

int parse_limit_param(const std::multimap<std::string, std::string>& params, int fallback) {
  const std::string* limit = single(params, "limit");
  return limit == nullptr ? fallback : integer("limit", *limit);
}

int count_query_words(std::string_view query) {
  int words = 0;
  bool in_word = false;
  for (char c : query) {
    const auto u = static_cast<unsigned char>(c);
    const bool word_char = u >= 0x80 || (u >= '0' && u <= '9') || (u >= 'a' && u <= 'z') ||
                           (u >= 'A' && u <= 'Z');
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return words;
}

void validate_query(std::string_view query, const RequestLimits& limits) {
  if (query.size() > limits.max_query_bytes) {
    bad("query is " + std::to_string(query.size()) + " bytes long; the limit is " +
        std::to_string(limits.max_query_bytes));
  }
  if (text::find_invalid_utf8(query)) bad("query is not valid UTF-8");
  if (query.find('\0') != std::string_view::npos) bad("query contains a NUL character");
  const int words = count_query_words(query);
  if (words > limits.max_query_words) {
    bad("query has " + std::to_string(words) + " words; the limit is " +
        std::to_string(limits.max_query_words));
  }
}

void validate(const SearchRequest& r, const RequestLimits& limits) {
  validate_query(r.query, limits);
  if (r.page < 1) bad("parameter 'page' must be 1 or more");
  if (r.per_page < 1 || r.per_page > limits.max_per_page) {
    bad("parameter 'per_page' must be between 1 and " + std::to_string(limits.max_per_page));
  }
  if (static_cast<long long>(r.page) * r.per_page > limits.max_result_depth) {
    bad("page " + std::to_string(r.page) + " is too deep: only the first " +
        std::to_string(limits.max_result_depth) + " results can be paged through");
  }
  for (const auto& tag : r.tags) {
    if (text::find_invalid_utf8(tag)) bad("parameter 'tag' is not valid UTF-8");
  }
  // A request built by hand (the CLI) may hold anything here: check before echoing.
  for (const auto* date : {&r.since, &r.until}) {
    if (!date->empty() && dates::parse_date(*date) != *date) {
      bad(std::string(date == &r.since ? "'since'" : "'until'") + " must be a date YYYY-MM-DD");
    }
  }
  if (!r.since.empty() && !r.until.empty() && r.since > r.until) {
    bad("'since' (" + r.since + ") is after 'until' (" + r.until + ")");
  }
}

SearchRequest parse_search_params(const std::multimap<std::string, std::string>& params,
                                  const RequestLimits& limits) {
  SearchRequest r;
  r.per_page = std::min(r.per_page, limits.max_per_page);  // a default within the limit
  if (auto q = single(params, "q")) r.query = *q;
  if (auto page = single(params, "page")) r.page = integer("page", *page);
  if (auto per_page = single(params, "per_page")) r.per_page = integer("per_page", *per_page);
  auto [first, last] = params.equal_range("tag");
  for (auto it = first; it != last; ++it) {
    // "tag=a,b" and "tag=a&tag=b" both mean a AND b.
    std::size_t start = 0;
    const std::string& v = it->second;
    while (start <= v.size()) {
      std::size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      std::string tag = text::trim(std::string_view(v).substr(start, comma - start));
      if (!tag.empty()) r.tags.push_back(std::move(tag));
      start = comma + 1;
    }
  }
  if (auto since = single(params, "since")) r.since = date_param("since", *since);
  if (auto until = single(params, "until")) r.until = date_param("until", *until);
  if (auto sort = single(params, "sort")) {
    if (*sort == "relevance" || sort->empty()) {
      r.sort = SortOrder::kRelevance;
    } else if (*sort == "date") {
      r.sort = SortOrder::kDate;
    } else {
      bad("parameter 'sort' must be 'relevance' or 'date', not '" + *sort + "'");
    }
  }
  if (auto partial = single(params, "partial")) r.partial = *partial != "0" && *partial != "false";
  if (auto correct = single(params, "correct")) r.spelling = *correct != "0" && *correct != "false";
  validate(r, limits);
  return r;
}

}  // namespace postsearch
