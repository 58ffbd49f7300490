#include "indexer/index_updater.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <sys/stat.h>

#include <xapian.h>

#include "common/document_builder.h"
#include "common/errors.h"
#include "common/hash.h"
#include "common/index_terms.h"
#include "common/schema.h"
#include "common/shards.h"
#include "common/text.h"
#include "indexer/build_writer.h"
#include "indexer/index_store.h"
#include "indexer/ordered_pool.h"
#include "indexer/synonyms.h"

namespace postsearch {

namespace fs = std::filesystem;

namespace {

struct SourceFile {
  fs::path path;              // as found on disk
  std::string key;            // stored in the index: the path as given (stable across runs)
  std::string relative_path;  // below its posts directory, '/' separated
  std::size_t root = 0;       // which posts directory (their order decides slug conflicts)
  bool trusted = false;       // indexed and not among the changed paths: not looked at
};

// Path order: posts directories in the order given, then relative path.
bool before(const SourceFile& a, const SourceFile& b) {
  return a.root != b.root ? a.root < b.root : a.relative_path < b.relative_path;
}

// What the index holds for one document.
struct IndexedPost {
  Xapian::docid docid;
  std::string slug;
  std::string hash;
  std::string stamp;
  std::size_t shard = 0;  // which shard holds it (0 when unsharded)
};

constexpr const char* kSynonymsKey = "postsearch:synonyms";  // see synonyms.cpp
// Files that lost a slug conflict in the last run, one per line.
constexpr const char* kLosersKey = "postsearch:conflict-losers";

// Writing a value a key already has would still make a new revision for readers to reopen.
void set_metadata_if_changed(Xapian::WritableDatabase& db, const std::string& key,
                             const std::string& value) {
  if (db.get_metadata(key) != value) db.set_metadata(key, value);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Which file holds a slug in this run.
struct Claim {
  std::string source_key;
  bool written = false;  // false: the indexed version stays as it is
};

void remove_spellings(Xapian::WritableDatabase& db, const Xapian::Document& doc) {
  for (const std::string& word : spelling_words(doc)) db.remove_spelling(word);
}

// Drops the uncommitted transaction, if any; the last commit stays as it was.
void cancel(Xapian::WritableDatabase& db) {
  try {
    db.cancel_transaction();
  } catch (const Xapian::Error&) {
    // Not in a transaction (it failed before beginning one): nothing to undo.
  }
}

// A failed fresh build: closes its parts and removes what it wrote (best effort; the next
// run removes leftovers anyway). Readers never saw it.
void abandon(std::vector<Xapian::WritableDatabase>& parts, const fs::path& building) {
  if (building.empty()) return;
  for (auto& db : parts) {
    try {
      db.close();
    } catch (const Xapian::Error&) {
      // Closing writes nothing that matters once the build is dropped.
    }
  }
  std::error_code ec;
  fs::remove_all(building, ec);
}

bool is_markdown(const fs::path& path) {
  const std::string ext = text::to_lower_ascii(path.extension().string());
  return ext == ".md" || ext == ".markdown";
}

bool is_hidden(const fs::path& relative) {
  for (const auto& part : relative) {
    const std::string s = part.string();
    if (s.size() > 1 && s[0] == '.' && s != "..") return true;
  }
  return false;
}

// Throws std::invalid_argument naming a posts directory that is missing, not a directory or
// cannot be searched (checked before the index is touched).
void check_posts_dirs(const std::vector<fs::path>& dirs) {
  for (const auto& dir : dirs) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
      const int err = errno;
      if (err == ENOENT) {
        throw std::invalid_argument("posts directory " + dir.string() + " does not exist");
      }
      throw std::invalid_argument("cannot read posts directory " + dir.string() + ": " +
                                  std::generic_category().message(err));
    }
    if (!S_ISDIR(st.st_mode)) {
      throw std::invalid_argument("posts directory " + dir.string() + " is not a directory");
    }
  }
}

// Every Markdown file below the posts directories. A folder that cannot be read stops the
// scan (std::invalid_argument naming it): its posts are not known to be gone, and taking them
// as deleted would sweep them out of the index.
std::vector<SourceFile> scan(const std::vector<fs::path>& dirs) {
  check_posts_dirs(dirs);
  std::vector<SourceFile> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::recursive_directory_iterator it(
        dir, fs::directory_options::follow_directory_symlink, ec);
    if (ec) throw std::invalid_argument("cannot read posts directory " + dir.string() + ": " +
                                        ec.message());
    std::vector<SourceFile> found;
    const fs::recursive_directory_iterator end;
    while (it != end) {
      const fs::path path = it->path();
      const fs::path relative = path.lexically_relative(dir);
      std::error_code type_ec;
      const bool directory = it->is_directory(type_ec);
      if (is_hidden(relative)) {
        if (directory) it.disable_recursion_pending();
      } else if (is_markdown(path) && it->is_regular_file(type_ec)) {
        found.push_back({path, path.lexically_normal().string(), relative.generic_string(),
                         static_cast<std::size_t>(&dir - dirs.data()), false});
      }
      // On an error (a folder it cannot open or list) the iterator becomes the end iterator:
      // the error must be looked at before the loop condition, or the scan would just stop.
      it.increment(ec);
      if (ec) {
        const fs::path where = directory ? path : path.parent_path();
        throw std::invalid_argument("cannot read " + where.string() + " (in posts directory " +
                                    dir.string() + "): " + ec.message());
      }
    }
    std::sort(found.begin(), found.end(), before);
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// Where `path` lies below one of the posts directories: (root, relative path), if it does.
std::optional<std::pair<std::size_t, fs::path>> locate(const std::vector<fs::path>& dirs,
                                                       const fs::path& path) {
  const fs::path absolute = fs::absolute(path).lexically_normal();
  for (std::size_t root = 0; root < dirs.size(); ++root) {
    const fs::path relative = absolute.lexically_relative(fs::absolute(dirs[root]).lexically_normal());
    if (!relative.empty() && *relative.begin() != ".." && relative != ".") {
      return std::make_pair(root, relative);
    }
  }
  return std::nullopt;
}

SourceFile source_file(const std::vector<fs::path>& dirs, std::size_t root,
                       const fs::path& relative) {
  const fs::path path = dirs[root] / relative;
  return {path, path.lexically_normal().string(), relative.generic_string(), root, false};
}

// The files of a run told which paths changed (the watch mode): those paths, files that
// lost a slug conflict last time (a change may free their slug), and every other indexed
// file, trusted as unchanged without a look. The result is what a full scan would give if
// nothing else changed, so the run's diff and sweep work unchanged.
std::vector<SourceFile> changed_files(const IndexOptions& options,
                                      const std::vector<std::string>& losers,
                                      const std::vector<std::string>& indexed_keys) {
  check_posts_dirs(options.posts_dirs);
  std::vector<SourceFile> files;
  std::set<std::string> looked_at;
  auto look_at = [&](const fs::path& path) {
    const auto where = locate(options.posts_dirs, path);
    if (!where || is_hidden(where->second)) return;
    SourceFile file = source_file(options.posts_dirs, where->first, where->second);
    if (!looked_at.insert(file.key).second) return;
    if (!is_markdown(file.path)) return;
    std::error_code ec;
    const fs::file_status status = fs::status(file.path, ec);
    // Gone (deleted or renamed away): swept. A file that cannot even be looked at (a folder
    // on its way without permission) is not known to be gone: it is read, fails, and is
    // reported with its indexed version kept.
    const bool gone = ec ? ec == std::errc::no_such_file_or_directory ||
                               ec == std::errc::not_a_directory
                         : !fs::exists(status);
    if (!gone && (ec || fs::is_regular_file(status))) files.push_back(file);
  };
  for (const auto& path : options.changed_paths) look_at(path);
  for (const auto& key : losers) look_at(key);
  // Keys were made from the posts directories as given, so a string prefix places them:
  // cheap enough for every indexed file (no path parsing, no system call).
  std::vector<std::string> prefixes;
  for (const auto& dir : options.posts_dirs) {
    std::string prefix = dir.lexically_normal().string();
    if (prefix == ".") prefix.clear();
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    prefixes.push_back(std::move(prefix));
  }
  for (const auto& key : indexed_keys) {
    if (looked_at.count(key) != 0) continue;
    for (std::size_t root = 0; root < prefixes.size(); ++root) {
      if (key.compare(0, prefixes[root].size(), prefixes[root]) != 0) continue;
      SourceFile file;
      file.key = key;
      file.relative_path = key.substr(prefixes[root].size());
      file.root = root;
      file.trusted = true;  // never opened: needs no path
      files.push_back(std::move(file));
      break;
    }  // a key below no posts directory any more is not claimed, so it is swept
  }
  std::sort(files.begin(), files.end(), before);
  return files;
}

// The bytes of a file, or nullopt with the reason in `error` ("Permission denied").
std::optional<std::string> read_bytes(const fs::path& path, std::string* error = nullptr) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (error != nullptr) *error = errno != 0 ? std::generic_category().message(errno) : "cannot open";
    return std::nullopt;
  }
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) {
    if (error != nullptr) *error = errno != 0 ? std::generic_category().message(errno) : "read error";
    return std::nullopt;
  }
  return out.str();
}

