#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) into build-fuzz/ with Clang, ASan and UBSan,
# assembles their seed corpora and fuzzes each target in turn.
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# SECONDS_PER_TARGET defaults to 30; TARGETs are fuzz_post_reader, fuzz_query,
# fuzz_http_request and fuzz_post_query (default: all four; the fuzz_ prefix may be left out).
#
# build-fuzz/seeds/TARGET    seeds, rebuilt every run: data/posts, a sample of the go-blog and
#                            rust-blog corpora, the benchmark and relevance queries, and the
#                            committed tests/fuzz/seeds/{post,query,http,postquery}/ (read-only
#                            to libFuzzer)
# build-fuzz/corpus/TARGET   the working corpus, kept and grown from run to run
# build-fuzz/findings/TARGET crashes, leaks, timeouts and OOMs (crash-<sha1> etc.)
# tests/fuzz/regressions/TARGET/ inputs that once crashed: replayed before fuzzing (and by ctest
#                            in the normal builds, as "fuzz regressions: TARGET").
# A finding is replayed with `build-fuzz/tests/fuzz/TARGET FILE`.
#
# Exit status: 0 when no target found anything, 1 otherwise, 2 on a usage or build error.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=30
if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all_targets=(fuzz_post_reader fuzz_query fuzz_http_request fuzz_post_query)
(($# > 0)) || set -- "${all_targets[@]}"
targets=()
for t in "$@"; do
  t=fuzz_${t#fuzz_}
  if [[ ! " ${all_targets[*]} " =~ " $t " ]]; then
    echo "fuzz.sh: unknown target '$t' (known: ${all_targets[*]})" >&2
    exit 2
  fi
  targets+=("$t")
done

out=build-fuzz
fuzz_dir=tests/fuzz
corpus_root=tests/corpora  # the corpora the tests use (tests/corpora/README.md)

# --- build: only the fuzz targets ---
build_args=()
for t in "${targets[@]}"; do build_args+=(--target "$t"); done
CC=clang CXX=clang++ cmake -S . -B "$out" -DPOSTSEARCH_FUZZ=ON -DPOSTSEARCH_BUILD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2
cmake --build "$out" -j"${JOBS:-$(nproc)}" "${build_args[@]}" || exit 2

# --- seeds ---
short_name() {  # the name of a target's committed seeds and dictionary
  case $1 in
    fuzz_post_reader) echo post ;;
    fuzz_query) echo query ;;
    fuzz_http_request) echo http ;;
    fuzz_post_query) echo postquery ;;
  esac
}

urlencode() {
  local LC_ALL=C s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9._~-]) out+=$c ;;
      ' ') out+=+ ;;
      *) printf -v c '%%%02X' "'$c"; out+=$c ;;
    esac
  done
  printf '%s' "$out"
}

queries() {  # one query a line: the go-blog benchmark queries, then the judged queries
  grep -v '^$' bench/queries-go-blog.txt
  tail -n +2 tests/relevance/judgments.tsv | cut -f3
}

slugs() {
  (cd data/posts && find . -name '*.md' | sed 's|^\./||; s|\.md$||' | sort)
}

