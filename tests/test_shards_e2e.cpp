// The real binaries over remote shards: two xapian-tcpsrv processes (Debian's xapian-tools),
// each serving one half of the bundled posts, and postsearch-server / postsearch over both
// (with the whole index as the spelling dictionary) answer exactly like over one local
// database of the same posts. A shard that goes away is a 503, never a crash; back, a 200.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "server_process.h"
#include "server_test_support.h"
#include "shard_fixture.h"

using namespace postsearch::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTcpsrv = "/usr/bin/xapian-tcpsrv";

// A free loopback port, as the kernel picks one (bound, then closed: another process may
// take it before xapian-tcpsrv does, hence the retries in RemoteShard).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// xapian-tcpsrv serving one database on 127.0.0.1. It forks a child per connection, so it
// runs in a process group of its own and is stopped with all its children (no orphans).
class RemoteShard {
 public:
  explicit RemoteShard(fs::path db, std::uint16_t port = 0) : db_(std::move(db)) { start(port); }
  ~RemoteShard() { stop(); }
  RemoteShard(const RemoteShard&) = delete;
  RemoteShard& operator=(const RemoteShard&) = delete;

  std::uint16_t port() const { return port_; }
  std::string spec() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  // Starts on `port` (0: a free one), retrying a few times if the port was taken meanwhile.
  void start(std::uint16_t port) {
    for (int attempt = 0; attempt < 10; ++attempt) {
      port_ = port != 0 ? port : free_port();
      if (spawn() && wait_until_accepting()) return;
      stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("xapian-tcpsrv did not start");
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);  // the whole group: the server and its connection children
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  bool spawn() {
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    std::vector<std::string> args = {kTcpsrv, "--port", std::to_string(port_), "--interface",
                                     "127.0.0.1", "--quiet", db_.string()};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // It logs every dropped connection on stderr, which the tests do on purpose.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int rc = ::posix_spawn(&pid_, kTcpsrv, &actions, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }

  bool wait_until_accepting() {
    for (int i = 0; i < 100; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken
        pid_ = -1;
        return false;
      }
      if (accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  fs::path db_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A response body without the one field that legitimately differs (took_ms).
std::string normalised(const std::string& body) {
  auto json = nlohmann::json::parse(body);
  if (json.is_object()) json.erase("took_ms");
  return json.dump(2);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `postsearch ARGS` with its stdout.
std::string run_cli(const std::vector<std::string>& args, const fs::path& out) {
  ChildProcess cli(std::string(POSTSEARCH_BINARY_DIR) + "/server/postsearch", args,
                   ChildProcess::Output{false, out, out.string() + ".err"});
  const auto status = cli.wait_exit(std::chrono::seconds(30));
  INFO(slurp(out.string() + ".err"));
  REQUIRE(status == 0);
  return slurp(out);
}

}  // namespace

TEST_CASE("two xapian-tcpsrv shards answer exactly like one local database", "[shards][e2e]") {
  if (!fs::exists(kTcpsrv)) {
    WARN("no " << kTcpsrv << " (apt-get install xapian-tools): skipped");
    return;
  }
  const SplitIndexes split(data_dir() / "posts", 2);
  // Our index directory opens in xapian-tcpsrv through its XAPIANDB stub.
  RemoteShard first(split.shards()[0]), second(split.shards()[1]);
  ServerProcess sharded({"--listen", "127.0.0.1:0", "--db", first.spec(), "--db", second.spec(),
                         "--dict", split.full().string(), "--quiet", "--threads", "2"});
  ServerProcess single({"--listen", "127.0.0.1:0", "--db", split.full().string(), "--quiet"});
  TestClient remote_client(sharded.port()), local_client(single.port());

  const std::vector<std::string> targets = {
      "/api/search?q=event+loop", "/api/search?q=event+loop&partial=0",
      "/api/search?q=%22event+loop%22", "/api/search?q=python&partial=0",
      "/api/search?q=asyncoi&partial=0",  // corrected: spelling from --dict
      "/api/search?q=evnt+loop",          "/api/search?q=golang",  // synonyms from --dict
      "/api/search?q=tag%3Apython",       "/api/search?q=&tag=python&sort=date",
      "/api/search?q=year%3A2019",        "/api/search?q=2017-01-01..2018-12-31",
      "/api/search?q=go&per_page=3&page=2&partial=0",
      "/api/search?q=&page=2&per_page=5",  "/api/search?q=python&sort=date&per_page=4&page=2",
      "/api/search?q=&since=2018-01-01&until=2019-12-31", "/api/search?q=gather*",
      "/api/search?q=as",                  "/api/search?q=python+-asyncio&partial=0",
      "/api/suggest?q=asy",                "/api/suggest?q=event+lo",
      "/api/suggest?q=python+dec",         "/api/posts/async/uvloop-sanic-motor",
      "/api/posts/async/uvloop-sanic-motor/related",
      "/api/posts/python/decorators/related?limit=10", "/api/posts/go/golang-interface",
      "/api/posts/no/such/post",           "/healthz"};
  for (const auto& target : targets) {
    INFO(target);
    const Response local = local_client.get(target), remote = remote_client.get(target);
    CHECK(remote.result_int() == local.result_int());
    if (target == "/healthz") {
      CHECK(nlohmann::json::parse(remote.body())["posts"] == nlohmann::json::parse(local.body())["posts"]);
      continue;
    }
    CHECK(normalised(remote.body()) == normalised(local.body()));
  }

  SECTION("the CLI over both shards prints what it prints over one database") {
    for (const std::vector<std::string>& query : {std::vector<std::string>{"event", "loop"},
                                                 {"asyncoi"},
                                                 {"--tag", "python", "--sort", "date", "decorators"},
                                                 {"--related", "python/decorators"}}) {
      std::vector<std::string> remote_args = {"--db", first.spec(), "--db", second.spec(), "--dict",
                                              split.full().string(), "--json"};
      std::vector<std::string> local_args = {"--db", split.full().string(), "--json"};
      remote_args.insert(remote_args.end(), query.begin(), query.end());
      local_args.insert(local_args.end(), query.begin(), query.end());
      CHECK(normalised(run_cli(remote_args, split.dir() / "remote.out")) ==
            normalised(run_cli(local_args, split.dir() / "local.out")));
    }
  }

  SECTION("a shard that goes away is a 503, and a 200 again once it is back") {
    const std::uint16_t port = second.port();
    second.stop();
    for (const char* target : {"/api/search?q=python", "/api/suggest?q=py",
                               "/api/posts/python/decorators", "/healthz"}) {
      INFO(target);
      const Response r = remote_client.get(target);
      CHECK(r.result_int() == 503);
      CHECK(nlohmann::json::parse(r.body())["error"]["code"] == "index_unavailable");
    }
    second.start(port);
    const Response back = remote_client.get("/api/search?q=python");
    CHECK(back.result_int() == 200);
    CHECK(normalised(back.body()) == normalised(local_client.get("/api/search?q=python").body()));
  }
}
