#include "relevance.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace postsearch::relevance {

namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

void add(Aggregate& a, const QueryResult& r) {
  ++a.queries;
  a.mrr += r.reciprocal_rank;
  a.ndcg += r.ndcg;
}

void finish(Aggregate& a) {
  if (a.queries == 0) return;
  a.mrr /= static_cast<double>(a.queries);
  a.ndcg /= static_cast<double>(a.queries);
}

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

ParseError::ParseError(const std::string& source, std::size_t line, const std::string& reason)
    : std::runtime_error(source + ":" + std::to_string(line) + ": " + reason),
      line_(line),
      reason_(reason) {}

std::vector<JudgedQuery> parse_judgments(std::string_view text, const std::string& source) {
  std::vector<JudgedQuery> out;
  bool header_seen = false;
  std::size_t line_no = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty() || line.front() == '#') continue;
    const std::vector<std::string_view> fields = split(line, '\t');
    if (!header_seen) {
      if (fields.size() != 4 || fields[0] != "collection" || fields[1] != "kind" ||
          fields[2] != "query" || fields[3] != "judgments") {
        throw ParseError(source, line_no,
                         "expected the header \"collection<TAB>kind<TAB>query<TAB>judgments\"");
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != 4) {
      throw ParseError(source, line_no,
                       "expected 4 tab-separated fields (collection, kind, query, judgments), "
                       "found " + std::to_string(fields.size()));
    }
    JudgedQuery q;
    q.line = line_no;
    q.collection = std::string(trim(fields[0]));
    q.kind = std::string(trim(fields[1]));
    q.query = std::string(trim(fields[2]));
    if (q.collection.empty()) throw ParseError(source, line_no, "empty collection");
    if (q.kind.empty()) throw ParseError(source, line_no, "empty kind");
    if (q.query.empty()) throw ParseError(source, line_no, "empty query");
    for (std::string_view entry : split(fields[3], ',')) {
      entry = trim(entry);
      if (entry.empty()) continue;  // tolerate "a=2,,b=1" and a trailing comma
      const std::size_t eq = entry.rfind('=');
      if (eq == std::string_view::npos) {
        throw ParseError(source, line_no,
                         "judgment \"" + std::string(entry) + "\" is not slug=grade");
      }
      const std::string slug(trim(entry.substr(0, eq)));
      const std::string_view grade_text = trim(entry.substr(eq + 1));
      if (slug.empty()) {
        throw ParseError(source, line_no, "judgment \"" + std::string(entry) + "\" has no slug");
      }
      int grade = -1;
      const auto [ptr, ec] =
          std::from_chars(grade_text.data(), grade_text.data() + grade_text.size(), grade);
      if (ec != std::errc() || ptr != grade_text.data() + grade_text.size() ||
          (grade != 1 && grade != 2)) {
        throw ParseError(source, line_no,
                         "grade of \"" + slug + "\" must be 1 or 2, not \"" +
                             std::string(grade_text) + "\"");
      }
      if (!q.grades.emplace(slug, grade).second) {
        throw ParseError(source, line_no, "\"" + slug + "\" is judged twice");
      }
    }
    if (q.grades.empty()) throw ParseError(source, line_no, "no judgments");
    out.push_back(std::move(q));
  }
  if (!header_seen) throw ParseError(source, line_no == 0 ? 1 : line_no, "no header line");
  return out;
}

std::vector<JudgedQuery> load_judgments(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot read the judgments file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_judgments(text.str(), file.string());
}

int grade_of(const std::map<std::string, int>& grades, const std::string& slug) {
  const auto it = grades.find(slug);
  return it == grades.end() ? 0 : it->second;
}

double reciprocal_rank(const std::vector<std::string>& ranking,
                       const std::map<std::string, int>& grades) {
  const std::size_t n = std::min(ranking.size(), kCutoff);
  for (std::size_t i = 0; i < n; ++i) {
    if (grade_of(grades, ranking[i]) >= 1) return 1.0 / static_cast<double>(i + 1);
  }
  return 0.0;
}

