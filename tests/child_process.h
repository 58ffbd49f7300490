// A child process for the tests that run the real binaries (postsearch-index,
// postsearch-server): spawned with posix_spawn, stdout to a pipe (read with first_line) or a
// file, stderr to a file or inherited. The destructor SIGKILLs and reaps a child that is still
// running, so a failed assertion never leaves a process behind.
//
// A ChildSetup (optional) starts the child as another user or with a file-size limit; such a
// child is started with fork + exec instead (posix_spawn can do neither).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <grp.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace postsearch::testing {

inline std::string indexer_binary() {
  return std::string(POSTSEARCH_BINARY_DIR) + "/indexer/postsearch-index";
}
inline std::string server_binary() {
  return std::string(POSTSEARCH_BINARY_DIR) + "/server/postsearch-server";
}

inline std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// How a child is started besides its output. Everything is optional; the default is a plain
// posix_spawn.
struct ChildSetup {
  // Run as this user and group (setgroups/setgid/setuid in the child; needs root). Tests that
  // need permissions to bite run the binaries as an unprivileged user when they run as root.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // RLIMIT_FSIZE in bytes, with SIGXFSZ ignored: a write that would make a file larger fails
  // with EFBIG ("File too large"), as a full disk makes writes fail, without a mount.
  std::optional<rlim_t> max_file_size;

  bool empty() const { return !uid && !gid && !max_file_size; }
};

class ChildProcess {
 public:
  struct Output {
    bool stdout_pipe = false;                        // read it with first_line()
    std::optional<std::filesystem::path> stdout_file;  // else inherited (unless piped)
    std::optional<std::filesystem::path> stderr_file;  // else inherited
  };

  ChildProcess(const std::string& binary, std::vector<std::string> args, const Output& output,
               const ChildSetup& setup = ChildSetup{}) {
    if (!setup.empty()) {
      fork_exec(binary, std::move(args), output, setup);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    int fds[2] = {-1, -1};
    if (output.stdout_pipe) {
      if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
      posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    } else if (output.stdout_file) {
      posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.stdout_file->c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (output.stderr_file) {
      posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, output.stderr_file->c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (fds[1] >= 0) ::close(fds[1]);
    stdout_fd_ = fds[0];
    if (rc != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot spawn " + binary);
    }
    started_ = std::chrono::steady_clock::now();
  }

  ~ChildProcess() {
    if (!status_) kill_and_wait(SIGKILL);
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::chrono::steady_clock::time_point started() const { return started_; }
  // When the exit was seen (poll() checks every few milliseconds while waiting).
  std::chrono::steady_clock::time_point ended() const { return ended_; }

  // The exit status once the child has exited (128 + signal when killed), else nullopt.
  std::optional<int> poll() {
    if (status_ || pid_ <= 0) return status_;
    int raw = 0;
    if (::waitpid(pid_, &raw, WNOHANG) == pid_) set_status(raw);
    return status_;
  }

  // Waits up to `timeout` for the child to exit by itself.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!poll() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return status_;
  }

  // Sends `signal` and waits for the exit (SIGKILL always ends it). Returns the status.
  std::optional<int> kill_and_wait(int signal = SIGKILL,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    if (poll()) return status_;
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, signal);
    if (signal == SIGKILL) {
      int raw = 0;
      if (::waitpid(pid_, &raw, 0) == pid_) set_status(raw);
      return status_;
    }
    return wait_exit(timeout);
  }

  // The first stdout line (piped stdout only), read within `timeout`; empty on timeout/EOF.
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (stdout_fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 1))) <= 0) continue;
      char c = 0;
      if (::read(stdout_fd_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

 private:
  // The ChildSetup path: files are opened here (by the parent, so a child that drops its
  // privileges can still write them), then fork; the child applies the setup and execs. An
  // exec failure is reported back through a close-on-exec pipe.
  void fork_exec(const std::string& binary, std::vector<std::string> args, const Output& output,
                 const ChildSetup& setup) {
    auto open_output = [](const std::filesystem::path& path) {
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0) throw std::runtime_error("cannot open " + path.string());
      return fd;
    };
    int out_fd = -1, err_fd = -1;
    int fds[2] = {-1, -1};
    if (output.stdout_pipe) {
      if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
      out_fd = fds[1];
    } else if (output.stdout_file) {
      out_fd = open_output(*output.stdout_file);
    }
    if (output.stderr_file) err_fd = open_output(*output.stderr_file);
    int report[2] = {-1, -1};
    if (::pipe2(report, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    args.insert(args.begin(), binary);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const uid_t uid = setup.uid.value_or(0);
    const gid_t gid = setup.gid ? *setup.gid : static_cast<gid_t>(uid);

    pid_ = ::fork();
    if (pid_ == 0) {
      // The child: async-signal-safe calls only.
      auto die = [&](int step) {
        const int err[2] = {step, errno};
        if (::write(report[1], err, sizeof err) < 0) {
          // Nothing more to do: the parent sees an exit status of 127.
        }
        ::_exit(127);
      };
      if (setup.max_file_size) {
        const rlimit limit{*setup.max_file_size, *setup.max_file_size};
        if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) die(1);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        if (::sigaction(SIGXFSZ, &ignore, nullptr) != 0) die(2);
      }
      if (setup.uid || setup.gid) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0) die(3);
        if (setup.uid && ::setuid(uid) != 0) die(4);
      }
      if (out_fd >= 0 && ::dup2(out_fd, STDOUT_FILENO) < 0) die(5);
      if (err_fd >= 0 && ::dup2(err_fd, STDERR_FILENO) < 0) die(6);
      ::execve(binary.c_str(), argv.data(), environ);
      die(7);
    }
    const int fork_errno = errno;
    ::close(report[1]);
    if (out_fd >= 0) ::close(out_fd);
    if (err_fd >= 0) ::close(err_fd);
    stdout_fd_ = fds[0];
    if (pid_ < 0) {
      ::close(report[0]);
      throw std::runtime_error("cannot fork for " + binary + ": " + std::strerror(fork_errno));
    }
    int err[2] = {0, 0};
    ssize_t got = 0;
    do {
      got = ::read(report[0], err, sizeof err);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got > 0) {
      kill_and_wait(SIGKILL);
      pid_ = -1;
      static const char* const kSteps[] = {"",       "setrlimit", "sigaction", "setgid",
                                           "setuid", "dup2",      "dup2",      "exec"};
      throw std::runtime_error("cannot start " + binary + ": " + kSteps[err[0] & 7] + ": " +
                               std::strerror(err[1]));
    }
    started_ = std::chrono::steady_clock::now();
  }

  void set_status(int raw) {
    status_ = decode(raw);
    ended_ = std::chrono::steady_clock::now();
  }
  static int decode(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::optional<int> status_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point ended_;
};

// "%XX"-encodes everything but unreserved characters, for query-string values.
inline std::string url_encode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace postsearch::testing
