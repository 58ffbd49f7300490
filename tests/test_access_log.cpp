// server/access_log and server/http_cache: hostile targets and user agents (quotes,
// backslashes, newlines, control characters, bytes that are not UTF-8) still give exactly
// one valid JSON object or one logfmt line per request, whose values read back; the file is
// appended to and reopened; If-None-Match is compared as RFC 9110 says.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "server/access_log.h"
#include "server/http_cache.h"
#include "test_support.h"

using namespace postsearch;
using nlohmann::json;
using postsearch::testing::TempDir;

namespace {

const std::vector<std::string> kHostile = {
    "plain",
    "",
    R"(a "quoted" \ back\slash)",
    "line\nbreak\r\nand\ttab",
    std::string("ctl\x01\x1f\x7f end"),
    "not utf-8: \xff\xfe \xc3( \xed\xa0\x80",
    "key=value other=\"x\"",
    "} {\"injected\": true}",
    std::string(5000, 'x'),  // over the target and user-agent limits
    "caf\xc3\xa9 \xe2\x9c\x93",  // valid UTF-8 stays as it is
};

AccessLogEntry entry_with(std::string_view target, std::string_view agent) {
  AccessLogEntry e;
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795514400123));
  e.request_id = "abc123";
  e.remote = "127.0.0.1:5555";
  e.method = "GET";
  e.target = target;
  e.status = 200;
  e.bytes = 42;
  e.duration_ms = 1.23456;
  e.user_agent = agent;
  e.route = "search";
  return e;
}

// A strict logfmt reader for the lines we write: key=value pairs separated by one space,
// values bare (no space, quote or '=') or quoted with \" \\ \n \r \t \u00XX escapes.
std::map<std::string, std::string> parse_logfmt(const std::string& line) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t eq = line.find('=', i);
    REQUIRE(eq != std::string::npos);
    const std::string key = line.substr(i, eq - i);
    REQUIRE(!key.empty());
    REQUIRE(key.find_first_of(" \"") == std::string::npos);
    i = eq + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        REQUIRE(i < line.size());
        const char c = line[i++];
        if (c == '"') break;
        REQUIRE(static_cast<unsigned char>(c) >= 0x20);  // no raw control character
        if (c != '\\') {
          value += c;
          continue;
        }
        REQUIRE(i < line.size());
        const char esc = line[i++];
        switch (esc) {
          case '"': value += '"'; break;
          case '\\': value += '\\'; break;
          case 'n': value += '\n'; break;
          case 'r': value += '\r'; break;
          case 't': value += '\t'; break;
          case 'u':
            REQUIRE(line.compare(i, 2, "00") == 0);
            value += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
            i += 4;
            break;
          default: FAIL("bad escape \\" << esc);
        }
      }
    } else {
      while (i < line.size() && line[i] != ' ') {
        REQUIRE(line[i] != '"');
        value += line[i++];
      }
    }
    out[key] = value;
    if (i < line.size()) {
      REQUIRE(line[i] == ' ');
      ++i;
    }
  }
  return out;
}

// What a logged value should read back as: cut to `limit` bytes, non-UTF-8 bytes as U+FFFD.
std::string expected_value(const std::string& raw, std::size_t limit) {
  std::string cut = raw.substr(0, limit);
  std::string out;
  std::string_view rest = cut;
  while (!rest.empty()) {
    auto bad = text::find_invalid_utf8(rest);
    if (!bad) {
      out += rest;
      break;
    }
    out += rest.substr(0, *bad);
    out += "\xEF\xBF\xBD";
    rest.remove_prefix(*bad + 1);
  }
  return out;
}

}  // namespace

TEST_CASE("access log: JSON lines stay one valid object whatever the client sends",
          "[access_log]") {
  for (const auto& target : kHostile) {
    for (const auto& agent : kHostile) {
      const std::string line =
          format_access_log_line(entry_with(target, agent), AccessLogFormat::kJson);
      REQUIRE(line.back() == '\n');
      REQUIRE(line.find('\n') == line.size() - 1);  // exactly one line
      REQUIRE_FALSE(text::find_invalid_utf8(line));
      const json j = json::parse(line);
      REQUIRE(j.is_object());
      CHECK(j.size() == 10);
      CHECK(j["time"] == "2026-11-24T10:00:00.123Z");
      CHECK(j["request_id"] == "abc123");
      CHECK(j["remote"] == "127.0.0.1:5555");
      CHECK(j["method"] == "GET");
      CHECK(j["status"] == 200);
      CHECK(j["bytes"] == 42);
      CHECK(j["duration_ms"] == Approx(1.235));
      CHECK(j["route"] == "search");
      CHECK(j["target"] == expected_value(target, kMaxLoggedTargetBytes));
      CHECK(j["user_agent"] == expected_value(agent, kMaxLoggedUserAgent));
    }
  }
}

