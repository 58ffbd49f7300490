#include "server/search_page.h"

#include <array>
#include <stdexcept>
#include <string>

#include "server/embedded_files.h"

namespace postsearch {

namespace {

// Where each file of server/assets/ is served. The page has no inline script or style (see
// kSearchPageCsp); without JavaScript its form still submits ?q=....
struct Mount {
  std::string_view path;
  std::string_view file;
  std::string_view content_type;
};

constexpr std::array<Mount, 5> kMounts = {{
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/assets/search.css", "search.css", "text/css; charset=utf-8"},
    {"/assets/search.js", "search.js", "text/javascript; charset=utf-8"},
    // The embeddable widget (SPEC §4): loaded cross-origin by a plain <script src> and, from
    // its shadow roots, a plain <link rel=stylesheet>; neither needs CORS headers.
    {"/widget.js", "widget.js", "text/javascript; charset=utf-8"},
    {"/widget.css", "widget.css", "text/css; charset=utf-8"},
}};

std::vector<EmbeddedAsset> mount_assets() {
  std::vector<EmbeddedAsset> assets;
  for (const auto& mount : kMounts) {
    bool found = false;
    for (const auto& file : embedded_files()) {
      if (file.name != mount.file) continue;
      assets.push_back({mount.path, mount.content_type, file.data});
      found = true;
    }
    // A build that lost an asset must not start serving a half page.
    if (!found) throw std::logic_error("asset " + std::string(mount.file) + " is not embedded");
  }
  return assets;
}

}  // namespace

const EmbeddedAsset* find_embedded_asset(std::string_view path) {
  static const std::vector<EmbeddedAsset> assets = mount_assets();
  for (const auto& asset : assets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace postsearch
