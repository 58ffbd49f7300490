#include "server/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

namespace postsearch {

namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(RouteLabel::kCount)> kRouteNames = {
    "search", "suggest", "post",    "related",   "health",  "metrics",  "page",
    "asset",  "static",  "opensearch", "options", "not_found", "invalid", "rejected"};

constexpr std::array<std::string_view, static_cast<std::size_t>(RejectReason::kCount)>
    kRejectNames = {"too_many_connections", "malformed", "too_large", "timeout"};

// Prometheus floats: shortest form that reads back ("0.0005", "2.5", "1", "1.7e+09").
std::string number(double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  // %.17g prints 0.00050000000000000001; try shorter forms that still read back exactly.
  for (int precision = 1; precision <= 17; ++precision) {
    char shorter[40];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, value);
    if (std::strtod(shorter, nullptr) == value) return shorter;
  }
  return buf;
}

// A label value with \, " and newline escaped (text format 0.0.4).
std::string label_value(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void sample(std::string& out, std::string_view name, std::string_view labels, double value) {
  out.append(name);
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.append(" ").append(number(value)).append("\n");
}

double now_seconds() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration<double>(now).count();
}

}  // namespace

std::string_view route_label_name(RouteLabel route) {
  const auto i = static_cast<std::size_t>(route);
  return i < kRouteNames.size() ? kRouteNames[i] : "invalid";
}

std::string_view reject_reason_name(RejectReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  return i < kRejectNames.size() ? kRejectNames[i] : "malformed";
}

Metrics::Metrics(std::string version)
    : version_(std::move(version)), start_time_seconds_(now_seconds()) {}

void Metrics::record_request(RouteLabel route, unsigned status, std::chrono::nanoseconds duration) {
  const auto r = static_cast<std::size_t>(route);
  if (r >= kRoutes) return;
  if (status < kMinStatus || status >= kMinStatus + kStatuses) status = kMinStatus + kStatuses - 1;
  requests_[r][status - kMinStatus].fetch_add(1, std::memory_order_relaxed);

  Histogram& h = durations_[r];
  const double seconds = std::chrono::duration<double>(duration).count();
  for (std::size_t b = 0; b < kDurationBuckets.size(); ++b) {
    if (seconds <= kDurationBuckets[b]) {
      h.buckets[b].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }  // slower than the last bucket: only in +Inf, i.e. in count
  h.sum_ns.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count())),
                     std::memory_order_relaxed);
  h.count.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::connection_opened() { connections_open_.fetch_add(1, std::memory_order_relaxed); }
void Metrics::connection_closed() { connections_open_.fetch_sub(1, std::memory_order_relaxed); }

void Metrics::connection_rejected(RejectReason reason) {
  const auto i = static_cast<std::size_t>(reason);
  if (i < rejected_.size()) rejected_[i].fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t Metrics::requests(RouteLabel route, unsigned status) const {
  const auto r = static_cast<std::size_t>(route);
  if (r >= kRoutes || status < kMinStatus || status >= kMinStatus + kStatuses) return 0;
  return requests_[r][status - kMinStatus].load(std::memory_order_relaxed);
}

std::uint64_t Metrics::rejected(RejectReason reason) const {
  const auto i = static_cast<std::size_t>(reason);
  return i < rejected_.size() ? rejected_[i].load(std::memory_order_relaxed) : 0;
}

std::int64_t Metrics::connections_open() const {
  return connections_open_.load(std::memory_order_relaxed);
}

std::string Metrics::render(const IndexGauges& index) const {
  std::string out;
  out.reserve(8192);

  header(out, "postsearch_http_requests_total", "counter",
         "HTTP requests answered, by route and status code.");
  for (std::size_t r = 0; r < kRoutes; ++r) {
    for (unsigned s = 0; s < kStatuses; ++s) {
      const std::uint64_t n = requests_[r][s].load(std::memory_order_relaxed);
      if (n == 0) continue;
      sample(out, "postsearch_http_requests_total",
             "route=\"" + std::string(kRouteNames[r]) + "\",status=\"" +
                 std::to_string(s + kMinStatus) + "\"",
             static_cast<double>(n));
    }
  }

  header(out, "postsearch_http_request_duration_seconds", "histogram",
         "Time from a complete request to its response written, by route.");
  for (std::size_t r = 0; r < kRoutes; ++r) {
    const Histogram& h = durations_[r];
    const std::uint64_t count = h.count.load(std::memory_order_relaxed);
    if (count == 0) continue;
    const std::string route = "route=\"" + std::string(kRouteNames[r]) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kDurationBuckets.size(); ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      sample(out, "postsearch_http_request_duration_seconds_bucket",
             route + ",le=\"" + number(kDurationBuckets[b]) + "\"", static_cast<double>(cumulative));
    }
    // +Inf is the count; never less than the finite buckets even mid-update.
    sample(out, "postsearch_http_request_duration_seconds_bucket", route + ",le=\"+Inf\"",
           static_cast<double>(std::max(count, cumulative)));
    sample(out, "postsearch_http_request_duration_seconds_sum", route,
           static_cast<double>(h.sum_ns.load(std::memory_order_relaxed)) / 1e9);
    sample(out, "postsearch_http_request_duration_seconds_count", route,
           static_cast<double>(std::max(count, cumulative)));
  }

  header(out, "postsearch_http_connections_open", "gauge", "Client connections open now.");
  sample(out, "postsearch_http_connections_open", "",
         static_cast<double>(std::max<std::int64_t>(0, connections_open())));

  header(out, "postsearch_http_connections_rejected_total", "counter",
         "Connections answered without routing a request: over the connection cap, "
         "unparseable or too large requests, header time-outs.");
  for (std::size_t i = 0; i < rejected_.size(); ++i) {
    sample(out, "postsearch_http_connections_rejected_total",
           "reason=\"" + std::string(kRejectNames[i]) + "\"",
           static_cast<double>(rejected_[i].load(std::memory_order_relaxed)));
  }

  header(out, "postsearch_index_up", "gauge", "1 when the search index can be read, else 0.");
  sample(out, "postsearch_index_up", "", index.up ? 1 : 0);
  if (index.up) {
    header(out, "postsearch_index_documents", "gauge", "Posts in the search index.");
    sample(out, "postsearch_index_documents", "", static_cast<double>(index.documents));
    if (auto updated = parse_utc_seconds(index.updated)) {
      header(out, "postsearch_index_age_seconds", "gauge",
             "Seconds since the index last changed (its last committed update).");
      sample(out, "postsearch_index_age_seconds", "", std::max(0.0, now_seconds() - *updated));
    }
  }

  header(out, "postsearch_build_info", "gauge", "The postsearch version; always 1.");
  sample(out, "postsearch_build_info", "version=\"" + label_value(version_) + "\"", 1);

  if (auto rss = resident_memory_bytes()) {
    header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    sample(out, "process_resident_memory_bytes", "", *rss);
  }
  header(out, "process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch, in seconds.");
  sample(out, "process_start_time_seconds", "", start_time_seconds_);
  return out;
}

std::optional<double> parse_utc_seconds(std::string_view text) {
  // "YYYY-MM-DDTHH:MM:SS" then an optional ".fraction", then "Z".
  if (text.size() < 20) return std::nullopt;
  const std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  double fraction = 0;
  if (s[pos] == '.') {
    double scale = 0.1;
    for (++pos; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
      fraction += (s[pos] - '0') * scale;
    }
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t) + fraction;
}

std::optional<double> resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0) return std::nullopt;
  return static_cast<double>(resident) * static_cast<double>(page);
}

}  // namespace postsearch
