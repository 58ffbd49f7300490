// The relevance set (tests/relevance/judgments.tsv) and the two figures we rank by: MRR and
// nDCG@10. Library-free (standard library only): the benchmark (bench/relevance_bench.cpp)
// and the floor test (tests/test_relevance.cpp) supply the search, this module the rest.
//
// judgments.tsv: a header line `collection<TAB>kind<TAB>query<TAB>judgments`, then one judged
// query a line. `judgments` is `slug=grade,slug=grade,...` with grade 2 (answers the query)
// or 1 (relevant); a post not listed has grade 0. Blank lines and lines starting with '#'
// are ignored; a trailing '\r' is dropped.
//
// Metrics, per query, over the ranking the reader sees (the first page, 10 slugs):
// - reciprocal rank: 1 / rank of the first post with grade >= 1, 0 when none is on the page.
//   Grade 1 counts as a hit for MRR: a relevant post is a useful first click. (nDCG is what
//   tells a grade-2 post first from a grade-1 post first.)
// - nDCG@10: DCG@10 / ideal DCG@10, DCG@10 = sum over ranks r = 1..10 of
//   (2^grade(r) - 1) / log2(r + 1); the ideal ranking is the judged posts sorted by grade,
//   best first. A slug repeated in a ranking counts at its first rank only.
// Aggregates are plain means over the queries (overall, per collection, per kind).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch::relevance {

inline constexpr std::size_t kCutoff = 10;  // the first page

struct JudgedQuery {
  std::string collection;          // "data", "go-blog"
  std::string kind;                // "topic", "phrase", "identifier", "typo", "prefix", "title"
  std::string query;
  std::map<std::string, int> grades;  // slug -> 1 or 2; every other slug is 0
  std::size_t line = 0;               // 1-based line in the file
};

// A line of the judgments file that cannot be read. what() is "source:line: reason".
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& source, std::size_t line, const std::string& reason);
  std::size_t line() const { return line_; }
  const std::string& reason() const { return reason_; }

 private:
  std::size_t line_;
  std::string reason_;
};

// Parses the whole file's text. `source` names it in errors. Throws ParseError for: a
// missing or wrong header, a line without exactly 4 tab-separated fields, an empty
// collection, kind or query, an entry without '=', an empty slug, a grade other than 1 or 2,
// a slug judged twice on one line, a line with no judgments.
std::vector<JudgedQuery> parse_judgments(std::string_view text,
                                         const std::string& source = "judgments.tsv");

// Reads and parses a file. Throws std::runtime_error when it cannot be read, ParseError
// (naming the file) when it is malformed.
std::vector<JudgedQuery> load_judgments(const std::filesystem::path& file);

// The grade of `slug` (0 when not judged).
int grade_of(const std::map<std::string, int>& grades, const std::string& slug);

// 1 / rank of the first slug in `ranking` with grade >= 1 among its first kCutoff, else 0.
double reciprocal_rank(const std::vector<std::string>& ranking,
                       const std::map<std::string, int>& grades);

// Discounted cumulative gain of grades listed best rank first, over the first `k` of them.
double dcg(const std::vector<int>& grades_in_rank_order, std::size_t k = kCutoff);

// nDCG@10 of `ranking` against `grades` (0 when nothing is judged relevant).
double ndcg(const std::vector<std::string>& ranking, const std::map<std::string, int>& grades,
            std::size_t k = kCutoff);

struct QueryResult {
  const JudgedQuery* judged = nullptr;
  std::vector<std::string> ranking;  // the slugs the search returned, best first
  double reciprocal_rank = 0;
  double ndcg = 0;
};

// Scores one ranking.
QueryResult score(const JudgedQuery& judged, std::vector<std::string> ranking);

// Runs every query through `search` (returns the first page of slugs) and scores it.
std::vector<QueryResult> evaluate(
    const std::vector<JudgedQuery>& queries,
    const std::function<std::vector<std::string>(const JudgedQuery&)>& search);

struct Aggregate {
  std::size_t queries = 0;
  double mrr = 0;
  double ndcg = 0;
};

struct Summary {
  Aggregate overall;
  std::map<std::string, Aggregate> by_collection;
  std::map<std::string, Aggregate> by_kind;
};

Summary summarise(const std::vector<QueryResult>& results);

// The benchmark's report: a Markdown table of MRR and nDCG@10 overall, per collection and
// per kind, then the queries with nDCG@10 below `weak_below` and their top 3 slugs.
std::string markdown_report(const std::vector<QueryResult>& results, double weak_below = 0.5);

}  // namespace postsearch::relevance
