// Relevance benchmark: MRR and nDCG@10 of the judged queries in tests/relevance/judgments.tsv
// (metrics defined in tests/relevance/relevance.h), searched exactly as the HTTP API searches
// (a default SearchRequest: partial on, 10 per page, sorted by relevance).
//
//   relevance-bench [JUDGMENTS] [DATA_POSTS_DIR] [GO_BLOG_DIR]
//
// Defaults: the checkout's tests/relevance/judgments.tsv, data/posts and
// tests/corpora/go-blog. Each collection is indexed afresh into a temporary directory.
// Prints a Markdown table (overall, per collection, per kind) and the queries with
// nDCG@10 < 0.5 with their top 3 slugs. Asserts nothing; exit 2 on a usage or setup error.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/searcher.h"
#include "indexer/index_updater.h"
#include "relevance/relevance.h"

namespace fs = std::filesystem;
using namespace postsearch;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("postsearch-relevance-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc > 4 || (argc > 1 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help"))) {
    std::fprintf(stderr, "usage: %s [JUDGMENTS] [DATA_POSTS_DIR] [GO_BLOG_DIR]\n", argv[0]);
    return 2;
  }
  const fs::path source = fs::path(POSTSEARCH_SOURCE_DIR).lexically_normal();
  const fs::path judgments_file =
      argc > 1 ? fs::path(argv[1]) : source / "tests/relevance/judgments.tsv";
  const std::map<std::string, fs::path> collections = {
      {"data", argc > 2 ? fs::path(argv[2]) : source / "data/posts"},
      {"go-blog", argc > 3 ? fs::path(argv[3]) : source / "tests" / "corpora" / "go-blog"},
  };

  try {
    const auto judged = relevance::load_judgments(judgments_file);
    TempDir tmp;
    std::map<std::string, std::unique_ptr<Searcher>> searchers;
    for (const auto& q : judged) {
      if (searchers.count(q.collection)) continue;
      const auto where = collections.find(q.collection);
      if (where == collections.end()) {
        std::fprintf(stderr, "%s:%zu: unknown collection \"%s\" (known: data, go-blog)\n",
                     judgments_file.c_str(), q.line, q.collection.c_str());
        return 2;
      }
      IndexOptions options;
      options.posts_dirs = {where->second};
      options.db_path = tmp.path() / q.collection;
      const IndexReport report = update_index(options);
      std::fprintf(stderr, "%s (%s): %s\n", q.collection.c_str(), where->second.c_str(),
                   report.summary().c_str());
      searchers[q.collection] = std::make_unique<Searcher>(options.db_path);
    }

    const auto results = relevance::evaluate(judged, [&](const relevance::JudgedQuery& q) {
      SearchRequest request;  // as /api/search?q=... asks: partial on, 10 per page
      request.query = q.query;
      std::vector<std::string> slugs;
      for (const Card& card : searchers.at(q.collection)->search(request).hits) {
        slugs.push_back(card.slug);
      }
      return slugs;
    });
    std::printf("Relevance of %zu judged queries (%s), first page of 10:\n\n%s",
                judged.size(), judgments_file.filename().c_str(),
                relevance::markdown_report(results).c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relevance-bench: %s\n", e.what());
    return 2;
  }
  return 0;
}
