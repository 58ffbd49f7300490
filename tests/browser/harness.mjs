// Shared by the browser tests: the real binaries on loopback over an index built from
// data/posts, Debian's Chromium driven by playwright-core, and the checks every page gets
// (no console errors, no request leaving the allowed origins).
//
// Environment: POSTSEARCH_BUILD (default: <repo>/build), CHROMIUM (default: /usr/bin/chromium),
// POSTSEARCH_ARTIFACTS (screenshots; default: <build>/browser-artifacts).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const build = process.env.POSTSEARCH_BUILD || join(repo, 'build');
export const artifacts = process.env.POSTSEARCH_ARTIFACTS || join(build, 'browser-artifacts');

const indexer = join(build, 'indexer', 'postsearch-index');
const serverBinary = join(build, 'server', 'postsearch-server');

// Indexes `posts` (default: the bundled data/posts) into a fresh temporary directory.
export function buildIndex(posts = join(repo, 'data', 'posts')) {
  const dir = mkdtempSync(join(tmpdir(), 'postsearch-browser-'));
  const db = join(dir, 'index');
  const run = spawnSync(indexer, ['--db', db, posts], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`postsearch-index failed (${run.status}): ${run.stderr}`);
  return { dir, db, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// Starts postsearch-server on 127.0.0.1 and an ephemeral port; resolves once it listens.
// `stop()` sends SIGTERM and resolves with the exit code.
export function startServer(db, extraArgs = []) {
  const child = spawn(serverBinary, ['--listen', '127.0.0.1:0', '--db', db, '--threads', '2', ...extraArgs],
                      { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('server did not start: ' + stderr)); }, 10000);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^postsearch-server listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(line);
      if (!m) { child.kill('SIGKILL'); reject(new Error('unexpected startup line: ' + line)); return; }
      resolvePromise({
        url: m[1],
        port: Number(m[2]),
        stderr: () => stderr,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) { done(child.exitCode); return; }
          child.once('exit', (code) => done(code));
          child.kill('SIGTERM');
        }),
      });
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${stderr}`)); });
  });
}

// A static file server on 127.0.0.1 and its own ephemeral port: "another origin" for the
// widget. `files` maps a path ("/index.html") to [content type, body].
export function startStaticServer(files) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = files[path === '/' ? '/index.html' : path];
    if (!file) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': file[0] });
    res.end(file[1]);
  });
  return new Promise((done) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      done({ url: `http://127.0.0.1:${port}`, port, stop: () => new Promise((r) => server.close(r)) });
    });
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Root in CI containers cannot use Chromium's sandbox.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

// Records what a page does wrong: console errors, uncaught exceptions, failed requests,
// and requests to any origin not in `allowedOrigins`.
export function watchPage(page, allowedOrigins) {
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push('console error: ' + msg.text()); });
  page.on('pageerror', (err) => problems.push('page error: ' + err.message));
  page.on('requestfailed', (req) => {
    const why = req.failure() ? req.failure().errorText : 'failed';
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()} (${why})`);
  });
  page.on('request', (req) => {
    const origin = new URL(req.url()).origin;
    if (!req.url().startsWith('data:') && !allowedOrigins.includes(origin)) {
      problems.push('request to a foreign origin: ' + req.url());
    }
  });
  return problems;
}

export function screenshotPath(name) {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}

export function readRepoFile(relative) {
  return readFileSync(join(repo, relative), 'utf8');
}
