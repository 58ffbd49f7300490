#include "common/index_terms.h"

#include <cstdio>

#include "common/hash.h"
#include "common/schema.h"
#include "common/text.h"

namespace postsearch::terms {

std::string bounded(std::string_view prefix, std::string_view value) {
  std::string term = std::string(prefix) + std::string(value);
  if (term.size() <= kMaxTermBytes) return term;
  std::size_t cut = kMaxTermBytes - 17;  // room for '#' and the hash
  while (cut > 0 && (static_cast<unsigned char>(term[cut]) & 0xC0) == 0x80) --cut;
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(value)));
  term.resize(cut);
  return term + "#" + hash;
}

std::string unique_id(std::string_view slug) { return bounded(schema::kUniqueId, slug); }

std::string tag(std::string_view tag) { return bounded(schema::kTag, text::fold_case(tag)); }

std::string year(std::string_view year) { return bounded(schema::kYear, year); }

std::string alias(std::string_view url) {
  const std::string normalised = normalise_alias(url);
  return normalised.empty() ? std::string() : bounded(schema::kAlias, normalised);
}

std::string exact_title(std::string_view title) {
  const std::string normalised = text::normalise_for_match(title);
  return normalised.empty() ? std::string() : bounded(schema::kExactTitle, normalised);
}

std::string normalise_alias(std::string_view url) {
  std::string_view s = url;
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (const std::size_t scheme = s.find("://"); scheme != std::string_view::npos) {
    const std::size_t path = s.find('/', scheme + 3);
    s = path == std::string_view::npos ? std::string_view() : s.substr(path);
  }
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

}  // namespace postsearch::terms
