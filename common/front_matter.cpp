#include "common/front_matter.h"

#include <sstream>

#include <yaml-cpp/yaml.h>
#include <toml++/toml.h>

#include "common/errors.h"

namespace postsearch {

namespace {

using nlohmann::json;

// The line starting at `pos`, without its '\n'; advances `pos` past it.
std::string_view next_line(std::string_view text, std::size_t& pos) {
  const std::size_t end = text.find('\n', pos);
  const std::size_t stop = end == std::string_view::npos ? text.size() : end;
  std::string_view line = text.substr(pos, stop - pos);
  pos = end == std::string_view::npos ? text.size() : end + 1;
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  return line;
}

// What converting one value may cost. YAML aliases share nodes, so a small block can stand
// for a huge or endless tree (`x: &a [*a]`, nine levels of `[*a, *a, ...]`): every node is
// counted each time an alias brings it in, and depth is bounded, so a hostile block costs
// microseconds and fails as one broken post instead of exhausting the stack or memory.
class Budget {
 public:
  explicit Budget(std::size_t line) : line_(line) {}
  void enter(std::size_t depth, std::string_view key) {
    if (depth > kMaxFrontMatterDepth) {
      throw PostError(line_, std::string(key) + ": front matter nested more than " +
                                 std::to_string(kMaxFrontMatterDepth) +
                                 " levels deep (or an alias that refers to itself)");
    }
    if (++nodes_ > kMaxFrontMatterNodes) {
      throw PostError(line_, std::string(key) + ": front matter has more than " +
                                 std::to_string(kMaxFrontMatterNodes) +
                                 " values (counting what aliases repeat)");
    }
  }
  void at_line(std::size_t line) { line_ = line; }

 private:
  std::size_t line_;
  std::size_t nodes_ = 0;
};

json yaml_to_json(const YAML::Node& node, Budget& budget, std::string_view key,
                  std::size_t depth = 1) {
  budget.enter(depth, key);
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(yaml_to_json(item, budget, key, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        budget.enter(depth + 1, key);
        obj[kv.first.as<std::string>("")] = yaml_to_json(kv.second, budget, key, depth + 1);
      }
      return obj;
    }
    case YAML::NodeType::Scalar:
      return node.Scalar();
    default:
      return nullptr;
  }
}

std::string two(int v) {
  std::string s = std::to_string(v);
  return s.size() < 2 ? "0" + s : s;
}

std::string toml_date(const toml::date& d) {
  return std::to_string(d.year) + "-" + two(d.month) + "-" + two(d.day);
}

json toml_to_json(const toml::node& node, Budget& budget, std::string_view key,
                  std::size_t depth = 1) {
  budget.enter(depth, key);
  if (auto t = node.as_table()) {
    json obj = json::object();
    for (const auto& [name, value] : *t) {
      obj[std::string(name.str())] = toml_to_json(value, budget, key, depth + 1);
    }
    return obj;
  }
  if (auto a = node.as_array()) {
    json arr = json::array();
    for (const auto& value : *a) arr.push_back(toml_to_json(value, budget, key, depth + 1));
    return arr;
  }
  if (auto s = node.as_string()) return s->get();
  if (auto i = node.as_integer()) return i->get();
  if (auto f = node.as_floating_point()) return f->get();
  if (auto b = node.as_boolean()) return b->get();
  if (auto d = node.as_date()) return toml_date(d->get());
  if (auto dt = node.as_date_time()) {
    std::ostringstream out;
    out << dt->get();
    return out.str();
  }
  if (auto tm = node.as_time()) {
    std::ostringstream out;
    out << tm->get();
    return out.str();
  }
  return nullptr;
}

void parse_yaml(std::string_view block, std::size_t first_line, FrontMatter& fm) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(block));
  } catch (const YAML::Exception& e) {
    const std::size_t line = e.mark.is_null() ? first_line : first_line + e.mark.line;
    throw PostError(line, "front matter is not valid YAML: " + e.msg);
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    throw PostError(first_line, "front matter must be a YAML mapping of keys to values");
  }
  Budget budget(first_line);
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    const std::size_t line = first_line + static_cast<std::size_t>(kv.first.Mark().line);
    budget.at_line(line);
    fm.fields[key] = yaml_to_json(kv.second, budget, key);
    fm.key_lines[key] = line;
  }
}

void parse_toml(std::string_view block, std::size_t first_line, FrontMatter& fm) {
  toml::table table;
  try {
    table = toml::parse(block);
  } catch (const toml::parse_error& e) {
    const std::size_t line = first_line - 1 + e.source().begin.line;
    throw PostError(line, "front matter is not valid TOML: " + std::string(e.description()));
  }
  Budget budget(first_line);
  for (const auto& [key, value] : table) {
    const std::string name(key.str());
    const std::size_t line = first_line - 1 + value.source().begin.line;
    budget.at_line(line);
    fm.fields[name] = toml_to_json(value, budget, name);
    fm.key_lines[name] = line;
  }
}

}  // namespace

FrontMatter parse_front_matter(std::string_view text) {
  FrontMatter fm;
  std::size_t pos = 0;
  const std::string_view opener = next_line(text, pos);
  const bool yaml = opener == "---";
  const bool toml = opener == "+++";
  if (!yaml && !toml) return fm;

  const std::size_t block_start = pos;
  std::size_t line_no = 1;
  while (pos < text.size()) {
    const std::size_t line_start = pos;
    const std::string_view line = next_line(text, pos);
    ++line_no;
    const bool closes = yaml ? (line == "---" || line == "...") : line == "+++";
    if (closes) {
      const std::string_view block = text.substr(block_start, line_start - block_start);
      if (block.size() > kMaxFrontMatterBytes) {
        throw PostError(1, "front matter is " + std::to_string(block.size() / 1024) +
                               " KiB; at most " + std::to_string(kMaxFrontMatterBytes / 1024) +
                               " KiB is read (is its closing '" + std::string(opener) +
                               "' missing?)");
      }
      if (yaml) {
        parse_yaml(block, 2, fm);
      } else {
        parse_toml(block, 2, fm);
      }
      fm.body_offset = pos;
      fm.body_line = line_no + 1;
      return fm;
    }
  }
  throw PostError(1, std::string("front matter opened with '") + std::string(opener) +
                         "' on line 1 is never closed");
}

}  // namespace postsearch
