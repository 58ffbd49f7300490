#include "common/searcher.h"

#include <chrono>
#include <cmath>

#include <xapian.h>

#include "common/dates.h"
#include "common/document_builder.h"
#include "common/errors.h"
#include "common/schema.h"
#include "common/snippet.h"
#include "common/spelling.h"
#include "common/text.h"

namespace postsearch {

namespace {

using Clock = std::chrono::steady_clock;

// English stop words: ignored in unquoted queries (they are still indexed, so a quoted
// phrase "the go blog" matches exactly).
constexpr const char* kStopWords[] = {
    "a",    "about", "an",   "and",  "are",  "as",   "at",    "be",   "but",  "by",
    "for",  "from",  "has",  "have", "how",  "i",    "in",    "is",   "it",   "its",
    "of",   "on",    "or",   "that", "the",  "this", "to",    "was",  "what", "when",
    "where", "which", "who", "why",  "will", "with", "you",   "your", "we",   "our",
};

// `tag:Python` and `year:2019` are exact filters; the value is case-folded here (a boolean
// prefix alone would keep its case).
class FoldedFilterProcessor : public Xapian::FieldProcessor {
 public:
  explicit FoldedFilterProcessor(std::string prefix) : prefix_(std::move(prefix)) {}
  Xapian::Query operator()(const std::string& value) override {
    return Xapian::Query(prefix_ + text::fold_case(value));
  }

 private:
  std::string prefix_;
};

// Counts tags (several per post) and years over every document the match looks at.
class FacetSpy : public Xapian::MatchSpy {
 public:
  void operator()(const Xapian::Document& doc, double) override {
    const std::string tags = doc.get_value(schema::kTags);
    std::size_t start = 0;
    while (start < tags.size()) {
      std::size_t end = tags.find('\x1f', start);
      if (end == std::string::npos) end = tags.size();
      if (end > start) ++tag_counts[tags.substr(start, end - start)];
      start = end + 1;
    }
    const std::string date = doc.get_value(schema::kDate);
    if (date.size() >= 4) ++year_counts[date.substr(0, 4)];
  }
  std::map<std::string, std::size_t> tag_counts;
  std::map<std::string, std::size_t> year_counts;
};

// Words the user is still typing or wrote with a trailing '*': they match as prefixes,
// so the snippet marks the words they expand to.
std::vector<std::string> prefix_words(const std::string& query, bool partial) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&](bool at_end) {
    if (word.empty()) return;
    if (word.back() == '*') {
      word.pop_back();
      if (!word.empty()) out.push_back(word);
    } else if (at_end && partial) {
      out.push_back(word);
    }
    word.clear();
  };
  for (char c : query) {
    if (c == ' ' || c == '\t' || c == '"' || c == '(' || c == ')' || c == ':') {
      flush(false);
    } else {
      word += c;
    }
  }
  flush(true);
  // Strip operator characters from the front of the remaining words.
  for (auto& w : out) {
    while (!w.empty() && (w.front() == '+' || w.front() == '-')) w.erase(w.begin());
  }
  std::erase_if(out, [](const std::string& w) { return w.size() < 2; });
  return out;
}

// The word at the end of the query, if the query ends in one (the word being typed).
std::string last_word(const std::string& query) {
  std::size_t end = query.size();
  std::size_t begin = end;
  while (begin > 0) {
    const auto c = static_cast<unsigned char>(query[begin - 1]);
    if (c < 0x80 && !std::isalnum(c) && c != '_') break;
    --begin;
  }
  return query.substr(begin, end - begin);
}

}  // namespace

class Searcher::Impl {
 public:
  explicit Impl(std::filesystem::path path) : path_(std::move(path)), stemmer_("english") {
    for (const char* word : kStopWords) stopper_.add(word);
    parser_.set_stemmer(stemmer_);
    parser_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser_.add_prefix("title", std::string(schema::kTitle));
    parser_.add_prefix("author", std::string(schema::kAuthor));
    parser_.add_prefix("heading", std::string(schema::kHeading));
    // release(): the parser owns these and deletes them with itself.
    parser_.add_boolean_prefix(
        "tag", (new FoldedFilterProcessor(std::string(schema::kTag)))->release());
    parser_.add_boolean_prefix(
        "year", (new FoldedFilterProcessor(std::string(schema::kYear)))->release());
    parser_.add_rangeprocessor((new Xapian::DateRangeProcessor(schema::kDate))->release());
    sorter_.add_value(schema::kDate, true);   // newest first
    sorter_.add_value(schema::kSlug, false);  // then by slug
  }

