#!/usr/bin/env python3
"""Renders a folder of Markdown posts to the HTML site the HTML-indexing peers read.

    python3 render_html.py POSTS_DIR OUT_DIR

Each post (*.md / *.markdown, hidden names skipped) becomes OUT_DIR/<relative path>.html:
its body, front matter cut off, rendered by the `cmark` CLI (`--unsafe`, so raw HTML blocks
keep their text as postsearch does), inside a minimal page:

    <!doctype html><html lang="en"><head><meta charset="utf-8"><title>TITLE</title></head>
    <body><main><h1>TITLE</h1>BODY</main></body></html>

so that omindex takes the title from <title> and Pagefind from the first <h1>, and both see
the same text. The title is found as bench/peers/corpus.h finds it. One cmark process per
post, two at a time; OUT_DIR.complete (beside the tree, not in it) is written last, so that
a caller can tell a finished tree from a half-rendered one.
"""
import concurrent.futures
import html
import os
import re
import subprocess
import sys
from pathlib import Path

TITLE_LINE = re.compile(r"^title\s*[:=](.*)$")


def unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] in "\"'" and value[-1] == value[0]:
        value = value[1:-1]
    return value


def split_post(path, text):
    """(title, body) of one post, as bench/peers/corpus.h splits it."""
    lines = text.split("\n")
    title, body = "", text
    fence = lines[0].strip()
    if fence in ("---", "+++"):
        for end in range(1, len(lines)):
            if lines[end].strip() == fence:
                for line in lines[1:end]:
                    m = TITLE_LINE.match(line)
                    if m:
                        title = unquote(m.group(1))
                        break
                body = "\n".join(lines[end + 1:])
                break
    if not title:
        m = re.search(r"^# (.*)$", body, re.MULTILINE)
        title = m.group(1).strip() if m else path.stem
    return title, body


def render(src, dst):
    title, body = split_post(src, src.read_text(encoding="utf-8", errors="replace"))
    rendered = subprocess.run(["cmark", "--unsafe"], input=body.encode(), capture_output=True, check=True).stdout
    t = html.escape(title).encode()
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(b'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>' + t +
                    b"</title></head>\n<body><main><h1>" + t + b"</h1>\n" + rendered +
                    b"</main></body></html>\n")


def posts(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith((".md", ".markdown")):
                yield Path(dirpath, name)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: render_html.py POSTS_DIR OUT_DIR")
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    jobs = [(p, out / p.relative_to(root).with_suffix(".html")) for p in posts(root)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(render, src, dst) for src, dst in jobs]:
            future.result()
    out.with_name(out.name + ".complete").write_text(f"{len(jobs)}\n")
    print(f"{len(jobs)} posts rendered to {out}")


if __name__ == "__main__":
    main()
