// Fuzzes a post from its file to the search page: the input is the bytes of one Markdown
// file (front matter + body). Each input is written as posts/zz-fuzz/post.md in a posts
// folder that also holds a copy of data/posts (indexed once, at start), indexed by an
// incremental update_index told that this one file changed (one small commit, as the watch
// mode makes), then searched for with its own words through one Searcher that lives across
// inputs and so picks up a new revision each time.
//
// Findings (fuzz::fail, or an exception other than those listed escaping):
//  - update_index throws (a post must never stop a run: IndexWriteError and
//    std::invalid_argument are for the index and the posts folder, not for a post);
//  - the run skips the post exactly when parse_post rejects the same bytes, with the same
//    line and reason, a line within the file, and a path naming the file; it skips nothing
//    else;
//  - a post that was indexed (parsed, not a draft or stub, won its slug) is found by
//    find_post, related() knows it, and filtering by all of its tags finds at least one post;
//  - every response: at most per_page hits (limit suggestions), SPEC §5 cards
//    (card_checks.h), JSON that serialises as valid UTF-8, no post related to itself;
//  - the rendered results page is valid UTF-8 and holds no more `<script` or attribute values
//    starting `javascript:` than its template.
// BadRequest and IndexUnavailable are the searcher's documented answers and are accepted.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "card_checks.h"
#include "common/errors.h"
#include "common/post.h"
#include "common/searcher.h"
#include "fuzz_support.h"
#include "indexer/index_updater.h"
#include "server/page_renderer.h"
#include "server/search_page.h"