std::string hex64(std::uint64_t v) {
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(v));
  return out;
}

// What besides the file's bytes shapes its document: the schema version, the options and
// the path below its posts directory (the default slug). A document whose hash starts with
// a different tag must be rebuilt even if the file is untouched.
std::string options_tag(const IndexOptions& options, std::string_view relative_path) {
  std::uint64_t h = fnv1a64(schema::kSchemaVersion);
  h = fnv1a64(std::string_view("\0", 1), h);
  h = fnv1a64(options.read.base_url, h);
  h = fnv1a64(std::string_view("\0", 1), h);
  return hex64(fnv1a64(relative_path, h));
}

// The options tag followed by a 128-bit digest of the bytes (two FNV-1a lanes with
// different offsets): a hash match means the document would come out the same.
std::string content_hash(std::string_view bytes, const std::string& tag) {
  std::uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  for (unsigned char c : bytes) {
    a = (a ^ c) * 0x100000001b3ULL;
    b = (b ^ c) * 0x100000001b3ULL ^ (b >> 29);
  }
  return tag + hex64(a) + hex64(b);
}

std::map<std::string, IndexedPost> load_indexed(const Xapian::Database& db) {
  std::map<std::string, IndexedPost> indexed;
  for (auto it = db.valuestream_begin(schema::kSourceKey); it != db.valuestream_end(schema::kSourceKey); ++it) {
    indexed[*it] = IndexedPost{it.get_docid(), "", "", "", 0};
  }
  std::map<Xapian::docid, IndexedPost*> by_docid;
  for (auto& [key, post] : indexed) by_docid[post.docid] = &post;
  for (auto it = db.valuestream_begin(schema::kSlug); it != db.valuestream_end(schema::kSlug); ++it) {
    if (auto found = by_docid.find(it.get_docid()); found != by_docid.end()) found->second->slug = *it;
  }
  for (auto it = db.valuestream_begin(schema::kContentHash);
       it != db.valuestream_end(schema::kContentHash); ++it) {
    if (auto found = by_docid.find(it.get_docid()); found != by_docid.end()) found->second->hash = *it;
  }
  for (auto it = db.valuestream_begin(schema::kFileStamp);
       it != db.valuestream_end(schema::kFileStamp); ++it) {
    if (auto found = by_docid.find(it.get_docid()); found != by_docid.end()) found->second->stamp = *it;
  }
  return indexed;
}

