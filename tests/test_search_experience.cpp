// Issue 3's "done when" checks over real blogs (the go-blog corpus, and data/posts where the
// issue names it), through the common Searcher exactly as /api/search calls it (a default
// SearchRequest: partial on, 10 per page). The HTTP layer is tested in server_tests/e2e_tests.
//
// - Typos: one-edit misspellings of each corpus's frequent content words, alone and in
//   two-word queries, are corrected and find what the correct spelling finds (>= 90%).
// - Prefixes: the first 4 letters of a go-blog post's distinctive title word bring the post
//   onto the first page (>= 80%).
// - Facets and filters: tag counts equal what filtering by the tag returns, and the tag and
//   date filters agree with every post's front matter.
//
// The rates are printed with every failure, for whoever tunes the searcher. Do not lower a
// threshold to make a run pass: the thresholds are the issue's.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <xapian.h>

#include "common/post.h"
#include "common/schema.h"
#include "common/searcher.h"
#include "common/text.h"
#include "indexer/index_updater.h"
#include "test_support.h"

namespace fs = std::filesystem;
using namespace postsearch;
using postsearch::testing::TempDir;

namespace {

// ---------------------------------------------------------------------------------------
// A corpus: its posts read the way the indexer reads them, and a fresh index of them.

class Corpus {
 public:
  explicit Corpus(fs::path dir) : dir_(std::move(dir)) {
    REQUIRE(fs::is_directory(dir_));
    IndexOptions options;
    options.posts_dirs = {dir_};
    options.db_path = db_path();
    const IndexReport report = update_index(options);
    REQUIRE(report.skipped.empty());
    REQUIRE(report.conflicts.empty());
    // Every file the indexer takes for a post: .md/.markdown in any case, no dot files.
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(dir_); it != fs::recursive_directory_iterator();
         ++it) {
      if (it->path().filename().string().starts_with(".")) {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file()) continue;
      const std::string ext = text::to_lower_ascii(it->path().extension().string());
      if (ext == ".md" || ext == ".markdown") files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      Post post = read_post(file, file.lexically_relative(dir_).generic_string(), ReadOptions{});
      if (post.is_stub() || post.draft) continue;
      posts_.push_back(std::move(post));
    }
    REQUIRE(posts_.size() == report.posts);
  }

  fs::path db_path() const { return tmp_ / "index"; }
  const std::vector<Post>& posts() const { return posts_; }

 private:
  fs::path dir_;
  TempDir tmp_;
  std::vector<Post> posts_;
};

Corpus& go_blog() {
  static Corpus corpus(postsearch::testing::corpora_dir() / "go-blog");
  return corpus;
}

Corpus& data_posts() {
  static Corpus corpus(postsearch::testing::data_dir() / "posts");
  return corpus;
}

SearchResponse search(Searcher& searcher, const std::string& query) {
  SearchRequest request;  // as /api/search?q=...: partial on, page 1, 10 per page
  request.query = query;
  return searcher.search(request);
}

std::vector<std::string> slugs_of(const SearchResponse& response) {
  std::vector<std::string> out;
  for (const auto& card : response.hits) out.push_back(card.slug);
  return out;
}

std::string join(const std::vector<std::string>& words, std::string_view sep = " ") {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string percent(double rate) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << rate * 100 << "%";
  return out.str();
}

// Function words of 6+ letters (the searcher's own stop list has none that long): they are
// frequent in every text and say nothing about a post's content.
const std::set<std::string> kStopWords = {
    "about",      "above",     "across",    "actually", "after",     "again",    "against",
    "almost",     "already",   "also",      "although", "always",    "among",    "another",
    "anybody",    "anyone",    "anything",  "anyway",   "anywhere",  "around",   "became",
    "because",    "become",    "becomes",   "before",   "behind",    "being",    "below",
    "beside",     "besides",   "between",   "beyond",   "cannot",    "certain",  "certainly",
    "could",      "couldn",    "didn",      "doesn",    "during",    "either",   "enough",
    "especially", "everybody", "everyone",  "everything", "everywhere", "except", "first",
    "further",    "hadn",      "hasn",      "haven",    "herself",   "himself",  "however",
    "indeed",     "instead",   "isn",       "itself",   "likely",    "little",   "mostly",
    "myself",     "namely",    "neither",   "nobody",   "nothing",   "others",   "otherwise",
    "ourselves",  "perhaps",   "quite",     "rather",   "really",    "second",   "several",
    "should",     "shouldn",   "simply",    "since",    "something", "sometimes", "somewhat",
    "somewhere",  "still",     "themselves", "thereby", "therefore", "these",    "those",
    "though",     "through",   "throughout", "together", "toward",   "towards",  "unless",
    "until",      "upon",      "usually",   "various",  "wasn",      "whatever", "whenever",
    "wherever",   "whether",   "which",     "while",    "whoever",   "whole",    "whose",
    "within",     "without",   "wouldn",    "yourself", "yourselves",
};

