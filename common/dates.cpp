#include "common/dates.h"

#include <cctype>
#include <cstdio>

namespace postsearch::dates {

namespace {

// Reads 1..max_digits digits at `pos`, advancing it.
std::optional<int> read_number(std::string_view s, std::size_t& pos, std::size_t min_digits,
                               std::size_t max_digits) {
  std::size_t start = pos;
  int value = 0;
  while (pos < s.size() && pos - start < max_digits &&
         std::isdigit(static_cast<unsigned char>(s[pos]))) {
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos - start < min_digits) return std::nullopt;
  return value;
}

std::string format(int y, int m, int d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  return buf;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// Checks the part after the date: "", or a time "[T ]hh:mm[:ss[.frac]][Z|±hh:mm]".
bool valid_time_suffix(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest[0] != 'T' && rest[0] != 't' && rest[0] != ' ') return false;
  std::size_t pos = 1;
  auto hh = read_number(rest, pos, 2, 2);
  if (!hh || *hh > 23 || pos >= rest.size() || rest[pos] != ':') return false;
  ++pos;
  auto mm = read_number(rest, pos, 2, 2);
  if (!mm || *mm > 59) return false;
  if (pos < rest.size() && rest[pos] == ':') {
    ++pos;
    auto ss = read_number(rest, pos, 2, 2);
    if (!ss || *ss > 60) return false;
    if (pos < rest.size() && rest[pos] == '.') {
      ++pos;
      if (!read_number(rest, pos, 1, 9)) return false;
    }
  }
  if (pos < rest.size() && rest[pos] == ' ') ++pos;  // "2019-03-01 10:00:00 +0000"
  if (pos == rest.size()) return true;
  if (rest[pos] == 'Z' || rest[pos] == 'z') return pos + 1 == rest.size();
  if (rest[pos] != '+' && rest[pos] != '-') return false;
  ++pos;
  auto oh = read_number(rest, pos, 2, 2);
  if (!oh || *oh > 23) return false;
  if (pos < rest.size() && rest[pos] == ':') ++pos;
  auto om = read_number(rest, pos, 2, 2);
  return om && *om <= 59 && pos == rest.size();
}

}  // namespace

bool is_valid_day(int year, int month, int day) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const int max_day = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  return day <= max_day;
}

std::optional<std::string> parse_date(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  std::size_t pos = 0;
  auto y = read_number(s, pos, 4, 4);
  if (!y || pos >= s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  auto m = read_number(s, pos, 1, 2);
  if (!m || pos >= s.size() || s[pos] != '-') return std::nullopt;
  ++pos;
  auto d = read_number(s, pos, 1, 2);
  if (!d || !is_valid_day(*y, *m, *d)) return std::nullopt;
  if (!valid_time_suffix(s.substr(pos))) return std::nullopt;
  return format(*y, *m, *d);
}

std::optional<std::string> date_from_path(std::string_view path) {
  // Looks for "YYYY/MM/DD/" at the start or after a '/'.
  for (std::size_t i = 0; i + 11 <= path.size(); ++i) {
    if (i > 0 && path[i - 1] != '/') continue;
    if (digits(path, i, 4) && path[i + 4] == '/' && digits(path, i + 5, 2) &&
        path[i + 7] == '/' && digits(path, i + 8, 2) && path[i + 10] == '/') {
      const int y = std::stoi(std::string(path.substr(i, 4)));
      const int m = std::stoi(std::string(path.substr(i + 5, 2)));
      const int d = std::stoi(std::string(path.substr(i + 8, 2)));
      if (is_valid_day(y, m, d)) return format(y, m, d);
    }
  }
  return std::nullopt;
}

std::optional<std::string> date_from_file_name(std::string_view name) {
  if (name.size() < 11 || !digits(name, 0, 4) || name[4] != '-' || !digits(name, 5, 2) ||
      name[7] != '-' || !digits(name, 8, 2) || name[10] != '-') {
    return std::nullopt;
  }
  const int y = std::stoi(std::string(name.substr(0, 4)));
  const int m = std::stoi(std::string(name.substr(5, 2)));
  const int d = std::stoi(std::string(name.substr(8, 2)));
  if (!is_valid_day(y, m, d)) return std::nullopt;
  return format(y, m, d);
}

std::string to_sortable(std::string_view date) {
  std::string out;
  for (char c : date) {
    if (c != '-') out += c;
  }
  return out;
}

}  // namespace postsearch::dates
