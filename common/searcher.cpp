#include "common/searcher.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include <xapian.h>

#include "common/dates.h"
#include "common/document_builder.h"
#include "common/errors.h"
#include "common/schema.h"
#include "common/snippet.h"
#include "common/hit_cache.h"
#include "common/index_terms.h"
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

// `tag:Python` and `year:2019` are exact filters, built as the indexer builds them
// (common/index_terms.h: case-folded, and bounded in length).
class FilterTermProcessor : public Xapian::FieldProcessor {
 public:
  using Encoder = std::string (*)(std::string_view);
  explicit FilterTermProcessor(Encoder encode) : encode_(encode) {}
  Xapian::Query operator()(const std::string& value) override { return Xapian::Query(encode_(value)); }

 private:
  Encoder encode_;
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

// Facet counting. Local databases use FacetSpy (it keeps to the time budget). xapian-tcpsrv
// can only run match spies Xapian registers, so with a remote shard every shard counts the
// distinct values of the tag-set slot and the date slot with Xapian's ValueCountMatchSpy
// (remotely, merged into these objects by get_mset), and the counts are split here: each
// distinct tag set adds its count to each of its tags, each date to its year. Both give the
// same counts; the remote way cannot stop at the deadline (its spy runs in xapian-tcpsrv),
// so its counts are exact unless the match itself was cut short.
struct Facets {
  std::unique_ptr<FacetSpy> local;
  std::unique_ptr<Xapian::ValueCountMatchSpy> tag_sets;
  std::unique_ptr<Xapian::ValueCountMatchSpy> dates;

  Facets() = default;
  Facets(bool remote, std::optional<Clock::time_point> deadline) {
    if (remote) {
      tag_sets = std::make_unique<Xapian::ValueCountMatchSpy>(schema::kTags);
      dates = std::make_unique<Xapian::ValueCountMatchSpy>(schema::kDate);
    } else {
      local = std::make_unique<FacetSpy>(deadline);
    }
  }

  void attach(Xapian::Enquire& enquire) {
    if (local) {
      enquire.add_matchspy(local.get());
    } else {
      enquire.add_matchspy(tag_sets.get());
      enquire.add_matchspy(dates.get());
    }
  }

  // Moves the counts into `response`; `counted` says whether they were asked for.
  void collect(const Xapian::MSet& mset, bool counted, SearchResponse& response) {
    if (local) {
      response.tag_counts = std::move(local->tag_counts);
      response.year_counts = std::move(local->year_counts);
      response.facets_exact = local->complete;
      return;
    }
    response.tag_counts.clear();
    response.year_counts.clear();
    response.facets_exact =
        !counted || mset.get_matches_lower_bound() == mset.get_matches_upper_bound();
    if (!counted) return;
    for (auto v = tag_sets->values_begin(); v != tag_sets->values_end(); ++v) {
      const std::string tags = *v;
      const auto n = static_cast<std::size_t>(v.get_termfreq());
      std::size_t start = 0;
      while (start < tags.size()) {
        std::size_t end = tags.find('\x1f', start);
        if (end == std::string::npos) end = tags.size();
        if (end > start) response.tag_counts[tags.substr(start, end - start)] += n;
        start = end + 1;
      }
    }
    for (auto v = dates->values_begin(); v != dates->values_end(); ++v) {
      const std::string date = *v;
      if (date.size() >= 4) response.year_counts[date.substr(0, 4)] += static_cast<std::size_t>(v.get_termfreq());
    }
  }
};

// Inode, modification and change times of a file (empty without one): renaming a new file
// over it changes them, and so does any edit or chmod.
std::string file_identity(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ctim.tv_sec) + "." +
         std::to_string(st.st_ctim.tv_nsec);
}

// --- Wildcards over several databases ---
// Xapian 1.4 expands a wildcard (`conc*`, and the search-as-you-type last word) inside each
// database of a multi-database on its own: the expanded terms' statistics, and the pick of
// the most frequent kMaxWildcardTerms, are per shard, so the same query ranks differently
// over shards than over one database of the same posts. Over several databases the searcher
// therefore expands each wildcard itself, over the whole set (allterms of a multi-database
// merges the shards and sums their frequencies), into plain terms whose statistics Xapian
// gathers from every shard like any other term's. The public API cannot rebuild a query
// node (no accessor for a phrase window or a weight factor), but a node's serialisation is
// its header followed by its subqueries' serialisations: the rewritten subqueries are
// spliced in after the header and the whole is unserialised again. A node whose form does
// not match is left as it is.

