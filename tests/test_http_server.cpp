// The Beast layer in-process over real TCP on 127.0.0.1, port 0: keep-alive, pipelining,
// size limits (413/414/431), malformed requests, timeouts and graceful shutdown.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/http_server.h"
#include "server_test_support.h"

using namespace postsearch;
using namespace std::chrono_literals;
using nlohmann::json;
using postsearch::testing::Response;
using postsearch::testing::SmallBlog;
using postsearch::testing::TestClient;
using Clock = std::chrono::steady_clock;
namespace bhttp = boost::beast::http;

namespace {

SmallBlog& blog() {
  static SmallBlog instance;
  return instance;
}

ServerConfig test_config() {
  ServerConfig config;
  config.db_path = blog().db_path();
  config.listen = "127.0.0.1:0";
  config.threads = 2;
  config.quiet = true;
  return config;
}

std::string header(const Response& res, std::string_view name) {
  auto it = res.find(name);
  return it == res.end() ? std::string() : std::string(it->value());
}

std::string error_code(const Response& res) {
  INFO(res.body());
  return json::parse(res.body()).at("error").at("code").get<std::string>();
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE("http: parse_listen_address", "[server]") {
  CHECK(parse_listen_address("127.0.0.1:8080").host == "127.0.0.1");
  CHECK(parse_listen_address("127.0.0.1:8080").port == 8080);
  CHECK(parse_listen_address("[::1]:0").host == "::1");
  CHECK(parse_listen_address("[::1]:0").port == 0);
  CHECK(parse_listen_address("localhost:65535").port == 65535);
  for (const char* bad : {"8080", ":8080", "::1:8080", "[::1]8080", "[::1", "host:", "host:65536",
                          "host:-1", "host:http", "host:123456", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_listen_address(bad), std::invalid_argument);
  }
}

TEST_CASE("http: serves requests on an ephemeral port, with keep-alive and pipelining", "[server]") {
  HttpServer server(test_config());
  const auto port = server.start();
  REQUIRE(port != 0);
  CHECK(server.url() == "http://127.0.0.1:" + std::to_string(port));

  TestClient client(port);
  for (int i = 0; i < 3; ++i) {  // several requests on one connection
    const Response res = client.get("/api/search?q=goroutines");
    REQUIRE(res.result() == bhttp::status::ok);
    CHECK(res.keep_alive());
    CHECK(json::parse(res.body())["hits"][0]["slug"] == "go/waitgroup");
  }
  const Response head = client.get("/healthz", bhttp::verb::head);
  CHECK(head.result() == bhttp::status::ok);
  CHECK(head.body().empty());
  CHECK(std::stoul(header(head, "Content-Length")) > 0);
  // The connection still works after a HEAD.
  CHECK(client.get("/healthz").result() == bhttp::status::ok);

  // Two requests in one write: two responses, in order.
  client.send_raw(
      "GET /api/posts/go/waitgroup HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  const Response first = client.read_response();
  const Response second = client.read_response();
  CHECK(first.result() == bhttp::status::ok);
  CHECK(json::parse(first.body())["slug"] == "go/waitgroup");
  CHECK(second.result() == bhttp::status::not_found);

  // HTTP/1.0 without keep-alive: answered, then closed.
  client.send_raw("GET /healthz HTTP/1.0\r\n\r\n");
  const Response old = client.read_response();
  CHECK(old.result() == bhttp::status::ok);
  CHECK(client.closed_by_server(2s));
  server.stop();
  server.wait();
}

TEST_CASE("http: oversized and malformed requests get JSON errors and a close", "[server]") {
  HttpServer server(test_config());
  const auto port = server.start();
  struct Row {
    std::string name;
    std::string bytes;
    bhttp::status status;
    std::string code;
  };
  const std::string big(kHeaderLimit + 1000, 'a');
  const std::vector<Row> rows = {
      {"header fields over 8 KiB",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fill: " + big + "\r\n\r\n",
       bhttp::status::request_header_fields_too_large, "headers_too_large"},
      {"many small header fields over 8 KiB",
       [] {
         std::string r = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
         for (int i = 0; i < 600; ++i) r += "X-F" + std::to_string(i) + ": 0123456789\r\n";
         return r + "\r\n";
       }(),
       bhttp::status::request_header_fields_too_large, "headers_too_large"},
      {"request line over 8 KiB", "GET /api/search?q=" + big + " HTTP/1.1\r\nHost: x\r\n\r\n",
       bhttp::status::uri_too_long, "uri_too_long"},
      {"request line without end", "GET /" + big, bhttp::status::uri_too_long, "uri_too_long"},
      {"body over 64 KiB",
       "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBodyLimit + 1) +
           "\r\n\r\n" + std::string(1000, 'b'),
       bhttp::status::payload_too_large, "body_too_large"},
      {"garbage request line", "this is not http\r\n\r\n", bhttp::status::bad_request,
       "bad_request"},
      {"bad version", "GET / HTTP/9.x\r\n\r\n", bhttp::status::bad_request, "bad_request"},
      {"control character in target", "GET /a\x01 HTTP/1.1\r\n\r\n", bhttp::status::bad_request,
       "bad_request"},
      {"bad header line", "GET / HTTP/1.1\r\nno colon here\r\n\r\n", bhttp::status::bad_request,
       "bad_request"},
      {"bad content length", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
       bhttp::status::bad_request, "bad_request"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    TestClient client(port);
    client.send_raw(row.bytes);
    const Response res = client.read_response();
    CHECK(res.result() == row.status);
    CHECK(error_code(res) == row.code);
    CHECK(header(res, "Content-Type") == "application/json; charset=utf-8");
    CHECK_FALSE(header(res, "X-Request-Id").empty());
    CHECK_FALSE(res.keep_alive());
    CHECK(client.closed_by_server(3s));
  }
  // A small body on a GET is fine.
  TestClient client(port);
  client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(client.read_response().result() == bhttp::status::ok);
  // A request line just under the limit is still answered (400: the query is too long).
  client.send_raw("GET /api/search?q=" + std::string(kHeaderLimit - 100, 'a') +
                  " HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(client.read_response().result() == bhttp::status::bad_request);
}

TEST_CASE("http: idle and slow connections are closed by timeouts", "[server]") {
  ServerConfig config = test_config();
  config.idle_timeout = 300ms;
  config.request_timeout = 300ms;
  HttpServer server(config);
  const auto port = server.start();

  SECTION("idle keep-alive connection") {
    TestClient client(port);
    CHECK(client.get("/healthz").result() == bhttp::status::ok);
    const auto start = Clock::now();
    CHECK(client.closed_by_server(3s));
    CHECK(seconds_since(start) >= 0.2);
  }
  SECTION("a connection that never sends") {
    TestClient client(port);
    CHECK(client.closed_by_server(3s));
  }
  SECTION("a request that never finishes") {
    TestClient client(port);
    client.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // no blank line
    CHECK(client.closed_by_server(3s));
  }
}

TEST_CASE("http: stop: idle connections are closed, requests in flight finish", "[server]") {
  ServerConfig config = test_config();
  config.shutdown_grace = 20s;  // the test fails if shutdown has to wait for it
  HttpServer server(config);
  const auto port = server.start();

  TestClient idle(port);
  CHECK(idle.get("/healthz").result() == bhttp::status::ok);
  TestClient in_flight(port);
  in_flight.send_raw("GET /api/search?q=decorators HTTP/1.1\r\nHost: x\r\n");  // half a request
  std::this_thread::sleep_for(50ms);  // let the server start reading it

  const auto start = Clock::now();
  server.stop();
  CHECK(idle.closed_by_server(3s));
  in_flight.send_raw("\r\n");
  const Response res = in_flight.read_response();
  CHECK(res.result() == bhttp::status::ok);
  CHECK_FALSE(res.keep_alive());  // answered, then closed
  CHECK(json::parse(res.body())["hits"][0]["slug"] == "python/decorators");
  server.wait();
  CHECK(seconds_since(start) < 5.0);
  // No longer accepting.
  CHECK_THROWS(TestClient(port, 1000ms));
}

TEST_CASE("http: stop: a request that never completes is cut off after the grace period", "[server]") {
  ServerConfig config = test_config();
  config.shutdown_grace = 300ms;
  config.request_timeout = 60s;
  auto server = std::make_unique<HttpServer>(config);
  const auto port = server->start();
  TestClient stuck(port);
  stuck.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  std::this_thread::sleep_for(50ms);
  const auto start = Clock::now();
  server->stop();
  server->wait();
  const double took = seconds_since(start);
  CHECK(took >= 0.25);
  CHECK(took < 5.0);
  server.reset();  // destroys the handlers still pending on the stopped io_context
  CHECK(stuck.closed_by_server(2s));
}

TEST_CASE("http: binding a port in use fails with a reason", "[server]") {
  HttpServer first(test_config());
  const auto port = first.start();
  ServerConfig config = test_config();
  config.listen = "127.0.0.1:" + std::to_string(port);
  HttpServer second(config);
  try {
    second.start();
    FAIL("second bind succeeded");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(port)) == 0);
  }
}

TEST_CASE("http: a server that is never started or stopped twice is fine", "[server]") {
  { HttpServer idle(test_config()); }
  HttpServer server(test_config());
  server.start();
  server.stop();
  server.stop();
  server.wait();
  server.wait();
}

TEST_CASE("http: IPv6 loopback", "[server]") {
  ServerConfig config = test_config();
  config.listen = "[::1]:0";
  HttpServer server(config);
  std::uint16_t port = 0;
  try {
    port = server.start();
  } catch (const std::runtime_error& e) {
    WARN("no IPv6 loopback here: " << e.what());
    return;
  }
  CHECK(server.url() == "http://[::1]:" + std::to_string(port));
}

TEST_CASE("http: access log: one line per request", "[server]") {
  std::mutex mutex;
  std::vector<std::string> lines;
  ServerConfig config = test_config();
  config.quiet = false;
  config.access_log = [&](std::string_view line) {
    std::lock_guard lock(mutex);
    lines.emplace_back(line);
  };
  HttpServer server(config);
  const auto port = server.start();
  {
    TestClient client(port);
    client.get("/api/search?q=python", bhttp::verb::get, {{"X-Request-Id", "trace-1"}});
    client.get("/nope");
  }
  server.stop();
  server.wait();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].rfind("GET /api/search?q=python 200 ", 0) == 0);
  CHECK(lines[0].find("ms id=trace-1") != std::string::npos);
  CHECK(lines[1].rfind("GET /nope 404 ", 0) == 0);
}
