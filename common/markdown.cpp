#include "common/markdown.h"

#include <algorithm>
#include <map>
#include <memory>

#include <cmark.h>

#include "common/errors.h"
#include "common/text.h"

namespace postsearch {

namespace {

struct NodeDeleter {
  void operator()(cmark_node* node) const { cmark_node_free(node); }
};
struct IterDeleter {
  void operator()(cmark_iter* iter) const { cmark_iter_free(iter); }
};

// Plain text of an inline container; inline code spans are also appended to `code`.
void collect_inline_text(cmark_node* node, std::string& out, std::string& code) {
  for (cmark_node* child = cmark_node_first_child(node); child != nullptr;
       child = cmark_node_next(child)) {
    switch (cmark_node_get_type(child)) {
      case CMARK_NODE_TEXT:
        out += cmark_node_get_literal(child);
        break;
      case CMARK_NODE_CODE: {
        const char* literal = cmark_node_get_literal(child);
        out += literal;
        code += literal;
        code += '\n';
        break;
      }
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out += ' ';
        break;
      case CMARK_NODE_HTML_INLINE:
        break;  // tags carry no words; the text between them is in sibling text nodes
      default:  // emphasis, strong, link, image (its children are the alt text)
        collect_inline_text(child, out, code);
        break;
    }
  }
}

class Extractor {
 public:
  MarkdownText run(std::string_view markdown) {
    std::unique_ptr<cmark_node, NodeDeleter> doc(
        cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT));
    std::unique_ptr<cmark_iter, IterDeleter> iter(cmark_iter_new(doc.get()));
    cmark_event_type event;
    // Headings and paragraphs are read when left, so that every node below them has been
    // through the depth check before collect_inline_text recurses into them. (Leaves get
    // only an ENTER event.)
    std::size_t depth = 0;
    while ((event = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      const bool leaf = cmark_node_first_child(node) == nullptr;
      if (event == CMARK_EVENT_ENTER && !leaf && ++depth > kMaxMarkdownDepth) {
        throw PostError(static_cast<std::size_t>(std::max(1, cmark_node_get_start_line(node))),
                        "Markdown nested more than " + std::to_string(kMaxMarkdownDepth) +
                            " levels deep (block quotes, lists, emphasis or links)");
      }
      if (event == CMARK_EVENT_EXIT) {
        if (!leaf) --depth;
        if (cmark_node_get_type(node) == CMARK_NODE_HEADING) add_heading(node);
        if (cmark_node_get_type(node) == CMARK_NODE_PARAGRAPH) add_paragraph(node);
        continue;
      }
      switch (cmark_node_get_type(node)) {
        case CMARK_NODE_CODE_BLOCK:
          add_code_block(node);
          break;
        case CMARK_NODE_HTML_BLOCK:
          // Hugo layouts put actions inside HTML too (`<div>{{ .Content }}</div>`).
          add_prose(text::html_to_text(
              text::strip_template_actions(cmark_node_get_literal(node))));
          break;
        default:
          break;
      }
    }
    out_.word_count = count_words(out_.text);
    return std::move(out_);
  }

 private:
  static std::size_t count_words(std::string_view s) {
    std::size_t words = 0;
    bool in_word = false;
    for (char c : s) {
      const bool space = c == ' ' || c == '\n' || c == '\t';
      if (!space && !in_word) ++words;
      in_word = !space;
    }
    return words;
  }

  std::string inline_text(cmark_node* node) {
    std::string raw;
    collect_inline_text(node, raw, out_.code);
    return text::collapse_whitespace(text::strip_template_actions(raw));
  }

  // Appends one block as a line of `text`; returns its offset.
  std::size_t append_block(const std::string& block) {
    const std::size_t offset = out_.text.size();
    out_.text += block;
    out_.text += '\n';
    return offset;
  }

  void add_prose(const std::string& block) {
    if (!block.empty()) append_block(block);
  }

  void add_heading(cmark_node* node) {
    std::string heading = inline_text(node);
    if (heading.empty()) return;
    Heading h;
    h.level = cmark_node_get_heading_level(node);
    h.anchor = unique_anchor(text::anchor_slug(heading));
    h.offset = append_block(heading);
    if (h.level == 1 && out_.first_h1.empty()) out_.first_h1 = heading;
    h.text = std::move(heading);
    out_.headings.push_back(std::move(h));
  }

  void add_paragraph(cmark_node* node) {
    std::string paragraph = inline_text(node);
    if (paragraph.empty()) return;
    if (out_.first_paragraph.empty()) out_.first_paragraph = paragraph;
    append_block(paragraph);
  }

  void add_code_block(cmark_node* node) {
    const char* literal = cmark_node_get_literal(node);
    if (literal == nullptr || *literal == '\0') return;
    out_.code += literal;
    out_.code += '\n';
    std::string block = text::collapse_whitespace(literal);
    if (!block.empty()) append_block(block);
  }

  // GitHub's rule: the second "x" becomes "x-1", the third "x-2".
  std::string unique_anchor(const std::string& anchor) {
    auto [it, inserted] = anchor_counts_.try_emplace(anchor, 0);
    if (inserted) return anchor;
    std::string candidate;
    do {
      candidate = anchor + "-" + std::to_string(++it->second);
    } while (anchor_counts_.count(candidate) != 0);
    anchor_counts_[candidate] = 0;
    return candidate;
  }

  MarkdownText out_;
  std::map<std::string, int> anchor_counts_;
};

}  // namespace

MarkdownText extract_markdown(std::string_view markdown) { return Extractor().run(markdown); }

}  // namespace postsearch
