// Query latency benchmark: top-10 cards with snippets and facets, in-process, one thread,
// over a file of search-box queries, beside a baseline measured in the same run: Xapian's
// bare match (QueryParser + get_mset, no cards, no snippets) on the same index.
//
//   query-latency-bench DB QUERIES_FILE [ROUNDS]
//
// Prints medians, p90 and p99 in microseconds and their ratio, and how many searches ran
// out of the searcher's time budget (facets not exact). Asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <xapian.h>

#include "common/searcher.h"

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * (v.size() - 1))];
}

template <typename Fn>
std::vector<double> time_each(const std::vector<std::string>& queries, int rounds, Fn&& fn) {
  std::vector<double> micros;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& q : queries) {
      const auto start = Clock::now();
      fn(q);
      micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
  }
  return micros;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB QUERIES_FILE [ROUNDS]\n", argv[0]);
    return 2;
  }
  const std::string db_path = argv[1];
  const int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  std::vector<std::string> queries;
  std::ifstream in(argv[2]);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) queries.push_back(line);
  }

  postsearch::Searcher searcher(db_path);
  std::size_t over_budget = 0;
  auto ours = [&](const std::string& q) {
    postsearch::SearchRequest r;
    r.query = q;
    const auto response = searcher.search(r);
    if (!response.facets_exact) ++over_budget;
    return response.hits.size();
  };
  Xapian::Database db(db_path);
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem("english"));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(db);
  auto bare = [&](const std::string& q) {
    Xapian::Enquire enquire(db);
    try {
      enquire.set_query(parser.parse_query(q, Xapian::QueryParser::FLAG_DEFAULT |
                                                  Xapian::QueryParser::FLAG_PARTIAL));
    } catch (const Xapian::QueryParserError&) {
      return std::size_t{0};
    }
    return static_cast<std::size_t>(enquire.get_mset(0, 10).size());
  };
  // The search box as the user types: each query with its last two characters still to come.
  std::vector<std::string> typing;
  for (const auto& q : queries) typing.push_back(q.size() > 3 ? q.substr(0, q.size() - 2) : q);
  auto suggest = [&](const std::string& q) { return searcher.suggest(q).suggestions.size(); };
  time_each(typing, 1, suggest);
  const auto c = time_each(typing, rounds, suggest);

  time_each(queries, 1, ours);  // warm the caches for both
  time_each(queries, 1, bare);
  over_budget = 0;
  const auto a = time_each(queries, rounds, ours);
  const auto b = time_each(queries, rounds, bare);
  const double a50 = percentile(a, 0.5), a99 = percentile(a, 0.99);
  const double b50 = percentile(b, 0.5), b99 = percentile(b, 0.99);
  std::printf("| in-process, one thread, %zu queries x %d rounds | median µs | p90 µs | p99 µs |\n",
              queries.size(), rounds);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| postsearch: top-10 cards + snippets + facets | %.0f | %.0f | %.0f |\n", a50,
              percentile(a, 0.9), a99);
  std::printf("| baseline: bare Xapian match, top 10 | %.0f | %.0f | %.0f |\n", b50,
              percentile(b, 0.9), b99);
  std::printf("| ratio | %.1fx | %.1fx | %.1fx |\n", a50 / b50,
              percentile(a, 0.9) / percentile(b, 0.9), a99 / b99);
  std::printf("| postsearch suggest: completions + 5 titles, query minus its last 2 chars | %.0f | %.0f | %.0f |\n",
              percentile(c, 0.5), percentile(c, 0.9), percentile(c, 0.99));
  std::printf("\nsearches over the time budget (facets not exact): %zu of %zu\n", over_budget,
              a.size());
  return 0;
}
