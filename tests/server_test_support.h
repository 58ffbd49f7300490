// Helpers for the server tests: a small indexed blog in a temp dir, and a tiny HTTP/1.1
// client over Beast whose every operation is bounded in time (async ops run with
// io_context::run_for), so a misbehaving server fails a test instead of hanging it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "indexer/index_updater.h"
#include "test_support.h"

namespace postsearch::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// Three posts (YAML front matter, `##` headings, fenced code) indexed into a temp dir.
class SmallBlog {
 public:
  SmallBlog() {
    write_post("async/uvloop-sanic-motor.md", R"(---
title: "Exploring Asyncio - uvloop, sanic and motor"
date: 2017-05-08
tags: [python, asyncio]
summary: "A small asynchronous JSON API with uvloop, Sanic and Motor."
author: "Ana Ruiz"
---

Every asyncio program revolves around the event loop and its callbacks.

## Why uvloop is fast

uvloop reimplements the event loop on top of libuv, written in Cython.

```python
import asyncio
import uvloop
asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
```

## Sanic handlers

A Sanic handler is a coroutine: `async def handler(request)`.
)");
    write_post("go/waitgroup.md", R"(---
title: "Waiting for goroutines"
date: 2019-03-02
tags: [go, concurrency]
summary: "How sync.WaitGroup waits for a group of goroutines."
---

A program often starts goroutines and has to wait until all of them are done.

## The WaitGroup

```go
var wg sync.WaitGroup
wg.Add(1)
go func() { defer wg.Done() }()
wg.Wait()
```
)");
    write_post("python/decorators.md", R"(---
title: "Python decorators"
date: 2020-01-15
tags: [python]
summary: "Functions that wrap functions."
---

A decorator takes a function and returns another one, often with `functools.wraps`.

## Decorators with arguments

They add one more level of nesting.
)");
    reindex();
  }

  void write_post(const std::string& relative, const std::string& text) const {
    write_file(posts_dir() / relative, text);
  }

  IndexReport reindex() const {
    IndexOptions options;
    options.posts_dirs = {posts_dir()};
    options.db_path = db_path();
    options.read.base_url = "https://blog.example/posts/";
    IndexReport report = update_index(options);
    if (!report.skipped.empty()) throw std::runtime_error(report.skipped.front().describe());
    return report;
  }

  std::filesystem::path posts_dir() const { return dir_ / "posts"; }
  std::filesystem::path db_path() const { return dir_ / "index"; }
  std::filesystem::path root() const { return dir_.path(); }

 private:
  TempDir dir_;
};

using Response = bhttp::response<bhttp::string_body>;

// One TCP connection to 127.0.0.1:port. Every call gives up after `timeout`.
class TestClient {
 public:
  explicit TestClient(std::uint16_t port, std::chrono::milliseconds timeout = 5000ms)
      : socket_(ioc_), timeout_(timeout) {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
    run([&](auto done) { socket_.async_connect(endpoint, done); }, "connect");
  }

  // Writes raw bytes (anything, including malformed HTTP).
  void send_raw(const std::string& bytes) {
    run([&](auto done) { net::async_write(socket_, net::buffer(bytes), done); }, "write");
  }

  void send(const bhttp::request<bhttp::string_body>& request) {
    run([&](auto done) { bhttp::async_write(socket_, request, done); }, "write");
  }

  // Reads one response. `head`: the response to a HEAD request (no body follows).
  Response read_response(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(head);
    run([&](auto done) { bhttp::async_read(socket_, buffer_, parser, done); }, "read response");
    return parser.release();
  }

  Response get(const std::string& target, bhttp::verb method = bhttp::verb::get,
               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    bhttp::request<bhttp::string_body> request{method, target, 11};
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) request.set(name, value);
    send(request);
    return read_response(method == bhttp::verb::head);
  }

  // Half-closes: the server reads EOF after what was sent.
  void shutdown_send() {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Closes with a TCP reset (SO_LINGER 0), as a crashed or hostile client does.
  void reset() {
    beast::error_code ignored;
    socket_.set_option(net::socket_base::linger(true, 0), ignored);
    socket_.close(ignored);
  }

  // True when the server closes the connection (EOF or reset) within `within`, without
  // sending anything more.
  bool closed_by_server(std::chrono::milliseconds within) {
    char byte = 0;
    beast::error_code result;
    std::size_t got = 0;
    bool finished = false;
    ioc_.restart();
    socket_.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t n) {
      finished = true;
      result = ec;
      got = n;
    });
    ioc_.run_for(within);
    if (!finished) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
      return false;
    }
    return got == 0 && (result == net::error::eof || result == net::error::connection_reset);
  }

 private:
  // Starts an async operation and runs it to completion within the timeout; throws on a
  // timeout or an error, so a test fails with a reason instead of hanging.
  template <class Start>
  void run(Start&& start, const char* what) {
    beast::error_code result;
    bool finished = false;
    ioc_.restart();
    start([&](beast::error_code ec, auto&&...) {
      finished = true;
      result = ec;
    });
    ioc_.run_for(timeout_);
    if (!finished) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
      throw std::runtime_error(std::string(what) + ": timed out");
    }
    if (result) throw std::runtime_error(std::string(what) + ": " + result.message());
  }

  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

}  // namespace postsearch::testing