  // Runs `fn(db)` on the latest committed revision. A revision that vanishes under the
  // read (the indexer committed twice meanwhile) is retried once on a fresh handle.
  template <typename Fn>
  auto with_database(Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      try {
        refresh();
        return fn(db_);
      } catch (const Xapian::DatabaseModifiedError&) {
        open_ = false;
        if (attempt >= 1) throw IndexUnavailable("the index changed during the search; retry");
      } catch (const Xapian::DatabaseOpeningError& e) {
        open_ = false;
        throw IndexUnavailable("the search index is not available (run postsearch-index first)");
      } catch (const Xapian::DatabaseError& e) {
        open_ = false;
        if (attempt >= 1) throw IndexUnavailable("cannot read the index: " + e.get_msg());
      }
    }
  }

  SearchResponse search(const SearchRequest& request) {
    validate(request);
    const auto start = Clock::now();
    SearchResponse response = with_database([&](Xapian::Database& db) {
      return run_search(db, request);
    });
    response.took_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    response.took_ms = std::round(response.took_ms * 1000.0) / 1000.0;
    return response;
  }

  std::optional<Card> find_post(const std::string& slug) {
    return with_database([&](Xapian::Database& db) -> std::optional<Card> {
      const std::string term = unique_term(slug);
      Xapian::PostingIterator it = db.postlist_begin(term);
      if (it == db.postlist_end(term)) return std::nullopt;
      const std::string data = db.get_document(*it).get_data();
      return deserialise_card(decode_document_data(data).card);
    });
  }

  IndexStatus status() {
    return with_database([&](Xapian::Database& db) {
      IndexStatus s;
      s.posts = db.get_doccount();
      s.updated = db.get_metadata("postsearch:updated");
      return s;
    });
  }

 private:
  void refresh() {
    if (!open_) {
      db_ = Xapian::Database(path_.string());
      open_ = true;
    } else {
      db_.reopen();
    }
  }

  bool has_synonyms(const std::string& word) {
    if (word.empty()) return false;
    const std::string key = text::fold_case(word);
    return db_.synonyms_begin(key) != db_.synonyms_end(key);
  }

  Xapian::Query parse(const std::string& query, bool partial, Xapian::Query::op default_op) {
    unsigned flags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                     Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
                     Xapian::QueryParser::FLAG_PURE_NOT | Xapian::QueryParser::FLAG_AUTO_SYNONYMS;
    // A last word with synonyms ("go", "k8s") is taken as typed in full: expanding it as a
    // prefix would drop its synonyms and match every word that starts with it.
    if (partial && !has_synonyms(last_word(query))) flags |= Xapian::QueryParser::FLAG_PARTIAL;
    parser_.set_default_op(default_op);
    parser_.set_stopper(&stopper_);
    try {
      Xapian::Query q = parser_.parse_query(query, flags);
      if (!q.empty()) return q;
      // Only stop words: search for them after all.
      parser_.set_stopper(nullptr);
      q = parser_.parse_query(query, flags);
      parser_.set_stopper(&stopper_);
      return q;
    } catch (const Xapian::QueryParserError&) {
      // A search box forgives syntax: "python AND" or "NOT" are read as plain words.
      parser_.set_stopper(nullptr);
      unsigned plain = Xapian::QueryParser::FLAG_PHRASE;
      if (partial) plain |= Xapian::QueryParser::FLAG_PARTIAL;
      try {
        Xapian::Query q = parser_.parse_query(query, plain);
        parser_.set_stopper(&stopper_);
        return q;
      } catch (const Xapian::QueryParserError& e) {
        parser_.set_stopper(&stopper_);
        throw BadRequest("bad_query", "cannot understand the query: " + e.get_msg());
      }
    }
  }

  // Boosts for what the words of the query may stand for besides themselves: the exact
  // title of a post, and identifiers written as one word ("wait group" -> WaitGroup).
  std::vector<Xapian::Query> boosts(const Xapian::Database& db, const std::string& query) {
    std::vector<Xapian::Query> out;
    const std::string exact = text::normalise_for_match(query);
    if (exact.empty()) return out;
    out.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                     Xapian::Query(std::string(schema::kExactTitle) + exact), 4.0);
    std::vector<std::string> words;
    std::size_t start = 0;
    while (start < exact.size()) {
      std::size_t space = exact.find(' ', start);
      if (space == std::string::npos) space = exact.size();
      words.push_back(exact.substr(start, space - start));
      start = space + 1;
    }
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      const std::string joined = words[i] + words[i + 1];
      if (db.term_exists(joined)) {
        out.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(joined), 2.0);
      }
    }
    return out;
  }

  // The user's query with its boosts, which rank but never add matches.
  Xapian::Query build_query(const Xapian::Database& db, const std::string& query, bool partial,
                            Xapian::Query::op op) {
    if (text::trim(query).empty()) return Xapian::Query::MatchAll;
    // An old URL of a post (front matter `aliases`) finds exactly that post.
    const std::string trimmed = text::trim(query);
    if (trimmed.find('/') != std::string::npos && trimmed.find(' ') == std::string::npos) {
      const std::string alias = std::string(schema::kAlias) + normalise_alias(trimmed);
      if (db.term_exists(alias)) return Xapian::Query(alias);
    }
    Xapian::Query q = parse(query, partial, op);
    if (q.empty()) return q;
    const std::vector<Xapian::Query> extra = boosts(db, query);
    if (extra.empty()) return q;
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                         Xapian::Query(Xapian::Query::OP_OR, extra.begin(), extra.end()));
  }

  Xapian::Query with_filters(Xapian::Query q, const SearchRequest& r) {
    std::vector<Xapian::Query> filters;
    for (const auto& tag : r.tags) {
      filters.emplace_back(std::string(schema::kTag) + text::fold_case(tag));
    }
    if (!r.since.empty() || !r.until.empty()) {
      // Posts without a date have an empty value and never pass a date filter.
      const std::string lo = r.since.empty() ? "00000000" : dates::to_sortable(r.since);
      const std::string hi = r.until.empty() ? "99999999" : dates::to_sortable(r.until);
      filters.emplace_back(Xapian::Query::OP_VALUE_RANGE, schema::kDate, lo, hi);
    }
    if (filters.empty()) return q;
    Xapian::Query filter(Xapian::Query::OP_AND, filters.begin(), filters.end());
    return Xapian::Query(Xapian::Query::OP_FILTER, q, filter);
  }

  // Runs `query` (words combined with `op`) with the request's filters, sort and page.
  // Returns the Xapian query that was run; the facets are in `spy`.
  Xapian::Query match(Xapian::Database& db, const std::string& query, Xapian::Query::op op,
                      const SearchRequest& r, Xapian::MSet& mset,
                      std::unique_ptr<FacetSpy>& spy) {
    const bool browse = text::trim(query).empty();
    const Xapian::Query q = build_query(db, query, r.partial, op);
    spy = std::make_unique<FacetSpy>();
    Xapian::Enquire enquire(db);
    enquire.set_query(with_filters(q, r));
    if (r.sort == SortOrder::kDate || browse) {
      enquire.set_sort_by_key_then_relevance(&sorter_, false);
    } else {
      enquire.set_sort_by_relevance_then_key(&sorter_, false);
    }
    enquire.add_matchspy(spy.get());
    mset = enquire.get_mset(static_cast<Xapian::doccount>((r.page - 1) * r.per_page),
                            static_cast<Xapian::doccount>(r.per_page), db.get_doccount());
    return q;
  }

  SearchResponse run_search(Xapian::Database& db, const SearchRequest& r) {
    parser_.set_database(db);
    SearchResponse response;
    response.query = r.query;
    response.page = r.page;
    response.per_page = r.per_page;

    // Every word of the query; else every word of its spelling correction; else any word
    // of the query; else any word of the correction. The first that finds something wins.
    Xapian::MSet mset;
    std::unique_ptr<FacetSpy> spy;
    std::string used_text = r.query;
    Xapian::Query used = match(db, r.query, Xapian::Query::OP_AND, r, mset, spy);
    const bool has_words = !text::trim(r.query).empty();
    auto found = [&] { return mset.get_matches_estimated() > 0; };
    const std::string correction =
        found() && mset.get_matches_estimated() >= kSuggestBelow
            ? std::string()
            : spelling_correction(db, r.query, r.partial);
    auto try_query = [&](const std::string& text, Xapian::Query::op op) {
      Xapian::MSet candidate;
      std::unique_ptr<FacetSpy> candidate_spy;
      Xapian::Query q = match(db, text, op, r, candidate, candidate_spy);
      if (candidate.get_matches_estimated() == 0) return false;
      mset = candidate;
      spy = std::move(candidate_spy);
      used = q;
      used_text = text;
      return true;
    };
    if (!found() && has_words) {
      if (!correction.empty() && try_query(correction, Xapian::Query::OP_AND)) {
        response.corrected_query = correction;
      } else if (try_query(r.query, Xapian::Query::OP_OR)) {
        if (!correction.empty()) response.suggestion = correction;
      } else if (!correction.empty() && try_query(correction, Xapian::Query::OP_OR)) {
        response.corrected_query = correction;
      }
    } else if (!correction.empty() && mset.get_matches_estimated() < kSuggestBelow) {
      response.suggestion = correction;
    }

    response.total = mset.get_matches_estimated();
    response.total_is_exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
    response.tag_counts = std::move(spy->tag_counts);
    response.year_counts = std::move(spy->year_counts);

    WordMatcher matcher(used, prefix_words(used_text, r.partial), stemmer_);
    const double top = mset.get_max_attained();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const Xapian::Document doc = it.get_document();
      const std::string data = doc.get_data();
      const DocumentData parts = decode_document_data(data);
      Card card = deserialise_card(parts.card);
      card.score = top > 0 ? std::max(1e-4, std::round(it.get_weight() / top * 1e4) / 1e4) : 1.0;
      decorate(card, parts, matcher);
      response.hits.push_back(std::move(card));
    }
    return response;
  }

  // Adds the snippet and the section it lies in.
  static void decorate(Card& card, const DocumentData& parts, WordMatcher& matcher) {
    Snippet snippet = make_snippet(parts.text, matcher);
    if (!snippet.matched) {
      const std::string summary_html = highlight(card.summary, matcher);
      if (!card.summary.empty()) {
        card.snippet = summary_html;
        return;
      }
    }
    card.snippet = snippet.html;
    const auto sections = nlohmann::json::parse(parts.sections, nullptr, false);
    if (!sections.is_array()) return;
    for (const auto& s : sections) {
      if (s.at(0).get<std::size_t>() > snippet.offset) break;
      card.section = CardSection{s.at(1).get<std::string>(), s.at(2).get<std::string>()};
    }
  }

  // A correction is offered beside results when there are fewer hits than this.
  static constexpr Xapian::doccount kSuggestBelow = 3;

  std::filesystem::path path_;
  Xapian::Database db_;
  bool open_ = false;
  Xapian::Stem stemmer_;
  Xapian::SimpleStopper stopper_;
  Xapian::QueryParser parser_;
  Xapian::MultiValueKeyMaker sorter_;
};