// Lower-cased runs of ASCII letters.
std::vector<std::string> ascii_words(std::string_view s) {
  std::vector<std::string> out;
  std::string word;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word += static_cast<char>(c | 0x20);
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

bool has_completion(const Xapian::Database& db, const std::string& prefix) {
  return db.allterms_begin(prefix) != db.allterms_end(prefix);
}

// ---------------------------------------------------------------------------------------
// Typos

struct FrequentWords {
  std::vector<std::string> words;                // most frequent first
  std::map<std::string, std::set<std::size_t>> posts_of;  // word -> posts using it
};

// The `n` most frequent (total occurrences, ties alphabetical) alphabetic words of 6+
// letters across the post bodies (`post.body.text`) that are not stop words and that the
// index knows as words.
FrequentWords frequent_words(const Corpus& corpus, const Xapian::Database& db, std::size_t n) {
  std::map<std::string, std::size_t> counts;
  FrequentWords out;
  for (std::size_t i = 0; i < corpus.posts().size(); ++i) {
    for (auto& w : ascii_words(corpus.posts()[i].body.text)) {
      if (w.size() < 6 || kStopWords.count(w)) continue;
      ++counts[w];
      out.posts_of[w].insert(i);
    }
  }
  std::vector<std::pair<std::string, std::size_t>> ranked(counts.begin(), counts.end());
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [word, count] : ranked) {
    if (out.words.size() == n) break;
    if (db.term_exists(word)) out.words.push_back(word);
  }
  return out;
}

// Deterministic everywhere: std::mt19937's sequence is fixed by the standard, and only
// `rng() % n` is used (the standard distributions differ between libraries).
std::uint32_t seed_for(std::string_view word) {
  std::uint32_t h = 2166136261u;  // FNV-1a, so a word's typo does not depend on the list
  for (char c : word) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h ^ 20261126u;
}

// One edit of `word` (ASCII letters): a deletion, substitution, transposition of two
// neighbours or insertion, at a position and with a letter drawn from `rng`, uniformly over
// the whole word (the first letter too). Redrawn until the result is a word no query
// can find as typed: not an indexed word, not the start of one (so it is a typo even as the
// word being typed), and not stemming to an indexed stem.
std::string misspell(const std::string& word, const Xapian::Database& db) {
  std::mt19937 rng(seed_for(word));
  const Xapian::Stem stem("english");
  for (int attempt = 0; attempt < 1000; ++attempt) {
    std::string m = word;
    const std::size_t kind = rng() % 4;
    const char letter = static_cast<char>('a' + rng() % 26);
    switch (kind) {
      case 0:  // deletion
        m.erase(rng() % m.size(), 1);
        break;
      case 1:  // substitution
        m[rng() % m.size()] = letter;
        break;
      case 2: {  // transposition of m[i] and m[i + 1]
        const std::size_t i = rng() % (m.size() - 1);
        std::swap(m[i], m[i + 1]);
        break;
      }
      default:  // insertion before position i (i == size appends)
        m.insert(m.begin() + static_cast<std::ptrdiff_t>(rng() % (m.size() + 1)), letter);
        break;
    }
    if (m == word || db.term_exists(m) || has_completion(db, m) ||
        db.term_exists("Z" + stem(m))) {
      continue;
    }
    return m;
  }
  FAIL("no misspelling of " << word);
  return word;
}

struct TypoCase {
  std::string form;     // "one word", "typo first", "typo last"
  std::string typo;     // the query as typed
  std::string correct;  // the same query spelt right
};

// Fair "holds the posts the correct spelling finds": the response says it was corrected
// (corrected_query set: every typo query here finds nothing as typed), and its first page
// holds at least 80% of the correct query's first page (8 of 10; all of a page of 1 to 4;
// ceil(0.8 * n) in general). Ranks within the page may differ.
struct TypoOutcome {
  bool passed = false;
  std::string detail;
};

