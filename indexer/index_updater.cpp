#include "indexer/index_updater.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <xapian.h>

#include "common/document_builder.h"
#include "common/errors.h"
#include "common/schema.h"
#include "common/text.h"
#include "indexer/synonyms.h"

namespace postsearch {

namespace fs = std::filesystem;

namespace {

struct SourceFile {
  fs::path path;              // as found on disk
  std::string key;            // stored in the index: the path as given (stable across runs)
  std::string relative_path;  // below its posts directory, '/' separated
};

// What the index holds for one document.
struct IndexedPost {
  Xapian::docid docid;
  std::string slug;
  std::string hash;
};

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

std::vector<SourceFile> scan(const std::vector<fs::path>& dirs) {
  std::vector<SourceFile> files;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      throw std::invalid_argument("posts directory " + dir.string() +
                                  " does not exist or is not a directory");
    }
    fs::recursive_directory_iterator it(
        dir, fs::directory_options::follow_directory_symlink, ec);
    if (ec) throw std::invalid_argument("cannot read posts directory " + dir.string() + ": " +
                                        ec.message());
    std::vector<SourceFile> found;
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) throw std::invalid_argument("cannot read " + it->path().string() + ": " +
                                          ec.message());
      const fs::path relative = it->path().lexically_relative(dir);
      if (is_hidden(relative)) {
        if (it->is_directory(ec)) it.disable_recursion_pending();
        continue;
      }
      if (!is_markdown(it->path()) || !it->is_regular_file(ec)) continue;
      found.push_back({it->path(), it->path().lexically_normal().string(),
                       relative.generic_string()});
    }
    std::sort(found.begin(), found.end(), [](const SourceFile& a, const SourceFile& b) {
      return a.relative_path < b.relative_path;
    });
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::optional<std::string> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

// 128-bit FNV-1a (two 64-bit lanes with different offsets) over the file and everything
// else that changes its document: a hash match means the document would come out the same.
std::string content_hash(std::string_view bytes, const IndexOptions& options,
                         std::string_view relative_path) {
  std::uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      a = (a ^ c) * 0x100000001b3ULL;
      b = (b ^ c) * 0x100000001b3ULL ^ (b >> 29);
    }
    a = (a ^ 0xff) * 0x100000001b3ULL;
  };
  mix(schema::kSchemaVersion);
  mix(options.read.base_url);
  mix(relative_path);
  mix(bytes);
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return out;
}

std::map<std::string, IndexedPost> load_indexed(Xapian::Database& db) {
  std::map<std::string, IndexedPost> indexed;
  for (auto it = db.valuestream_begin(schema::kSourceKey); it != db.valuestream_end(schema::kSourceKey); ++it) {
    indexed[*it] = IndexedPost{it.get_docid(), "", ""};
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
  return indexed;
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

Xapian::WritableDatabase open_for_writing(const fs::path& db_path) {
  std::error_code ec;
  if (db_path.has_parent_path()) fs::create_directories(db_path.parent_path(), ec);
  try {
    return Xapian::WritableDatabase(db_path.string(), Xapian::DB_CREATE_OR_OPEN);
  } catch (const Xapian::DatabaseLockError&) {
    throw IndexWriteError("the index at " + db_path.string() +
                          " is being updated by another postsearch-index; try again when it "
                          "has finished");
  } catch (const Xapian::Error& e) {
    throw IndexWriteError("cannot open the index at " + db_path.string() + " for writing: " +
                          e.get_description());
  }
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

IndexReport update_index(const IndexOptions& options, const ProgressFn& progress) {
  const auto start = std::chrono::steady_clock::now();
  IndexReport report;
  const std::vector<SourceFile> files = scan(options.posts_dirs);
  const SynonymList synonyms = load_synonyms(options, report);
  Xapian::WritableDatabase db = open_for_writing(options.db_path);

  try {
    const std::map<std::string, IndexedPost> indexed = load_indexed(db);
    std::map<std::string, const IndexedPost*> indexed_by_slug;
    for (const auto& [key, post] : indexed) indexed_by_slug[post.slug] = &post;

    // Documents are written as files are read (memory stays flat on big archives), all in
    // one transaction: nothing is visible to readers until commit_transaction().
    db.begin_transaction();
    report.synonyms_changed = store_synonyms(db, synonyms);
    DocumentBuilder builder;
    std::map<std::string, Claim> claims;  // slug -> the file that has it this run

    // Files are visited in path order, so the first claim on a slug is the winner.
    auto claim = [&](const std::string& slug, const std::string& source_key,
                     const Xapian::Document* document) {
      auto [it, inserted] = claims.try_emplace(slug, Claim{source_key, document != nullptr});
      if (!inserted) {
        report.conflicts.push_back({slug, it->second.source_key, source_key});
        return;
      }
      if (document == nullptr) {
        ++report.unchanged;
        return;
      }
      if (auto old = indexed_by_slug.find(slug); old != indexed_by_slug.end()) {
        ++report.changed;
        remove_spellings(db, db.get_document(old->second->docid));
      } else {
        ++report.added;
      }
      db.replace_document(unique_term(slug), *document);
      for (const std::string& word : spelling_words(*document)) db.add_spelling(word);
    };

    std::size_t done = 0;
    for (const SourceFile& file : files) {
      if (progress) progress(done++, files.size());
      const auto old = indexed.find(file.key);
      const auto keep_old = [&] {
        if (old != indexed.end()) claim(old->second.slug, file.key, nullptr);
      };
      const std::optional<std::string> bytes = read_bytes(file.path);
      if (!bytes) {
        report.skipped.push_back({file.key, 0, "cannot read the file"});
        keep_old();
        continue;
      }
      const std::string hash = content_hash(*bytes, options, file.relative_path);
      if (!options.full && old != indexed.end() && old->second.hash == hash) {
        keep_old();
        continue;
      }
      try {
        Post post = parse_post(*bytes, file.relative_path, options.read);
        if ((post.draft && !options.include_drafts) || post.is_stub()) {
          ++report.ignored;
          continue;
        }
        const Xapian::Document doc = builder.build(post, SourceInfo{file.key, hash});
        claim(post.slug, file.key, &doc);
      } catch (const PostError& e) {
        report.skipped.push_back({file.key, e.line(), e.what()});
        keep_old();  // a broken edit does not take the last good version out of search
      }
    }
    if (progress) progress(files.size(), files.size());

    // Sweep: an indexed document stays if its slug was rewritten this run or its file still
    // claims it; everything else is gone from disk (or became a draft, stub or loser).
    for (const auto& [key, post] : indexed) {
      auto c = claims.find(post.slug);
      const bool stays = c != claims.end() && (c->second.written || c->second.source_key == key);
      if (!stays) {
        remove_spellings(db, db.get_document(post.docid));
        db.delete_document(post.docid);
        ++report.removed;
      }
    }
    const bool modified =
        report.added + report.changed + report.removed != 0 || report.synonyms_changed;
    if (modified || db.get_metadata("postsearch:updated").empty()) {
      db.set_metadata("postsearch:updated", now_rfc3339());
    }
    db.commit_transaction();
    report.posts = db.get_doccount();
  } catch (const Xapian::Error& e) {
    cancel(db);
    throw IndexWriteError("writing the index at " + options.db_path.string() + " failed: " +
                          e.get_description() + " (the previous index is intact)");
  } catch (...) {
    cancel(db);
    throw;
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace postsearch
