// Plain Xapian as a peer of postsearch (bench/compare.sh): what a developer gets from the
// library's documented defaults, on the same Xapian postsearch is built on.
//
//   xapian-plain-bench index DIR POSTS_DIR       build DIR, then compact it into DIR.compact
//   xapian-plain-bench query DIR QUERIES ROUNDS  top-10 with MSet::snippet(), one thread
//
// Build: each post (title and Markdown body as bench/peers/corpus.h reads them) is one
// document; a TermGenerator with the English stemmer (default strategy STEM_SOME) indexes the
// title with positions and an S prefix, then title and body as free text with positions; the
// document data is the title and body (the text MSet::snippet() is given). One commit after
// the last document (Xapian still flushes every 10,000 documents by default), then
// Database::compact() into DIR.compact. Prints the seconds of each step.
//
// Query: QueryParser (English stemmer, STEM_SOME, phrases, boolean operators, love/hate and
// wildcards), AND of the words and OR'ed if that finds nothing (what postsearch does),
// get_mset(0, 10), and for each hit MSet::snippet(data) with its default length (500) and
// flags (background model, exhaustive), given the query's stemmer so stemmed matches are
// highlighted. Prints "key<TAB>value" lines for compare.sh.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <xapian.h>

#include "corpus.h"
#include "timing.h"

namespace {

int build(const std::string& dir, const std::string& posts) {
  const auto start = std::chrono::steady_clock::now();
  Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator generator;
  generator.set_stemmer(Xapian::Stem("english"));
  const std::size_t n = peers::for_each_post(posts, [&](const peers::Doc& post) {
    Xapian::Document doc;
    generator.set_document(doc);
    generator.index_text(post.title, 1, "S");
    generator.increase_termpos();
    generator.index_text(post.title);
    generator.increase_termpos();
    generator.index_text(post.body);
    doc.set_data(post.title + "\n" + post.body);
    db.add_document(doc);
  });
  db.commit();
  const double index_seconds = peers::seconds_since(start);
  const auto compact_start = std::chrono::steady_clock::now();
  db.compact(dir + ".compact");
  db.close();
  std::printf("docs\t%zu\nindex_seconds\t%.3f\ncompact_seconds\t%.3f\n", n, index_seconds,
              peers::seconds_since(compact_start));
  return 0;
}

int query(const std::string& dir, const std::string& queries_path, int rounds) {
  Xapian::Database db(dir);
  const Xapian::Stem stemmer("english");
  Xapian::QueryParser parser;
  parser.set_stemmer(stemmer);
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(db);  // wildcards expand over its terms
  parser.add_prefix("title", "S");
  const unsigned flags = Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_WILDCARD;
  std::size_t snippet_bytes = 0;

  auto top10 = [&](const std::string& q, Xapian::Query::op op) -> std::size_t {
    parser.set_default_op(op);
    Xapian::Query parsed;
    try {
      parsed = parser.parse_query(q, flags);
    } catch (const Xapian::QueryParserError&) {
      return 0;
    }
    Xapian::Enquire enquire(db);
    enquire.set_query(parsed);
    const Xapian::MSet mset = enquire.get_mset(0, 10);
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      snippet_bytes += mset.snippet(it.get_document().get_data(), 500, stemmer).size();
    }
    return mset.size();
  };
  const auto queries = peers::read_queries(queries_path);
  peers::time_queries(queries, rounds, [&](const std::string& q) {
    const std::size_t hits = top10(q, Xapian::Query::OP_AND);
    return hits > 0 ? hits : top10(q, Xapian::Query::OP_OR);
  });
  std::printf("result_bytes\t%zu\n", snippet_bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  try {
    if (mode == "index" && argc == 4) return build(argv[2], argv[3]);
    if (mode == "query" && argc == 5) return query(argv[2], argv[3], std::max(1, std::atoi(argv[4])));
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "xapian-plain-bench: %s\n", e.get_description().c_str());
    return 1;
  }
  std::fprintf(stderr, "usage: xapian-plain-bench index DIR POSTS_DIR | query DIR QUERIES ROUNDS\n");
  return 2;
}
