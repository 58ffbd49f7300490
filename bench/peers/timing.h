// Timing helpers shared by the C++ peers of bench/compare.sh, so that each peer's query
// latency is measured exactly as query-latency-bench measures postsearch's: one thread, one
// untimed warm round over all queries, then ROUNDS timed rounds, median and p99 of the
// per-query times in microseconds.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace peers {

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs fn(query) over all queries once untimed, then `rounds` times timed; prints the
// figures compare.sh reads as "key<TAB>value" lines. fn returns the number of hits.
template <typename Fn>
void time_queries(const std::vector<std::string>& queries, int rounds, Fn&& fn) {
  std::size_t hits = 0;
  for (const auto& q : queries) fn(q);
  std::vector<double> micros;
  for (int round = 0; round < rounds; ++round) {
    for (const auto& q : queries) {
      const auto start = std::chrono::steady_clock::now();
      hits += fn(q);
      micros.push_back(seconds_since(start) * 1e6);
    }
  }
  std::printf("queries\t%zu\nrounds\t%d\n", queries.size(), rounds);
  std::printf("median_us\t%.1f\np99_us\t%.1f\n", percentile(micros, 0.5), percentile(micros, 0.99));
  std::printf("mean_hits\t%.2f\n", micros.empty() ? 0.0 : static_cast<double>(hits) / static_cast<double>(micros.size()));
}

}  // namespace peers
