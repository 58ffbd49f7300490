// Faults (issue 6, item 6), with the real binaries:
//   - under a running postsearch-server, the index directory deleted, replaced by garbage
//     (stub or glass files overwritten with random bytes or truncated, the directory a file),
//     its stub naming a generation that does not exist, or made unreadable: /api/search,
//     /api/suggest, /api/posts/{slug} and /healthz answer 503 with a JSON error (never 500, a
//     crash or a hang), and once a good index is back the same server answers 200 again;
//   - a full disk during indexing (incremental, --full, first run): the indexer exits 2 naming
//     the problem and the index path, the committed index is intact (same documents, Xapian's
//     check clean, still searchable) and the next run cleans up and completes. The disk is
//     made "full" with RLIMIT_FSIZE in the child (writes fail with EFBIG), and, where this
//     process may mount, with a real full tmpfs (ENOSPC) in a private mount namespace, at
//     doubling amounts of free space (so runs fail writing, committing and compacting);
//     leftovers of runs that could not clean up are removed by the next run;
//   - the posts directory unreadable, a subdirectory unreadable, the posts path missing or a
//     file: the indexer exits non-zero naming the path and the index is untouched (an
//     unreadable folder is never taken as "its posts were deleted").
//
// Permissions: root reads everything whatever the mode, so when the tests run as root the
// binaries that must meet an unreadable path (the server, the indexer of the posts faults) run
// as the unprivileged user 65534 ("nobody"; ChildSetup in child_process.h: setgid/setuid in
// the forked child before exec). The temp directories are 0755 and the files the tests write
// 0644 (umask 022), so that user can read them; index directories it must write are chowned
// to it. Run as an ordinary user, the binaries run as that user and chmod 000 bites as is.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "child_process.h"
#include "index_inspection.h"
#include "common/schema.h"
#include "common/searcher.h"
#include "server_test_support.h"

using namespace std::chrono_literals;
using nlohmann::json;
using postsearch::testing::ChildProcess;
using postsearch::testing::ChildSetup;
using postsearch::testing::read_text_file;
using postsearch::testing::Response;
using postsearch::testing::SmallBlog;
using postsearch::testing::TempDir;
using postsearch::testing::TestClient;
using postsearch::testing::write_file;
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

using postsearch::testing::listing;
using postsearch::testing::live_generation;
using postsearch::testing::search_answer;

namespace {

constexpr uid_t kNobody = 65534;

// The user the binaries that must meet unreadable paths run as: "nobody" under root, else
// this user (for whom chmod 000 already bites).
ChildSetup unprivileged() {
  ChildSetup setup;
  if (::geteuid() == 0) {
    setup.uid = kNobody;
    setup.gid = kNobody;
  }
  return setup;
}

// Gives `path` and everything below it to the unprivileged user (when running as root), so
// an indexer running as that user can write there.
void hand_over(const fs::path& path) {
  if (::geteuid() != 0) return;
  REQUIRE(::lchown(path.c_str(), kNobody, kNobody) == 0);
  if (!fs::is_directory(path)) return;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    REQUIRE(::lchown(entry.path().c_str(), kNobody, kNobody) == 0);
  }
}

void set_mode(const fs::path& path, mode_t mode) { REQUIRE(::chmod(path.c_str(), mode) == 0); }

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

// Replaces the content of `path` in place (same inode, as a disk error or a stray write would).
void overwrite_in_place(const fs::path& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  ::close(fd);
}

// ---------------------------------------------------------------------------------------
// The server under faults.

// postsearch-server on 127.0.0.1:0 as the unprivileged user, stderr kept in a log.
class Server {
 public:
  Server(const fs::path& db, const fs::path& log)
      : log_(log),
        child_(postsearch::testing::server_binary(),
               {"--listen", "127.0.0.1:0", "--db", db.string(), "--quiet", "--threads", "2"},
               ChildProcess::Output{true, std::nullopt, log}, unprivileged()) {
    const std::string line = child_.first_line(10s);
    const std::string prefix = "postsearch-server listening on http://127.0.0.1:";
    INFO("startup line: '" << line << "'; log: " << read_text_file(log_));
    REQUIRE(line.rfind(prefix, 0) == 0);
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
  }
  std::uint16_t port() const { return port_; }
  bool running() { return !child_.poll().has_value(); }
  std::string log() const { return read_text_file(log_); }
  std::optional<int> stop() { return child_.kill_and_wait(SIGTERM, 10s); }

