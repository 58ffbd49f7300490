// `postsearch-index --watch` (SPEC §2): keeps the index in line with the posts directories
// as files are saved, renamed or deleted, using Linux inotify.
//
// Events decide WHEN to update; bursts of them (an editor's save-rename dance, a `git pull`
// of fifty files) are batched into one update_index() run and so one commit. A batch made
// only of plain saves, renames and deletions of Markdown files tells the run those paths
// (IndexOptions::changed_paths), so it looks at nothing else; anything less certain (a
// folder created, moved or deleted, lost events, a posts directory gone or back, symlinks
// or hard links among the posts, a failed run) makes it a full scan, which is a complete
// diff of disk against the index whatever the events said.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "indexer/index_updater.h"

namespace postsearch {

struct WatchSettings {
  // A batch runs once no event has come for `quiet`, and never later than `max_delay`
  // after its first event.
  std::chrono::milliseconds quiet{150};
  std::chrono::milliseconds max_delay{2000};
  // How often a missing posts directory is looked for.
  std::chrono::milliseconds missing_poll{500};
  // After a failed update: the first retry, doubling up to retry_max (an event also retries).
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{30000};
  // When not every directory could be watched (fs.inotify.max_user_watches): a check this often.
  std::chrono::milliseconds fallback_poll{5000};
  // Tell a batch of plain file changes which paths changed (else every batch is a full scan).
  bool tell_changed_paths = true;
  // More changed paths than this in one batch: a full scan instead.
  std::size_t max_changed_paths = 1000;
};

// Called on the thread that runs the watcher. Each may be empty.
struct WatchCallbacks {
  // After each successful update, the first one included. (A fallback periodic check that
  // changed nothing is not reported.)
  std::function<void(const IndexReport&)> on_batch;
  // One line: an update failed and will be retried, or something cannot be watched.
  std::function<void(const std::string&)> on_error;
  // One line, for information: a posts directory went away or came back, what is watched.
  std::function<void(const std::string&)> on_notice;
  ProgressFn progress;  // passed to update_index
  // Just before each update_index() call, with the options it is given (changed_paths set
  // for a batch of plain file changes, empty for a full scan).
  std::function<void(const IndexOptions&)> before_update;
};

// Not copyable. run() on one thread; stop() from any thread or a signal handler.
class Watcher {
 public:
  // Throws std::system_error when inotify is not available (or its instance limit is reached).
  Watcher(IndexOptions options, WatchCallbacks callbacks, WatchSettings settings = {});
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Watches the posts directories (recursively, following directory symlinks as the
  // indexer does, skipping hidden folders), runs one update (options.full applies to it),
  // then one update per batch of events, until stop(). Returns after the update in progress,
  // if any, has finished; a batch still gathering events is dropped (the next start's first
  // update applies it).
  //
  // A posts directory that is missing at the start is an error: throws
  // std::invalid_argument, as does an invalid first update (e.g. an unreadable synonyms
  // file). After that, nothing stops the watch: a failed update (IndexWriteError, a posts
  // directory removed mid-run, ...) is reported through on_error and retried; a posts
  // directory that disappears is indexed as empty (its posts leave the index) and watched
  // for again until it comes back. The synonyms file, if one is given, is watched too.
  // Throws std::system_error if inotify itself fails.
  void run();

  // Ends run() at its next wake-up (at once when it is waiting for events). Async-signal-safe;
  // may be called before run(), which then returns after its first update.
  void stop() noexcept;

  // True while an update_index() call is in progress. Async-signal-safe.
  bool updating() const noexcept { return updating_.load(); }

 private:
  struct WatchInfo {
    std::filesystem::path path;   // the directory, as reached from its posts directory
    bool tree = false;            // inside a posts directory: its entries are watched
    // Entries watched for themselves: name -> is a posts directory (else the synonyms file).
    std::map<std::string, bool> names;
    unsigned visited = 0;         // walk generation that last descended into it
    unsigned kept = 0;            // resync generation that last reached it
  };
  struct Root {
    std::filesystem::path path;    // as given (the index keys posts by it)
    std::filesystem::path parent;  // watched for the root being removed, recreated or relinked
    std::string name;              // empty when the root has no parent to watch ("/", ".")
    bool present = false;
    int wd = -1;
  };
  using Clock = std::chrono::steady_clock;

  void resync();
  int add_tree(const std::filesystem::path& dir, bool new_walk);
  int add_watch(const std::filesystem::path& dir);
  void read_events();
  void handle_event(int wd, std::uint32_t mask, const std::string& name);
  void note_event();                                // something happened: a full scan
  void note_change(const std::filesystem::path& path);  // this Markdown file changed
  void mark_batch();
  void run_update(bool first, bool periodic);
  void failed(const std::string& what);
  bool any_root_missing() const;
  void notice(const std::string& message) const;
  void error(const std::string& message) const;

  IndexOptions options_;
  WatchCallbacks callbacks_;
  WatchSettings settings_;
  int inotify_fd_ = -1;
  int stop_fd_ = -1;
  std::atomic<bool> updating_{false};

  std::vector<Root> roots_;
  std::filesystem::path synonyms_parent_;
  std::string synonyms_name_;
  std::map<int, WatchInfo> watches_;
  std::set<std::filesystem::path> dir_paths_;  // every directory reached, symlinked ones included
  unsigned walk_generation_ = 0;
  unsigned resync_generation_ = 0;
  bool resync_needed_ = false;
  bool first_resync_ = true;
  bool full_pending_ = false;  // options.full, until a run has succeeded
  bool watch_limit_hit_ = false;
  bool watch_limit_reported_ = false;

  bool pending_ = false;  // events are waiting for their batch
  bool doubt_ = false;    // the pending batch needs a full scan
  bool aliased_ = false;  // symlinks among the posts or overlapping posts directories
  std::set<std::filesystem::path> changed_;  // the pending batch's Markdown files
  Clock::time_point first_event_{};
  Clock::time_point last_event_{};
  bool retry_pending_ = false;
  Clock::time_point retry_at_{};
  std::chrono::milliseconds retry_delay_{0};
  Clock::time_point next_missing_poll_{};
  Clock::time_point next_fallback_poll_{};
};

}  // namespace postsearch
