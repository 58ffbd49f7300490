// SQLite FTS5 as a peer of postsearch (bench/compare.sh).
//
//   fts5-bench index DB_FILE POSTS_DIR       build: one table, one transaction
//   fts5-bench query DB_FILE QUERIES ROUNDS  top-10 by bm25 with snippet(), one thread
//
// The table is fts5(title, body, tokenize='porter unicode61'): Unicode word splitting with
// Porter stemming, the closest FTS5 gets to postsearch's stemmed English. Each row is a post's
// title and Markdown body as bench/peers/corpus.h reads them; FTS5 stores the text (snippet()
// needs it), so the file size includes it. SQLite's defaults otherwise (rollback journal,
// synchronous=FULL: one fsync'd commit), no 'optimize' after the load.
//
// A query is turned into FTS5 syntax the way a search box would: each "quoted phrase" and
// each bare word becomes an FTS5 string (FTS5 tokenizes inside it, so `1.18` is the phrase
// 1 18), a trailing * makes it a prefix; the strings are ANDed, and OR'ed if that finds
// nothing (what postsearch does). Prints "key<TAB>value" lines for compare.sh.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "corpus.h"
#include "timing.h"

namespace {

// Throws with SQLite's message when rc is not what the call should return.
void check(sqlite3* db, int rc, int want = SQLITE_OK) {
  if (rc != want) throw std::runtime_error(sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) {
  check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr));
}

// One prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) { check(db, sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr)); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return stmt_; }
  void bind_text(int index, const std::string& text) {
    check(db_, sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

sqlite3* open_db(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path + ": " + sqlite3_errmsg(db));
  }
  return db;
}

int build(const std::string& db_path, const std::string& posts) {
  sqlite3* db = open_db(db_path);
  exec(db, "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')");
  exec(db, "BEGIN");
  Statement insert(db, "INSERT INTO docs(title, body) VALUES (?, ?)");
  const std::size_t n = peers::for_each_post(posts, [&](const peers::Doc& doc) {
    insert.bind_text(1, doc.title);
    insert.bind_text(2, doc.body);
    check(db, sqlite3_step(insert.get()), SQLITE_DONE);
    sqlite3_reset(insert.get());
  });
  exec(db, "COMMIT");
  sqlite3_close_v2(db);  // closes once the statements still alive are finalized
  std::printf("docs\t%zu\n", n);
  return 0;
}

// An FTS5 string literal: double quotes doubled.
std::string fts5_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

bool has_word_char(const std::string& s) {
  for (unsigned char c : s) {
    if (std::isalnum(c) || c >= 0x80) return true;
  }
  return false;
}

// The query's phrases and words as FTS5 strings (see the top of this file).
std::vector<std::string> fts5_terms(const std::string& query) {
  std::vector<std::string> terms;
  std::size_t i = 0;
  while (i < query.size()) {
    if (std::isspace(static_cast<unsigned char>(query[i]))) {
      ++i;
      continue;
    }
    std::size_t end;
    std::string text;
    if (query[i] == '"') {
      end = query.find('"', i + 1);
      if (end == std::string::npos) end = query.size();
      text = query.substr(i + 1, end - i - 1);
      ++end;
    } else {
      end = i;
      while (end < query.size() && !std::isspace(static_cast<unsigned char>(query[end]))) ++end;
      text = query.substr(i, end - i);
    }
    const bool prefix = !text.empty() && text.back() == '*';
    if (prefix) text.pop_back();
    if (has_word_char(text)) terms.push_back(fts5_string(text) + (prefix ? "*" : ""));
    i = end;
  }
  return terms;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

// Bytes of titles and snippets read: printed, so the reading cannot be optimized away.
std::size_t result_bytes = 0;

// Runs one MATCH expression; returns the hits, reading each title and snippet.
std::size_t top10(sqlite3* db, Statement& select, const std::string& match) {
  select.bind_text(1, match);
  std::size_t hits = 0;
  int rc;
  while ((rc = sqlite3_step(select.get())) == SQLITE_ROW) {
    ++hits;
    result_bytes += static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 1));
    result_bytes += static_cast<std::size_t>(sqlite3_column_bytes(select.get(), 2));
  }
  sqlite3_reset(select.get());
  check(db, rc, SQLITE_DONE);
  return hits;
}

int query(const std::string& db_path, const std::string& queries_path, int rounds) {
  sqlite3* db = open_db(db_path);
  // Title matches weigh 10x body matches, as in postsearch; bm25() is lower-is-better.
  Statement select(db,
                   "SELECT rowid, title, snippet(docs, -1, '<mark>', '</mark>', '…', 24) FROM docs "
                   "WHERE docs MATCH ? ORDER BY bm25(docs, 10.0, 1.0) LIMIT 10");
  const auto queries = peers::read_queries(queries_path);
  peers::time_queries(queries, rounds, [&](const std::string& q) -> std::size_t {
    const auto terms = fts5_terms(q);
    if (terms.empty()) return 0;
    const std::size_t hits = top10(db, select, join(terms, " "));
    return hits > 0 || terms.size() == 1 ? hits : top10(db, select, join(terms, " OR "));
  });
  std::printf("result_bytes\t%zu\n", result_bytes);
  sqlite3_close_v2(db);  // closes once the statements still alive are finalized
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "index" && argc == 4) return build(argv[2], argv[3]);
    if (mode == "query" && argc == 5) return query(argv[2], argv[3], std::max(1, std::atoi(argv[4])));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fts5-bench: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: fts5-bench index DB_FILE POSTS_DIR | query DB_FILE QUERIES ROUNDS\n");
  return 2;
}