 private:
  fs::path log_;
  ChildProcess child_;
  std::uint16_t port_ = 0;
};

const std::vector<std::string> kEndpoints = {"/api/search?q=uvloop", "/api/suggest?q=gorout",
                                             "/api/posts/go/waitgroup", "/healthz"};

json json_body(const Response& res) {
  INFO(res.body().substr(0, 300));
  CHECK(std::string(res[bhttp::field::content_type]) == "application/json; charset=utf-8");
  const json body = json::parse(res.body(), nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  return body;
}

// Every endpoint answers 503 with a JSON error, on new connections (either server thread)
// and on one kept alive, and the server is still running.
void expect_unavailable(Server& server, const std::string& fault) {
  INFO("fault: " << fault);
  for (int round = 0; round < 3; ++round) {
    TestClient keep_alive(server.port());
    for (const auto& target : kEndpoints) {
      INFO("GET " << target << " (round " << round << ")");
      for (Response res : {TestClient(server.port()).get(target), keep_alive.get(target)}) {
        INFO("status " << res.result_int() << ": " << res.body().substr(0, 300)
                        << "\nserver log: " << server.log());
        CHECK(res.result() == bhttp::status::service_unavailable);
        const json body = json_body(res);
        const json error = body.contains("error") ? body["error"] : json::object();
        CHECK(error.value("status", 0) == 503);
        CHECK(error.value("code", "") == "index_unavailable");
        CHECK_FALSE(error.value("message", "").empty());
        if (target == "/healthz") CHECK(body.value("status", "") == "unavailable");
      }
    }
  }
  CHECK(server.running());
}

// Every endpoint answers 200 with the small blog's answers, at the first request.
void expect_available(Server& server, const std::string& when) {
  INFO(when << "\nserver log: " << server.log());
  for (int round = 0; round < 3; ++round) {
    TestClient client(server.port());
    const Response search = client.get("/api/search?q=uvloop");
    REQUIRE(search.result() == bhttp::status::ok);
    const json found = json_body(search);
    CHECK(found["total"] == 1);
    REQUIRE(found["hits"].size() == 1);
    CHECK(found["hits"][0]["slug"] == "async/uvloop-sanic-motor");

    const Response suggest = client.get("/api/suggest?q=gorout");
    REQUIRE(suggest.result() == bhttp::status::ok);
    const json completions = json_body(suggest);
    CHECK(completions["suggestions"].size() >= 1);
    REQUIRE(completions["titles"].size() >= 1);
    CHECK(completions["titles"][0]["slug"] == "go/waitgroup");

    const Response post = client.get("/api/posts/go/waitgroup");
    REQUIRE(post.result() == bhttp::status::ok);
    CHECK(json_body(post)["title"] == "Waiting for goroutines");

    const Response health = client.get("/healthz");
    REQUIRE(health.result() == bhttp::status::ok);
    CHECK(json_body(health)["status"] == "ok");
    CHECK(json_body(health)["posts"] == 3);
  }
  CHECK(server.running());
}

// A copy of a directory tree, to restore a damaged index from.
void copy_tree(const fs::path& from, const fs::path& to) {
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

// ---------------------------------------------------------------------------------------
// An archive of generated posts, for the indexer faults.

// `n` posts below `dir` (in subfolders of 50), ~200 words each from a generated vocabulary;
// `round` changes every post's words (and puts `marker` in each), so a run after it must
// rewrite them all.
void write_archive(const fs::path& dir, int n, int round, const std::string& marker = "") {
  std::mt19937 rng(static_cast<std::uint32_t>(1000 + round));
  static const char* syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze",
                                    "bra", "cho", "dre", "fin", "gal", "hup", "jor", "qua"};
  auto word = [&] {
    std::string w;
    const int parts = 2 + static_cast<int>(rng() % 3);
    for (int i = 0; i < parts; ++i) w += syllables[rng() % std::size(syllables)];
    return w;
  };
  for (int i = 0; i < n; ++i) {
    std::string text = "---\ntitle: \"Post " + std::to_string(i) + " " + word() +
                       "\"\ndate: 2020-01-" + std::to_string(1 + i % 28) + "\ntags: [" + word() +
                       "]\n---\n\n";
    if (!marker.empty()) text += marker + " ";
    for (int w = 0; w < 200; ++w) text += word() + (w % 12 == 11 ? ".\n" : " ");
    text += "\n\n## " + word() + "\n\n```python\nprint('" + word() + "')\n```\n";
    write_file(dir / ("part" + std::to_string(i / 50)) / ("post-" + std::to_string(i) + ".md"), text);
  }
}

struct Run {
  std::optional<int> status;
  std::string out, err;
};

// postsearch-index run to its end (bounded), with the given setup.
Run run_indexer(const fs::path& logs, const std::vector<std::string>& args,
                const ChildSetup& setup = ChildSetup{}) {
  static int counter = 0;
  const std::string name = "indexer-" + std::to_string(++counter);
  const fs::path out = logs / (name + ".out");
  const fs::path err = logs / (name + ".err");
  Run run;
  {
    ChildProcess child(postsearch::testing::indexer_binary(), args,
                       ChildProcess::Output{false, out, err}, setup);
    run.status = child.wait_exit(60s);
  }  // killed if it did not finish
  run.out = read_text_file(out);
  run.err = read_text_file(err);
  return run;
}

// What the committed index holds, to compare before and after a failed run.
struct Snapshot {
  std::string stub;   // the stub's text
  std::string files;  // the index directory's entries (generations, leftovers)
  Xapian::rev revision = 0;
  std::size_t posts = 0;
  std::set<std::string> slugs;
  nlohmann::ordered_json answer;  // a search through the Searcher (as the server runs it)
  // The same commit.
  bool operator==(const Snapshot& o) const {
    return stub == o.stub && files == o.files && revision == o.revision && same_documents(o);
  }
  // The same posts and answers (perhaps in a new generation).
  bool same_documents(const Snapshot& o) const {
    return posts == o.posts && slugs == o.slugs && answer == o.answer;
  }
};


Snapshot snapshot(const fs::path& db, postsearch::Searcher& searcher, const std::string& query) {
  Snapshot s;
  s.stub = read_text_file(db / "XAPIANDB");
  s.files = listing(db);
  Xapian::Database readonly(db.string());
  s.revision = readonly.get_revision();
  s.posts = readonly.get_doccount();
  for (auto it = readonly.postlist_begin(""); it != readonly.postlist_end(""); ++it) {
    s.slugs.insert(readonly.get_document(*it).get_value(postsearch::schema::kSlug));
  }
  s.answer = search_answer(searcher, query);
  return s;
}

// Xapian's own full check of the live generation: the number of errors (0 for a clean index).
std::size_t check_errors(const fs::path& db, std::string& report) {
  return postsearch::testing::xapian_check_errors(db, report, Xapian::DBCHECK_FULL_TREE);
}

// The largest file below `dir`.
std::uintmax_t largest_file(const fs::path& dir) {
  std::uintmax_t largest = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) largest = std::max(largest, entry.file_size());
  }
  return largest;
}