TEST_CASE("access log: logfmt lines stay one line whose values read back", "[access_log]") {
  for (const auto& target : kHostile) {
    for (const auto& agent : kHostile) {
      const std::string line =
          format_access_log_line(entry_with(target, agent), AccessLogFormat::kLogfmt);
      REQUIRE(line.back() == '\n');
      REQUIRE(line.find('\n') == line.size() - 1);
      REQUIRE_FALSE(text::find_invalid_utf8(line));
      const auto fields = parse_logfmt(line.substr(0, line.size() - 1));
      CHECK(fields.size() == 10);
      CHECK(fields.at("time") == "2026-11-24T10:00:00.123Z");
      CHECK(fields.at("status") == "200");
      CHECK(fields.at("bytes") == "42");
      CHECK(fields.at("duration_ms") == "1.235");
      CHECK(fields.at("route") == "search");
      CHECK(fields.at("target") == expected_value(target, kMaxLoggedTargetBytes));
      CHECK(fields.at("user_agent") == expected_value(agent, kMaxLoggedUserAgent));
    }
  }
}

TEST_CASE("access log: appends whole lines from many threads, and reopens", "[access_log]") {
  TempDir dir;
  const auto path = dir / "access.log";
  {
    AccessLog log(path.string(), AccessLogFormat::kJson);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 250; ++i) log.write(entry_with("/api/search?q=x", "agent\n\"x\""));
      });
    }
    for (auto& t : threads) t.join();
    // logrotate: the file is moved away, SIGHUP reopens the path.
    std::filesystem::rename(path, dir / "access.log.1");
    REQUIRE(log.reopen());
    log.write(entry_with("/after-rotation", ""));
  }
  auto lines_of = [](const std::filesystem::path& p) {
    std::ifstream in(p);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  };
  const auto rotated = lines_of(dir / "access.log.1");
  CHECK(rotated.size() == 1000);
  for (const auto& line : rotated) CHECK(json::parse(line)["user_agent"] == "agent\n\"x\"");
  const auto fresh = lines_of(path);
  REQUIRE(fresh.size() == 1);
  CHECK(json::parse(fresh[0])["target"] == "/after-rotation");

  CHECK_THROWS_AS(AccessLog((dir / "no/such/dir/log").string(), AccessLogFormat::kJson),
                  std::runtime_error);
  CHECK(parse_access_log_format("logfmt") == AccessLogFormat::kLogfmt);
  CHECK_THROWS_AS(parse_access_log_format("xml"), std::invalid_argument);
}

TEST_CASE("http cache: If-None-Match uses the weak comparison", "[http_cache]") {
  const std::string weak = R"(W/"abc-123")";
  const std::string strong = R"("abc-123")";
  struct Case {
    std::string header;
    bool matches;
  };
  const std::vector<Case> cases = {
      {R"(W/"abc-123")", true},
      {R"("abc-123")", true},  // weak comparison: W/ ignored
      {R"("other", W/"abc-123")", true},
      {R"("other",W/"abc-123" , "x")", true},
      {"*", true},
      {R"("other")", false},
      {R"(W/"abc-12")", false},
      {R"(abc-123)", false},  // unquoted: malformed
      {R"("abc-123)", false},
      {"", false},
  };
  for (const auto& c : cases) {
    INFO(c.header);
    CHECK(if_none_match_matches(c.header, weak) == c.matches);
    CHECK(if_none_match_matches(c.header, strong) == c.matches);
  }
}

TEST_CASE("http cache: API tags differ by index version and by target", "[http_cache]") {
  const std::string a = api_etag("uuid:1", "/api/search?q=go", "0.1.0");
  CHECK(a.rfind("W/\"", 0) == 0);
  CHECK(a == api_etag("uuid:1", "/api/search?q=go", "0.1.0"));
  CHECK(a != api_etag("uuid:2", "/api/search?q=go", "0.1.0"));
  CHECK(a != api_etag("uuid:1", "/api/search?q=gp", "0.1.0"));
  CHECK(a != api_etag("uuid:1", "/api/search?q=go", "0.2.0"));
  CHECK(content_etag("body") == content_etag("body"));
  CHECK(content_etag("body") != content_etag("body2"));
  CHECK(content_etag("body").front() == '"');
}
