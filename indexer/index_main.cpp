// postsearch-index: brings the index in line with the posts directories (SPEC §2).
// Exit status: 0 all posts indexed, 1 some posts skipped, 2 usage or fatal error.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <xapian.h>

#include "common/errors.h"
#include "common/version.h"
#include "indexer/index_updater.h"
#include "indexer/watcher.h"

namespace {

std::string default_db() {
  const char* env = std::getenv("POSTSEARCH_DB");
  return env != nullptr && *env != '\0' ? env : "var/index";
}

// A progress bar on a terminal, shown only once a run has lasted a second.
class ProgressBar {
 public:
  void operator()(std::size_t done, std::size_t total) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || total == 0) return;
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double rate = done / elapsed;
    const double eta = rate > 0 ? (total - done) / rate : 0;
    const int width = 30;
    const int filled = static_cast<int>(width * done / total);
    std::fprintf(stderr, "\r[%s%s] %zu/%zu posts  %.0f posts/s  ETA %.0f s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 done, total, rate, eta);
    shown_ = true;
  }
  void finish() {
    if (shown_) std::fprintf(stderr, "\r%*s\r", 80, "");
  }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

void print_problems(const postsearch::IndexReport& report) {
  for (const auto& skipped : report.skipped) std::cerr << skipped.describe() << "\n";
  for (const auto& c : report.conflicts) {
    std::cerr << "warning: slug '" << c.slug << "' is claimed by " << c.winner << " and "
              << c.loser << "; " << c.winner << " wins (first in path order)\n";
  }
}

std::atomic<postsearch::Watcher*> g_watcher{nullptr};

// SIGINT/SIGTERM: stop between updates. The handler is reset on the way in, so a second
// Ctrl-C during a long update kills the process (the index keeps its last commit).
extern "C" void on_stop_signal(int) {
  postsearch::Watcher* watcher = g_watcher.load();
  if (watcher == nullptr) return;
  if (watcher->updating()) {
    static const char kMessage[] =
        "postsearch-index: stopping after this update (again to abort it)\n";
    if (::write(STDERR_FILENO, kMessage, sizeof kMessage - 1) < 0) {
      // Nothing to do about a closed stderr in a signal handler.
    }
  }
  watcher->stop();
}

// Routes SIGINT/SIGTERM to `watcher` while it lives.
class StopSignals {
 public:
  explicit StopSignals(postsearch::Watcher& watcher) {
    g_watcher = &watcher;
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
  }
  ~StopSignals() {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    g_watcher = nullptr;
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
};

// --watch: one update now, then one per batch of changes, until SIGINT/SIGTERM (exit 0).
int watch(const postsearch::IndexOptions& options, bool quiet) {
  ProgressBar bar;
  postsearch::WatchCallbacks callbacks;
  if (!quiet && isatty(STDERR_FILENO)) {
    // A fresh bar per update: it appears only once that update has lasted a second.
    callbacks.progress = [&bar](std::size_t done, std::size_t total) {
      if (done == 0) bar = ProgressBar{};
      bar(done, total);
    };
  }
  callbacks.on_batch = [&bar, quiet](const postsearch::IndexReport& report) {
    bar.finish();
    print_problems(report);
    if (!quiet) std::cout << report.summary() << std::endl;
  };
  callbacks.on_error = [&bar](const std::string& message) {
    bar.finish();
    std::cerr << "postsearch-index: " << message << std::endl;
  };
  if (!quiet) {
    callbacks.on_notice = [](const std::string& message) {
      std::cerr << "postsearch-index: " << message << std::endl;
    };
  }
  postsearch::Watcher watcher(options, std::move(callbacks));
  const StopSignals signals(watcher);
  watcher.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Xapian buffers a writer's postings and flushes them every XAPIAN_FLUSH_THRESHOLD
  // documents (default 10000). On MDN a small buffer is faster (a build's CPU time 19 s at
  // 256 against 25 s at 10000: lookups in a smaller map) and keeps memory flat (130 MB
  // against 540 MB with two writers). Set before any database opens and any thread starts.
  ::setenv("XAPIAN_FLUSH_THRESHOLD", "256", /*overwrite=*/0);
  CLI::App app{"postsearch-index: index a blog's Markdown posts for postsearch"};
  postsearch::IndexOptions options;
  std::vector<std::string> dirs;
  std::string db = default_db();
  bool quiet = false;
  bool watch_mode = false;
  app.add_option("POSTS_DIR", dirs, "directories of Markdown posts")->required();
  app.add_option("--db", db, "index directory (default: $POSTSEARCH_DB or var/index)");
  app.add_option("--base-url", options.read.base_url, "prefix of post URLs (default: /)");
  app.add_option("--synonyms", options.synonyms_file,
                 "synonym groups, one per line (default: the built-in list; \"\" for none)");
  app.add_option("--changed", options.changed_paths,
                 "only this path changed (repeatable; e.g. from a git hook): the run looks at "
                 "these and trusts every other indexed file");
  app.add_option("--shards", options.shards,
                 "split the index into N shards by slug (DB/shard-K, DB/dictionary); "
                 "later runs may omit it")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--full", options.full, "re-read and rewrite every post, whatever changed");
  app.add_option("--jobs,-j", options.jobs,
                 "threads writing a full build (the first run or --full); default: one per core")
      ->check(CLI::Range(1, 256));
  app.add_flag("--drafts", options.include_drafts, "index posts marked draft: true");
  app.add_flag("--quiet,-q", quiet, "print nothing but errors");
  app.add_flag("--watch", watch_mode,
               "keep running: apply changes as posts are saved, renamed or deleted "
               "(until SIGINT/SIGTERM)");
  app.set_version_flag("--version", postsearch::version_line("postsearch-index"));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  for (const auto& d : dirs) options.posts_dirs.emplace_back(d);
  options.db_path = db;

  try {
    if (watch_mode) return watch(options, quiet);
    ProgressBar bar;
    postsearch::ProgressFn progress;
    if (!quiet && isatty(STDERR_FILENO)) progress = std::ref(bar);
    const postsearch::IndexReport report = postsearch::update_index(options, progress);
    bar.finish();
    print_problems(report);
    if (!quiet) std::cout << report.summary() << std::endl;
    return report.skipped.empty() ? 0 : 1;
  } catch (const postsearch::IndexWriteError& e) {
    std::cerr << "postsearch-index: " << e.what() << "\n";
  } catch (const std::invalid_argument& e) {
    std::cerr << "postsearch-index: " << e.what() << "\n";
  } catch (const Xapian::Error& e) {
    std::cerr << "postsearch-index: " << e.get_description() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "postsearch-index: " << e.what() << "\n";
  }
  return 2;
}