// The index directory holds the live generation, at most the one it replaced, and nothing
// that a failed run left behind.
void check_no_leftovers(const fs::path& db) {
  INFO("index directory: " << listing(db));
  int generations = 0;
  for (const auto& entry : fs::directory_iterator(db)) {
    const std::string name = entry.path().filename().string();
    CHECK(name.find(".build") == std::string::npos);
    if (name.rfind("gen-", 0) == 0) ++generations;
  }
  CHECK(generations <= 2);
}

}  // namespace

// ---------------------------------------------------------------------------------------

TEST_CASE("faults: a running server answers 503 while its index is gone, damaged or unreadable, "
          "and 200 again once it is back",
          "[faults]") {
  ::umask(022);
  SmallBlog blog;
  const fs::path db = blog.db_path();
  const fs::path backup = blog.root() / "index-backup";
  copy_tree(db, backup);
  const fs::path generation = *live_generation(db);
  const std::string stub_text = read_text_file(db / "XAPIANDB");
  Server server(db, blog.root() / "server.log");
  expect_available(server, "before any fault");

  SECTION("deleted, then indexed again") {
    fs::remove_all(db);
    expect_unavailable(server, "index directory deleted");
    blog.reindex();
    expect_available(server, "after re-indexing");
  }
  SECTION("replaced by a file of garbage, then indexed again") {
    fs::remove_all(db);
    write_file(db, random_bytes(4096, 1));
    expect_unavailable(server, "index directory replaced by a file");
    fs::remove(db);
    blog.reindex();
    expect_available(server, "after re-indexing");
  }
  SECTION("an empty index directory, then indexed again") {
    fs::remove_all(db);
    fs::create_directories(db);
    expect_unavailable(server, "empty index directory");
    blog.reindex();
    expect_available(server, "after re-indexing");
  }
  SECTION("stub overwritten with random bytes, then restored") {
    overwrite_in_place(db / "XAPIANDB", random_bytes(200, 2));
    expect_unavailable(server, "stub of random bytes");
    overwrite_in_place(db / "XAPIANDB", stub_text);
    expect_available(server, "after restoring the stub");
  }
  SECTION("stub truncated to nothing, then restored") {
    overwrite_in_place(db / "XAPIANDB", "");
    expect_unavailable(server, "empty stub");
    overwrite_in_place(db / "XAPIANDB", stub_text);
    expect_available(server, "after restoring the stub");
  }
  SECTION("stub naming a generation that does not exist, then fixed") {
    overwrite_in_place(db / "XAPIANDB", "auto gen-000099\n");
    expect_unavailable(server, "stub naming gen-000099");
    overwrite_in_place(db / "XAPIANDB", stub_text);
    expect_available(server, "after fixing the stub");
  }
  SECTION("stub deleted, then restored") {
    fs::remove(db / "XAPIANDB");
    expect_unavailable(server, "no stub");
    write_file(db / "XAPIANDB", stub_text);
    expect_available(server, "after restoring the stub");
  }
  SECTION("every file of the live generation overwritten with random bytes, then restored") {
    std::uint32_t seed = 10;
    for (const auto& entry : fs::directory_iterator(generation)) {
      overwrite_in_place(entry.path(), random_bytes(std::max<std::uintmax_t>(entry.file_size(), 64), ++seed));
    }
    expect_unavailable(server, "generation of random bytes");
    copy_tree(backup, db);
    expect_available(server, "after restoring from the backup");
  }
  SECTION("the tables of the live generation overwritten with random bytes (version file intact), "
          "then restored") {
    std::uint32_t seed = 20;
    for (const auto& entry : fs::directory_iterator(generation)) {
      if (entry.path().filename() == "iamglass") continue;
      overwrite_in_place(entry.path(), random_bytes(entry.file_size(), ++seed));
    }
    // The running server may still answer from the blocks it holds in memory (the version
    // file says nothing changed, and the answers are the committed ones); whatever it reads
    // from the files is found damaged. A server that opens the index now cannot.
    for (const auto& target : kEndpoints) {
      INFO("GET " << target);
      const Response res = TestClient(server.port()).get(target);
      INFO(res.result_int() << ": " << res.body().substr(0, 300) << "\nserver log: " << server.log());
      CHECK((res.result() == bhttp::status::ok || res.result() == bhttp::status::service_unavailable));
      json_body(res);
    }
    CHECK(server.running());
    {
      Server fresh(db, blog.root() / "fresh-server.log");
      expect_unavailable(fresh, "tables of random bytes, a server started after the damage");
      copy_tree(backup, db);
      expect_available(fresh, "after restoring from the backup (the server started after the damage)");
      CHECK(fresh.stop() == 0);
    }
    expect_available(server, "after restoring from the backup");
  }
  SECTION("every file of the live generation truncated to half, then restored") {
    for (const auto& entry : fs::directory_iterator(generation)) {
      fs::resize_file(entry.path(), entry.file_size() / 2);
    }
    expect_unavailable(server, "generation truncated to half");
    copy_tree(backup, db);
    expect_available(server, "after restoring from the backup");
  }
  SECTION("the live generation deleted, then indexed again") {
    fs::remove_all(generation);
    expect_unavailable(server, "live generation deleted");
    // The indexer refuses a stub naming a generation that is gone; removing the directory
    // and indexing again is the way back (as its message says).
    fs::remove_all(db);
    blog.reindex();
    expect_available(server, "after re-indexing");
  }
  SECTION("the index directory made unreadable, then readable again") {
    set_mode(db, 0);
    expect_unavailable(server, "index directory mode 000");
    set_mode(db, 0755);
    expect_available(server, "after chmod 755");
  }
  SECTION("the live generation made unreadable, then readable again") {
    set_mode(generation, 0);
    expect_unavailable(server, "generation directory mode 000");
    set_mode(generation, 0755);
    expect_available(server, "after chmod 755");
  }
  SECTION("the stub made unreadable, then readable again") {
    set_mode(db / "XAPIANDB", 0);
    expect_unavailable(server, "stub mode 000");
    set_mode(db / "XAPIANDB", 0644);
    expect_available(server, "after chmod 644");
  }
  SECTION("the files of the live generation made unreadable, then readable again") {
    for (const auto& entry : fs::directory_iterator(generation)) set_mode(entry.path(), 0);
    expect_unavailable(server, "generation files mode 000");
    for (const auto& entry : fs::directory_iterator(generation)) set_mode(entry.path(), 0644);
    expect_available(server, "after chmod 644");
  }

  CHECK(server.stop() == 0);
}

