#include "server/page_renderer.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/text.h"

namespace postsearch {

// Every string from a post or the query goes through this one escaper (common/text).
using text::html_escape;

namespace {

// How many tags the facet list shows (the most frequent; active ones always). search.js
// uses the same number, so both renderings list the same tags.
constexpr std::size_t kFacetTags = 12;
// Pages listed on each side of the current one in the pager (search.js: the same).
constexpr int kPagerWindow = 2;

// Replaces the one occurrence of `marker` in `page`; the template must have it.
void fill(std::string& page, std::string_view marker, std::string_view content) {
  const auto at = page.find(marker);
  if (at == std::string::npos) {
    throw std::logic_error("the page template has no " + std::string(marker));
  }
  page.replace(at, marker.size(), content);
}

// application/x-www-form-urlencoded, byte for byte what URLSearchParams writes.
std::string form_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool plain = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
                       (u >= '0' && u <= '9') || c == '*' || c == '-' || c == '.' || c == '_';
    if (plain) {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

// encodeURIComponent: for the section anchor after '#'.
std::string uri_component(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  static constexpr std::string_view kKeep = "-_.!~*'()";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
        kKeep.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    }
  }
  return out;
}

// A year facet is the filter since=YYYY-01-01&until=YYYY-12-31.
std::string year_of_filter(const SearchRequest& r) {
  if (r.since.size() != 10 || r.until.size() != 10) return "";
  const std::string year = r.since.substr(0, 4);
  if (r.since != year + "-01-01" || r.until != year + "-12-31") return "";
  return year;
}

// `request` moved to another result set: back to its first page.
SearchRequest first_page(SearchRequest r) {
  r.page = 1;
  return r;
}

std::string nav_link(const SearchRequest& target, std::string_view class_name,
                     std::string_view inner_html, std::string_view extra_attributes = {}) {
  std::string out = "<a class=\"ps-nav";
  if (!class_name.empty()) out += ' ' + std::string(class_name);
  out += "\" href=\"" + html_escape(page_url(target)) + '"';
  if (!extra_attributes.empty()) out += ' ' + std::string(extra_attributes);
  out += '>' + std::string(inner_html) + "</a>";
  return out;
}

std::string render_card(const Card& card, std::size_t index) {
  const std::string title = card.title.empty() ? (card.slug.empty() ? "(untitled)" : card.slug)
                                               : card.title;
  const bool linked = is_safe_href(card.url);
  std::string out = "<li class=\"ps-hit\" id=\"ps-hit-" + std::to_string(index) + "\">";
  out += "<h2 class=\"ps-title\">";
  if (linked) {
    out += "<a href=\"" + html_escape(card.url) + "\">" + html_escape(title) + "</a>";
  } else {
    out += html_escape(title);
  }
  out += "</h2><p class=\"ps-meta\">";
  std::vector<std::string> bits;
  if (!card.date.empty()) {
    bits.push_back("<time datetime=\"" + html_escape(card.date) + "\">" + html_escape(card.date) +
                   "</time>");
  }
  if (card.reading_minutes > 0) bits.push_back(std::to_string(card.reading_minutes) + " min read");
  for (std::size_t i = 0; i < bits.size(); ++i) out += (i ? " \xC2\xB7 " : "") + bits[i];
  if (!card.tags.empty()) {
    if (!bits.empty()) out += " \xC2\xB7 ";
    for (const auto& tag : card.tags) out += "<span class=\"ps-tag\">" + html_escape(tag) + "</span>";
  }
  out += "</p><p class=\"ps-snippet\">";
  out += card.snippet && !card.snippet->empty() ? sanitize_snippet(*card.snippet)
                                                : html_escape(card.summary);
  out += "</p>";
  if (card.section && !card.section->heading.empty() && linked) {
    const std::string base = card.url.substr(0, card.url.find('#'));
    out += "<p class=\"ps-section\"><a href=\"" +
           html_escape(base + "#" + uri_component(card.section->anchor)) + "\">\xC2\xA7 " +
           html_escape(card.section->heading) + "</a></p>";
  }
  out += "</li>";
  return out;
}

std::string render_status(const SearchRequest& r, const SearchResponse& s) {
  std::string out;
  if (s.total == 0) {
    out += "<span class=\"ps-count\">No results";
    if (!r.query.empty()) out += " for \xE2\x80\x9C" + html_escape(r.query) + "\xE2\x80\x9D";
    out += "</span>";
  } else {
    std::string count = std::to_string(s.total) + (s.total == 1 ? " result" : " results");
    if (!s.total_is_exact) count = "About " + count;
    out += "<span class=\"ps-count\">" + count + "</span>";
  }
  char took[32];
  std::snprintf(took, sizeof took, " \xC2\xB7 %.1f ms", s.took_ms);
  out += "<span class=\"ps-took\">" + std::string(took) + "</span>";
  if (s.suggestion) {
    SearchRequest target = first_page(r);
    target.query = *s.suggestion;
    target.spelling = true;
    out += "<span class=\"ps-spell\">Did you mean " +
           nav_link(target, "ps-switch", html_escape(*s.suggestion)) + "?</span>";
  } else if (s.corrected_query) {
    SearchRequest target = first_page(r);
    target.spelling = false;  // the query as typed, without the correction
    out += "<span class=\"ps-spell\">Showing results for <strong>" +
           html_escape(*s.corrected_query) + "</strong>. Search instead for " +
           nav_link(target, "ps-switch", html_escape(r.query)) + "</span>";
  }
  return out;
}

std::string facet_item(const SearchRequest& target, std::string_view label, std::size_t count,
                       bool active, std::string_view kind) {
  const std::string aria = std::string(active ? "Remove " : "Filter by ") + std::string(kind) +
                           " " + std::string(label) + " (" + std::to_string(count) + ")";
  std::string attrs = "aria-label=\"" + html_escape(aria) + "\"";
  if (active) attrs += " aria-current=\"true\"";
  return "<li>" +
         nav_link(target, active ? "ps-facet-link ps-facet-on" : "ps-facet-link",
                  "<span class=\"ps-facet-name\">" + html_escape(label) +
                      "</span> <span class=\"ps-facet-count\">" + std::to_string(count) + "</span>",
                  attrs) +
         "</li>";
}

std::string render_facets(const SearchRequest& r, const SearchResponse& s) {
  // Most frequent first, then by name; active tags always listed.
  std::vector<std::pair<std::string, std::size_t>> tags(s.tag_counts.begin(), s.tag_counts.end());
  std::stable_sort(tags.begin(), tags.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  auto active = [&](const std::string& tag) {
    return std::find(r.tags.begin(), r.tags.end(), tag) != r.tags.end();
  };
  std::string tag_items;
  std::size_t shown = 0;
  for (const auto& [tag, count] : tags) {
    const bool on = active(tag);
    if (!on && shown >= kFacetTags) continue;
    ++shown;
    SearchRequest target = first_page(r);
    if (on) {
      target.tags.erase(std::remove(target.tags.begin(), target.tags.end(), tag), target.tags.end());
    } else {
      target.tags.push_back(tag);
    }
    tag_items += facet_item(target, tag, count, on, "tag");
  }
  std::string year_items;
  const std::string active_year = year_of_filter(r);
  for (auto it = s.year_counts.rbegin(); it != s.year_counts.rend(); ++it) {
    const bool on = it->first == active_year;
    SearchRequest target = first_page(r);
    target.since = on ? "" : it->first + "-01-01";
    target.until = on ? "" : it->first + "-12-31";
    year_items += facet_item(target, it->first, it->second, on, "year");
  }
  std::string out;
  if (!tag_items.empty()) {
    out += "<section class=\"ps-facet\" aria-labelledby=\"ps-facet-tags\"><h2 class=\"ps-facet-title\" "
           "id=\"ps-facet-tags\">Tags</h2><ul class=\"ps-facet-list\">" + tag_items + "</ul></section>";
  }
  if (!year_items.empty()) {
    out += "<section class=\"ps-facet\" aria-labelledby=\"ps-facet-years\"><h2 class=\"ps-facet-title\" "
           "id=\"ps-facet-years\">Years</h2><ul class=\"ps-facet-list\">" + year_items + "</ul></section>";
  }
  return out;
}

std::string chip(const SearchRequest& target, const std::string& label) {
  return "<li>" +
         nav_link(target, "ps-chip", html_escape(label) + " <span aria-hidden=\"true\">\xC3\x97</span>",
                  "aria-label=\"Remove filter " + html_escape(label) + "\"") +
         "</li>";
}

std::string render_chips(const SearchRequest& r) {
  std::string items;
  for (const auto& tag : r.tags) {
    SearchRequest target = first_page(r);
    target.tags.erase(std::remove(target.tags.begin(), target.tags.end(), tag), target.tags.end());
    items += chip(target, "tag: " + tag);
  }
  if (const std::string year = year_of_filter(r); !year.empty()) {
    SearchRequest target = first_page(r);
    target.since.clear();
    target.until.clear();
    items += chip(target, "year: " + year);
  } else {
    if (!r.since.empty()) {
      SearchRequest target = first_page(r);
      target.since.clear();
      items += chip(target, "since: " + r.since);
    }
    if (!r.until.empty()) {
      SearchRequest target = first_page(r);
      target.until.clear();
      items += chip(target, "until: " + r.until);
    }
  }
  if (items.empty()) return "";
  SearchRequest none = first_page(r);
  none.tags.clear();
  none.since.clear();
  none.until.clear();
  return "<ul class=\"ps-chip-list\" aria-label=\"Active filters\">" + items + "<li>" +
         nav_link(none, "ps-chip-clear", "Clear filters") + "</li></ul>";
}

std::string render_pager(const SearchRequest& r, const SearchResponse& s) {
  const long long per_page = std::max(1, r.per_page);
  const long long deepest = std::max<long long>(1, kMaxResultDepth / per_page);
  const long long pages =
      std::min<long long>(deepest, (static_cast<long long>(s.total) + per_page - 1) / per_page);
  if (pages <= 1 && r.page <= 1) return "";
  auto at = [&](long long page) {
    SearchRequest target = r;
    target.page = static_cast<int>(page);
    return target;
  };
  std::string out;
  if (r.page > 1) {
    out += nav_link(at(r.page - 1), "ps-page-prev", "\xE2\x86\x90 Previous", "rel=\"prev\"");
  }
  out += "<ul class=\"ps-pages\">";
  long long last_listed = 0;
  for (long long p = 1; p <= pages; ++p) {
    const bool listed = p == 1 || p == pages || (p >= r.page - kPagerWindow && p <= r.page + kPagerWindow);
    if (!listed) continue;
    if (p > last_listed + 1) out += "<li><span class=\"ps-gap\">\xE2\x80\xA6</span></li>";
    const std::string label = "aria-label=\"Page " + std::to_string(p) + "\"";
    out += "<li>" +
           nav_link(at(p), "ps-page", std::to_string(p),
                    p == r.page ? label + " aria-current=\"page\"" : label) +
           "</li>";
    last_listed = p;
  }
  out += "</ul>";
  if (r.page < pages) {
    out += nav_link(at(r.page + 1), "ps-page-next", "Next \xE2\x86\x92", "rel=\"next\"");
  }
  return out;
}

std::string hidden_inputs(const SearchRequest& r) {
  // A new query typed into the form keeps the active filters (shown as chips).
  std::string out;
  auto hidden = [&](std::string_view name, const std::string& value) {
    out += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
           html_escape(value) + "\">";
  };
  for (const auto& tag : r.tags) hidden("tag", tag);
  if (!r.since.empty()) hidden("since", r.since);
  if (!r.until.empty()) hidden("until", r.until);
  if (r.per_page != SearchRequest{}.per_page) hidden("per_page", std::to_string(r.per_page));
  return out;
}

// The parts every rendering fills: the box, the title and the sort select.
void fill_form(std::string& page, std::string_view query, SortOrder sort) {
  fill(page, "name=\"q\" value=\"\"", "name=\"q\" value=\"" + html_escape(query) + "\"");
  fill(page, "<title>Search</title>",
       query.empty() ? std::string("<title>Search</title>")
                     : "<title>" + html_escape(query) + " \xE2\x80\x93 Search</title>");
  if (sort == SortOrder::kDate) {
    fill(page, "<option value=\"date\">", "<option value=\"date\" selected>");
  }
}

}  // namespace

bool is_safe_href(std::string_view url) {
  auto starts_with_ci = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  if (starts_with_ci("http://") || starts_with_ci("https://")) return url.size() > 8;
  // "//host" and "/\host" leave the site: browsers read both as scheme-relative.
  return url.size() >= 1 && url[0] == '/' && (url.size() == 1 || (url[1] != '/' && url[1] != '\\'));
}

std::string sanitize_snippet(std::string_view snippet) {
  std::string out;
  std::size_t i = 0;
  while (i < snippet.size()) {
    const std::string_view rest = snippet.substr(i);
    if (rest.substr(0, 6) == "<mark>" || rest.substr(0, 7) == "</mark>") {
      const std::size_t n = rest[1] == '/' ? 7 : 6;
      out += rest.substr(0, n);
      i += n;
      continue;
    }
    const char c = snippet[i];
    if (c == '&') {
      // Keep "&name;", "&#123;" and "&#x1F;" (what the snippet maker writes); escape others.
      std::size_t end = 1;
      while (end < rest.size() && end < 12 &&
             ((rest[end] >= 'a' && rest[end] <= 'z') || (rest[end] >= 'A' && rest[end] <= 'Z') ||
              (rest[end] >= '0' && rest[end] <= '9') || (rest[end] == '#' && end == 1))) {
        ++end;
      }
      const bool reference = end > 1 && end < rest.size() && rest[end] == ';';
      out += reference ? std::string(rest.substr(0, end + 1)) : "&amp;";
      i += reference ? end + 1 : 1;
      continue;
    }
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else {
      out += c;
    }
    ++i;
  }
  return out;
}

std::string page_url(const SearchRequest& r) {
  std::string query;
  auto add = [&](std::string_view name, std::string_view value) {
    query += query.empty() ? '?' : '&';
    query += std::string(name) + '=' + form_encode(value);
  };
  if (!r.query.empty()) add("q", r.query);
  for (const auto& tag : r.tags) add("tag", tag);
  if (!r.since.empty()) add("since", r.since);
  if (!r.until.empty()) add("until", r.until);
  if (r.sort == SortOrder::kDate) add("sort", "date");
  if (!r.spelling) add("correct", "0");
  if (r.per_page != SearchRequest{}.per_page) add("per_page", std::to_string(r.per_page));
  if (r.page > 1) add("page", std::to_string(r.page));
  return "/" + query;
}

std::string render_results_page(std::string_view page_template, const SearchRequest& request,
                                const SearchResponse& response) {
  std::string page(page_template);
  fill_form(page, request.query, request.sort);
  fill(page, "<!--ps:hidden-->", hidden_inputs(request));
  fill(page, "<!--ps:chips-->", render_chips(request));
  fill(page, "<!--ps:status-->", render_status(request, response));
  fill(page, "<!--ps:facets-->", render_facets(request, response));
  std::string cards;
  for (std::size_t i = 0; i < response.hits.size(); ++i) cards += render_card(response.hits[i], i);
  fill(page, "<!--ps:results-->", cards);
  fill(page, "<!--ps:pager-->", render_pager(request, response));
  return page;
}

std::string render_error_page(std::string_view page_template, std::string_view query,
                              std::string_view message) {
  std::string page(page_template);
  fill_form(page, query, SortOrder::kRelevance);
  for (std::string_view marker : {"<!--ps:hidden-->", "<!--ps:chips-->", "<!--ps:facets-->",
                                  "<!--ps:results-->", "<!--ps:pager-->"}) {
    fill(page, marker, "");
  }
  fill(page, "<!--ps:status-->",
       "<span class=\"ps-error\" role=\"alert\">" + html_escape(message) + "</span>");
  return page;
}

}  // namespace postsearch
