// The built-in search page (GET /) in headless Chromium against the real server over
// data/posts: search as you type, spelling switches, facets, sort, keyboard, history,
// the server-rendered page without JavaScript, accessible names, themes and a phone screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, startServer, launchBrowser, watchPage, screenshotPath } from './harness.mjs';

const FUTURE_POST = '/async/asyncio-future-task-event-loop';
const STEP_MS = 5000;  // the longest any single wait may take

let index, server, browser;
before(async () => {
  index = buildIndex();
  server = await startServer(index.db);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  assert.equal(await server?.stop(), 0);
  index?.remove();
});

// A fresh context and page with the problem watcher; `done(expected)` asserts the problems
// are exactly `expected` (none unless a test provokes one) and closes.
async function open(path = '/', options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.setDefaultNavigationTimeout(STEP_MS);
  const problems = watchPage(page, [server.url]);
  await page.goto(server.url + path);
  return {
    page,
    done: async (expected = []) => {
      assert.deepEqual(problems, expected);
      await context.close();
    },
  };
}

function isSearch(response, q) {
  const url = new URL(response.url());
  return url.pathname === '/api/search' && url.searchParams.get('q') === q;
}

const param = (page, name) => new URL(page.url()).searchParams.getAll(name);
const hitTags = (page) => page.$$eval('#ps-results .ps-hit', (hits) =>
  hits.map((hit) => Array.from(hit.querySelectorAll('.ps-tag'), (t) => t.textContent)));
const hitDates = (page) => page.$$eval('#ps-results .ps-hit time', (times) => times.map((t) => t.dateTime));
const statusText = (page) => page.locator('#ps-status').innerText();

test('typing shows highlighted results within one round trip of the last keystroke', async () => {
  const { page, done } = await open('/');
  const box = page.getByRole('combobox', { name: 'Search the posts' });
  assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'the box has focus on load');
  const answer = page.waitForResponse((r) => isSearch(r, 'asyncio lop'));
  await box.pressSequentially('asyncio lop', { delay: 40 });
  await answer;
  const answeredAt = Date.now();
  await page.locator(`#ps-results a[href="${FUTURE_POST}"]`).first().waitFor({ timeout: 1000 });
  assert.ok(Date.now() - answeredAt < 1000, 'the DOM shows the answer promptly');
  const first = page.locator('#ps-results [role="option"]').first();
  assert.match(await first.locator('.ps-title').innerText(), /Event Loop/);
  // "lop" was completed or corrected to "loop", and the snippet marks it.
  const marks = await page.locator('#ps-results mark').allInnerTexts();
  assert.ok(marks.some((m) => /^loop/i.test(m)), 'a <mark> holds loop: ' + marks.join(', '));
  assert.ok(marks.some((m) => /^asyncio$/i.test(m)));
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  assert.equal(await page.locator('#ps-results').getAttribute('role'), 'listbox');
  assert.deepEqual(param(page, 'q'), ['asyncio lop']);
  // Section deep link: same post URL plus the heading anchor.
  const section = await first.locator('.ps-section a').getAttribute('href');
  assert.match(section, new RegExp('^' + FUTURE_POST + '#[a-z0-9-]+$'));
  await page.screenshot({ path: screenshotPath('page-light.png'), fullPage: true });
  await done();
});

test('a typo shows the correction and the switch searches the query as typed', async () => {
  const { page, done } = await open('/');
  await page.getByRole('combobox', { name: 'Search the posts' }).fill('asyncoi');
  await page.locator('.ps-spell').waitFor();
  assert.match(await statusText(page), /Showing results for asyncio\. Search instead for asyncoi/);
  assert.ok(await page.locator(`#ps-results a[href="${FUTURE_POST}"]`).count() > 0);
  await page.locator('a.ps-switch', { hasText: 'asyncoi' }).click();
  await page.waitForURL((url) => url.searchParams.get('correct') === '0');
  await page.waitForFunction(() => !document.querySelector('#ps-status').textContent.includes('Showing results for'));
  assert.equal(await page.locator('#ps-q').inputValue(), 'asyncoi');
  // Back: the corrected search again.
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#ps-status').textContent.includes('Showing results for'));
  await done();
});

