#include "common/document_builder.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>

#include <zstd.h>

#include "common/caching_stemmer.h"
#include "common/card.h"
#include "common/dates.h"
#include "common/index_terms.h"
#include "common/schema.h"
#include "common/text.h"

namespace postsearch {

namespace {

// The stored snippet text is capped: a snippet is looked for in the first part of a huge post.
constexpr std::size_t kMaxStoredText = 512 * 1024;

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string sections_json(const Post& post) {
  nlohmann::json sections = nlohmann::json::array();
  for (const auto& h : post.body.headings) {
    if (h.offset >= kMaxStoredText) break;
    sections.push_back({h.offset, h.text, h.anchor});
  }
  return sections.dump();
}

std::string stored_text(const std::string& text) {
  if (text.size() <= kMaxStoredText) return text;
  std::size_t cut = kMaxStoredText;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

namespace {

// Document data is three Zstandard frames — card, sections, text — after the byte lengths
// of the first two (4 bytes each, little-endian). Xapian's zlib finds nothing to gain in it
// and stores it as it is, so reading a hit costs zstd decompressions, several times faster
// than the inflate Xapian would do (LZ4 is faster still, but zlib packs its output again).
// Each part unpacks alone: a card costs no text.
constexpr std::size_t kLengthBytes = 4;
// More than any part the indexer stores (kMaxStoredText): a larger claim is damage.
constexpr unsigned long long kMaxUnpacked = 16 * 1024 * 1024;
// Fast to pack; on prose the ratio is close to zlib's and to higher levels'.
constexpr int kZstdLevel = 1;

[[noreturn]] void damaged() {
  throw Xapian::DatabaseCorruptError("a stored document's data is damaged");
}

void append_length(std::string& out, std::size_t length) {
  for (std::size_t i = 0; i < kLengthBytes; ++i) out += static_cast<char>(length >> (8 * i) & 0xFF);
}

std::size_t read_length(std::string_view data, std::size_t at) {
  if (data.size() < at + kLengthBytes) damaged();
  std::size_t length = 0;
  for (std::size_t i = 0; i < kLengthBytes; ++i) {
    length |= static_cast<std::size_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
  }
  return length;
}

// Appends `part` as one frame (nothing for an empty part); returns the frame's size.
std::size_t append_frame(std::string& out, std::string_view part) {
  if (part.empty()) return 0;
  // One context per thread: a context's tables are costly to set up for every post.
  thread_local const std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> context(ZSTD_createCCtx(),
                                                                              ZSTD_freeCCtx);
  const std::size_t bound = ZSTD_compressBound(part.size());
  const std::size_t start = out.size();
  out.resize(start + bound);
  // A checksum per frame: damage is reported, never served as garbage (xxHash costs little).
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel, kZstdLevel);
  ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1);
  const std::size_t packed =
      ZSTD_compress2(context.get(), out.data() + start, bound, part.data(), part.size());
  if (ZSTD_isError(packed)) throw std::runtime_error(std::string("zstd: ") + ZSTD_getErrorName(packed));
  out.resize(start + packed);
  return packed;
}

std::string unpack_frame(std::string_view frame) {
  if (frame.empty()) return {};
  const unsigned long long length = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (length == ZSTD_CONTENTSIZE_ERROR || length == ZSTD_CONTENTSIZE_UNKNOWN ||
      length > kMaxUnpacked) {
    damaged();
  }
  std::string part(static_cast<std::size_t>(length), '\0');
  thread_local const std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> context(ZSTD_createDCtx(),
                                                                              ZSTD_freeDCtx);
  const std::size_t got =
      ZSTD_decompressDCtx(context.get(), part.data(), part.size(), frame.data(), frame.size());
  if (ZSTD_isError(got) || got != length) damaged();
  return part;
}

// The three frames of `data`.
std::array<std::string_view, 3> frames(std::string_view data) {
  const std::size_t card = read_length(data, 0);
  const std::size_t sections = read_length(data, kLengthBytes);
  const std::size_t start = 2 * kLengthBytes;
  if (card > data.size() - start || sections > data.size() - start - card) damaged();
  return {data.substr(start, card), data.substr(start + card, sections),
          data.substr(start + card + sections)};
}

}  // namespace

std::string encode_document_data(std::string_view card, std::string_view sections,
                                 std::string_view text) {
  std::string data(2 * kLengthBytes, '\0');
  data.reserve(card.size() + sections.size() + text.size() / 2 + 64);
  const std::size_t card_frame = append_frame(data, card);
  const std::size_t sections_frame = append_frame(data, sections);
  append_frame(data, text);
  std::string lengths;
  append_length(lengths, card_frame);
  append_length(lengths, sections_frame);
  data.replace(0, lengths.size(), lengths);
  return data;
}

std::string decode_document_card(std::string_view data) { return unpack_frame(frames(data)[0]); }

DocumentData decode_document_data(std::string_view data) {
  const auto parts = frames(data);
  return {unpack_frame(parts[0]), unpack_frame(parts[1]), unpack_frame(parts[2])};
}

std::vector<std::string> spelling_words(const Xapian::Document& doc) {
  std::vector<std::string> words;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    const std::string term = *it;
    if (term.size() < 3 || term.size() > 30) continue;
    const auto first = static_cast<unsigned char>(term[0]);
    if (first < 0x80 && !std::islower(first)) continue;  // a prefixed term, a digit, ...
    if (text::all_letters(term)) words.push_back(term);
  }
  return words;
}