// Xapian's encode_length (1.4): one byte below 255, else 0xff and 7-bit groups.
bool decode_length(const std::string& s, std::size_t& pos, std::size_t& out) {
  if (pos >= s.size()) return false;
  const auto first = static_cast<unsigned char>(s[pos++]);
  if (first != 0xff) {
    out = first;
    return true;
  }
  std::size_t value = 0;
  unsigned shift = 0;
  while (pos < s.size() && shift < 56) {
    const auto b = static_cast<unsigned char>(s[pos++]);
    value |= static_cast<std::size_t>(b & 0x7f) << shift;
    shift += 7;
    if (b & 0x80) {
      out = value + 255;
      return true;
    }
  }
  return false;
}

// A term no document has: what an empty expansion becomes (it keeps the node's arity).
constexpr const char* kNoSuchTerm = "\x01postsearch:no-such-term";

// The terms an OP_WILDCARD query stands for over `db`: every indexed term with its pattern as
// prefix, or, beyond its limit, the most frequent (then alphabetical). nullopt if `q`'s
// serialised form is not the one understood here.
std::optional<std::vector<std::string>> wildcard_terms(const Xapian::Database& db,
                                                       const Xapian::Query& q) {
  const std::string s = q.serialise();
  std::size_t pos = 1, max = 0, length = 0;
  if (s.empty() || s[0] != '\x0b' || !decode_length(s, pos, max) || pos + 2 > s.size()) {
    return std::nullopt;
  }
  const auto max_type = static_cast<unsigned char>(s[pos]);
  pos += 2;  // max_type, combiner
  if (!decode_length(s, pos, length) || pos + length != s.size()) return std::nullopt;
  const std::string pattern = s.substr(pos);
  std::vector<std::pair<std::string, Xapian::doccount>> found;
  for (auto t = db.allterms_begin(pattern); t != db.allterms_end(pattern); ++t) {
    found.emplace_back(*t, t.get_termfreq());
  }
  if (max != 0 && found.size() > max) {
    if (max_type != Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT) return std::nullopt;
    std::stable_sort(found.begin(), found.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    found.resize(max);
    std::sort(found.begin(), found.end());
  }
  std::vector<std::string> terms;
  for (auto& [term, freq] : found) terms.push_back(std::move(term));
  return terms;
}

Xapian::Query synonym_of(const std::vector<std::string>& terms) {
  if (terms.empty()) return Xapian::Query(kNoSuchTerm);
  std::vector<Xapian::Query> leaves(terms.begin(), terms.end());
  return Xapian::Query(Xapian::Query::OP_SYNONYM, leaves.begin(), leaves.end());
}

// `q` with every wildcard expanded over `db`; nullopt when nothing changed.
std::optional<Xapian::Query> expand_wildcards_in(const Xapian::Database& db, const Xapian::Query& q) {
  const Xapian::Query::op type = q.get_type();
  if (type == Xapian::Query::OP_WILDCARD) {
    const auto terms = wildcard_terms(db, q);
    if (!terms) return std::nullopt;
    return synonym_of(*terms);
  }
  const std::size_t n = q.get_num_subqueries();
  if (n == 0) return std::nullopt;
  std::vector<Xapian::Query> children;
  std::vector<std::optional<Xapian::Query>> rewritten;
  bool changed = false;
  for (std::size_t i = 0; i < n; ++i) {
    children.push_back(q.get_subquery(i));
    rewritten.push_back(expand_wildcards_in(db, children.back()));
    changed = changed || rewritten.back().has_value();
  }
  if (!changed) return std::nullopt;
  if (type == Xapian::Query::OP_SYNONYM) {
    // A synonym of a wildcard is a synonym of its terms (so that Xapian sees distinct terms,
    // as it does for a wildcard, and weighs the synonym the same way).
    std::vector<Xapian::Query> leaves;
    for (std::size_t i = 0; i < n; ++i) {
      if (children[i].get_type() == Xapian::Query::OP_WILDCARD) {
        const auto terms = wildcard_terms(db, children[i]);
        if (!terms) return std::nullopt;
        for (const auto& term : *terms) leaves.emplace_back(term);
        if (terms->empty()) leaves.emplace_back(kNoSuchTerm);
      } else {
        leaves.push_back(rewritten[i] ? *rewritten[i] : children[i]);
      }
    }
    return Xapian::Query(Xapian::Query::OP_SYNONYM, leaves.begin(), leaves.end());
  }
  const std::string whole = q.serialise();
  std::string tail;
  for (const auto& child : children) tail += child.serialise();
  if (whole.size() < tail.size() || whole.compare(whole.size() - tail.size(), tail.size(), tail) != 0) {
    return std::nullopt;
  }
  std::string spliced = whole.substr(0, whole.size() - tail.size());
  for (std::size_t i = 0; i < n; ++i) spliced += (rewritten[i] ? *rewritten[i] : children[i]).serialise();
  return Xapian::Query::unserialise(spliced);
}

Xapian::Query expand_wildcards(const Xapian::Database& db, const Xapian::Query& q) {
  auto expanded = expand_wildcards_in(db, q);
  return expanded ? *expanded : q;
}

// --- Ordering with remote shards ---
// xapian-tcpsrv cannot run a KeyMaker ("not supported for the remote backend"), so the
// searcher's order (relevance or date, then newest first, then slug) cannot be asked of
// Xapian there. Xapian sorts by the first criterion alone (relevance, or the date slot) and
// the rest is sorted here: enough hits are fetched that the group of equal first keys at the
// page's end is complete, then they are sorted by the whole order and the page cut out.
// That is the order a KeyMaker gives, because the whole order refines the first criterion.
struct RankedHit {
  Xapian::Document doc;
  // In the database searched, several combined: Document::get_docid() would give the id
  // within its own shard, which two posts of two shards can share.
  Xapian::docid docid = 0;
  double weight = 0;
  std::string date;
  std::string slug;
};

std::vector<RankedHit> ranked(const Xapian::MSet& mset) {
  std::vector<RankedHit> out;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    out.push_back({it.get_document(), *it, it.get_weight(), {}, {}});
  }
  return out;
}

