#include "indexer/index_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <xapian.h>

#include "common/errors.h"
#include "common/shards.h"

namespace postsearch {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStub = "XAPIANDB";
constexpr const char* kLock = "postsearch.lock";
constexpr const char* kPrefix = "gen-";
constexpr const char* kBuilding = ".build";

// "gen-000042" -> 42; 0 for anything else.
unsigned long generation_number(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0 || name.size() != 10) return 0;
  unsigned long n = 0;
  for (char c : name.substr(4)) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  return n;
}

std::string generation_name(unsigned long n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%06lu", kPrefix, n);
  return buf;
}

void fsync_path(const fs::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

[[noreturn]] void fail(const std::string& message) { throw IndexWriteError(message); }

}  // namespace

DirectoryLock::DirectoryLock(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) fail("cannot create the index directory " + dir.string());
  fd_ = ::open((dir / kLock).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) fail("cannot create the lock file in " + dir.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    fail("the index at " + dir.string() +
         " is being updated by another postsearch-index; try again when it has finished");
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

IndexStore::IndexStore(fs::path dir) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (!fs::is_directory(dir_)) fail("cannot create the index directory " + dir_.string());
  if (fs::exists(dir_ / "iamglass") && !fs::exists(dir_ / kStub)) {
    fail(dir_.string() + " holds an index in an older layout; remove it and run postsearch-index again");
  }
  lock_.emplace(dir_);
  if (fs::exists(dir_ / kShardsFile)) {
    fail(dir_.string() + " holds a sharded index (" + kShardsFile +
         "); it is updated with postsearch-index --shards N");
  }
  remove_leftovers();
}

void IndexStore::remove_leftovers() {
  // Holding the lock, nothing but a killed run can have left a build, or a generation newer
  // than the live one (killed while compacting it): neither was ever visible.
  const std::optional<fs::path> current = live();
  const unsigned long live_number =
      current ? generation_number(current->filename().string()) : 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    const bool building = name.size() > 6 && name.compare(name.size() - 6, 6, kBuilding) == 0;
    if (building || generation_number(name) > live_number) fs::remove_all(entry.path(), ec);
  }
}

IndexStore::~IndexStore() = default;

std::optional<fs::path> IndexStore::live() const {
  std::ifstream stub(dir_ / kStub);
  if (!stub) return std::nullopt;
  std::string backend, name;
  stub >> backend >> name;
  if (name.empty() || generation_number(name) == 0 || !fs::is_directory(dir_ / name)) {
    fail("the index stub " + (dir_ / kStub).string() + " is damaged; remove " + dir_.string() +
         " and run postsearch-index again");
  }
  return dir_ / name;
}

fs::path IndexStore::begin_generation() {
  unsigned long highest = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    highest = std::max(highest, generation_number(entry.path().filename().string()));
  }
  return dir_ / (generation_name(highest + 1) + kBuilding);
}

void IndexStore::publish(const fs::path& built, const std::vector<fs::path>& parts) {
  const std::string building = built.filename().string();
  const std::string name = building.substr(0, building.size() - 6);
  const fs::path final_path = dir_ / name;
  const std::optional<fs::path> previous = live();
  std::error_code ec;
  try {
    // Compaction writes a fresh, tightly packed copy, fsync'ed by Xapian; parts are merged
    // into it (document ids renumbered part after part).
    Xapian::Database merged;
    for (const auto& part : parts) merged.add_database(Xapian::Database(part.string()));
    merged.compact(final_path.string());
  } catch (const Xapian::Error& e) {
    fs::remove_all(final_path, ec);  // half written, never visible
    fail("compacting the new index at " + dir_.string() + " failed: " + e.get_description() +
         (previous ? " (the previous index is intact)" : " (no index was published)"));
  }
  fs::remove_all(built, ec);

  const fs::path tmp = dir_ / (std::string(kStub) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << "auto " << name << "\n";
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      fs::remove_all(final_path, ec);
      fail("cannot write " + tmp.string() + " (the previous index is intact)");
    }
  }
  fsync_path(tmp, O_RDONLY);
  fs::rename(tmp, dir_ / kStub, ec);  // the swap
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(tmp, ec);
    fs::remove_all(final_path, ec);
    fail("cannot replace " + (dir_ / kStub).string() + ": " + reason +
         " (the previous index is intact)");
  }
  fsync_path(dir_, O_RDONLY | O_DIRECTORY);

  // Readers may still be in the generation just replaced; older ones have had a whole
  // generation's time to move on.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string entry_name = entry.path().filename().string();
    if (generation_number(entry_name) == 0 || entry_name == name) continue;
    if (previous && entry.path().filename() == previous->filename()) continue;
    fs::remove_all(entry.path(), ec);
  }
}

}  // namespace postsearch
