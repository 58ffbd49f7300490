// HTTP caching helpers (RFC 9110 §8.8.3 ETag, §13.1.2 If-None-Match): entity tags for the
// API (tied to the index version and the request target) and for embedded assets (tied to
// their bytes), and the weak comparison a conditional GET uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/hash.h"  // fnv1a64: enough to tell representations apart in a validator

namespace postsearch {

// W/"<16 hex>-<16 hex>": a weak tag for an API response. Weak because a response such as
// /api/search carries its own timing (`took_ms`), so two answers are equivalent, not
// byte-identical. `index_version` is IndexStatus::version; `target` the raw request target,
// so two different queries never share a tag; `salt` separates anything else that shapes
// the body (the program version).
std::string api_etag(std::string_view index_version, std::string_view target,
                     std::string_view salt);

// "<16 hex>": a strong tag over `content` (an embedded asset's bytes).
std::string content_etag(std::string_view content);

// True when an If-None-Match header value (a comma-separated list of entity tags, or "*")
// matches `etag` by the weak comparison (W/ ignored, opaque tags equal). A malformed value
// matches nothing, so the full response is sent.
bool if_none_match_matches(std::string_view header, std::string_view etag);

}  // namespace postsearch
