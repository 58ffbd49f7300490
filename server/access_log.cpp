#include "server/access_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace postsearch {

namespace {

std::string_view cut(std::string_view s, std::size_t max) { return s.substr(0, max); }

// `s` with every byte that is not part of a valid UTF-8 sequence replaced by U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const auto bad = text::find_invalid_utf8(s);
    if (!bad) {
      out.append(s);
      break;
    }
    out.append(s.substr(0, *bad));
    out.append("\xEF\xBF\xBD");
    s.remove_prefix(*bad + 1);
  }
  return out;
}

// A logfmt value: always quoted, so spaces, '=' and empty values need no special case.
void append_logfmt_value(std::string& out, std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : valid_utf8(raw)) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_logfmt_number(std::string& out, std::string_view key, const std::string& value) {
  out.append(key).append("=").append(value);
}

std::string millis(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms);
  return buf;
}

}  // namespace

std::string rfc3339_millis(std::chrono::system_clock::time_point time) {
  const auto since_epoch = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(since_epoch.count() / 1000);
  const int ms = static_cast<int>(since_epoch.count() % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", ms < 0 ? 0 : ms);
  return buf;
}

std::string format_access_log_line(const AccessLogEntry& e, AccessLogFormat format) {
  const std::string_view target = cut(e.target, kMaxLoggedTargetBytes);
  const std::string_view agent = cut(e.user_agent, kMaxLoggedUserAgent);
  const std::string time = rfc3339_millis(e.time);
  if (format == AccessLogFormat::kJson) {
    nlohmann::ordered_json j;
    j["time"] = time;
    j["request_id"] = std::string(e.request_id);
    j["remote"] = std::string(e.remote);
    j["method"] = std::string(e.method);
    j["target"] = std::string(target);
    j["status"] = e.status;
    j["bytes"] = e.bytes;
    j["duration_ms"] = std::round(e.duration_ms * 1000.0) / 1000.0;
    j["user_agent"] = std::string(agent);
    j["route"] = std::string(e.route);
    // `replace`: bytes that are not UTF-8 become U+FFFD instead of throwing.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  std::string out;
  out.reserve(256 + target.size() + agent.size());
  out.append("time=").append(time);
  out.append(" request_id=");
  append_logfmt_value(out, e.request_id);
  out.append(" remote=");
  append_logfmt_value(out, e.remote);
  out.append(" method=");
  append_logfmt_value(out, e.method);
  out.append(" target=");
  append_logfmt_value(out, target);
  out += ' ';
  append_logfmt_number(out, "status", std::to_string(e.status));
  out += ' ';
  append_logfmt_number(out, "bytes", std::to_string(e.bytes));
  out += ' ';
  append_logfmt_number(out, "duration_ms", millis(e.duration_ms));
  out.append(" user_agent=");
  append_logfmt_value(out, agent);
  out.append(" route=");
  append_logfmt_value(out, e.route);
  out += '\n';
  return out;
}

AccessLogFormat parse_access_log_format(std::string_view name) {
  if (name == "json") return AccessLogFormat::kJson;
  if (name == "logfmt") return AccessLogFormat::kLogfmt;
  throw std::invalid_argument("unknown access log format '" + std::string(name) +
                              "' (json or logfmt)");
}

AccessLog::AccessLog(std::string path, AccessLogFormat format)
    : path_(std::move(path)), format_(format) {
  if (path_ == "-") {
    file_ = stdout;
    return;
  }
  file_ = std::fopen(path_.c_str(), "a");
  if (file_ == nullptr) {
    throw std::runtime_error("--access-log " + path_ + ": " + std::strerror(errno));
  }
}

AccessLog::~AccessLog() {
  if (file_ != nullptr && file_ != stdout) std::fclose(file_);
}

void AccessLog::write(const AccessLogEntry& entry) {
  std::string line;
  try {
    line = format_access_log_line(entry, format_);
  } catch (...) {
    return;  // only allocation can fail here
  }
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);  // a line per request is visible at once (tail -f, a log shipper)
}

bool AccessLog::reopen() {
  if (path_ == "-") return true;
  std::FILE* fresh = std::fopen(path_.c_str(), "a");
  if (fresh == nullptr) return false;
  std::lock_guard lock(mutex_);
  std::fclose(file_);
  file_ = fresh;
  return true;
}

}  // namespace postsearch
