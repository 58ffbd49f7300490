// The structured access log of postsearch-server (--access-log PATH|-, --access-log-format):
// one line per answered request, JSON (one object per line) or logfmt.
//
// Fields: time (RFC 3339 UTC, milliseconds), request id, remote address, method, target (the
// raw request target, not decoded), status, response body bytes, duration in ms, user agent
// (at most kMaxLoggedUserAgent bytes), route (the RouteLabel name). Whatever a client sends,
// a field can never break its line: JSON strings are escaped by nlohmann (control characters
// as \uXXXX, invalid UTF-8 replaced by U+FFFD); logfmt values are quoted and escaped the same
// way (\", \\, \n, \t, \u00XX).
//
// Thread safety and cost: write() formats the line without a lock, then takes a mutex only
// around one fwrite and fflush of that line on a buffered FILE*, so lines never interleave
// and each is on disk (or in the pipe) once written; a worker waits at most for another
// worker's single write. reopen() (SIGHUP, after logrotate moved the file) swaps the FILE*
// under the same mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace postsearch {

enum class AccessLogFormat { kJson, kLogfmt };

inline constexpr std::size_t kMaxLoggedUserAgent = 256;
inline constexpr std::size_t kMaxLoggedTargetBytes = 2048;

struct AccessLogEntry {
  std::chrono::system_clock::time_point time;
  std::string_view request_id;
  std::string_view remote;  // "127.0.0.1:53412", "[::1]:53412", or "-"
  std::string_view method;  // "-" when the request could not be parsed
  std::string_view target;  // raw, as received ("-" when unparsed)
  unsigned status = 0;
  std::size_t bytes = 0;    // response body bytes sent
  double duration_ms = 0;
  std::string_view user_agent;
  std::string_view route;
};

// "2026-11-24T10:11:12.345Z".
std::string rfc3339_millis(std::chrono::system_clock::time_point time);

// One line, '\n' included. Targets and user agents are cut to their limits first.
std::string format_access_log_line(const AccessLogEntry& entry, AccessLogFormat format);

class AccessLog {
 public:
  // `path` "-" is standard output; otherwise the file is opened for appending (created if
  // missing). Throws std::runtime_error naming the path when it cannot be opened.
  AccessLog(std::string path, AccessLogFormat format);
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // Formats and writes one line. Never throws; a failed write is dropped (the log must not
  // take the server down with it).
  void write(const AccessLogEntry& entry);

  // Closes and opens the file again at the same path (for logrotate); a no-op on stdout.
  // Keeps the old file when the new one cannot be opened, and returns false.
  bool reopen();

  AccessLogFormat format() const { return format_; }

 private:
  std::string path_;
  AccessLogFormat format_;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

// "json" or "logfmt"; throws std::invalid_argument otherwise.
AccessLogFormat parse_access_log_format(std::string_view name);

}  // namespace postsearch