TypoOutcome check_typo(Searcher& searcher, const TypoCase& c) {
  const SearchResponse right = search(searcher, c.correct);
  const SearchResponse typo = search(searcher, c.typo);
  const std::vector<std::string> expected = slugs_of(right);
  const std::vector<std::string> got = slugs_of(typo);
  std::size_t held = 0;
  for (const auto& slug : expected) {
    if (std::find(got.begin(), got.end(), slug) != got.end()) ++held;
  }
  const std::size_t need = (expected.size() * 8 + 9) / 10;  // ceil(0.8 n)
  TypoOutcome out;
  out.passed = typo.corrected_query.has_value() && !expected.empty() && held >= need;
  std::ostringstream detail;
  detail << "[" << c.form << "] \"" << c.typo << "\" (for \"" << c.correct << "\"): corrected_query "
         << (typo.corrected_query ? "\"" + *typo.corrected_query + "\"" : std::string("none"));
  if (typo.suggestion) detail << ", suggestion \"" << *typo.suggestion << "\"";
  detail << ", " << typo.total << " hits, first page holds " << held << " of "
         << expected.size() << " (need " << need << ")";
  out.detail = detail.str();
  return out;
}

void check_typos(const std::string& name, const Corpus& corpus) {
  const Xapian::Database db(corpus.db_path().string());
  const FrequentWords frequent = frequent_words(corpus, db, 60);
  REQUIRE(frequent.words.size() == 60);

  std::vector<TypoCase> cases;
  std::vector<std::string> pairs;
  for (const auto& word : frequent.words) {
    const std::string typo = misspell(word, db);
    pairs.push_back(word + "->" + typo);
    cases.push_back({"one word", typo, word});
    // A partner: another frequent word used by at least one post with this one (so the
    // correct two-word query finds posts with both words), drawn by the seeded generator.
    std::vector<std::string> partners;
    const auto& mine = frequent.posts_of.at(word);
    for (const auto& other : frequent.words) {
      if (other == word) continue;
      const auto& theirs = frequent.posts_of.at(other);
      if (std::any_of(mine.begin(), mine.end(), [&](std::size_t p) { return theirs.count(p); })) {
        partners.push_back(other);
      }
    }
    REQUIRE(!partners.empty());
    std::mt19937 rng(seed_for(word) ^ 0x5bd1e995u);
    const std::string& partner = partners[rng() % partners.size()];
    cases.push_back({"typo first", typo + " " + partner, word + " " + partner});
    cases.push_back({"typo last", partner + " " + typo, partner + " " + word});
  }

  Searcher searcher(corpus.db_path());
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_form;  // passed, total
  std::size_t passed = 0;
  std::vector<std::string> failures;
  for (const auto& c : cases) {
    const TypoOutcome outcome = check_typo(searcher, c);
    auto& [form_passed, form_total] = by_form[c.form];
    ++form_total;
    if (outcome.passed) {
      ++passed;
      ++form_passed;
    } else {
      failures.push_back(outcome.detail);
    }
  }
  const double rate = double(passed) / double(cases.size());
  std::cout << name << ": typo queries corrected with the correct first page: " << passed << " of "
            << cases.size() << " (" << percent(rate) << ")";
  for (const auto& [form, counts] : by_form) {
    std::cout << "; " << form << " " << counts.first << "/" << counts.second;
  }
  std::cout << "\n  misspellings: " << join(pairs, ", ") << "\n";
  for (const auto& f : failures) std::cout << "  FAIL " << f << "\n";
  INFO(name << ": " << passed << " of " << cases.size() << " typo queries passed");
  CHECK(rate >= 0.90);
}

// ---------------------------------------------------------------------------------------
// Facets and filters

// Every slug a request finds, page by page.
std::set<std::string> all_slugs(Searcher& searcher, SearchRequest request, std::size_t* total) {
  request.per_page = kMaxPerPage;
  std::set<std::string> out;
  for (request.page = 1;; ++request.page) {
    const SearchResponse r = searcher.search(request);
    if (total != nullptr) *total = r.total;
    for (const auto& card : r.hits) out.insert(card.slug);
    if (r.hits.size() < static_cast<std::size_t>(kMaxPerPage)) break;
  }
  return out;
}

std::string describe_difference(const std::set<std::string>& got,
                                const std::set<std::string>& expected) {
  std::vector<std::string> extra, missing;
  std::set_difference(got.begin(), got.end(), expected.begin(), expected.end(),
                      std::back_inserter(extra));
  std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  return "extra [" + join(extra, ", ") + "] missing [" + join(missing, ", ") + "]";
}

