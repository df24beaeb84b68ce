import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
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

const axeSource = (): string => {
  const require = createRequire(import.meta.url);
  return (require('axe-core') as { source: string }).source;
};
let axeScript: string | null = null;

type AxeNode = { target: unknown[]; failureSummary?: string };
type AxeViolation = { id: string; impact: string | null; help: string; nodes: AxeNode[] };

/**
 * axe-core on the page as it is now (every journey calls this at each page state it
 * photographs): the WCAG 2.x A/AA rules and axe's best practices, plus the check that a button's
 * accessible name contains its visible words. Every finding is appended to
 * test-results/axe.jsonl, and any finding fails the test, naming rule and element. Then the
 * same page at 200% text size must not be wider than the phone (overflowAtDoubleText).
 * axe is evaluated through the DevTools protocol, so the page's CSP stays as strict as in use.
 */
export async function checkA11y(page: Page, label: string): Promise<void> {
  axeScript ??= axeSource();
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeScript);
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'], rules: { 'label-content-name-mismatch': { enabled: true } } });
    return r.violations;
  })) as AxeViolation[];
  mkdirSync(SHOTS, { recursive: true });
  appendFileSync(path.join(SHOTS, 'a11y-states.txt'), `${label}\n`);
  for (const v of violations) {
    appendFileSync(path.join(SHOTS, 'axe.jsonl'), JSON.stringify({ state: label, rule: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }) + '\n');
  }
  // The issue's bar is 0 critical and 0 serious; the journeys are at 0 of any impact, and stay there.
  const text = violations.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(text, `axe-core on ${label}`).toEqual([]);
  const wide = await overflowAtDoubleText(page);
  for (const w of wide) appendFileSync(path.join(SHOTS, 'reflow.jsonl'), JSON.stringify({ state: label, element: w }) + '\n');
  expect(wide, `elements wider than the phone at 200% text size on ${label}`).toEqual([]);
}

/**
 * Text at 200% as a phone's accessibility setting makes it (every computed font size doubled,
 * the width unchanged), then the elements that stick out sideways beyond the viewport, outside
 * any box that scrolls or clips on its own (a wide table in its scrolling frame is fine). The
 * page's own sizes are restored afterwards. WCAG 1.4.4 and 1.4.10.
 */
async function overflowAtDoubleText(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const els = Array.from(document.querySelectorAll<HTMLElement>('body, body *'));
    const before = els.map((el) => [el.style.fontSize, getComputedStyle(el).fontSize] as const);
    els.forEach((el, i) => el.style.setProperty('font-size', `${parseFloat(before[i]![1]) * 2}px`, 'important'));
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const vw = document.documentElement.clientWidth;
    const name = (el: Element): string => {
      const id = el.getAttribute('data-testid');
      const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      const own = `${el.tagName.toLowerCase()}${id ? `[data-testid="${id}"]` : ''}${cls}`;
      return id || cls || !el.parentElement ? own : `${name(el.parentElement)} > ${own}`;
    };
    // Only a table may scroll sideways in its own frame; anything else cut off or scrolled fails.
    const inTableFrame = (el: Element) => {
      for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if ((ox === 'auto' || ox === 'scroll') && a.querySelector('table')) return true;
      }
      return false;
    };
    const shown = (el: HTMLElement) => {
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      return r.width >= 2 && r.height >= 2 && cs.visibility !== 'hidden' && cs.position !== 'fixed' && cs.overflowX === 'visible';
    };
    // Boxes past the right or left edge, and boxes whose words spill past the edge (a long number
    // or code that does not wrap): the outermost of each, the element to fix.
    const sticksOut = (el: HTMLElement) => {
      const r = el.getBoundingClientRect();
      return r.right > vw + 1 || r.left < -1 || r.left + el.scrollWidth > vw + 1;
    };
    const bad = els.filter((el) => shown(el) && sticksOut(el) && !inTableFrame(el));
    const badSet = new Set(bad);
    const found = bad
      .filter((el) => !Array.from(el.children).some((c) => badSet.has(c as HTMLElement)))
      .map((el) => {
        const r = el.getBoundingClientRect();
        return `${name(el)} (${Math.round(r.left)}…${Math.round(Math.max(r.right, r.left + el.scrollWidth))} px of ${vw})`;
      });
    // The page as a whole may not scroll sideways nor zoom out to fit.
    const pageWidth = Math.max(document.documentElement.scrollWidth, innerWidth);
    if (pageWidth > vw + 1 && !found.length) {
      const widest = els
        .map((el) => ({ el, right: el.getBoundingClientRect().right }))
        .filter((x) => x.right > vw + 1 && getComputedStyle(x.el).position !== 'fixed')
        .sort((x, y) => y.right - x.right)
        .slice(0, 3)
        .map((x) => `${name(x.el)} to ${Math.round(x.right)} px`);
      found.push(`the page is ${pageWidth} px wide on a ${vw} px screen${widest.length ? `: ${widest.join(', ')}` : ''}`);
    }
    els.forEach((el, i) => {
      el.style.removeProperty('font-size');
      if (before[i]![0]) el.style.fontSize = before[i]![0];
    });
    return found;
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
    await checkA11y(page, `${prefix}-${name}`);
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