// How recent a change must be for a file's stamp to be "racy" (git's term): a file saved
// again within the same clock tick as the save a run read, at the same size, has the stamp
// that run recorded. Linux file times come from a clock with a tick of a few ms; some file
// systems keep whole seconds (FAT two).
constexpr long long kRacyWindowNs = 2'000'000'000LL;

struct FileStamp {
  std::string value;  // "<mtime ns>:<size>", empty when the file cannot be stat'ed
  bool racy = false;  // changed less than kRacyWindowNs ago (or in the future)
};

// Modification time (ns) and size: a file whose stamp has not changed is not read again
// (as make and rsync assume), unless the stamp was racy when recorded (see prepare).
FileStamp file_stamp(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  const long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const long long now_ns = static_cast<long long>(now.tv_sec) * 1000000000LL + now.tv_nsec;
  return {std::to_string(mtime) + ":" + std::to_string(static_cast<long long>(st.st_size)),
          mtime > now_ns - kRacyWindowNs};
}

std::string now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

SynonymList load_synonyms(const IndexOptions& options, IndexReport& report) {
  std::string text(default_synonyms());
  std::string source = "(built-in synonyms)";
  if (options.synonyms_file) {
    if (options.synonyms_file->empty()) return {};
    source = options.synonyms_file->string();
    std::optional<std::string> bytes = read_bytes(*options.synonyms_file);
    std::error_code ec;
    if (!bytes || !fs::is_regular_file(*options.synonyms_file, ec)) {
      throw std::invalid_argument("cannot read the synonyms file " + source);
    }
    text = std::move(*bytes);
  }
  SynonymList list = parse_synonyms(text);
  for (const auto& problem : list.problems) {
    report.skipped.push_back({source, problem.line, problem.reason});
  }
  return list;
}

}  // namespace

