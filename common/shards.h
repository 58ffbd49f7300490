// Sharded indexes (`postsearch-index --shards N`): where a post goes, and the on-disk layout.
//
//   DB/SHARDS        "postsearch-shards 1", then one shard directory name per line
//   DB/shard-K/      a normal postsearch index directory (XAPIANDB stub -> gen-NNNNNN)
//   DB/dictionary/   a normal postsearch index directory holding no documents: the spelling
//                    and synonym tables of the whole corpus (remote shards serve neither)
//   DB/postsearch.lock  flock()ed by the one indexer at work on the sharded index
//
// A post's shard depends on its slug only (shard_of), so it moves only if its slug changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "common/index_sources.h"  // kShardsFile, kShardsHeader, the SHARDS reader

namespace postsearch::shards {

// The shard (0..shards-1) that holds the post with this slug: fnv1a64(slug) % shards
// (common/hash.h; pinned by tests: another hash would move posts between shards).
// `shards` must be at least 1.
std::size_t shard_of(std::string_view slug, std::size_t shards);

// "shard-3".
std::string shard_name(std::size_t k);

// The shard directory names recorded in DB/SHARDS, in shard order, or nullopt when DB is not
// a sharded index (no SHARDS file). Throws std::runtime_error for a SHARDS file that cannot
// be read or does not have the expected header.
std::optional<std::vector<std::string>> read_layout(const std::filesystem::path& db);

// Writes DB/SHARDS for `shards` shards (shard-0 ... shard-{N-1}) atomically (write + rename).
// Throws std::runtime_error when it cannot.
void write_layout(const std::filesystem::path& db, std::size_t shards);

}  // namespace postsearch::shards
