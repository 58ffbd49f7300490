// Fuzzes the HTTP front door: raw bytes through Beast's request parser with the server's
// limits, and each complete request (up to a few pipelined ones) through Router::handle
// with a Searcher over an index of data/posts built once at startup.
//
// Invariants, each a finding when broken: handle() does not throw (its contract); the status
// is 2xx, 3xx, 4xx or 503, never 500 (an internal error: the router's error log is printed);
// every response has an X-Request-Id and no header value holding CR or LF; a JSON body
// parses and is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <nlohmann/json.hpp>

#include "common/searcher.h"
#include "fuzz_support.h"
#include "server/http_server.h"
#include "server/router.h"

namespace {

using namespace postsearch;
namespace beast = boost::beast;

constexpr int kMaxRequestsPerInput = 4;  // pipelined requests in one input

std::unique_ptr<Searcher> searcher;
std::unique_ptr<Router> router_with_static;  // one allowed origin, static files
std::unique_ptr<Router> router_any_origin;   // CORS "*", no static files
std::string last_error_log;                  // what the router logged for the current input

void check_response(const HttpRequest& request, const HttpResponse& response) {
  const unsigned status = response.result_int();
  const bool ok = (status >= 200 && status < 500) || status == 503;
  if (!ok) {
    fuzz::fail("status " + std::to_string(status) + " for " + std::string(request.method_string()) +
                   " " + std::string(request.target()),
               "router error log: " + last_error_log + "\nbody: " + response.body());
  }
  if (response.find("X-Request-Id") == response.end()) fuzz::fail("no X-Request-Id", response.body());
  for (const auto& field : response) {
    if (field.value().find_first_of("\r\n") != beast::string_view::npos) {
      fuzz::fail("CR or LF in response header " + std::string(field.name_string()),
                 std::string(field.value()));
    }
  }
  const auto type = response.find(http::field::content_type);
  if (type != response.end() && type->value().starts_with("application/json") &&
      request.method() != http::verb::head) {
    fuzz::check_utf8("JSON body", response.body());
    if (!nlohmann::json::accept(response.body())) fuzz::fail("JSON body does not parse", response.body());
  }
}

void make_static_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "docs");
  std::ofstream(dir / "index.html") << "<!doctype html><title>home</title>\n";
  std::ofstream(dir / "style.css") << "body { margin: 0 }\n";
  std::ofstream(dir / "docs" / "index.html") << "<!doctype html><title>docs</title>\n";
  std::ofstream(dir / ".secret") << "not to be served\n";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::filesystem::path db = fuzz::index_path();
  searcher = std::make_unique<Searcher>(db);
  make_static_dir(db.parent_path() / "static");
  RouterConfig config;
  config.error_log = [](std::string_view line) { last_error_log.append(line).append("\n"); };
  config.cors_origins = {"*"};
  router_any_origin = std::make_unique<Router>(config);
  config.cors_origins = {"https://blog.example"};
  config.static_dir = db.parent_path() / "static";
  router_with_static = std::make_unique<Router>(config);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Both configurations get explored: which one answers depends on the input's size.
  const Router& router = (size % 2 == 0) ? *router_with_static : *router_any_origin;
  boost::asio::const_buffer input(data, size);
  for (int n = 0; n < kMaxRequestsPerInput && input.size() > 0; ++n) {
    // A fresh parser per request with the server's limits, as the session does.
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    parser.body_limit(kBodyLimit);
    parser.eager(true);
    beast::error_code ec;
    while (input.size() > 0 && !parser.is_done()) {
      const std::size_t used = parser.put(input, ec);
      input += used;
      if (ec || used == 0) break;
    }
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;  // the session answers these with error_response

    const HttpRequest request = parser.release();
    last_error_log.clear();
    HttpResponse response;
    try {
      response = router.handle(request, *searcher);
    } catch (const std::exception& e) {
      fuzz::fail("Router::handle threw", e.what());
    } catch (...) {
      fuzz::fail("Router::handle threw a non-std exception");
    }
    check_response(request, response);
  }
  return 0;
}
