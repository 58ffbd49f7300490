// Helpers shared by the fuzz targets: an index of data/posts built once per process, and a
// way to turn a broken invariant into a crash that libFuzzer records as a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "common/text.h"
#include "indexer/index_updater.h"

namespace postsearch::fuzz {

// Prints what went wrong and aborts: libFuzzer saves the input as crash-<sha1>.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\nFUZZ INVARIANT BROKEN: %.*s\n%.*s\n", static_cast<int>(what.size()),
               what.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void check_utf8(std::string_view what, std::string_view s) {
  if (auto bad = text::find_invalid_utf8(s)) {
    fail(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(*bad), s);
  }
}

namespace detail {
inline std::string& temp_dir() {
  static std::string dir;
  return dir;
}
inline void remove_temp_dir() {
  std::error_code ec;
  if (!temp_dir().empty()) std::filesystem::remove_all(temp_dir(), ec);
}
}  // namespace detail

// The index of data/posts, built on the first call (from LLVMFuzzerInitialize) in a fresh
// mkdtemp directory that is removed when the process exits normally. Aborts when it
// cannot be built: every input would be a false finding otherwise.
inline const std::filesystem::path& index_path() {
  static const std::filesystem::path path = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "postsearch-fuzz-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("mkdtemp failed", pattern);
    detail::temp_dir() = pattern;
    std::atexit(detail::remove_temp_dir);

    IndexOptions options;
    options.posts_dirs = {std::filesystem::path(POSTSEARCH_DATA_DIR) / "posts"};
    options.db_path = std::filesystem::path(pattern) / "index";
    const IndexReport report = update_index(options);
    if (report.posts == 0 || !report.skipped.empty()) {
      fail("cannot build the fuzzing index from " POSTSEARCH_DATA_DIR "/posts", report.summary());
    }
    return options.db_path;
  }();
  return path;
}

}  // namespace postsearch::fuzz