seed_post_reader() {
  local dir=$1 f corpus
  while IFS= read -r f; do
    cp "$f" "$dir/data-$(echo "${f#data/posts/}" | tr / _)"
  done < <(find data/posts -name '*.md' | sort)
  # Every 10th post of at most 16 KiB from each corpus (the MDN tarball is left out).
  for corpus in go-blog rust-blog; do
    while IFS= read -r f; do
      cp "$f" "$dir/$corpus-$(echo "${f#"$corpus_root/$corpus/"}" | tr / _)"
    done < <(find "$corpus_root/$corpus" -name '*.md' -size -16k | sort | awk 'NR % 10 == 1')
  done
}

# Whole posts too: each is indexed beside data/posts and searched for with its own words.
seed_post_query() {
  seed_post_reader "$1"
}

seed_query() {  # see the input layout in tests/fuzz/fuzz_query.cpp
  local dir=$1 n=0 q s
  while IFS= read -r q; do
    [[ -n $q ]] || continue
    n=$((n + 1))
    printf '\x38\x01\x0a\x05%s' "$q" >"$dir/search-$n"        # search with facets and snippets
    if ((n % 5 == 0)); then
      printf '\x3c\x02\x03\x05%s\n2015-01-01\n2021-12-31\ngo' "$q" >"$dir/search-date-$n"
      printf '\x01\x00\x00\x05%s' "${q:0:$((${#q} - 1))}" >"$dir/suggest-$n"
    fi
  done < <(queries)
  n=0
  while IFS= read -r s; do
    n=$((n + 1))
    printf '\x02\x00\x00\x05%s' "$s" >"$dir/related-$n"
    printf '\x03\x00\x00\x00%s' "$s" >"$dir/post-$n"
  done < <(slugs)
}

seed_http_request() {
  local dir=$1 n=0 q s
  while IFS= read -r q; do
    [[ -n $q ]] || continue
    n=$((n + 1))
    printf 'GET /api/search?q=%s&per_page=5 HTTP/1.1\r\nHost: localhost\r\n\r\n' \
      "$(urlencode "$q")" >"$dir/search-$n"
    if ((n % 5 == 0)); then
      printf 'GET /api/suggest?q=%s HTTP/1.1\r\nHost: localhost\r\nOrigin: https://blog.example\r\n\r\n' \
        "$(urlencode "${q:0:$((${#q} - 1))}")" >"$dir/suggest-$n"
    fi
  done < <(queries)
  n=0
  while IFS= read -r s; do
    n=$((n + 1))
    printf 'GET /api/posts/%s/related?limit=3 HTTP/1.1\r\nHost: localhost\r\n\r\n' "$s" >"$dir/related-$n"
  done < <(slugs)
}

for t in "${targets[@]}"; do
  seeds=$out/seeds/$t
  rm -rf "$seeds"
  mkdir -p "$seeds" "$out/corpus/$t" "$out/findings/$t" "$out/logs"
  "seed_${t#fuzz_}" "$seeds"
  committed=$fuzz_dir/seeds/$(short_name "$t")
  if [[ -d $committed ]]; then
    for f in "$committed"/*; do cp "$f" "$seeds/committed-$(basename "$f")"; done
  fi
done

# --- fuzz ---
flags=(-timeout=10 -rss_limit_mb=2048)
failed=0
summary=()
for t in "${targets[@]}"; do
  bin=$out/tests/fuzz/$t
  log=$out/logs/$t.log
  result=ok

  regressions=()
  if [[ -d $fuzz_dir/regressions/$t ]]; then
    mapfile -t regressions < <(find "$fuzz_dir/regressions/$t" -type f ! -name '.*' | sort)
  fi
  if ((${#regressions[@]} > 0)); then
    echo "== $t: replaying ${#regressions[@]} regression input(s)"
    if ! "$bin" "${flags[@]}" "${regressions[@]}" >"$out/logs/$t.regressions.log" 2>&1; then
      echo "$t: a regression input fails again; see $out/logs/$t.regressions.log" >&2
      result=REGRESSION
      failed=1
    fi
  fi

  dict=()
  [[ -f $fuzz_dir/$(short_name "$t").dict ]] && dict=(-dict="$fuzz_dir/$(short_name "$t").dict")
  echo "== $t: fuzzing for ${seconds}s (log: $log)"
  status=0
  "$bin" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$out/findings/$t/" "$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    result="FOUND (exit $status)"
    failed=1
    grep -E '^(==[0-9]+==ERROR|FUZZ INVARIANT|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -8 >&2 || true
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1 || true)
  [[ -z $execs ]] && execs=$(sed -E 's/^#([0-9]+).*/\1/' <<<"$last")
  [[ -z $rate ]] && rate=$(sed -nE 's/.* exec\/s: ([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  summary+=("$(printf '%-18s %10s %8s %7s %14s %8s  %s' "$t" "${execs:--}" "${rate:--}" \
    "${cov:--}" "${corp:--}" "$(find "$out/corpus/$t" -type f | wc -l)" "$result")")
done

echo
printf '%-18s %10s %8s %7s %14s %8s  %s\n' target execs exec/s cov 'corp (n/size)' saved result
printf '%s\n' "${summary[@]}"
if ((failed)); then
  echo "findings: $out/findings/ (replay one with: $out/tests/fuzz/TARGET FILE)" >&2
  exit 1
fi
