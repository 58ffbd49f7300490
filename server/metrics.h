// Server metrics in the Prometheus text exposition format 0.0.4 (GET /metrics).
//
// Series (each with HELP and TYPE):
//   postsearch_http_requests_total{route,status}           counter
//   postsearch_http_request_duration_seconds{route}         histogram (_bucket/_sum/_count)
//   postsearch_http_connections_open                        gauge
//   postsearch_http_connections_rejected_total{reason}      counter
//   postsearch_index_up                                     gauge (0 when the index cannot be read)
//   postsearch_index_documents, postsearch_index_age_seconds gauges (only while the index is up)
//   postsearch_build_info{version}                          gauge, always 1
//   process_resident_memory_bytes, process_start_time_seconds gauges
//
// Cardinality is bounded by construction: `route` comes from the fixed RouteLabel set (never
// the request path), `status` is a 3-digit code, `reason` a fixed RejectReason.
//
// Thread safety: every record_* call is a few relaxed atomic increments on fixed arrays (no
// lock, no allocation), safe from any worker thread. render() reads the same atomics; a
// scrape that races with requests may see a histogram's count one request ahead of a
// bucket, which Prometheus tolerates.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postsearch {

// What a request was, for metrics and the access log: one of a fixed set of labels.
enum class RouteLabel : std::uint8_t {
  kSearch,      // /api/search
  kSuggest,     // /api/suggest
  kPost,        // /api/posts/{slug}
  kRelated,     // /api/posts/{slug}/related
  kHealth,      // /healthz
  kMetrics,     // /metrics
  kPage,        // / (the search page)
  kAsset,       // other embedded assets (/assets/..., /widget.js)
  kStatic,      // --static files
  kOpenSearch,  // /opensearch.xml
  kOptions,     // OPTIONS on any route (CORS preflight)
  kNotFound,    // no route matched
  kInvalid,     // refused by the router before routing (bad target, method, Host, version)
  kRejected,    // refused by the session layer (connection cap, unparseable, too large)
  kCount,
};

std::string_view route_label_name(RouteLabel route);

// Why the session layer turned a connection away without routing a request.
enum class RejectReason : std::uint8_t {
  kTooManyConnections,  // over --max-connections: 503
  kMalformed,           // the request could not be parsed: 400
  kTooLarge,            // request line, header or body over its limit: 413/414/431
  kTimeout,             // the request did not arrive within --header-timeout
  kCount,
};

std::string_view reject_reason_name(RejectReason reason);

// What the index looks like at scrape time (from Searcher::status()).
struct IndexGauges {
  bool up = false;
  std::size_t documents = 0;
  std::string updated;  // RFC 3339 UTC time of the last update ("2026-11-24T10:00:00Z"), or empty
};

// Histogram bucket upper bounds, seconds: a search takes about a millisecond here.
inline constexpr std::array<double, 12> kDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5};

class Metrics {
 public:
  // `version` is the build_info label. The process start time is taken now.
  explicit Metrics(std::string version);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One answered request. A status outside 100-599 is counted as 599 (never expected).
  void record_request(RouteLabel route, unsigned status, std::chrono::nanoseconds duration);
  void connection_opened();
  void connection_closed();
  void connection_rejected(RejectReason reason);

  // The whole exposition, every series with HELP and TYPE, ending in a newline.
  std::string render(const IndexGauges& index) const;

  // Counters, for tests.
  std::uint64_t requests(RouteLabel route, unsigned status) const;
  std::uint64_t rejected(RejectReason reason) const;
  std::int64_t connections_open() const;

 private:
  static constexpr unsigned kMinStatus = 100;
  static constexpr unsigned kStatuses = 500;  // 100..599
  static constexpr std::size_t kRoutes = static_cast<std::size_t>(RouteLabel::kCount);

  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kDurationBuckets.size()> buckets{};  // not cumulative
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };

  std::string version_;
  double start_time_seconds_;
  // [route][status - 100]: 14 x 500 counters, 56 KB, so recording needs no map and no lock.
  std::array<std::array<std::atomic<std::uint64_t>, kStatuses>, kRoutes> requests_{};
  std::array<Histogram, kRoutes> durations_{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(RejectReason::kCount)> rejected_{};
  std::atomic<std::int64_t> connections_open_{0};
};

// Seconds since the Unix epoch of an RFC 3339 UTC time as the indexer writes it
// ("YYYY-MM-DDTHH:MM:SSZ", fraction allowed), or nullopt.
std::optional<double> parse_utc_seconds(std::string_view rfc3339);

// The resident set size of this process in bytes (/proc/self/statm), or nullopt.
std::optional<double> resident_memory_bytes();

}  // namespace postsearch
