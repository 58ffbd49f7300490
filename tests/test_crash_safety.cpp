// Crash safety of the indexer (issue 4), with the real postsearch-index binary over the MDN
// corpus (14,235 posts from tests/corpora/mdn-en-us.tar.xz, extracted once per machine):
//   - a kill during the very first build publishes nothing and does not block the next run;
//   - a first index of a subset (all but web/) is committed; then runs over the whole corpus
//     are killed with SIGKILL at seeded random points (incremental runs: a couple very early,
//     the rest spread over the run; --full runs: one anywhere, one as compaction begins);
//     after each kill the index is exactly the last commit (generation, revision, document
//     count, the same cards and search answers), Xapian::Database::check finds no error in
//     the live generation, and the next run is not refused (no stale lock);
//   - a postsearch-server reading the index answers 200 from the last commit throughout;
//   - the next run completes the work (every post, exit 0) and a run after it changes nothing;
//   - a second indexer started during a run exits 2 with "another postsearch-index" and the
//     first one finishes fine.
// POSTSEARCH_CRASH_SEED=N picks other kill points.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "child_process.h"
#include "corpus_support.h"
#include "index_inspection.h"
#include "common/searcher.h"
#include "server_test_support.h"

using namespace std::chrono_literals;
using nlohmann::ordered_json;
using postsearch::testing::ChildProcess;
using postsearch::testing::Response;
using postsearch::testing::TempDir;
using postsearch::testing::TestClient;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace bhttp = boost::beast::http;

using postsearch::testing::listing;
using postsearch::testing::mdn_corpus;
using postsearch::testing::live_generation;
using postsearch::testing::search_answer;
using postsearch::testing::xapian_check_errors;

namespace {

constexpr int kRounds = 6;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Run {
  std::optional<int> status;
  std::string out;
  std::string err;
  double seconds = 0;
};

// An indexer run on its own: stdout and stderr in files below `dir`.
class IndexerRun {
 public:
  IndexerRun(const fs::path& dir, const std::string& name, const fs::path& db, const fs::path& posts,
             bool full = false)
      : out_(dir / (name + ".out")),
        err_(dir / (name + ".err")),
        child_(postsearch::testing::indexer_binary(),
               full ? std::vector<std::string>{"--full", "--db", db.string(), posts.string()}
                    : std::vector<std::string>{"--db", db.string(), posts.string()},
               ChildProcess::Output{false, out_, err_}) {}

  ChildProcess& child() { return child_; }
  Run finish(std::chrono::milliseconds timeout) {
    Run run;
    run.status = child_.wait_exit(timeout);
    run.seconds = std::chrono::duration<double>((run.status ? child_.ended() : Clock::now()) -
                                                child_.started())
                      .count();
    run.out = postsearch::testing::read_text_file(out_);
    run.err = postsearch::testing::read_text_file(err_);
    return run;
  }
  Run kill() {
    Run run;
    run.status = child_.kill_and_wait(SIGKILL);
    run.seconds = std::chrono::duration<double>(child_.ended() - child_.started()).count();
    run.out = postsearch::testing::read_text_file(out_);
    run.err = postsearch::testing::read_text_file(err_);
    return run;
  }

