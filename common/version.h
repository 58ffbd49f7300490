// The version every postsearch binary reports (`--version`), from CMake's PROJECT_VERSION,
// so the three executables and the server's /metrics build_info never disagree.
#pragma once

#include <string>
#include <string_view>

namespace postsearch {

// "0.1.0": the project version this library was built as.
std::string_view version();

// "postsearch-server 0.1.0 (Xapian 1.4.22, Boost 1.81)": `program`, the version, and the
// versions of the Xapian library loaded at run time and of the Boost headers built against.
std::string version_line(std::string_view program);

}  // namespace postsearch
