// A property of the whole service over every real corpus the tests have (issue 13): for every
// post, its longest words and their 3- and 4-letter prefixes, searched and completed through
// the real server as a search box sends them, never get a 5xx and never end a worker. Long
// words (hashes, base64, minified code, unbroken CJK runs) are what once crashed the server.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <xapian.h>

#include "child_process.h"
#include "common/errors.h"
#include "common/post.h"
#include "corpus_support.h"
#include "indexer/index_updater.h"
#include "server_process.h"
#include "server_test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using namespace std::chrono_literals;
using postsearch::testing::ServerProcess;
using postsearch::testing::TempDir;
using postsearch::testing::TestClient;
using postsearch::testing::url_encode;

namespace {

// Words as Xapian's term generator and the snippet scan see them: runs of characters
// Xapian::Unicode::is_wordchar accepts (letters, digits, '_'; an unbroken CJK run is one).
std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
    if (Xapian::Unicode::is_wordchar(*it)) {
      Xapian::Unicode::append_utf8(word, *it);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The first `n` characters (code points) of a UTF-8 word.
std::string first_chars(const std::string& word, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t k = 0; k < n && i < word.size(); ++k) {
    ++i;
    while (i < word.size() && (static_cast<unsigned char>(word[i]) & 0xC0) == 0x80) ++i;
  }
  return word.substr(0, i);
}

// The queries a post gives: its two longest words (title, text and code), each whole and cut
// to 3 and 4 characters.
void add_queries(const Post& post, std::set<std::string>& searches, std::set<std::string>& prefixes) {
  std::vector<std::string> words;
  for (const std::string* text : {&post.title, &post.body.text, &post.body.code}) {
    for (auto& w : words_of(*text)) words.push_back(std::move(w));
  }
  std::sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  words.erase(std::unique(words.begin(), words.end()), words.end());
  for (std::size_t i = 0; i < words.size() && i < 2; ++i) {
    searches.insert(words[i]);
    for (std::size_t n : {3u, 4u}) prefixes.insert(first_chars(words[i], n));
  }
}

struct Tally {
  std::map<unsigned, std::size_t> statuses;
  std::vector<std::string> failures;  // the first few requests that got a 5xx or no answer
  void add(unsigned status, const std::string& target) {
    ++statuses[status];
    if ((status >= 500 || status == 0) && failures.size() < 10) {
      failures.push_back(std::to_string(status) + " " + target.substr(0, 300));
    }
  }
};

// Indexes `posts` (every `sample`-th post's queries are asked), starts the server over it and
// asks every query; checks no 5xx, no dropped connection, and a live server at the end.
void check_corpus(const std::string& name, const fs::path& posts, std::size_t sample) {
  TempDir dir;
  IndexOptions options;
  options.posts_dirs = {posts};
  options.db_path = dir / "index";
  const IndexReport report = update_index(options);
  REQUIRE(report.posts > 0);

  std::set<std::string> searches, prefixes;
  std::size_t seen = 0;
  for (const auto& entry : fs::recursive_directory_iterator(posts)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".md") continue;
    if (seen++ % sample != 0) continue;
    try {
      add_queries(read_post(entry.path(), entry.path().lexically_relative(posts).generic_string(),
                            ReadOptions{}),
                  searches, prefixes);
    } catch (const PostError&) {  // skipped by the indexer too (and reported there)
    }
  }

  ServerProcess server({"--listen", "127.0.0.1:0", "--db", options.db_path.string(), "--quiet",
                        "--threads", "2"});
  const std::uint16_t port = server.port();
  Tally tally;
  std::optional<TestClient> client;
  auto ask = [&](const std::string& target) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      try {
        if (!client) client.emplace(port, 10s);
        const auto res = client->get(target);
        tally.add(res.result_int(), target);
        if (!res.keep_alive()) client.reset();
        return;
      } catch (const std::exception&) {
        client.reset();  // closed by the server (an error response): one new connection
      }
    }
    tally.add(0, target);
  };
  const auto start = std::chrono::steady_clock::now();
  for (const auto& q : searches) ask("/api/search?q=" + url_encode(q) + "&per_page=10");
  for (const auto& q : prefixes) {
    ask("/api/search?q=" + url_encode(q) + "&per_page=10");
    ask("/api/suggest?q=" + url_encode(q));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string statuses;
  std::size_t asked = 0;
  for (const auto& [status, n] : tally.statuses) {
    statuses += " " + std::to_string(status) + ": " + std::to_string(n);
    asked += n;
  }
  INFO(name << ": " << report.posts << " posts, " << searches.size() << " words and "
            << prefixes.size() << " prefixes, " << asked << " requests in " << seconds
            << " s; statuses" << statuses);
  for (const auto& failure : tally.failures) UNSCOPED_INFO("failed: " << failure);
  CHECK(tally.failures.empty());
  CHECK(tally.statuses[200] > asked / 2);
  // Alive, and the same process: a crashed server would have been restarted by nobody.
  TestClient check(port, 10s);
  CHECK(check.get("/healthz").result_int() == 200);
  CHECK(::kill(server.pid(), 0) == 0);
  const auto status = server.signal_and_wait(SIGTERM, 15s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  // Figures for the log (ctest --output-on-failure shows them only on failure; -s always).
  SUCCEED(name << ": " << asked << " requests," << statuses);
}

// A sanitizer build asks every 10th post's queries (it runs several times slower).
constexpr std::size_t kSample = postsearch::testing::kSanitizerBuild ? 10 : 1;

}  // namespace

TEST_CASE("property: the bundled posts' longest words and prefixes never fail", "[corpus][property]") {
  check_corpus("data/posts", postsearch::testing::data_dir() / "posts", 1);
}

TEST_CASE("property: the Go blog's longest words and prefixes never fail", "[corpus][property]") {
  check_corpus("go-blog", postsearch::testing::corpus_dir("go-blog"), kSample);
}

TEST_CASE("property: the Rust blog's longest words and prefixes never fail", "[corpus][property]") {
  check_corpus("rust-blog", postsearch::testing::corpus_dir("rust-blog"), kSample);
}

TEST_CASE("property: React docs in four languages, longest words and prefixes never fail",
          "[corpus][property]") {
  check_corpus("react-dev-i18n", postsearch::testing::corpus_dir("react-dev-i18n"), kSample);
}

TEST_CASE("property: MDN's longest words and prefixes never fail", "[corpus][property]") {
  // A sanitizer build takes one section of MDN (its index alone would take minutes there).
  const fs::path mdn = postsearch::testing::mdn_corpus();
  check_corpus("mdn", postsearch::testing::kSanitizerBuild ? mdn / "glossary" : mdn, kSample);
}

TEST_CASE("property: hostile posts (the post+query fuzz seeds) never fail", "[corpus][property]") {
  // Posts real sites do contain, at their extremes: a checksum list and a base64 blob in code,
  // an unbroken CJK run, minified code, long tags, aliases and titles, and broken front matter
  // (skipped by the indexer with its line).
  check_corpus("fuzz seeds", postsearch::testing::source_dir() / "tests" / "fuzz" / "seeds" / "postquery", 1);
}
