#include "common/shards.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <system_error>

#include "common/hash.h"
#include "common/index_sources.h"

namespace postsearch::shards {

namespace fs = std::filesystem;

std::size_t shard_of(std::string_view slug, std::size_t shards) {
  return shards <= 1 ? 0 : static_cast<std::size_t>(fnv1a64(slug) % shards);
}

std::string shard_name(std::size_t k) { return "shard-" + std::to_string(k); }

std::optional<std::vector<std::string>> read_layout(const fs::path& db) {
  // One reader of SHARDS for both sides: the searcher's strict one (common/index_sources).
  std::vector<fs::path> shards;
  try {
    shards = read_shards(db);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  if (shards.empty()) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& shard : shards) names.push_back(shard.filename().string());
  return names;
}

void write_layout(const fs::path& db, std::size_t shards) {
  const fs::path file = db / kShardsFile;
  const fs::path tmp = db / (std::string(kShardsFile) + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << kShardsHeader << "\n";
    for (std::size_t k = 0; k < shards; ++k) out << shard_name(k) << "\n";
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  const int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) throw std::runtime_error("cannot write " + file.string() + ": " + ec.message());
}

}  // namespace postsearch::shards