test('a tag facet filters, shows a removable chip, and a year facet filters by year', async () => {
  const { page, done } = await open('/?q=python');
  await page.locator('#ps-results .ps-hit').first().waitFor();
  await page.getByRole('link', { name: /^Filter by tag asyncio/ }).click();
  await page.waitForURL((url) => url.searchParams.getAll('tag').includes('asyncio'));
  await page.locator('.ps-chip', { hasText: 'tag: asyncio' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#ps-results .ps-hit').length > 0 &&
    Array.from(document.querySelectorAll('#ps-results .ps-hit')).every((h) => h.textContent.includes('asyncio')));
  const tags = await hitTags(page);
  assert.ok(tags.length > 0);
  for (const t of tags) assert.ok(t.includes('asyncio'), 'every hit carries the tag: ' + t);

  await page.getByRole('link', { name: 'Remove filter tag: asyncio' }).click();
  await page.waitForURL((url) => url.searchParams.getAll('tag').length === 0);

  await page.getByRole('link', { name: /^Filter by year 2018/ }).click();
  await page.waitForURL((url) => url.searchParams.get('since') === '2018-01-01' && url.searchParams.get('until') === '2018-12-31');
  await page.locator('.ps-chip', { hasText: 'year: 2018' }).waitFor();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('#ps-results time')).every((t) => t.dateTime.startsWith('2018')));
  const dates = await hitDates(page);
  assert.ok(dates.length > 0);
  for (const d of dates) assert.match(d, /^2018-/);
  await done();
});

test('sort by date orders the hits newest first', async () => {
  const { page, done } = await open('/?q=python');
  await page.locator('#ps-results .ps-hit').first().waitFor();
  const relevance = await hitDates(page);
  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('date');
  await page.waitForURL((url) => url.searchParams.get('sort') === 'date');
  await page.waitForFunction((before) => {
    const now = Array.from(document.querySelectorAll('#ps-results time'), (t) => t.dateTime);
    return now.join() !== before.join();
  }, relevance);
  const dates = await hitDates(page);
  assert.deepEqual(dates, [...dates].sort().reverse());
  assert.notDeepEqual(dates, relevance, 'relevance order differs for this query');
  await done();
});

test('keyboard: / focuses, arrows move the active option, Escape leaves and clears, Enter opens', async () => {
  const { page, done } = await open('/');
  await page.route(server.url + '/async/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>post</title>' }));
  await page.locator('h1').click();  // focus leaves the box
  assert.equal(await page.evaluate(() => document.activeElement.id), '');
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'ps-q');
  assert.equal(await page.locator('#ps-q').inputValue(), '', 'the / itself is not typed');
  await page.keyboard.type('event loop');
  await page.locator('#ps-results [role="option"]').nth(1).waitFor();
  const box = page.locator('#ps-q');

  await page.keyboard.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-activedescendant'), 'ps-hit-0');
  assert.equal(await page.locator('#ps-hit-0').getAttribute('aria-selected'), 'true');
  await page.keyboard.press('ArrowDown');
  assert.equal(await box.getAttribute('aria-activedescendant'), 'ps-hit-1');
  assert.equal(await page.locator('#ps-hit-0').getAttribute('aria-selected'), 'false');
  await page.keyboard.press('ArrowUp');
  assert.equal(await box.getAttribute('aria-activedescendant'), 'ps-hit-0');
  // Escape leaves the list first, then clears the box.
  await page.keyboard.press('Escape');
  assert.equal(await box.getAttribute('aria-activedescendant'), null);
  assert.equal(await box.inputValue(), 'event loop');
  await page.keyboard.press('Escape');
  assert.equal(await box.inputValue(), '');
  await page.waitForFunction(() => document.querySelectorAll('#ps-results .ps-hit').length === 0);
  assert.equal(await box.getAttribute('aria-expanded'), 'false');

  await page.keyboard.type('event loop');
  await page.locator('#ps-results [role="option"]').first().waitFor();
  await page.keyboard.press('ArrowDown');
  const href = await page.locator('#ps-hit-0 .ps-title a').getAttribute('href');
  assert.ok(href.startsWith('/async/'), href);
  await Promise.all([
    page.waitForURL((url) => url.pathname === href),
    page.keyboard.press('Enter'),
  ]);
  await done();
});