void check_facets_and_filters(const Corpus& corpus) {
  const Xapian::Database db(corpus.db_path().string());
  Searcher searcher(corpus.db_path());

  // What the front matter says.
  std::map<std::string, std::set<std::string>> posts_by_tag;  // folded tag -> slugs
  std::map<std::string, std::set<std::string>> posts_by_year;
  std::set<std::string> dates;
  for (const auto& post : corpus.posts()) {
    for (const auto& tag : post.tags) posts_by_tag[text::fold_case(tag)].insert(post.slug);
    if (!post.date.empty()) {
      posts_by_year[post.date.substr(0, 4)].insert(post.slug);
      dates.insert(post.date);
    }
  }
  REQUIRE(!posts_by_tag.empty());
  REQUIRE(!dates.empty());

  // Every tag in the index.
  std::set<std::string> index_tags;
  const std::string tag_prefix(schema::kTag);
  for (auto it = db.allterms_begin(tag_prefix); it != db.allterms_end(tag_prefix); ++it) {
    index_tags.insert((*it).substr(tag_prefix.size()));
  }

  SearchRequest browse;  // the empty query: every post
  browse.per_page = 1;
  const SearchResponse all = searcher.search(browse);
  CHECK(all.total == corpus.posts().size());
  CHECK(all.total_is_exact);

  std::set<std::string> facet_tags;
  for (const auto& [tag, n] : all.tag_counts) facet_tags.insert(tag);
  CHECK(facet_tags == index_tags);
  std::set<std::string> front_matter_tags;
  for (const auto& [tag, slugs] : posts_by_tag) front_matter_tags.insert(tag);
  CHECK(index_tags == front_matter_tags);

  std::size_t tags_checked = 0;
  for (const auto& tag : index_tags) {
    INFO("tag " << tag);
    SearchRequest filtered;
    filtered.tags = {tag};
    std::size_t total = 0;
    const std::set<std::string> found = all_slugs(searcher, filtered, &total);
    const std::size_t facet = all.tag_counts.count(tag) ? all.tag_counts.at(tag) : 0;
    CHECK(facet == total);
    CHECK(found.size() == total);
    CHECK(facet == db.get_termfreq(tag_prefix + tag));
    const auto& expected = posts_by_tag[tag];
    INFO(describe_difference(found, expected));
    CHECK(found == expected);
    // The filter folds case: the tag in upper case is the same tag.
    SearchRequest shouted;
    std::string upper = tag;
    for (char& ch : upper) ch = (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch;
    shouted.tags = {upper};
    if (upper != tag) CHECK(searcher.search(shouted).total == total);
    ++tags_checked;
  }

  // Years: the facet, and the year as a date range.
  std::set<std::string> facet_years;
  for (const auto& [year, n] : all.year_counts) facet_years.insert(year);
  std::set<std::string> front_matter_years;
  for (const auto& [year, slugs] : posts_by_year) front_matter_years.insert(year);
  CHECK(facet_years == front_matter_years);
  for (const auto& [year, expected] : posts_by_year) {
    INFO("year " << year);
    CHECK(all.year_counts.count(year) == 1);
    if (all.year_counts.count(year)) CHECK(all.year_counts.at(year) == expected.size());
    SearchRequest range;
    range.since = year + "-01-01";
    range.until = year + "-12-31";
    const std::set<std::string> found = all_slugs(searcher, range, nullptr);
    INFO(describe_difference(found, expected));
    CHECK(found == expected);
  }

  // Every post's own date, as a one-day range, finds it and the posts of that day only.
  auto posts_between = [&](const std::string& lo, const std::string& hi) {
    std::set<std::string> out;
    for (const auto& post : corpus.posts()) {
      if (post.date.empty()) continue;
      if ((lo.empty() || post.date >= lo) && (hi.empty() || post.date <= hi)) {
        out.insert(post.slug);
      }
    }
    return out;
  };
  for (const auto& date : dates) {
    INFO("date " << date);
    SearchRequest day;
    day.since = date;
    day.until = date;
    const std::set<std::string> found = all_slugs(searcher, day, nullptr);
    const std::set<std::string> expected = posts_between(date, date);
    INFO(describe_difference(found, expected));
    CHECK(found == expected);
  }

  // Ranges with one end, both ends, and combined with a tag, at seeded dates.
  const std::vector<std::string> date_list(dates.begin(), dates.end());
  std::mt19937 rng(20261126u);
  for (int i = 0; i < 40; ++i) {
    std::string lo = date_list[rng() % date_list.size()];
    std::string hi = date_list[rng() % date_list.size()];
    if (lo > hi) std::swap(lo, hi);
    if (i % 4 == 1) lo.clear();
    if (i % 4 == 2) hi.clear();
    SearchRequest range;
    range.since = lo;
    range.until = hi;
    std::set<std::string> expected = posts_between(lo, hi);
    if (i % 4 == 3) {
      auto tag = posts_by_tag.begin();
      std::advance(tag, static_cast<std::ptrdiff_t>(rng() % posts_by_tag.size()));
      range.tags = {tag->first};
      std::erase_if(expected, [&](const std::string& s) { return !tag->second.count(s); });
    }
    INFO("since " << lo << " until " << hi << " tags " << join(range.tags));
    std::size_t total = 0;
    const std::set<std::string> found = all_slugs(searcher, range, &total);
    INFO(describe_difference(found, expected));
    CHECK(found == expected);
    CHECK(total == expected.size());
  }
  std::cout << tags_checked << " tags, " << posts_by_year.size() << " years, " << dates.size()
            << " dates checked against the front matter of " << corpus.posts().size()
            << " posts\n";
}

}  // namespace

