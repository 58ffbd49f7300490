// `postsearch-index --watch`: the Watcher on a thread over a temp posts directory, checked
// through its batch reports and the searcher; then the real binary and its signals.
// Every wait polls against a deadline, so a broken watcher fails a test instead of hanging it.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "indexer/watcher.h"
#include "test_support.h"

extern char** environ;

namespace fs = std::filesystem;
using namespace postsearch;
using namespace std::chrono_literals;
using postsearch::testing::TempDir;
using postsearch::testing::write_file;
using Clock = std::chrono::steady_clock;

namespace {

std::string post(const std::string& title, const std::string& body) {
  return "---\ntitle: \"" + title + "\"\ndate: 2021-03-04\n---\n" + body + "\n";
}

// Polls `done` every 5 ms until it holds or `timeout` has passed.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// A Watcher running on its own thread, recording what it reports.
class WatchFixture {
 public:
  WatchFixture() {
    fs::create_directories(posts());
    options.posts_dirs = {posts()};
    options.db_path = dir / "index";
    options.synonyms_file = fs::path();  // none: keeps each run small
  }
  ~WatchFixture() { stop(); }
  WatchFixture(const WatchFixture&) = delete;
  WatchFixture& operator=(const WatchFixture&) = delete;

  fs::path posts() const { return dir / "posts"; }

  void start() {
    WatchCallbacks callbacks;
    callbacks.on_batch = [this](const IndexReport& report) {
      std::lock_guard lock(mutex_);
      reports_.push_back(report);
    };
    callbacks.on_error = [this](const std::string& message) {
      std::lock_guard lock(mutex_);
      errors_.push_back(message);
    };
    callbacks.on_notice = [this](const std::string& message) {
      std::lock_guard lock(mutex_);
      notices_.push_back(message);
    };
    callbacks.before_update = [this](const IndexOptions& run) {
      std::lock_guard lock(mutex_);
      told_.push_back(run.changed_paths);
    };
    watcher_ = std::make_unique<Watcher>(options, std::move(callbacks), settings);
    thread_ = std::thread([this] {
      try {
        watcher_->run();
      } catch (...) {
        std::lock_guard lock(mutex_);
        failure_ = std::current_exception();
      }
      finished_ = true;
    });
  }

  // Starts and waits for the first update.
  void start_and_settle() {
    start();
    REQUIRE(wait_batches(1));
    REQUIRE(errors().empty());
  }

  void stop() {
    if (!thread_.joinable()) return;
    watcher_->stop();
    thread_.join();
  }

  bool wait_batches(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    return eventually([&] { return batches() >= n; }, timeout);
  }
  // Waits for a batch after the first `after` whose report satisfies `predicate`.
  template <class Predicate>
  bool wait_report(std::size_t after, Predicate predicate, std::chrono::milliseconds timeout = 5s) {
    return eventually([&] {
      std::lock_guard lock(mutex_);
      for (std::size_t i = after; i < reports_.size(); ++i) {
        if (predicate(reports_[i])) return true;
      }
      return false;
    }, timeout);
  }
  // The number of batches up to and including the first one after `after` whose report
  // satisfies `predicate` (0 if none comes in time). The searcher sees a commit a moment
  // before its report is recorded: count batches with this, not after a search.
  template <class Predicate>
  std::size_t batches_through(std::size_t after, Predicate predicate,
                              std::chrono::milliseconds timeout = 5s) {
    std::size_t through = 0;
    eventually([&] {
      std::lock_guard lock(mutex_);
      for (std::size_t i = after; i < reports_.size(); ++i) {
        if (predicate(reports_[i])) {
          through = i + 1;
          return true;
        }
      }
      return false;
    }, timeout);
    return through;
  }
  // After a batch: waits long enough for a second one to have come, had it been due.
  void settle() const { std::this_thread::sleep_for(settings.quiet * 3 + 100ms); }

