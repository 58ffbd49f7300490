// Server-side rendering of the search page (`GET /?q=...`), so the page works with
// JavaScript off: the results, the count, the spelling links, the facets, the active
// filters and the pager are written into server/assets/index.html, in the same markup
// server/assets/search.js builds in the browser.
//
// Safety: every string that comes from a post or from the request goes through
// html_escape(); a card URL becomes an href only when it is http(s) or site-relative
// (is_safe_href); a snippet keeps only <mark>/</mark> as markup (sanitize_snippet). Links
// between result pages are built by page_url() from a SearchRequest, never by echoing the
// request's query string.
//
// The template holds placeholders (HTML comments, invisible when unfilled, so the page
// without a query is served as is and stays cacheable): <!--ps:hidden-->, <!--ps:chips-->,
// <!--ps:status-->, <!--ps:facets-->, <!--ps:results-->, <!--ps:pager-->, plus the literal
// `name="q" value=""` of the search box, `<option value="date">` of the sort select and
// `<title>Search</title>`. A template that lacks one is a build error: std::logic_error.
#pragma once

#include <string>
#include <string_view>

#include "common/search_request.h"
#include "common/searcher.h"

namespace postsearch {

// True for an absolute http(s) URL or a site-relative path ("/posts/x", not "//host").
bool is_safe_href(std::string_view url);

// A snippet with only <mark> and </mark> left as markup: any other '<', '>' or '"', and any
// '&' that does not start a character reference, is escaped. Snippets are HTML-safe by
// contract (SPEC §5); this keeps one bad index from becoming script on the page.
std::string sanitize_snippet(std::string_view snippet);

// The page URL ("/?q=...&tag=...&page=2") that shows `request`: parameters in a fixed order
// (q, tag..., since, until, sort, correct, per_page, page), defaults left out, encoded as
// application/x-www-form-urlencoded (as the browser's URLSearchParams does).
std::string page_url(const SearchRequest& request);

// The page with the results of `request`. The template is server/assets/index.html.
std::string render_results_page(std::string_view page_template, const SearchRequest& request,
                                const SearchResponse& response);

// The page with `message` as a visible error, the search box holding `query`.
std::string render_error_page(std::string_view page_template, std::string_view query,
                              std::string_view message);

}  // namespace postsearch