 private:
  fs::path out_, err_;
  ChildProcess child_;
};

// "N posts: A added, C changed, R removed, U unchanged" from the indexer's summary line.
struct Summary {
  std::size_t posts = 0, added = 0, changed = 0, removed = 0, unchanged = 0;
};
std::optional<Summary> parse_summary(const std::string& out) {
  static const std::regex pattern(
      R"((\d+) posts: (\d+) added, (\d+) changed, (\d+) removed, (\d+) unchanged)");
  std::smatch m;
  if (!std::regex_search(out, m, pattern)) return std::nullopt;
  auto n = [&](int i) { return static_cast<std::size_t>(std::stoull(m[i].str())); };
  return Summary{n(1), n(2), n(3), n(4), n(5)};
}


// What the index looked like at its last commit, for comparison after a kill.
struct Committed {
  std::string generation;             // the stub's target
  Xapian::rev revision = 0;
  std::size_t posts = 0;
  std::vector<std::string> slugs;     // a few known posts
  std::vector<ordered_json> cards;    // their cards (find_post)
  std::vector<std::string> queries;   // their titles, and topic queries
  std::vector<ordered_json> answers;  // search answers to those queries
};


// Xapian's own check finds no error, and the recorded cards are all there, unchanged.
void check_clean_with_cards(const fs::path& db, postsearch::Searcher& searcher,
                            const Committed& committed) {
  std::string report;
  const std::size_t errors = xapian_check_errors(db, report);
  INFO("xapian check: " << report);
  CHECK(errors == 0);
  for (std::size_t i = 0; i < committed.slugs.size(); ++i) {
    INFO("post " << committed.slugs[i]);
    const auto card = searcher.find_post(committed.slugs[i]);
    REQUIRE(card.has_value());
    CHECK(postsearch::card_to_json(*card, false) == committed.cards[i]);
  }
}

// Checks that the index at `db` is exactly `committed`.
void check_is_committed(const fs::path& db, postsearch::Searcher& searcher,
                        const Committed& committed) {
  const auto generation = live_generation(db);
  REQUIRE(generation.has_value());
  CHECK(generation->filename().string() == committed.generation);
  {
    Xapian::Database readonly(db.string());
    CHECK(readonly.get_revision() == committed.revision);
    CHECK(readonly.get_doccount() == committed.posts);
  }
  check_clean_with_cards(db, searcher, committed);
  for (std::size_t i = 0; i < committed.queries.size(); ++i) {
    INFO("query " << committed.queries[i]);
    CHECK(search_answer(searcher, committed.queries[i]) == committed.answers[i]);
  }
}

Committed record_committed(const fs::path& db, postsearch::Searcher& searcher) {
  Committed c;
  const auto generation = live_generation(db);
  REQUIRE(generation.has_value());
  c.generation = generation->filename().string();
  {
    Xapian::Database readonly(db.string());
    c.revision = readonly.get_revision();
    c.posts = readonly.get_doccount();
  }
  // Known posts: spread over the browse list, chosen among those whose title finds them.
  postsearch::SearchRequest browse;
  browse.per_page = 100;
  const auto all = searcher.search(browse);
  for (std::size_t i = 0; i < all.hits.size() && c.slugs.size() < 3; i += 17) {
    const auto& card = all.hits[i];
    const ordered_json answer = search_answer(searcher, card.title);
    bool found = false;
    for (const auto& hit : answer["hits"]) found = found || hit["slug"] == card.slug;
    if (!found) continue;
    c.slugs.push_back(card.slug);
    c.cards.push_back(postsearch::card_to_json(card, false));
    c.queries.push_back(card.title);
    c.answers.push_back(answer);
  }
  for (const char* query : {"", "event listener", "css grid"}) {
    c.queries.push_back(query);
    c.answers.push_back(search_answer(searcher, query));
  }
  return c;
}

ordered_json body_json(const Response& res) {
  ordered_json body = ordered_json::parse(res.body());
  body.erase("took_ms");
  return body;
}

// Polls the server's /healthz while the indexer is killed and restarted: every answer must be
// a 200 from a commit (`allowed` post counts).
class HealthPoller {
 public:
  HealthPoller(std::uint16_t port, std::set<std::size_t> allowed)
      : allowed_(std::move(allowed)), thread_([this, port] { loop(port); }) {}
  ~HealthPoller() { stop(); }
  void allow(std::size_t posts) {
    std::lock_guard lock(mutex_);
    allowed_.insert(posts);
  }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int answers() const { return answers_; }
  int failures() const { return failures_; }
  std::string first_failure() {
    std::lock_guard lock(mutex_);
    return first_failure_;
  }

