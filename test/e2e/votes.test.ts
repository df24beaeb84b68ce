/**
 * The vote pages in real Chromium against a real server (PGlite, demo estate) at a phone-sized
 * viewport: the organizer drafts a paint-colour vote in the browser, meets the notice-period refusal,
 * publishes the notice; an owner opens the QR link and votes for a colour through the confirmation
 * step; the organizer's page (open in another context) sees turnout move without a reload; the
 * organizer closes with a reason; the result page shows the verdict in legal words and swatch bars;
 * the printable announcement lists house numbers and no names. Screenshots go to test-results/.
 *
 * Needs web/dist (npm test builds it first) and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM).
 * Without Chromium the suite is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { freshPostgresDatabase } from '../support/db.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, checkA11y, launchChromium, preflight, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? `vote pages in Chromium (390×844 phone) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}` : REQUIRE_BROWSER ? 'vote pages in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[votes.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type Account = { role: string; name: string; code: string; url: string };

/** Beijing wall-clock parts of an instant (the client shows and takes every time in Beijing time). */
function beijing(d: Date) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  ) as Record<string, string>;
  const hour = p.hour === '24' ? '00' : p.hour;
  return { date: `${p.year}-${p.month}-${p.day}`, input: `${p.year}-${p.month}-${p.day}T${hour}:${p.minute}` };
}

const DAY = 86_400_000;
const PAINT = [
  { name: '暖米色', hex: '#D8C3A5', code: 'NCS S 1015-Y20R' },
  { name: '浅灰', hex: '#BFC5C9', code: 'NCS S 2002-B' },
  { name: '砖红', hex: '#A4493D', code: 'NCS S 4040-Y80R' },
];

