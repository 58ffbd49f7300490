// Helpers shared by the test files: temporary directories and small fixtures.
#pragma once

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

namespace postsearch::testing {

// A directory removed with everything in it when the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("postsearch-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, std::string_view content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

// The corpora written by others (tests/corpora: go-blog, rust-blog, react-dev-i18n, the MDN
// tarball) and the checkout itself (bench/queries-go-blog.txt, tests/fuzz/seeds, ...).
inline std::filesystem::path corpora_dir() { return POSTSEARCH_CORPORA_DIR; }
inline std::filesystem::path source_dir() { return POSTSEARCH_SOURCE_DIR; }

// A sanitizer build (scripts/test-sanitizers.sh) runs several times slower: a test whose point
// is volume (the MDN crash test) scales its workload down there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerBuild = true;
#else
inline constexpr bool kSanitizerBuild = false;
#endif
inline std::filesystem::path data_dir() { return POSTSEARCH_DATA_DIR; }

}  // namespace postsearch::testing