std::string SkippedPost::describe() const {
  return path + ":" + std::to_string(line) + ": " + reason;
}

std::string IndexReport::summary() const {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", seconds);
  std::string out = std::to_string(posts) + " posts: " + std::to_string(added) + " added, " +
                    std::to_string(changed) + " changed, " + std::to_string(removed) +
                    " removed, " + std::to_string(unchanged) + " unchanged";
  if (!skipped.empty()) out += ", " + std::to_string(skipped.size()) + " skipped";
  if (ignored != 0) out += ", " + std::to_string(ignored) + " ignored (drafts or empty)";
  if (synonyms_changed) out += ", synonyms updated";
  return out + " in " + secs + " s";
}

namespace {

// One database a run writes: the index directory itself, or one shard of a sharded index.
struct Target {
  fs::path dir;
  std::unique_ptr<IndexStore> store;
  std::optional<fs::path> live;
  // An incremental run writes into the live database in one transaction. A full run (or
  // the first) builds a new generation beside it, which publish() swaps in whole. The new
  // generation is built in parts, each written by its own thread (build_writer.h) and merged
  // when published.
  bool fresh = false;
  fs::path building;
  std::optional<Xapian::Database> previous;  // the live index, read by a fresh build
  Xapian::WritableDatabase db;  // the live database, or the first part of a fresh build
  std::vector<fs::path> part_dirs;
  std::vector<Xapian::WritableDatabase> parts;
  std::vector<std::unique_ptr<BuildWriter>> writers;  // one per part, while documents come
  std::size_t next_part = 0;
  // Posts a fresh build keeps as the previous generation has them (a broken edit, an
  // unreadable file): copied from it after the writers finish, as only this thread may read it.
  std::vector<std::pair<std::size_t, Xapian::docid>> carried;  // (shard, docid) in `previous`
  bool modified = false;   // a document, spelling or synonym written or removed
  bool committed = false;  // this run's work is committed (and published, if fresh)

