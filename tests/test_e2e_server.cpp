// End to end: the real postsearch-server binary on 127.0.0.1:0 over real TCP. Checks the
// startup line, the API, size limits, hot reload of the index, concurrent clients, and a
// clean exit 0 on SIGTERM. The child is always killed by a guard, so a failed assertion
// never leaves a server running.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server_process.h"
#include "server_test_support.h"

using namespace std::chrono_literals;
using nlohmann::json;
using postsearch::testing::Response;
using postsearch::testing::ServerProcess;
using postsearch::testing::SmallBlog;
using postsearch::testing::TestClient;
using Clock = std::chrono::steady_clock;
namespace bhttp = boost::beast::http;

namespace {

json json_of(const Response& res) {
  INFO(res.body());
  REQUIRE(std::string(res[bhttp::field::content_type]) == "application/json; charset=utf-8");
  return json::parse(res.body());
}

}  // namespace

TEST_CASE("e2e: the server binary answers over TCP and exits 0 on SIGTERM", "[e2e]") {
  SmallBlog blog;
  ServerProcess server({"--listen", "127.0.0.1:0", "--db", blog.db_path().string(), "--quiet",
                        "--threads", "2"});
  const std::uint16_t port = server.port();

  SECTION("API, limits and shutdown") {
    {
      TestClient client(port);
      // Several requests on one keep-alive connection.
      const Response search = client.get("/api/search?q=uvloop");
      REQUIRE(search.result() == bhttp::status::ok);
      CHECK(search.keep_alive());
      const json results = json_of(search);
      CHECK(results["total"] == 1);
      CHECK(results["hits"][0]["slug"] == "async/uvloop-sanic-motor");
      CHECK_FALSE(std::string(search["X-Request-Id"]).empty());

      const Response post = client.get("/api/posts/go/waitgroup");
      REQUIRE(post.result() == bhttp::status::ok);
      CHECK(json_of(post)["title"] == "Waiting for goroutines");

      const Response health = client.get("/healthz");
      REQUIRE(health.result() == bhttp::status::ok);
      CHECK(json_of(health)["status"] == "ok");
      CHECK(json_of(health)["posts"] == 3);

      const Response missing = client.get("/no/such/page");
      CHECK(missing.result() == bhttp::status::not_found);
      CHECK(json_of(missing)["error"]["code"] == "not_found");

      const Response bad = client.get("/api/search?q=x&per_page=1000");
      CHECK(bad.result() == bhttp::status::bad_request);
      CHECK(json_of(bad)["error"]["code"] == "bad_parameter");

      const Response page = client.get("/");
      CHECK(page.result() == bhttp::status::ok);
      CHECK(std::string(page[bhttp::field::content_type]) == "text/html; charset=utf-8");
    }
    {
      TestClient client(port);
      client.send_raw("NOT AN HTTP REQUEST\r\n\r\n");
      const Response res = client.read_response();
      CHECK(res.result() == bhttp::status::bad_request);
      CHECK(json_of(res)["error"]["status"] == 400);
      CHECK(client.closed_by_server(3s));
    }
    {
      TestClient client(port);
      client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(9000, 'x') +
                      "\r\n\r\n");
      const Response res = client.read_response();
      CHECK(res.result() == bhttp::status::request_header_fields_too_large);
      CHECK(json_of(res)["error"]["status"] == 431);
    }
    // An idle keep-alive connection must not hold up the shutdown.
    TestClient idle(port);
    CHECK(idle.get("/healthz").result() == bhttp::status::ok);

    const auto exit_status = server.signal_and_wait(SIGTERM, 5s);
    REQUIRE(exit_status.has_value());
    CHECK(*exit_status == 0);
  }

  SECTION("hot reload: a post indexed while the server runs is found without a restart") {
    TestClient client(port);
    CHECK(json_of(client.get("/api/search?q=zanzibarquux"))["total"] == 0);
    blog.write_post("travel/zanzibar.md", R"(---
title: "Notes from Zanzibar"
date: 2021-07-01
tags: [travel]
---

The zanzibarquux spice market at dawn.
)");
    const auto report = blog.reindex();
    CHECK(report.added == 1);
    // Same connection, same server thread pool: the next search sees the new commit.
    const json found = json_of(client.get("/api/search?q=zanzibarquux"));
    CHECK(found["total"] == 1);
    REQUIRE(found["hits"].size() == 1);
    CHECK(found["hits"][0]["slug"] == "travel/zanzibar");
    CHECK(json_of(client.get("/healthz"))["posts"] == 4);
    CHECK(client.get("/api/posts/travel/zanzibar").result() == bhttp::status::ok);

    const auto exit_status = server.signal_and_wait(SIGINT, 5s);
    REQUIRE(exit_status.has_value());
    CHECK(*exit_status == 0);
  }

  SECTION("concurrent clients: 8 threads x 50 requests") {
    constexpr int kThreads = 8;
    constexpr int kRequests = 50;
    const std::vector<std::string> targets = {
        "/api/search?q=event+loop", "/api/search?q=goroutines&per_page=2",
        "/api/search?q=decorators&sort=date", "/api/search?q=py", "/api/posts/go/waitgroup",
        "/healthz"};
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::mutex error_mutex;
    std::string first_error;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        try {
          TestClient client(port);
          for (int i = 0; i < kRequests; ++i) {
            const Response res = client.get(targets[static_cast<std::size_t>(t + i) % targets.size()]);
            const auto body = json::parse(res.body());  // throws on invalid JSON
            if (res.result() == bhttp::status::ok && body.is_object()) {
              ++ok;
            } else {
              ++failed;
            }
          }
        } catch (const std::exception& e) {
          ++failed;
          std::lock_guard lock(error_mutex);
          if (first_error.empty()) first_error = e.what();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    INFO(first_error);
    CHECK(failed == 0);
    CHECK(ok == kThreads * kRequests);

    const auto exit_status = server.signal_and_wait(SIGTERM, 5s);
    REQUIRE(exit_status.has_value());
    CHECK(*exit_status == 0);
  }
}

