// Query latency benchmark: top-10 cards with snippets and facets, in-process, one thread,
// over a file of search-box queries, beside a baseline measured in the same run: Xapian's
// bare match (QueryParser + get_mset, no cards, no snippets) on the same index.
//
//   query-latency-bench DB QUERIES_FILE [ROUNDS] [--tsv] [--threads N [--seconds S]]
//
// Prints medians, p90 and p99 in microseconds and their ratio, and how many searches ran
// out of the searcher's time budget (facets not exact). Asserts nothing.
//   --tsv         the same figures as "key<TAB>value" lines (bench/compare.sh reads them)
//   --threads N   also the searcher's rate on N threads (queries/s, each thread with its own
//                 Searcher, as each server thread has, cycling the queries from a different
//                 place) for S seconds (default 5): the ceiling of what the server can serve
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
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

struct Options {
  std::string db_path;
  std::string queries_path;
  int rounds = 5;
  bool tsv = false;
  int threads = 0;  // 0: no throughput run
  double seconds = 5;
};

bool parse_options(int argc, char** argv, Options& o) {
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--tsv") {
      o.tsv = true;
    } else if (arg == "--threads" && i + 1 < argc) {
      o.threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--seconds" && i + 1 < argc) {
      o.seconds = std::max(0.1, std::atof(argv[++i]));
    } else if (arg.starts_with("--")) {
      return false;
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() < 2 || positional.size() > 3) return false;
  o.db_path = positional[0];
  o.queries_path = positional[1];
  if (positional.size() == 3) o.rounds = std::max(1, std::atoi(positional[2].c_str()));
  return true;
}

// Searches per second on `threads` threads, each with its own Searcher, for `seconds`. Each
// thread first runs every query once (its Searcher warm, as a server thread's is), and the
// clock starts when all are warm.
double throughput(const std::string& db_path, const std::vector<std::string>& queries, int threads,
                  double seconds) {
  std::atomic<int> warm{0};
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::size_t> done(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      postsearch::Searcher searcher(db_path);
      auto search = [&](const std::string& q) {
        postsearch::SearchRequest r;
        r.query = q;
        searcher.search(r);
      };
      for (const auto& q : queries) search(q);
      ++warm;
      while (!go.load()) std::this_thread::yield();
      std::size_t i = queries.size() * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
      std::size_t n = 0;
      for (; !stop.load(std::memory_order_relaxed); ++n) search(queries[i++ % queries.size()]);
      done[static_cast<std::size_t>(t)] = n;
    });
  }
  while (warm.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::size_t total = 0;
  for (auto n : done) total += n;
  return static_cast<double>(total) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse_options(argc, argv, options)) {
    std::fprintf(stderr, "usage: %s DB QUERIES_FILE [ROUNDS] [--tsv] [--threads N [--seconds S]]\n", argv[0]);
    return 2;
  }
  const std::string& db_path = options.db_path;
  const int rounds = options.rounds;
  std::vector<std::string> queries;
  std::ifstream in(options.queries_path);
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

  // The same searches with no hit cache (SearcherOptions::hit_cache_bytes 0): every hit's
  // data read from the index and unpacked, its card parsed, as on a post's first showing.
  postsearch::SearcherOptions uncached_options;
  uncached_options.hit_cache_bytes = 0;
  postsearch::Searcher uncached_searcher(db_path, uncached_options);
  auto uncached = [&](const std::string& q) {
    postsearch::SearchRequest r;
    r.query = q;
    return uncached_searcher.search(r).hits.size();
  };

  time_each(queries, 1, ours);  // warm the caches for all
  time_each(queries, 1, bare);
  time_each(queries, 1, uncached);
  over_budget = 0;
  const auto a = time_each(queries, rounds, ours);
  const auto b = time_each(queries, rounds, bare);
  const auto u = time_each(queries, rounds, uncached);
  const double a50 = percentile(a, 0.5), a99 = percentile(a, 0.99);
  const double b50 = percentile(b, 0.5), b99 = percentile(b, 0.99);
  // Measured after the latencies, so that one thread's figures are not disturbed.
  const double rate = options.threads > 0 ? throughput(db_path, queries, options.threads, options.seconds) : 0;
  if (options.tsv) {
    std::printf("queries\t%zu\nrounds\t%d\n", queries.size(), rounds);
    std::printf("median_us\t%.1f\np90_us\t%.1f\np99_us\t%.1f\n", a50, percentile(a, 0.9), a99);
    std::printf("bare_median_us\t%.1f\nbare_p99_us\t%.1f\n", b50, b99);
    std::printf("uncached_median_us\t%.1f\nuncached_p99_us\t%.1f\n", percentile(u, 0.5), percentile(u, 0.99));
    std::printf("suggest_median_us\t%.1f\nsuggest_p99_us\t%.1f\n", percentile(c, 0.5), percentile(c, 0.99));
    std::printf("over_budget\t%zu\n", over_budget);
    if (options.threads > 0) std::printf("threads\t%d\nthroughput_qps\t%.0f\n", options.threads, rate);
    return 0;
  }
  std::printf("| in-process, one thread, %zu queries x %d rounds | median µs | p90 µs | p99 µs |\n",
              queries.size(), rounds);
  std::printf("|---|---:|---:|---:|\n");
  std::printf("| postsearch: top-10 cards + snippets + facets | %.0f | %.0f | %.0f |\n", a50,
              percentile(a, 0.9), a99);
  std::printf("| postsearch, no hit cache (every hit read and unpacked) | %.0f | %.0f | %.0f |\n",
              percentile(u, 0.5), percentile(u, 0.9), percentile(u, 0.99));
  std::printf("| baseline: bare Xapian match, top 10 | %.0f | %.0f | %.0f |\n", b50,
              percentile(b, 0.9), b99);
  std::printf("| ratio | %.1fx | %.1fx | %.1fx |\n", a50 / b50,
              percentile(a, 0.9) / percentile(b, 0.9), a99 / b99);
  std::printf("| postsearch suggest: completions + 5 titles, query minus its last 2 chars | %.0f | %.0f | %.0f |\n",
              percentile(c, 0.5), percentile(c, 0.9), percentile(c, 0.99));
  std::printf("\nsearches over the time budget (facets not exact): %zu of %zu\n", over_budget,
              a.size());
  if (options.threads > 0) {
    std::printf("searcher rate on %d threads, one Searcher each: %.0f queries/s\n", options.threads, rate);
  }
  return 0;
}