std::vector<std::string> split_identifier(std::string_view id) {
  std::vector<std::string> parts;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) parts.push_back(text::to_lower_ascii(current));
    current.clear();
  };
  for (std::size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    if (c == '_' || !is_ident_char(c)) {
      flush();
      continue;
    }
    const bool upper = std::isupper(static_cast<unsigned char>(c));
    if (upper && !current.empty()) {
      const char prev = current.back();
      const bool prev_lower = std::islower(static_cast<unsigned char>(prev)) ||
                              std::isdigit(static_cast<unsigned char>(prev));
      // "HTTPServer": the 'S' starts a word because a lower-case letter follows it.
      const bool acronym_end = std::isupper(static_cast<unsigned char>(prev)) &&
                               i + 1 < id.size() &&
                               std::islower(static_cast<unsigned char>(id[i + 1]));
      if (prev_lower || acronym_end) flush();
    }
    current += c;
  }
  flush();
  if (parts.size() < 2) parts.clear();
  return parts;
}

DocumentBuilder::DocumentBuilder() : stemmer_(caching_english_stemmer()) {
  generator_.set_stemmer(stemmer_);
  generator_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
}

void DocumentBuilder::index_code_identifiers(const std::string& code) {
  // Positions are not needed: these terms serve word queries, not phrases.
  Xapian::Document doc = generator_.get_document();
  std::size_t i = 0;
  while (i < code.size()) {
    if (!is_ident_char(code[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < code.size() && is_ident_char(code[i])) ++i;
    const std::string_view ident(code.data() + start, i - start);
    if (ident.size() > 64) continue;
    for (const std::string& part : split_identifier(ident)) {
      doc.add_term(part);
      doc.add_term("Z" + stemmer_(part));
    }
  }
}

Xapian::Document DocumentBuilder::build(const Post& post, const SourceInfo& source) {
  Xapian::Document doc;
  generator_.set_document(doc);

  generator_.index_text(post.title, schema::kTitleWeight);
  generator_.index_text(post.title, 1, std::string(schema::kTitle));
  generator_.increase_termpos();
  for (const auto& heading : post.body.headings) {
    // Headings are in the body text too; this adds their extra weight and `XH` terms.
    generator_.index_text(heading.text, schema::kHeadingWeight - 1);
    generator_.index_text(heading.text, 1, std::string(schema::kHeading));
    generator_.increase_termpos();
  }
  if (post.summary_is_own) {
    generator_.index_text(post.summary, schema::kSummaryWeight);
    generator_.increase_termpos();
  }
  for (const auto& author : post.authors) {
    generator_.index_text(author);
    generator_.index_text(author, 1, std::string(schema::kAuthor));
    generator_.increase_termpos();
  }
  for (const auto& tag : post.tags) {
    generator_.index_text(tag, 2);
    generator_.increase_termpos();
    doc.add_boolean_term(terms::tag(tag));
  }
  generator_.index_text(post.body.text, schema::kBodyWeight);
  index_code_identifiers(post.body.code);

  doc.add_boolean_term(terms::unique_id(post.slug));
  const std::string exact_title = terms::exact_title(post.title);
  if (!exact_title.empty()) doc.add_term(exact_title, 1);
  if (!post.date.empty()) doc.add_boolean_term(terms::year(post.date.substr(0, 4)));
  for (const auto& alias : post.aliases) {
    if (const std::string term = terms::alias(alias); !term.empty()) doc.add_boolean_term(term);
  }

  std::string tags;
  for (const auto& tag : post.tags) {
    if (!tags.empty()) tags += '\x1f';
    tags += text::fold_case(tag);
  }
  doc.add_value(schema::kDate, dates::to_sortable(post.date));
  doc.add_value(schema::kSlug, post.slug);
  doc.add_value(schema::kContentHash, source.content_hash);
  doc.add_value(schema::kSourceKey, source.path);
  doc.add_value(schema::kFileStamp, source.file_stamp);
  doc.add_value(schema::kTags, tags);
  doc.set_data(encode_document_data(serialise_card(card_from_post(post)), sections_json(post),
                                    stored_text(post.body.text)));
  generator_.set_document(Xapian::Document());  // let go of this one (see the header)
  return doc;
}

}  // namespace postsearch
