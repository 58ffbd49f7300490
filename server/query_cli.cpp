// postsearch: the same search as /api/search, from a terminal (SPEC §2). It builds the
// same SearchRequest and calls the same Searcher as the server; --json prints exactly the
// API's response body.
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <xapian.h>

#include "common/errors.h"
#include "common/index_sources.h"
#include "common/searcher.h"
#include "common/version.h"

namespace {

std::string default_db() {
  const char* env = std::getenv("POSTSEARCH_DB");
  return env != nullptr && *env != '\0' ? env : "var/index";
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The snippet is HTML: on a terminal, <mark> becomes bold; entities become characters.
std::string snippet_for_terminal(const std::string& html, bool color) {
  std::string out;
  for (std::size_t i = 0; i < html.size();) {
    if (html.compare(i, 6, "<mark>") == 0) {
      out += color ? "\x1b[1;33m" : "";
      i += 6;
    } else if (html.compare(i, 7, "</mark>") == 0) {
      out += color ? "\x1b[0m" : "";
      i += 7;
    } else if (html[i] == '&') {
      static const std::pair<const char*, char> kEntities[] = {
          {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
      bool replaced = false;
      for (const auto& [entity, ch] : kEntities) {
        const std::size_t n = std::char_traits<char>::length(entity);
        if (html.compare(i, n, entity) == 0) {
          out += ch;
          i += n;
          replaced = true;
          break;
        }
      }
      if (!replaced) out += html[i++];
    } else {
      out += html[i++];
    }
  }
  return out;
}

void print_cards(const std::vector<postsearch::Card>& cards, bool color, int first_number = 1) {
  const char* bold = color ? "\x1b[1m" : "";
  const char* dim = color ? "\x1b[2m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  int n = first_number;
  for (const auto& card : cards) {
    std::cout << n++ << ". " << bold << card.title << reset;
    if (!card.date.empty()) std::cout << "  " << dim << card.date << reset;
    std::cout << "\n   " << card.url;
    if (card.section) std::cout << "#" << card.section->anchor;
    std::cout << "\n";
    if (card.snippet && !card.snippet->empty()) {
      std::cout << "   " << snippet_for_terminal(*card.snippet, color) << "\n";
    }
    std::cout << "\n";
  }
}

void print_readable(const postsearch::SearchResponse& r, bool color) {
  if (r.corrected_query) std::cout << "Showing results for: " << *r.corrected_query << "\n";
  if (r.suggestion) std::cout << "Did you mean: " << *r.suggestion << "\n";
  std::cout << r.total << (r.total_is_exact ? "" : "+") << " result" << (r.total == 1 ? "" : "s")
            << " (page " << r.page << ")\n\n";
  print_cards(r.hits, color, (r.page - 1) * r.per_page + 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"postsearch: search the blog's index from a terminal"};
  std::vector<std::string> words;
  std::vector<std::string> dbs;
  std::string dictionary;
  postsearch::SearchRequest request;
  request.partial = false;
  std::string sort = "relevance";
  bool json = false;
  std::string related;
  int limit = 5;
  app.add_option("QUERY", words, "the query (SPEC query language)");
  app.add_option("--db", dbs,
                 "index directory, or tcp://HOST:PORT of a remote shard (xapian-tcpsrv); "
                 "repeat to search several as one (default: $POSTSEARCH_DB or var/index)")
      ->allow_extra_args(false);  // one value per --db: the words after it are the query
  app.add_option("--dict", dictionary,
                 "index or dictionary directory whose spelling and synonyms serve the search "
                 "(remote shards have none; a sharded --db uses its dictionary/)");
  app.add_option("--page", request.page, "result page (from 1)");
  app.add_option("--per-page", request.per_page, "results per page (1-100)");
  app.add_option("--tag", request.tags, "only posts with this tag (repeatable: all must match)");
  app.add_option("--since", request.since, "only posts dated on or after YYYY-MM-DD");
  app.add_option("--until", request.until, "only posts dated on or before YYYY-MM-DD");
  app.add_option("--sort", sort, "relevance or date")->check(CLI::IsMember({"relevance", "date"}));
  app.add_flag("--json", json, "print the API's response body");
  app.add_option("--related", related, "posts related to the post with this slug (no QUERY)");
  app.add_option("--limit", limit, "how many related posts (1-50)");
  app.set_version_flag("--version", postsearch::version_line("postsearch"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  if (dbs.empty()) dbs.push_back(default_db());
  std::string db;
  for (const auto& d : dbs) db += (db.empty() ? "" : ", ") + d;
  try {
    const postsearch::IndexSet indexes = postsearch::parse_index_set(dbs, dictionary);
    postsearch::Searcher searcher(indexes);
    if (!related.empty()) {
      if (!words.empty()) throw postsearch::BadRequest("bad_parameter", "--related takes no QUERY");
      const auto response = searcher.related(related, limit);
      if (!response) {
        std::cerr << "postsearch: no post with slug '" << related << "'\n";
        return 2;
      }
      if (json) {
        std::cout << postsearch::related_to_json(*response).dump() << "\n";
      } else {
        print_cards(response->hits, isatty(STDOUT_FILENO) != 0);
      }
      return 0;
    }
    // Parameters go through the API's own parser, so the CLI accepts and rejects exactly
    // what /api/search does.
    std::multimap<std::string, std::string> params{{"q", join(words)},
                                                   {"page", std::to_string(request.page)},
                                                   {"per_page", std::to_string(request.per_page)},
                                                   {"sort", sort},
                                                   {"partial", "0"}};
    for (const auto& tag : request.tags) params.emplace("tag", tag);
    if (!request.since.empty()) params.emplace("since", request.since);
    if (!request.until.empty()) params.emplace("until", request.until);
    const postsearch::SearchRequest parsed = postsearch::parse_search_params(params);
    const postsearch::SearchResponse response = searcher.search(parsed);
    if (json) {
      std::cout << postsearch::response_to_json(response).dump() << "\n";
    } else {
      print_readable(response, isatty(STDOUT_FILENO) != 0);
    }
    return 0;
  } catch (const postsearch::BadRequest& e) {
    std::cerr << "postsearch: " << e.what() << "\n";
  } catch (const postsearch::IndexUnavailable& e) {
    std::cerr << "postsearch: " << e.what() << " [index: " << db << "]\n";
  } catch (const Xapian::Error& e) {
    std::cerr << "postsearch: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "postsearch: " << e.what() << "\n";
  }
  return 2;
}
