#include "common/searcher.h"

#include <sys/stat.h>

#include <algorithm>
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
// Counts tags and years over every match. Counting is the costly part of a search on a
// large index (each match's values are read), so it stops at the search's deadline and says
// so: the counts are then those of the matches seen so far.
class FacetSpy : public Xapian::MatchSpy {
 public:
  explicit FacetSpy(std::optional<Clock::time_point> deadline = std::nullopt)
      : deadline_(deadline) {}

  void operator()(const Xapian::Document& doc, double) override {
    if (!complete) return;
    if (deadline_ && ++seen_ % kClockEvery == 0 && Clock::now() >= *deadline_) {
      complete = false;
      return;
    }
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
  bool complete = true;  // every match was counted

 private:
  static constexpr std::size_t kClockEvery = 64;
  std::optional<Clock::time_point> deadline_;
  std::size_t seen_ = 0;
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

// Related posts are found through this many of a post's most distinctive words.
constexpr std::size_t kRelatedTerms = 25;
constexpr double kSharedTagWeight = 1.5;
// Ranking boosts (tuned with bench/relevance_bench over tests/relevance/judgments.tsv).
constexpr double kProximityBoost = 0.3;
// BM25 with the textbook k1 and b (Xapian's defaults are k1=1, b=0.5): measured best.
const Xapian::BM25Weight kRanking(1.2, 0, 1, 0.75, 0.5);
constexpr std::size_t kMaxProximityWords = 6;

// Field names, operators, quotes or wildcards: the user wrote query syntax, so the words are
// not simply a phrase to look for together.
bool has_operators(const std::string& query) {
  for (const char* op : {" AND ", " OR ", " NOT ", "\"", ":", "*", "(", "+", " -"}) {
    if (query.find(op) != std::string::npos) return true;
  }
  return query.rfind("-", 0) == 0 || query.rfind("NOT ", 0) == 0;
}
// Completions of a word typed after others are chosen among this many of the most used.
constexpr std::size_t kContextCandidates = 40;

// Accepts the stemmed content words of a post (Z + letters), not stop words, field terms
// or numbers: what "a post like this one" is about.
class ContentWordDecider : public Xapian::ExpandDecider {
 public:
  explicit ContentWordDecider(const Xapian::Database& db) : db_(db) {}
  bool operator()(const std::string& term) const override {
    if (term.size() < 4 || term[0] != 'Z') return false;
    // A word no other post uses cannot lead to one.
    if (db_.get_termfreq(term) < 2) return false;
    const std::string word = term.substr(1);
    for (const char* stop : kStopWords) {
      if (word == stop) return false;
    }
    return text::all_letters(word) && std::islower(static_cast<unsigned char>(word[0]));
  }

 private:
  const Xapian::Database& db_;
};

// The `kRelatedTerms` stemmed content words that best say what document `docid` is about,
// with their tf-idf weights, best first.
std::vector<std::pair<double, std::string>> topic_words(const Xapian::Database& db,
                                                        Xapian::docid docid) {
  const ContentWordDecider content(db);
  const double docs = db.get_doccount();
  std::vector<std::pair<double, std::string>> scored;
  for (auto t = db.termlist_begin(docid); t != db.termlist_end(docid); ++t) {
    const std::string term = *t;
    if (!content(term)) continue;
    const double idf = std::log(docs / t.get_termfreq());
    if (idf <= 0) continue;
    scored.emplace_back(std::log1p(t.get_wdf()) * idf, term);
  }
  const std::size_t keep = std::min<std::size_t>(kRelatedTerms, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  scored.resize(keep);
  return scored;
}

// Indexed words that complete `prefix`, most used (by how many posts) first.
std::vector<std::pair<std::string, Xapian::doccount>> words_starting_with(
    const Xapian::Database& db, const std::string& prefix, std::size_t limit) {
  // Scanning is bounded: a one-letter prefix on a big archive has thousands of words.
  constexpr std::size_t kMaxScanned = 5000;
  std::vector<std::pair<std::string, Xapian::doccount>> found;
  std::size_t scanned = 0;
  for (auto it = db.allterms_begin(prefix); it != db.allterms_end(prefix) && scanned < kMaxScanned;
       ++it, ++scanned) {
    const std::string term = *it;
    // Skip forms a reader would not type: "go's", very long tokens.
    if (term.size() > prefix.size() + 30 || term.find('\'') != std::string::npos) continue;
    found.emplace_back(term, it.get_termfreq());
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (found.size() > limit) found.resize(limit);
  return found;
}

// The commit the database handle is at. get_revision() wants exactly one glass/chert shard
// (our stub names one); anything else falls back to what the index records of its last update.
std::string revision_of(const Xapian::Database& db) {
  try {
    return std::to_string(db.get_revision());
  } catch (const Xapian::InvalidOperationError&) {
    return std::to_string(db.get_doccount()) + "-" + std::to_string(db.get_lastdocid()) + "-" +
           db.get_metadata("postsearch:updated");
  }
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
  Impl(std::filesystem::path path, SearcherOptions options)
      : path_(std::move(path)), options_(options), stemmer_("english") {
    for (const char* word : kStopWords) stopper_.add(word);
    parser_.set_stemmer(stemmer_);
    parser_.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    parser_.set_max_expansion(kMaxWildcardTerms, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                              Xapian::QueryParser::FLAG_WILDCARD |
                                  Xapian::QueryParser::FLAG_PARTIAL);
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
      } catch (const Xapian::DatabaseNotFoundError&) {
        open_ = false;
        throw IndexUnavailable("the search index is not available (run postsearch-index first)");
      } catch (const Xapian::DatabaseOpeningError& e) {
        // Unreadable, a damaged stub or version file, a stub naming a missing generation.
        open_ = false;
        throw IndexUnavailable("the search index cannot be opened: " + e.get_msg());
      } catch (const Xapian::DatabaseError& e) {
        open_ = false;
        if (attempt >= 1) throw IndexUnavailable("cannot read the index: " + e.get_msg());
      } catch (const Xapian::DocNotFoundError& e) {
        // A document the index's own lists name is missing: damaged (or, once, a race).
        open_ = false;
        if (attempt >= 1) throw IndexUnavailable("cannot read the index: " + e.get_msg());
      } catch (const Xapian::SerialisationError& e) {
        // Damaged bytes where Xapian expected an encoded value: the index, not the request.
        open_ = false;
        throw IndexUnavailable("cannot read the index: " + e.get_msg());
      } catch (const nlohmann::json::exception&) {
        // Every JSON parsed here is a document's stored card: a damaged index.
        open_ = false;
        throw IndexUnavailable("cannot read the index: a stored document is damaged");
      }
    }
  }

  SearchResponse search(const SearchRequest& request) {
    validate(request, options_.limits);
    const auto start = Clock::now();
    start_budget(start);
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

  SuggestResponse suggest(const std::string& query, int limit) {
    if (limit < 1 || limit > kMaxSuggestions) {
      throw BadRequest("bad_parameter",
                       "parameter 'limit' must be between 1 and " + std::to_string(kMaxSuggestions));
    }
    SearchRequest titles;
    titles.query = query;
    titles.per_page = limit;
    titles.facets = false;
    titles.snippets = false;
    validate(titles, options_.limits);
    start_budget(Clock::now());
    return with_database([&](Xapian::Database& db) {
      SuggestResponse response;
      response.query = query;
      response.suggestions = completions(db, query, static_cast<std::size_t>(limit));
      if (!text::trim(query).empty()) {
        for (Card& card : run_search(db, titles).hits) response.titles.push_back(std::move(card));
      }
      return response;
    });
  }

  // Completions of the query's last word, each as the whole query with that word completed
  // (so a search box can put one straight into its input). With words before it, the
  // completions that most often go with those words come first: "event lo" -> "event loop".
  std::vector<std::string> completions(const Xapian::Database& db, const std::string& query,
                                       std::size_t limit) {
    const std::string word = last_word(query);
    std::vector<std::string> out;
    if (word.empty()) return out;
    const std::string head = query.substr(0, query.size() - word.size());
    const std::string prefix = text::fold_case(word);
    // Unprefixed terms start with a lower-case letter or digit (or a non-ASCII letter).
    const auto first = static_cast<unsigned char>(prefix[0]);
    if (first < 0x80 && !std::islower(first) && !std::isdigit(first)) return out;
    auto candidates = words_starting_with(db, prefix, text::trim(head).empty() ? limit : kContextCandidates);
    if (!text::trim(head).empty()) {
      // Rank by how many posts have the previous word right before the completion (a
      // phrase), then by how many have all the words anywhere.
      const Xapian::Query context = parse(head, false, Xapian::Query::OP_AND);
      const std::string previous = text::fold_case(last_word(text::trim(head)));
      struct Scored {
        Xapian::doccount adjacent, together;
        std::size_t rank;
      };
      std::vector<Scored> scored;
      auto count = [&](const Xapian::Query& q) {
        Xapian::Enquire enquire(db);
        enquire.set_query(q);
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        // Exact counts: estimates of phrase matches are far off.
        return enquire.get_mset(0, 0, db.get_doccount()).get_matches_estimated();
      };
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        const Xapian::Query candidate(candidates[i].first);
        const Xapian::doccount together = count(Xapian::Query(Xapian::Query::OP_AND, context, candidate));
        if (together == 0) continue;
        Xapian::doccount adjacent = 0;
        if (!previous.empty()) {
          const Xapian::Query pair[] = {Xapian::Query(previous), candidate};
          adjacent = count(Xapian::Query(Xapian::Query::OP_PHRASE, pair, pair + 2, 2));
        }
        scored.push_back({adjacent, together, i});
      }
      std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
        return a.adjacent != b.adjacent ? a.adjacent > b.adjacent : a.together > b.together;
      });
      std::vector<std::pair<std::string, Xapian::doccount>> ranked;
      for (const Scored& sc : scored) {
        if (ranked.size() < limit) ranked.push_back(candidates[sc.rank]);
      }
      candidates = std::move(ranked);
    }
    for (const auto& [term, freq] : candidates) out.push_back(head + term);
    return out;
  }

