#include "server/search_page.h"

#include <array>

namespace postsearch {

namespace {

// The page: no inline script or style (see kSearchPageCsp). Without JavaScript the form
// still submits ?q=..., and the noscript note points at the JSON API.
constexpr std::string_view kHtml = R"PSHTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>Search</title>
<link rel="stylesheet" href="/assets/search.css">
<script src="/assets/search.js" defer></script>
</head>
<body>
<main class="ps">
  <h1 class="ps-heading">Search</h1>
  <form id="ps-form" class="ps-form" role="search" action="/" method="get">
    <label for="ps-q" class="ps-hidden">Search the posts</label>
    <input id="ps-q" name="q" type="search" autocomplete="off" spellcheck="false" autofocus
           maxlength="1000" placeholder="Search posts: asyncio, &quot;event loop&quot;, tag:go">
  </form>
  <p id="ps-status" class="ps-status" role="status" aria-live="polite"></p>
  <ol id="ps-results" class="ps-results"></ol>
  <nav id="ps-pager" class="ps-pager" aria-label="Result pages" hidden>
    <button type="button" id="ps-prev">&larr; Previous</button>
    <span id="ps-page"></span>
    <button type="button" id="ps-next">Next &rarr;</button>
  </nav>
  <noscript><p>This page needs JavaScript. The JSON API is at <code>/api/search?q=...</code></p></noscript>
</main>
</body>
</html>
)PSHTML";

constexpr std::string_view kCss = R"PSCSS(:root {
  color-scheme: light dark;
  --fg: #1d1f23; --muted: #5c6370; --bg: #ffffff; --line: #e3e5e8;
  --accent: #1a5fb4; --mark: #fff3a3; --chip: #eef1f5;
}
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --muted: #9aa3ad; --bg: #16181c; --line: #2c3037;
          --accent: #78aeed; --mark: #5c4d00; --chip: #262a31; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
       font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.ps { max-width: 46rem; margin: 0 auto; padding: 2rem 1rem 4rem; }
.ps-heading { font-size: 1.6rem; margin: 0 0 1rem; }
.ps-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.ps-form input { width: 100%; padding: .7rem .9rem; font-size: 1.1rem; color: inherit;
                 background: transparent; border: 1px solid var(--line); border-radius: .5rem; }
.ps-form input:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.ps-status { color: var(--muted); min-height: 1.5em; margin: .75rem 0; }
.ps-status button { font: inherit; color: var(--accent); background: none; border: 0; padding: 0;
                    cursor: pointer; text-decoration: underline; }
.ps-error { color: #c01c28; }
.ps-results { list-style: none; margin: 0; padding: 0; }
.ps-hit { padding: 1rem 0; border-bottom: 1px solid var(--line); }
.ps-hit h2 { font-size: 1.15rem; margin: 0 0 .2rem; }
.ps-hit h2 a { color: var(--accent); text-decoration: none; }
.ps-hit h2 a:hover { text-decoration: underline; }
.ps-meta { color: var(--muted); font-size: .875rem; margin: 0 0 .35rem; }
.ps-tag { display: inline-block; background: var(--chip); border-radius: .3rem;
          padding: 0 .4rem; margin: 0 .25rem 0 0; font-size: .8rem; }
.ps-snippet { margin: 0; overflow-wrap: anywhere; }
.ps-snippet mark { background: var(--mark); color: inherit; padding: 0 .1em; border-radius: .15em; }
.ps-section { font-size: .875rem; margin: .3rem 0 0; }
.ps-section a { color: var(--muted); }
.ps-pager { display: flex; gap: 1rem; align-items: center; justify-content: center; margin-top: 1.5rem; }
.ps-pager button { font: inherit; padding: .35rem .8rem; border: 1px solid var(--line);
                   border-radius: .4rem; background: transparent; color: inherit; cursor: pointer; }
.ps-pager button:disabled { opacity: .4; cursor: default; }
)PSCSS";