namespace {

// The indexer faults' fixture: 150 generated posts indexed (by the binary) into `db`.
struct Archive {
  static constexpr int kPosts = 150;
  TempDir dir;
  fs::path posts = dir / "posts";
  fs::path db = dir / "index";
  fs::path logs = dir / "logs";

  explicit Archive(const fs::path& db_path = {}) {
    ::umask(022);
    if (!db_path.empty()) db = db_path;
    fs::create_directories(logs);
    write_archive(posts, kPosts, 0);
  }
  Run index(const std::vector<std::string>& extra = {}, const ChildSetup& setup = ChildSetup{}) {
    std::vector<std::string> args = {"--db", db.string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(posts.string());
    return run_indexer(logs, args, setup);
  }
};

// The checks after a run that failed for want of space: a clear message and exit 2; the index
// exactly as committed, clean, and still answering through a Searcher opened before the run
// (as a server's) and a new one.
void check_failed_for_space(const Run& run, const Archive& archive, const Snapshot& before,
                            postsearch::Searcher& old_searcher, const std::string& query,
                            const std::string& expected_error) {
  INFO("indexer stdout: " << run.out << "\nstderr: " << run.err << "\nindex directory: "
                          << listing(archive.db));
  CHECK(run.status == 2);
  CHECK(run.err.find(expected_error) != std::string::npos);
  CHECK(run.err.find(archive.db.string()) != std::string::npos);
  CHECK(run.err.rfind("postsearch-index: ", 0) == 0);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);  // one line
  std::string report;
  const std::size_t errors = check_errors(archive.db, report);
  INFO("xapian check: " << report);
  CHECK(errors == 0);
  CHECK(snapshot(archive.db, old_searcher, query) == before);
  postsearch::Searcher fresh(archive.db);
  CHECK(search_answer(fresh, query) == before.answer);
}

// The next run without a limit completes: every post rewritten, a clean index, nothing left
// behind by the failed run.
void check_next_run_completes(Archive& archive, const std::vector<std::string>& extra,
                              const std::string& marker) {
  const Run run = archive.index(extra);
  INFO("indexer stdout: " << run.out << "\nstderr: " << run.err);
  CHECK(run.status == 0);
  postsearch::Searcher searcher(archive.db);
  CHECK(search_answer(searcher, marker)["total"] == Archive::kPosts);
  std::string report;
  const std::size_t errors = check_errors(archive.db, report);
  INFO("xapian check: " << report);
  CHECK(errors == 0);
  check_no_leftovers(archive.db);
}

}  // namespace

