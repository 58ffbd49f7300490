// MiniSearch as a peer of postsearch (bench/compare.sh): the in-memory JavaScript engine a
// static site would ship, run here in Node.
//
//   node minisearch_bench.mjs index OUT_DIR POSTS_DIR      build, serialize to OUT_DIR
//   node minisearch_bench.mjs query OUT_DIR QUERIES ROUNDS top-10 + naive snippet, one thread
//
// Build: each post's title and Markdown body, read as bench/peers/corpus.h reads them (the
// front matter's title line, else the first "# " heading, else the file name), are MiniSearch
// fields `title` and `text` with its default tokenizer and term processing (lower case, no
// stemming); the index is serialized with JSON.stringify to OUT_DIR/index.json, and the
// bodies, which the snippets need, to OUT_DIR/store.jsonl (one JSON string a line): the index
// size is both files.
//
// Query: quotes are dropped (MiniSearch has no phrases), a trailing * makes that word a
// prefix; the words are ANDed, OR'ed if that finds nothing (what postsearch does); title
// matches are boosted 10x. For each of the top 10 the snippet is the text around the first
// match of any query word in the stored body (case-insensitive), HTML-escaped, the match in
// <mark>. Prints "key<TAB>value" lines, as the C++ peers do (bench/peers/timing.h).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// MiniSearch is installed in bench/node (npm ci, pinned by its package-lock.json), not here.
const MiniSearch = createRequire(new URL('../node/package.json', import.meta.url))('minisearch');

const FIELDS = ['title', 'text'];

function listPosts(root) {
  const posts = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && /\.(md|markdown)$/i.test(entry.name)) posts.push(full);
    }
  };
  walk(root);
  return posts.sort();
}

function unquote(s) {
  s = s.trim();
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) s = s.slice(1, -1);
  return s;
}

// Title and body of one post's text (see the top of this file).
function splitPost(file, text) {
  let title = '';
  let body = text;
  const lines = text.split('\n');
  const fence = lines[0].trim();
  if (fence === '---' || fence === '+++') {
    const end = lines.findIndex((line, i) => i > 0 && line.trim() === fence);
    if (end > 0) {
      for (const line of lines.slice(1, end)) {
        const m = /^title\s*[:=](.*)$/.exec(line);
        if (m) { title = unquote(m[1]); break; }
      }
      body = lines.slice(end + 1).join('\n');
    }
  }
  if (!title) {
    const heading = /^# (.*)$/m.exec(body);
    title = heading ? heading[1].trim() : path.basename(file, path.extname(file));
  }
  return { title, text: body };
}

function build(outDir, postsDir) {
  const mini = new MiniSearch({ fields: FIELDS, storeFields: ['title'] });
  const store = [];
  listPosts(postsDir).forEach((file, id) => {
    const post = splitPost(file, fs.readFileSync(file, 'utf8'));
    mini.add({ id, ...post });
    store.push(JSON.stringify(post.text));
  });
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify(mini));
  fs.writeFileSync(path.join(outDir, 'store.jsonl'), store.join('\n') + '\n');
  console.log(`docs\t${store.length}`);
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The text around the first match of `pattern`, escaped, the match marked.
function naiveSnippet(text, pattern) {
  const m = pattern.exec(text);
  if (!m) return escapeHtml(text.slice(0, 200));
  const start = Math.max(0, m.index - 80);
  const end = Math.min(text.length, m.index + m[0].length + 120);
  return escapeHtml(text.slice(start, m.index)) + '<mark>' + escapeHtml(m[0]) + '</mark>' +
    escapeHtml(text.slice(m.index + m[0].length, end));
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(p * (sorted.length - 1))] : 0;
}

function query(outDir, queriesFile, rounds) {
  const mini = MiniSearch.loadJSON(fs.readFileSync(path.join(outDir, 'index.json'), 'utf8'),
    { fields: FIELDS, storeFields: ['title'] });
  const store = fs.readFileSync(path.join(outDir, 'store.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
  const queries = fs.readFileSync(queriesFile, 'utf8').split('\n').filter((l) => l.trim());
  let snippetBytes = 0;

  const top10 = (q) => {
    const words = q.replace(/"/g, ' ').split(/\s+/).filter(Boolean);
    const prefixes = new Set(words.filter((w) => w.endsWith('*')).map((w) => w.slice(0, -1).toLowerCase()));
    const text = words.map((w) => w.replace(/\*$/, '')).join(' ');
    const options = { boost: { title: 10 }, prefix: (term) => prefixes.has(term) };
    let results = mini.search(text, { ...options, combineWith: 'AND' });
    if (results.length === 0) results = mini.search(text, { ...options, combineWith: 'OR' });
    const terms = words.map((w) => w.replace(/\*$/, '')).filter((w) => /\w/.test(w));
    const pattern = terms.length ? new RegExp(terms.map(escapeRegExp).join('|'), 'i') : /$^/;
    for (const hit of results.slice(0, 10)) {
      snippetBytes += hit.title.length + naiveSnippet(store[hit.id], pattern).length;
    }
    return Math.min(results.length, 10);
  };

  queries.forEach(top10);  // warm, untimed
  const micros = [];
  let hits = 0;
  for (let round = 0; round < rounds; ++round) {
    for (const q of queries) {
      const start = process.hrtime.bigint();
      hits += top10(q);
      micros.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  console.log(`queries\t${queries.length}\nrounds\t${rounds}`);
  console.log(`median_us\t${percentile(micros, 0.5).toFixed(1)}\np99_us\t${percentile(micros, 0.99).toFixed(1)}`);
  console.log(`mean_hits\t${(hits / Math.max(1, micros.length)).toFixed(2)}\nresult_bytes\t${snippetBytes}`);
}

const [mode, a, b, c] = process.argv.slice(2);
if (mode === 'index' && a && b) build(a, b);
else if (mode === 'query' && a && b) query(a, b, Math.max(1, parseInt(c ?? '3', 10)));
else {
  console.error('usage: node minisearch_bench.mjs index OUT_DIR POSTS_DIR | query OUT_DIR QUERIES ROUNDS');
  process.exit(2);
}
