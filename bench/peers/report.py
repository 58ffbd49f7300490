#!/usr/bin/env python3
"""Writes the benchmark report (docs/BENCHMARKS.md) from the figures bench/compare.sh collected.

    python3 report.py META_TSV RESULTS_TSV OUT_MD

META_TSV: "key<TAB>value" lines (machine, versions, settings). RESULTS_TSV: "corpus<TAB>subject
<TAB>metric<TAB>value" lines. Exits 1, after writing what it can, if a figure the run should
have produced is missing or a load saw non-2xx responses: so a smoke run catches a driver
that stopped reporting.
"""
import sys
from collections import defaultdict

CORPUS_NAMES = {"go-blog": "Go blog", "rust-blog": "Rust blog", "mdn": "MDN (en-US)"}

# Full builds: subject, name, what it indexes.
BUILDERS = [
    ("postsearch", "postsearch-index",
     "the Markdown files: front matter (YAML/TOML) parsed, Markdown parsed by libcmark; title, headings, "
     "summary, body and code (code-aware terms), tags, dates, spelling dictionary, cards and snippet text; "
     "a new generation, compacted (README)"),
    ("omindex", "omindex (Omega)",
     "the HTML rendering (`cmark --unsafe` of the body, front matter cut, in a page with the title in "
     "`<title>` and `<h1>`); its defaults: English stemming, positions, a 512-byte sample as document data; "
     "not compacted"),
    ("pagefind", "Pagefind",
     "the same HTML site (`pagefind --site`, the npm CLI running its native binary); language from "
     "`<html lang=\"en\">`, page body, title from `<h1>`; index written with `--output-path` (fragments "
     "hold the page text for excerpts)"),
    ("fts5", "SQLite FTS5",
     "title + Markdown body per post (front matter cut, title from its `title` line), one "
     "`fts5(title, body, tokenize='porter unicode61')` table, one transaction; stores the text"),
    ("minisearch", "MiniSearch",
     "title + Markdown body, its default tokenizer (no stemming); serialized index (`JSON.stringify`) plus "
     "the bodies for snippets (store.jsonl)"),
    ("xapian", "plain Xapian",
     "title + Markdown body, TermGenerator with the English stemmer and positions, title also with S "
     "prefix, title + body as document data; one commit, then `compact()`: size is the compacted copy "
     "(uncompacted beside it); the time includes the compaction"),
    ("floor-cat", "floor: `cat`", "every post to /dev/null, one process"),
    ("floor-cmark", "floor: `cmark`", "one `cmark` process over every post (HTML to /dev/null)"),
]
QUERIERS = [
    ("postsearch-query", "postsearch",
     "`Searcher::search`: top-10 cards with snippets, exact facets, spelling; the query as typed in the "
     "search box (last word a prefix). Its hit cache (32 MB per searcher, emptied when the index changes) "
     "keeps the unpacked text and card of posts it has shown, so in these repeated rounds hits come from "
     "memory, as MiniSearch's and SQLite's page cache's do; the row \"no hit cache\" is the same searches "
     "with it off"),
    ("fts5-query", "SQLite FTS5",
     "`MATCH` (each word or \"phrase\" an FTS5 string, `*` a prefix; AND, OR if nothing) "
     "`ORDER BY bm25(docs, 10, 1) LIMIT 10` with `snippet(docs, -1, …, 24)`"),
    ("minisearch-query", "MiniSearch",
     "`search()` (AND, OR if nothing; `*` words as prefixes; title boost 10) top 10, plus a naive snippet: "
     "the text around the first match in the stored body"),
    ("xapian-query", "plain Xapian",
     "QueryParser (stemmed, phrases, wildcards; AND, OR if nothing) + `get_mset(0, 10)` + "
     "`MSet::snippet(data, 500, stemmer)`: default length and flags (exhaustive, background model)"),
]


