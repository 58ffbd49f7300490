// server/metrics: the Prometheus text exposition (format 0.0.4) — HELP and TYPE for each
// series, bounded labels, cumulative histogram buckets ending in +Inf, the index gauges
// whether or not the index is up — and lock-free counting from many threads.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "server/metrics.h"

using namespace postsearch;
using namespace std::chrono_literals;

namespace {

// "name{labels}" -> value, for every sample line; HELP/TYPE lines by metric name.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  std::map<std::string, int> helps;
};

Exposition parse(const std::string& text) {
  static const std::regex sample_line(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?) (\S+)$)");
  static const std::regex type_line(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
  static const std::regex help_line(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+$)");
  Exposition out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, type_line)) {
      out.types[m[1]] = m[2];
    } else if (std::regex_match(line, m, help_line)) {
      ++out.helps[m[1]];
    } else if (std::regex_match(line, m, sample_line)) {
      out.samples[m[1]] = std::stod(m[3]);
    } else {
      FAIL("not a line of the text format: '" << line << "'");
    }
  }
  return out;
}

}  // namespace

TEST_CASE("metrics: every series has HELP and TYPE, and the text parses", "[metrics]") {
  Metrics metrics("1.2.3");
  metrics.record_request(RouteLabel::kSearch, 200, 700us);
  const std::string text = metrics.render(IndexGauges{true, 17, "2026-01-01T00:00:00Z"});
  REQUIRE(text.back() == '\n');
  const Exposition e = parse(text);
  const std::map<std::string, std::string> expected = {
      {"postsearch_http_requests_total", "counter"},
      {"postsearch_http_request_duration_seconds", "histogram"},
      {"postsearch_http_connections_open", "gauge"},
      {"postsearch_http_connections_rejected_total", "counter"},
      {"postsearch_index_up", "gauge"},
      {"postsearch_index_documents", "gauge"},
      {"postsearch_index_age_seconds", "gauge"},
      {"postsearch_build_info", "gauge"},
      {"process_resident_memory_bytes", "gauge"},
      {"process_start_time_seconds", "gauge"},
  };
  CHECK(e.types == expected);
  for (const auto& [name, type] : expected) CHECK(e.helps.at(name) == 1);
  CHECK(e.samples.at("postsearch_build_info{version=\"1.2.3\"}") == 1);
  CHECK(e.samples.at("postsearch_index_up") == 1);
  CHECK(e.samples.at("postsearch_index_documents") == 17);
  CHECK(e.samples.at("postsearch_index_age_seconds") > 3600.0 * 24 * 300);  // since 2026-01-01
  CHECK(e.samples.at("process_resident_memory_bytes") > 1e6);
  const double started = e.samples.at("process_start_time_seconds");
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(started <= now);
  CHECK(started > now - 60);
}

TEST_CASE("metrics: requests by route and status; histogram buckets are cumulative", "[metrics]") {
  Metrics metrics("0");
  metrics.record_request(RouteLabel::kSearch, 200, 300us);   // <= 0.0005
  metrics.record_request(RouteLabel::kSearch, 200, 2ms);     // <= 0.0025
  metrics.record_request(RouteLabel::kSearch, 400, 40ms);    // <= 0.05
  metrics.record_request(RouteLabel::kSearch, 200, 3s);      // only +Inf
  metrics.record_request(RouteLabel::kRelated, 404, 1ms);    // exactly on a bound: <= 0.001
  const Exposition e = parse(metrics.render(IndexGauges{}));

  CHECK(e.samples.at(R"(postsearch_http_requests_total{route="search",status="200"})") == 3);
  CHECK(e.samples.at(R"(postsearch_http_requests_total{route="search",status="400"})") == 1);
  CHECK(e.samples.at(R"(postsearch_http_requests_total{route="related",status="404"})") == 1);
  CHECK(e.samples.count(R"(postsearch_http_requests_total{route="suggest",status="200"})") == 0);

  auto bucket = [&](const char* route, const char* le) {
    return e.samples.at(std::string("postsearch_http_request_duration_seconds_bucket{route=\"") +
                        route + "\",le=\"" + le + "\"}");
  };
  const std::vector<std::pair<const char*, double>> search = {
      {"0.0005", 1}, {"0.001", 1}, {"0.0025", 2}, {"0.005", 2}, {"0.01", 2},  {"0.025", 2},
      {"0.05", 3},   {"0.1", 3},   {"0.25", 3},   {"0.5", 3},   {"1", 3},     {"2.5", 3},
      {"+Inf", 4}};
  for (const auto& [le, count] : search) {
    INFO("le=" << le);
    CHECK(bucket("search", le) == count);
  }
  CHECK(bucket("related", "0.0005") == 0);
  CHECK(bucket("related", "0.001") == 1);
  CHECK(e.samples.at(R"(postsearch_http_request_duration_seconds_count{route="search"})") == 4);
  CHECK(e.samples.at(R"(postsearch_http_request_duration_seconds_sum{route="search"})") ==
        Approx(3.0423));
}

