// What the C++ peers of bench/compare.sh index: each Markdown post as a title and its body
// text, found and split the simple way (no YAML/TOML library, no Markdown parsing), so that a
// peer's build time is its engine's and not a parser's.
//
//   - posts: files named *.md / *.markdown (any case) under the directory, recursively,
//     skipping names that start with '.', in path order;
//   - front matter: a first line of "---" (YAML) or "+++" (TOML) up to the next such line is
//     cut off; the title is its first `title: ...` or `title = "..."` line, quotes removed;
//   - no title there: the first "# " heading of the body, else the file name;
//   - body: the rest of the file, Markdown as written (markup characters are punctuation to
//     every tokenizer used here).
// bench/peers/minisearch_bench.mjs does the same in JavaScript.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace peers {

struct Doc {
  std::string path;
  std::string title;
  std::string body;
};

inline bool is_post(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".md" || ext == ".markdown";
}

// Every post under root, in path order.
inline std::vector<std::filesystem::path> list_posts(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> posts;
  auto it = std::filesystem::recursive_directory_iterator(root);
  for (auto end = std::filesystem::recursive_directory_iterator(); it != end; ++it) {
    if (it->path().filename().string().starts_with('.')) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_post(it->path())) posts.push_back(it->path());
  }
  std::sort(posts.begin(), posts.end());
  return posts;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

inline std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    s = s.substr(1, s.size() - 2);
  }
  return std::string(s);
}

// The value of a `title: x` (YAML) or `title = "x"` (TOML) line, or "" if it is not one.
inline std::string title_from_line(std::string_view line) {
  if (!line.starts_with("title")) return {};
  std::string_view rest = trim(line.substr(5));
  if (rest.empty() || (rest.front() != ':' && rest.front() != '=')) return {};
  return unquote(rest.substr(1));
}

// Splits a file's text into title and body as described at the top of this file.
inline Doc split_post(const std::filesystem::path& path, const std::string& text) {
  Doc doc{path.string(), {}, {}};
  std::size_t body_start = 0;
  std::string_view view(text);
  const std::string_view fence = view.substr(0, 3);
  if ((fence == "---" || fence == "+++") && trim(view.substr(0, view.find('\n'))) == fence) {
    std::size_t pos = view.find('\n');
    while (pos != std::string_view::npos) {
      const std::size_t next = view.find('\n', pos + 1);
      const std::string_view line = view.substr(pos + 1, next == std::string_view::npos ? next : next - pos - 1);
      if (trim(line) == fence) {
        body_start = next == std::string_view::npos ? view.size() : next + 1;
        break;
      }
      if (doc.title.empty()) doc.title = title_from_line(line);
      pos = next;
    }
  }
  doc.body = text.substr(body_start);
  if (doc.title.empty()) {
    std::istringstream lines(doc.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("# ")) {
        doc.title = std::string(trim(std::string_view(line).substr(2)));
        break;
      }
    }
  }
  if (doc.title.empty()) doc.title = path.stem().string();
  return doc;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Calls fn(doc) for each post under root, in path order; returns how many.
inline std::size_t for_each_post(const std::filesystem::path& root, const std::function<void(const Doc&)>& fn) {
  const auto posts = list_posts(root);
  for (const auto& p : posts) fn(split_post(p, read_file(p)));
  return posts.size();
}

// The lines of a queries file, blank ones skipped.
inline std::vector<std::string> read_queries(const std::string& path) {
  std::vector<std::string> queries;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!trim(line).empty()) queries.push_back(line);
  }
  return queries;
}

}  // namespace peers