Searcher::Searcher(std::filesystem::path db_path)
    : impl_(std::make_unique<Impl>(std::move(db_path))) {}
Searcher::~Searcher() = default;

SearchResponse Searcher::search(const SearchRequest& request) { return impl_->search(request); }
std::optional<Card> Searcher::find_post(const std::string& slug) { return impl_->find_post(slug); }
IndexStatus Searcher::status() { return impl_->status(); }

nlohmann::ordered_json response_to_json(const SearchResponse& r) {
  nlohmann::ordered_json j;
  j["query"] = r.query;
  j["corrected_query"] = r.corrected_query ? nlohmann::ordered_json(*r.corrected_query)
                                           : nlohmann::ordered_json(nullptr);
  if (r.suggestion) j["suggestion"] = *r.suggestion;
  j["total"] = r.total;
  j["total_is_exact"] = r.total_is_exact;
  j["page"] = r.page;
  j["per_page"] = r.per_page;
  j["took_ms"] = r.took_ms;
  j["hits"] = nlohmann::ordered_json::array();
  for (const auto& card : r.hits) j["hits"].push_back(card_to_json(card, true));
  j["facets"]["tags"] = nlohmann::ordered_json::object();
  for (const auto& [tag, n] : r.tag_counts) j["facets"]["tags"][tag] = n;
  j["facets"]["years"] = nlohmann::ordered_json::object();
  for (const auto& [year, n] : r.year_counts) j["facets"]["years"][year] = n;
  return j;
}

}  // namespace postsearch