TEST_CASE("faults: a full disk (RLIMIT_FSIZE) fails the indexer with a clear message and leaves "
          "the committed index intact",
          "[faults]") {
  Archive archive;
  const std::string query = "post 7";
  const std::string marker = "zugzwangquux";

  SECTION("the first run: nothing is published, the next run builds the index") {
    const fs::path db = archive.db;
    ChildSetup limited;
    limited.max_file_size = 16 * 1024;
    const Run run = archive.index({}, limited);
    INFO("stdout: " << run.out << "\nstderr: " << run.err << "\nindex directory: " << listing(db));
    CHECK(run.status == 2);
    CHECK(run.err.find("File too large") != std::string::npos);
    CHECK(run.err.find(db.string()) != std::string::npos);
    CHECK(listing(db) == "postsearch.lock");  // nothing published, nothing left behind
    const Run next = archive.index();
    INFO("next stdout: " << next.out << "\nstderr: " << next.err);
    CHECK(next.status == 0);
    check_no_leftovers(db);
    postsearch::Searcher searcher(db);
    CHECK(search_answer(searcher, query)["total"].get<int>() > 0);
  }

  SECTION("an existing index") {
    {
      const Run first = archive.index();
      INFO(first.out << first.err);
      REQUIRE(first.status == 0);
    }
    postsearch::Searcher searcher(archive.db);  // opened before the failed run, as a server's
    const Snapshot before = snapshot(archive.db, searcher, query);
    REQUIRE(before.posts == Archive::kPosts);
    // Every post changes, so the run must write about as much as the index holds; no file of
    // the index may grow (each is at most the limit).
    write_archive(archive.posts, Archive::kPosts, 1, marker);
    ChildSetup limited;
    limited.max_file_size = largest_file(archive.db);

    SECTION("an incremental run") {
      const Run run = archive.index({}, limited);
      check_failed_for_space(run, archive, before, searcher, query, "File too large");
      CHECK(search_answer(searcher, marker)["total"] == 0);
      check_next_run_completes(archive, {}, marker);
    }
    // A full build is written in parts, one per core, each smaller than the index; merging
    // them writes files as large as the live index's, so a quarter of that fails it for sure.
    ChildSetup full_limited;
    full_limited.max_file_size = largest_file(archive.db) / 4;
    SECTION("a --full run") {
      const Run run = archive.index({"--full"}, full_limited);
      check_failed_for_space(run, archive, before, searcher, query, "File too large");
      CHECK(search_answer(searcher, marker)["total"] == 0);
      // What a run killed on a full disk could not remove itself (a build, a generation
      // half compacted): the next run clears it.
      write_file(archive.db / "gen-000098" / "postlist.glass", random_bytes(8192, 98));
      write_file(archive.db / "gen-000099.build" / "postlist.glass", random_bytes(8192, 99));
      check_next_run_completes(archive, {"--full"}, marker);
    }
    SECTION("a --full run failing, then an incremental run") {
      const Run run = archive.index({"--full"}, full_limited);
      check_failed_for_space(run, archive, before, searcher, query, "File too large");
      check_next_run_completes(archive, {}, marker);
    }
  }
}