double dcg(const std::vector<int>& grades_in_rank_order, std::size_t k) {
  double sum = 0;
  const std::size_t n = std::min(grades_in_rank_order.size(), k);
  for (std::size_t i = 0; i < n; ++i) {
    const double gain = std::exp2(grades_in_rank_order[i]) - 1.0;
    sum += gain / std::log2(static_cast<double>(i + 2));  // rank i + 1: log2(rank + 1)
  }
  return sum;
}

double ndcg(const std::vector<std::string>& ranking, const std::map<std::string, int>& grades,
            std::size_t k) {
  std::vector<int> ideal;
  for (const auto& [slug, grade] : grades) ideal.push_back(grade);
  std::sort(ideal.begin(), ideal.end(), std::greater<>());
  const double best = dcg(ideal, k);
  if (best <= 0) return 0.0;
  std::vector<int> actual;
  std::set<std::string> seen;
  for (const auto& slug : ranking) {
    actual.push_back(seen.insert(slug).second ? grade_of(grades, slug) : 0);
  }
  return dcg(actual, k) / best;
}

QueryResult score(const JudgedQuery& judged, std::vector<std::string> ranking) {
  QueryResult r;
  r.judged = &judged;
  r.reciprocal_rank = reciprocal_rank(ranking, judged.grades);
  r.ndcg = ndcg(ranking, judged.grades);
  r.ranking = std::move(ranking);
  return r;
}

std::vector<QueryResult> evaluate(
    const std::vector<JudgedQuery>& queries,
    const std::function<std::vector<std::string>(const JudgedQuery&)>& search) {
  std::vector<QueryResult> out;
  out.reserve(queries.size());
  for (const auto& q : queries) out.push_back(score(q, search(q)));
  return out;
}

Summary summarise(const std::vector<QueryResult>& results) {
  Summary s;
  for (const auto& r : results) {
    add(s.overall, r);
    add(s.by_collection[r.judged->collection], r);
    add(s.by_kind[r.judged->kind], r);
  }
  finish(s.overall);
  for (auto& [name, a] : s.by_collection) finish(a);
  for (auto& [name, a] : s.by_kind) finish(a);
  return s;
}

std::string markdown_report(const std::vector<QueryResult>& results, double weak_below) {
  const Summary s = summarise(results);
  std::string out;
  out += "| set | queries | MRR | nDCG@10 |\n|---|---:|---:|---:|\n";
  auto row = [&](const std::string& name, const Aggregate& a) {
    out += "| " + name + " | " + std::to_string(a.queries) + " | " + fixed(a.mrr) + " | " +
           fixed(a.ndcg) + " |\n";
  };
  row("**all**", s.overall);
  for (const auto& [name, a] : s.by_collection) row("collection `" + name + "`", a);
  for (const auto& [name, a] : s.by_kind) row("kind `" + name + "`", a);

  std::vector<const QueryResult*> weak;
  for (const auto& r : results) {
    if (r.ndcg < weak_below) weak.push_back(&r);
  }
  out += "\nQueries with nDCG@10 < " + fixed(weak_below) + ": " + std::to_string(weak.size()) +
         " of " + std::to_string(results.size()) + "\n";
  if (weak.empty()) return out;
  out += "\n| collection | kind | query | nDCG@10 | RR | top 3 (grade) | best judged |\n"
         "|---|---|---|---:|---:|---|---|\n";
  for (const QueryResult* r : weak) {
    std::string top;
    for (std::size_t i = 0; i < std::min<std::size_t>(3, r->ranking.size()); ++i) {
      if (i) top += ", ";
      top += r->ranking[i] + " (" + std::to_string(grade_of(r->judged->grades, r->ranking[i])) +
             ")";
    }
    if (top.empty()) top = "(no hits)";
    std::string best;
    const int top_grade = std::max_element(r->judged->grades.begin(), r->judged->grades.end(),
                                           [](const auto& a, const auto& b) {
                                             return a.second < b.second;
                                           })->second;
    for (const auto& [slug, grade] : r->judged->grades) {
      if (grade == top_grade) best += (best.empty() ? "" : ", ") + slug;
    }
    out += "| " + r->judged->collection + " | " + r->judged->kind + " | `" +
           escape_cell(r->judged->query) + "` | " + fixed(r->ndcg) + " | " +
           fixed(r->reciprocal_rank) + " | " + escape_cell(top) + " | " + escape_cell(best) +
           " |\n";
  }
  return out;
}

}  // namespace postsearch::relevance
