import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freshPostgresDatabase } from './db.ts';

/**
 * What every browser journey shares: where the built client and the screenshots are, which
 * Chromium drives them, and whether the suite runs, is skipped with a visible notice, or (with
 * LINLI_REQUIRE_BROWSER=1) must run.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');
export const WEB_INDEX = path.join(ROOT, 'web/dist/index.html');
export const SHOTS = path.join(ROOT, 'test-results');
export const CHROMIUM = process.env.LINLI_CHROMIUM ?? '/usr/bin/chromium';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const REQUIRE_BROWSER = process.env.LINLI_REQUIRE_BROWSER === '1';
export const suite = HAVE_CHROMIUM || REQUIRE_BROWSER ? describe : describe.skip;

/** Fails clearly when the browser or the built client is missing; makes the screenshot folder. */
export function preflight(): void {
  if (!HAVE_CHROMIUM) throw new Error(`LINLI_REQUIRE_BROWSER=1 but Chromium was not found at ${CHROMIUM} (set LINLI_CHROMIUM to its path)`);
  if (!existsSync(WEB_INDEX)) throw new Error('web/dist/index.html is missing: build the web client first with `npm run build:web` (`npm test` does this)');
  mkdirSync(SHOTS, { recursive: true });
}

/** Debian's Chromium, headless, with the flags this closed network needs (no background traffic). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** A demo account as the seed writes it (`kind: 'letter'` for ballot-letter codes). */
export type DemoAccount = { role: string; name: string; code: string; url: string; kind?: string };

/**
 * The harness of a phone journey on the demo estate: a real server (PostgreSQL when DATABASE_URL
 * is set, in a fresh database; else PGlite) seeded with the demo, Chromium, and the helpers every
 * such journey uses. Registers its own beforeAll/afterAll; call it at the top of a suite.
 * `prefix` names the data folder and the screenshots (test-results/<prefix>-<name>.png).
 */
export function demoJourney(prefix: string) {
  const state = {
    running: null as unknown as RunningServer,
    browser: null as unknown as Browser,
    accounts: [] as DemoAccount[],
    estateId: '',
  };
  let dataDir = '';
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> = null;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), `linli-${prefix}-`));
    pg = await freshPostgresDatabase();
    state.running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dataDir, LINLI_LOG_LEVEL: 'silent', ...(pg ? { DATABASE_URL: pg.url } : {}) }));
    const demo = await seedDemo(state.running.deps);
    state.accounts = demo.accounts;
    state.estateId = demo.estateId;
    state.browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await state.browser?.close().catch(() => {});
    await state.running?.close().catch(() => {});
    await pg?.drop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  /** The demo account of a role (an invite, not a letter code). */
  const account = (role: string) => {
    const a = state.accounts.find((x) => x.role === role && x.kind !== 'letter');
    if (!a) throw new Error(`the demo seed has no ${role} account`);
    return a;
  };

  /** A fresh 390×844 phone whose console errors and uncaught exceptions are collected. */
  async function phone(): Promise<Page> {
    const context = await state.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      // Refusals a journey provokes on purpose (401, 409) are logged by Chromium as failed loads.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  /** A phone signed in by an invite code through its QR link, /join#<code>. */
  async function signIn(code: string): Promise<Page> {
    const page = await phone();
    await page.goto(`${state.running.url}/join#${encodeURIComponent(code)}`);
    await page.waitForFunction(() => !!localStorage.getItem('linli.token'));
    await page.waitForURL((u) => u.pathname !== '/join');
    return page;
  }

  async function shot(page: Page, name: string) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `${prefix}-${name}.png`), fullPage: true });
  }

  function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
  }

  /** The API as the page's signed-in user; fails the test on any answer ≥ 300. */
  async function apiAs<T>(page: Page, method: string, p: string, body?: unknown): Promise<T> {
    const token = await page.evaluate(() => localStorage.getItem('linli.token'));
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${state.running.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (await res.json()) as T;
    expect(res.status, `${method} ${p}: ${JSON.stringify(data)}`).toBeLessThan(300);
    return data;
  }

  return { state, contexts, account, phone, signIn, shot, expectClean, apiAs };
}
