// Fuzzes reading a post: arbitrary bytes as a Markdown file (YAML `---` or TOML `+++` front
// matter, then Markdown) through parse_post, then the Post through DocumentBuilder.
// PostError is the expected answer to a bad file; any other exception escaping is a finding,
// as is a document the index could not store or the searcher could not read back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <xapian.h>

#include "common/card.h"
#include "common/document_builder.h"
#include "common/errors.h"
#include "common/post.h"
#include "fuzz_support.h"

namespace {

using namespace postsearch;

// Xapian refuses longer terms when it writes a document (glass backend).
constexpr std::size_t kXapianMaxTermBytes = 245;

void check_document(const Xapian::Document& doc) {
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    const std::string term = *it;
    if (term.empty() || term.size() > kXapianMaxTermBytes) {
      fuzz::fail("term of " + std::to_string(term.size()) + " bytes", term.substr(0, 300));
    }
  }
  const std::string data = doc.get_data();
  const DocumentData parts = decode_document_data(data);  // packed (schema.h): check each part
  fuzz::check_utf8("document card", parts.card);
  fuzz::check_utf8("document sections", parts.sections);
  fuzz::check_utf8("document text", parts.text);
  // What the searcher does with every hit: read the card back, and the sections.
  const Card card = deserialise_card(parts.card);
  (void)card_to_json(card, /*with_match=*/false).dump();
  const auto sections = nlohmann::json::parse(parts.sections);
  if (!sections.is_array()) fuzz::fail("sections are not a JSON array", parts.sections);
  (void)spelling_words(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  static const ReadOptions options{"https://blog.example/posts"};
  Post post;
  try {
    // A dated file name, so the date-from-name fallback runs too.
    post = parse_post(bytes, "2019/2019-03-04-fuzzed-post.md", options);
  } catch (const PostError& e) {
    // Lines are counted after CR and CRLF become LF, so CRs count as line ends here too.
    const auto line_ends = std::count(bytes.begin(), bytes.end(), '\n') +
                           std::count(bytes.begin(), bytes.end(), '\r');
    if (e.line() > static_cast<std::size_t>(line_ends) + 1) {
      fuzz::fail("PostError line " + std::to_string(e.line()) + " is past the end", e.what());
    }
    return 0;
  }
  for (const std::string* field : {&post.slug, &post.url, &post.title, &post.date, &post.summary,
                                   &post.body.text}) {
    fuzz::check_utf8("post field", *field);
  }
  static DocumentBuilder builder;
  check_document(builder.build(post, SourceInfo{"2019/2019-03-04-fuzzed-post.md", "0123abcd", "1:2"}));
  return 0;
}
