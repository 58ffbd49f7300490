#include "common/version.h"

#include <boost/version.hpp>
#include <xapian.h>

#ifndef POSTSEARCH_VERSION
#error "POSTSEARCH_VERSION must be defined by the build (common/CMakeLists.txt)"
#endif

namespace postsearch {

std::string_view version() { return POSTSEARCH_VERSION; }

std::string version_line(std::string_view program) {
  // BOOST_VERSION is MMmmpp: 108100 is 1.81.0.
  const std::string boost =
      std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000);
  return std::string(program) + " " + std::string(version()) + " (Xapian " +
         Xapian::version_string() + ", Boost " + boost + ")";
}

}  // namespace postsearch
