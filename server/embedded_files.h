// The files of server/assets/, compiled into the binary by cmake/embed_assets.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace postsearch {

struct EmbeddedFile {
  std::string_view name;  // file name under server/assets/, e.g. "search.js"
  std::string_view data;  // its bytes
};

const std::vector<EmbeddedFile>& embedded_files();

}  // namespace postsearch