def load(meta_path, results_path):
    meta = {}
    for line in open(meta_path, encoding="utf-8"):
        key, _, value = line.rstrip("\n").partition("\t")
        meta[key] = value
    figures = {}
    for line in open(results_path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 4:
            figures[tuple(parts[:3])] = parts[3]
    return meta, figures


class Figures:
    """Looks figures up by (corpus, subject, metric); remembers those asked for and missing."""

    def __init__(self, figures):
        self.figures = figures
        self.missing = []

    def get(self, corpus, subject, metric, required=True):
        value = self.figures.get((corpus, subject, metric))
        try:
            return float(value)
        except (TypeError, ValueError):
            if required:
                self.missing.append(f"{corpus} {subject} {metric}")
            return None


def num(v, digits=None):
    if v is None:
        return "—"
    if digits is None:
        digits = 0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2
    return f"{v:,.{digits}f}"


def times(ratio):
    return f"{ratio:.1f}×" if ratio < 100 else f"{ratio:,.0f}×"


def versus(ours, theirs, lower_is_better=True):
    """'postsearch 2.5× faster' style comparison of our figure with a peer's."""
    if ours is None or theirs is None or ours == 0 or theirs == 0:
        return "—"
    ratio = theirs / ours if lower_is_better else ours / theirs
    if ratio >= 1:
        return f"postsearch {times(ratio)} {'faster' if lower_is_better else 'higher'}"
    return f"postsearch {times(1 / ratio)} {'slower' if lower_is_better else 'lower'}"


def build_section(f, corpus, meta):
    md = f.get(corpus, "corpus", "md_mb")
    ours = f.get(corpus, "postsearch", "build_s")
    out = [f"### Full index build (median of {meta['runs']} runs)", "",
           "| tool | wall s | vs postsearch | CPU s | peak RSS MB | index MB | index / Markdown |",
           "|---|---:|---|---:|---:|---:|---:|"]
    summary = []
    for subject, name, _ in BUILDERS:
        wall = f.get(corpus, subject, "build_s")
        floor = subject.startswith("floor")
        size = None if floor else f.get(corpus, subject, "size_mb")
        if subject == "postsearch":
            vs = "—"
        elif floor:
            vs = f"postsearch takes {times(ours / wall)} this" if ours and wall else "—"
        else:
            vs = versus(ours, wall)
            summary.append(f"{vs.replace('postsearch ', '')} than {name}")
        size_cell = num(size, 2)
        if subject == "xapian":
            size_cell += f" (uncompacted {num(f.get(corpus, 'xapian', 'uncompacted_size_mb'), 2)})"
        ratio = f"{size / md:.2f}" if size is not None and md else "—"
        out.append(f"| {name} | {num(wall)} | {vs} | {num(f.get(corpus, subject, 'cpu_s'))} | "
                   f"{num(f.get(corpus, subject, 'rss_mb'), 1)} | {size_cell} | {ratio} |")
    out += ["", f"postsearch {num(ours)} s — " + ", ".join(summary) + "."]
    index_s = f.get(corpus, "xapian", "index_seconds", required=False)
    compact_s = f.get(corpus, "xapian", "compact_seconds", required=False)
    if index_s is not None and compact_s is not None:
        out.append(f"Plain Xapian's last run: {num(index_s)} s indexing and committing, "
                   f"{num(compact_s)} s compacting.")
    return out + [""]


def incremental_section(f, corpus, meta):
    full = f.get(corpus, "postsearch", "build_s")
    nochange = f.get(corpus, "postsearch", "nochange_s")
    return [f"### postsearch: incremental runs (median of {meta['runs']})", "",
            "| no-change run | no-change / full build | one changed post: indexer run | "
            "indexer start → found by a running server | the same, indexer told the path (`--changed FILE`) |",
            "|---:|---:|---:|---:|---:|",
            f"| {num(nochange, 3)} s | {f'{100 * nochange / full:.1f}%' if nochange is not None and full else '—'} | "
            f"{num(f.get(corpus, 'postsearch', 'onechange_s'), 3)} s | "
            f"{num(f.get(corpus, 'postsearch', 'visible_ms'), 0)} ms | "
            f"{num(f.get(corpus, 'postsearch', 'visible_changed_ms'), 0)} ms |", ""]


def query_section(f, corpus, meta):
    ours = f.get(corpus, "postsearch-query", "median_us")
    out = [f"### In-process query latency, one thread, top 10 with snippets "
           f"({meta['queries']} queries of queries-go-blog.txt; warm)", "",
           "| engine | median µs | p99 µs | vs postsearch (median) | rounds | mean hits |",
           "|---|---:|---:|---|---:|---:|"]
    summary = []
    for subject, name, _ in QUERIERS:
        median = f.get(corpus, subject, "median_us")
        vs = "—" if subject == "postsearch-query" else versus(ours, median)
        if subject != "postsearch-query":
            summary.append(f"{vs.replace('postsearch ', '')} than {name}")
        hits = f.get(corpus, subject, "mean_hits", required=False)
        out.append(f"| {name} | {num(median, 0)} | {num(f.get(corpus, subject, 'p99_us'), 0)} | {vs} | "
                   f"{num(f.get(corpus, subject, 'rounds'), 0)} | {num(hits, 1)} |")
    uncached = f.get(corpus, "postsearch-query", "uncached_median_us")
    out.append(f"| postsearch, no hit cache (every hit's data read from the index, unpacked and parsed, "
               f"as on a post's first showing) | {num(uncached, 0)} | "
               f"{num(f.get(corpus, 'postsearch-query', 'uncached_p99_us'), 0)} | "
               f"{versus(ours, uncached).replace('postsearch', 'cached')} | "
               f"{num(f.get(corpus, 'postsearch-query', 'rounds'), 0)} | — |")
    bare = f.get(corpus, "postsearch-query", "bare_median_us")
    out.append(f"| floor: bare Xapian match on postsearch's index (QueryParser + get_mset(0, 10), no cards, "
               f"no snippets) | {num(bare, 0)} | {num(f.get(corpus, 'postsearch-query', 'bare_p99_us'), 0)} | "
               f"postsearch takes {times(ours / bare) if ours and bare else '—'} this | "
               f"{num(f.get(corpus, 'postsearch-query', 'rounds'), 0)} | — |")
    rate = f.get(corpus, "postsearch-query", "throughput_qps")
    out += ["", f"postsearch median {num(ours, 0)} µs — " + ", ".join(summary) + ".",
            f"postsearch's searcher on 2 threads (one `Searcher` each, in-process): {num(rate, 0)} queries/s.", ""]
    return out


def http_section(f, corpus, meta):
    nginx = f.get("all", "nginx", "rps")
    rate = f.get(corpus, "postsearch-query", "throughput_qps")
    rows = [("nginx: static JSON file "
             f"({num(f.get('all', 'nginx', 'file_bytes'), 0)} bytes)", "all", "nginx", None),
            ("postsearch-server `/healthz`", corpus, "healthz", nginx),
            ("postsearch-server `/api/search` (the query mix)", corpus, "search", None)]
    out = [f"### HTTP on loopback: wrk -t2 -c{meta['wrk_connections']} -d{meta['wrk_seconds']}s, server --threads 2", "",
           "| endpoint | req/s | p50 ms | p99 ms | compared with |", "|---|---:|---:|---:|---|"]
    for name, c, subject, _ in rows:
        rps = f.get(c, subject, "rps")
        if subject == "healthz":
            cmp = f"{100 * rps / nginx:.0f}% of nginx static" if rps and nginx else "—"
        elif subject == "search":
            cmp = f"{100 * rps / rate:.0f}% of the in-process 2-thread rate ({num(rate, 0)}/s)" if rps and rate else "—"
        else:
            cmp = "the machine's HTTP ceiling"
        out.append(f"| {name} | {num(rps, 0)} | {num(f.get(c, subject, 'p50_ms'), 2)} | "
                   f"{num(f.get(c, subject, 'p99_ms'), 2)} | {cmp} |")
    out += ["", f"Server VmRSS after the load: {num(f.get(corpus, 'search', 'rss_mb'), 1)} MB (the server's own "
            "memory: Xapian reads the index with pread, so its pages are in the kernel's page cache, not here). "
            "wrk runs on the same cores as the server.", ""]
    return out


def targets(f, meta):
    """Rows of the Targets table: (target, measured, status)."""
    corpora = meta["corpora"].split()
    http = meta["http_corpora"].split()
    rows = []

    # needs: the corpora a target is measured on ("mdn"), or loaded over HTTP ("http-mdn").
    def check(label, needs, compute):
        if not all(c in corpora for c in needs if not c.startswith("http-")) or \
                not all(c[5:] in http for c in needs if c.startswith("http-")):
            rows.append((label, "not measured in this run", "n/a"))
            return
        measured, ok = compute()
        rows.append((label, measured, "—" if ok is None else "met" if ok else "**missed**"))

    def faster(corpus, peer, name, factor):
        def compute():
            ours, theirs = f.get(corpus, "postsearch", "build_s"), f.get(corpus, peer, "build_s")
            if not ours or not theirs:
                return "—", None
            return f"{num(ours)} s vs {num(theirs)} s: {versus(ours, theirs)}", theirs / ours >= factor
        check(f"MDN full build ≥ {factor}× faster than {name}", ["mdn"], compute)

    for peer, name in (("pagefind", "Pagefind"), ("omindex", "omindex"), ("xapian", "plain Xapian")):
        faster("mdn", peer, name, 2)

    def limit(label, needs, corpus, subject, metric, bound, unit, digits=1):
        def compute():
            v = f.get(corpus, subject, metric)
            return (f"{num(v, digits)} {unit}", v <= bound) if v is not None else ("—", None)
        check(label, needs, compute)

    def ratio(label, needs, ours_key, theirs_key, factor, fmt):
        def compute():
            ours, theirs = f.get(*ours_key), f.get(*theirs_key)
            if not ours or not theirs:
                return "—", None
            return fmt(ours, theirs), theirs / ours >= factor
        check(label, needs, compute)

    limit("postsearch peak RSS, MDN full build ≤ 400 MB", ["mdn"], "mdn", "postsearch", "rss_mb", 400, "MB")
    limit("MDN no-change run ≤ 0.5 s", ["mdn"], "mdn", "postsearch", "nochange_s", 0.5, "s", 3)
    limit("MDN one changed post visible to a running server ≤ 100 ms (plain incremental run)", ["mdn"],
          "mdn", "postsearch", "visible_ms", 100, "ms", 0)
    limit("MDN one changed post visible to a running server ≤ 100 ms (indexer told the path)", ["mdn"],
          "mdn", "postsearch", "visible_changed_ms", 100, "ms", 0)
    limit("query median ≤ 300 µs (go-blog, top 10 with snippets)", ["go-blog"], "go-blog", "postsearch-query",
          "median_us", 300, "µs", 0)
    limit("query p99 ≤ 1 ms (go-blog)", ["go-blog"], "go-blog", "postsearch-query", "p99_us", 1000, "µs", 0)
    ratio("query median ≥ 4× faster than FTS5 + snippet() (go-blog)", ["go-blog"],
          ("go-blog", "postsearch-query", "median_us"), ("go-blog", "fts5-query", "median_us"), 4,
          lambda o, t: f"{num(o, 0)} µs vs {num(t, 0)} µs: {versus(o, t)}")
    ratio("query median ≥ 20× faster than Xapian's default snippets (go-blog)", ["go-blog"],
          ("go-blog", "postsearch-query", "median_us"), ("go-blog", "xapian-query", "median_us"), 20,
          lambda o, t: f"{num(o, 0)} µs vs {num(t, 0)} µs: {versus(o, t)}")
    for corpus in ("go-blog", "mdn"):
        name = CORPUS_NAMES[corpus]
        ratio(f"/healthz req/s ≥ 50% of nginx static ({name})", [f"http-{corpus}"],
              ("all", "nginx", "rps"), (corpus, "healthz", "rps"), 0.5,
              lambda o, t: f"{num(t, 0)} vs {num(o, 0)} req/s: {100 * t / o:.0f}%")
        ratio(f"/api/search req/s ≥ 60% of the in-process 2-thread rate ({name})", [corpus, f"http-{corpus}"],
              (corpus, "postsearch-query", "throughput_qps"), (corpus, "search", "rps"), 0.6,
              lambda o, t: f"{num(t, 0)} vs {num(o, 0)} /s: {100 * t / o:.0f}%")
        limit(f"/api/search p99 ≤ 10 ms at {meta['wrk_connections']} connections ({name})", [f"http-{corpus}"],
              corpus, "search", "p99_ms", 10, "ms", 2)
    limit("server RSS serving MDN ≤ 100 MB (after the load)", ["http-mdn"], "mdn", "search", "rss_mb", 100, "MB")

    def size_ratio():
        size, md = f.get("mdn", "postsearch", "size_mb"), f.get("mdn", "corpus", "md_mb")
        if size is None or not md:
            return "—", None
        return f"{num(size, 1)} MB for {num(md, 1)} MB of Markdown: {size / md:.2f}×", size / md <= 1.2
    check("postsearch compacted MDN index ≤ 1.2× the Markdown size", ["mdn"], size_ratio)
    return rows


def render(meta, f):
    smoke = meta.get("mode") == "smoke"
    out = ["# Benchmarks: postsearch and its peers", ""]
    if smoke:
        out += ["**Smoke run** (go-blog only, 1 run, short loads): it checks that the harness works; "
                "its figures are not the project's.", ""]
    out += [f"Generated by `{meta['command']}` on {meta['date']} ({meta.get('total_s', '?')} s). "
            "Every figure below comes from that one run on one machine; the ratios are what to compare "
            "across machines.", "",
            "## Machine and versions", "",
            "| | |", "|---|---|",
            f"| CPU | {meta['cpu']}, {meta['cores']} cores |",
            f"| RAM, kernel | {meta['ram']}, {meta['kernel']} |",
            f"| postsearch | {meta['postsearch']} (git rev) |",
            f"| Xapian (libxapian30), omindex | {meta['xapian']}, {meta['omindex']} |",
            f"| SQLite | {meta['sqlite']} |",
            f"| Node.js, Pagefind, MiniSearch | {meta['node']}, {meta['pagefind']}, {meta['minisearch']} |",
            f"| nginx, wrk, cmark | {meta['nginx']}, {meta['wrk']}, {meta['cmark']} |",
            f"| settings | {meta['runs']} runs per build (median); query rounds {meta['rounds']} "
            f"(plain Xapian {meta['xapian_rounds']}); wrk -t2 -c{meta['wrk_connections']} "
            f"-d{meta['wrk_seconds']}s; 2-thread rate over {meta['rate_seconds']} s |", ""]
    out += ["## Targets (issue 7)", "", "| target | measured | |", "|---|---|---|"]
    out += [f"| {label} | {measured} | {status} |" for label, measured, status in targets(f, meta)]
    out += ["", "## What each tool indexes and does", "", "**Builds**", ""]
    out += [f"- **{name}**: {what}." for _, name, what in BUILDERS]
    out += ["", "**Queries** (all over the same 200 search-box queries, one thread, one untimed round "
            "first; the time of each query, from the query string to the 10 results with snippets)", ""]
    out += [f"- **{name}**: {what}." for _, name, what in QUERIERS]
    out += ["", "Peak RSS and CPU are those of the process tree (`/usr/bin/time`); index sizes are "
            "apparent bytes (`du -sb`). MB = 2^20 bytes. The HTML rendering for omindex and Pagefind is "
            "made once and cached, not timed: its cost is the `cmark` floor.", ""]
    for corpus in meta["corpora"].split():
        posts = f.get(corpus, "corpus", "posts")
        out += [f"## {CORPUS_NAMES.get(corpus, corpus)}: {num(posts, 0)} posts, "
                f"{num(f.get(corpus, 'corpus', 'md_mb'), 1)} MB of Markdown "
                f"({num(f.get(corpus, 'corpus', 'html_mb'), 1)} MB as HTML)", ""]
        out += build_section(f, corpus, meta)
        out += incremental_section(f, corpus, meta)
        out += query_section(f, corpus, meta)
        if corpus in meta["http_corpora"].split():
            out += http_section(f, corpus, meta)
    return "\n".join(out) + "\n"


def load_problems(f, meta):
    """Non-2xx responses under load: a broken server or query mix, not a figure."""
    problems = []
    for corpus, subject in [("all", "nginx")] + [(c, s) for c in meta["http_corpora"].split() for s in ("healthz", "search")]:
        bad = f.get(corpus, subject, "non2xx")
        if bad:
            problems.append(f"{corpus} {subject}: {bad:.0f} non-2xx responses")
    return problems


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: report.py META_TSV RESULTS_TSV OUT_MD")
    meta, figures = load(sys.argv[1], sys.argv[2])
    meta.setdefault("total_s", figures.get(("all", "run", "total_s"), "?"))
    f = Figures(figures)
    text = render(meta, f)
    problems = load_problems(f, meta)
    with open(sys.argv[3], "w", encoding="utf-8") as out:
        out.write(text)
    missing = sorted(set(f.missing))
    if missing or problems:
        for m in missing:
            print(f"report.py: missing figure: {m}", file=sys.stderr)
        for p in problems:
            print(f"report.py: {p}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
