#include "indexer/watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <xapian.h>

#include "common/errors.h"
#include "common/text.h"

namespace postsearch {

namespace fs = std::filesystem;

namespace {

// The same mask for every watch: inotify keeps one mask per inode, and a posts directory's
// parent may also be a folder of another posts directory.
constexpr std::uint32_t kWatchMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE |
                                     IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF |
                                     IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;

// As the indexer's scan decides (by the extension, in any case).
bool is_markdown_name(const std::string& name) {
  const std::string ext = text::to_lower_ascii(fs::path(name).extension().string());
  return ext == ".md" || ext == ".markdown";
}

bool is_dir(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::string seconds_text(std::chrono::milliseconds ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", static_cast<double>(ms.count()) / 1000.0);
  return buf;
}

// Where `path`'s own entry lives: {parent, name}, or an empty name for "/", "." and "..".
std::pair<fs::path, std::string> entry_of(const fs::path& path) {
  fs::path p = path.lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();  // "posts/" -> "posts"
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..") return {{}, ""};
  fs::path parent = p.parent_path();
  if (parent.empty()) parent = ".";
  return {parent, name};
}

}  // namespace

Watcher::Watcher(IndexOptions options, WatchCallbacks callbacks, WatchSettings settings)
    : options_(std::move(options)), callbacks_(std::move(callbacks)), settings_(settings) {
  full_pending_ = options_.full;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(), "cannot watch files (inotify)");
  }
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) {
    const int err = errno;
    ::close(inotify_fd_);
    throw std::system_error(err, std::generic_category(), "cannot watch files (eventfd)");
  }
  for (const auto& dir : options_.posts_dirs) {
    Root root;
    root.path = dir;
    std::tie(root.parent, root.name) = entry_of(dir);
    roots_.push_back(std::move(root));
  }
  if (options_.synonyms_file && !options_.synonyms_file->empty()) {
    std::tie(synonyms_parent_, synonyms_name_) = entry_of(*options_.synonyms_file);
  }
}

Watcher::~Watcher() {
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

void Watcher::stop() noexcept {
  const std::uint64_t one = 1;
  if (::write(stop_fd_, &one, sizeof one) < 0) {
    // The counter is full (stop was called ~2^64 times): it is readable anyway.
  }
}

void Watcher::notice(const std::string& message) const {
  if (callbacks_.on_notice) callbacks_.on_notice(message);
}

void Watcher::error(const std::string& message) const {
  if (callbacks_.on_error) callbacks_.on_error(message);
}

bool Watcher::any_root_missing() const {
  return std::any_of(roots_.begin(), roots_.end(), [](const Root& r) { return !r.present; });
}

int Watcher::add_watch(const fs::path& dir) {
  const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), kWatchMask);
  if (wd < 0) {
    // ENOENT/ENOTDIR: gone already (its parent's event says so); EACCES: the indexer cannot
    // read it either and says so.
    if (errno == ENOSPC) watch_limit_hit_ = true;
    return -1;
  }
  WatchInfo& info = watches_[wd];
  info.path = dir;
  info.kept = resync_generation_;
  return wd;
}

// Watches `dir` and every folder below it that the indexer scans (hidden ones are skipped,
// symlinked ones followed). inotify gives one descriptor per inode, so a folder reached
// twice (a symlink loop) is descended into once per walk.
int Watcher::add_tree(const fs::path& dir, bool new_walk) {
  if (new_walk) ++walk_generation_;
  int top = -1;
  bool first = true;
  std::vector<fs::path> stack{dir};
  while (!stack.empty()) {
    const fs::path current = std::move(stack.back());
    stack.pop_back();
    const int wd = add_watch(current);
    if (first) top = wd;
    first = false;
    if (wd < 0) continue;
    dir_paths_.insert(current);
    WatchInfo& info = watches_[wd];
    info.tree = true;
    if (info.visited == walk_generation_) {  // reached twice: a folder with two paths
      aliased_ = true;
      continue;
    }
    info.visited = walk_generation_;
    std::error_code ec;
    for (fs::directory_iterator it(current, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.empty() || name[0] == '.') continue;
      std::error_code type_ec;
      if (it->is_symlink(type_ec)) aliased_ = true;  // its target changes out of sight
      if (it->is_directory(type_ec)) stack.push_back(it->path());
    }
  }
  return top;
}