suite(title, () => {
  let running: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let accounts: Account[];
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> = null;
  let estateId: string;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();

  // Shared across the journey's steps (they run in order).
  let organizerPage: Page;
  let ownerPage: Page;
  let voteUrl = '';

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), 'linli-votes-'));
    // With DATABASE_URL (CI) the whole journey runs on PostgreSQL, in a database of its own.
    pg = await freshPostgresDatabase();
    running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dataDir, LINLI_LOG_LEVEL: 'silent', ...(pg ? { DATABASE_URL: pg.url } : {}) }));
    const demo = await seedDemo(running.deps);
    accounts = demo.accounts;
    estateId = demo.estateId;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await running?.close().catch(() => {});
    await pg?.drop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const account = (role: string) => {
    const a = accounts.find((x) => x.role === role);
    if (!a) throw new Error(`the demo seed has no ${role} account`);
    return a;
  };
  const joinUrl = (a: Account) => `${running.url}/join?code=${encodeURIComponent(a.code)}`;

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      // Refusals the journey provokes (409 on an early notice) are logged by Chromium as failed loads.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  /** Full-page screenshot from the top (a scrolled page would paint the sticky header mid-page). */
  async function shot(page: Page, name: string) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `votes-${name}.png`), fullPage: true });
    await checkA11y(page, `votes-${name}`);
  }

  function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
  }

  async function tokenOf(page: Page): Promise<string> {
    const token = await page.evaluate(() => localStorage.getItem('linli.token'));
    expect(token).toBeTruthy();
    return token!;
  }

  async function apiAs<T>(page: Page, method: string, p: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${await tokenOf(page)}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${running.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = (await res.json()) as T;
    expect(res.status, `${method} ${p}: ${JSON.stringify(data)}`).toBeLessThan(300);
    return data;
  }

  async function confirmDialog(page: Page) {
    await page.locator('.van-dialog__confirm').click();
    await page.locator('.van-dialog').waitFor({ state: 'hidden' });
  }

  it('(a) the organizer drafts a paint-colour vote in the browser', async () => {
    organizerPage = await phone();
    const page = organizerPage;
    await page.goto(joinUrl(account('organizer')));
    await page.getByTestId('nav-new-vote').waitFor();
    expect(await page.getByTestId('nav-votes').count()).toBeGreaterThan(0);
    await shot(page, 'a-organizer-home');
    await page.getByTestId('nav-new-vote').click();
    await page.waitForURL((u) => u.pathname === `/estates/${estateId}/votes/new`);
    await page.getByTestId('new-title').waitFor();

    // Submitting empty lists what is missing, in words.
    await page.getByTestId('new-submit').click();
    await page.getByTestId('new-problems').waitFor();
    expect(await page.getByTestId('new-problems').textContent()).toContain('请填写投票标题');

    await page.getByTestId('new-title').fill('外墙翻新涂料颜色表决');
    await page.getByTestId('new-description').fill('外墙翻新使用维修资金以外的专项资金，请选择外墙涂料颜色。');
    // Open a minute ago (the notice will be back-dated 20 days), close in a week.
    await page.getByTestId('new-opens').fill(beijing(new Date(Date.now() - 60_000)).input);
    await page.getByTestId('new-closes').fill(beijing(new Date(Date.now() + 7 * DAY)).input);
    await page.getByTestId('matter-title').fill('外墙涂料颜色');
    await page.getByTestId('matter-category').selectOption('7');
    expect(await page.getByTestId('matter-threshold').textContent()).toContain('四分之三以上同意');
    await page.getByTestId('matter-kind-options').check();
    await page.getByTestId('add-option').click();
    const editors = page.getByTestId('option-editor');
    await expect.poll(() => editors.count()).toBe(3);
    for (const [i, o] of PAINT.entries()) {
      const ed = editors.nth(i);
      await ed.getByTestId('option-name').fill(o.name);
      await ed.getByTestId('option-hex').fill(o.hex);
      await ed.getByTestId('option-code').fill(o.code);
    }
    // A wrong colour is caught before asking the server.
    await editors.nth(2).getByTestId('option-hex').fill('#A449');
    await page.getByTestId('new-submit').click();
    await expect.poll(() => page.getByTestId('new-problems').textContent()).toContain('色值');
    await editors.nth(2).getByTestId('option-hex').fill(PAINT[2]!.hex);
    await shot(page, 'a-new-vote-form');

    await page.getByTestId('new-submit').click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/votes\/[0-9a-f-]{36}$/.test(u.pathname));
    voteUrl = new URL(page.url()).pathname;
    await page.getByTestId('notice-card').waitFor();
    expect(await page.getByTestId('phase').textContent()).toContain('草稿');
    expect(await page.getByTestId('swatch').count()).toBe(3);
    expectClean(page);
  });

  it('(b) publishing the notice too late is refused with the earliest date; back-dated it opens the vote', async () => {
    const page = organizerPage;
    // Today's notice is too late for an opening a minute ago: the server says when it could open.
    await page.getByTestId('notice-date').fill(beijing(new Date()).date);
    await page.getByTestId('notice-too-early').waitFor();
    await page.getByTestId('notice-publish').click();
    await confirmDialog(page);
    const err = page.getByTestId('error-text');
    await err.waitFor();
    expect(await err.textContent()).toMatch(/公告当日不计.*最早 \d{4}-\d{2}-\d{2} 开始投票/);
    await shot(page, 'b-notice-refused');

    await page.getByTestId('notice-date').fill(beijing(new Date(Date.now() - 20 * DAY)).date);
    await page.getByTestId('notice-publish').click();
    await confirmDialog(page);
    await page.getByTestId('notice-done').waitFor();
    await expect.poll(() => page.getByTestId('phase').textContent()).toContain('投票中');
    await page.getByTestId('turnout').waitFor();
    await expect.poll(() => page.getByTestId('turnout-heads').first().textContent()).toMatch(/已参与 0 户 \/ 共 \d+ 户/);
    await expect.poll(() => page.getByTestId('turnout-status').textContent()).toContain('实时更新');
    await shot(page, 'b-notice-published-turnout-0');
    expectClean(page);
  });

  it('(c) an owner opens the QR link, votes for a colour through the confirmation step and sees it recorded', async () => {
    ownerPage = await phone();
    const page = ownerPage;
    const owner = accounts.find((a) => a.role === 'owner')!;
    await page.goto(joinUrl(owner));
    await page.getByTestId('nav-votes').waitFor();
    await page.getByTestId('nav-votes').click();
    // The demo seed may hold votes of its own: find ours by its title.
    const row = page.getByTestId('vote-row').filter({ hasText: '外墙翻新涂料颜色表决' });
    await row.waitFor();
    expect(await row.textContent()).toContain('投票中');
    await shot(page, 'c-owner-vote-list');
    await row.click();
    await page.waitForURL((u) => u.pathname === voteUrl);
    await page.getByTestId('vote-start').waitFor();
    expect(await page.getByTestId('matter-threshold').first().textContent()).toContain('三分之二以上');
    // No yes/no or option counts before close.
    expect(await page.getByTestId('result').count()).toBe(0);
    await shot(page, 'c-owner-vote-page');

    await page.getByTestId('vote-start').click();
    await page.getByTestId('vote-choose').waitFor();
    // The swatches are big enough to tap and to see (at least 96 px).
    const box = await page.getByTestId('choice-option-B').getByTestId('swatch').boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(96);
    expect(box!.height).toBeGreaterThanOrEqual(96);
    // Next without a choice asks for one.
    await page.getByTestId('vote-next').click();
    await page.getByText('请点选一项').waitFor();
    await page.getByTestId('choice-option-B').click();
    expect(await page.getByTestId('choice-option-B').getAttribute('aria-checked')).toBe('true');
    await shot(page, 'c-owner-choose-colour');
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-confirm').waitFor();
    expect(await page.getByTestId('vote-confirm-list').textContent()).toContain('浅灰');
    expect(await page.getByTestId('vote-final-warning').textContent()).toContain('提交后不能修改');
    await shot(page, 'c-owner-confirm');
    await page.getByTestId('vote-submit').click();
    await page.getByTestId('vote-recorded').waitFor();
    expect(await page.getByTestId('vote-recorded').textContent()).toContain('您的投票已记录');
    expect(await page.getByTestId('vote-seq').first().textContent()).toMatch(/账本序号 \d+/);
    await shot(page, 'c-owner-recorded');

    await page.getByTestId('vote-done').click();
    await page.getByTestId('already-voted').waitFor();
    expect(await page.getByTestId('vote-start').count()).toBe(0);
    await expect.poll(() => page.getByTestId('turnout-heads').first().textContent()).toMatch(/已参与 1 户/);
    await shot(page, 'c-owner-already-voted');
    expectClean(page);
  });

  it('(d) the organizer’s open page shows turnout move from 0 to 1 household without a reload', async () => {
    const page = organizerPage;
    // The page was loaded before the ballot: only a push (or the 15 s poll) can change it.
    await expect.poll(() => page.getByTestId('turnout-heads').first().textContent(), { timeout: 20_000 }).toMatch(/已参与 1 户/);
    expect(await page.getByTestId('turnout-status').textContent()).toContain('实时更新');
    expect(await page.getByTestId('turnout-building').count()).toBeGreaterThan(0);
    await shot(page, 'd-organizer-turnout-1');
    expectClean(page);
  });

  it('(e) the organizer closes with a reason; the result shows the verdict in legal words and swatch bars', async () => {
    const page = organizerPage;
    // A reason is required.
    await page.getByTestId('close-submit').click();
    await page.getByText('请填写结束原因').waitFor();
    await page.getByTestId('close-reason').fill('演示：业委会决定提前结束');
    await page.getByTestId('close-submit').click();
    await confirmDialog(page);
    await page.getByTestId('result').waitFor();
    await expect.poll(() => page.getByTestId('phase').textContent()).toContain('初步结果公示');
    const verdict = await page.getByTestId('verdict-text').first().textContent();
    expect(verdict).toContain('民法典第278条');
    // One household of many: two thirds not reached, so not decided (not "rejected").
    expect(await page.getByTestId('outcome').first().textContent()).toBe('未形成决定');
    expect(await page.getByTestId('result-option').count()).toBe(3);
    expect(await page.getByTestId('result').getByTestId('swatch').count()).toBe(3);
    expect(await page.getByTestId('result-preliminary').textContent()).toContain('异议期');
    expect(await page.getByTestId('finalize').isDisabled()).toBe(true);
    await shot(page, 'e-organizer-result');

    // The owner's result page (its own route) shows the same verdict.
    await ownerPage.goto(`${running.url}${voteUrl}/result`);
    await ownerPage.getByTestId('result').waitFor();
    expect(await ownerPage.getByTestId('verdict-text').first().textContent()).toContain('民法典第278条');
    const optionB = ownerPage.getByTestId('result-option').nth(1);
    expect(await optionB.textContent()).toContain('1 户');
    await shot(ownerPage, 'e-owner-result-page');
    expectClean(page);
    expectClean(ownerPage);
  });

  it('(f) the printable announcement lists house numbers and areas, never names', async () => {
    const page = ownerPage;
    await page.goto(`${running.url}${voteUrl}/announcement`);
    await page.getByTestId('announcement-participants').waitFor();
    const me = await apiAs<{ user: { displayName: string }; parts: { partId: string }[] }>(page, 'GET', '/api/me');
    const text = (await page.getByTestId('announcement-page').textContent()) ?? '';
    expect(await page.getByTestId('participant-row').count()).toBe(1);
    for (const p of me.parts) expect(text).toContain(p.partId);
    expect(text).toContain('网络');
    expect(text).toContain('民法典第278条');
    // No owner names: neither the account's display name nor the register name in it.
    const owner = accounts.find((a) => a.role === 'owner')!;
    const registerName = owner.name.replace(/（.*$/, '');
    expect(registerName.length).toBeGreaterThan(1);
    expect(text).not.toContain(registerName);
    expect(text).not.toContain(me.user.displayName);
    await shot(page, 'f-announcement');
    await page.emulateMedia({ media: 'print' });
    await shot(page, 'f-announcement-print');
    expect(await page.getByTestId('announcement-print').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // English for the same page.
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('announcement-verdict').first().textContent()).toContain('Civil Code art. 278');
    await page.goto(`${running.url}${voteUrl}`);
    await page.getByTestId('result').waitFor();
    await shot(page, 'f-owner-result-en');
    await page.getByTestId('lang-zh').click();
    expectClean(page);
  });

  it('(g) an owner answers a yes/no matter and an option matter one screen at a time', async () => {
    // Drafted and announced through the API this time (the form was driven in (a)).
    const base = `/api/estates/${estateId}/votes`;
    const created = await apiAs<{ id: string }>(organizerPage, 'POST', base, {
      title: '屋面防水与单元门颜色',
      opensAt: new Date(Date.now() - 60_000).toISOString(),
      closesAt: new Date(Date.now() + 10 * DAY).toISOString(),
      matters: [
        { title: '使用维修资金修缮屋面防水', description: '预算 ¥386,000，由专项维修资金支付。', category: '5', kind: 'yes_no' },
        { title: '单元门颜色', category: 'consultation', kind: 'options', options: PAINT.map((o, i) => ({ key: 'ABC'[i], name: o.name, colorHex: o.hex, colorCode: o.code })) },
      ],
    });
    await apiAs(organizerPage, 'POST', `${base}/${created.id}/notice`, { noticeDate: beijing(new Date(Date.now() - 20 * DAY)).date });

    const page = await phone();
    const owner = accounts.filter((a) => a.role === 'owner')[1]!;
    await page.goto(joinUrl(owner));
    await page.getByTestId('nav-votes').waitFor();
    await page.goto(`${running.url}/estates/${estateId}/votes/${created.id}`);
    await page.getByTestId('vote-start').click();
    await page.getByTestId('vote-choose').waitFor();
    expect(await page.getByTestId('vote-step').textContent()).toBe('第 1 项，共 2 项');
    // Big answer buttons: at least 64 px tall.
    const yes = page.getByTestId('choice-yes');
    expect((await yes.boundingBox())!.height).toBeGreaterThanOrEqual(64);
    await yes.click();
    await shot(page, 'g-owner-choose-yes');
    await page.getByTestId('vote-next').click();
    await expect.poll(() => page.getByTestId('vote-step').textContent()).toBe('第 2 项，共 2 项');
    await page.getByTestId('choice-option-A').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-confirm').waitFor();
    const list = (await page.getByTestId('vote-confirm-list').textContent()) ?? '';
    expect(list).toContain('同意');
    expect(list).toContain('暖米色');
    await shot(page, 'g-owner-confirm-two');
    // Change my mind on the first matter, then submit.
    await page.getByTestId('vote-change').click();
    await page.getByTestId('choice-no').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-next').click();
    await expect.poll(() => page.getByTestId('confirm-m1').textContent()).toContain('不同意');
    await page.getByTestId('vote-submit').click();
    await page.getByTestId('vote-recorded').waitFor();
    expect(await page.getByTestId('vote-seq').count()).toBe(2);
    await shot(page, 'g-owner-recorded-two');

    // A second attempt through the API is refused: the first ballot counts.
    const again = await fetch(`${running.url}${base}/${created.id}/ballots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf(page)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ choices: [{ matter: 'm1', choice: 'yes' }], nonce: 'again-12345' }),
    });
    expect(again.status).toBe(409);
    expectClean(page);
  });

  it('(h) a published yes/no result shows bars by area and headcount against the pass line', async () => {
    // Close the vote of (g) and look at it as the organizer.
    const list = await apiAs<{ votes: { id: string; title: string; phase: string }[] }>(organizerPage, 'GET', `/api/estates/${estateId}/votes`);
    const g = list.votes.find((v) => v.title === '屋面防水与单元门颜色')!;
    await apiAs(organizerPage, 'POST', `/api/estates/${estateId}/votes/${g.id}/close`, { reason: '演示：提前结束' });
    const page = organizerPage;
    await page.goto(`${running.url}/estates/${estateId}/votes/${g.id}`);
    await page.getByTestId('result').waitFor();
    expect(await page.getByTestId('result-matter').count()).toBe(2);
    expect(await page.getByTestId('answer-no').textContent()).toContain('1 户');
    expect(await page.getByTestId('verdict-text').nth(1).textContent()).toContain('不具法律约束力');
    await shot(page, 'h-yes-no-result');

    // The demo's own published vote, when the seed has one, with many ballots.
    const final = list.votes.find((v) => v.phase === 'final');
    if (final) {
      await page.goto(`${running.url}/estates/${estateId}/votes/${final.id}`);
      await page.getByTestId('result').waitFor();
      expect(await page.getByTestId('result-final').textContent()).toContain('最终结果');
      await shot(page, 'h-demo-final-result');
      await page.goto(`${running.url}/estates/${estateId}/votes/${final.id}/announcement`);
      await page.getByTestId('announcement-participants').waitFor();
      expect(await page.getByTestId('participant-row').count()).toBeGreaterThan(50);
      await shot(page, 'h-demo-final-announcement');
    }
    expectClean(page);
  });
});
