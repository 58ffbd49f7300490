// The one non-cryptographic hash of the project: 64-bit FNV-1a. Its values are written to
// disk (shard placement, shortened terms) and sent to clients (ETags), so it must be the
// same on every platform and build, which std::hash is not.
#pragma once

#include <cstdint>
#include <string_view>

namespace postsearch {

inline constexpr std::uint64_t kFnv1aSeed = 0xcbf29ce484222325ULL;

// FNV-1a over `bytes`, continuing from `seed` (a previous result chains hashes).
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = kFnv1aSeed) {
  std::uint64_t h = seed;
  for (const char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

}  // namespace postsearch