TEST_CASE("typos in the go blog's frequent words are corrected to the right first page",
          "[experience][typo]") {
  check_typos("go-blog", go_blog());
}

TEST_CASE("typos in data/posts' frequent words are corrected to the right first page",
          "[experience][typo]") {
  check_typos("data/posts", data_posts());
}

TEST_CASE("the first 4 letters of a distinctive title word find the post on the first page",
          "[experience][prefix]") {
  const Corpus& corpus = go_blog();
  // Title words, lower-cased, as normalise_for_match splits them.
  auto title_words = [](const Post& post) {
    std::vector<std::string> words;
    std::istringstream in(text::normalise_for_match(post.title));
    for (std::string w; in >> w;) words.push_back(w);
    return words;
  };
  std::map<std::string, std::set<std::string>> titles_with;  // word -> slugs
  for (const auto& post : corpus.posts()) {
    for (const auto& w : title_words(post)) titles_with[w].insert(post.slug);
  }
  // Distinctive: 6+ ASCII letters, not a stop word, in the titles of at most 3 posts.
  auto distinctive = [&](const std::string& w) {
    return w.size() >= 6 && ascii_words(w) == std::vector<std::string>{w} &&
           !kStopWords.count(w) && titles_with[w].size() <= 3;
  };

  Searcher searcher(corpus.db_path());
  std::size_t total = 0, alone_found = 0, context_found = 0;
  std::vector<std::string> alone_misses, context_misses;
  for (const auto& post : corpus.posts()) {
    const std::vector<std::string> words = title_words(post);
    std::set<std::string> done;
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (!distinctive(words[i]) || !done.insert(words[i]).second) continue;
      ++total;
      const std::string prefix = words[i].substr(0, 4);
      // The word being typed, alone: what the issue asks for.
      const std::vector<std::string> alone = slugs_of(search(searcher, prefix));
      const auto at = std::find(alone.begin(), alone.end(), post.slug);
      if (at != alone.end()) {
        ++alone_found;
      } else {
        alone_misses.push_back("\"" + prefix + "\" (" + words[i] + ") for " + post.slug +
                               ", first: " + (alone.empty() ? "none" : alone[0]));
      }
      // With the rest of the title typed before it.
      std::vector<std::string> others;
      for (std::size_t j = 0; j < words.size(); ++j) {
        if (j != i) others.push_back(words[j]);
      }
      others.push_back(prefix);
      const std::string query = join(others);
      const std::vector<std::string> context = slugs_of(search(searcher, query));
      if (std::find(context.begin(), context.end(), post.slug) != context.end()) {
        ++context_found;
      } else {
        context_misses.push_back("\"" + query + "\" for " + post.slug +
                                 ", first: " + (context.empty() ? "none" : context[0]));
      }
    }
  }
  REQUIRE(total >= 100);
  const double alone_rate = double(alone_found) / double(total);
  const double context_rate = double(context_found) / double(total);
  std::cout << "go-blog: distinctive title words " << total << "; first 4 letters alone: post on "
            << "the first page " << alone_found << " (" << percent(alone_rate)
            << "); with the other title words: " << context_found << " ("
            << percent(context_rate) << ")\n";
  for (const auto& m : alone_misses) std::cout << "  MISS alone " << m << "\n";
  for (const auto& m : context_misses) std::cout << "  MISS with title " << m << "\n";
  // The issue: "typing the first 4 letters returns the post in the first page for >= 80%".
  // (The form with the rest of the title is printed for tuning, not asserted.)
  CHECK(alone_rate >= 0.80);
}

TEST_CASE("go blog: facet counts equal the tag filter, filters agree with the front matter",
          "[experience][facets]") {
  check_facets_and_filters(go_blog());
}

TEST_CASE("data/posts: facet counts equal the tag filter, filters agree with the front matter",
          "[experience][facets]") {
  check_facets_and_filters(data_posts());
}
