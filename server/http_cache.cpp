#include "server/http_cache.h"

namespace postsearch {

namespace {

std::string hex16(std::uint64_t value) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kHex[value & 0xf];
    value >>= 4;
  }
  return out;
}

// The opaque part of an entity tag, quotes included: W/"x" -> "x".
std::string_view opaque(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::string api_etag(std::string_view index_version, std::string_view target,
                     std::string_view salt) {
  const std::uint64_t index_part = fnv1a64(salt, fnv1a64(index_version));
  return "W/\"" + hex16(index_part) + "-" + hex16(fnv1a64(target)) + "\"";
}

std::string content_etag(std::string_view content) {
  return "\"" + hex16(fnv1a64(content)) + "\"";
}

bool if_none_match_matches(std::string_view header, std::string_view etag) {
  const std::string_view wanted = opaque(etag);
  std::size_t pos = 0;
  while (pos < header.size()) {
    while (pos < header.size() && (is_space(header[pos]) || header[pos] == ',')) ++pos;
    if (pos >= header.size()) break;
    if (header[pos] == '*') return true;
    std::size_t start = pos;
    if (header.compare(pos, 2, "W/") == 0) pos += 2;
    if (pos >= header.size() || header[pos] != '"') return false;
    const std::size_t close = header.find('"', pos + 1);
    if (close == std::string_view::npos) return false;
    if (opaque(header.substr(start, close + 1 - start)) == wanted) return true;
    pos = close + 1;
  }
  return false;
}

}  // namespace postsearch
