#!/usr/bin/env bash
# The browser tests (tests/browser/*.test.mjs): Debian's Chromium, headless, driven by
# playwright-core against the real server on loopback. Each file runs in its own node
# process, one after another (they start servers and a browser each).
#   POSTSEARCH_BUILD  build directory with the binaries (default: build)
#   CHROMIUM          the browser (default: /usr/bin/chromium)
# Screenshots land in $POSTSEARCH_BUILD/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export POSTSEARCH_BUILD="$(realpath "${POSTSEARCH_BUILD:-build}")"
browser_dir=tests/browser

for tool in node npm "${CHROMIUM:-/usr/bin/chromium}"; do
  command -v "$tool" > /dev/null || { echo "test-browser: $tool not found (run scripts/install-deps.sh)" >&2; exit 2; }
done
# npm ci only when the installed packages do not match the lock file.
if ! cmp -s "$browser_dir/package-lock.json" "$browser_dir/node_modules/.package-lock.source" 2> /dev/null; then
  (cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$browser_dir/package-lock.json" "$browser_dir/node_modules/.package-lock.source"
fi

failed=()
for test_file in "$browser_dir"/*.test.mjs; do
  echo "== $test_file"
  if ! node "$test_file"; then failed+=("$test_file"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "test-browser: failed: ${failed[*]}" >&2
  exit 1
fi
echo "test-browser: all passed; screenshots in $POSTSEARCH_BUILD/browser-artifacts/"
