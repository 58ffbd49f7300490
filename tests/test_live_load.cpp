// Load with live updates (issue 4): the real postsearch-server over the Go blog on
// 127.0.0.1:0, 16 keep-alive clients for 21 s (searches from bench, post lookups,
// suggestions, /healthz), while an updater thread applies one change a second through
// postsearch::update_index. Each step (one commit) toggles a pair of posts that share a
// word (added and removed together), walks a marker post through added -> edited -> deleted,
// and every other step toggles a tag on an existing post.
//
// Asserts 0 failed requests (connection errors, timeouts, unexpected statuses), 0 responses
// >= 500, every body valid JSON, and every response consistent: in itself (totals, hits and
// facets agree; a card is one version of its post; the pair is never half there) and with
// the commits (it shows the state of a commit made no earlier than the last one finished
// before the request was sent, so a commit is visible to the next request). Prints requests,
// req/s, latency percentiles and the commits seen.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "common/searcher.h"
#include "server_test_support.h"

using namespace std::chrono_literals;
using nlohmann::json;
using postsearch::testing::ChildProcess;
using postsearch::testing::Response;
using postsearch::testing::TempDir;
using postsearch::testing::TestClient;
using postsearch::testing::url_encode;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

namespace {

constexpr int kClients = 16;
constexpr auto kLoad = 21s;         // >= 20 s of load
constexpr auto kStepEvery = 1s;     // one commit a second
const std::string kTaggedPost = "15years.md";  // gets and loses the tag "livetag"

// A word per id that differs from every other id's word in 8 letters, so spelling correction
// never turns one marker into another.
std::string letters(int id) {
  return std::string(4, static_cast<char>('a' + id % 26)) +
         std::string(4, static_cast<char>('a' + (id / 26) % 26));
}

// What the index holds after commit `step` (0: the Go blog as it is).
struct State {
  int pair_id = 0;      // pairA/pairB with "pairword<letters(pair_id)>"
  bool pair = false;    // both present
  int marker_id = 0;    // the marker post "livemarker<letters(marker_id)>"
  int marker_version = 0;  // 0 absent, 1 added, 2 edited
  bool tagged = false;  // kTaggedPost has the tag "livetag"
};

State state_after(int step) {
  State s;
  if (step <= 0) return s;
  s.pair_id = (step + 1) / 2;
  s.pair = step % 2 == 1;
  s.marker_id = (step + 2) / 3;
  s.marker_version = step % 3 == 1 ? 1 : step % 3 == 2 ? 2 : 0;
  s.tagged = (step / 2) % 2 == 1;
  return s;
}

std::string marker_slug(int id) { return "live/marker-" + letters(id); }
std::string marker_word(int id) { return "livemarker" + letters(id); }
std::string pair_word(int id) { return "pairword" + letters(id); }

std::string marker_post(int id, int version) {
  const std::string v = std::to_string(version);
  return "---\ntitle: \"Live marker " + letters(id) + " v" + v + "\"\ndate: 2031-01-0" + v +
         "\ntags: [live, version" + v + "]\nsummary: \"Marker " + letters(id) + ", version " + v +
         ".\"\n---\n\nThis " + marker_word(id) + " post is version " + v +
         " of the live update test.\n\n## Version " + v + "\n\nIt says edition" + v +
         " and nothing else of interest.\n";
}

std::string pair_post(int id, char which) {
  return "---\ntitle: \"Pair " + std::string(1, which) + " " + letters(id) +
         "\"\ndate: 2030-06-01\ntags: [pairtag]\n---\n\nOne of two posts with " + pair_word(id) +
         ", added and removed in the same commit.\n";
}

struct Failures {
  std::mutex mutex;
  std::atomic<int> count{0};
  std::vector<std::string> first;
  void add(const std::string& what) {
    ++count;
    std::lock_guard lock(mutex);
    if (first.size() < 20) first.push_back(what);
  }
};

// Shared between the updater and the clients.
struct Live {
  std::atomic<int> committed{0};  // the last step whose update_index() has returned
  std::atomic<bool> stop{false};
  std::size_t base_posts = 0;
  std::vector<std::string> slugs;    // existing posts
  std::vector<std::string> queries;  // search-box queries
};

std::size_t posts_after(const Live& live, int step) {
  const State s = state_after(step);
  return live.base_posts + (s.pair ? 2 : 0) + (s.marker_version > 0 ? 1 : 0);
}

std::string lower_ascii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool has(const json& array, const std::string& value) {
  return std::find(array.begin(), array.end(), value) != array.end();
}

// Checks a search body in itself; returns a reason when it is inconsistent.
std::string check_search_body(const json& body, int per_page) {
  if (!body.is_object() || !body.contains("hits") || !body.contains("total")) return "not a search body";
  const auto total = body["total"].get<std::size_t>();
  const json& hits = body["hits"];
  if (hits.size() > static_cast<std::size_t>(per_page)) return "more hits than per_page";
  if (hits.size() > total) return "more hits than total";
  if (body["page"] == 1 && total <= static_cast<std::size_t>(per_page) && hits.size() != total) {
    return "total " + std::to_string(total) + " but " + std::to_string(hits.size()) + " hits";
  }
  const json& tags = body["facets"]["tags"];
  const json& years = body["facets"]["years"];
  std::size_t year_sum = 0;
  for (const auto& [tag, count] : tags.items()) {
    if (count.get<std::size_t>() > total || count.get<std::size_t>() == 0) return "facet tag " + tag + " count " + count.dump();
  }
  for (const auto& [year, count] : years.items()) year_sum += count.get<std::size_t>();
  if (year_sum > total) return "facet years sum over total";
  for (const json& hit : hits) {
    if (!hit["slug"].is_string() || hit["slug"].get<std::string>().empty()) return "hit without slug";
    if (!hit["title"].is_string() || !hit["url"].is_string()) return "hit without title or url";
    if (body["total_is_exact"] == true) {
      for (const json& tag : hit["tags"]) {
        if (!tags.contains(lower_ascii(tag.get<std::string>()))) {
          return "hit " + hit["slug"].get<std::string>() + " has tag " + tag.dump() + " missing from facets";
        }
      }
      if (hit["date"].is_string() && !years.contains(hit["date"].get<std::string>().substr(0, 4))) {
        return "hit " + hit["slug"].get<std::string>() + " has a year missing from facets";
      }
    }
    if (hit["score"].is_number()) {
      const double score = hit["score"].get<double>();
      if (!(score > 0 && score <= 1.0000001)) return "score out of (0, 1]";
    }
  }
  return {};
}

// One client: a keep-alive connection doing a mix of requests until told to stop.
void client_loop(int id, std::uint16_t port, Live& live, Failures& failures,
                 std::vector<double>& latencies_ms, std::atomic<long>& requests,
                 std::atomic<int>& reconnects, std::mutex& seen_mutex,
                 std::set<std::string>& updated_seen) {
  std::mt19937 rng(static_cast<std::uint32_t>(1000 + id));
  std::optional<TestClient> client;
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  while (!live.stop) {
    const int before = live.committed.load();
    const State now = state_after(before);
    std::string target;
    int per_page = 10;
    // The kind of request, and what makes its answer right.
    enum Kind { kSearch, kPost, kHealth, kSuggest, kMarker, kPair, kTag, kMarkerPost } kind;
    const std::size_t roll = pick(100);
    kind = roll < 38 ? kSearch : roll < 48 ? kPost : roll < 55 ? kHealth : roll < 60 ? kSuggest
         : roll < 72 ? kMarker : roll < 84 ? kPair : roll < 92 ? kTag : kMarkerPost;
    // The marker / pair asked about: the current one, the one before or the one to come.
    const int delta = static_cast<int>(pick(3)) - 1;
    const int marker = std::max(0, now.marker_id + delta);
    const int pair = std::max(0, now.pair_id + delta);
    switch (kind) {
      case kSearch: {
        const std::string& q = live.queries[pick(live.queries.size())];
        per_page = pick(4) == 0 ? 50 : 10;
        target = "/api/search?q=" + url_encode(q) + "&per_page=" + std::to_string(per_page);
        if (pick(5) == 0) target += "&sort=date";
        break;
      }
      case kPost: target = "/api/posts/" + live.slugs[pick(live.slugs.size())]; break;
      case kHealth: target = "/healthz"; break;
      case kSuggest: {
        const std::string& q = live.queries[pick(live.queries.size())];
        target = "/api/suggest?q=" + url_encode(q.substr(0, std::max<std::size_t>(1, q.size() - 2)));
        break;
      }
      case kMarker:
        per_page = 100;
        target = "/api/search?q=" + marker_word(marker) + "&partial=0&per_page=100";
        break;
      case kPair:
        per_page = 100;
        target = "/api/search?q=" + pair_word(pair) + "&partial=0&per_page=100";
        break;
      case kTag:
        per_page = 100;
        target = "/api/search?q=&tag=livetag&per_page=100";
        break;
      case kMarkerPost: target = "/api/posts/" + marker_slug(marker); break;
    }

    Response res;
    const auto sent = Clock::now();
    try {
      if (!client) client.emplace(port, 5000ms);
      res = client->get(target);
    } catch (const std::exception& e) {
      failures.add(target + ": " + e.what());
      client.reset();
      ++reconnects;
      continue;
    }
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    ++requests;
    const int after = live.committed.load();
    if (!res.keep_alive()) {
      client.reset();
      ++reconnects;
    }

    const int status = res.result_int();
    json body;
    try {
      body = json::parse(res.body());
    } catch (const std::exception&) {
      failures.add(target + ": status " + std::to_string(status) + ", not JSON: " + res.body().substr(0, 200));
      continue;
    }
    if (std::string(res[bhttp::field::content_type]) != "application/json; charset=utf-8") {
      failures.add(target + ": content type " + std::string(res[bhttp::field::content_type]));
    }
    const bool may_be_missing = kind == kMarkerPost;
    if (status != 200 && !(status == 404 && may_be_missing)) {
      failures.add(target + ": status " + std::to_string(status) + " " + res.body().substr(0, 300));
      continue;
    }
    // The answer must be that of a commit in [before, after + 1]: `before` had finished when
    // the request was sent; `after + 1` may have committed without update_index() returning.
    auto consistent = [&](auto&& matches) {
      for (int s = before; s <= after + 1; ++s) {
        if (matches(state_after(s), s)) return true;
      }
      return false;
    };
    std::string why;
    switch (kind) {
      case kSearch: why = check_search_body(body, per_page); break;
      case kPost:
        if (body["slug"] != target.substr(std::string("/api/posts/").size())) why = "wrong post";
        break;
      case kHealth: {
        const auto posts = body["posts"].get<std::size_t>();
        if (body["status"] != "ok") why = "status not ok";
        else if (!consistent([&](const State&, int s) { return posts_after(live, s) == posts; })) {
          why = "posts " + std::to_string(posts) + " is no commit in steps " + std::to_string(before) +
                ".." + std::to_string(after + 1);
        }
        std::lock_guard lock(seen_mutex);
        updated_seen.insert(body.value("index_updated", ""));
        break;
      }
      case kSuggest:
        if (!body["suggestions"].is_array() || !body["titles"].is_array()) why = "not a suggest body";
        break;
      case kMarker: {
        why = check_search_body(body, per_page);
        if (!why.empty()) break;
        const json& hits = body["hits"];
        int version = 0;
        if (hits.size() > 1) {
          why = "two markers";
        } else if (hits.size() == 1) {
          const json& hit = hits[0];
          const std::string title = hit["title"];
          version = title.back() - '0';
          const std::string v = std::to_string(version);
          if (hit["slug"] != marker_slug(marker)) why = "wrong marker " + hit["slug"].dump();
          else if (title != "Live marker " + letters(marker) + " v" + v ||
                   !has(hit["tags"], "version" + v) ||
                   hit["summary"] != "Marker " + letters(marker) + ", version " + v + "." ||
                   hit["date"] != "2031-01-0" + v || body["facets"]["tags"].value("version" + v, 0) != 1) {
            why = "a card mixing versions: " + hit.dump();
          }
        }
        if (why.empty() && !consistent([&](const State& st, int) {
              return (st.marker_id == marker ? st.marker_version : 0) == version;
            })) {
          why = "marker version " + std::to_string(version) + " is no commit in steps " +
                std::to_string(before) + ".." + std::to_string(after + 1);
        }
        break;
      }
      case kPair: {
        why = check_search_body(body, per_page);
        if (!why.empty()) break;
        const json& hits = body["hits"];
        const auto total = body["total"].get<std::size_t>();
        if (total == 1 || hits.size() == 1) {
          why = "half a pair: one post of two added and removed together";
        } else if (total != hits.size() || total > 2) {
          why = "pair total " + std::to_string(total);
        } else if (total == 2 && body["facets"]["tags"].value("pairtag", 0) != 2) {
          why = "pair facets disagree";
        } else if (!consistent([&](const State& st, int) {
                     return (st.pair && st.pair_id == pair) == (total == 2);
                   })) {
          why = "pair presence " + std::to_string(total) + " is no commit in steps " +
                std::to_string(before) + ".." + std::to_string(after + 1);
        }
        break;
      }
      case kTag: {
        why = check_search_body(body, per_page);
        if (!why.empty()) break;
        const auto total = body["total"].get<std::size_t>();
        const json& hits = body["hits"];
        if (total > 1) {
          why = "livetag on more than one post";
        } else if (total == 1 && (hits[0]["slug"] != "15years" || !has(hits[0]["tags"], "livetag") ||
                                  body["facets"]["tags"].value("livetag", 0) != 1)) {
          why = "livetag hit mixes versions: " + hits[0].dump();
        } else if (!consistent([&](const State& st, int) { return st.tagged == (total == 1); })) {
          why = "livetag presence is no commit in steps " + std::to_string(before) + ".." +
                std::to_string(after + 1);
        }
        break;
      }
      case kMarkerPost: {
        const int version = status == 404 ? 0 : body["title"].get<std::string>().back() - '0';
        if (status == 200 && body["slug"] != marker_slug(marker)) why = "wrong marker post";
        else if (!consistent([&](const State& st, int) {
                   return (st.marker_id == marker ? st.marker_version : 0) == version;
                 })) {
          why = "marker post version " + std::to_string(version) + " is no commit in steps " +
                std::to_string(before) + ".." + std::to_string(after + 1);
        }
        break;
      }
    }
    if (!why.empty()) failures.add(target + ": " + why + "\n  body: " + res.body().substr(0, 400));
  }
}

void write(const fs::path& path, const std::string& text) { postsearch::testing::write_file(path, text); }

// Applies step `step` to the posts directory (see State).
void apply_step(const fs::path& posts, int step, const std::string& original_tagged) {
  const State now = state_after(step);
  const State was = state_after(step - 1);
  const fs::path live_dir = posts / "live";
  if (now.pair) {
    write(live_dir / ("pair-a-" + letters(now.pair_id) + ".md"), pair_post(now.pair_id, 'A'));
    write(live_dir / ("pair-b-" + letters(now.pair_id) + ".md"), pair_post(now.pair_id, 'B'));
  } else if (was.pair) {
    fs::remove(live_dir / ("pair-a-" + letters(was.pair_id) + ".md"));
    fs::remove(live_dir / ("pair-b-" + letters(was.pair_id) + ".md"));
  }
  const fs::path marker = live_dir / ("marker-" + letters(now.marker_id) + ".md");
  if (now.marker_version > 0) {
    write(marker, marker_post(now.marker_id, now.marker_version));
  } else {
    fs::remove(marker);
  }
  if (now.tagged != was.tagged) {
    std::string text = original_tagged;
    if (now.tagged) text.replace(text.find("\ntags:\n"), 7, "\ntags:\n- livetag\n");
    write(posts / kTaggedPost, text);
  }
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto i = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1));
  return sorted[i];
}

}  // namespace