  const Xapian::Database& source() const {
    if (previous) return *previous;
    return db;
  }
};

// Opens (or begins) the database of `target`, whose store is open; a fresh build in
// `parts` parts.
void open_target(Target& target, bool full, const fs::path& db_path, std::size_t parts) {
  target.live = target.store->live();
  target.fresh = full || !target.live;
  try {
    if (target.fresh) {
      if (target.live) target.previous = Xapian::Database(target.live->string());
      target.building = target.store->begin_generation();
      fs::create_directories(target.building);
      for (std::size_t k = 0; k < parts; ++k) {
        target.part_dirs.push_back(target.building / ("part-" + std::to_string(k)));
        target.parts.emplace_back(target.part_dirs.back().string(), Xapian::DB_CREATE_OR_OVERWRITE);
      }
      target.db = target.parts.front();
    } else {
      target.db = Xapian::WritableDatabase(target.live->string(), Xapian::DB_OPEN);
    }
  } catch (const Xapian::DatabaseLockError&) {
    throw IndexWriteError("the index at " + db_path.string() +
                          " is being updated by another program; try again when it has finished");
  } catch (const Xapian::Error& e) {
    throw IndexWriteError("cannot open the index at " + db_path.string() +
                          " for writing: " + e.get_description());
  } catch (const fs::filesystem_error& e) {
    throw IndexWriteError("cannot create a new index in " + db_path.string() + ": " +
                          e.code().message());
  }
}

// Starts one writer thread per part of a fresh build.
void start_writers(Target& target) {
  for (auto& part : target.parts) target.writers.push_back(std::make_unique<BuildWriter>(part));
}

// Waits for a fresh build's writers, then copies the carried posts into its first part.
// Rethrows a writer's failure.
void finish_writers(Target& target, const std::vector<Target>& targets) {
  for (auto& writer : target.writers) writer->finish();
  target.writers.clear();
  for (const auto& [shard, docid] : target.carried) {
    const Xapian::Document document = targets[shard].source().get_document(docid);
    target.db.add_document(document);
    for (const std::string& word : spelling_words(document)) target.db.add_spelling(word);
  }
}

// How many shards this run writes (0: unsharded), checked against what DB/SHARDS records.
// Throws IndexWriteError for a mismatch, or shards asked of an unsharded index.
std::size_t resolve_shards(const IndexOptions& options) {
  std::optional<std::vector<std::string>> layout;
  try {
    layout = shards::read_layout(options.db_path);
  } catch (const std::runtime_error& e) {
    throw IndexWriteError(e.what());
  }
  const std::string db = options.db_path.string();
  if (!layout) {
    if (options.shards != 0 && fs::exists(options.db_path / "XAPIANDB")) {
      throw IndexWriteError(db + " holds an unsharded index; to shard it, build a new one: "
                            "postsearch-index --shards " + std::to_string(options.shards) +
                            " --db NEW_DIR POSTS_DIR...");
    }
    return options.shards;
  }
  for (std::size_t k = 0; k < layout->size(); ++k) {
    if ((*layout)[k] != shards::shard_name(k)) {
      throw IndexWriteError((options.db_path / kShardsFile).string() + " line " +
                            std::to_string(k + 2) + " should be " + shards::shard_name(k));
    }
  }
  if (options.shards != 0 && options.shards != layout->size()) {
    throw IndexWriteError(db + " is split into " + std::to_string(layout->size()) +
                          " shards, not " + std::to_string(options.shards) +
                          "; to re-shard, build a new index: postsearch-index --shards " +
                          std::to_string(options.shards) + " --db NEW_DIR POSTS_DIR...");
  }
  return layout->size();
}

constexpr const char* kShardStateKey = "postsearch:shard-state";
constexpr const char* kUpdatedKey = "postsearch:updated";

// "shard-0=gen-000003@12 shard-1=..." : changes with every commit to any shard.
std::string shard_state(const std::vector<Target>& targets) {
  std::string state;
  for (std::size_t k = 0; k < targets.size(); ++k) {
    const std::optional<fs::path> live = targets[k].store->live();
    const Xapian::Database db(targets[k].dir.string());
    state += shards::shard_name(k) + "=" + (live ? live->filename().string() : "") + "@" +
             std::to_string(db.get_revision()) + " ";
  }
  return state;
}

// Rebuilds DB/dictionary from the shards (all committed) when any of them changed since it
// was last built: their spelling tables merged (frequencies summed, as one database holding
// every post would have them), the synonym table, and the latest update time.
void update_dictionary(const fs::path& db_path, const std::vector<Target>& targets,
                       const SynonymList& synonyms) {
  const fs::path dir = db_path / kDictionaryDir;
  try {
    IndexStore store(dir);
    const std::string state = shard_state(targets);
    if (const auto live = store.live()) {
      if (Xapian::Database(live->string()).get_metadata(kShardStateKey) == state) return;
    }
    const fs::path building = store.begin_generation();
    std::string updated;
    {
      Xapian::WritableDatabase dict(building.string(), Xapian::DB_CREATE_OR_OVERWRITE);
      for (const Target& target : targets) {
        const Xapian::Database shard(target.dir.string());
        for (auto it = shard.spellings_begin(); it != shard.spellings_end(); ++it) {
          dict.add_spelling(*it, it.get_termfreq());
        }
        updated = std::max(updated, shard.get_metadata(kUpdatedKey));
      }
      store_synonyms(dict, synonyms);
      dict.set_metadata(kUpdatedKey, updated);
      dict.set_metadata(kShardStateKey, state);
      dict.commit();
      dict.close();
    }
    store.publish(building, {building});
  } catch (const Xapian::Error& e) {
    throw IndexWriteError("updating the dictionary " + dir.string() + " failed: " +
                          e.get_description() +
                          " (the shards are committed; the next run rebuilds it)");
  }
}

// What looking at one file found: the part of a run done for each file on its own, on the
// preparing threads (read, hash, parse, tokenize), before the run's own thread settles it.
struct Prepared {
  enum class Kind {
    kKeep,        // trusted or unchanged (same stamp): the indexed version stays
    kUnreadable,  // `problem` says why; the indexed version stays
    kTouched,     // new stamp, same bytes: only the stamp is updated (incremental runs)
    kBroken,      // PostError at `line`: `problem`; the indexed version stays
    kIgnored,     // a draft or an empty stub
    kDocument,    // `slug` and `document` to write
  };
  Kind kind = Kind::kKeep;
  std::string stamp;
  std::string hash;
  std::string problem;
  std::size_t line = 0;
  std::string slug;
  Xapian::Document document;  // moved out whole (see build_writer.h)
};

// Looks at `file`, whose indexed version (if any) is `old` in a database that `old_fresh`
// says is being rebuilt. Reads nothing shared but the arguments.
Prepared prepare(const SourceFile& file, const IndexedPost* old, bool old_fresh,
                 const IndexOptions& options, DocumentBuilder& builder) {
  Prepared out;
  if (file.trusted) return out;
  const FileStamp stamp = file_stamp(file.path);
  // A racy stamp is not recorded: the next run reads the file again, which tells a second
  // same-size save in the same clock tick from the first (git's "racily clean" entries).
  out.stamp = stamp.racy ? std::string() : stamp.value;
  const std::string tag = options_tag(options, file.relative_path);
  const bool same_options = old != nullptr && old->hash.rfind(tag, 0) == 0;
  if (!options.full && same_options && !stamp.value.empty() && old->stamp == stamp.value) return out;
  const std::optional<std::string> bytes = read_bytes(file.path, &out.problem);
  if (!bytes) {
    out.kind = Prepared::Kind::kUnreadable;
    return out;
  }
  out.hash = content_hash(*bytes, tag);
  if (old != nullptr && !old_fresh && old->hash == out.hash) {
    out.kind = Prepared::Kind::kTouched;
    return out;
  }
  try {
    Post post = parse_post(*bytes, file.relative_path, options.read);
    if ((post.draft && !options.include_drafts) || post.is_stub()) {
      out.kind = Prepared::Kind::kIgnored;
      return out;
    }
    out.document = builder.build(post, SourceInfo{file.key, out.hash, out.stamp});
    out.slug = std::move(post.slug);
    out.kind = Prepared::Kind::kDocument;
  } catch (const PostError& e) {
    out.kind = Prepared::Kind::kBroken;
    out.line = e.line();
    out.problem = e.what();
  } catch (const std::exception& e) {
    // Whatever else one file's bytes provoke (memory for a pathological post, a library's
    // own limit) costs that post, never the run: skipped like a broken one.
    out.kind = Prepared::Kind::kBroken;
    out.problem = std::string("cannot be indexed: ") + e.what();
  }
  return out;
}

// How many files the preparing threads may work ahead of the run's own thread.
constexpr std::size_t kPrepareWindow = 256;

}  // namespace