namespace {

using namespace postsearch;
namespace fs = std::filesystem;

constexpr std::string_view kRelativePath = "zz-fuzz/post.md";  // sorts after data/posts
constexpr std::size_t kLongestWords = 4;
constexpr std::size_t kBodyRunBytes = 60;
constexpr std::size_t kAliasQueries = 4;  // a post may have hundreds
// Hits per page: the fuzzed post is what changes from input to input, and each hit costs a
// snippet, the larger part of a search's time.
constexpr int kPerPage = 5;

struct State {
  fs::path root;   // the mkdtemp directory, removed at exit
  fs::path posts;  // root/posts: a copy of data/posts, plus zz-fuzz/post.md
  fs::path file;   // posts/zz-fuzz/post.md
  std::string key;  // how the indexer names `file` in a report (the path, normalised)
  fs::path db;
  fs::file_time_type stamp;  // the next input's mtime: see write_post
  std::unique_ptr<Searcher> searcher;
  std::string_view page_template;
};
State* state = nullptr;

void remove_root() {
  std::error_code ec;
  if (state != nullptr) fs::remove_all(state->root, ec);
}

constexpr std::string_view kRootPrefix = "postsearch-fuzz-post-query-";

// A crash (what a fuzzer is for) skips the removal at exit, and tmpfs is memory: directories
// left by processes that are gone are removed. Each name holds its process id.
void remove_stale_roots(const fs::path& base) {
  std::error_code ec;
  for (fs::directory_iterator it(base, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kRootPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + kRootPrefix.size(), nullptr, 10);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

// A fresh directory on tmpfs when there is one: every input commits, and a commit on disk
// waits for fsync.
fs::path make_root() {
  std::error_code ec;
  const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  remove_stale_roots(base);
  std::string pattern =
      (base / (std::string(kRootPrefix) + std::to_string(getpid()) + "-XXXXXX")).string();
  if (mkdtemp(pattern.data()) == nullptr) fuzz::fail("mkdtemp failed", pattern);
  return pattern;
}

// The indexer does not read a file whose mtime and size are those it recorded, and two
// inputs of one size may be written within one tick of the file system's clock: each input
// gets an mtime of its own.
void write_post(std::string_view bytes) {
  {
    std::ofstream out(state->file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) fuzz::fail("cannot write the post", state->file.string());
  }
  state->stamp += std::chrono::milliseconds(1);
  fs::last_write_time(state->file, state->stamp);
}

IndexReport index_post() {
  IndexOptions options;
  options.posts_dirs = {state->posts};
  options.db_path = state->db;
  options.changed_paths = {state->file};
  options.jobs = 1;
  try {
    return update_index(options);
  } catch (const IndexWriteError& e) {
    fuzz::fail("a post stopped the index run (IndexWriteError)", e.what());
  } catch (const std::invalid_argument& e) {
    fuzz::fail("a post stopped the index run (std::invalid_argument)", e.what());
  }
}

// The run skips the post exactly when parse_post throws, and says where and why.
void check_report(const IndexReport& report, std::string_view bytes, const PostError* error) {
  for (const SkippedPost& skipped : report.skipped) {
    if (skipped.path != state->key) fuzz::fail("another file was skipped", skipped.describe());
    if (skipped.reason.empty()) fuzz::fail("a skipped post without a reason", skipped.describe());
    // Lines are counted after CR and CRLF become LF, so CRs count as line ends too.
    const auto line_ends = std::count(bytes.begin(), bytes.end(), '\n') +
                           std::count(bytes.begin(), bytes.end(), '\r');
    if (skipped.line < 1 || skipped.line > static_cast<std::size_t>(line_ends) + 1) {
      fuzz::fail("a skipped post's line is outside the file", skipped.describe());
    }
  }
  if (error == nullptr && !report.skipped.empty()) {
    fuzz::fail("the indexer skipped a post that parse_post reads", report.skipped[0].describe());
  }
  if (error != nullptr) {
    if (report.skipped.size() != 1) {
      fuzz::fail("parse_post rejects the post but the indexer skipped " +
                     std::to_string(report.skipped.size()) + " posts",
                 error->what());
    }
    if (report.skipped[0].line != error->line() || report.skipped[0].reason != error->what()) {
      fuzz::fail("the indexer and parse_post disagree on why the post is bad",
                 report.skipped[0].describe() + "\nparse_post: " + std::to_string(error->line()) +
                     ": " + error->what());
    }
  }
}

std::string_view utf8_prefix(std::string_view s, std::size_t bytes) {
  if (bytes >= s.size()) return s;
  while (bytes > 0 && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) --bytes;
  return s.substr(0, bytes);
}

// The post's longest distinct words: runs of ASCII letters, digits and '_', and of any
// non-ASCII byte (so an unbroken CJK run is one word), longest first.
std::vector<std::string> longest_words(const Post& post) {
  std::set<std::string> words;
  for (std::string_view s : {std::string_view(post.title), std::string_view(post.body.text)}) {
    std::size_t i = 0;
    while (i < s.size()) {
      const auto in_word = [&](std::size_t k) {
        const auto c = static_cast<unsigned char>(s[k]);
        return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
      };
      if (!in_word(i)) {
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < s.size() && in_word(end)) ++end;
      words.emplace(s.substr(i, end - i));
      i = end;
    }
  }
  std::vector<std::string> sorted(words.begin(), words.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  if (sorted.size() > kLongestWords) sorted.resize(kLongestWords);
  return sorted;
}

// One search, its invariants, and (when `render`) the results page. Returns the response,
// or nullopt when the request was refused.
std::optional<SearchResponse> search(const SearchRequest& request, bool render) {
  try {
    SearchResponse response = state->searcher->search(request);
    if (response.hits.size() > static_cast<std::size_t>(request.per_page)) {
      fuzz::fail("more hits than per_page", request.query);
    }
    fuzz::check_cards(response.hits);
    fuzz::check_utf8("search response JSON", response_to_json(response).dump());
    if (render) {
      const std::string page = render_results_page(state->page_template, request, response);
      fuzz::check_utf8("results page", page);
      // Markup and URLs the post could smuggle in; "javascript:" as text (a snippet, the
      // query echoed) is harmless, as an attribute value it is not.
      for (std::string_view risky : {"<script", "=\"javascript:", "='javascript:", "=javascript:"}) {
        if (fuzz::count_ci(page, risky) != fuzz::count_ci(state->page_template, risky)) {
          fuzz::fail("the results page holds a " + std::string(risky) + " of the post's", request.query);
        }
      }
    }
    return response;
  } catch (const BadRequest&) {
  } catch (const IndexUnavailable&) {
  }
  return std::nullopt;
}

// Each query once per input (the prefixes of two words, or a word and the title, are often
// the same query).
std::set<std::string> queries_done;

void search_both_ways(const std::string& query, bool render = false) {
  if (!queries_done.insert(query).second) return;
  for (bool partial : {false, true}) {
    SearchRequest request;
    request.query = query;
    request.per_page = kPerPage;
    request.partial = partial;
    request.facets = true;
    request.snippets = true;
    search(request, render && !partial);
  }
}

// Queries made of the post's own words, through every call of the Searcher.
void query_post(const Post& post, bool indexed) {
  queries_done.clear();
  const std::vector<std::string> words = longest_words(post);
  for (const std::string& word : words) {
    search_both_ways(word, &word == &words.front());
    for (std::size_t bytes : {3, 4}) {
      const std::string_view prefix = utf8_prefix(word, bytes);
      if (!prefix.empty() && prefix.size() < word.size()) search_both_ways(std::string(prefix));
    }
    search_both_ways(word + "*");
  }
  search_both_ways(std::string(utf8_prefix(post.body.text, kBodyRunBytes)));
  search_both_ways(post.title, words.empty());
  for (std::size_t i = 0; i < post.aliases.size() && i < kAliasQueries; ++i) {
    search_both_ways(post.aliases[i]);
  }

  if (!post.tags.empty()) {
    SearchRequest request;  // browse by the post's tags, as a click on each facet would
    request.per_page = kPerPage;
    request.tags = post.tags;
    const auto response = search(request, true);
    if (indexed && response && response->total == 0) {
      fuzz::fail("filtering by all of an indexed post's tags finds nothing", post.tags.front());
    }
    if (!words.empty()) {
      request.query = words.front();
      search(request, false);
    }
  }

  try {
    if (!words.empty()) {
      const std::string prefix(utf8_prefix(words.front(), 4));
      const SuggestResponse suggestions = state->searcher->suggest(prefix, 5);
      if (suggestions.suggestions.size() > 5 || suggestions.titles.size() > 5) {
        fuzz::fail("more suggestions than the limit", prefix);
      }
      fuzz::check_cards(suggestions.titles);
      fuzz::check_utf8("suggest response JSON", suggest_to_json(suggestions).dump());
    }
  } catch (const BadRequest&) {
  } catch (const IndexUnavailable&) {
  }

  try {
    const std::optional<RelatedResponse> related = state->searcher->related(post.slug, 5);
    if (indexed && !related) fuzz::fail("related() does not know an indexed post", post.slug);
    if (related) {
      for (const Card& card : related->hits) {
        if (card.slug == post.slug) fuzz::fail("a post is related to itself", card.slug);
      }
      fuzz::check_cards(related->hits);
      fuzz::check_utf8("related response JSON", related_to_json(*related).dump());
    }
    const std::optional<Card> card = state->searcher->find_post(post.slug);
    if (indexed && !card) fuzz::fail("find_post does not find an indexed post", post.slug);
    if (card) {
      if (card->slug != post.slug) fuzz::fail("find_post returned another post", card->slug);
      fuzz::check_utf8("card JSON", card_to_json(*card, false).dump());
    }
  } catch (const BadRequest&) {
  } catch (const IndexUnavailable&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  state = new State;  // never freed: lives as long as the process, like the Searcher in it
  state->root = make_root();
  std::atexit(remove_root);
  state->posts = state->root / "posts";
  state->db = state->root / "index";
  state->file = state->posts / kRelativePath;
  state->key = state->file.lexically_normal().string();
  fs::copy(fs::path(POSTSEARCH_DATA_DIR) / "posts", state->posts, fs::copy_options::recursive);
  fs::create_directories(state->file.parent_path());
  state->stamp = fs::file_time_type::clock::now();

  IndexOptions options;
  options.posts_dirs = {state->posts};
  options.db_path = state->db;
  const IndexReport report = update_index(options);
  if (report.posts == 0 || !report.skipped.empty()) {
    fuzz::fail("cannot build the fuzzing index from " POSTSEARCH_DATA_DIR "/posts", report.summary());
  }
  state->searcher = std::make_unique<Searcher>(state->db);
  const EmbeddedAsset* page = find_embedded_asset("/");
  if (page == nullptr) fuzz::fail("no embedded search page");
  state->page_template = page->body;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  write_post(bytes);
  const IndexReport report = index_post();

  const ReadOptions read;  // what index_post's IndexOptions reads with
  std::optional<Post> post;
  std::optional<PostError> error;
  try {
    post = parse_post(bytes, kRelativePath, read);
  } catch (const PostError& e) {
    error = e;
  }
  check_report(report, bytes, error ? &*error : nullptr);
  if (!post) return 0;

  const bool lost_slug = std::any_of(report.conflicts.begin(), report.conflicts.end(),
                                     [](const SlugConflict& c) { return c.loser == state->key; });
  const bool indexed = !post->draft && !post->is_stub() && !lost_slug;
  query_post(*post, indexed);
  return 0;
}
