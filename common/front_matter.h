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

// Splits off and parses the front matter of `text` (BOM already removed, LF line endings).
// Text without front matter yields empty fields and body_offset 0.
// Throws PostError (with the line) for an unterminated block or a YAML/TOML syntax error.
FrontMatter parse_front_matter(std::string_view text);

}  // namespace postsearch
