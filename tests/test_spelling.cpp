#include <catch2/catch.hpp>

#include <xapian.h>

#include "common/spelling.h"
#include "test_support.h"

using postsearch::spelling_correction;

namespace {

// The in-memory backend has no spelling table: a real one in a temporary directory.
Xapian::WritableDatabase dictionary(const postsearch::testing::TempDir& dir) {
  Xapian::WritableDatabase db((dir / "db").string(), Xapian::DB_CREATE);
  Xapian::Document doc;
  for (const char* word : {"coroutine", "checker", "checked", "borrow", "python", "tag"}) {
    doc.add_term(word);
    db.add_spelling(word);
  }
  db.add_spelling("checked", 5);  // more frequent than "checker", which is still right
  db.add_document(doc);
  db.commit();
  return db;
}

}  // namespace

TEST_CASE("only words the index does not know are corrected", "[spelling]") {
  postsearch::testing::TempDir dir;
  auto db = dictionary(dir);
  const std::vector<std::tuple<std::string, bool, std::string>> cases = {
      {"corutine", false, "coroutine"},
      {"borow checker", false, "borrow checker"},   // checker is known: left alone
      {"checker", false, ""},
      {"Pyhton", false, "python"},
      {"pyhton AND borow", false, "python AND borrow"},
      {"tag:pyhton", false, "tag:python"},           // the field name stays, its value is fixed
      {"AND OR NOT", false, ""},
      {"py3hon", false, ""},                          // digits: code, not a typo
      {"zzzzzzzz", false, ""},                        // nothing close
      {"\"borow checker\"", false, "\"borrow checker\""},
      {"borrow chec", true, ""},                     // being typed: a prefix of checker
      {"borrow chekcer", true, "borrow check"},  // no word starts with it: a typo
      {"", false, ""},
  };
  for (const auto& [query, partial, expected] : cases) {
    INFO(query << (partial ? " (typing)" : ""));
    const std::string got = spelling_correction(db, query, partial);
    if (expected == "borrow check") {
      CHECK(got.rfind("borrow check", 0) == 0);  // checker or checked: both close
    } else {
      CHECK(got == expected);
    }
  }
}
