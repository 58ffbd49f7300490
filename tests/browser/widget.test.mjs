// The embeddable widget (SPEC §4 `GET /widget.js`) on a "blog" served from another origin:
// the blog page loads https://SEARCH-ORIGIN/widget.js with one <script> tag, the widget
// talks to the API cross-origin (postsearch-server --cors-origin BLOG-ORIGIN), and renders in
// shadow roots that the page's CSS and ids cannot break.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, startServer, startStaticServer, launchBrowser, watchPage, screenshotPath }
  from './harness.mjs';

let index, blog, server, noCorsServer, browser;
// The blog's files; filled in once the servers' ports are known (looked up per request).
const files = {};

const article = (n) => Array.from({ length: n }, (_, i) =>
  `<p>Paragraph ${i + 1} of a long post, so that the page can scroll behind the modal.</p>`).join('\n');

// A strict host CSP: scripts, styles and fetches only from the search origin, nothing inline.
function blogPage(searchOrigin, { csp = true } = {}) {
  const policy = `default-src 'none'; script-src ${searchOrigin}; style-src ${searchOrigin}; ` +
                 `connect-src ${searchOrigin}; base-uri 'none'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
${csp ? `<meta http-equiv="Content-Security-Policy" content="${policy}">` : ''}
<meta name="viewport" content="width=device-width, initial-scale=1">
${csp ? '' : '<link rel="icon" href="data:,">'}
<title>A blog</title></head>
<body>
<header><a href="/">A blog</a> <div data-postsearch><a href="/search">Search</a></div></header>
<main><h1>Hello</h1><label>Comment <input id="comment"></label>
${article(80)}</main>
<script src="${searchOrigin}/widget.js" defer></script>
</body></html>`;
}

// Hostile global CSS, ids the widget also uses, two buttons and the script included twice.
function hostilePage(searchOrigin) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Hostile</title><link rel="icon" href="data:,">
<style>
  * { display: inline !important; color: red !important; font-size: 40px !important;
      background: yellow !important; margin: 7px !important; }
  div, li, ul, input, button { position: static !important; visibility: visible; }
  #ps-input, #ps-listbox, #ps-option-0, .ps-overlay, .ps-dialog { display: none !important; }
  [role="dialog"], [role="option"] { display: none !important; }