  std::size_t batches() const {
    std::lock_guard lock(mutex_);
    return reports_.size();
  }
  IndexReport report(std::size_t i) const {
    std::lock_guard lock(mutex_);
    return reports_.at(i);
  }
  IndexReport last_report() const {
    std::lock_guard lock(mutex_);
    return reports_.back();
  }
  std::vector<std::string> errors() const {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  std::vector<std::string> notices() const {
    std::lock_guard lock(mutex_);
    return notices_;
  }
  // The changed paths the i-th run was told, relative to the posts directory, sorted
  // (empty: a full scan).
  std::vector<std::string> told(std::size_t i) const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& path : told_.at(i)) out.push_back(path.lexically_relative(posts()).generic_string());
    std::sort(out.begin(), out.end());
    return out;
  }
  bool finished() const { return finished_; }
  std::exception_ptr failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
  }

  std::vector<std::string> slugs_for(const std::string& query) const {
    Searcher searcher(options.db_path);
    SearchRequest request;
    request.query = query;
    request.per_page = 100;
    request.partial = false;
    std::vector<std::string> out;
    for (const auto& hit : searcher.search(request).hits) out.push_back(hit.slug);
    std::sort(out.begin(), out.end());
    return out;
  }
  std::size_t indexed_posts() const { return Searcher(options.db_path).status().posts; }

  TempDir dir;
  IndexOptions options;
  WatchSettings settings;

 private:
  mutable std::mutex mutex_;
  std::vector<IndexReport> reports_;
  std::vector<std::string> errors_;
  std::vector<std::string> notices_;
  std::vector<std::vector<fs::path>> told_;
  std::exception_ptr failure_;
  std::atomic<bool> finished_{false};
  std::unique_ptr<Watcher> watcher_;
  std::thread thread_;
};

using Slugs = std::vector<std::string>;

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("the first update indexes the posts already there", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "sub/b.md", post("Beta", "bananas"));
  f.start_and_settle();
  const IndexReport r = f.report(0);
  CHECK(r.added == 2);
  CHECK(r.posts == 2);
  CHECK(f.slugs_for("bananas") == Slugs{"sub/b"});
  CHECK(contains(f.notices(), "watching 2 folders"));
}

TEST_CASE("new, edited and deleted posts are applied as they are saved", "[watcher]") {
  WatchFixture f;
  f.settings.tell_changed_paths = GENERATE(true, false);
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  f.start_and_settle();

  write_file(f.posts() / "c.md", post("Gamma", "cherries"));
  REQUIRE(f.wait_batches(2));
  CHECK(f.report(1).added == 1);
  CHECK(f.slugs_for("cherries") == Slugs{"c"});

  write_file(f.posts() / "a.md", post("Alpha", "apricots"));
  REQUIRE(f.wait_batches(3));
  CHECK(f.report(2).changed == 1);
  CHECK(f.slugs_for("apricots") == Slugs{"a"});
  CHECK(f.slugs_for("apples").empty());

  fs::remove(f.posts() / "c.md");
  REQUIRE(f.wait_batches(4));
  CHECK(f.report(3).removed == 1);
  CHECK(f.slugs_for("cherries").empty());
  CHECK(f.indexed_posts() == 1);
  CHECK(f.errors().empty());
}

TEST_CASE("renames within and across folders move the post", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "old.md", post("Wanderer", "wanderlust"));
  fs::create_directories(f.posts() / "elsewhere");
  f.start_and_settle();

  fs::rename(f.posts() / "old.md", f.posts() / "new.md");
  REQUIRE(f.wait_report(1, [](const IndexReport& r) { return r.added == 1 && r.removed == 1; }));
  CHECK(f.slugs_for("wanderlust") == Slugs{"new"});

  fs::rename(f.posts() / "new.md", f.posts() / "elsewhere/moved.md");
  REQUIRE(f.wait_batches(3));
  REQUIRE(eventually([&] { return f.slugs_for("wanderlust") == Slugs{"elsewhere/moved"}; }));

  // A whole folder renamed, then a file saved in it: the folder's watch follows the rename.
  const std::size_t before = f.batches();
  fs::rename(f.posts() / "elsewhere", f.posts() / "renamed");
  REQUIRE(eventually([&] { return f.slugs_for("wanderlust") == Slugs{"renamed/moved"}; }));
  write_file(f.posts() / "renamed/second.md", post("Second", "secondly"));
  REQUIRE(eventually([&] { return f.slugs_for("secondly") == Slugs{"renamed/second"}; }));
  CHECK(f.batches() > before);
  CHECK(f.indexed_posts() == 2);
  CHECK(f.errors().empty());
}

