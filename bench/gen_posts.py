#!/usr/bin/env python3
"""Synthetic blog posts for bench/scale.sh, made of real text.

    gen_posts.py OUT_DIR COUNT SOURCE_DIR...

Writes COUNT Markdown posts as OUT_DIR/NNNN/<word>-NNNNNNN.md (1,000 per folder, so the first
N/1000 folders are the first N posts). Post i is a function of i alone (its own seeded random
generator), so a bigger set extends a smaller one and every run writes the same bytes; folders
already holding 1,000 posts are left as they are.

Each post excerpts one real post of one SOURCE_DIR (each source equally often) (a run of 3-8 of its Markdown blocks:
paragraphs, lists, headings, code fences, kept whole) and adds one block of another, so its
words keep their real co-occurrence; the title mixes two real titles; YAML front matter gives
a date (2005-2025), 1-4 tags drawn with a Zipf-like skew from a pool of the sources' most
frequent title words, and one of 2,000 synthetic authors. Slugs are distinct (they end in i).
"""
import collections
import os
import random
import re
import sys

FENCE = re.compile(r"^\s*(```|~~~)")
WORD = re.compile(r"[a-z][a-z]{3,}")
STOP = set("""this that with from your what when will have about into more than here there
their they them then were been also just some only over after before using used which while
where other these those most many much very each make made like does doing done should could
would first second third announcing release released introducing part""".split())


def strip_front_matter(text):
    title = ""
    for fence in ("---", "+++"):
        if text.startswith(fence + "\n"):
            end = text.find("\n" + fence, len(fence))
            if end < 0:
                return "", text
            head = text[len(fence) + 1:end]
            for line in head.splitlines():
                m = re.match(r"""^title\s*[:=]\s*["']?(.*?)["']?\s*$""", line)
                if m:
                    title = m.group(1)
                    break
            return title, text[end + len(fence) + 1:]
    return title, text


def blocks_of(body):
    """Markdown blocks separated by blank lines, code fences kept whole."""
    blocks, cur, in_fence = [], [], False
    for line in body.splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and not line.strip():
            if cur:
                blocks.append("\n".join(cur))
                cur = []
            continue
        cur.append(line)
    if cur and not in_fence:
        blocks.append("\n".join(cur))
    # Front-matter-like leftovers, template-only lines and huge tables add nothing real.
    return [b for b in blocks if 20 <= len(b) <= 4000 and not b.startswith(("{{", "{%", "<"))]


def load_sources(dirs):
    """One list of (title, blocks) per source directory."""
    corpora = []
    for d in dirs:
        docs = []
        corpora.append(docs)
        for root, subdirs, files in os.walk(d):
            subdirs.sort()
            for name in sorted(files):
                if not name.endswith((".md", ".markdown")):
                    continue
                try:
                    with open(os.path.join(root, name), encoding="utf-8") as f:
                        text = f.read()
                except (OSError, UnicodeDecodeError):
                    continue
                title, body = strip_front_matter(text)
                blocks = blocks_of(body)
                if title and len(blocks) >= 3:
                    docs.append((title.replace('"', "'").replace('\\', ''), blocks))
    return [docs for docs in corpora if docs]


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: gen_posts.py OUT_DIR COUNT SOURCE_DIR...")
    out, count, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    corpora = load_sources(sources)
    if not corpora:
        sys.exit("gen_posts.py: no usable posts in " + " ".join(sources))
    freq = collections.Counter(w for docs in corpora for title, _ in docs
                               for w in WORD.findall(title.lower()) if w not in STOP)
    tags = [w for w, _ in freq.most_common(400)]
    weights = [1.0 / (rank + 1) for rank in range(len(tags))]
    first = ["Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jun",
             "Kofi", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara"]
    last = [w.capitalize() for w in tags[:100]]
    words = [w for w, _ in freq.most_common(2000)]
    os.makedirs(out, exist_ok=True)
    for folder in range((count + 999) // 1000):
        fdir = os.path.join(out, "%04d" % folder)
        lo, hi = folder * 1000, min(count, folder * 1000 + 1000)
        if os.path.isdir(fdir) and len(os.listdir(fdir)) == hi - lo:
            continue
        os.makedirs(fdir, exist_ok=True)
        for i in range(lo, hi):
            rng = random.Random(i * 7919 + 17)
            docs = corpora[rng.randrange(len(corpora))]  # each source equally often
            title, blocks = docs[rng.randrange(len(docs))]
            other_title, other_blocks = docs[rng.randrange(len(docs))]
            k = min(len(blocks), rng.randint(3, 8))
            start = rng.randrange(len(blocks) - k + 1)
            body = blocks[start:start + k]
            body.insert(rng.randrange(len(body) + 1), other_blocks[rng.randrange(len(other_blocks))])
            a, b = title.split(), other_title.split()
            mixed = " ".join(a[:max(1, len(a) // 2 + 1)] + b[len(b) // 2 + 1:])
            post_tags = sorted(set(rng.choices(tags, weights, k=rng.randint(1, 4))))
            date = "%04d-%02d-%02d" % (rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28))
            author = rng.choice(first) + " " + rng.choice(last)
            slug_word = rng.choice(words)
            text = ('---\ntitle: "%s"\ndate: %s\ntags: [%s]\nauthor: %s\n---\n\n%s\n'
                    % (mixed, date, ", ".join(post_tags), author, "\n\n".join(body)))
            with open(os.path.join(fdir, "%s-%07d.md" % (slug_word, i)), "w", encoding="utf-8") as f:
                f.write(text)


if __name__ == "__main__":
    main()