</style></head>
<body>
<div id="ps-input">not the widget's input</div><ul id="ps-listbox"><li id="ps-option-0">decoy</li></ul>
<nav><div data-postsearch></div></nav>
<footer><div data-postsearch></div></footer>
<script src="${searchOrigin}/widget.js" defer></script>
<script src="${searchOrigin}/widget.js" defer></script>
</body></html>`;
}

async function apiSearch(q) {
  const res = await fetch(`${server.url}/api/search?q=${encodeURIComponent(q)}&per_page=8`);
  assert.equal(res.status, 200);
  return res.json();
}

// The focused element, looking into shadow roots: [outer, ..., innermost] as "TAG.class".
function focusPath(page) {
  return page.evaluate(() => {
    const path = [];
    let node = document.activeElement;
    while (node) {
      path.push(node.tagName.toLowerCase() + (node.className ? '.' + node.className : ''));
      node = node.shadowRoot ? node.shadowRoot.activeElement : null;
    }
    return path;
  });
}

async function newPage(options = {}) {
  const page = await browser.newPage(options);
  page.setDefaultTimeout(5000);
  return page;
}

before(async () => {
  index = buildIndex();
  blog = await startStaticServer(files);
  server = await startServer(index.db, ['--cors-origin', blog.url]);
  noCorsServer = await startServer(index.db);
  files['/index.html'] = ['text/html; charset=utf-8', blogPage(server.url)];
  files['/hostile.html'] = ['text/html; charset=utf-8', hostilePage(server.url)];
  files['/nocors.html'] = ['text/html; charset=utf-8', blogPage(noCorsServer.url, { csp: false })];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0);
  assert.equal(await noCorsServer?.stop(), 0);
  await blog?.stop();
  index?.remove();
});

test('the button renders in the host element, styled, with the shortcut hint', async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/');
  const button = page.getByRole('button', { name: 'Search', exact: true });
  await button.waitFor();
  assert.equal((await button.innerText()).replace(/\s+/g, ' ').trim(), 'Search Ctrl K');
  // The fallback link inside the element is replaced (not slotted) by the shadow root.
  assert.equal(await page.getByRole('link', { name: 'Search' }).count(), 0);
  // widget.css reached the shadow root (a CSP-compliant <link>, no inline style).
  assert.equal(await button.evaluate((b) => getComputedStyle(b).borderTopLeftRadius), '8px');
  assert.equal(await page.getByRole('dialog').count(), 0);  // the modal is hidden
  assert.deepEqual(problems, []);
  await page.close();
});

test('Ctrl-K opens the modal; typing shows highlighted results; ArrowDown+Enter opens the first',
     async () => {
  const expected = await apiSearch('asyncio');
  assert.ok(expected.hits.length >= 2);
  const first = expected.hits[0];
  const target = new URL(first.url, blog.url);
  if (first.section) target.hash = first.section.anchor;
  files[target.pathname] = ['text/html; charset=utf-8', '<!doctype html><link rel="icon" href="data:,"><title>post</title>'];

  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/');
  await page.getByRole('button', { name: 'Search', exact: true }).waitFor();
  const scrollHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(scrollHeight > 2000, 'the blog page is long enough to scroll');

  await page.keyboard.press('Control+k');
  const dialog = page.getByRole('dialog', { name: 'Search posts' });
  await dialog.waitFor();
  assert.equal(await dialog.getAttribute('aria-modal'), 'true');
  const input = page.getByRole('combobox', { name: 'Search posts' });
  assert.deepEqual(await focusPath(page), ['postsearch-modal', 'input.ps-input']);
  assert.equal(await input.getAttribute('aria-expanded'), 'false');

  await page.keyboard.type('asyncio', { delay: 30 });
  const options = page.getByRole('option');
  await options.first().waitFor();
  assert.equal(await options.count(), Math.min(8, expected.hits.length));
  assert.equal(await options.first().locator('.ps-title').innerText(), first.title);
  assert.ok(await options.first().locator('.ps-snippet mark').count() > 0, 'snippet has <mark>');
  if (first.section) {
    assert.equal(await options.first().locator('.ps-section').innerText(), first.section.heading);
  }
  assert.equal(await input.getAttribute('aria-expanded'), 'true');
  assert.equal(await input.getAttribute('aria-controls'), 'ps-listbox');
  assert.match(await page.getByRole('status').innerText(), new RegExp(`^${expected.total} results$`));
  await page.screenshot({ path: screenshotPath('widget.png') });

  // The page behind does not scroll while the modal is open.
  await page.mouse.move(20, 400);
  await page.mouse.wheel(0, 800);
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.scrollY), 0);

  // Tab stays inside the modal.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    const path = await focusPath(page);
    assert.equal(path[0], 'postsearch-modal', `focus left the modal: ${path.join(' > ')}`);
  }
  await input.focus();

  await page.keyboard.press('ArrowDown');
  assert.equal(await input.getAttribute('aria-activedescendant'), 'ps-option-0');
  assert.equal(await options.first().getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  assert.equal(await input.getAttribute('aria-activedescendant'), 'ps-option-0');
  await Promise.all([page.waitForURL(target.href), page.keyboard.press('Enter')]);
  assert.equal(page.url(), target.href);
  assert.deepEqual(problems, []);
  await page.close();
});

test('Escape, the backdrop and close() close it; focus returns; Meta-K, "/" and open() open it',
     async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/');
  const button = page.getByRole('button', { name: 'Search', exact: true });
  const dialog = page.getByRole('dialog', { name: 'Search posts' });

  await button.click();
  await dialog.waitFor();
  assert.equal((await focusPath(page)).at(-1), 'input.ps-input');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await focusPath(page), ['div', 'button.ps-button']);
  // The page scrolls again once the modal is closed.
  await page.mouse.move(20, 400);
  await page.mouse.wheel(0, 600);
  await page.waitForFunction(() => window.scrollY > 0);
  await page.evaluate(() => window.scrollTo(0, 0));

  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('Meta+k');
  await dialog.waitFor();
  await page.keyboard.press('Meta+k');  // toggles
  await dialog.waitFor({ state: 'hidden' });

  await page.keyboard.press('/');
  await dialog.waitFor();
  await page.mouse.click(5, 5);  // the backdrop
  await dialog.waitFor({ state: 'hidden' });

  // "/" typed into one of the page's own fields is just a character.
  await page.locator('#comment').focus();
  await page.keyboard.type('a/b');
  assert.equal(await page.locator('#comment').inputValue(), 'a/b');
  assert.equal(await dialog.count(), 0);

  await page.evaluate(() => window.postsearch.open());
  await dialog.waitFor();
  await page.evaluate(() => window.postsearch.close());
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(await focusPath(page), ['input'], 'focus returns to the comment field');
  // The one global has exactly open() and close().
  assert.deepEqual(await page.evaluate(() => Object.keys(window.postsearch).sort()), ['close', 'open']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('did you mean, corrections, no results', async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const input = page.getByRole('combobox', { name: 'Search posts' });
  const status = page.getByRole('status');

  const corrected = await apiSearch('asyncoi');
  assert.equal(corrected.corrected_query, 'asyncio');
  await input.fill('asyncoi');
  await page.waitForFunction(() => /Showing results for asyncio/.test(
      document.querySelector('postsearch-modal').shadowRoot.querySelector('.ps-status').textContent));
  assert.ok(await page.getByRole('option').count() > 0);

  const suggested = await apiSearch('gorutine asyncio');
  assert.equal(suggested.suggestion, 'goroutine asyncio');
  await input.fill('gorutine asyncio');
  const didYouMean = page.getByRole('button', { name: 'goroutine asyncio' });
  await didYouMean.waitFor();
  assert.match(await status.innerText(), /^Did you mean goroutine asyncio\?/);
  await didYouMean.click();
  assert.equal(await input.inputValue(), 'goroutine asyncio');
  await page.waitForFunction(() => !/Did you mean/.test(
      document.querySelector('postsearch-modal').shadowRoot.querySelector('.ps-status').textContent));

  await input.fill('qqxxzzvvkk');
  await page.waitForFunction(() => /No results for/.test(
      document.querySelector('postsearch-modal').shadowRoot.querySelector('.ps-status').textContent));
  assert.equal(await page.getByRole('option').count(), 0);
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  assert.equal(await status.innerText(), 'No results for \u201cqqxxzzvvkk\u201d.');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a slow answer to an older query never replaces a newer one', async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  const seen = [];
  await page.route(`${server.url}/api/search?**`, async (route) => {
    const q = new URL(route.request().url()).searchParams.get('q');
    seen.push(q);
    if (q === 'python') await new Promise((r) => setTimeout(r, 1500));
    try { await route.continue(); } catch { /* aborted by the page meanwhile */ }
  });
  await page.goto(blog.url + '/');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const input = page.getByRole('combobox', { name: 'Search posts' });
  await input.fill('python');
  await page.waitForTimeout(400);
  assert.deepEqual(seen, ['python'], 'the slow request is in flight');
  await input.fill('goroutine');
  const goroutine = await apiSearch('goroutine');
  const python = await apiSearch('python');
  assert.notEqual(goroutine.hits[0].title, python.hits[0].title);
  const firstTitle = page.getByRole('option').first().locator('.ps-title');
  await page.waitForFunction((title) => {
    const t = document.querySelector('postsearch-modal').shadowRoot.querySelector('.ps-title');
    return t && t.textContent === title;
  }, goroutine.hits[0].title);
  await page.waitForTimeout(1800);  // past the moment the "python" answer would have landed
  assert.equal(await firstTitle.innerText(), goroutine.hits[0].title);
  assert.equal(await page.getByRole('option').count(), Math.min(8, goroutine.hits.length));
  assert.deepEqual(seen, ['python', 'goroutine']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a snippet with markup other than <mark> is shown as text, never run', async () => {
  // The API's snippets are escaped text and <mark> by contract; the widget runs on the blog's
  // own origin, so it keeps only <mark> even if a response says otherwise.
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.route(`${server.url}/api/search?**`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    for (const hit of json.hits) {
      hit.snippet = 'before <img src=x onerror="window.__pwned=1"> <mark>kept</mark> ' +
                    '<script>window.__pwned=2</script> & after <b onclick=x>bold</b>';
    }
    await route.fulfill({ response, json });
  });
  await page.goto(blog.url + '/');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('combobox', { name: 'Search posts' }).fill('asyncio');
  const snippet = page.getByRole('option').first().locator('.ps-snippet');
  await snippet.waitFor();
  const shape = await snippet.evaluate((node) => ({
    text: node.textContent,
    tags: [...node.querySelectorAll('*')].map((e) => e.tagName.toLowerCase()),
  }));
  assert.deepEqual(shape.tags, ['mark']);
  assert.ok(shape.text.includes('<img src=x onerror="window.__pwned=1">'), shape.text);
  assert.ok(shape.text.includes('<script>window.__pwned=2</script> & after <b onclick=x>bold</b>'), shape.text);
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(problems, []);
  await page.close();
});

test('hostile host CSS, clashing ids and a double include do not break the widget', async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/hostile.html');
  const buttons = page.getByRole('button', { name: 'Search', exact: true });
  await buttons.first().waitFor();
  assert.equal(await buttons.count(), 2, 'one button per element, not two');
  assert.equal(await page.locator('postsearch-modal').count(), 1, 'one modal');
  const look = (locator) => locator.evaluate((node) => {
    const s = getComputedStyle(node);
    return { color: s.color, fontSize: s.fontSize, display: s.display };
  });
  const buttonLook = await look(buttons.first());
  assert.notEqual(buttonLook.color, 'rgb(255, 0, 0)');
  assert.equal(buttonLook.fontSize, '14px');
  assert.equal(buttonLook.display, 'inline-flex');

  await buttons.nth(1).click();
  const dialog = page.getByRole('dialog', { name: 'Search posts' });
  await dialog.waitFor();
  const box = await dialog.boundingBox();
  assert.ok(box.width > 400 && box.width <= 640, `dialog width ${box.width}`);
  await page.keyboard.type('asyncio');
  const option = page.getByRole('option').first();
  await option.waitFor();
  assert.notEqual((await look(option.locator('.ps-title'))).color, 'rgb(255, 0, 0)');
  assert.equal((await look(option.locator('.ps-title'))).fontSize, '16px');
  await page.keyboard.press('ArrowDown');
  // aria-activedescendant names the option in the shadow root, not the page's decoy.
  const input = page.getByRole('combobox', { name: 'Search posts' });
  assert.equal(await input.getAttribute('aria-activedescendant'), 'ps-option-0');
  assert.equal(await option.getAttribute('aria-selected'), 'true');
  assert.equal(await page.locator('#ps-option-0').first().innerText(), 'decoy');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await focusPath(page)).at(-1), 'button.ps-button');
  assert.deepEqual(problems, []);
  await page.close();
});

test('on a phone, in dark mode, the modal fills the screen', async () => {
  const page = await newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'dark',
                               hasTouch: true, isMobile: true });
  const problems = watchPage(page, [blog.url, server.url]);
  await page.goto(blog.url + '/');
  await page.getByRole('button', { name: 'Search', exact: true }).tap();
  const dialog = page.getByRole('dialog', { name: 'Search posts' });
  await dialog.waitFor();
  await page.getByRole('combobox', { name: 'Search posts' }).fill('event loop');
  await page.getByRole('option').first().waitFor();
  const box = await dialog.boundingBox();
  assert.equal(Math.round(box.width), 390);
  assert.equal(Math.round(box.height), 844);
  const background = await dialog.evaluate((d) => getComputedStyle(d).backgroundColor);
  assert.equal(background, 'rgb(22, 27, 34)');
  await page.screenshot({ path: screenshotPath('widget-phone-dark.png') });
  await page.getByRole('button', { name: 'Close search' }).tap();
  await dialog.waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await page.close();
});

test('without --cors-origin for the blog, the widget says "Search is unavailable"', async () => {
  const page = await newPage();
  const problems = watchPage(page, [blog.url, noCorsServer.url]);
  await page.goto(blog.url + '/nocors.html');
  // widget.js and widget.css load without CORS headers: <script src> and <link> need none.
  const button = page.getByRole('button', { name: 'Search', exact: true });
  await button.click();
  await page.getByRole('combobox', { name: 'Search posts' }).fill('asyncio');
  const status = page.getByRole('status');
  await page.waitForFunction(() => /unavailable/.test(
      document.querySelector('postsearch-modal').shadowRoot.querySelector('.ps-status').textContent));
  assert.equal(await status.innerText(), 'Search is unavailable. Please try again later.');
  assert.equal(await page.getByRole('option').count(), 0);
  // The browser's own report of the blocked request, and nothing else.
  const api = `${noCorsServer.url}/api/search?q=asyncio&per_page=8`;
  const escaped = api.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const expected = [
    new RegExp(`^console error: Access to fetch at '${escaped}' from origin '${blog.url}' has been ` +
               `blocked by CORS policy: No 'Access-Control-Allow-Origin' header is present on the ` +
               `requested resource\\.`),
    /^console error: Failed to load resource: net::ERR_FAILED$/,
    new RegExp(`^request failed: ${escaped} \\(net::ERR_FAILED\\)$`),
  ];
  assert.equal(problems.length, expected.length, problems.join('\n'));
  for (const pattern of expected) {
    assert.equal(problems.filter((p) => pattern.test(p)).length, 1, `${pattern}\n${problems.join('\n')}`);
  }
  await page.close();
});
