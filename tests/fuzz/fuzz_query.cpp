// Fuzzes the query side: a query string and request parameters through Searcher::search,
// suggest, related and find_post, over an index of data/posts built once at startup.
//
// Input layout (seeds are easy to write by hand):
//   byte 0    what to call (bits 0-1: search, suggest, related, find_post) and search flags
//             (bit 2 sort by date, bit 3 partial last word, bit 4 facets, bit 5 snippets,
//             bit 6 a request built by hand, checked only by validate(), instead of one
//             from parse_search_params as the API and the CLI build it)
//   byte 1    page (signed), byte 2 per_page (signed), byte 3 limit (signed)
//   the rest  lines: query (or slug), since, until, then one tag per line
// Missing bytes count as 0. BadRequest and IndexUnavailable are the expected errors; any
// other exception escapes and libFuzzer reports it. (Whether an error message is fit for
// JSON is fuzz_http_request's business: the router checks parameters are UTF-8 first.)
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "common/searcher.h"
#include "card_checks.h"
#include "fuzz_support.h"

namespace {

using namespace postsearch;

std::unique_ptr<Searcher> searcher;

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> lines;
  while (true) {
    const std::size_t nl = s.find('\n');
    lines.emplace_back(s.substr(0, nl));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  searcher = std::make_unique<Searcher>(fuzz::index_path());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint8_t control[4] = {0, 0, 0, 0};
  const std::size_t n = size < 4 ? size : 4;
  for (std::size_t i = 0; i < n; ++i) control[i] = data[i];
  const std::vector<std::string> lines =
      split_lines(std::string_view(reinterpret_cast<const char*>(data) + n, size - n));
  const auto signed_byte = [](std::uint8_t b) { return static_cast<int>(static_cast<std::int8_t>(b)); };
  const int limit = signed_byte(control[3]);

  try {
    switch (control[0] & 3) {
      case 0: {
        SearchRequest request;
        const int page = signed_byte(control[1]);
        const int per_page = signed_byte(control[2]);
        const bool by_date = (control[0] & 4) != 0;
        const bool partial = (control[0] & 8) != 0;
        if (control[0] & 64) {
          request.query = lines[0];
          request.page = page;
          request.per_page = per_page;
          request.sort = by_date ? SortOrder::kDate : SortOrder::kRelevance;
          request.partial = partial;
          if (lines.size() > 1) request.since = lines[1];
          if (lines.size() > 2) request.until = lines[2];
          for (std::size_t i = 3; i < lines.size() && i < 8; ++i) request.tags.push_back(lines[i]);
        } else {
          std::multimap<std::string, std::string> params{
              {"q", lines[0]},
              {"page", std::to_string(page)},
              {"per_page", std::to_string(per_page)},
              {"sort", by_date ? "date" : "relevance"},
              {"partial", partial ? "1" : "0"}};
          if (lines.size() > 1 && !lines[1].empty()) params.emplace("since", lines[1]);
          if (lines.size() > 2 && !lines[2].empty()) params.emplace("until", lines[2]);
          for (std::size_t i = 3; i < lines.size() && i < 8; ++i) params.emplace("tag", lines[i]);
          request = parse_search_params(params);
        }
        request.facets = (control[0] & 16) != 0;
        request.snippets = (control[0] & 32) != 0;
        const SearchResponse response = searcher->search(request);
        if (response.hits.size() > static_cast<std::size_t>(request.per_page)) {
          fuzz::fail("more hits than per_page", request.query);
        }
        fuzz::check_cards(response.hits);
        fuzz::check_utf8("search response JSON", response_to_json(response).dump());
        break;
      }
      case 1: {
        const SuggestResponse response = searcher->suggest(lines[0], limit);
        if (response.suggestions.size() > static_cast<std::size_t>(limit)) {
          fuzz::fail("more suggestions than the limit", lines[0]);
        }
        fuzz::check_utf8("suggest response JSON", suggest_to_json(response).dump());
        break;
      }
      case 2: {
        if (auto response = searcher->related(lines[0], limit)) {
          for (const Card& card : response->hits) {
            if (card.slug == lines[0]) fuzz::fail("a post is related to itself", card.slug);
          }
          fuzz::check_utf8("related response JSON", related_to_json(*response).dump());
        }
        break;
      }
      case 3: {
        if (auto card = searcher->find_post(lines[0])) {
          if (card->slug != lines[0]) fuzz::fail("find_post returned another post", card->slug);
        }
        break;
      }
    }
  } catch (const BadRequest&) {
  } catch (const IndexUnavailable&) {
  }
  return 0;
}
