// Where a Searcher reads from: one or more databases searched as one (README "Shards").
//
//   --db DIR              a postsearch index directory (DIR/XAPIANDB), or a sharded one
//                         (DIR/SHARDS lists its shard directories; DIR/dictionary holds the
//                         spelling and synonym tables of the whole corpus)
//   --db tcp://HOST:PORT  a remote shard served by xapian-tcpsrv ([IPV6] in brackets)
//   --dict DIR            where spelling corrections and synonyms come from: a postsearch
//                         index or dictionary directory (remote shards serve neither)
//
// Parsing only: nothing here opens a database. Every function throws std::invalid_argument
// with a reason a user can act on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

struct IndexSource {
  std::string spec;                 // as given on the command line
  bool remote = false;
  std::filesystem::path path;       // local: the index directory
  std::string host;                 // remote: without brackets ("127.0.0.1", "::1")
  std::uint16_t port = 0;           // remote: 1..65535

  friend bool operator==(const IndexSource&, const IndexSource&) = default;
};

// The databases to search as one, and where spelling and synonyms come from. An empty
// `dictionary` means: a sharded local source's DIR/dictionary when there is one, else the
// searched databases themselves.
struct IndexSet {
  std::vector<IndexSource> sources;
  std::filesystem::path dictionary;
};

// "tcp://HOST:PORT" (HOST a name, an IPv4 address or [IPV6]; PORT 1-65535, digits only) is
// remote; anything else not starting with "tcp://" or "TCP://" is a local path. Throws
// std::invalid_argument for an empty spec or a malformed tcp:// one.
IndexSource parse_index_source(std::string_view spec);

// IndexSet of the given specs (at least one) and dictionary directory (may be empty).
IndexSet parse_index_set(const std::vector<std::string>& specs, const std::filesystem::path& dictionary);

// The file listing a sharded index's shards, and its first line.
inline constexpr const char* kShardsFile = "SHARDS";
inline constexpr const char* kShardsHeader = "postsearch-shards 1";
inline constexpr const char* kDictionaryDir = "dictionary";

// The shard directory names of a SHARDS file's contents: the header line, then one name
// per line (a final newline is optional). Strict: a wrong header, a blank line, a carriage
// return, a name that is not a plain directory name (a '/', ".", "..", a leading '.', a
// space or control character), a duplicate name or no name at all is an error naming the
// line ("line 3: ...").
std::vector<std::string> parse_shards_file(std::string_view contents);

// DIR's shard directories (DIR / name, in order) when DIR/SHARDS exists, else empty.
// Throws std::invalid_argument naming the file for one that cannot be read or parsed.
std::vector<std::filesystem::path> read_shards(const std::filesystem::path& dir);

}  // namespace postsearch
