// The real corpora the tests read (tests/corpora): where each one's posts are, the MDN
// tarball extracted once per machine.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "test_support.h"

namespace postsearch::testing {

inline constexpr std::size_t kMdnPosts = 14235;

// A corpus folder of Markdown posts by name ("go-blog", "rust-blog", "react-dev-i18n").
inline std::filesystem::path corpus_dir(const std::string& name) {
  const std::filesystem::path dir = corpora_dir() / name;
  REQUIRE(std::filesystem::is_directory(dir));
  return dir;
}

// The MDN posts (files/en-us), extracted once per machine into the temp directory (as
// bench/indexing.sh does) and only read from there: deleting 14,235 extracted files costs
// 50-80 s on a disk mounted with `discard`, far more than extracting them.
inline std::filesystem::path mdn_corpus() {
  namespace fs = std::filesystem;
  const fs::path cache = fs::temp_directory_path() / "postsearch-mdn";
  const fs::path posts = cache / "files" / "en-us";
  auto count = [](const fs::path& dir) {
    std::size_t n = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->path().extension() == ".md") ++n;
    }
    return n;
  };
  if (fs::is_directory(posts) && count(posts) == kMdnPosts) return posts;
  const fs::path tarball = corpora_dir() / "mdn-en-us.tar.xz";
  REQUIRE(fs::exists(tarball));
  const fs::path fresh = fs::temp_directory_path() /
                         ("postsearch-mdn.extracting." + std::to_string(::getpid()));
  fs::create_directories(fresh);
  const std::string tar = "tar -xJf '" + tarball.string() + "' -C '" + fresh.string() + "'";
  REQUIRE(std::system(tar.c_str()) == 0);
  REQUIRE(count(fresh / "files" / "en-us") == kMdnPosts);
  std::error_code ec;
  if (fs::exists(cache)) fs::remove_all(cache, ec);  // an extraction cut short
  fs::rename(fresh, cache, ec);
  if (ec) fs::remove_all(fresh, ec);  // another test run put it there first
  REQUIRE(count(posts) == kMdnPosts);
  return posts;
}

}  // namespace postsearch::testing
