// The page loads in a real browser, answers a query typed into it, and stays within its origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildIndex, startServer, launchBrowser, watchPage, screenshotPath } from './harness.mjs';

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

test('typing a query shows highlighted results', async () => {
  const page = await browser.newPage();
  const problems = watchPage(page, [server.url]);
  await page.goto(server.url + '/');
  await page.getByRole('combobox', { name: 'Search the posts' }).fill('asyncio');
  await page.locator('.ps-hit').first().waitFor();
  assert.ok(await page.locator('.ps-hit mark').count() > 0);
  await page.screenshot({ path: screenshotPath('smoke.png'), fullPage: true });
  assert.deepEqual(problems, []);
});