// Rebuilds every watch from the directories as they are now: after the queue overflowed, a
// posts directory was removed, moved, recreated or relinked, or a folder moved away.
void Watcher::resync() {
  ++resync_generation_;
  ++walk_generation_;
  resync_needed_ = false;
  doubt_ = true;  // whatever changed meanwhile, the next run scans everything
  aliased_ = false;
  watch_limit_hit_ = false;
  dir_paths_.clear();
  for (auto& [wd, info] : watches_) {
    info.tree = false;
    info.names.clear();
  }
  for (Root& root : roots_) {
    const bool present = is_dir(root.path);
    if (!first_resync_ && present != root.present) {
      if (present) {
        notice("posts directory " + root.path.string() + " is back");
      } else {
        notice("posts directory " + root.path.string() +
               " is gone: the index is kept as it is until it is back (looked for every " +
               seconds_text(settings_.missing_poll) + ")");
      }
    }
    root.present = present;
    root.wd = present ? add_tree(root.path, false) : -1;
    if (!root.name.empty()) {
      const int wd = add_watch(root.parent);
      if (wd >= 0) watches_[wd].names[root.name] = true;
    }
  }
  if (!synonyms_name_.empty()) {
    const int wd = add_watch(synonyms_parent_);
    if (wd >= 0) watches_[wd].names.try_emplace(synonyms_name_, false);
  }
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (it->second.kept != resync_generation_) {
      ::inotify_rm_watch(inotify_fd_, it->first);
      it = watches_.erase(it);
    } else {
      ++it;
    }
  }
  first_resync_ = false;
  const auto now = Clock::now();
  if (any_root_missing() && next_missing_poll_ < now) next_missing_poll_ = now + settings_.missing_poll;
  if (watch_limit_hit_) {
    next_fallback_poll_ = now + settings_.fallback_poll;
    if (!watch_limit_reported_) {
      error("cannot watch every folder: the inotify watch limit (fs.inotify.max_user_watches) "
            "is reached; the posts are also checked every " +
            seconds_text(settings_.fallback_poll));
      watch_limit_reported_ = true;
    }
  }
}

void Watcher::note_event() {
  doubt_ = true;
  mark_batch();
}

void Watcher::note_change(const fs::path& path) {
  if (changed_.size() < settings_.max_changed_paths) {
    changed_.insert(path);
  } else {
    doubt_ = true;
  }
  mark_batch();
}

void Watcher::mark_batch() {
  const auto now = Clock::now();
  if (!pending_) {
    pending_ = true;
    first_event_ = now;
  }
  last_event_ = now;
}

