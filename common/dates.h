// Post dates. Every date is kept as a calendar date "YYYY-MM-DD": a post's date is the day
// its author wrote down, whatever the time zone offset next to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace postsearch::dates {

// Parses `YYYY-MM-DD` (also `YYYY-M-D`), RFC 3339 date-times with any offset or none
// (`2019-03-01T10:00:00-08:00`, `2019-03-01 10:00:00Z`), and returns "YYYY-MM-DD".
// Returns nullopt for anything else or an impossible day (2019-02-30).
std::optional<std::string> parse_date(std::string_view s);

// Finds a `YYYY/MM/DD/` path segment (Zola `path`, Hugo permalinks) and returns it as a date.
std::optional<std::string> date_from_path(std::string_view path);

// Finds a Jekyll-style `YYYY-MM-DD-` prefix on a file name.
std::optional<std::string> date_from_file_name(std::string_view file_name);

// "YYYY-MM-DD" -> "YYYYMMDD", the sortable form stored in the index.
std::string to_sortable(std::string_view date);

bool is_valid_day(int year, int month, int day);

}  // namespace postsearch::dates