TEST_CASE("live load: 16 clients for 21 s while the index changes every second", "[live]") {
  const auto test_start = Clock::now();
  TempDir dir;
  const fs::path posts = dir / "posts";
  fs::copy(postsearch::testing::corpora_dir() / "go-blog", posts, fs::copy_options::recursive);
  fs::permissions(posts, fs::perms::owner_all, fs::perm_options::add);
  for (const auto& entry : fs::recursive_directory_iterator(posts)) {
    fs::permissions(entry.path(), entry.is_directory() ? fs::perms::owner_all : fs::perms::owner_write,
                    fs::perm_options::add);
  }
  const std::string original_tagged = postsearch::testing::read_text_file(posts / kTaggedPost);
  REQUIRE(original_tagged.find("\ntags:\n") != std::string::npos);
  REQUIRE(original_tagged.find("livetag") == std::string::npos);

  postsearch::IndexOptions options;
  options.posts_dirs = {posts};
  options.db_path = dir / "index";
  const auto initial = postsearch::update_index(options);
  REQUIRE(initial.skipped.empty());

  Live live;
  live.base_posts = initial.posts;
  {
    postsearch::Searcher searcher(options.db_path);
    postsearch::SearchRequest browse;
    browse.per_page = 100;
    for (int page = 1; page <= 3; ++page) {
      browse.page = page;
      for (const auto& card : searcher.search(browse).hits) live.slugs.push_back(card.slug);
    }
  }
  REQUIRE(live.slugs.size() >= 200);
  {
    std::ifstream in(postsearch::testing::source_dir() / "bench" / "queries-go-blog.txt");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) live.queries.push_back(line);
    }
  }
  REQUIRE(live.queries.size() >= 100);

  ChildProcess server(postsearch::testing::server_binary(),
                      {"--listen", "127.0.0.1:0", "--db", options.db_path.string(), "--threads", "2",
                       "--quiet"},
                      ChildProcess::Output{true, std::nullopt, std::nullopt});
  const std::string line = server.first_line();
  static const std::regex listening(R"(^postsearch-server listening on http://127\.0\.0\.1:(\d+)$)");
  std::smatch m;
  INFO("server startup line: " << line);
  REQUIRE(std::regex_match(line, m, listening));
  const auto port = static_cast<std::uint16_t>(std::stoi(m[1].str()));

  Failures failures;
  std::atomic<long> requests{0};
  std::atomic<int> reconnects{0};
  std::mutex seen_mutex;
  std::set<std::string> updated_seen;
  std::vector<std::vector<double>> latencies(kClients);
  std::vector<double> commit_seconds;
  std::string updater_error;

  const auto load_start = Clock::now();
  std::thread updater([&] {
    try {
      for (int step = 1; !live.stop; ++step) {
        std::this_thread::sleep_until(load_start + step * kStepEvery);
        if (live.stop) break;
        apply_step(posts, step, original_tagged);
        const auto report = postsearch::update_index(options);
        if (!report.skipped.empty()) throw std::runtime_error(report.skipped.front().describe());
        if (report.posts != posts_after(live, step) ||
            report.added + report.changed + report.removed == 0) {
          throw std::runtime_error("step " + std::to_string(step) + ": " + report.summary());
        }
        commit_seconds.push_back(report.seconds);
        live.committed = step;
      }
    } catch (const std::exception& e) {
      updater_error = e.what();
    }
  });
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      client_loop(i, port, live, failures, latencies[static_cast<std::size_t>(i)], requests, reconnects,
                  seen_mutex, updated_seen);
    });
  }
  std::this_thread::sleep_until(load_start + kLoad);
  live.stop = true;
  for (auto& client : clients) client.join();
  updater.join();
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();

  // After the load: the last commit is what the server shows, and it stops cleanly.
  {
    TestClient client(port);
    const Response health = client.get("/healthz");
    CHECK(health.result() == bhttp::status::ok);
    CHECK(json::parse(health.body())["posts"] == posts_after(live, live.committed));
  }
  const auto stopped = server.kill_and_wait(SIGTERM, 10s);

  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::sort(commit_seconds.begin(), commit_seconds.end());
  std::printf(
      "live load: %ld requests in %.1f s (%.0f req/s) over %d keep-alive connections, %d "
      "reconnects; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; %d commits (update_index "
      "median %.1f ms, max %.1f ms); %zu distinct index_updated values seen in /healthz; "
      "%d failures; whole test %.1f s\n",
      requests.load(), load_seconds, static_cast<double>(requests.load()) / load_seconds, kClients,
      reconnects.load(), percentile(all, 0.5), percentile(all, 0.99), all.empty() ? 0 : all.back(),
      live.committed.load(), 1000 * percentile(commit_seconds, 0.5),
      commit_seconds.empty() ? 0 : 1000 * commit_seconds.back(), updated_seen.size(),
      failures.count.load(), std::chrono::duration<double>(Clock::now() - test_start).count());
  for (const auto& f : failures.first) std::printf("  failure: %s\n", f.c_str());

  INFO("updater: " << updater_error);
  CHECK(updater_error.empty());
  CHECK(live.committed >= 18);
  std::string first_failures;
  for (const auto& f : failures.first) first_failures += f + "\n";
  INFO("first failures:\n" << first_failures);
  CHECK(failures.count == 0);
  CHECK(requests > 1000);
  CHECK(stopped == 0);
}