  std::optional<RelatedResponse> related(const std::string& slug, int limit) {
    if (limit < 1 || limit > kMaxRelated) {
      throw BadRequest("bad_parameter",
                       "parameter 'limit' must be between 1 and " + std::to_string(kMaxRelated));
    }
    return with_database([&](Xapian::Database& db) -> std::optional<RelatedResponse> {
      const std::string id = unique_term(slug);
      Xapian::PostingIterator it = db.postlist_begin(id);
      if (it == db.postlist_end(id)) return std::nullopt;
      RelatedResponse response;
      response.slug = slug;
      // What the post is about: its content words weighted by tf-idf (how much the post
      // uses a word, and how few posts do). Xapian's own expansion (get_eset) favours words
      // almost no other post uses, which find nothing like it.
      const auto about = topic_words(db, *it);
      if (about.empty()) return response;
      std::vector<Xapian::Query> words;
      for (const auto& [weight, term] : about) {
        words.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(term),
                           weight / about.front().first);
      }
      // Each tag the posts share adds a fixed amount: authors' own grouping of their posts.
      const Xapian::Document doc = db.get_document(*it);
      for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string term = *t;
        if (term.rfind(schema::kTag, 0) != 0 || std::isupper(static_cast<unsigned char>(term[1]))) {
          continue;
        }
        // release(): the query owns the source (Xapian 1.4 does not take a raw pointer's
        // ownership otherwise, and every related() call leaked one per shared tag).
        Xapian::Query shared_tag(
            (new Xapian::FixedWeightPostingSource(kSharedTagWeight))->release());
        words.emplace_back(Xapian::Query::OP_FILTER, shared_tag, Xapian::Query(term));
      }
      Xapian::Query like(Xapian::Query::OP_OR, words.begin(), words.end());
      Xapian::Enquire enquire(db);
      enquire.set_query(Xapian::Query(Xapian::Query::OP_AND_NOT, like, Xapian::Query(id)));
      enquire.set_sort_by_relevance_then_key(&sorter_, false);
      const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
      const double top = mset.get_max_attained();
      for (auto m = mset.begin(); m != mset.end(); ++m) {
        const std::string data = m.get_document().get_data();
        Card card = deserialise_card(decode_document_data(data).card);
        card.score = top > 0 ? std::max(1e-4, std::round(m.get_weight() / top * 1e4) / 1e4) : 1.0;
        response.hits.push_back(std::move(card));
      }
      return response;
    });
  }

  IndexStatus status() {
    return with_database([&](Xapian::Database& db) {
      IndexStatus s;
      s.posts = db.get_doccount();
      s.updated = db.get_metadata("postsearch:updated");
      s.version = db.get_uuid() + ":" + revision_of(db);
      return s;
    });
  }

 private:
  // Picks up the latest commit: reopen() for the live database, a fresh open when a full
  // rebuild swapped another generation in (the index directory's stub file was replaced).
  void refresh() {
    const std::string stub = stub_identity();
    if (!open_ || stub != stub_) {
      db_ = Xapian::Database(path_.string());
      // An empty stub file opens as a database of no shards, which searches fail on with a
      // confusing error: it is a damaged index (only such a database has no UUID).
      if (db_.get_uuid().empty()) {
        open_ = false;
        throw IndexUnavailable("the search index cannot be opened: its stub XAPIANDB names no database");
      }
      stub_ = stub;
      open_ = true;
    } else {
      db_.reopen();
    }
  }

  // Inode, modification and change times of DIR/XAPIANDB (empty without one): the swap
  // renames a new stub over it, which changes them; so does any edit or chmod of the stub,
  // after which the index is opened afresh (and found unreadable, if it is).
  std::string stub_identity() const {
    struct stat st {};
    if (::stat((path_ / "XAPIANDB").c_str(), &st) != 0) return "";
    return std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
           std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ctim.tv_sec) + "." +
           std::to_string(st.st_ctim.tv_nsec);
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
    // Proximity: the words together, in order (a stop word may sit between two of them),
    // rank above the same words scattered through a post.
    std::vector<Xapian::Query> content;
    for (const auto& word : words) {
      if (!stopper_(word)) content.emplace_back(word);
    }
    if (content.size() >= 2 && content.size() <= kMaxProximityWords && !has_operators(query)) {
      const auto window = static_cast<Xapian::termcount>(2 * content.size() - 1);
      out.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                       Xapian::Query(Xapian::Query::OP_PHRASE, content.begin(), content.end(), window),
                       kProximityBoost);
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
    spy = std::make_unique<FacetSpy>(options_.time_limit.count() > 0
                                          ? std::optional<Clock::time_point>(deadline_)
                                          : std::nullopt);
    Xapian::Enquire enquire(db);
    enquire.set_query(with_filters(q, r));
    enquire.set_weighting_scheme(kRanking);
    if (r.sort == SortOrder::kDate || browse) {
      enquire.set_sort_by_key_then_relevance(&sorter_, false);
    } else {
      enquire.set_sort_by_relevance_then_key(&sorter_, false);
    }
    if (r.facets) enquire.add_matchspy(spy.get());
    if (options_.time_limit.count() > 0) {
      const auto left = std::chrono::duration<double>(deadline_ - Clock::now()).count();
      enquire.set_time_limit(std::max(left, 0.001));
    }
    mset = enquire.get_mset(static_cast<Xapian::doccount>((r.page - 1) * r.per_page),
                            static_cast<Xapian::doccount>(r.per_page),
                            r.facets ? db.get_doccount() : 0);
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
        !r.spelling || (found() && mset.get_matches_estimated() >= kSuggestBelow)
            ? std::string()
            : spelling_correction(db, r.query, r.partial);
    auto try_query = [&](const std::string& text, Xapian::Query::op op) {
      if (out_of_time()) return false;
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
    response.facets_exact = spy->complete;

    WordMatcher matcher(used, prefix_words(used_text, r.partial), stemmer_);
    const double top = mset.get_max_attained();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const Xapian::Document doc = it.get_document();
      const std::string data = doc.get_data();
      const DocumentData parts = decode_document_data(data);
      Card card = deserialise_card(parts.card);
      card.score = top > 0 ? std::max(1e-4, std::round(it.get_weight() / top * 1e4) / 1e4) : 1.0;
      if (r.snippets) decorate(card, parts, matcher);
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

  void start_budget(Clock::time_point start) { deadline_ = start + options_.time_limit; }
  bool out_of_time() const {
    return options_.time_limit.count() > 0 && Clock::now() >= deadline_;
  }

  std::filesystem::path path_;
  SearcherOptions options_;
  Clock::time_point deadline_{};  // of the search in progress (start_budget)
  Xapian::Database db_;
  std::string stub_;  // stub_identity() when db_ was opened
  bool open_ = false;
  Xapian::Stem stemmer_;
  Xapian::SimpleStopper stopper_;
  Xapian::QueryParser parser_;
  Xapian::MultiValueKeyMaker sorter_;
};