TEST_CASE("an editor's save is one batch with one changed post", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "x.md", post("Editor", "original words"));
  write_file(f.posts() / "y.md", post("Other", "bystander"));
  f.start_and_settle();

  SECTION("write a hidden swap file, then rename it over the post") {
    {
      std::ofstream out(f.posts() / ".x.md.swp", std::ios::binary);
      out << "---\ntitle: \"Editor\"\n";
      out.flush();
      out << "date: 2021-03-04\n---\nrevised words\n";
    }
    fs::rename(f.posts() / ".x.md.swp", f.posts() / "x.md");
  }
  SECTION("move the post to a backup, write it anew, delete the backup (vim)") {
    write_file(f.posts() / "4913", "");
    fs::remove(f.posts() / "4913");
    fs::rename(f.posts() / "x.md", f.posts() / "x.md~");
    write_file(f.posts() / "x.md", post("Editor", "revised words"));
    fs::remove(f.posts() / "x.md~");
  }
  SECTION("write a temp file beside the post, then rename it over (atomic save)") {
    write_file(f.posts() / "x.md.tmp.1234", post("Editor", "revised words"));
    fs::rename(f.posts() / "x.md.tmp.1234", f.posts() / "x.md");
  }
  REQUIRE(f.wait_batches(2));
  f.settle();
  CHECK(f.batches() == 2);
  const IndexReport r = f.report(1);
  CHECK(r.changed == 1);
  CHECK(r.added == 0);
  CHECK(r.removed == 0);
  CHECK(r.unchanged == 1);
  CHECK(f.slugs_for("revised") == Slugs{"x"});
}

TEST_CASE("plain saves tell the run their paths, anything less certain is a full scan", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "sub/b.md", post("Beta", "bananas"));
  f.start_and_settle();
  CHECK(f.told(0).empty());  // the first run scans everything

  write_file(f.posts() / "a.md", post("Alpha", "apricots"));
  fs::rename(f.posts() / "sub/b.md", f.posts() / "b.md");
  REQUIRE(f.wait_batches(2));
  CHECK(f.told(1) == Slugs{"a.md", "b.md", "sub/b.md"});
  CHECK(f.slugs_for("bananas") == Slugs{"b"});

  // An atomic save: the temp file is not a post, the rename names the target.
  write_file(f.posts() / ".a.md.tmp", post("Alpha", "avocados"));
  fs::rename(f.posts() / ".a.md.tmp", f.posts() / "a.md");
  REQUIRE(f.wait_batches(3));
  CHECK(f.told(2) == Slugs{"a.md"});

  // A folder created (its files may predate its watch): a full scan.
  fs::create_directories(f.posts() / "new");
  write_file(f.posts() / "new/c.md", post("Gamma", "cherries"));
  REQUIRE(f.wait_batches(4));
  REQUIRE(eventually([&] { return f.slugs_for("cherries") == Slugs{"new/c"}; }));
  CHECK(f.told(3).empty());

  // A hard-linked post may change under its other name: a full scan.
  std::size_t before = f.batches();
  fs::create_hard_link(f.posts() / "a.md", f.dir / "a-elsewhere.md");
  write_file(f.posts() / "a.md", post("Alpha", "almonds"));
  REQUIRE(f.wait_batches(before + 1));
  CHECK(f.told(before).empty());
  fs::remove(f.dir / "a-elsewhere.md");

  // A symlinked post: every batch after it is a full scan.
  write_file(f.dir / "target.md", post("Linked", "linkage"));
  fs::create_symlink(f.dir / "target.md", f.posts() / "linked.md");
  before = f.batches_through(before, [](const IndexReport& r) { return r.posts == 4; });
  REQUIRE(before != 0);
  CHECK(f.slugs_for("linkage") == Slugs{"linked"});
  write_file(f.posts() / "a.md", post("Alpha", "acorns"));
  REQUIRE(f.wait_batches(before + 1));
  CHECK(f.told(before).empty());
  CHECK(f.slugs_for("acorns") == Slugs{"a"});
}

