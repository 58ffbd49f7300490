// postsearch-server: the HTTP search API and search page over a postsearch index
// (SPEC §2, §4). Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 2 on usage or
// fatal errors (bad option, cannot bind), with a one-line reason on stderr.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "server/http_server.h"

#ifndef POSTSEARCH_VERSION
#define POSTSEARCH_VERSION "0.0.0"
#endif

namespace {

std::string default_db() {
  const char* env = std::getenv("POSTSEARCH_DB");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("var/index");
}

unsigned default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n < 2 ? 2 : n;
}

}  // namespace

int main(int argc, char** argv) {
  postsearch::ServerConfig config;
  config.db_path = default_db();
  config.threads = default_threads();
  std::string db = config.db_path.string();
  std::string static_dir;

  CLI::App app{"Serves the postsearch HTTP API (/api/search, /api/posts/SLUG, /healthz) and a "
               "search page at /.",
               "postsearch-server"};
  app.set_version_flag("--version", std::string("postsearch-server ") + POSTSEARCH_VERSION);
  app.add_option("--db", db, "Index directory (default: $POSTSEARCH_DB or var/index)")
      ->capture_default_str();
  app.add_option("--listen", config.listen,
                 "HOST:PORT or [IPV6]:PORT to listen on; port 0 picks a free port")
      ->capture_default_str();
  app.add_option("--threads", config.threads, "Worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  app.add_option("--cors-origin", config.router.cors_origins,
                 "Origin allowed to call the API from a browser (repeatable; * for any)");
  app.add_option("--static", static_dir,
                 "Serve the files under DIR for paths no API route matches")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--quiet,-q", config.quiet, "Do not log a line per request");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "postsearch-server: " << e.what() << " (see --help)\n";
    return 2;
  }

  config.db_path = db;
  config.router.static_dir = static_dir;
  config.handle_signals = true;
  std::signal(SIGPIPE, SIG_IGN);

  try {
    postsearch::HttpServer server(std::move(config));
    server.start();
    // Scripts and tests read the port from this line.
    std::cout << "postsearch-server listening on " << server.url() << std::endl;
    server.wait();
  } catch (const std::exception& e) {
    std::cerr << "postsearch-server: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