void Watcher::handle_event(int wd, std::uint32_t mask, const std::string& name) {
  if (mask & IN_Q_OVERFLOW) {  // events were lost: look at everything again
    notice("too many changes at once for inotify's queue: checking every post");
    resync_needed_ = true;
    note_event();
    return;
  }
  const auto found = watches_.find(wd);
  if (found == watches_.end()) {
    // A watch dropped by resync() whose events were still queued: when in doubt, update.
    if (!(mask & IN_IGNORED)) note_event();
    return;
  }
  const bool is_root = std::any_of(roots_.begin(), roots_.end(),
                                   [wd](const Root& r) { return r.wd == wd; });
  if (name.empty()) {  // about the watched folder itself
    if (mask & IN_IGNORED) {  // deleted, unmounted, or removed by us
      watches_.erase(found);
      if (is_root) {
        resync_needed_ = true;
        note_event();
      }
      return;
    }
    if (is_root && (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT))) {
      resync_needed_ = true;
      note_event();
    } else if (found->second.tree && (mask & IN_ATTRIB)) {
      note_event();  // permissions changed: the scan may now fail or succeed
    }
    return;
  }
  WatchInfo& info = found->second;
  if (const auto role = info.names.find(name); role != info.names.end()) {
    if (role->second) resync_needed_ = true;  // a posts directory removed, created or relinked
    note_event();
  }
  if (!info.tree || name[0] == '.') return;  // hidden entries are not scanned
  const fs::path path = info.path / name;
  if (mask & IN_ISDIR) {
    if (mask & (IN_CREATE | IN_MOVED_TO)) add_tree(path, true);  // files may be in it already
    if (mask & IN_MOVED_FROM) resync_needed_ = true;  // moved away, or renamed (stale paths)
    if (mask & IN_DELETE) dir_paths_.erase(path);
    note_event();
    return;
  }
  if (is_markdown_name(name)) {
    struct stat st {};
    if ((mask & (IN_CREATE | IN_MOVED_TO)) && ::lstat(path.c_str(), &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      aliased_ = true;  // a symlinked post: its target may change without an event here
      note_event();
    } else {
      note_change(path);
    }
    return;
  }
  // Other files are not posts, but a symlink to a folder is scanned as a folder.
  if (mask & (IN_CREATE | IN_MOVED_TO)) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      aliased_ = true;
      if (is_dir(path)) add_tree(path, true);
      note_event();
    }
  } else if ((mask & (IN_DELETE | IN_MOVED_FROM)) && dir_paths_.count(path) != 0) {
    resync_needed_ = true;  // a symlinked folder went away
    note_event();
  }
}

void Watcher::read_events() {
  alignas(struct inotify_event) char buffer[64 * 1024];
  // At most 1 MiB of events per wake-up, so a flood cannot hold a due batch back.
  for (int reads = 0; reads < 16; ++reads) {
    const ssize_t length = ::read(inotify_fd_, buffer, sizeof buffer);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      throw std::system_error(errno, std::generic_category(), "reading inotify events");
    }
    if (length == 0) break;
    for (ssize_t offset = 0; offset + static_cast<ssize_t>(sizeof(inotify_event)) <= length;) {
      inotify_event event;
      std::memcpy(&event, buffer + offset, sizeof event);
      const char* name_start = buffer + offset + sizeof event;
      const std::string name = event.len != 0 ? std::string(name_start, ::strnlen(name_start, event.len))
                                              : std::string();
      handle_event(event.wd, event.mask, name);
      offset += static_cast<ssize_t>(sizeof event + event.len);
    }
  }
  // New folders were watched as they came; what was removed or moved is sorted out here,
  // before the files in a recreated posts directory are written.
  if (resync_needed_) resync();
}

void Watcher::failed(const std::string& what) {
  retry_delay_ = retry_delay_.count() == 0 ? settings_.retry_min
                                           : std::min(retry_delay_ * 2, settings_.retry_max);
  retry_pending_ = true;
  retry_at_ = Clock::now() + retry_delay_;
  doubt_ = true;  // the retry scans everything
  error(what + " (retrying in " + seconds_text(retry_delay_) + " or at the next change)");
}

