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

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      json arr = json::array();
      for (const auto& item : node) arr.push_back(yaml_to_json(item));
      return arr;
    }
    case YAML::NodeType::Map: {
      json obj = json::object();
      for (const auto& kv : node) {
        obj[kv.first.as<std::string>("")] = yaml_to_json(kv.second);
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

json toml_to_json(const toml::node& node) {
  if (auto t = node.as_table()) {
    json obj = json::object();
    for (const auto& [key, value] : *t) obj[std::string(key.str())] = toml_to_json(value);
    return obj;
  }
  if (auto a = node.as_array()) {
    json arr = json::array();
    for (const auto& value : *a) arr.push_back(toml_to_json(value));
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
  for (const auto& kv : root) {
    if (!kv.first.IsScalar()) continue;
    const std::string key = kv.first.Scalar();
    fm.fields[key] = yaml_to_json(kv.second);
    fm.key_lines[key] = first_line + static_cast<std::size_t>(kv.first.Mark().line);
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
  for (const auto& [key, value] : table) {
    const std::string name(key.str());
    fm.fields[name] = toml_to_json(value);
    fm.key_lines[name] = first_line - 1 + value.source().begin.line;
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