TEST_CASE("a burst of 50 files is one batch (at most 3)", "[watcher]") {
  WatchFixture f;
  f.start_and_settle();
  for (int i = 0; i < 50; ++i) {
    write_file(f.posts() / ("burst/post-" + std::to_string(i) + ".md"),
               post("Burst " + std::to_string(i), "burstword number" + std::to_string(i)));
    if (i % 10 == 9) std::this_thread::sleep_for(20ms);  // a git pull is not instantaneous
  }
  REQUIRE(f.wait_report(1, [](const IndexReport& r) { return r.posts == 50; }));
  f.settle();
  const std::size_t burst_batches = f.batches() - 1;
  INFO(burst_batches << " batches");
  CHECK(burst_batches >= 1);
  CHECK(burst_batches <= 3);
  CHECK(f.last_report().posts == 50);
  CHECK(f.slugs_for("burstword").size() == 50);
}

TEST_CASE("a steady stream of changes is applied at least every max_delay", "[watcher]") {
  WatchFixture f;
  f.settings.quiet = 150ms;
  f.settings.max_delay = 400ms;
  f.start_and_settle();
  const auto start = Clock::now();
  int i = 0;
  while (Clock::now() - start < 1300ms) {  // never quiet for 150 ms
    write_file(f.posts() / ("stream-" + std::to_string(i++) + ".md"), post("Stream", "streaming"));
    std::this_thread::sleep_for(40ms);
  }
  const std::size_t during = f.batches() - 1;
  CHECK(during >= 2);  // ~3 expected: one per 400 ms
  CHECK(during <= 5);
  REQUIRE(f.wait_report(1, [i](const IndexReport& r) { return r.posts == static_cast<std::size_t>(i); }));
}

TEST_CASE("a new folder's files are picked up, even those written right after mkdir", "[watcher]") {
  WatchFixture f;
  f.start_and_settle();
  fs::create_directories(f.posts() / "2024/05");
  write_file(f.posts() / "2024/top.md", post("Top", "toplevel"));
  write_file(f.posts() / "2024/05/deep.md", post("Deep", "deepest"));
  REQUIRE(f.wait_report(1, [](const IndexReport& r) { return r.posts == 2; }));
  CHECK(f.slugs_for("deepest") == Slugs{"2024/05/deep"});

  // The new folders are watched: a later save in the deepest one is seen on its own.
  const std::size_t before = f.batches();
  write_file(f.posts() / "2024/05/later.md", post("Later", "afterwards"));
  REQUIRE(f.wait_batches(before + 1));
  CHECK(f.slugs_for("afterwards") == Slugs{"2024/05/later"});

  // A folder moved in from outside, with its files, is indexed and watched.
  write_file(f.dir / "outside/pkg/moved.md", post("Moved in", "immigrant"));
  fs::rename(f.dir / "outside", f.posts() / "inside");
  REQUIRE(eventually([&] { return f.slugs_for("immigrant") == Slugs{"inside/pkg/moved"}; }));
  write_file(f.posts() / "inside/pkg/moved.md", post("Moved in", "naturalised"));
  REQUIRE(eventually([&] { return f.slugs_for("naturalised") == Slugs{"inside/pkg/moved"}; }));
  CHECK(f.errors().empty());
}

