// postsearch-server: the HTTP search API and search page over a postsearch index
// (SPEC §2, §4). Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 2 on usage or
// fatal errors (bad option, cannot bind), with a one-line reason on stderr.
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/version.h"
#include "server/http_server.h"

namespace {

std::string default_db() {
  const char* env = std::getenv("POSTSEARCH_DB");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string("var/index");
}

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

std::chrono::milliseconds milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
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
  std::vector<std::string> dbs;
  std::string dictionary;
  std::string static_dir;

  CLI::App app{"Serves the postsearch HTTP API (/api/search, /api/posts/SLUG, /healthz) and a "
               "search page at /.",
               "postsearch-server"};
  app.set_version_flag("--version", postsearch::version_line("postsearch-server"));
  app.add_option("--db", dbs,
                 "Index directory, or tcp://HOST:PORT of a remote shard (xapian-tcpsrv); "
                 "repeat to search several as one (default: $POSTSEARCH_DB or var/index)")
      ->allow_extra_args(false);  // one value per --db: the words after it are the query
  app.add_option("--dict", dictionary,
                 "Index or dictionary directory whose spelling and synonyms serve the "
                 "searches (remote shards have none; a sharded --db uses its dictionary/)");
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
  std::string access_log;
  std::string access_log_format = "json";
  std::string public_url;
  app.add_option("--access-log", access_log,
                 "Write a structured line per request to PATH ('-': standard output) instead of "
                 "the plain line on stderr; SIGHUP reopens the file");
  app.add_option("--access-log-format", access_log_format, "json or logfmt")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "logfmt"}));
  app.add_option("--public-url", public_url,
                 "The site's public origin behind a proxy (https://search.example), used in "
                 "/opensearch.xml");

  // Limits (README "Limits and time-outs"): each has a safe default.
  double header_timeout = seconds(config.request_timeout);
  double idle_timeout = seconds(config.idle_timeout);
  double query_time_limit = seconds(config.query_time_limit);
  std::size_t hit_cache_mb = config.hit_cache_bytes >> 20;
  auto& limits = config.router.limits;
  const auto positive = CLI::PositiveNumber;
  app.add_option("--max-connections", config.max_connections,
                 "Open connections at most; more are answered 503 and closed")
      ->capture_default_str()->check(positive)->group("Limits");
  app.add_option("--header-timeout", header_timeout,
                 "Seconds a request may take to arrive once its first byte has")
      ->capture_default_str()->check(positive)->group("Limits");
  app.add_option("--idle-timeout", idle_timeout,
                 "Seconds an idle keep-alive connection is kept open")
      ->capture_default_str()->check(positive)->group("Limits");
  app.add_option("--query-time-limit", query_time_limit,
                 "Seconds of match time one search may use (0: no limit)")
      ->capture_default_str()->check(CLI::NonNegativeNumber)->group("Limits");
  app.add_option("--hit-cache-mb", hit_cache_mb,
                 "MB of recently shown posts each worker thread keeps unpacked (0: none)")
      ->capture_default_str()->check(CLI::Range(0, 4096))->group("Limits");
  app.add_option("--max-header-bytes", config.max_header_bytes,
                 "Request line and header fields, in bytes (414/431 beyond)")
      ->capture_default_str()->check(CLI::Range(256, 1 << 20))->group("Limits");
  app.add_option("--max-body-bytes", config.max_body_bytes,
                 "Request body, in bytes (413 beyond; no route takes a body)")
      ->capture_default_str()->check(CLI::Range(0, 1 << 24))->group("Limits");
  app.add_option("--max-query-bytes", limits.max_query_bytes, "Length of q, in bytes")
      ->capture_default_str()->check(CLI::Range(1, 1 << 16))->group("Limits");
  app.add_option("--max-query-words", limits.max_query_words, "Words in q")
      ->capture_default_str()->check(CLI::Range(1, 1024))->group("Limits");
  app.add_option("--max-per-page", limits.max_per_page, "Largest per_page")
      ->capture_default_str()->check(CLI::Range(1, 1000))->group("Limits");
  app.add_option("--max-result-depth", limits.max_result_depth,
                 "Results reachable by paging (page * per_page)")
      ->capture_default_str()->check(CLI::Range(1, 1000000))->group("Limits");

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

  try {
    if (dbs.size() > 1 || !dictionary.empty() ||
        (dbs.size() == 1 && !dbs.front().empty() &&
         postsearch::parse_index_source(dbs.front()).remote)) {
      if (dbs.empty()) dbs.push_back(config.db_path.string());
      config.indexes = postsearch::parse_index_set(dbs, dictionary);
    } else if (dbs.size() == 1) {
      config.db_path = dbs.front();
    }
  } catch (const std::invalid_argument& e) {
    std::cerr << "postsearch-server: " << e.what() << "\n";
    return 2;
  }
  config.router.static_dir = static_dir;
  config.request_timeout = milliseconds(header_timeout);
  config.idle_timeout = milliseconds(idle_timeout);
  config.query_time_limit = milliseconds(query_time_limit);
  config.hit_cache_bytes = hit_cache_mb << 20;
  config.handle_signals = true;
  std::signal(SIGPIPE, SIG_IGN);

  try {
    if (!public_url.empty()) config.router.public_url = postsearch::normalize_public_url(public_url);
    if (!access_log.empty()) {
      config.request_log = std::make_shared<postsearch::AccessLog>(
          access_log, postsearch::parse_access_log_format(access_log_format));
    }
  } catch (const std::exception& e) {
    std::cerr << "postsearch-server: " << e.what() << "\n";
    return 2;
  }

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