// `enquire` must already sort by relevance alone (by_date false) or by the date slot,
// descending, then relevance (by_date true), and have no match spy. `top` is its get_mset(0,
// first + count) (the caller's, with its counts).
std::vector<RankedHit> remote_page(Xapian::Enquire& enquire, Xapian::MSet top, Xapian::doccount first,
                                   Xapian::doccount count, bool by_date) {
  const Xapian::doccount want = first + count;
  auto primary_equal = [&](const Xapian::MSet& m, Xapian::doccount a, Xapian::doccount b) {
    auto ia = m[a], ib = m[b];
    if (by_date) return ia.get_document().get_value(schema::kDate) == ib.get_document().get_value(schema::kDate);
    return ia.get_weight() == ib.get_weight();
  };
  Xapian::MSet m = std::move(top);
  Xapian::doccount asked = want;
  while (m.size() == asked && m.size() >= want && want > 0 && primary_equal(m, want - 1, m.size() - 1)) {
    asked *= 2;
    m = enquire.get_mset(0, asked);
  }
  m.fetch();
  std::vector<RankedHit> hits = ranked(m);
  for (auto& h : hits) {
    h.date = h.doc.get_value(schema::kDate);
    h.slug = h.doc.get_value(schema::kSlug);
  }
  std::stable_sort(hits.begin(), hits.end(), [&](const RankedHit& a, const RankedHit& b) {
    if (!by_date && a.weight != b.weight) return a.weight > b.weight;
    if (a.date != b.date) return a.date > b.date;
    return a.slug < b.slug;
  });
  if (hits.size() > want) hits.resize(want);
  hits.erase(hits.begin(), hits.begin() + std::min<std::ptrdiff_t>(first, static_cast<std::ptrdiff_t>(hits.size())));
  return hits;
}

