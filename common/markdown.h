// Markdown extraction: walks cmark's AST of a post body and returns the text a reader sees,
// split into prose and code, with the headings that open each section.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

struct Heading {
  std::string text;      // plain text of the heading
  std::string anchor;    // GitHub/Hugo anchor, de-duplicated within the post ("x", "x-1")
  int level = 0;         // 1..6
  std::size_t offset = 0;  // byte offset of the heading in MarkdownText::text
};

struct MarkdownText {
  // Every readable block in document order, one per line: headings, paragraphs, list items,
  // quotes, table rows, HTML blocks' text and code. Template actions are removed.
  std::string text;
  // Code only (fenced/indented blocks and inline spans), for code-aware tokenisation.
  std::string code;
  std::vector<Heading> headings;
  std::string first_h1;         // text of the first level-1 heading, if any
  std::string first_paragraph;  // text of the first paragraph, if any
  std::size_t word_count = 0;   // whitespace-separated words in `text`
};

// How deep blocks and inlines may nest (block quotes in lists in ..., emphasis in links in
// ...). Real posts nest a handful of levels; a deeper one is a broken post, not a reason to
// recurse without end.
inline constexpr std::size_t kMaxMarkdownDepth = 100;

// cmark accepts every byte string as CommonMark; the only error is nesting deeper than
// kMaxMarkdownDepth: PostError with the line, counted from the first line of `markdown`.
MarkdownText extract_markdown(std::string_view markdown);

}  // namespace postsearch
