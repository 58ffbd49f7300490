// Looking inside an index directory from the tests that break it on purpose (crash_tests,
// fault_tests): the live generation, the directory listing, Xapian's own check, and a search
// answer without its timing, for comparing an index before and after a fault.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "common/searcher.h"

namespace postsearch::testing {

// The live generation's directory, from the index directory's stub ("auto gen-000003").
inline std::optional<std::filesystem::path> live_generation(const std::filesystem::path& db) {
  std::ifstream stub(db / "XAPIANDB");
  std::string backend, name;
  if (!(stub >> backend >> name)) return std::nullopt;
  return db / name;
}

// The names in a directory, sorted, space separated (for messages and comparisons).
inline std::string listing(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : " ") + name;
  return out;
}

// Xapian's own check of the live generation: the number of errors (0 for a clean index);
// `report` gets what the check said. `opts`: Xapian::DBCHECK_* flags.
inline std::size_t xapian_check_errors(const std::filesystem::path& db, std::string& report,
                                       int opts = 0) {
  std::ostringstream out;
  std::size_t errors = 0;
  try {
    const auto generation = live_generation(db);
    if (!generation) throw std::runtime_error("no XAPIANDB stub in " + db.string());
    errors = Xapian::Database::check(generation->string(), opts, &out);
  } catch (const Xapian::Error& e) {
    out << e.get_description();
    errors = 1;
  } catch (const std::exception& e) {
    out << e.what();
    errors = 1;
  }
  report = out.str();
  return errors;
}

// A search as the site's search box sends it (whole words), as its JSON without the timing.
inline nlohmann::ordered_json search_answer(Searcher& searcher, const std::string& query) {
  SearchRequest request;
  request.query = query;
  request.partial = false;
  nlohmann::ordered_json body = response_to_json(searcher.search(request));
  body.erase("took_ms");
  return body;
}

}  // namespace postsearch::testing
