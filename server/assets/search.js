// The search page's script. Plain ES2017, no framework, no build step. The server renders
// the same markup for `GET /?q=...` without JavaScript (server/page_renderer.cpp); this script
// takes over from it: it re-runs the search for the URL's state and replaces the DOM only
// when the answer is in, so nothing flashes.
//
// State lives in the URL (/?q=&tag=&since=&until=&sort=&correct=&per_page=&page=):
// replaceState while typing, pushState for committed navigations, popstate restores.
(function () {
  'use strict';
  var DEBOUNCE_MS = 120;        // typing -> request
  var COMMIT_MS = 1000;         // typing pause after which the search gets its own history entry
  var PER_PAGE = 10;
  var FACET_TAGS = 12;          // server/page_renderer.cpp: kFacetTags
  var PAGER_WINDOW = 2;         // server/page_renderer.cpp: kPagerWindow
  var MAX_DEPTH = 10000;        // common/search_request.h: kMaxResultDepth
  var THEME_KEY = 'postsearch-theme';

  // ---- theme: applied before the first paint (the script is not deferred) --------------
  var THEMES = ['system', 'light', 'dark'];
  function storedTheme() {
    try { return THEMES.indexOf(localStorage.getItem(THEME_KEY)) > 0 ? localStorage.getItem(THEME_KEY) : 'system'; }
    catch (e) { return 'system'; }  // storage blocked
  }
  function applyTheme(theme) {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
  }
  applyTheme(storedTheme());

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();

  function init() {
    var form = document.getElementById('ps-form');
    var input = document.getElementById('ps-q');
    var sortSelect = document.getElementById('ps-sort');
    var statusEl = document.getElementById('ps-status');
    var chipsEl = document.getElementById('ps-chips');
    var facetsEl = document.getElementById('ps-facets');
    var results = document.getElementById('ps-results');
    var pager = document.getElementById('ps-pager');
    var themeButton = document.getElementById('ps-theme');

    var seq = 0;             // id of the latest request; older answers are dropped
    var controller = null;   // aborts the request in flight when a newer one starts
    var debounceTimer = null;
    var commitTimer = null;
    var drafting = false;    // the current history entry is a search being typed
    var active = -1;         // index of the highlighted option, -1: none
    var state = readState(window.location.search);

    // ---- URL state ----------------------------------------------------------------------
    function readState(search) {
      var p = new URLSearchParams(search);
      var tags = [];
      p.getAll('tag').forEach(function (v) {
        v.split(',').forEach(function (t) { t = t.trim(); if (t && tags.indexOf(t) < 0) tags.push(t); });
      });
      var page = parseInt(p.get('page') || '1', 10);
      var perPage = parseInt(p.get('per_page') || String(PER_PAGE), 10);
      return {
        q: p.get('q') || '',
        tags: tags,
        since: p.get('since') || '',
        until: p.get('until') || '',
        sort: p.get('sort') === 'date' ? 'date' : 'relevance',
        correct: !(p.get('correct') === '0' || p.get('correct') === 'false'),
        perPage: perPage >= 1 && perPage <= 100 ? perPage : PER_PAGE,
        page: page >= 1 ? page : 1
      };
    }

    function copy(s) {
      return { q: s.q, tags: s.tags.slice(), since: s.since, until: s.until, sort: s.sort,
               correct: s.correct, perPage: s.perPage, page: s.page };
    }

    // The same order and encoding as page_url() in server/page_renderer.cpp.
    function params(s) {
      var p = new URLSearchParams();
      if (s.q) p.append('q', s.q);
      s.tags.forEach(function (t) { p.append('tag', t); });
      if (s.since) p.append('since', s.since);
      if (s.until) p.append('until', s.until);
      if (s.sort === 'date') p.append('sort', 'date');
      if (!s.correct) p.append('correct', '0');
      if (s.perPage !== PER_PAGE) p.append('per_page', String(s.perPage));
      if (s.page > 1) p.append('page', String(s.page));
      return p;
    }

    function pageUrl(s) {
      var query = params(s).toString();
      return '/' + (query ? '?' + query : '');
    }

    function hasSearch(s) {
      return s.q.trim() !== '' || s.tags.length > 0 || s.since !== '' || s.until !== '';
    }

    function yearOf(s) {
      var m = /^(\d{4})-01-01$/.exec(s.since);
      return m && s.until === m[1] + '-12-31' ? m[1] : '';
    }

    function firstPage(s) { var c = copy(s); c.page = 1; return c; }

    // ---- small DOM helpers --------------------------------------------------------------
    function el(tag, className, text) {
      var node = document.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined && text !== null) node.textContent = String(text);
      return node;
    }

    // http(s) or site-relative only: no javascript:, data:, or "//host" (page_renderer: is_safe_href).
    function safeHref(url) {
      if (typeof url !== 'string') return null;
      if (/^https?:\/\/./i.test(url)) return url;
      if (/^\/(?![\/\\])/.test(url)) return url;
      return null;
    }

    // Snippets are HTML-safe by contract; keep only <mark> as markup all the same.
    function sanitizeSnippet(html) {
      return html.replace(/&(?!#?[A-Za-z0-9]{1,10};)/g, '&amp;').replace(/<(?!\/?mark>)/g, '&lt;');
    }

    function navLink(target, className, content, attrs) {
      var a = el('a', 'ps-nav' + (className ? ' ' + className : ''));
      a.href = pageUrl(target);
      if (typeof content === 'string') a.textContent = content;
      else content.forEach(function (node) { a.appendChild(node); });
      Object.keys(attrs || {}).forEach(function (k) { a.setAttribute(k, attrs[k]); });
      return a;
    }

    // ---- rendering (the same markup as server/page_renderer.cpp) ------------------------
    function renderCard(card, index) {
      var li = el('li', 'ps-hit');
      li.id = 'ps-hit-' + index;
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      var h2 = el('h2', 'ps-title');
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
      if (card.reading_minutes > 0) bits.push(document.createTextNode(card.reading_minutes + ' min read'));
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
      if (typeof card.snippet === 'string' && card.snippet !== '') snippet.innerHTML = sanitizeSnippet(card.snippet);
      else snippet.textContent = card.summary || '';
      li.appendChild(snippet);

      if (card.section && card.section.heading && href) {
        var section = el('p', 'ps-section');
        var link = el('a', null, '\u00a7 ' + card.section.heading);
        link.href = href.split('#')[0] + '#' + encodeURIComponent(card.section.anchor || '');
        section.appendChild(link);
        li.appendChild(section);
      }
      li.addEventListener('mousemove', function () { if (active !== index) setActive(index, false); });
      return li;
    }

    function renderStatus(s, body) {
      statusEl.textContent = '';
      var total = body.total || 0;
      var count;
      if (total === 0) {
        count = 'No results' + (s.q ? ' for \u201c' + s.q + '\u201d' : '');
      } else {
        count = total + (total === 1 ? ' result' : ' results');
        if (!body.total_is_exact) count = 'About ' + count;
      }
      statusEl.appendChild(el('span', 'ps-count', count));
      if (typeof body.took_ms === 'number') {
        statusEl.appendChild(el('span', 'ps-took', ' \u00b7 ' + body.took_ms.toFixed(1) + ' ms'));
      }
      var spell = el('span', 'ps-spell');
      if (body.suggestion) {
        var target = firstPage(s);
        target.q = body.suggestion;
        target.correct = true;
        spell.appendChild(document.createTextNode('Did you mean '));
        spell.appendChild(navLink(target, 'ps-switch', body.suggestion));
        spell.appendChild(document.createTextNode('?'));
        statusEl.appendChild(spell);
      } else if (body.corrected_query) {
        var asTyped = firstPage(s);
        asTyped.correct = false;
        spell.appendChild(document.createTextNode('Showing results for '));
        spell.appendChild(el('strong', null, body.corrected_query));
        spell.appendChild(document.createTextNode('. Search instead for '));
        spell.appendChild(navLink(asTyped, 'ps-switch', s.q));
        statusEl.appendChild(spell);
      }
    }

    function facetItem(target, label, count, on, kind) {
      var li = el('li');
      var attrs = { 'aria-label': (on ? 'Remove ' : 'Filter by ') + kind + ' ' + label + ' (' + count + ')' };
      if (on) attrs['aria-current'] = 'true';
      li.appendChild(navLink(target, on ? 'ps-facet-link ps-facet-on' : 'ps-facet-link',
        [el('span', 'ps-facet-name', label), document.createTextNode(' '), el('span', 'ps-facet-count', count)], attrs));
      return li;
    }

    function facetSection(id, title, items) {
      var section = el('section', 'ps-facet');
      section.setAttribute('aria-labelledby', id);
      var h2 = el('h2', 'ps-facet-title', title);
      h2.id = id;
      var ul = el('ul', 'ps-facet-list');
      items.forEach(function (item) { ul.appendChild(item); });
      section.appendChild(h2);
      section.appendChild(ul);
      return section;
    }

    function renderFacets(s, body) {
      facetsEl.textContent = '';
      var facets = body.facets || {};
      // Most frequent first, then by name (the server's map order); active tags always.
      var tags = Object.keys(facets.tags || {}).sort();
      tags.sort(function (a, b) { return facets.tags[b] - facets.tags[a]; });
      var tagItems = [];
      tags.forEach(function (tag) {
        var on = s.tags.indexOf(tag) >= 0;
        if (!on && tagItems.length >= FACET_TAGS) return;
        var target = firstPage(s);
        if (on) target.tags = target.tags.filter(function (t) { return t !== tag; });
        else target.tags.push(tag);
        tagItems.push(facetItem(target, tag, facets.tags[tag], on, 'tag'));
      });
      var activeYear = yearOf(s);
      var yearItems = Object.keys(facets.years || {}).sort().reverse().map(function (year) {
        var on = year === activeYear;
        var target = firstPage(s);
        target.since = on ? '' : year + '-01-01';
        target.until = on ? '' : year + '-12-31';
        return facetItem(target, year, facets.years[year], on, 'year');
      });
      if (tagItems.length) facetsEl.appendChild(facetSection('ps-facet-tags', 'Tags', tagItems));
      if (yearItems.length) facetsEl.appendChild(facetSection('ps-facet-years', 'Years', yearItems));
    }

    function chip(target, label) {
      var li = el('li');
      var mark = el('span', null, '\u00d7');
      mark.setAttribute('aria-hidden', 'true');
      li.appendChild(navLink(target, 'ps-chip', [document.createTextNode(label + ' '), mark],
                             { 'aria-label': 'Remove filter ' + label }));
      return li;
    }

    function renderChips(s) {
      chipsEl.textContent = '';
      var items = [];
      s.tags.forEach(function (tag) {
        var target = firstPage(s);
        target.tags = target.tags.filter(function (t) { return t !== tag; });
        items.push(chip(target, 'tag: ' + tag));
      });
      var year = yearOf(s);
      if (year) {
        var noYear = firstPage(s);
        noYear.since = '';
        noYear.until = '';
        items.push(chip(noYear, 'year: ' + year));
      } else {
        if (s.since) { var a = firstPage(s); a.since = ''; items.push(chip(a, 'since: ' + s.since)); }
        if (s.until) { var b = firstPage(s); b.until = ''; items.push(chip(b, 'until: ' + s.until)); }
      }
      if (!items.length) return;
      var ul = el('ul', 'ps-chip-list');
      ul.setAttribute('aria-label', 'Active filters');
      items.forEach(function (item) { ul.appendChild(item); });
      var none = firstPage(s);
      none.tags = [];
      none.since = '';
      none.until = '';
      var clearLi = el('li');
      clearLi.appendChild(navLink(none, 'ps-chip-clear', 'Clear filters'));
      ul.appendChild(clearLi);
      chipsEl.appendChild(ul);
    }

    function renderPager(s, body) {
      pager.textContent = '';
      var total = body.total || 0;
      var pages = Math.min(Math.max(1, Math.floor(MAX_DEPTH / s.perPage)), Math.ceil(total / s.perPage));
      if (pages <= 1 && s.page <= 1) return;
      function at(p) { var t = copy(s); t.page = p; return t; }
      if (s.page > 1) pager.appendChild(navLink(at(s.page - 1), 'ps-page-prev', '\u2190 Previous', { rel: 'prev' }));
      var ul = el('ul', 'ps-pages');
      var last = 0;
      for (var p = 1; p <= pages; p++) {
        if (!(p === 1 || p === pages || (p >= s.page - PAGER_WINDOW && p <= s.page + PAGER_WINDOW))) continue;
        if (p > last + 1) { var gap = el('li'); gap.appendChild(el('span', 'ps-gap', '\u2026')); ul.appendChild(gap); }
        var attrs = { 'aria-label': 'Page ' + p };
        if (p === s.page) attrs['aria-current'] = 'page';
        var li = el('li');
        li.appendChild(navLink(at(p), 'ps-page', String(p), attrs));
        ul.appendChild(li);
        last = p;
      }
      pager.appendChild(ul);
      if (s.page < pages) pager.appendChild(navLink(at(s.page + 1), 'ps-page-next', 'Next \u2192', { rel: 'next' }));
    }

    function render(s, body) {
      results.textContent = '';
      (Array.isArray(body.hits) ? body.hits : []).forEach(function (card, i) {
        results.appendChild(renderCard(card, i));
      });
      setActive(-1, false);
      renderStatus(s, body);
      renderFacets(s, body);
      renderChips(s);
      renderPager(s, body);
      input.setAttribute('aria-expanded', results.children.length ? 'true' : 'false');
      document.title = s.q ? s.q + ' \u2013 Search' : 'Search';
    }

    function clearResults() {
      [results, statusEl, facetsEl, chipsEl, pager].forEach(function (node) { node.textContent = ''; });
      setActive(-1, false);
      input.setAttribute('aria-expanded', 'false');
      document.title = 'Search';
    }

    function showError(message) {
      results.textContent = '';
      pager.textContent = '';
      facetsEl.textContent = '';
      setActive(-1, false);
      input.setAttribute('aria-expanded', 'false');
      statusEl.textContent = '';
      var span = el('span', 'ps-error', message);
      span.setAttribute('role', 'alert');
      statusEl.appendChild(span);
    }

    // ---- the listbox: arrow keys move a highlight; focus stays in the box -----------------
    function options() { return results.querySelectorAll('[role="option"]'); }

    function setActive(index, scroll) {
      var all = options();
      if (active >= 0 && all[active]) {
        all[active].classList.remove('ps-active');
        all[active].setAttribute('aria-selected', 'false');
      }
      active = index >= 0 && index < all.length ? index : -1;
      if (active < 0) {
        input.removeAttribute('aria-activedescendant');
        return;
      }
      var option = all[active];
      option.classList.add('ps-active');
      option.setAttribute('aria-selected', 'true');
      input.setAttribute('aria-activedescendant', option.id);
      if (scroll) option.scrollIntoView({ block: 'nearest' });
    }

    function openActive() {
      var option = options()[active];
      var link = option && option.querySelector('.ps-title a');
      if (link) window.location.assign(link.href);
    }

    // ---- searching ----------------------------------------------------------------------
    // `how`: 'replace' (typing), 'push' (a committed navigation) or 'none' (popstate, start).
    function go(next, how) {
      state = next;
      var url = pageUrl(state);
      if (how === 'push') {
        window.clearTimeout(commitTimer);
        drafting = false;
        if (url !== window.location.pathname + window.location.search) window.history.pushState(null, '', url);
      } else if (how === 'replace') {
        // The first keystroke after a committed search opens a new entry; later ones edit it.
        if (!drafting) window.history.pushState(null, '', url);
        else window.history.replaceState(null, '', url);
        drafting = true;
        window.clearTimeout(commitTimer);
        commitTimer = window.setTimeout(function () { drafting = false; }, COMMIT_MS);
      }
      search(state);
    }

    function search(s) {
      window.clearTimeout(debounceTimer);
      var id = ++seq;
      if (controller) controller.abort();
      controller = typeof AbortController === 'function' ? new AbortController() : null;
      if (!hasSearch(s)) { clearResults(); return; }

      var p = params(s);
      if (s.perPage === PER_PAGE) p.set('per_page', String(PER_PAGE));
      fetch('/api/search?' + p.toString(), {
        headers: { Accept: 'application/json' },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (id !== seq) return;  // a newer search has started: this answer is stale
        if (answer.ok) render(s, answer.body);
        else showError(answer.body && answer.body.error ? answer.body.error.message : 'Search failed.');
      }).catch(function (err) {
        if (id !== seq || (err && err.name === 'AbortError')) return;
        showError('Search is unavailable right now.');
      });
    }

    function syncForm(s) {
      input.value = s.q;
      sortSelect.value = s.sort;
    }

    // ---- events -------------------------------------------------------------------------
    input.addEventListener('input', function () {
      window.clearTimeout(debounceTimer);
      debounceTimer = window.setTimeout(function () {
        var next = firstPage(state);
        next.q = input.value;
        next.correct = true;  // a new query may be corrected again
        go(next, 'replace');
      }, DEBOUNCE_MS);
    });

    input.addEventListener('keydown', function (event) {
      if (event.isComposing) return;
      var count = options().length;
      if (event.key === 'ArrowDown') {
        if (!count) return;
        event.preventDefault();
        setActive(active + 1 < count ? active + 1 : 0, true);
      } else if (event.key === 'ArrowUp') {
        if (!count) return;
        event.preventDefault();
        setActive(active > 0 ? active - 1 : (active === 0 ? -1 : count - 1), true);
      } else if (event.key === 'Enter' && active >= 0) {
        event.preventDefault();
        openActive();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        if (active >= 0) { setActive(-1, false); return; }
        if (input.value !== '') {
          input.value = '';
          var cleared = firstPage(state);
          cleared.q = '';
          cleared.correct = true;
          go(cleared, 'push');
        } else {
          input.blur();
        }
      }
    });

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var next = firstPage(state);
      next.q = input.value;
      next.sort = sortSelect.value === 'date' ? 'date' : 'relevance';
      next.correct = true;
      go(next, 'push');
    });

    sortSelect.addEventListener('change', function () {
      var next = firstPage(state);
      next.q = input.value;
      next.sort = sortSelect.value === 'date' ? 'date' : 'relevance';
      go(next, 'push');
    });

    // Facets, chips, the spelling switch and the pager are links to page URLs (they work
    // without JavaScript); with it, they become in-page navigations.
    document.addEventListener('click', function (event) {
      var link = event.target.closest ? event.target.closest('a.ps-nav') : null;
      if (!link || event.defaultPrevented || event.button !== 0 ||
          event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      var url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname !== '/') return;
      event.preventDefault();
      var next = readState(url.search);
      syncForm(next);
      go(next, 'push');
      if (link.classList.contains('ps-page') || link.rel === 'next' || link.rel === 'prev') {
        window.scrollTo(0, 0);
      }
      input.focus({ preventScroll: true });
    });

    // `/` focuses the box from anywhere, unless the reader is typing in a field.
    document.addEventListener('keydown', function (event) {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey) return;
      var t = event.target;
      var tag = t && t.tagName;
      if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)) return;
      event.preventDefault();
      input.focus();
      input.select();
    });

    window.addEventListener('popstate', function () {
      window.clearTimeout(commitTimer);
      drafting = false;
      state = readState(window.location.search);
      syncForm(state);
      search(state);
    });

    // ---- theme toggle: system -> light -> dark, remembered --------------------------------
    var theme = storedTheme();
    function showTheme(theme) {
      themeButton.setAttribute('aria-label', 'Theme: ' + theme + ' (change)');
      themeButton.setAttribute('data-theme-choice', theme);
      themeButton.title = 'Theme: ' + theme;
    }
    themeButton.hidden = false;
    showTheme(theme);
    themeButton.addEventListener('click', function () {
      var next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
      theme = next;
      try {
        if (next === 'system') localStorage.removeItem(THEME_KEY);
        else localStorage.setItem(THEME_KEY, next);
      } catch (e) { /* storage blocked: the choice lasts for this page only */ }
      applyTheme(next);
      showTheme(next);
    });

    // ---- start: take over the server-rendered state -------------------------------------
    results.setAttribute('role', 'listbox');
    Array.prototype.forEach.call(results.children, function (li, i) {
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
      li.id = 'ps-hit-' + i;
    });
    input.setAttribute('aria-expanded', results.children.length ? 'true' : 'false');
    syncForm(state);
    if (hasSearch(state)) search(state);
    input.focus({ preventScroll: true });
  }
})();
