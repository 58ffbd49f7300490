#!/usr/bin/env bash
# Builds everything with AddressSanitizer + UndefinedBehaviorSanitizer into build-asan/ and runs
# every test there; the binaries the tests spawn (postsearch-index, postsearch-server) are
# sanitized too. Any report (memory error, leak, undefined behaviour) aborts the process that
# made it, so the test fails. ASan/LSan reports also go to build-asan/sanitizer-logs/ and
# UBSan reports to stderr: the run fails if any turns up, even from a child whose exit status
# or stderr a test did not look at.
#   bash scripts/test-sanitizers.sh              build and run every test
#   bash scripts/test-sanitizers.sh -R REGEX     extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-asan
# -O1 -g1: half the compile time of -O2 -g, stack traces keep file:line; asserts stay on.
# Warnings are the plain build's job (scripts/build.sh with WERROR=ON).
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DPOSTSEARCH_SANITIZE=address,undefined -DPOSTSEARCH_WERROR=OFF >/dev/null
start=$SECONDS
cmake --build "$build" -j"$(nproc)"
echo "sanitizer build: $((SECONDS - start)) s"

logs="$PWD/$build/sanitizer-logs"
rm -rf "$logs"
mkdir -p "$logs"
# new_delete_type_mismatch=0: Xapian 1.4's Database::check deletes its GlassTableCheck through
# an AutoPtr<GlassTable> (no virtual destructor; glass_dbcheck.cc), and ASan cannot suppress
# that report by stack. Our code is covered by -Wdelete-non-virtual-dtor/-Wnon-virtual-dtor.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:log_path=$logs/asan:log_exe_name=1\
:strict_string_checks=1:check_initialization_order=1:strict_init_order=1\
:detect_stack_use_after_return=1:new_delete_type_mismatch=0"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1"

start=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j2 "$@" || status=$?
echo "sanitizer tests: $((SECONDS - start)) s"
found=0
for report in "$logs"/*; do
  [[ -e $report ]] || continue
  echo "=== $report"
  cat "$report"
  found=1
done
if grep -E -B2 -A20 ":[0-9]+:[0-9]+: runtime error: |ERROR: (Address|Leak)Sanitizer" "$build/Testing/Temporary/LastTest.log"; then
  found=1
fi
if ((found)); then
  echo "sanitizer reports: see above" >&2
  exit 1
fi
exit "$status"