TEST_CASE("hidden and non-Markdown files do not start a batch", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  f.start_and_settle();
  write_file(f.posts() / "notes.txt", "not a post");
  write_file(f.posts() / "image.png", "png");
  write_file(f.posts() / ".hidden/x.md", post("Hidden", "secret"));
  write_file(f.posts() / ".a.md.swp", "swap");
  fs::remove(f.posts() / ".a.md.swp");
  f.settle();
  CHECK(f.batches() == 1);
}

TEST_CASE("the posts directory removed and recreated: the index waits for it", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "sub/b.md", post("Beta", "bananas"));
  f.start_and_settle();
  const std::size_t settled = f.batches();

  // Gone is not "every post deleted": no run, the index keeps its posts.
  fs::remove_all(f.posts());
  REQUIRE(eventually([&] { return contains(f.notices(), "is gone"); }));
  std::this_thread::sleep_for(2 * f.settings.missing_poll);  // looked for while gone
  f.settle();
  CHECK(f.batches() == settled);
  CHECK(f.slugs_for("apples") == Slugs{"a"});
  CHECK(f.indexed_posts() == 2);
  CHECK(f.errors().empty());

  // Back with other posts: one run over everything.
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "new/c.md", post("Gamma", "cherries"));
  REQUIRE(f.wait_report(settled, [](const IndexReport& r) { return r.posts == 2; }));
  CHECK(f.slugs_for("apples") == Slugs{"a"});
  CHECK(f.slugs_for("bananas").empty());
  CHECK(f.slugs_for("cherries") == Slugs{"new/c"});
  CHECK(contains(f.notices(), "is back"));

  // Watched again, subfolders included.
  write_file(f.posts() / "new/c.md", post("Gamma", "currants"));
  REQUIRE(eventually([&] { return f.slugs_for("currants") == Slugs{"new/c"}; }));

  // Moved away and back: the posts stay searchable throughout.
  const std::size_t before_move = f.batches();
  fs::rename(f.posts(), f.dir / "parked");
  std::this_thread::sleep_for(2 * f.settings.missing_poll);
  CHECK(f.indexed_posts() == 2);
  fs::rename(f.dir / "parked", f.posts());
  write_file(f.posts() / "a.md", post("Alpha", "avocados"));
  REQUIRE(eventually([&] { return f.slugs_for("avocados") == Slugs{"a"}; }));
  CHECK(f.indexed_posts() == 2);
  for (std::size_t i = before_move; i < f.batches(); ++i) CHECK(f.report(i).posts == 2);
  CHECK(f.errors().empty());
}

TEST_CASE("a deploy that swaps the posts folder never empties the index", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  write_file(f.posts() / "b.md", post("Beta", "bananas"));
  f.start_and_settle();
  const std::size_t settled = f.batches();

  // mv posts old && mv new posts, with a pause between the two as a slow deploy script has,
  // and a search running all along.
  write_file(f.dir / "new/a.md", post("Alpha", "apricots"));
  write_file(f.dir / "new/c.md", post("Gamma", "cherries"));
  std::atomic<bool> done{false};
  std::atomic<std::size_t> fewest{2};
  std::thread reader([&] {
    while (!done) {
      const std::size_t n = f.indexed_posts();
      if (n < fewest) fewest = n;
      std::this_thread::sleep_for(5ms);
    }
  });
  fs::rename(f.posts(), f.dir / "old");
  std::this_thread::sleep_for(f.settings.quiet + f.settings.missing_poll);
  fs::rename(f.dir / "new", f.posts());
  const bool swapped = eventually([&] { return f.slugs_for("cherries") == Slugs{"c"}; });
  done = true;
  reader.join();
  REQUIRE(swapped);
  CHECK(f.slugs_for("apricots") == Slugs{"a"});
  CHECK(f.slugs_for("bananas").empty());
  CHECK(fewest == 2);
  for (std::size_t i = settled; i < f.batches(); ++i) CHECK(f.report(i).posts >= 2);
  CHECK(f.errors().empty());
}