Searcher::Searcher(std::filesystem::path db_path, SearcherOptions options)
    : impl_(std::make_unique<Impl>(std::move(db_path), options)) {}
Searcher::~Searcher() = default;

SearchResponse Searcher::search(const SearchRequest& request) { return impl_->search(request); }
std::optional<Card> Searcher::find_post(const std::string& slug) { return impl_->find_post(slug); }
IndexStatus Searcher::status() { return impl_->status(); }
SuggestResponse Searcher::suggest(const std::string& query, int limit) {
  return impl_->suggest(query, limit);
}
std::optional<RelatedResponse> Searcher::related(const std::string& slug, int limit) {
  return impl_->related(slug, limit);
}

nlohmann::ordered_json suggest_to_json(const SuggestResponse& r) {
  nlohmann::ordered_json j;
  j["query"] = r.query;
  j["suggestions"] = r.suggestions;
  j["titles"] = nlohmann::ordered_json::array();
  for (const auto& card : r.titles) j["titles"].push_back(card_to_json(card, false));
  return j;
}

nlohmann::ordered_json related_to_json(const RelatedResponse& r) {
  nlohmann::ordered_json j;
  j["slug"] = r.slug;
  j["hits"] = nlohmann::ordered_json::array();
  for (const auto& card : r.hits) j["hits"].push_back(card_to_json(card, true));
  return j;
}

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
  j["facets_exact"] = r.facets_exact;
  j["facets"]["tags"] = nlohmann::ordered_json::object();
  for (const auto& [tag, n] : r.tag_counts) j["facets"]["tags"][tag] = n;
  j["facets"]["years"] = nlohmann::ordered_json::object();
  for (const auto& [year, n] : r.year_counts) j["facets"]["years"][year] = n;
  return j;
}

}  // namespace postsearch
