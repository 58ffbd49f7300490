(function () {
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
