// Front matter: the YAML (`---`) or TOML (`+++`) block at the very top of a post, parsed
// with yaml-cpp / toml++ into one neutral JSON form so that the post reader interprets
// both the same way.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace postsearch {

struct FrontMatter {
  // Top-level keys. Scalars become strings (YAML) or their TOML type; TOML dates and
  // date-times become ISO 8601 strings.
  nlohmann::json fields = nlohmann::json::object();
  // 1-based line of each top-level key in the file, for error messages.
  std::map<std::string, std::size_t> key_lines;
  // Where the Markdown body starts: byte offset and 1-based line in the input.
  std::size_t body_offset = 0;
  std::size_t body_line = 1;
};

// Limits on what a front matter block may cost to read (a post over one is skipped as broken):
// its size, how deep values nest, and how many values it holds once YAML aliases are expanded.
inline constexpr std::size_t kMaxFrontMatterBytes = 64 * 1024;
inline constexpr std::size_t kMaxFrontMatterDepth = 32;
inline constexpr std::size_t kMaxFrontMatterNodes = 10'000;

// Splits off and parses the front matter of `text` (BOM already removed, LF line endings).
// Text without front matter yields empty fields and body_offset 0.
// Throws PostError (with the line) for an unterminated block, a YAML/TOML syntax error or a
// block over the limits above.
FrontMatter parse_front_matter(std::string_view text);

}  // namespace postsearch
