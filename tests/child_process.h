// A child process for the tests that run the real binaries (postsearch-index,
// postsearch-server): spawned with posix_spawn, stdout to a pipe (read with first_line) or a
// file, stderr to a file or inherited. The destructor SIGKILLs and reaps a child that is still
// running, so a failed assertion never leaves a process behind.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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

class ChildProcess {
 public:
  struct Output {
    bool stdout_pipe = false;                        // read it with first_line()
    std::optional<std::filesystem::path> stdout_file;  // else inherited (unless piped)
    std::optional<std::filesystem::path> stderr_file;  // else inherited
  };

  ChildProcess(const std::string& binary, std::vector<std::string> args, const Output& output) {
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
