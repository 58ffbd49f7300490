#include "common/index_sources.h"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace postsearch {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kScheme = "tcp://";

bool starts_with_scheme(std::string_view spec) {
  if (spec.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = spec[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return false;
  }
  return true;
}

[[noreturn]] void bad_remote(std::string_view spec, const std::string& why) {
  throw std::invalid_argument("bad remote database '" + std::string(spec) + "': " + why +
                              " (expected tcp://HOST:PORT or tcp://[IPV6]:PORT)");
}

bool host_char_ok(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

}  // namespace

IndexSource parse_index_source(std::string_view spec) {
  if (spec.empty()) throw std::invalid_argument("empty database path");
  IndexSource source;
  source.spec = std::string(spec);
  if (!starts_with_scheme(spec)) {
    source.path = fs::path(std::string(spec));
    return source;
  }
  source.remote = true;
  std::string_view rest = spec.substr(kScheme.size());
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) bad_remote(spec, "unclosed '['");
    host = rest.substr(1, close - 1);
    if (host.empty()) bad_remote(spec, "missing host");
    for (char c : host) {
      const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!hex && c != ':' && c != '.') bad_remote(spec, "not an IPv6 address in brackets");
    }
    if (host.find(':') == std::string_view::npos) bad_remote(spec, "not an IPv6 address in brackets");
    rest = rest.substr(close + 1);
    if (rest.empty() || rest.front() != ':') bad_remote(spec, "missing port");
    port = rest.substr(1);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) bad_remote(spec, "missing port");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty()) bad_remote(spec, "missing host");
    for (char c : host) {
      if (c == ':') bad_remote(spec, "an IPv6 address needs brackets");
      if (!host_char_ok(c)) bad_remote(spec, "bad character in host");
    }
  }
  if (port.empty()) bad_remote(spec, "missing port");
  if (port.size() > 5) bad_remote(spec, "port out of range");
  unsigned value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') bad_remote(spec, "port is not a number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value < 1 || value > 65535) bad_remote(spec, "port out of range");
  source.host = std::string(host);
  source.port = static_cast<std::uint16_t>(value);
  return source;
}

IndexSet parse_index_set(const std::vector<std::string>& specs, const fs::path& dictionary) {
  if (specs.empty()) throw std::invalid_argument("no database given");
  IndexSet set;
  for (const auto& spec : specs) set.sources.push_back(parse_index_source(spec));
  if (!dictionary.empty() && starts_with_scheme(dictionary.string())) {
    throw std::invalid_argument("--dict must be a local directory, not " + dictionary.string());
  }
  set.dictionary = dictionary;
  return set;
}

std::vector<std::string> parse_shards_file(std::string_view contents) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < contents.size()) {
    std::size_t end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    lines.push_back(contents.substr(start, end - start));
    start = end + 1;
  }
  auto fail = [](std::size_t line, const std::string& why) {
    throw std::invalid_argument("line " + std::to_string(line) + ": " + why);
  };
  if (lines.empty() || lines[0] != kShardsHeader) {
    fail(1, std::string("expected \"") + kShardsHeader + "\"");
  }
  std::vector<std::string> names;
  std::set<std::string_view> seen;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view name = lines[i];
    const std::size_t number = i + 1;
    if (name.empty()) fail(number, "blank line");
    for (char c : name) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '\r') fail(number, "carriage return (the file must use \\n line ends)");
      if (u < 0x20 || u == 0x7f || c == ' ') fail(number, "space or control character in a shard name");
      if (c == '/' || c == '\\') fail(number, "a shard name is a directory name, not a path");
    }
    if (name.front() == '.') fail(number, "a shard name cannot start with '.'");
    if (!seen.insert(name).second) fail(number, "shard '" + std::string(name) + "' listed twice");
    names.emplace_back(name);
  }
  if (names.empty()) fail(lines.size() + (contents.ends_with('\n') ? 1 : 0), "no shard listed");
  return names;
}

std::vector<fs::path> read_shards(const fs::path& dir) {
  const fs::path file = dir / kShardsFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory) {
      throw std::invalid_argument("cannot read " + file.string() + ": " + ec.message());
    }
    return {};
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in || in.bad()) throw std::invalid_argument("cannot read " + file.string());
  std::vector<fs::path> out;
  try {
    for (const auto& name : parse_shards_file(bytes.str())) out.push_back(dir / name);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(file.string() + ": " + e.what());
  }
  return out;
}

}  // namespace postsearch