TEST_CASE("metrics: route labels are a fixed set, never a path", "[metrics]") {
  const std::regex label(R"(^[a-z_]+$)");
  for (int i = 0; i < static_cast<int>(RouteLabel::kCount); ++i) {
    const std::string name(route_label_name(static_cast<RouteLabel>(i)));
    INFO(i);
    CHECK(std::regex_match(name, label));
  }
  CHECK(route_label_name(RouteLabel::kNotFound) == "not_found");
  CHECK(route_label_name(RouteLabel::kRejected) == "rejected");
}

TEST_CASE("metrics: with the index down, index_up is 0 and the index gauges are left out",
          "[metrics]") {
  Metrics metrics("0");
  const Exposition e = parse(metrics.render(IndexGauges{false, 0, ""}));
  CHECK(e.samples.at("postsearch_index_up") == 0);
  CHECK(e.samples.count("postsearch_index_documents") == 0);
  CHECK(e.samples.count("postsearch_index_age_seconds") == 0);
  CHECK(e.types.count("postsearch_index_documents") == 0);  // no TYPE without samples
}

TEST_CASE("metrics: connections and rejections", "[metrics]") {
  Metrics metrics("0");
  metrics.connection_opened();
  metrics.connection_opened();
  metrics.connection_closed();
  metrics.connection_rejected(RejectReason::kTooManyConnections);
  metrics.connection_rejected(RejectReason::kTooManyConnections);
  metrics.connection_rejected(RejectReason::kTimeout);
  const Exposition e = parse(metrics.render(IndexGauges{}));
  CHECK(e.samples.at("postsearch_http_connections_open") == 1);
  CHECK(e.samples.at(R"(postsearch_http_connections_rejected_total{reason="too_many_connections"})") == 2);
  CHECK(e.samples.at(R"(postsearch_http_connections_rejected_total{reason="timeout"})") == 1);
  CHECK(e.samples.at(R"(postsearch_http_connections_rejected_total{reason="malformed"})") == 0);
}

TEST_CASE("metrics: counting from many threads loses nothing", "[metrics]") {
  Metrics metrics("0");
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) metrics.record_request(RouteLabel::kSuggest, 200, 1ms);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(metrics.requests(RouteLabel::kSuggest, 200) == kThreads * kEach);
  const Exposition e = parse(metrics.render(IndexGauges{}));
  CHECK(e.samples.at(R"(postsearch_http_request_duration_seconds_count{route="suggest"})") ==
        kThreads * kEach);
}

TEST_CASE("metrics: odd status codes are clamped, not out of bounds", "[metrics]") {
  Metrics metrics("0");
  metrics.record_request(RouteLabel::kSearch, 0, 1ms);
  metrics.record_request(RouteLabel::kSearch, 1000, 1ms);
  CHECK(metrics.requests(RouteLabel::kSearch, 599) == 2);
}

TEST_CASE("metrics: parse_utc_seconds reads the indexer's timestamps", "[metrics]") {
  CHECK(parse_utc_seconds("1970-01-01T00:00:00Z") == 0.0);
  CHECK(parse_utc_seconds("2026-11-24T10:00:00Z") == 1795514400.0);
  CHECK(parse_utc_seconds("2026-11-24T10:00:00.5Z") == 1795514400.5);
  CHECK_FALSE(parse_utc_seconds(""));
  CHECK_FALSE(parse_utc_seconds("2026-11-24"));
  CHECK_FALSE(parse_utc_seconds("2026-11-24T10:00:00+01:00"));
  CHECK_FALSE(parse_utc_seconds("2026-11-24T10:00:00Zjunk"));
}
