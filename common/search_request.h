// A search as the API and the CLI ask for it, validated in one place (SPEC §2, §4).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace postsearch {

enum class SortOrder { kRelevance, kDate };

struct SearchRequest {
  std::string query;
  int page = 1;
  int per_page = 10;
  std::vector<std::string> tags;  // every tag must be present (AND)
  std::string since;              // "YYYY-MM-DD" or empty
  std::string until;              // "YYYY-MM-DD" or empty
  SortOrder sort = SortOrder::kRelevance;
  // The last word matches as a prefix (search as you type). On for the API, off for the CLI.
  bool partial = true;
  // Count tags and years over the whole result set (costs a full match); off for titles in
  // search-box suggestions.
  bool facets = true;
  bool snippets = true;  // snippet and section on each hit
};

inline constexpr int kMaxPerPage = 100;
inline constexpr int kMaxResultDepth = 10000;  // page * per_page
inline constexpr std::size_t kMaxQueryBytes = 1024;

// Builds a request from query-string parameters (already percent-decoded). Unknown
// parameters are ignored; a repeated single-valued parameter is an error. Throws
// BadRequest("bad_parameter", ...) naming the parameter and what it accepts.
SearchRequest parse_search_params(const std::multimap<std::string, std::string>& params);

// The `limit` parameter of /api/suggest and /related: `fallback` when absent. Throws
// BadRequest when it is not a whole number or given twice (the range is the callee's).
int parse_limit_param(const std::multimap<std::string, std::string>& params, int fallback);

// Checks the ranges of a request built by hand (the CLI); the parser calls it too.
void validate(const SearchRequest& request);

}  // namespace postsearch
