/* postsearch widget (SPEC §4 `GET /widget.js`): a search button and a search modal for any
 * page, talking to the postsearch server it was loaded from.
 *
 *   <div data-postsearch></div>
 *   <script src="https://SEARCH-ORIGIN/widget.js" defer></script>
 *
 * - The API base is the directory of this script's own URL (captured while it runs), so a
 *   server behind a path prefix (https://blog.example/search/widget.js) works too. The API
 *   must allow the page's origin: `postsearch-server --cors-origin https://blog.example`.
 * - Everything renders inside shadow roots with widget.css linked from the same base: the
 *   host page's CSS and ids cannot reach in, and no inline style is used, so a host CSP
 *   needs only script-src/style-src/connect-src for the search origin.
 * - Ctrl-K / Cmd-K, "/" (outside text fields) or the button opens the modal.
 * - API text goes in with textContent; only `snippet` (HTML-safe by contract: escaped text
 *   and <mark>) goes through innerHTML, and only after every `<` that does not open or close
 *   a <mark> is escaped: the widget runs on the blog's own origin, so it does not rest on the
 *   contract alone. Result links are followed only for http(s) URLs.
 * - One global, window.postsearch = {open(), close()}; loading the script twice is harmless.
 */
(function () {
  'use strict';
  if (window.postsearch) return;  // included twice: the first copy does the work

  var DEBOUNCE_MS = 120;
  var PER_PAGE = 8;
  var MAX_QUERY_CHARS = 256;

  // The script's own URL, known only while it first runs.
  var script = document.currentScript;
  if (!script || !script.src) {
    var candidates = document.querySelectorAll('script[src*="widget.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script || !script.src) return;
  var base = new URL('./', script.src);
  var cssUrl = new URL('widget.css', base).href;
  var isMac = /Mac|iPhone|iPad|iPod/.test(
      (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || '');
  var shortcutLabel = isMac ? '\u2318K' : 'Ctrl K';

  var modal = null;  // built on first open
  var opener = null; // what had focus before the modal opened
  var savedOverflow = null;

  // Only <mark> and </mark> stay markup; any other `<` and any `&` that starts no entity
  // become text (the same rule as the search page's search.js).
  function sanitizeSnippet(html) {
    return html.replace(/&(?!#?[A-Za-z0-9]{1,10};)/g, '&amp;').replace(/<(?!\/?mark>)/g, '&lt;');
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A shadow root holding our stylesheet. `onReady` runs once the CSS has loaded (or failed:
  // better an unstyled widget than none).
  function styledShadow(host, onReady) {
    var root = host.attachShadow({ mode: 'open' });
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = cssUrl;
    var done = false;
    function ready() { if (!done) { done = true; onReady(); } }
    link.addEventListener('load', ready);
    link.addEventListener('error', ready);
    root.appendChild(link);
    return root;
  }

  // The element focused on the page, looking into shadow roots.
  function deepActiveElement() {
    var active = document.activeElement;
    while (active && active.shadowRoot && active.shadowRoot.activeElement) {
      active = active.shadowRoot.activeElement;
    }
    return active;
  }

  function isTextField(node) {
    if (!node || node.nodeType !== 1) return false;
    if (node.isContentEditable) return true;
    var tag = node.tagName;
    if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
    if (tag !== 'INPUT') return false;
    return !/^(button|checkbox|radio|submit|reset|range|color|file|image)$/i.test(node.type);
  }

  function safeHref(url, anchor) {
    if (typeof url !== 'string' || url === '') return null;
    try {
      var parsed = new URL(url, document.baseURI);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
      if (anchor && typeof anchor === 'string' && !parsed.hash) parsed.hash = anchor;
      return parsed.href;
    } catch (e) {
      return null;
    }
  }

  // ---- the button ------------------------------------------------------------------------

  function mountButton(host) {
    var root;
    try {
      root = styledShadow(host, function () { button.hidden = false; });
    } catch (e) {
      return;  // the element already has a shadow root: not ours to replace
    }
    var button = el('button', 'ps-button');
    button.type = 'button';
    button.hidden = true;  // until styled
    button.setAttribute('aria-haspopup', 'dialog');
    button.setAttribute('aria-keyshortcuts', isMac ? 'Meta+K' : 'Control+K');
    var icon = el('span', 'ps-icon');
    icon.setAttribute('aria-hidden', 'true');
    button.appendChild(icon);
    button.appendChild(el('span', 'ps-button-label', 'Search'));
    var kbd = el('kbd', 'ps-kbd', shortcutLabel);
    kbd.setAttribute('aria-hidden', 'true');
    button.appendChild(kbd);
    button.addEventListener('click', function () { open(); });
    root.appendChild(button);
  }

  // ---- the modal -------------------------------------------------------------------------

  function buildModal() {
    var host = document.createElement('postsearch-modal');
    var m = { host: host, seq: 0, controller: null, timer: null, hits: [], active: -1, query: '' };
    var root = styledShadow(host, function () {});
    m.root = root;

    var overlay = el('div', 'ps-overlay');
    overlay.hidden = true;
    var dialog = el('div', 'ps-dialog');
    dialog.setAttribute('role', 'dialog');
    dialog.setAttribute('aria-modal', 'true');
    dialog.setAttribute('aria-label', 'Search posts');

    var form = el('form', 'ps-form');
    form.setAttribute('role', 'search');
    form.noValidate = true;
    var icon = el('span', 'ps-icon');
    icon.setAttribute('aria-hidden', 'true');
    var input = el('input', 'ps-input');
    input.type = 'search';
    input.id = 'ps-input';
    input.maxLength = MAX_QUERY_CHARS;
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.placeholder = 'Search posts';
    input.setAttribute('enterkeyhint', 'go');
    input.setAttribute('aria-label', 'Search posts');
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', 'ps-listbox');
    input.setAttribute('aria-expanded', 'false');
    var close = el('button', 'ps-close');
    close.type = 'button';
    close.appendChild(el('span', 'ps-close-key', 'Esc'));     // keyboards
    close.appendChild(el('span', 'ps-close-word', 'Cancel')); // phones (see widget.css)
    close.setAttribute('aria-label', 'Close search');
    form.appendChild(icon);
    form.appendChild(input);
    form.appendChild(close);

    var status = el('div', 'ps-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    var listbox = el('ul', 'ps-listbox');
    listbox.id = 'ps-listbox';
    listbox.setAttribute('role', 'listbox');
    listbox.setAttribute('aria-label', 'Results');

    var footer = el('div', 'ps-footer');
    footer.setAttribute('aria-hidden', 'true');
    [['\u2191\u2193', 'to navigate'], ['\u21b5', 'to open'], ['Esc', 'to close']].forEach(function (hint) {
      var item = el('span', 'ps-hint');
      item.appendChild(el('kbd', 'ps-kbd', hint[0]));
      item.appendChild(document.createTextNode(' ' + hint[1]));
      footer.appendChild(item);
    });

    dialog.appendChild(form);
    dialog.appendChild(status);
    dialog.appendChild(listbox);
    dialog.appendChild(footer);
    overlay.appendChild(dialog);
    root.appendChild(overlay);

    m.overlay = overlay;
    m.dialog = dialog;
    m.input = input;
    m.close = close;
    m.status = status;
    m.listbox = listbox;

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      go(m.active >= 0 ? m.active : 0);
    });
    input.addEventListener('input', function () { schedule(); });
    input.addEventListener('keydown', onInputKey);
    close.addEventListener('click', function () { closeModal(); });
    overlay.addEventListener('mousedown', function (event) {
      if (event.target === overlay) closeModal();  // the backdrop, not the dialog
    });
    dialog.addEventListener('keydown', trapTab);
    listbox.addEventListener('mousemove', function (event) {
      var option = event.target.closest ? event.target.closest('[role="option"]') : null;
      if (option) setActive(Number(option.getAttribute('data-index')), false);
    });
    document.body.appendChild(host);
    return m;
  }

  function focusables() {
    return Array.prototype.filter.call(
        modal.dialog.querySelectorAll('input, button, a[href]'),
        function (node) { return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0; });
  }

  function trapTab(event) {
    if (event.key !== 'Tab') return;
    var items = focusables();
    if (items.length === 0) { event.preventDefault(); return; }
    var index = items.indexOf(modal.root.activeElement);
    var next = event.shiftKey ? index - 1 : index + 1;
    if (next < 0) next = items.length - 1;
    if (next >= items.length) next = 0;
    event.preventDefault();
    items[next].focus();
  }

  function onInputKey(event) {
    var count = modal.hits.length;
    if (event.key === 'ArrowDown' && count) {
      event.preventDefault();
      setActive(modal.active + 1 >= count ? 0 : modal.active + 1, true);
    } else if (event.key === 'ArrowUp' && count) {
      event.preventDefault();
      setActive(modal.active <= 0 ? count - 1 : modal.active - 1, true);
    } else if (event.key === 'Home' && count && event.ctrlKey) {
      event.preventDefault();
      setActive(0, true);
    } else if (event.key === 'End' && count && event.ctrlKey) {
      event.preventDefault();
      setActive(count - 1, true);
    }
  }

  function setActive(index, scroll) {
    var options = modal.listbox.children;
    if (modal.active >= 0 && options[modal.active]) {
      options[modal.active].setAttribute('aria-selected', 'false');
    }
    modal.active = index;
    var option = options[index];
    if (!option) {
      modal.input.removeAttribute('aria-activedescendant');
      return;
    }
    option.setAttribute('aria-selected', 'true');
    modal.input.setAttribute('aria-activedescendant', option.id);
    if (scroll && option.scrollIntoView) option.scrollIntoView({ block: 'nearest' });
  }

  function go(index) {
    var hit = modal.hits[index];
    if (!hit || !hit.href) return;
    window.location.assign(hit.href);
  }

  function setStatus(parts, kind) {
    modal.status.textContent = '';
    modal.status.className = 'ps-status' + (kind ? ' ps-' + kind : '');
    parts.forEach(function (part) {
      modal.status.appendChild(typeof part === 'string' ? document.createTextNode(part) : part);
    });
  }

  function clearResults() {
    modal.hits = [];
    modal.active = -1;
    modal.listbox.textContent = '';
    modal.input.removeAttribute('aria-activedescendant');
    modal.input.setAttribute('aria-expanded', 'false');
  }

  function schedule() {
    clearTimeout(modal.timer);
    var q = modal.input.value.trim();
    if (!q) {
      abortInFlight();
      modal.seq++;
      modal.query = '';
      clearResults();
      setStatus([], null);
      return;
    }
    modal.timer = setTimeout(function () { search(q); }, DEBOUNCE_MS);
  }

  function abortInFlight() {
    if (modal.controller) modal.controller.abort();
    modal.controller = null;
  }

  // Asks the API; an answer to anything but the latest request is dropped.
  function search(q) {
    abortInFlight();
    var id = ++modal.seq;
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    modal.controller = controller;
    modal.query = q;
    modal.dialog.setAttribute('aria-busy', 'true');
    var url = new URL('api/search', base);
    url.searchParams.set('q', q);
    url.searchParams.set('per_page', String(PER_PAGE));
    // A "simple" cross-origin GET: no custom headers, no cookies, so no preflight.
    fetch(url.href, { signal: controller ? controller.signal : undefined, credentials: 'omit' })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(function (body) {
        if (id !== modal.seq) return;
        render(q, body);
      }, function (err) {
        if (id !== modal.seq || (err && err.name === 'AbortError')) return;
        clearResults();
        setStatus(['Search is unavailable. Please try again later.'], 'error');
      })
      .then(function () {
        if (id === modal.seq) modal.dialog.removeAttribute('aria-busy');
      });
  }

  function suggestionButton(text) {
    var button = el('button', 'ps-suggestion', text);
    button.type = 'button';
    button.addEventListener('click', function () {
      modal.input.value = text;
      modal.input.focus();
      clearTimeout(modal.timer);
      search(text);
    });
    return button;
  }

  function render(q, body) {
    clearResults();
    var cards = Array.isArray(body.hits) ? body.hits : [];
    var notes = [];
    if (typeof body.corrected_query === 'string' && body.corrected_query) {
      notes.push('Showing results for ');
      notes.push(el('strong', null, body.corrected_query));
      notes.push('. ');
    } else if (typeof body.suggestion === 'string' && body.suggestion) {
      notes.push('Did you mean ');
      notes.push(suggestionButton(body.suggestion));
      notes.push('? ');
    }
    if (cards.length === 0) {
      notes.push('No results for \u201c' + q + '\u201d.');
      setStatus(notes, 'empty');
      return;
    }
    var total = typeof body.total === 'number' ? body.total : cards.length;
    notes.push(total === 1 ? '1 result' : total + ' results');
    setStatus(notes, null);

    cards.forEach(function (card, i) {
      var href = safeHref(card.url, card.section && card.section.anchor);
      modal.hits.push({ href: href });
      var option = el('li', 'ps-option');
      option.id = 'ps-option-' + i;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', 'false');
      option.setAttribute('data-index', String(i));
      var link = el(href ? 'a' : 'div', 'ps-link');
      if (href) {
        link.href = href;
        link.tabIndex = -1;
      }
      var head = el('div', 'ps-head');
      head.appendChild(el('span', 'ps-title', card.title || card.slug || '(untitled)'));
      if (card.date) head.appendChild(el('span', 'ps-date', card.date));
      link.appendChild(head);
      if (card.section && card.section.heading) {
        link.appendChild(el('div', 'ps-section', card.section.heading));
      }
      if (typeof card.snippet === 'string' && card.snippet) {
        var snippet = el('div', 'ps-snippet');
        snippet.innerHTML = sanitizeSnippet(card.snippet);
        link.appendChild(snippet);
      }
      option.appendChild(link);
      modal.listbox.appendChild(option);
    });
    modal.input.setAttribute('aria-expanded', 'true');
  }

  // ---- open and close --------------------------------------------------------------------

  function keepFocusInside(event) {
    if (!modal || modal.overlay.hidden) return;
    if (event.target !== modal.host) modal.input.focus();
  }

  function open() {
    if (!document.body) return;
    if (!modal) modal = buildModal();
    if (!modal.overlay.hidden) { modal.input.focus(); return; }
    var active = deepActiveElement();
    opener = active && active !== document.body ? active : null;
    var html = document.documentElement;
    savedOverflow = html.style.overflow;  // CSSOM, not a style attribute: CSP allows it
    html.style.overflow = 'hidden';
    modal.overlay.hidden = false;
    document.addEventListener('focusin', keepFocusInside, true);
    modal.input.focus();
    modal.input.select();
  }

  function closeModal() {
    if (!modal || modal.overlay.hidden) return;
    // Blur now: a hidden element keeps focus until the browser's next focus fix-up, and
    // meanwhile "/" would count as typed into the (hidden) search field.
    if (modal.root.activeElement) modal.root.activeElement.blur();
    modal.overlay.hidden = true;
    document.removeEventListener('focusin', keepFocusInside, true);
    document.documentElement.style.overflow = savedOverflow || '';
    var back = opener;
    opener = null;
    if (back && back.isConnected && typeof back.focus === 'function') back.focus();
  }

  function onKey(event) {
    var isOpen = modal && !modal.overlay.hidden;
    var key = event.key;
    if ((key === 'k' || key === 'K') && (event.ctrlKey || event.metaKey) && !event.altKey &&
        !event.shiftKey) {
      event.preventDefault();
      if (isOpen) { closeModal(); } else { open(); }
    } else if (key === 'Escape' && isOpen) {
      event.preventDefault();
      closeModal();
    } else if (key === '/' && !isOpen && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var target = event.composedPath ? event.composedPath()[0] : event.target;
      if (isTextField(target) || isTextField(deepActiveElement())) return;
      event.preventDefault();
      open();
    }
  }

  function init() {
    var hosts = document.querySelectorAll('[data-postsearch]');
    for (var i = 0; i < hosts.length; i++) mountButton(hosts[i]);
    if (!modal) modal = buildModal();  // hidden; its stylesheet loads now, not on first open
    document.addEventListener('keydown', onKey);
  }

  window.postsearch = Object.freeze({ open: open, close: closeModal });
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