TEST_CASE("e2e: usage errors and bind failures exit 2", "[e2e]") {
  SmallBlog blog;
  ServerProcess first({"--listen", "127.0.0.1:0", "--db", blog.db_path().string(), "--quiet"});
  const std::uint16_t port = first.port();

  ServerProcess taken({"--listen", "127.0.0.1:" + std::to_string(port), "--db",
                       blog.db_path().string()});
  auto status = taken.wait_exit(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);

  ServerProcess bad_listen({"--listen", "nonsense"});
  status = bad_listen.wait_exit(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);

  ServerProcess bad_option({"--no-such-option"});
  status = bad_option.wait_exit(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);

  ServerProcess help({"--help"});
  CHECK(help.first_line().find("postsearch") != std::string::npos);
  status = help.wait_exit(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

// Every search-experience feature over HTTP, against the blog's own bundled archive.
TEST_CASE("e2e: the search experience over HTTP on the bundled posts", "[e2e]") {
  postsearch::testing::TempDir dir;
  postsearch::IndexOptions options;
  options.posts_dirs = {std::filesystem::path(POSTSEARCH_DATA_DIR) / "posts"};
  options.db_path = dir / "index";
  REQUIRE(postsearch::update_index(options).skipped.empty());
  ServerProcess server({"--listen", "127.0.0.1:0", "--db", options.db_path.string(), "--quiet"});
  TestClient client(server.port());
  auto get = [&](const std::string& target) {
    INFO(target);
    const Response res = client.get(target);
    REQUIRE(res.result() == bhttp::status::ok);
    return json_of(res);
  };
  auto slugs = [](const json& hits) {
    std::vector<std::string> out;
    for (const auto& hit : hits) out.push_back(hit["slug"]);
    return out;
  };

  // Ranking: the asyncio posts first for a topic; an exact title first.
  const json loop = get("/api/search?q=event+loop");
  for (int i = 0; i < 4; ++i) CHECK(loop["hits"][i]["slug"].get<std::string>().rfind("async/", 0) == 0);
  CHECK(get("/api/search?q=Golang+Interface")["hits"][0]["slug"] == "go/golang-interface");

  // The word being typed matches as a prefix; a typo is corrected and says so.
  CHECK(get("/api/search?q=telegra")["hits"][0]["slug"] == "go/telegram-bot-content-aggregator");
  const json typo = get("/api/search?q=corutines");
  CHECK(typo["corrected_query"] == "coroutines");
  CHECK(typo["hits"][0]["slug"] == "async/generators-coroutines-async-await");
  CHECK(get("/api/search?q=event+lopp")["corrected_query"] == "event loop");

  // Synonyms.
  CHECK(get("/api/search?q=golang&per_page=50")["total"] == get("/api/search?q=go&per_page=50")["total"]);

  // Facets equal filtering; filters combine; sort by date.
  const json browse = get("/api/search?q=&per_page=100");
  for (const auto& [tag, count] : browse["facets"]["tags"].items()) {
    INFO(tag);
    CHECK(get("/api/search?q=&per_page=1&tag=" + tag)["total"] == count);
  }
  const json both = get("/api/search?q=&tag=python&tag=asyncio&per_page=100");
  CHECK(both["total"].get<int>() >= 3);
  for (const auto& hit : both["hits"]) {
    const auto tags = hit["tags"].get<std::vector<std::string>>();
    CHECK(std::find(tags.begin(), tags.end(), "asyncio") != tags.end());
  }
  const json dated = get("/api/search?q=python&since=2017-01-01&until=2018-12-31&sort=date&per_page=100");
  std::string previous = "9999";
  for (const auto& hit : dated["hits"]) {
    const std::string date = hit["date"];
    CHECK(date >= "2017-01-01");
    CHECK(date <= "2018-12-31");
    CHECK(date <= previous);
    previous = date;
  }

  // Snippets mark matches (stemmed too) and name their section with its anchor.
  const json daphne = get("/api/search?q=supervisor");
  CHECK(daphne["hits"][0]["snippet"].get<std::string>().find("<mark>") != std::string::npos);
  CHECK(!daphne["hits"][0]["section"]["anchor"].get<std::string>().empty());

  // Related posts and suggestions.
  const json related = get("/api/posts/django/channels-introduction/related?limit=3");
  const auto near = slugs(related["hits"]);
  CHECK(std::find(near.begin(), near.end(), "django/channels-custom-channels") != near.end());
  CHECK(std::find(near.begin(), near.end(), "django/channels-introduction") == near.end());
  const json suggest = get("/api/suggest?q=event+lo");
  CHECK(suggest["suggestions"][0] == "event loop");
  CHECK(!suggest["titles"].empty());

  // The CLI's --json prints the same body as the API (but for the time it took).
  const std::string cli = std::string(POSTSEARCH_BINARY_DIR) + "/server/postsearch --json --db " +
                          options.db_path.string() + " event loop";
  FILE* pipe = ::popen(cli.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  CHECK(::pclose(pipe) == 0);
  json from_cli = json::parse(out);
  json from_api = get("/api/search?q=event+loop&partial=0");
  from_cli.erase("took_ms");
  from_api.erase("took_ms");
  CHECK(from_cli == from_api);
}
