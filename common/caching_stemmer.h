// An English stemmer that remembers its answers. Indexing stems every word of every post
// and words repeat (Zipf): a hash lookup is several times cheaper than running Snowball's
// English stemmer again. Not thread-safe: one per DocumentBuilder.
#pragma once

#include <xapian.h>

namespace postsearch {

// A Xapian::Stem giving exactly what Xapian::Stem("english") gives.
Xapian::Stem caching_english_stemmer();

}  // namespace postsearch
