#!/usr/bin/env bash
# The repository is self-contained: no tracked file refers to a folder beside the checkout
# (the corpora and the benchmark queries are copied in: tests/corpora, bench/). Third-party
# corpus files are left out of the search: they are kept unmodified, whatever they say.
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\.\./shared'
if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  found=$(git grep -n -E "$pattern" -- . ':!tests/corpora' ':!tests/self_contained_test.sh' || true)
else
  found=$(grep -rn -E "$pattern" . --exclude-dir=.git --exclude-dir='build*' --exclude-dir=node_modules \
            --exclude-dir=corpora --exclude=self_contained_test.sh || true)
fi
if [ -n "$found" ]; then
  echo "files that refer to a folder outside the repository:" >&2
  echo "$found" >&2
  exit 1
fi
for f in tests/corpora/go-blog tests/corpora/rust-blog tests/corpora/react-dev-i18n \
         tests/corpora/mdn-en-us.tar.xz bench/queries-go-blog.txt; do
  [ -e "$f" ] || { echo "missing: $f" >&2; exit 1; }
done
echo "self-contained: no reference outside the repository"