// Everything from the API is inserted as text, except `snippet`, which the API guarantees
// is HTML-safe (escaped text plus <mark>). URLs from front matter are only linked when they
// are http(s), so a `url: javascript:...` in a post cannot run script here.
constexpr std::string_view kJs = R"PSJS((function () {
  'use strict';
  var DEBOUNCE_MS = 150;
  var PER_PAGE = 10;

  var form = document.getElementById('ps-form');
  var input = document.getElementById('ps-q');
  var statusEl = document.getElementById('ps-status');
  var results = document.getElementById('ps-results');
  var pager = document.getElementById('ps-pager');
  var prev = document.getElementById('ps-prev');
  var next = document.getElementById('ps-next');
  var pageLabel = document.getElementById('ps-page');

  var seq = 0;            // id of the latest request; older answers are dropped
  var controller = null;  // aborts the request in flight when a newer one starts
  var timer = null;
  var current = { q: '', page: 1, total: 0 };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeHref(url) {
    if (typeof url !== 'string' || url === '') return null;
    try {
      var parsed = new URL(url, window.location.href);
      if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.href;
    } catch (e) { /* not a URL */ }
    return null;
  }

  function setStatus(parts, isError) {
    statusEl.textContent = '';
    statusEl.className = isError ? 'ps-status ps-error' : 'ps-status';
    parts.forEach(function (part) {
      statusEl.appendChild(typeof part === 'string' ? document.createTextNode(part) : part);
    });
  }

  function syncLocation(q, page) {
    var params = new URLSearchParams(window.location.search);
    if (q) { params.set('q', q); } else { params.delete('q'); }
    if (page > 1) { params.set('page', String(page)); } else { params.delete('page'); }
    var query = params.toString();
    window.history.replaceState(null, '', window.location.pathname + (query ? '?' + query : ''));
  }

  function renderCard(card) {
    var li = el('li', 'ps-hit');
    var h2 = el('h2');
    var href = safeHref(card.url);
    var title = card.title || card.slug || '(untitled)';
    if (href) {
      var a = el('a', null, title);
      a.href = href;
      h2.appendChild(a);
    } else {
      h2.textContent = title;
    }
    li.appendChild(h2);

    var meta = el('p', 'ps-meta');
    var bits = [];
    if (card.date) {
      var time = el('time', null, card.date);
      time.dateTime = card.date;
      bits.push(time);
    }
    if (card.reading_minutes) bits.push(document.createTextNode(card.reading_minutes + ' min read'));
    bits.forEach(function (bit, i) {
      if (i > 0) meta.appendChild(document.createTextNode(' \u00b7 '));
      meta.appendChild(bit);
    });
    if (Array.isArray(card.tags) && card.tags.length) {
      if (bits.length) meta.appendChild(document.createTextNode(' \u00b7 '));
      card.tags.forEach(function (tag) { meta.appendChild(el('span', 'ps-tag', tag)); });
    }
    li.appendChild(meta);

    var snippet = el('p', 'ps-snippet');
    if (typeof card.snippet === 'string' && card.snippet !== '') {
      snippet.innerHTML = card.snippet;  // HTML-safe by contract: only <mark> is markup
    } else {
      snippet.textContent = card.summary || '';
    }
    li.appendChild(snippet);

    if (card.section && card.section.heading && href) {
      var section = el('p', 'ps-section');
      var link = el('a', null, '\u00a7 ' + card.section.heading);
      link.href = href.split('#')[0] + '#' + encodeURIComponent(card.section.anchor || '');
      section.appendChild(link);
      li.appendChild(section);
    }
    return li;
  }

  function render(body) {
    results.textContent = '';
    var hits = Array.isArray(body.hits) ? body.hits : [];
    hits.forEach(function (card) { results.appendChild(renderCard(card)); });
    current.total = body.total || 0;

    var parts = [];
    var count = current.total === 1 ? '1 result' : current.total + ' results';
    if (!body.total_is_exact && current.total > 0) count = 'about ' + count;
    if (body.corrected_query && !body.suggestion) {
      parts.push(count.charAt(0).toUpperCase() + count.slice(1) + ' for ');
      parts.push(el('strong', null, body.corrected_query));
      parts.push(' (no results for ');
      parts.push(el('em', null, body.query));
      parts.push(')');
    } else {
      parts.push(count.charAt(0).toUpperCase() + count.slice(1));
    }
    if (body.suggestion) {
      var button = el('button', null, body.suggestion);
      button.type = 'button';
      button.addEventListener('click', function () {
        input.value = body.suggestion;
        run(1);
      });
      parts.push('. Did you mean ');
      parts.push(button);
      parts.push('?');
    }
    if (typeof body.took_ms === 'number') parts.push(' \u2014 ' + body.took_ms.toFixed(1) + ' ms');
    setStatus(parts, false);

    var pages = Math.max(1, Math.ceil(current.total / PER_PAGE));
    pager.hidden = pages <= 1;
    prev.disabled = current.page <= 1;
    next.disabled = current.page >= pages;
    pageLabel.textContent = 'Page ' + current.page + ' of ' + pages;
  }

  function clear() {
    results.textContent = '';
    pager.hidden = true;
    setStatus([], false);
  }

  function run(page) {
    window.clearTimeout(timer);
    var q = input.value;
    current.q = q;
    current.page = page;
    var id = ++seq;
    if (controller) controller.abort();
    controller = typeof AbortController === 'function' ? new AbortController() : null;
    syncLocation(q.trim() ? q : '', page);
    if (!q.trim()) { clear(); return; }

    var params = new URLSearchParams({ q: q, page: String(page), per_page: String(PER_PAGE) });
    fetch('/api/search?' + params.toString(), {
      headers: { Accept: 'application/json' },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (id !== seq) return;  // a newer search has started: this answer is stale
      if (answer.ok) {
        render(answer.body);
      } else {
        results.textContent = '';
        pager.hidden = true;
        var message = answer.body && answer.body.error ? answer.body.error.message : 'search failed';
        setStatus([message], true);
      }
    }).catch(function (err) {
      if (id !== seq || (err && err.name === 'AbortError')) return;
      setStatus(['Search is unavailable right now.'], true);
    });
  }

  input.addEventListener('input', function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { run(1); }, DEBOUNCE_MS);
  });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    run(1);
  });
  prev.addEventListener('click', function () {
    if (current.page > 1) { run(current.page - 1); window.scrollTo(0, 0); }
  });
  next.addEventListener('click', function () { run(current.page + 1); window.scrollTo(0, 0); });

  var initial = new URLSearchParams(window.location.search);
  var q0 = initial.get('q');
  if (q0) {
    input.value = q0;
    var p0 = parseInt(initial.get('page') || '1', 10);
    run(p0 > 0 && p0 <= 1000 ? p0 : 1);
  }
})();
)PSJS";

constexpr std::array<EmbeddedAsset, 3> kAssets = {{
    {"/", "text/html; charset=utf-8", kHtml},
    {"/assets/search.css", "text/css; charset=utf-8", kCss},
    {"/assets/search.js", "text/javascript; charset=utf-8", kJs},
}};

}  // namespace

const EmbeddedAsset* find_embedded_asset(std::string_view path) {
  for (const auto& asset : kAssets) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

}  // namespace postsearch