test('the back button restores the previous search', async () => {
  const { page, done } = await open('/');
  const box = page.getByRole('combobox', { name: 'Search the posts' });
  const firstTitle = () => page.locator('#ps-results .ps-title').first().innerText();

  await box.fill('asyncio');
  await box.press('Enter');  // a committed search
  await page.waitForURL((url) => url.searchParams.get('q') === 'asyncio');
  await page.locator('#ps-results .ps-hit').first().waitFor();
  const asyncioTitle = await firstTitle();

  await box.fill('goroutines');  // typed, then a pause commits it
  await page.waitForURL((url) => url.searchParams.get('q') === 'goroutines');
  await page.waitForFunction((t) => document.querySelector('#ps-results .ps-title')?.textContent !== t, asyncioTitle);
  const goTitle = await firstTitle();
  await page.waitForTimeout(1300);

  await box.fill('decorators');
  await page.waitForURL((url) => url.searchParams.get('q') === 'decorators');
  await page.waitForFunction((t) => document.querySelector('#ps-results .ps-title')?.textContent !== t, goTitle);

  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#ps-q').value === 'goroutines');
  await page.waitForFunction((t) => document.querySelector('#ps-results .ps-title')?.textContent === t, goTitle);
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('#ps-q').value === 'asyncio');
  await page.waitForFunction((t) => document.querySelector('#ps-results .ps-title')?.textContent === t, asyncioTitle);
  assert.deepEqual(param(page, 'q'), ['asyncio']);
  await page.goForward();
  await page.waitForFunction(() => document.querySelector('#ps-q').value === 'goroutines');
  await done();
});

test('without JavaScript the form submits and the server renders results, pages, facets and sort', async () => {
  const { page, done } = await open('/', { javaScriptEnabled: false });
  await page.locator('#ps-q').fill('python');
  await Promise.all([page.waitForURL((url) => url.searchParams.get('q') === 'python'), page.locator('#ps-q').press('Enter')]);
  assert.equal(await page.locator('#ps-results .ps-hit').count(), 10);
  assert.ok(await page.locator('#ps-results mark').count() > 0);
  assert.match(await statusText(page), /^13 results/);
  assert.equal(await page.locator('#ps-q').inputValue(), 'python');
  const firstPage = await page.locator('#ps-results .ps-title').allInnerTexts();

  await Promise.all([page.waitForURL((url) => url.searchParams.get('page') === '2'),
                     page.getByRole('link', { name: /Next/ }).click()]);
  assert.equal(await page.locator('#ps-results .ps-hit').count(), 3);
  const secondPage = await page.locator('#ps-results .ps-title').allInnerTexts();
  for (const title of secondPage) assert.ok(!firstPage.includes(title), 'page 2 shows other posts');
  assert.equal(await page.locator('a[aria-current="page"]').innerText(), '2');

  await Promise.all([page.waitForURL((url) => url.searchParams.getAll('tag').includes('asyncio')),
                     page.getByRole('link', { name: /^Filter by tag asyncio/ }).click()]);
  for (const t of await hitTags(page)) assert.ok(t.includes('asyncio'));
  assert.equal(param(page, 'page').length, 0, 'a filter starts again at page 1');

  await page.getByRole('combobox', { name: 'Sort by' }).selectOption('date');
  await Promise.all([page.waitForURL((url) => url.searchParams.get('sort') === 'date'),
                     page.getByRole('button', { name: 'Search', exact: true }).click()]);
  assert.deepEqual(param(page, 'tag'), ['asyncio'], 'the form keeps the active filter');
  const dates = await hitDates(page);
  assert.ok(dates.length > 1);
  assert.deepEqual(dates, [...dates].sort().reverse());

  await page.goto(server.url + '/?q=asyncoi');
  assert.match(await statusText(page), /Showing results for asyncio/);
  await Promise.all([page.waitForURL((url) => url.searchParams.get('correct') === '0'),
                     page.locator('a.ps-switch').click()]);
  assert.doesNotMatch(await statusText(page), /Showing results for/);

  const bad = await page.goto(server.url + '/?q=python&page=0');
  assert.equal(bad.status(), 400);
  assert.match(await page.locator('.ps-error').innerText(), /page/);
  assert.equal(await page.locator('#ps-q').inputValue(), 'python');
  // Chromium reports the deliberate 400 itself; nothing else may go wrong.
  await done(['console error: Failed to load resource: the server responded with a status of 400 (Bad Request)']);
});

