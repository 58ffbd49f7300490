#include <cmath>
#include <fstream>
#include <optional>
#include <sstream>
#include <unordered_set>

#include "common/dates.h"
#include "common/errors.h"
#include "common/front_matter.h"
#include "common/post.h"
#include "common/text.h"

namespace postsearch {

namespace {

using nlohmann::json;

constexpr std::size_t kSummaryBytes = 200;
constexpr int kWordsPerMinute = 200;

// Interprets front matter values, reporting the key's line when a value has the wrong shape.
class Fields {
 public:
  explicit Fields(const FrontMatter& fm) : fm_(fm) {}

  const json* find(const std::string& key) const {
    auto it = fm_.fields.find(key);
    if (it == fm_.fields.end() || it->is_null()) return nullptr;
    return &*it;
  }

  // The first of `keys` present, as text. Numbers and booleans are written as text.
  std::optional<std::string> text(std::initializer_list<const char*> keys) const {
    for (const char* key : keys) {
      const json* v = find(key);
      if (v == nullptr) continue;
      if (v->is_string()) return v->get<std::string>();
      if (v->is_number() || v->is_boolean()) return v->dump();
      fail(key, std::string("expected text, found ") + shape(*v));
    }
    return std::nullopt;
  }

  // Every item of every key in `keys`; a string is split at commas.
  std::vector<std::string> list(std::initializer_list<const char*> keys,
                                bool split_strings) const {
    std::vector<std::string> out;
    for (const char* key : keys) {
      const json* v = find(key);
      if (v == nullptr) continue;
      if (v->is_string()) {
        add_items(v->get<std::string>(), split_strings, out);
      } else if (v->is_array()) {
        for (const json& item : *v) {
          if (item.is_string()) {
            add_items(item.get<std::string>(), false, out);
          } else if (item.is_number() || item.is_boolean()) {
            out.push_back(item.dump());
          } else if (!item.is_null()) {
            fail(key, std::string("expected a list of text items, found an item that is ") +
                          shape(item));
          }
        }
      } else {
        fail(key, std::string("expected a list or text, found ") + shape(*v));
      }
      if (out.size() > kMaxListItems) {
        fail(key, "more than " + std::to_string(kMaxListItems) + " items");
      }
    }
    return out;
  }

  bool flag(const char* key) const {
    const json* v = find(key);
    if (v == nullptr) return false;
    if (v->is_boolean()) return v->get<bool>();
    if (v->is_string()) {
      const std::string s = text::to_lower_ascii(v->get<std::string>());
      if (s == "true" || s == "yes" || s == "on") return true;
      if (s == "false" || s == "no" || s == "off" || s.empty()) return false;
    }
    fail(key, "expected true or false, found " + v->dump());
  }

  std::optional<std::string> date(std::initializer_list<const char*> keys) const {
    for (const char* key : keys) {
      auto raw = text({key});
      if (!raw) continue;
      auto parsed = dates::parse_date(*raw);
      if (!parsed) {
        fail(key, "cannot read date '" + *raw + "': expected YYYY-MM-DD or RFC 3339");
      }
      return parsed;
    }
    return std::nullopt;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& reason) const {
    auto it = fm_.key_lines.find(key);
    throw PostError(it == fm_.key_lines.end() ? 1 : it->second, key + ": " + reason);
  }

 private:
  static const char* shape(const json& v) {
    if (v.is_array()) return "a list";
    if (v.is_object()) return "a table of keys";
    return "a value of another type";
  }

  static void add_items(const std::string& s, bool split, std::vector<std::string>& out) {
    if (!split) {
      std::string item = text::trim(s);
      if (!item.empty()) out.push_back(std::move(item));
      return;
    }
    std::size_t start = 0;
    while (start <= s.size()) {
      std::size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      std::string item = text::trim(std::string_view(s).substr(start, comma - start));
      if (!item.empty()) out.push_back(std::move(item));
      start = comma + 1;
    }
  }

  const FrontMatter& fm_;
};

std::vector<std::string> dedupe_case_insensitive(std::vector<std::string> items) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  for (auto& item : items) {
    if (seen.insert(text::fold_case(item)).second) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

void check_bytes(std::string_view bytes) {
  const std::size_t nul = bytes.find('\0');
  if (nul != std::string_view::npos) {
    throw PostError(text::line_at(bytes, nul),
                    "contains a NUL byte: this looks like a binary file, not Markdown");
  }
  if (auto bad = text::find_invalid_utf8(bytes)) {
    std::ostringstream reason;
    reason << "invalid UTF-8 (byte 0x" << std::hex
           << static_cast<unsigned>(static_cast<unsigned char>(bytes[*bad]))
           << "): save the file as UTF-8";
    throw PostError(text::line_at(bytes, *bad), reason.str());
  }
}

// Drops a UTF-8 byte order mark and turns CRLF (and lone CR) line endings into LF.
std::string normalise_newlines(std::string_view bytes) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\r') {
      out += '\n';
      if (i + 1 < bytes.size() && bytes[i + 1] == '\n') ++i;
    } else {
      out += bytes[i];
    }
  }
  return out;
}

