// The built-in search page (SPEC §4 `GET /`), compiled into the binary so the server
// works from any working directory. Script and styles are separate resources, so the page
// is served with a Content-Security-Policy that forbids inline script and style.
#pragma once

#include <string_view>

namespace postsearch {

struct EmbeddedAsset {
  std::string_view path;          // "/", "/assets/search.js", ...
  std::string_view content_type;  // with charset
  std::string_view body;
};

// The asset served at exactly `path` (already percent-decoded), or nullptr.
const EmbeddedAsset* find_embedded_asset(std::string_view path);

// The policy the page is served with: only same-origin script, style and fetches.
inline constexpr std::string_view kSearchPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace postsearch
