#include "common/text.h"

#include <array>
#include <cctype>
#include <cstdint>

#include <xapian.h>

namespace postsearch::text {

std::optional<std::size_t> find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // continuation byte, overlong lead (C0/C1) or F5..FF
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF) return i;
    i += len;
  }
  return std::nullopt;
}

std::size_t line_at(std::string_view s, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
    if (s[i] == '\n') ++line;
  }
  return line;
}

namespace {

bool is_anchor_char(unsigned ch) {
  if (is_letter(ch)) return true;
  using namespace Xapian::Unicode;
  switch (get_category(ch)) {
    case NON_SPACING_MARK:
    case ENCLOSING_MARK:
    case COMBINING_SPACING_MARK:
    case DECIMAL_DIGIT_NUMBER:
    case LETTER_NUMBER:
    case OTHER_NUMBER:
    case CONNECTOR_PUNCTUATION:
      return true;
    default:
      return ch == '-';
  }
}

}  // namespace

std::string anchor_slug(std::string_view heading) {
  std::string out;
  const std::string trimmed = trim(heading);
  for (Xapian::Utf8Iterator it(trimmed); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (ch == ' ') {
      out += '-';
    } else if (is_anchor_char(ch)) {
      Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(ch));
    }
  }
  return out;
}

void append_html_escaped(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_html_escaped(out, s);
  return out;
}

std::string strip_template_actions(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  // Once a closer is not found after some position, it is not found after any later one:
  // remembering that keeps text with many unclosed openers linear.
  bool no_more_braces = false, no_more_percent = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && s[i] == '{' && (s[i + 1] == '{' || s[i + 1] == '%')) {
      const bool braces = s[i + 1] == '{';
      bool& no_more = braces ? no_more_braces : no_more_percent;
      if (!no_more) {
        const std::size_t end = s.find(braces ? "}}" : "%}", i + 2);
        if (end != std::string_view::npos) {
          out += ' ';
          i = end + 2;
          continue;
        }
        no_more = true;
      }
    }
    out += s[i++];
  }
  return out;
}

namespace {

bool starts_with_icase(std::string_view s, std::size_t pos, std::string_view prefix) {
  if (pos + prefix.size() > s.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(s[pos + k])) != prefix[k]) return false;
  }
  return true;
}

std::size_t find_icase(std::string_view s, std::size_t from, std::string_view needle) {
  for (std::size_t i = from; i + needle.size() <= s.size(); ++i) {
    if (starts_with_icase(s, i, needle)) return i;
  }
  return std::string_view::npos;
}

void append_entity(std::string& out, std::string_view entity) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNamed{{
      {"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
      {"mdash", "\u2014"},
  }};
  for (const auto& [name, value] : kNamed) {
    if (entity == name) {
      out += value;
      return;
    }
  }
  if (entity.size() > 1 && entity[0] == '#') {
    unsigned long cp = 0;
    try {
      cp = (entity[1] == 'x' || entity[1] == 'X')
               ? std::stoul(std::string(entity.substr(2)), nullptr, 16)
               : std::stoul(std::string(entity.substr(1)), nullptr, 10);
    } catch (const std::exception&) {
      cp = 0;
    }
    if (cp > 0 && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) {
      Xapian::Unicode::append_utf8(out, static_cast<unsigned>(cp));
      return;
    }
  }
  out += ' ';
}

// True when the '<' at `pos` opens a tag, an end tag, a comment or a declaration.
bool starts_tag(std::string_view s, std::size_t pos) {
  if (pos + 1 >= s.size()) return false;
  const char next = s[pos + 1];
  return std::isalpha(static_cast<unsigned char>(next)) || next == '/' || next == '!' ||
         next == '?';
}

// The position of the ';' closing an entity reference that starts with the '&' at `pos`
// (at most 10 name characters: letters and digits, or '#' and digits), or npos.
std::size_t entity_end(std::string_view s, std::size_t pos) {
  constexpr std::size_t kMaxName = 10;
  for (std::size_t k = pos + 1; k < s.size() && k - pos <= kMaxName + 1; ++k) {
    const char ch = s[k];
    if (ch == ';') return k - pos > 1 ? k : std::string_view::npos;
    const bool name_char =
        std::isalnum(static_cast<unsigned char>(ch)) || (ch == '#' && k == pos + 1);
    if (!name_char) return std::string_view::npos;
  }
  return std::string_view::npos;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  std::size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<' && !starts_tag(html, i)) {
      out += c;  // "1 < 2": a '<' that opens no tag is text, as in a browser
      ++i;
    } else if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        const std::size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      for (std::string_view raw : {std::string_view("script"), std::string_view("style")}) {
        if (starts_with_icase(html, i + 1, raw)) {
          const std::string closer = "</" + std::string(raw);
          const std::size_t end = find_icase(html, i, closer);
          i = end == std::string_view::npos ? html.size() : end;
          break;
        }
      }
      const std::size_t end = html.find('>', i);
      if (end == std::string_view::npos) break;  // an unclosed tag: drop the rest
      out += ' ';
      i = end + 1;
    } else if (c == '&') {
      // Only a short run of name characters ending in ';' is an entity ("&amp;", "&#x41;");
      // "Tom & Jerry; cats" keeps its ampersand and its words.
      const std::size_t semi = entity_end(html, i);
      if (semi != std::string_view::npos) {
        append_entity(out, html.substr(i + 1, semi - i - 1));
        i = semi + 1;
      } else {
        out += c;
        ++i;
      }
    } else {
      out += c;
      ++i;
    }
  }
  return collapse_whitespace(out);
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out += c;
    }
  }
  return out;
}

std::string cut_at_word(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  const std::size_t space = s.rfind(' ', cut);
  if (space != std::string_view::npos && space > max_bytes / 2) cut = space;
  std::string out(s.substr(0, cut));
  while (!out.empty() && (out.back() == ' ' || out.back() == ',' || out.back() == '.' ||
                          out.back() == ';' || out.back() == ':')) {
    out.pop_back();
  }
  return out + "\u2026";
}

std::string normalise_for_match(std::string_view s) {
  std::string out;
  bool pending_space = false;
  const std::string str(s);
  for (Xapian::Utf8Iterator it(str); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (Xapian::Unicode::is_wordchar(ch)) {
      if (pending_space) out += ' ';
      pending_space = false;
      Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(ch));
    } else {
      pending_space = !out.empty();
    }
  }
  return out;
}

bool is_letter(unsigned ch) {
  using namespace Xapian::Unicode;
  switch (get_category(ch)) {
    case UPPERCASE_LETTER:
    case LOWERCASE_LETTER:
    case TITLECASE_LETTER:
    case MODIFIER_LETTER:
    case OTHER_LETTER:
      return true;
    default:
      return false;
  }
}

bool all_letters(std::string_view s) {
  if (s.empty()) return false;
  const std::string str(s);
  for (Xapian::Utf8Iterator it(str); it != Xapian::Utf8Iterator(); ++it) {
    if (!is_letter(*it)) return false;
  }
  return true;
}

std::string fold_case(std::string_view s) {
  std::string out;
  const std::string str(s);
  for (Xapian::Utf8Iterator it(str); it != Xapian::Utf8Iterator(); ++it) {
    Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(*it));
  }
  return out;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  const auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace postsearch::text