std::string trim_slashes(std::string_view s) {
  while (!s.empty() && s.front() == '/') s.remove_prefix(1);
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

std::string file_stem(std::string_view relative_path) {
  std::string_view name = relative_path.substr(relative_path.rfind('/') + 1);
  const std::size_t dot = name.rfind('.');
  return std::string(dot == std::string_view::npos || dot == 0 ? name : name.substr(0, dot));
}

// The first of `keys` with a value that is not blank, trimmed. An empty value (an archetype's
// `description: ""`) counts as absent, so the next key or the default applies.
std::optional<std::string> non_blank(const Fields& fields,
                                     std::initializer_list<const char*> keys) {
  for (const char* key : keys) {
    if (auto value = fields.text({key})) {
      std::string trimmed = text::trim(*value);
      if (!trimmed.empty()) return trimmed;
    }
  }
  return std::nullopt;
}

std::string card_url(const Fields& fields, const ReadOptions& options, const std::string& slug) {
  if (auto url = non_blank(fields, {"url", "permalink"})) {
    if (url->find("://") != std::string::npos) return *url;
    return join_url(options.base_url, *url);
  }
  if (auto path = non_blank(fields, {"path"})) return join_url(options.base_url, *path);
  return join_url(options.base_url, slug);
}

}  // namespace

std::string default_slug(std::string_view relative_path) {
  std::string path(relative_path);
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash);
  const std::string stem = file_stem(path);
  if (stem == "index" || stem == "_index") return dir.empty() ? "index" : dir;
  return dir.empty() ? stem : dir + "/" + stem;
}

std::string join_url(std::string_view base, std::string_view path) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return out + "/" + std::string(path);
}

Post parse_post(std::string_view bytes, std::string_view relative_path,
                const ReadOptions& options) {
  check_bytes(bytes);
  const std::string source = normalise_newlines(bytes);
  const FrontMatter fm = parse_front_matter(source);
  const Fields fields(fm);

  Post post;
  try {
    post.body = extract_markdown(std::string_view(source).substr(fm.body_offset));
  } catch (const PostError& e) {  // its line counts from the body's first line
    throw PostError(e.line() + fm.body_line - 1, e.what());
  }

  if (auto title = fields.text({"title"})) post.title = text::collapse_whitespace(*title);
  if (post.title.empty()) post.title = post.body.first_h1;
  // A title past any sane length (a paragraph pasted into the field) is indexed cut.
  if (post.title.size() > kMaxTitleBytes) post.title = text::cut_at_word(post.title, kMaxTitleBytes);
  post.has_own_title = !post.title.empty();
  if (post.title.empty()) post.title = file_stem(relative_path);

  auto slug = fields.text({"slug"});
  post.slug = slug ? trim_slashes(text::trim(*slug)) : std::string();
  if (post.slug.empty()) post.slug = default_slug(relative_path);
  post.url = card_url(fields, options, post.slug);

  auto date = fields.date({"date", "publishDate"});
  if (!date) {
    if (auto path = fields.text({"path"})) date = dates::date_from_path(*path + "/");
  }
  if (!date) {
    const std::string_view name = relative_path.substr(relative_path.rfind('/') + 1);
    date = dates::date_from_file_name(name);
  }
  post.date = date.value_or("");
  post.updated = fields.date({"updated", "lastmod"}).value_or("");

  post.authors = fields.list({"authors", "author", "by"}, false);
  post.tags = dedupe_case_insensitive(fields.list({"tags", "categories", "keywords"}, true));
  post.aliases = fields.list({"aliases"}, false);
  post.draft = fields.flag("draft");

  if (auto summary = non_blank(fields, {"summary", "description"})) {
    post.summary = text::collapse_whitespace(*summary);
    post.summary_is_own = true;
  } else {
    post.summary = text::cut_at_word(post.body.first_paragraph, kSummaryBytes);
  }
  post.reading_minutes = post.body.word_count == 0
                             ? 0
                             : static_cast<int>((post.body.word_count + kWordsPerMinute - 1) /
                                                kWordsPerMinute);
  return post;
}

Post read_post(const std::filesystem::path& file, std::string_view relative_path,
               const ReadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PostError(0, "cannot open the file for reading");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw PostError(0, "read error");
  return parse_post(bytes.str(), relative_path, options);
}

}  // namespace postsearch