IndexSet single_index(std::filesystem::path path) {
  IndexSet set;
  IndexSource source;
  source.spec = path.string();
  source.path = std::move(path);
  set.sources.push_back(std::move(source));
  return set;
}

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
// Completions of a word typed after others are chosen among this many of the most used,
// ranked by how many posts have them with the words before, counted up to kMaxContextCount.
constexpr std::size_t kContextCandidates = 40;
constexpr Xapian::doccount kMaxContextCount = 1000;

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
  } catch (const Xapian::UnimplementedError&) {  // a remote shard
  }
  return std::to_string(db.get_doccount()) + "-" + std::to_string(db.get_lastdocid()) + "-" +
         db.get_metadata("postsearch:updated");
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
  Impl(IndexSet indexes, SearcherOptions options)
      : indexes_(std::move(indexes)), options_(options), hits_(options.hit_cache_bytes),
        stemmer_("english") {
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
    parser_.add_boolean_prefix("tag", (new FilterTermProcessor(&terms::tag))->release());
    parser_.add_boolean_prefix("year", (new FilterTermProcessor(&terms::year))->release());
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
      } catch (const Xapian::NetworkError& e) {
        // A remote shard went away, timed out or restarted: one retry on a new connection.
        open_ = false;
        if (attempt >= 1) throw IndexUnavailable("a remote shard cannot be reached: " + e.get_msg());
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
      const std::string term = terms::unique_id(slug);
      Xapian::PostingIterator it = db.postlist_begin(term);
      if (it == db.postlist_end(term)) return std::nullopt;
      const std::string data = db.get_document(*it).get_data();
      return deserialise_card(decode_document_card(data));
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
        enquire.set_query(parts_.size() > 1 ? expand_wildcards(db, q) : q);
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        // Counted, not estimated (estimates of phrase matches are far off), up to a cap:
        // past it, "very many" ranks as well as the exact figure and costs no more.
        return enquire.get_mset(0, 0, std::min(db.get_doccount(), kMaxContextCount))
            .get_matches_lower_bound();
      };
      // Within the request's time budget, like a search: the candidates not scored when it
      // runs out follow the scored ones in order of use.
      std::size_t looked_at = 0;  // candidates scored (or found with no post in common)
      for (std::size_t i = 0; i < candidates.size() && !out_of_time(); looked_at = ++i) {
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
      for (std::size_t i = looked_at; i < candidates.size() && ranked.size() < limit; ++i) {
        ranked.push_back(candidates[i]);
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
      const std::string id = terms::unique_id(slug);
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
      std::vector<RankedHit> hits;
      double top = 0;
      if (remote_) {
        enquire.set_sort_by_relevance();  // see remote_page
        const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        top = mset.get_max_attained();
        hits = remote_page(enquire, mset, 0, static_cast<Xapian::doccount>(limit), false);
      } else {
        enquire.set_sort_by_relevance_then_key(&sorter_, false);
        const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
        top = mset.get_max_attained();
        hits = ranked(mset);
      }
      for (const RankedHit& hit : hits) {
        const std::string data = hit.doc.get_data();
        Card card = deserialise_card(decode_document_card(data));
        card.score = top > 0 ? std::max(1e-4, std::round(hit.weight / top * 1e4) / 1e4) : 1.0;
        response.hits.push_back(std::move(card));
      }
      return response;
    });
  }

  IndexStatus status() {
    return with_database([&](Xapian::Database& db) {
      IndexStatus s;
      s.posts = db.get_doccount();
      if (parts_.size() == 1) {
        s.updated = db.get_metadata("postsearch:updated");
        s.version = db.get_uuid() + ":" + revision_of(db);
        return s;
      }
      // Several parts: the newest update, and every part's commit (any commit changes it).
      for (const Part& part : parts_) {
        s.updated = std::max(s.updated, part.db.get_metadata("postsearch:updated"));
        if (!s.version.empty()) s.version += ",";
        s.version += part.db.get_uuid() + ":" + revision_of(part.db);
      }
      return s;
    });
  }

 private:
  // One database of the set as opened: a local index directory (or shard of a sharded one)
  // or a remote shard.
  struct Part {
    std::string label;  // the directory or tcp://host:port, for messages
    bool remote = false;
    Xapian::Database db;
  };

  // What the local sources look like on disk now: the databases to open, in order, the
  // dictionary, and an identity that changes whenever any stub (DIR/XAPIANDB, each shard's,
  // the dictionary's) or SHARDS file is replaced or edited.
  struct Layout {
    std::vector<std::pair<const IndexSource*, std::filesystem::path>> parts;  // path empty: remote
    std::filesystem::path dictionary;
    std::string identity;
  };

  Layout layout() {
    Layout out;
    for (const IndexSource& source : indexes_.sources) {
      if (source.remote) {
        out.parts.emplace_back(&source, std::filesystem::path());
        out.identity += "R;";
        continue;
      }
      out.identity += file_identity(source.path / "XAPIANDB") + "|";
      const std::vector<std::filesystem::path>& shards = shards_of(source.path, out.identity);
      out.identity += ";";
      if (shards.empty()) {
        out.parts.emplace_back(&source, source.path);
        continue;
      }
      for (const auto& shard : shards) {
        out.parts.emplace_back(&source, shard);
        out.identity += file_identity(shard / "XAPIANDB") + ";";
      }
      const std::filesystem::path dictionary = source.path / kDictionaryDir;
      if (indexes_.dictionary.empty() && out.dictionary.empty() &&
          !file_identity(dictionary / "XAPIANDB").empty()) {
        out.dictionary = dictionary;
      }
    }
    if (!indexes_.dictionary.empty()) {
      // A sharded index directory given as --dict stands for its dictionary.
      out.dictionary = file_identity(indexes_.dictionary / kShardsFile).empty()
                           ? indexes_.dictionary
                           : indexes_.dictionary / kDictionaryDir;
    }
    if (!out.dictionary.empty()) out.identity += "D" + file_identity(out.dictionary / "XAPIANDB");
    return out;
  }

  // The shards listed in DIR/SHARDS (none without one), read again only when the file changed.
  // Appends the file's identity to `identity`.
  const std::vector<std::filesystem::path>& shards_of(const std::filesystem::path& dir,
                                                      std::string& identity) {
    const std::string id = file_identity(dir / kShardsFile);
    identity += id;
    auto& cached = shards_cache_[dir.string()];
    if (id.empty()) {
      cached = {};
      return cached.second;
    }
    if (cached.first != id) {
      try {
        cached.second = read_shards(dir);
      } catch (const std::invalid_argument& e) {
        cached = {};
        open_ = false;
        throw IndexUnavailable(std::string("the sharded index cannot be opened: ") + e.what());
      }
      cached.first = id;
    }
    return cached.second;
  }

  // Picks up the latest commit: reopen() for the live databases (local and remote), a fresh
  // open of the whole set when a full rebuild swapped another generation in (a stub file was
  // replaced) or a SHARDS file changed.
  void refresh() {
    Layout now = layout();
    if (!open_ || now.identity != identity_) {
      std::vector<Part> parts;
      bool remote = false;
      for (const auto& [source, path] : now.parts) {
        Part part;
        if (source->remote) {
          part.label = source->spec;
          part.remote = remote = true;
          part.db = Xapian::Remote::open(source->host, source->port,
                                         static_cast<unsigned>(options_.remote_timeout.count()),
                                         static_cast<unsigned>(options_.remote_connect_timeout.count()));
        } else {
          part.label = path.string();
          part.db = Xapian::Database(path.string());
          // An empty stub file opens as a database of no shards, which searches fail on with a
          // confusing error: it is a damaged index (only such a database has no UUID).
          if (part.db.get_uuid().empty()) {
            open_ = false;
            throw IndexUnavailable(
                "the search index cannot be opened: its stub XAPIANDB names no database" +
                (now.parts.size() > 1 ? " (" + path.string() + ")" : std::string()));
          }
        }
        parts.push_back(std::move(part));
      }
      Xapian::Database combined;
      if (parts.size() == 1) {
        combined = parts.front().db;
      } else {
        for (const Part& part : parts) combined.add_database(part.db);
      }
      Xapian::Database dictionary = combined;
      if (!now.dictionary.empty()) dictionary = Xapian::Database(now.dictionary.string());
      parts_ = std::move(parts);
      db_ = combined;
      dictionary_ = dictionary;
      own_dictionary_ = !now.dictionary.empty();
      remote_ = remote;
      identity_ = std::move(now.identity);
      open_ = true;
    } else {
      if (db_.reopen()) hits_.clear();  // a new revision: a document id may name another post
      if (own_dictionary_) dictionary_.reopen();
      return;
    }
    hits_.clear();  // opened anew
  }

  bool has_synonyms(const std::string& word) {
    if (word.empty()) return false;
    const std::string key = text::fold_case(word);
    return dictionary_.synonyms_begin(key) != dictionary_.synonyms_end(key);
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
    out.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(terms::exact_title(query)), 4.0);
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
    // Not Xapian::Query::MatchAll: copying that one static object from several server threads
    // races on its (non-atomic) reference count, which corrupted queries and crashed a server
    // under the live load test (Xapian's query.h says so). An equal query of our own instead.
    if (text::trim(query).empty()) return Xapian::Query(std::string());
    // An old URL of a post (front matter `aliases`) finds exactly that post.
    const std::string trimmed = text::trim(query);
    if (trimmed.find('/') != std::string::npos && trimmed.find(' ') == std::string::npos) {
      const std::string alias = terms::alias(trimmed);
      if (!alias.empty() && db.term_exists(alias)) return Xapian::Query(alias);
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
      filters.emplace_back(terms::tag(tag));
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
  // Returns the Xapian query that was run; the facets are in `facets`, the page in `hits`.
  Xapian::Query match(Xapian::Database& db, const std::string& query, Xapian::Query::op op,
                      const SearchRequest& r, Xapian::MSet& mset, Facets& facets,
                      std::vector<RankedHit>& hits) {
    const bool browse = text::trim(query).empty();
    const Xapian::Query q = build_query(db, query, r.partial, op);
    facets = Facets(remote_, options_.time_limit.count() > 0
                                 ? std::optional<Clock::time_point>(deadline_)
                                 : std::nullopt);
    Xapian::Enquire enquire(db);
    // Over several databases, wildcards are expanded over all of them (see expand_wildcards);
    // the query as parsed is what the snippets highlight.
    enquire.set_query(with_filters(parts_.size() > 1 ? expand_wildcards(db, q) : q, r));
    enquire.set_weighting_scheme(kRanking);
    const bool by_date = r.sort == SortOrder::kDate || browse;
    if (remote_) {
      enquire.set_sort_by_relevance();  // see remote_page, and below
    } else if (by_date) {
      enquire.set_sort_by_key_then_relevance(&sorter_, false);
    } else {
      enquire.set_sort_by_relevance_then_key(&sorter_, false);
    }
    if (r.facets) facets.attach(enquire);
    // No Enquire::set_time_limit: Xapian 1.4's TimeOut arms a SIGEV_THREAD timer whose
    // notification thread may still write its `expired` flag after timer_delete() and the
    // end of get_mset(). (A CI crash in Query code was first blamed on it; it recurred without
    // it and was the MatchAll race fixed in build_query.) The budget is ours: the facet spy
    // stops counting at the deadline, and no fallback pass starts after it.
    const auto first = static_cast<Xapian::doccount>((r.page - 1) * r.per_page);
    const auto count = static_cast<Xapian::doccount>(r.per_page);
    if (remote_) {
      // The counting pass sorts by relevance: remote match spies sorted by a value count some
      // documents twice (seen with xapian-tcpsrv 1.4.22). The date order is a second pass.
      mset = enquire.get_mset(0, by_date ? 1 : first + count, r.facets ? db.get_doccount() : 0);
      enquire.clear_matchspies();  // fetching more must not count again
      Xapian::MSet top = mset;
      if (by_date) {
        enquire.set_sort_by_value_then_relevance(schema::kDate, true);
        top = enquire.get_mset(0, first + count);
      }
      hits = remote_page(enquire, top, first, count, by_date);
    } else {
      mset = enquire.get_mset(first, count, r.facets ? db.get_doccount() : 0);
      hits = ranked(mset);
    }
    return q;
  }

  SearchResponse run_search(Xapian::Database& db, const SearchRequest& r) {
    parser_.set_database(dictionary_);
    SearchResponse response;
    response.query = r.query;
    response.page = r.page;
    response.per_page = r.per_page;

    // Every word of the query; else every word of its spelling correction; else any word
    // of the query; else any word of the correction. The first that finds something wins.
    Xapian::MSet mset;
    Facets facets;
    std::vector<RankedHit> hits;
    std::string used_text = r.query;
    Xapian::Query used = match(db, r.query, Xapian::Query::OP_AND, r, mset, facets, hits);
    const bool has_words = !text::trim(r.query).empty();
    auto found = [&] { return mset.get_matches_estimated() > 0; };
    const std::string correction =
        !r.spelling || (found() && mset.get_matches_estimated() >= kSuggestBelow)
            ? std::string()
            : spelling_correction(db, dictionary_, r.query, r.partial);
    auto try_query = [&](const std::string& text, Xapian::Query::op op) {
      if (out_of_time()) return false;
      Xapian::MSet candidate;
      Facets candidate_facets;
      std::vector<RankedHit> candidate_hits;
      Xapian::Query q = match(db, text, op, r, candidate, candidate_facets, candidate_hits);
      if (candidate.get_matches_estimated() == 0) return false;
      mset = candidate;
      facets = std::move(candidate_facets);
      hits = std::move(candidate_hits);
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
    facets.collect(mset, r.facets, response);

    WordMatcher matcher(used, prefix_words(used_text, r.partial), stemmer_);
    const double top = mset.get_max_attained();
    for (const RankedHit& hit : hits) {
      const std::shared_ptr<const CachedHit> shown = shown_post(hit.docid, hit.doc);
      Card card = shown->card;
      card.score = top > 0 ? std::max(1e-4, std::round(hit.weight / top * 1e4) / 1e4) : 1.0;
      if (r.snippets) decorate(card, *shown, matcher);
      response.hits.push_back(std::move(card));
    }
    return response;
  }

  // A hit's card, sections and text: from the cache, else read, unpacked and kept. `docid`
  // is the hit's id in the database searched (see RankedHit).
  std::shared_ptr<const CachedHit> shown_post(Xapian::docid docid, const Xapian::Document& doc) {
    if (auto cached = hits_.find(docid)) return cached;
    DocumentData parts = decode_document_data(doc.get_data());
    auto hit = std::make_shared<CachedHit>();
    hit->card = deserialise_card(parts.card);
    hit->sections = std::move(parts.sections);
    hit->text = std::move(parts.text);
    hits_.insert(docid, hit);
    return hit;
  }

  // Adds the snippet and the section it lies in.
  static void decorate(Card& card, const CachedHit& parts, WordMatcher& matcher) {
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

  IndexSet indexes_;
  SearcherOptions options_;
  Clock::time_point deadline_{};  // of the search in progress (start_budget)
  HitCache hits_;                 // recently shown posts, for the next searches
  std::vector<Part> parts_;       // the databases db_ combines
  Xapian::Database db_;           // every part, searched as one
  // Spelling and synonyms: a separate dictionary database (own_dictionary_), else db_.
  Xapian::Database dictionary_;
  bool own_dictionary_ = false;
  bool remote_ = false;           // a part is remote: only registered Xapian classes
  std::string identity_;          // layout().identity when db_ was opened
  std::map<std::string, std::pair<std::string, std::vector<std::filesystem::path>>> shards_cache_;
  bool open_ = false;
  Xapian::Stem stemmer_;
  Xapian::SimpleStopper stopper_;
  Xapian::QueryParser parser_;
  Xapian::MultiValueKeyMaker sorter_;
};


Searcher::Searcher(std::filesystem::path db_path, SearcherOptions options)
    : impl_(std::make_unique<Impl>(single_index(std::move(db_path)), options)) {}
Searcher::Searcher(IndexSet indexes, SearcherOptions options)
    : impl_(std::make_unique<Impl>(std::move(indexes), options)) {}
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
