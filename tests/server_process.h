// The real postsearch-server binary as a child process, for tests that talk to it over TCP:
// started with --listen 127.0.0.1:0, its port read from the startup line, SIGKILLed by the
// destructor if still running (a failed assertion never leaves a server behind).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "child_process.h"

namespace postsearch::testing {

class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> args, const ChildSetup& setup = ChildSetup{})
      : child_(server_binary(), std::move(args), piped_stdout(), setup) {}

  // The first stdout line, read within `timeout` (empty on timeout or EOF).
  std::string first_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return child_.first_line(timeout);
  }

  // The port of "postsearch-server listening on http://127.0.0.1:PORT"; throws when the
  // startup line does not come or says something else.
  std::uint16_t port(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    static const std::regex pattern(R"(^postsearch-server listening on http://127\.0\.0\.1:(\d+)$)");
    const std::string line = first_line(timeout);
    std::smatch m;
    if (!std::regex_match(line, m, pattern)) {
      throw std::runtime_error("unexpected startup line: '" + line + "'");
    }
    return static_cast<std::uint16_t>(std::stoi(m[1].str()));
  }

  // Sends `signal` and waits up to `timeout` for the exit status (nullopt if still running).
  std::optional<int> signal_and_wait(int signal, std::chrono::milliseconds timeout) {
    return child_.kill_and_wait(signal, timeout);
  }

  // Waits for the child to exit by itself.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) { return child_.wait_exit(timeout); }

  pid_t pid() const { return child_.pid(); }

 private:
  static ChildProcess::Output piped_stdout() {
    ChildProcess::Output output;
    output.stdout_pipe = true;
    return output;
  }

  ChildProcess child_;
};

}  // namespace postsearch::testing
