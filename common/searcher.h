// The searcher: one query in, one page of cards out. Used by the HTTP server (one Searcher
// per worker thread) and the `postsearch` CLI, so there is exactly one search implementation.
//
// Not thread-safe: it owns a Xapian database handle, query parser and stemmer, none of
// which may be shared between threads. Each call first picks up the latest committed
// revision of the index, so a running server sees the indexer's commits without a restart.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/card.h"
#include "common/index_sources.h"
#include "common/search_request.h"

namespace postsearch {

struct SearchResponse {
  std::string query;
  std::optional<std::string> corrected_query;  // results are for this rewrite of the query
  std::optional<std::string> suggestion;       // a correction offered beside the results
  std::size_t total = 0;
  bool total_is_exact = true;
  int page = 1;
  int per_page = 10;
  double took_ms = 0;
  std::vector<Card> hits;
  std::map<std::string, std::size_t> tag_counts;   // over the whole result set
  std::map<std::string, std::size_t> year_counts;  // "2019" -> n
  // False when the time budget ran out before every match was counted for the facets.
  bool facets_exact = true;
};

// Search-box completions (SPEC §4 /api/suggest).
struct SuggestResponse {
  std::string query;
  std::vector<std::string> suggestions;  // the query with its last word completed
  std::vector<Card> titles;              // best-matching posts, as cards without snippets
};

// Posts like a given one (SPEC §4 /api/posts/{slug}/related).
struct RelatedResponse {
  std::string slug;
  std::vector<Card> hits;
};

struct IndexStatus {
  std::size_t posts = 0;
  std::string updated;  // RFC 3339 time of the last commit, or empty
  // Identifies the committed index this status was read from: the database's UUID and
  // revision ("<uuid>:<rev>"). It changes with every commit and every --full swap, so the
  // HTTP layer derives ETags from it. Cheap: no document is read.
  std::string version;
};

nlohmann::ordered_json response_to_json(const SearchResponse& response);
nlohmann::ordered_json suggest_to_json(const SuggestResponse& response);
nlohmann::ordered_json related_to_json(const RelatedResponse& response);

inline constexpr int kMaxSuggestions = 20;
inline constexpr int kMaxRelated = 50;
// A wildcard ("sync*") or search-as-you-type prefix stands for at most this many words,
// the most frequent ones: "a*" on a large archive would otherwise OR thousands of terms.
inline constexpr unsigned kMaxWildcardTerms = 256;

struct SearcherOptions {
  RequestLimits limits;
  // The time budget of one search. When it runs out, counting matches for the facets stops
  // (facets_exact: false) — the top hits and the total are still exact — and no fallback
  // pass (spelling correction, any-word) starts. Xapian's own Enquire::set_time_limit is not
  // used (a race in 1.4; see searcher.cpp). 0: no budget.
  std::chrono::milliseconds time_limit{500};
  // Remote shards (tcp://): how long one exchange with xapian-tcpsrv, and connecting to it,
  // may take before the search fails with IndexUnavailable.
  std::chrono::milliseconds remote_timeout{10'000};
  std::chrono::milliseconds remote_connect_timeout{2'000};
  // Bytes of recently shown posts (card, sections, unpacked text) kept for the next searches
  // that show them (common/hit_cache.h); emptied when the index changes. 0: none.
  std::size_t hit_cache_bytes = 32 * 1024 * 1024;
};

class Searcher {
 public:
  // Opens lazily: a missing index is reported by the calls, not here.
  explicit Searcher(std::filesystem::path db_path, SearcherOptions options = {});
  // Several databases searched as one (README "Shards"): local index directories (a sharded
  // one expands to its shards), remote tcp:// shards, and where spelling and synonyms come
  // from. Results equal those of one database holding the same posts. Opens lazily, as above;
  // a bad SHARDS file or an unreachable remote shard is IndexUnavailable from the calls.
  explicit Searcher(IndexSet indexes, SearcherOptions options = {});
  ~Searcher();
  Searcher(const Searcher&) = delete;
  Searcher& operator=(const Searcher&) = delete;

  // Throws BadRequest for a query that cannot be understood, IndexUnavailable when the
  // index cannot be opened or read.
  SearchResponse search(const SearchRequest& request);

  // The card of one post, or nullopt. Throws IndexUnavailable.
  std::optional<Card> find_post(const std::string& slug);

  // Completions of the last word of `query` (indexed words that start with it, most used
  // first) and the `limit` best-matching posts. Throws BadRequest for a query that is too
  // long or not UTF-8, or a limit outside 1..kMaxSuggestions; IndexUnavailable.
  SuggestResponse suggest(const std::string& query, int limit = 5);

  // Up to `limit` posts most like `slug`, from the index's own term statistics (the post's
  // most distinctive words), never the post itself; nullopt when the slug is unknown.
  // Throws BadRequest for a limit outside 1..kMaxRelated; IndexUnavailable.
  std::optional<RelatedResponse> related(const std::string& slug, int limit = 5);

  IndexStatus status();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postsearch