namespace {

// A tmpfs mounted in a private mount namespace of this process (gone with it, whatever
// happens), or an explanation of why it cannot be.
std::string mount_private_tmpfs(const fs::path& at, const std::string& size) {
  static bool unshared = false;
  if (!unshared) {
    if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return std::string("making / private: ") + std::strerror(errno);
    }
    unshared = true;
  }
  fs::create_directories(at);
  const std::string options = "size=" + size + ",mode=0755";
  if (::mount("tmpfs", at.c_str(), "tmpfs", 0, options.c_str()) != 0) {
    return std::string("mount -t tmpfs: ") + std::strerror(errno);
  }
  return "";
}

// Fills the file system of `dir` to the last byte, then frees `leave` bytes.
void fill_disk(const fs::path& dir, std::size_t leave) {
  const fs::path filler = dir / "filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  const std::string block(64 * 1024, 'x');
  std::size_t written = 0;
  for (;;) {
    const ssize_t n = ::write(fd, block.data(), block.size());
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  REQUIRE(errno == ENOSPC);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(written > leave ? written - leave : 0)) == 0);
  ::close(fd);
}

}  // namespace

TEST_CASE("faults: a really full disk (tmpfs, where this process may mount one) fails the indexer "
          "with 'No space left on device' and leaves the committed index intact",
          "[.][faults][tmpfs]") {
  // Hidden from the suite (run it with `fault_tests "[tmpfs]"` where a tmpfs can be mounted,
  // e.g. as root outside a container): CI machines may not allow mount, and a test that
  // passes by skipping would claim a check it did not make. RLIMIT_FSIZE above always runs.
  TempDir mount_dir;
  const fs::path disk = mount_dir / "disk";
  const std::string why = mount_private_tmpfs(disk, "32m");
  if (!why.empty()) FAIL("cannot mount a tmpfs here: " << why);
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{disk};
  const std::string query = "post 7";
  const std::string marker = "zugzwangquux";

  Archive archive(disk / "index");
  {
    const Run first = archive.index();
    INFO(first.out << first.err);
    REQUIRE(first.status == 0);
  }
  postsearch::Searcher searcher(archive.db);

  // For an incremental run, then a --full one: the disk is filled to all but `free` bytes,
  // doubling until the run succeeds. Each run that fails, wherever it fails (writing
  // documents, committing, compacting the new generation), does so cleanly.
  int round = 0;
  for (const bool full : {false, true}) {
    const Snapshot before = snapshot(archive.db, searcher, query);
    const std::string round_marker = marker + std::to_string(++round);
    write_archive(archive.posts, Archive::kPosts, round, round_marker);
    int failures = 0;
    bool done = false;
    for (std::size_t free = 256 * 1024; !done && free <= 64 * 1024 * 1024; free *= 2) {
      INFO((full ? "--full" : "incremental") << " run with " << free << " bytes free");
      fill_disk(disk, free);
      const Run run = archive.index(full ? std::vector<std::string>{"--full"} : std::vector<std::string>{});
      fs::remove(disk / "filler");
      if (run.status == 0) {
        done = true;
        CHECK(search_answer(searcher, round_marker)["total"] == Archive::kPosts);
        std::string report;
        const std::size_t errors = check_errors(archive.db, report);
        INFO("xapian check: " << report);
        CHECK(errors == 0);
        check_no_leftovers(archive.db);
      } else {
        ++failures;
        check_failed_for_space(run, archive, before, searcher, query, "No space left on device");
      }
    }
    CHECK(done);
    CHECK(failures >= 2);
  }
}