TEST_CASE("a posts directory that is a symlink, and relinked", "[watcher]") {
  WatchFixture f;
  fs::remove(f.posts());
  write_file(f.dir / "v1/a.md", post("Alpha", "apples"));
  fs::create_directory_symlink(f.dir / "v1", f.posts());
  f.start_and_settle();
  CHECK(f.report(0).added == 1);

  write_file(f.dir / "v1/b.md", post("Beta", "bananas"));
  REQUIRE(eventually([&] { return f.slugs_for("bananas") == Slugs{"b"}; }));

  // The deploy pattern: build v2 beside, then swap the link atomically.
  write_file(f.dir / "v2/c.md", post("Gamma", "cherries"));
  fs::create_directory_symlink(f.dir / "v2", f.dir / "posts.new");
  fs::rename(f.dir / "posts.new", f.posts());
  REQUIRE(eventually([&] { return f.slugs_for("cherries") == Slugs{"c"}; }));
  CHECK(f.indexed_posts() == 1);

  // The new target is watched, the old one no longer.
  write_file(f.dir / "v2/d.md", post("Delta", "dates"));
  const std::size_t relinked =
      f.batches_through(0, [](const IndexReport& r) { return r.posts == 1 && r.removed == 2; });
  REQUIRE(relinked != 0);
  const std::size_t before =
      f.batches_through(relinked, [](const IndexReport& r) { return r.posts == 2 && r.added == 1; });
  REQUIRE(before != 0);
  CHECK(f.slugs_for("dates") == Slugs{"d"});
  write_file(f.dir / "v1/e.md", post("Epsilon", "elderberries"));
  f.settle();
  CHECK(f.batches() == before);
  CHECK(f.errors().empty());
}

TEST_CASE("a folder symlinked inside the posts directory is watched", "[watcher]") {
  WatchFixture f;
  write_file(f.dir / "shared/s.md", post("Shared", "sharing"));
  f.start_and_settle();
  fs::create_directory_symlink(f.dir / "shared", f.posts() / "linked");
  REQUIRE(eventually([&] { return f.slugs_for("sharing") == Slugs{"linked/s"}; }));
  write_file(f.dir / "shared/t.md", post("Second", "twice"));
  REQUIRE(eventually([&] { return f.slugs_for("twice") == Slugs{"linked/t"}; }));
  fs::remove(f.posts() / "linked");
  REQUIRE(eventually([&] { return f.indexed_posts() == 0; }));
}

TEST_CASE("a failing update is reported and retried, and the watch goes on", "[watcher]") {
  WatchFixture f;
  f.settings.retry_min = 100ms;
  f.settings.retry_max = 200ms;
  write_file(f.dir / "blocker", "a file where the index's folder should be");
  f.options.db_path = f.dir / "blocker/index";
  write_file(f.posts() / "a.md", post("Alpha", "apples"));
  f.start();
  REQUIRE(eventually([&] { return f.errors().size() >= 2; }));  // the first try and a retry
  CHECK(f.batches() == 0);
  CHECK(f.errors().front().find("retrying in 0.1 s") != std::string::npos);
  CHECK_FALSE(f.finished());

  fs::remove(f.dir / "blocker");
  REQUIRE(f.wait_batches(1));
  CHECK(f.report(0).added == 1);
  write_file(f.posts() / "b.md", post("Beta", "bananas"));
  REQUIRE(eventually([&] { return f.slugs_for("bananas") == Slugs{"b"}; }));
}

TEST_CASE("a changed synonyms file is applied", "[watcher]") {
  WatchFixture f;
  write_file(f.dir / "synonyms.txt", "db, database\n");
  f.options.synonyms_file = f.dir / "synonyms.txt";
  write_file(f.posts() / "a.md", post("Alpha", "a postgres database"));
  f.start_and_settle();
  CHECK(f.slugs_for("pg").empty());
  write_file(f.dir / "synonyms.txt", "db, database\npg, postgres\n");
  REQUIRE(f.wait_report(1, [](const IndexReport& r) { return r.synonyms_changed; }));
  CHECK(f.slugs_for("pg") == Slugs{"a"});
}