IndexReport update_index(const IndexOptions& options, const ProgressFn& progress) {
  const auto start = std::chrono::steady_clock::now();
  IndexReport report;
  const SynonymList synonyms = load_synonyms(options, report);
  // A missing or unreadable posts directory is refused before the index is touched (no
  // lock, no generation begun, nothing to clean up).
  check_posts_dirs(options.posts_dirs);

  // Sharded: DB's own lock, then DB/SHARDS (written by the first run), then each shard's
  // store. Unsharded: one store, DB itself.
  std::optional<DirectoryLock> sharded_lock;
  std::size_t shard_count = resolve_shards(options);
  if (shard_count != 0) {
    sharded_lock.emplace(options.db_path);
    shard_count = resolve_shards(options);  // again, holding the lock
    if (!fs::exists(options.db_path / kShardsFile)) {
      try {
        shards::write_layout(options.db_path, shard_count);
      } catch (const std::runtime_error& e) {
        throw IndexWriteError(e.what());
      }
    }
  }
  const bool sharded = shard_count != 0;
  std::vector<Target> targets(sharded ? shard_count : 1);
  for (std::size_t k = 0; k < targets.size(); ++k) {
    targets[k].dir = sharded ? options.db_path / shards::shard_name(k) : options.db_path;
    targets[k].store = std::make_unique<IndexStore>(targets[k].dir);
  }
  const auto target_of = [&](const std::string& slug) -> Target& {
    return targets[shards::shard_of(slug, targets.size())];
  };

  // Drops every uncommitted transaction and half-built generation; committed work stays.
  const auto abandon_all = [&] {
    for (Target& target : targets) {
      if (target.committed) continue;
      target.writers.clear();  // stops and joins them
      cancel(target.db);
      abandon(target.parts, target.building);
    }
  };
  const auto intact = [&] {
    const bool any_live = std::any_of(targets.begin(), targets.end(),
                                      [](const Target& t) { return t.live.has_value(); });
    const bool any_committed = std::any_of(targets.begin(), targets.end(),
                                           [](const Target& t) { return t.committed; });
    if (any_committed) return std::string(" (the shards before it are committed; the next run completes the rest)");
    return std::string(any_live ? " (the previous index is intact)" : " (no index was published)");
  };

  const std::size_t jobs = options.jobs != 0 ? options.jobs
                                             : std::max(1u, std::thread::hardware_concurrency());
  try {
    const std::size_t parts = std::max<std::size_t>(1, jobs / targets.size());
    for (Target& target : targets) open_target(target, options.full, options.db_path, parts);
  } catch (...) {
    abandon_all();
    throw;
  }
  const bool any_fresh = std::any_of(targets.begin(), targets.end(),
                                     [](const Target& t) { return t.fresh; });

  try {
    // What the index holds, by source key. A key found in two shards (a post that moved
    // shard in a run that failed between the two commits) is looked at once; its other
    // documents are swept like any other.
    std::map<std::string, IndexedPost> indexed;
    std::vector<std::pair<std::string, IndexedPost>> duplicates;
    for (std::size_t k = 0; k < targets.size(); ++k) {
      if (targets[k].fresh && !targets[k].previous) continue;
      for (auto& [key, post] : load_indexed(targets[k].source())) {
        post.shard = k;
        if (!indexed.emplace(key, post).second) duplicates.emplace_back(key, post);
      }
    }
    std::map<std::string, const IndexedPost*> indexed_by_slug;
    for (const auto& [key, post] : indexed) indexed_by_slug[post.slug] = &post;
    std::vector<SourceFile> files;
    if (!any_fresh && !options.changed_paths.empty()) {
      std::vector<std::string> keys;
      for (const auto& [key, post] : indexed) keys.push_back(key);
      files = changed_files(options, split_lines(targets[0].db.get_metadata(kLosersKey)), keys);
    } else {
      files = scan(options.posts_dirs);
    }

    // Documents are written as files are read (memory stays flat on big archives). In a
    // live database, one transaction: nothing is visible to readers before the commit.
    for (Target& target : targets) {
      if (!target.fresh) target.db.begin_transaction();
      const std::string synonyms_before = target.source().get_metadata(kSynonymsKey);
      store_synonyms(target.db, synonyms);
      if (target.db.get_metadata(kSynonymsKey) != synonyms_before) {
        report.synonyms_changed = true;
        target.modified = true;
      }
    }
    for (Target& target : targets) {
      if (target.fresh) start_writers(target);
    }
    std::map<std::string, Claim> claims;  // slug -> the file that has it this run

    // A fresh build's writer takes the document away (moved: see build_writer.h).
    auto write = [&](const std::string& slug, Xapian::Document& document) {
      Target& target = target_of(slug);
      if (target.fresh) {
        target.writers[target.next_part++ % target.writers.size()]->add(std::move(document));
        return;
      }
      target.db.replace_document(terms::unique_id(slug), document);
      for (const std::string& word : spelling_words(document)) target.db.add_spelling(word);
    };

    // Files are visited in path order, so the first claim on a slug is the winner.
    auto claim = [&](const std::string& slug, const std::string& source_key,
                     Xapian::Document* document, const IndexedPost* kept) {
      auto [it, inserted] = claims.try_emplace(slug, Claim{source_key, document != nullptr});
      if (!inserted) {
        report.conflicts.push_back({slug, it->second.source_key, source_key});
        return;
      }
      Target& target = target_of(slug);
      if (document == nullptr) {
        ++report.unchanged;
        // Carried into the new build (a kept post's slug, and so its shard, is unchanged).
        if (target.fresh) target.carried.emplace_back(kept->shard, kept->docid);
        return;
      }
      if (auto old = indexed_by_slug.find(slug); old != indexed_by_slug.end()) {
        ++report.changed;
        if (!target.fresh) remove_spellings(target.db, target.db.get_document(old->second->docid));
      } else {
        ++report.added;
      }
      target.modified = true;
      write(slug, *document);
    };

    // Files are prepared on `jobs` threads (a run that reads few files needs no more than
    // one), settled here in path order.
    std::vector<const IndexedPost*> olds(files.size(), nullptr);
    std::size_t to_read = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (const auto old = indexed.find(files[i].key); old != indexed.end()) olds[i] = &old->second;
      if (!files[i].trusted) ++to_read;
    }
    const std::size_t preparers = any_fresh ? jobs : 1;
    std::vector<DocumentBuilder> builders(preparers);
    OrderedPool<Prepared> pool(files.size(), to_read > 0 ? preparers : 0, kPrepareWindow,
                               [&](std::size_t i, std::size_t worker) {
                                 const IndexedPost* old = olds[i];
                                 return prepare(files[i], old, old != nullptr && targets[old->shard].fresh,
                                                options, builders[worker]);
                               });
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (progress) progress(i, files.size());
      const SourceFile& file = files[i];
      const IndexedPost* old = olds[i];
      const auto keep_old = [&] {
        if (old != nullptr) claim(old->slug, file.key, nullptr, old);
      };
      Prepared p = pool.take(i);
      switch (p.kind) {
        case Prepared::Kind::kKeep:
          keep_old();
          break;
        case Prepared::Kind::kUnreadable:
          report.skipped.push_back({file.key, 0, "cannot read the file: " + p.problem});
          keep_old();
          break;
        case Prepared::Kind::kTouched: {
          // Touched but not changed: remember the new stamp so the next run skips reading it
          // (nothing to write when it is racy again and none was recorded).
          if (p.stamp != old->stamp) {
            Xapian::WritableDatabase& db = targets[old->shard].db;
            Xapian::Document doc = db.get_document(old->docid);
            doc.add_value(schema::kFileStamp, p.stamp);
            db.replace_document(old->docid, doc);
          }
          keep_old();
          break;
        }
        case Prepared::Kind::kBroken:
          report.skipped.push_back({file.key, p.line, p.problem});
          keep_old();  // a broken edit does not take the last good version out of search
          break;
        case Prepared::Kind::kIgnored:
          ++report.ignored;
          break;
        case Prepared::Kind::kDocument:
          if (target_of(p.slug).fresh && old != nullptr && old->hash == p.hash &&
              claims.count(p.slug) == 0 && indexed_by_slug.count(p.slug) != 0) {
            // A full run rewrites every post; one whose bytes did not change is not "changed".
            claims.emplace(p.slug, Claim{file.key, true});
            ++report.unchanged;
            write(p.slug, p.document);
            break;
          }
          claim(p.slug, file.key, &p.document, nullptr);
          break;
      }
    }
    if (progress) progress(files.size(), files.size());

    // Sweep: an indexed document stays if its slug was rewritten this run or its file still
    // claims it; everything else is gone from disk (or became a draft, stub or loser).
    const auto sweep = [&](const std::string& key, const IndexedPost& post) {
      auto c = claims.find(post.slug);
      const bool stays = c != claims.end() && (c->second.written || c->second.source_key == key);
      if (stays) return;
      ++report.removed;
      Target& target = targets[post.shard];
      target.modified = true;
      if (target.fresh) return;  // never written into the new build
      remove_spellings(target.db, target.db.get_document(post.docid));
      target.db.delete_document(post.docid);
    };
    for (const auto& [key, post] : indexed) sweep(key, post);
    for (const auto& [key, post] : duplicates) sweep(key, post);
    for (Target& target : targets) {
      if (target.fresh) finish_writers(target, targets);
    }

    std::string losers;
    for (const auto& conflict : report.conflicts) losers += conflict.loser + "\n";
    set_metadata_if_changed(targets[0].db, kLosersKey, losers);
    report.posts = 0;
    for (Target& target : targets) {
      Xapian::WritableDatabase& db = target.db;
      const std::string last_update = target.previous ? target.previous->get_metadata(kUpdatedKey)
                                                      : db.get_metadata(kUpdatedKey);
      set_metadata_if_changed(db, kUpdatedKey,
                              target.modified || last_update.empty() ? now_rfc3339() : last_update);
      if (target.fresh) {
        for (auto& part : target.parts) {
          part.commit();
          report.posts += part.get_doccount();
          part.close();
        }
        target.store->publish(target.building, target.part_dirs);
      } else {
        db.commit_transaction();
        report.posts += db.get_doccount();
      }
      target.committed = true;
    }
  } catch (const Xapian::Error& e) {
    const std::string state = intact();
    abandon_all();
    throw IndexWriteError("writing the index at " + options.db_path.string() + " failed: " +
                          e.get_description() + state);
  } catch (...) {
    abandon_all();
    throw;
  }
  if (sharded) update_dictionary(options.db_path, targets, synonyms);
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace postsearch