TEST_CASE("faults: unreadable, missing or wrong posts paths fail the indexer naming the path and "
          "leave the index untouched",
          "[faults]") {
  Archive archive;
  {
    const Run first = archive.index();
    INFO(first.out << first.err);
    REQUIRE(first.status == 0);
  }
  hand_over(archive.db);  // the unprivileged indexer writes it
  postsearch::Searcher searcher(archive.db);
  const std::string query = "post 120";
  const Snapshot before = snapshot(archive.db, searcher, query);
  const fs::path posts = archive.posts;
  const fs::path sub = posts / "part2";  // posts 100-149

  // A fault, with incremental, --full and --changed runs: each exits `status` (2: the run
  // stopped, in one line; 1: the unreadable posts were skipped, as a broken post is, their
  // indexed versions kept), names `path` with `reason`, and leaves the index as it was with
  // nothing left behind.
  struct Variant {
    std::vector<std::string> args;
    int status;
  };
  const std::string changed = (sub / "post-120.md").string();
  auto expect_refused = [&](const std::string& fault, const fs::path& path,
                            const std::string& reason, const std::vector<Variant>& variants) {
    for (const auto& variant : variants) {
      const Snapshot pre = snapshot(archive.db, searcher, query);
      const std::string pre_files = listing(archive.db);
      const Run run = archive.index(variant.args, unprivileged());
      std::string args;
      for (const auto& a : variant.args) args += " " + a;
      INFO("fault: " << fault << "; arguments:" << args << "\nstdout: " << run.out
                     << "\nstderr: " << run.err);
      CHECK(run.status == variant.status);
      CHECK(run.err.find(path.string()) != std::string::npos);
      CHECK(run.err.find(reason) != std::string::npos);
      if (variant.status == 2) CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
      const Snapshot after = snapshot(archive.db, searcher, query);
      CHECK(after.same_documents(before));
      if (variant.status == 2 || variant.args.empty() || variant.args[0] != "--full") {
        CHECK(after == pre);  // nothing committed
        CHECK(listing(archive.db) == pre_files);
      } else {
        check_no_leftovers(archive.db);  // a --full run that skipped posts publishes them kept
      }
    }
  };

  SECTION("the posts directory unreadable") {
    set_mode(posts, 0);
    expect_refused("posts mode 000", posts, "Permission denied",
                   {{{}, 2}, {{"--full"}, 2}, {{"--changed", changed}, 1}});
    set_mode(posts, 0755);
  }
  SECTION("the posts directory listable but not searchable") {
    set_mode(posts, 0644);
    expect_refused("posts mode 644", posts, "Permission denied",
                   {{{}, 2}, {{"--full"}, 2}, {{"--changed", changed}, 1}});
    set_mode(posts, 0755);
  }
  SECTION("a subdirectory unreadable") {
    set_mode(sub, 0);
    expect_refused("posts/part2 mode 000", sub, "Permission denied",
                   {{{}, 2}, {{"--full"}, 2}, {{"--changed", changed}, 1}});
    set_mode(sub, 0755);
  }
  SECTION("a subdirectory listable but not searchable") {
    // Its files are listed but cannot be opened: each is skipped with the reason.
    set_mode(sub, 0644);
    expect_refused("posts/part2 mode 644", sub, "Permission denied",
                   {{{}, 1}, {{"--full"}, 1}, {{"--changed", changed}, 1}});
    set_mode(sub, 0755);
  }
  SECTION("a post unreadable") {
    // Edited (so no run can trust its recorded stamp), then unreadable.
    fs::last_write_time(changed, fs::last_write_time(changed) + 1s);
    set_mode(changed, 0);
    expect_refused("post-120.md mode 000", changed, "Permission denied",
                   {{{}, 1}, {{"--full"}, 1}, {{"--changed", changed}, 1}});
    set_mode(changed, 0644);
  }
  SECTION("the posts path missing") {
    fs::rename(posts, archive.dir / "moved");
    expect_refused("posts missing", posts, "does not exist",
                   {{{}, 2}, {{"--full"}, 2}, {{"--changed", changed}, 2}});
    fs::rename(archive.dir / "moved", posts);
  }
  SECTION("the posts path a file") {
    fs::rename(posts, archive.dir / "moved");
    write_file(posts, "not a directory\n");
    expect_refused("posts is a file", posts, "not a directory",
                   {{{}, 2}, {{"--full"}, 2}, {{"--changed", changed}, 2}});
    fs::remove(posts);
    fs::rename(archive.dir / "moved", posts);
  }
  // Once the path is back, a run finds nothing changed.
  const Run after = archive.index({}, unprivileged());
  INFO("stdout: " << after.out << "\nstderr: " << after.err);
  CHECK(after.status == 0);
  CHECK(snapshot(archive.db, searcher, query).same_documents(before));
}