 private:
  void fail(const std::string& why) {
    ++failures_;
    std::lock_guard lock(mutex_);
    if (first_failure_.empty()) first_failure_ = why;
  }
  void loop(std::uint16_t port) {
    std::optional<TestClient> client;
    while (!stop_) {
      try {
        if (!client) client.emplace(port);
        const Response res = client->get("/healthz");
        ++answers_;
        const auto body = nlohmann::json::parse(res.body());
        const std::size_t posts = body.value("posts", std::size_t{0});
        bool allowed = false;
        {
          std::lock_guard lock(mutex_);
          allowed = allowed_.count(posts) != 0;
        }
        if (res.result() != bhttp::status::ok) {
          fail("/healthz: " + res.body());
        } else if (!allowed) {
          fail("/healthz posts not a commit: " + res.body());
        }
        if (!res.keep_alive()) client.reset();
      } catch (const std::exception& e) {
        fail(std::string("/healthz: ") + e.what());
        client.reset();
      }
      std::this_thread::sleep_for(20ms);
    }
  }

  std::mutex mutex_;
  std::set<std::size_t> allowed_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answers_{0};
  std::atomic<int> failures_{0};
  std::string first_failure_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("crash safety: postsearch-index killed at random points over MDN leaves the last commit, "
          "the next run completes, a second indexer is refused",
          "[crash]") {
  const auto test_start = Clock::now();
  auto t = Clock::now();
  const fs::path corpus = mdn_corpus();
  std::printf("crash: MDN corpus ready at %s in %.1f s\n", corpus.string().c_str(), seconds_since(t));

  // posts/en-us links to the corpus's top-level folders: all but web/ for the first commit,
  // then web/ (11,983 of the 14,235 posts) too for the runs that are killed. A sanitizer
  // build, several times slower, does the same over a seventh of MDN: the small top-level
  // folders, then web/css/ and web/index.md (2,164 posts).
  TempDir dir;
  const fs::path posts = dir / "posts";
  const fs::path db = dir / "index";
  const fs::path logs = dir / "logs";
  fs::create_directories(posts / "en-us");
  fs::create_directories(logs);
  const std::set<std::string> sanitizer_subset = {"games", "glossary", "mdn", "related", "webassembly"};
  for (const auto& entry : fs::directory_iterator(corpus)) {
    const std::string name = entry.path().filename().string();
    if (name == "web" || (postsearch::testing::kSanitizerBuild && sanitizer_subset.count(name) == 0)) continue;
    fs::create_directory_symlink(entry.path(), posts / "en-us" / name);
  }
  auto count_posts = [](const fs::path& dir_or_file) {
    if (!fs::is_directory(dir_or_file)) return dir_or_file.extension() == ".md" ? std::size_t{1} : std::size_t{0};
    std::size_t n = 0;
    for (const auto& entry :
         fs::recursive_directory_iterator(dir_or_file, fs::directory_options::follow_directory_symlink)) {
      if (entry.path().extension() == ".md") ++n;
    }
    return n;
  };
  const std::vector<std::string> web_parts = postsearch::testing::kSanitizerBuild
                                                 ? std::vector<std::string>{"web/css", "web/index.md"}
                                                 : std::vector<std::string>{"web"};
  std::size_t web_posts = 0;
  for (const auto& part : web_parts) web_posts += count_posts(corpus / part);
  const std::size_t subset_posts = count_posts(posts);
  const std::size_t total_posts = subset_posts + web_posts;

  // A kill during the very first build: nothing published; the next run is not refused.
  {
    IndexerRun first(logs, "first-killed", db, posts);
    std::this_thread::sleep_for(700ms);
    const bool exited = first.child().poll().has_value();
    const Run killed = first.kill();
    INFO("stderr: " << killed.err << "\nindex directory: " << listing(db));
    CHECK_FALSE(exited);
    CHECK(killed.status == 128 + SIGKILL);
    CHECK_FALSE(live_generation(db).has_value());
  }

  // The first committed state.
  IndexerRun subset(logs, "subset", db, posts);
  const Run built = subset.finish(300s);
  {
    INFO(built.out << built.err);
    REQUIRE(built.status == 0);
    const auto summary = parse_summary(built.out);
    REQUIRE(summary.has_value());
    CHECK(summary->posts == subset_posts);
  }
  for (const auto& part : web_parts) {
    const fs::path link = posts / "en-us" / part;
    fs::create_directories(link.parent_path());
    fs::create_symlink(corpus / part, link);
  }
  // How long runs over the rest and over everything take, from the subset's pace (measured
  // here: web/ posts take ~70% of the time per post of the rest, a --full run ~80%).
  const double per_post = built.seconds / static_cast<double>(subset_posts);
  const double incremental_estimate = std::clamp(0.7 * per_post * static_cast<double>(web_posts), 5.0, 120.0);
  const double full_estimate = std::clamp(0.8 * per_post * static_cast<double>(total_posts), 5.0, 150.0);
  std::printf("crash: %zu posts (all but web/) built in %.1f s; estimated runs: web/ added %.1f s, "
              "--full %.1f s\n",
              subset_posts, built.seconds, incremental_estimate, full_estimate);

  postsearch::Searcher searcher(db);
  Committed committed = record_committed(db, searcher);
  REQUIRE(committed.posts == subset_posts);
  REQUIRE(committed.slugs.size() == 3);

  // A server reading the index the whole time.
  ChildProcess server(postsearch::testing::server_binary(),
                      {"--listen", "127.0.0.1:0", "--db", db.string(), "--threads", "2", "--quiet"},
                      ChildProcess::Output{true, std::nullopt, std::nullopt});
  const std::string line = server.first_line();
  static const std::regex listening(R"(^postsearch-server listening on http://127\.0\.0\.1:(\d+)$)");
  std::smatch m;
  INFO("server startup line: " << line);
  REQUIRE(std::regex_match(line, m, listening));
  const auto port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
  HealthPoller poller(port, {committed.posts, total_posts});

  // Kill points, seeded. Incremental runs adding web/: two very early, then one in each
  // quarter of 1 s .. 80% of a run. Then --full runs (built beside the live generation and
  // swapped in): one just after compaction into the new generation has begun (a kill there
  // may also land after the swap: then the new index is complete), and one at a random point
  // before the time that run took to get to compaction.
  struct Round {
    bool full = false;
    bool at_compaction = false;
    double delay = 0;
  };
  std::uint32_t seed = 20261126;
  if (const char* env = std::getenv("POSTSEARCH_CRASH_SEED")) seed = static_cast<std::uint32_t>(std::stoul(env));
  std::mt19937 rng(seed);
  auto uniform = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::vector<Round> rounds = {{false, false, uniform(0.05, 0.3)}, {false, false, uniform(0.3, 1.0)}};
  constexpr int kSpread = kRounds - 2;
  const double last = 0.8 * incremental_estimate;
  for (int q = 0; q < kSpread; ++q) {
    rounds.push_back({false, false, uniform(1.0 + (last - 1.0) * q / kSpread, 1.0 + (last - 1.0) * (q + 1) / kSpread)});
  }
  std::shuffle(rounds.begin(), rounds.end(), rng);
  rounds.push_back({true, true, uniform(0.0, 0.4)});
  rounds.push_back({true, false, 0});  // its delay is drawn once the one before has been timed
  double to_compaction = full_estimate;

  for (std::size_t round = 0; round < rounds.size(); ++round) {
    Round& r = rounds[round];
    if (r.full && !r.at_compaction) r.delay = uniform(1.0, 0.9 * to_compaction);
    INFO("round " << round << (r.full ? " (--full)" : "") << ", seed " << seed << ", kill "
                  << (r.at_compaction ? "after compaction began + " : "after ") << r.delay << " s");
    std::set<std::string> before;
    for (const auto& entry : fs::directory_iterator(db)) before.insert(entry.path().filename().string());

    IndexerRun run(logs, "round" + std::to_string(round), db, posts, r.full);
    auto deadline = run.child().started() + std::chrono::duration<double>(r.delay);
    if (r.at_compaction) {
      // Compaction writes the new generation's directory (gen-N, no ".build") in place.
      bool compacting = false;
      while (!compacting && !run.child().poll() && seconds_since(run.child().started()) < 300) {
        for (const auto& entry : fs::directory_iterator(db)) {
          const std::string name = entry.path().filename().string();
          compacting = compacting || (name.rfind("gen-", 0) == 0 && name.find('.') == std::string::npos &&
                                      before.count(name) == 0);
        }
        if (!compacting) std::this_thread::sleep_for(1ms);
      }
      if (compacting) to_compaction = seconds_since(run.child().started());
      deadline = Clock::now() + std::chrono::duration<double>(r.delay);
    }
    while (Clock::now() < deadline && !run.child().poll()) std::this_thread::sleep_for(1ms);
    // Still running when killed: in particular not refused by a lock a killed run left behind.
    const bool exited_early = run.child().poll().has_value();
    const std::string at_kill = listing(db);
    const Run killed = run.kill();
    INFO("indexer stdout: " << killed.out << "\nstderr: " << killed.err << "\nindex directory at the kill: "
                            << at_kill << "\nafter: " << listing(db));
    std::printf("crash: round %zu%s killed after %.2f s%s; index directory: %s\n", round,
                r.full ? (r.at_compaction ? " (--full, at compaction)" : " (--full)") : "", killed.seconds,
                exited_early ? " (it had already exited)" : "", at_kill.c_str());

    const auto generation = live_generation(db);
    REQUIRE(generation.has_value());
    Xapian::rev revision = 0;
    {
      Xapian::Database readonly(db.string());
      revision = readonly.get_revision();
    }
    if (generation->filename().string() == committed.generation && revision == committed.revision) {
      CHECK_FALSE(exited_early);
      CHECK(killed.status == 128 + SIGKILL);
      check_is_committed(db, searcher, committed);
    } else {
      // A new commit: the run got to its end (finished, or killed after its commit or swap),
      // so the index must be the whole corpus.
      std::printf("crash: round %zu committed before the kill (now %s, revision %u)\n", round,
                  generation->filename().string().c_str(), static_cast<unsigned>(revision));
      if (!r.at_compaction && exited_early) WARN("the run finished before its kill point: estimate too long");
      CHECK((killed.status == 128 + SIGKILL || killed.status == 0));
      Xapian::Database readonly(db.string());
      CHECK(readonly.get_doccount() == total_posts);
      std::string report;
      const std::size_t errors = xapian_check_errors(db, report);
      INFO("xapian check: " << report);
      CHECK(errors == 0);
      committed = record_committed(db, searcher);
      // An incremental run that got to its end leaves the later incremental rounds nothing to
      // do (a machine faster than the estimate did this in CI): take web/ out again and commit
      // that, so they still have a run to kill.
      const bool incremental_rounds_left = round + 1 < rounds.size() && !rounds[round + 1].full;
      if (!r.full && incremental_rounds_left) {
        for (const auto& part : web_parts) fs::remove(posts / "en-us" / part);
        IndexerRun rewind(logs, "rewind" + std::to_string(round), db, posts);
        const Run rewound = rewind.finish(300s);
        INFO("rewind stdout: " << rewound.out << "\nstderr: " << rewound.err);
        REQUIRE(rewound.status == 0);
        for (const auto& part : web_parts) fs::create_symlink(corpus / part, posts / "en-us" / part);
        committed = record_committed(db, searcher);
        REQUIRE(committed.posts == subset_posts);
        std::printf("crash: web/ taken out again in %.1f s\n", rewound.seconds);
      }
    }

    // The server answers from the last commit right after the kill.
    TestClient client(port);
    const Response health = client.get("/healthz");
    CHECK(health.result() == bhttp::status::ok);
    CHECK(nlohmann::json::parse(health.body())["posts"] == committed.posts);
    const Response search =
        client.get("/api/search?q=" + postsearch::testing::url_encode(committed.queries[0]) + "&partial=0");
    REQUIRE(search.result() == bhttp::status::ok);
    CHECK(body_json(search) == committed.answers[0]);
  }

  // The next run completes the work.
  IndexerRun complete(logs, "complete", db, posts);
  const Run done = complete.finish(400s);
  std::printf("crash: the completing run took %.1f s: %s", done.seconds, done.out.c_str());
  {
    INFO("stdout: " << done.out << "\nstderr: " << done.err);
    REQUIRE(done.status == 0);
    const auto summary = parse_summary(done.out);
    REQUIRE(summary.has_value());
    CHECK(summary->posts == total_posts);
    CHECK(summary->added + summary->unchanged == total_posts);
    CHECK(summary->changed == 0);
    CHECK(summary->removed == 0);
  }
  auto check_complete = [&] {
    {
      Xapian::Database readonly(db.string());
      CHECK(readonly.get_doccount() == total_posts);
    }
    check_clean_with_cards(db, searcher, committed);
    // Posts of web/, whose runs were killed, are there (slugs from their front matter).
    for (const char* relative : {postsearch::testing::kSanitizerBuild
                                     ? "web/css/reference/properties/grid-area/index.md"
                                     : "web/api/ui_events/keyboard_event_key_values/index.md",
                                 "web/index.md"}) {
      const std::string text = postsearch::testing::read_text_file(corpus / relative);
      static const std::regex slug_line(R"(\nslug: *([^\n]+)\n)");
      std::smatch s;
      REQUIRE(std::regex_search(text, s, slug_line));
      INFO("slug " << s[1].str());
      CHECK(searcher.find_post(s[1].str()).has_value());
    }
    const Response health = TestClient(port).get("/healthz");
    CHECK(health.result() == bhttp::status::ok);
    CHECK(nlohmann::json::parse(health.body())["posts"] == total_posts);
  };
  check_complete();

  // And a run after it has nothing left to do.
  IndexerRun again(logs, "again", db, posts);
  const Run nothing = again.finish(120s);
  {
    INFO("stdout: " << nothing.out << "\nstderr: " << nothing.err);
    CHECK(nothing.status == 0);
    const auto summary = parse_summary(nothing.out);
    REQUIRE(summary.has_value());
    CHECK(summary->posts == total_posts);
    CHECK(summary->added == 0);
    CHECK(summary->changed == 0);
    CHECK(summary->removed == 0);
  }
  // What killed runs left behind (a generation being built, a half-compacted one) stays
  // until the next --full.
  const std::string leftovers = listing(db);
  std::printf("crash: index directory after the completing run: %s\n", leftovers.c_str());

  // Two indexers at once: a --full run (long whatever the state), and a second one started
  // while it works, which is refused at once; the first finishes fine and, publishing its
  // generation, removes what killed runs left behind.
  IndexerRun full(logs, "full", db, posts, true);
  std::this_thread::sleep_for(1500ms);
  const bool full_exited_early = full.child().poll().has_value();
  IndexerRun second(logs, "second", db, posts);
  const Run refused = second.finish(120s);
  {
    INFO("second indexer stdout: " << refused.out << "\nstderr: " << refused.err);
    CHECK_FALSE(full_exited_early);
    CHECK(refused.status == 2);
    CHECK(refused.err.find("another postsearch-index") != std::string::npos);
    CHECK(refused.seconds < 10);
    CHECK_FALSE(full.child().poll().has_value());  // the first is not disturbed
  }
  const Run rebuilt = full.finish(400s);
  std::printf("crash: the second indexer was refused in %.2f s; the --full run took %.1f s: %s",
              refused.seconds, rebuilt.seconds, rebuilt.out.c_str());
  {
    INFO("stdout: " << rebuilt.out << "\nstderr: " << rebuilt.err);
    REQUIRE(rebuilt.status == 0);
    const auto summary = parse_summary(rebuilt.out);
    REQUIRE(summary.has_value());
    CHECK(summary->posts == total_posts);
  }
  check_complete();
  {
    const auto generation = live_generation(db);
    REQUIRE(generation.has_value());
    int generations = 0;
    bool building = false;
    for (const auto& entry : fs::directory_iterator(db)) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("gen-", 0) == 0) ++generations;
      building = building || name.find(".build") != std::string::npos;
    }
    INFO("index directory: " << listing(db));
    CHECK_FALSE(building);
    CHECK(generations <= 2);  // the live one and the one it replaced
  }

  poller.stop();
  INFO("first /healthz failure: " << poller.first_failure());
  CHECK(poller.failures() == 0);
  CHECK(poller.answers() > 100);
  const auto stopped = server.kill_and_wait(SIGTERM, 10s);
  CHECK(stopped == 0);
  std::printf("crash: %d /healthz answers during the kills, %d failed; whole test %.1f s (seed %u)\n",
              poller.answers(), poller.failures(), seconds_since(test_start), seed);
}
