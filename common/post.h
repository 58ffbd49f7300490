// The post model: everything the indexer knows about one Markdown file, and how a file
// becomes one (SPEC §1). Reading is pure: no index access, no global state.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/markdown.h"

namespace postsearch {

// Limits on one post (README "Posts"): a list in the front matter (tags, aliases, authors)
// holds at most kMaxListItems items, or the post is skipped; a longer title is cut at a word.
inline constexpr std::size_t kMaxListItems = 200;
inline constexpr std::size_t kMaxTitleBytes = 400;

struct ReadOptions {
  std::string base_url = "/";  // prefix of card URLs built from slugs or Zola paths
};

struct Post {
  std::string slug;     // unique id: front matter `slug`, else the path without extension
  std::string url;
  std::string title;
  std::string date;     // "YYYY-MM-DD" or empty
  std::string updated;  // "YYYY-MM-DD" or empty
  std::vector<std::string> authors;
  std::vector<std::string> tags;  // as written, de-duplicated case-insensitively
  std::vector<std::string> aliases;
  std::string summary;
  bool summary_is_own = false;  // from front matter, not cut from the first paragraph
  bool draft = false;
  MarkdownText body;
  int reading_minutes = 0;

  // A post with no title of its own and no body (a redirect stub) is not a search result.
  bool is_stub() const { return body.text.empty() && !has_own_title; }
  bool has_own_title = false;  // title came from front matter or a level-1 heading
};

// Builds a post from the raw bytes of a file. `relative_path` is the path below the posts
// directory with '/' separators ("async/uvloop.md"); it gives the default slug and title.
// Throws PostError (line + reason) for NUL bytes, invalid UTF-8, broken front matter and
// front matter values of the wrong type or form.
Post parse_post(std::string_view bytes, std::string_view relative_path, const ReadOptions& options);

// Reads `file` and parses it. Also throws PostError when the file cannot be read.
Post read_post(const std::filesystem::path& file, std::string_view relative_path,
               const ReadOptions& options);

// The slug a file gets when its front matter has none: the path without extension;
// "x/index.md" and "x/_index.md" become "x" (the root index becomes "index").
std::string default_slug(std::string_view relative_path);

// Joins a base URL and a path with exactly one '/' between them.
std::string join_url(std::string_view base, std::string_view path);

}  // namespace postsearch
