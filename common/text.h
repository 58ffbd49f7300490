// Small text helpers shared by the post reader, the snippet builder and the HTTP layer.
// All functions take and return UTF-8.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace postsearch::text {

// Byte offset of the first invalid UTF-8 sequence (overlong forms, surrogates and code
// points above U+10FFFF are invalid), or nullopt when `s` is valid.
std::optional<std::size_t> find_invalid_utf8(std::string_view s);

// 1-based line number of byte `offset` in `s`.
std::size_t line_at(std::string_view s, std::size_t offset);

// The anchor GitHub and Hugo give a heading: lower-cased, letters/digits/marks, '-' and '_'
// kept, spaces turned into '-', everything else dropped.
std::string anchor_slug(std::string_view heading);

// Escapes &, <, >, " and ' for HTML text and attribute values.
std::string html_escape(std::string_view s);
void append_html_escaped(std::string& out, std::string_view s);

// Removes template actions that produce no words of their own: `{{ ... }}` (Go, Hugo,
// KumaScript) and `{% ... %}` (Jekyll, Liquid). An unclosed action is left as text.
std::string strip_template_actions(std::string_view s);

// Text content of an HTML fragment: tags and comments dropped, <script>/<style> bodies
// dropped, the common entities decoded, whitespace collapsed.
std::string html_to_text(std::string_view html);

// Collapses runs of whitespace to one space and trims both ends.
std::string collapse_whitespace(std::string_view s);

// `s` cut to at most about `max_bytes` at a word boundary (never inside a UTF-8 sequence),
// with "…" appended when something was cut.
std::string cut_at_word(std::string_view s, std::size_t max_bytes);

// Lower-cased letters and digits of `s`, words separated by single spaces: two titles that
// differ only in case and punctuation normalise to the same string.
std::string normalise_for_match(std::string_view s);

// A Unicode letter (any case, or a letter without case such as CJK).
bool is_letter(unsigned ch);
// True when `s` is non-empty and every character of it is a letter.
bool all_letters(std::string_view s);

// Unicode lower case (tags and other exact keys are compared in this form).
std::string fold_case(std::string_view s);

std::string to_lower_ascii(std::string_view s);
std::string trim(std::string_view s);

}  // namespace postsearch::text