TEST_CASE("stop ends the watch promptly", "[watcher]") {
  WatchFixture f;
  write_file(f.posts() / "a.md", post("Alpha", "apples"));

  SECTION("while idle") {
    f.start_and_settle();
    const auto t0 = Clock::now();
    f.stop();
    CHECK(Clock::now() - t0 < 1s);
  }
  SECTION("while a batch gathers events (it is dropped; the next start applies it)") {
    f.settings.quiet = 2s;
    f.settings.max_delay = 5s;
    f.start_and_settle();
    write_file(f.posts() / "b.md", post("Beta", "bananas"));
    std::this_thread::sleep_for(50ms);
    const auto t0 = Clock::now();
    f.stop();
    CHECK(Clock::now() - t0 < 1s);
    CHECK(f.batches() == 1);
  }
  SECTION("before it has started: after the first update") {
    f.start();
    f.stop();
    CHECK(f.batches() == 1);
  }
  CHECK(f.finished());
  CHECK(!f.failure());
}

TEST_CASE("a posts directory missing at the start is an error", "[watcher]") {
  WatchFixture f;
  f.options.posts_dirs = {f.dir / "nowhere"};
  f.start();
  REQUIRE(eventually([&] { return f.finished(); }));
  REQUIRE(f.failure());
  CHECK_THROWS_AS(std::rethrow_exception(f.failure()), std::invalid_argument);
}

namespace {

const std::string kIndexBinary = std::string(POSTSEARCH_BINARY_DIR) + "/indexer/postsearch-index";

// `postsearch-index ARGS...` with stdout on a pipe and stderr in `stderr_path`; SIGKILLed on
// destruction if still alive.
class IndexerProcess {
 public:
  IndexerProcess(std::vector<std::string> args, const fs::path& stderr_path) {
    REQUIRE(fs::exists(kIndexBinary));  // built with the tests by scripts/build.sh
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    args.insert(args.begin(), kIndexBinary);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, kIndexBinary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    stdout_fd_ = fds[0];
    REQUIRE(rc == 0);
  }
  ~IndexerProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    ::close(stdout_fd_);
  }
  IndexerProcess(const IndexerProcess&) = delete;
  IndexerProcess& operator=(const IndexerProcess&) = delete;

  // The next stdout line within `timeout` (empty on timeout or end of output).
  std::string next_line(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return "";
      pollfd p{stdout_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Sends `signal`; the exit status within `timeout` (128 + signal if killed), or nullopt.
  std::optional<int> signal_and_wait(int signal, std::chrono::milliseconds timeout) {
    ::kill(pid_, signal);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(5ms);
    }
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

}  // namespace

TEST_CASE("postsearch-index --watch logs each batch and exits 0 on SIGINT/SIGTERM", "[watcher][cli]") {
  TempDir dir;
  write_file(dir / "posts/a.md", post("Alpha", "apples"));
  const int signal = GENERATE(SIGTERM, SIGINT);
  IndexerProcess indexer({"--watch", "--synonyms", "", "--db", (dir / "index").string(),
                          (dir / "posts").string()},
                         dir / "stderr.txt");
  CHECK(indexer.next_line().rfind("1 posts: 1 added, 0 changed, 0 removed, 0 unchanged", 0) == 0);
  write_file(dir / "posts/b.md", post("Beta", "bananas"));
  CHECK(indexer.next_line().rfind("2 posts: 1 added, 0 changed, 0 removed, 1 unchanged in ", 0) == 0);
  const auto t0 = Clock::now();
  CHECK(indexer.signal_and_wait(signal, 2s) == std::optional<int>(0));
  CHECK(Clock::now() - t0 < 1s);
  std::ifstream err(dir / "stderr.txt");
  const std::string errors((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
  CHECK(errors == "postsearch-index: watching 1 folder for changes\n");
}
