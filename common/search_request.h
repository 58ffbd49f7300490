// A search as the API and the CLI ask for it, validated in one place (SPEC §2, §4).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
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
  // A query without hits is retried with its spelling correction (SPEC §3). `correct=0`
  // turns that off: the search page's "search instead for" link asks for the query as typed.
  bool spelling = true;
};

inline constexpr int kMaxPerPage = 100;
inline constexpr int kMaxResultDepth = 10000;  // page * per_page
inline constexpr std::size_t kMaxQueryBytes = 1024;
inline constexpr int kMaxQueryWords = 48;

// What one request may ask for. Every bound keeps the cost of a query small and
// predictable; the server takes each from a command-line option (README: "Limits").
struct RequestLimits {
  std::size_t max_query_bytes = kMaxQueryBytes;
  int max_query_words = kMaxQueryWords;  // runs of letters and digits in `q`
  int max_per_page = kMaxPerPage;
  int max_result_depth = kMaxResultDepth;  // page * per_page
};

// Runs of letters and digits (any non-ASCII byte counts as a letter): roughly the terms a
// query turns into, before any expansion.
int count_query_words(std::string_view query);

// Builds a request from query-string parameters (already percent-decoded). Unknown
// parameters are ignored; a repeated single-valued parameter is an error. Throws
// BadRequest("bad_parameter", ...) naming the parameter and what it accepts.
SearchRequest parse_search_params(const std::multimap<std::string, std::string>& params,
                                  const RequestLimits& limits = {});

// The `limit` parameter of /api/suggest and /related: `fallback` when absent. Throws
// BadRequest when it is not a whole number or given twice (the range is the callee's).
int parse_limit_param(const std::multimap<std::string, std::string>& params, int fallback);

// Checks the ranges of a request built by hand (the CLI); the parser calls it too.
void validate(const SearchRequest& request, const RequestLimits& limits = {});

// The checks every query string gets, in a search or a suggestion: length, UTF-8, words.
void validate_query(std::string_view query, const RequestLimits& limits = {});

}  // namespace postsearch