test('hostile queries are shown as text, never run as markup', async () => {
  const hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script>';
  for (const javaScriptEnabled of [true, false]) {
    const { page, done } = await open('/?q=' + encodeURIComponent(hostile), { javaScriptEnabled });
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs += 1; d.dismiss(); });
    await page.locator('#ps-status .ps-count').waitFor();
    assert.equal(await page.locator('#ps-q').inputValue(), hostile);
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('body script').count(), 0);
    assert.equal(dialogs, 0);
    await done();
  }
});

test('every control has an accessible name and the combobox is wired to the listbox', async () => {
  const { page, done } = await open('/?q=python');
  await page.locator('#ps-results [role="option"]').first().waitFor();
  await page.getByRole('combobox', { name: 'Search the posts' }).waitFor();
  await page.getByRole('combobox', { name: 'Sort by' }).waitFor();
  await page.getByRole('button', { name: 'Search', exact: true }).waitFor();
  await page.getByRole('button', { name: /^Theme: / }).waitFor();
  await page.getByRole('listbox', { name: 'Results' }).waitFor();
  await page.getByRole('navigation', { name: 'Result pages' }).waitFor();
  const unnamed = await page.$$eval('input:not([type=hidden]), select, button, textarea, a[href]', (controls) =>
    controls.filter((c) => {
      const label = c.id && document.querySelector(`label[for="${c.id}"]`);
      const name = c.getAttribute('aria-label') || (label && label.textContent) || c.textContent;
      return !name || !name.trim();
    }).map((c) => c.outerHTML));
  assert.deepEqual(unnamed, []);
  const box = page.locator('#ps-q');
  assert.equal(await box.getAttribute('role'), 'combobox');
  assert.equal(await box.getAttribute('aria-autocomplete'), 'list');
  assert.equal(await box.getAttribute('aria-controls'), 'ps-results');
  assert.equal(await page.locator('link[rel="search"]').getAttribute('href'), '/opensearch.xml');
  // Focus is visible: a focused link gets an outline.
  await page.locator('.ps-facet-link').first().focus();
  await page.keyboard.press('Tab');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await done();
});

test('dark theme from the system, a remembered theme toggle, and a phone screen', async () => {
  const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  const dark = await open('/?q=event+loop', { colorScheme: 'dark' });
  await dark.page.locator('#ps-results .ps-hit').first().waitFor();
  assert.equal(await background(dark.page), 'rgb(21, 23, 27)');
  await dark.page.screenshot({ path: screenshotPath('page-dark.png'), fullPage: true });
  await dark.done();

  const light = await open('/?q=event+loop', { colorScheme: 'light' });
  await light.page.locator('#ps-results .ps-hit').first().waitFor();
  assert.equal(await background(light.page), 'rgb(255, 255, 255)');
  const toggle = light.page.getByRole('button', { name: /^Theme: / });
  await toggle.click();  // system -> light
  await toggle.click();  // light -> dark
  assert.equal(await light.page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.match(await toggle.getAttribute('aria-label'), /dark/);
  assert.equal(await background(light.page), 'rgb(21, 23, 27)');
  await light.page.reload();
  assert.equal(await light.page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.equal(await background(light.page), 'rgb(21, 23, 27)');
  await light.done();

  const phone = await open('/?q=python', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.page.locator('#ps-results [role="option"]').first().waitFor();
  const layout = await phone.page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    facetsTop: document.querySelector('#ps-facets').getBoundingClientRect().top,
    resultsTop: document.querySelector('#ps-results').getBoundingClientRect().top,
    boxWidth: document.querySelector('#ps-q').getBoundingClientRect().width,
  }));
  assert.ok(layout.scrollWidth <= 390, 'no sideways scrolling: ' + layout.scrollWidth);
  assert.ok(layout.facetsTop < layout.resultsTop, 'facets above the results on a phone');
  assert.ok(layout.boxWidth > 200, 'the box uses the width: ' + layout.boxWidth);
  await phone.page.screenshot({ path: screenshotPath('page-mobile.png'), fullPage: true });
  await phone.done();
});