void Watcher::run_update(bool first, bool periodic) {
  pending_ = false;
  retry_pending_ = false;
  // A posts directory may have gone or come back since the events were read.
  const bool presence_changed = std::any_of(roots_.begin(), roots_.end(), [](const Root& r) {
    return is_dir(r.path) != r.present;
  });
  if (resync_needed_ || presence_changed) resync();
  if (any_root_missing()) {
    // A posts directory that is gone (a deploy swapping folders, an unmounted disk) is not a
    // folder whose posts were all deleted: nothing is updated until it is back (the
    // updater's rule for a folder it cannot read). Its return starts a run over everything.
    doubt_ = true;
    changed_.clear();
    return;
  }

  IndexOptions options = options_;
  options.full = full_pending_;  // --full: the first run that succeeds
  options.changed_paths.clear();
  options.posts_dirs.clear();
  for (const Root& root : roots_) options.posts_dirs.push_back(root.path);
  // Only the files the events named, when they are all there is to it.
  bool precise = settings_.tell_changed_paths && !first && !periodic && !doubt_ && !aliased_ &&
                 !changed_.empty();
  for (const fs::path& path : changed_) {
    if (!precise) break;
    struct stat st {};
    // A symlink or a hard link: the same post may be under another name, out of sight.
    if (::lstat(path.c_str(), &st) == 0 && (S_ISLNK(st.st_mode) || st.st_nlink > 1)) {
      precise = false;
    }
  }
  if (precise) options.changed_paths.assign(changed_.begin(), changed_.end());
  changed_.clear();
  doubt_ = false;

  struct Updating {
    std::atomic<bool>& flag;
    explicit Updating(std::atomic<bool>& f) : flag(f) { flag = true; }
    ~Updating() { flag = false; }
  };
  std::optional<IndexReport> report;
  if (callbacks_.before_update) callbacks_.before_update(options);
  try {
    Updating updating(updating_);
    report = update_index(options, callbacks_.progress);
  } catch (const IndexWriteError& e) {
    failed(e.what());
  } catch (const std::invalid_argument& e) {
    if (first) throw;  // a bad argument, not a passing state of the disk
    failed(e.what());
  } catch (const Xapian::Error& e) {
    failed(e.get_description());
  } catch (const std::exception& e) {
    failed(e.what());
  }
  if (!report) return;
  retry_delay_ = std::chrono::milliseconds(0);
  full_pending_ = false;
  const bool modified =
      report->added + report->changed + report->removed != 0 || report->synonyms_changed;
  if ((!periodic || modified) && callbacks_.on_batch) callbacks_.on_batch(*report);
}

void Watcher::run() {
  for (const Root& root : roots_) {
    if (!is_dir(root.path)) {
      throw std::invalid_argument("posts directory " + root.path.string() +
                                  " does not exist or is not a directory");
    }
  }
  // Watch first, then scan: a change made during the first update is an event.
  resync();
  run_update(true, false);
  std::size_t folders = 0;
  for (const auto& [wd, info] : watches_) folders += info.tree ? 1 : 0;
  notice("watching " + std::to_string(folders) + (folders == 1 ? " folder" : " folders") +
         " for changes");

  for (;;) {
    const auto now = Clock::now();
    std::optional<Clock::time_point> wake;
    auto wake_by = [&](Clock::time_point t) { wake = wake ? std::min(*wake, t) : t; };
    if (pending_) wake_by(std::min(last_event_ + settings_.quiet, first_event_ + settings_.max_delay));
    if (retry_pending_) wake_by(retry_at_);
    if (any_root_missing()) wake_by(next_missing_poll_);
    if (watch_limit_hit_) wake_by(next_fallback_poll_);
    int timeout = -1;
    if (wake) {
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*wake - now).count();
      timeout = static_cast<int>(std::clamp<long long>(ms, 0, INT_MAX));
    }

    pollfd fds[2] = {{stop_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    if (::poll(fds, 2, timeout) < 0) {
      if (errno == EINTR) continue;  // a signal: its handler calls stop()
      throw std::system_error(errno, std::generic_category(), "waiting for inotify events");
    }
    if (fds[0].revents != 0) return;
    if (fds[1].revents != 0) read_events();

    const auto after = Clock::now();
    if (any_root_missing() && after >= next_missing_poll_) {
      next_missing_poll_ = after + settings_.missing_poll;
      const bool back = std::any_of(roots_.begin(), roots_.end(), [](const Root& r) {
        return !r.present && is_dir(r.path);
      });
      if (back) {
        resync();  // watch it before its files are scanned
        note_event();
      }
    }
    bool periodic = false;
    if (watch_limit_hit_ && after >= next_fallback_poll_) {
      next_fallback_poll_ = after + settings_.fallback_poll;
      periodic = true;
    }
    const bool batch_due =
        pending_ && after >= std::min(last_event_ + settings_.quiet, first_event_ + settings_.max_delay);
    const bool retry_due = retry_pending_ && after >= retry_at_;
    if (batch_due || retry_due || periodic) run_update(false, periodic && !batch_due && !retry_due);
  }
}

}  // namespace postsearch
