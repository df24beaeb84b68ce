/**
 * A live council meeting in real Chromium against a real server (PGlite, or PostgreSQL when
 * DATABASE_URL is set; demo estate: a scheduled session of the east council, whose chair and one
 * member are demo accounts). Two phones (390×844, separate browser contexts) and a projector
 * (1280×720):
 * (a) the chair finds the meeting from My home, enters the room (no quorum alone), starts it and
 *     opens the first agenda item;
 * (b) the member — whose phone clock is five minutes fast — enters: the chair's page shows the
 *     quorum; the member raises a hand (赞成); the chair sees it in the queue and gives the floor; the
 *     member's speaking clock runs on the server's time;
 * (c) the projector shows the item, the speaker and the clock, orange in the last 30 s, red and
 *     “+” when over;
 * (d) the chair opens a show of hands; the member votes; the count moves on the chair's page and on
 *     the projector without a reload; the chair closes it;
 * (e) the chair ends the speech and the member asks for a point of order (first on the wall); the
 *     member proposes a motion; it is listed on both phones awaiting a seconder (the demo council
 *     has only these two, and the chair does not second);
 * (f) the member posts an opinion carrying HTML: shown as text, nothing runs; the chair hides another;
 * (g) the chair writes notes, ends the meeting and publishes the minutes; the minutes page lists the
 *     item and the show of hands;
 * (h) the chair schedules the next meeting with a two-item agenda.
 * `window.__xss` is checked on every page. Screenshots go to test-results/ (council-*.png).
 *
 * Needs web/dist (npm test builds it first) and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM).
 * Without Chromium the suite is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { PRESENCE_PUSH_MS } from '../../src/realtime/deliberation.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { freshPostgresDatabase } from '../support/db.ts';
import { createPrivateKey } from 'node:crypto';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, checkA11y, launchChromium, preflight, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM
  ? `a council meeting in Chromium (two phones and a projector) on ${process.env.DATABASE_URL ? 'PostgreSQL, the member on a second node' : 'PGlite, one node'}`
  : REQUIRE_BROWSER
    ? 'a council meeting in Chromium (required)'
    : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[council.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type Account = { role: string; name: string; code: string; url: string };

const ITEM_1 = '1栋2单元加装电梯意见';
const POLL_QUESTION = '是否同意把 1 栋 2 单元加装电梯提交业主表决？';
const MOTION = '建议下月召开业主大会，就 1 栋 2 单元加装电梯进行表决';
const XSS = '电梯噪音要考虑 <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> 低层住户';
const RUDE = '这条将被主持人隐藏';
const NOTES = '会议记录：加装电梯意见分歧不大，下次会议前完成低层住户走访。';
/** The member's phone runs five minutes fast: timers must follow the server's clock, not the phone's. */
const MEMBER_SKEW_MS = 5 * 60_000;

suite(title, () => {
  let running: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let accounts: Account[];
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> = null;
  /** A second node (PostgreSQL only): the member's phone is served by it. */
  let second: RunningServer | null = null;
  let dataDir2 = '';
  const memberBase = () => (second ?? running).url;
  let estateId: string;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();

  let chair: Page;
  let member: Page;
  let projector: Page;
  let roomPath = '';

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), 'linli-council-e2e-'));
    pg = await freshPostgresDatabase();
    // With PostgreSQL the member's phone talks to a second node: one database, one key, one secret.
    const shared = { PORT: '0', HOST: '127.0.0.1', LINLI_LOG_LEVEL: 'silent', ...(pg ? { DATABASE_URL: pg.url, LINLI_SECRET: 'council-e2e-shared-secret-0123' } : {}) };
    running = await startServer(readEnv({ ...shared, LINLI_DATA_DIR: dataDir }));
    if (pg) {
      const pem = readFileSync(path.join(dataDir, 'keys', 'signing-ed25519.pem'), 'utf8');
      const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }).toString('base64');
      dataDir2 = mkdtempSync(path.join(tmpdir(), 'linli-council-e2e-node2-'));
      second = await startServer(readEnv({ ...shared, LINLI_DATA_DIR: dataDir2, LINLI_SIGNING_KEY: der }));
    }
    const demo = await seedDemo(running.deps);
    accounts = demo.accounts;
    estateId = demo.estateId;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await second?.close().catch(() => {});
    await running?.close().catch(() => {});
    await pg?.drop().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (dataDir2) rmSync(dataDir2, { recursive: true, force: true });
  });

  const account = (role: string) => {
    const a = accounts.find((x) => x.role === role);
    if (!a) throw new Error(`the demo seed has no ${role} account`);
    return a;
  };
  const joinUrl = (code: string) => `${running.url}/join?code=${encodeURIComponent(code)}`;

  function watch(page: Page) {
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true });
    contexts.push(context);
    return watch(await context.newPage());
  }

  async function shot(page: Page, name: string, fullPage = true) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `council-${name}.png`), fullPage });
    await checkA11y(page, `council-${name}`);
  }

  /** No console errors (CSP violations, exceptions) and no opinion's markup ever ran. */
  async function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  }

  async function confirmDialog(page: Page) {
    await page.locator('.van-dialog__confirm').click();
    await page.locator('.van-dialog').waitFor({ state: 'hidden' });
  }

  /** Home → 理事会会议 → the scheduled meeting. */
  async function enterFromHome(page: Page) {
    await page.getByTestId('nav-sessions').click();
    await page.waitForURL((u) => u.pathname === `/estates/${estateId}/sessions`);
    const row = page.getByTestId('session-row').filter({ hasText: '东邻里理事会月度会议' });
    await row.waitFor();
    await row.click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/sessions\/[0-9a-f-]{36}$/.test(u.pathname));
    await expect.poll(() => page.getByTestId('live-status').getAttribute('data-status')).toBe('live');
  }

  it('(a) the chair finds the meeting from My home, enters without quorum, starts it and opens item 1', async () => {
    chair = await phone();
    const page = chair;
    await page.goto(joinUrl(account('chair').code));
    await page.getByTestId('nav-sessions').waitFor();
    await enterFromHome(page);
    roomPath = new URL(page.url()).pathname;
    expect(await page.getByTestId('session-status').textContent()).toContain('未开始');
    expect(await page.getByTestId('my-role').textContent()).toContain('主持人');
    // Alone: one of the council's two members is not more than half.
    expect(await page.getByTestId('members-present').textContent()).toContain('代表到会 1/2');
    expect(await page.getByTestId('quorum').getAttribute('data-quorum')).toBe('no');
    expect(await page.getByTestId('quorum').textContent()).toContain('未达法定人数');
    await shot(page, 'a-chair-before');

    await page.getByTestId('session-start').click();
    await confirmDialog(page);
    await expect.poll(() => page.getByTestId('session-status').textContent()).toContain('进行中');
    await page.getByTestId('no-item').waitFor();
    // A show of hands belongs to an agenda item (that is where the minutes record it).
    await page.getByTestId('poll-needs-item').waitFor();
    expect(await page.getByTestId('poll-new').isDisabled()).toBe(true);
    await page.getByTestId('item-next').click();
    await expect.poll(() => page.getByTestId('current-item-title').textContent()).toContain(ITEM_1);
    expect(await page.getByTestId('current-item').textContent()).toContain('第 1 项，共 3 项');
    await expect.poll(() => page.getByTestId('item-timer').textContent()).toMatch(/已用 0:0\d \/ 预计 20:00/);
    expect(await page.getByTestId('agenda-item').first().getAttribute('data-status')).toBe('open');
    await shot(page, 'a-chair-started');
    await expectClean(page);
  });

  it('(b) the member enters (quorum), raises a hand; the chair sees it and gives the floor', async () => {
    member = await phone();
    const page = member;
    await page.clock.install({ time: new Date(Date.now() + MEMBER_SKEW_MS) });
    await page.goto(`${memberBase()}/join?code=${encodeURIComponent(account('council_member').code)}`);
    await page.getByTestId('nav-sessions').waitFor();
    await enterFromHome(page);
    expect(new URL(page.url()).pathname).toBe(roomPath);
    expect(await page.getByTestId('my-role').textContent()).toContain('议事代表');
    await expect.poll(() => page.getByTestId('current-item-title').textContent()).toContain(ITEM_1);
    // The item's clock follows the server, not this phone's fast clock (which would say 5 minutes).
    await expect.poll(() => page.getByTestId('item-timer').textContent()).toMatch(/已用 0:\d\d \/ 预计 20:00/);

    // The chair's page learns of the member without a reload: both members present, quorum.
    await expect.poll(() => chair.getByTestId('quorum').getAttribute('data-quorum')).toBe('yes');
    expect(await chair.getByTestId('members-present').textContent()).toContain('代表到会 2/2');
    expect(await page.getByTestId('quorum').textContent()).toContain('已达法定人数');

    expect(await page.getByTestId('hand-raise-contra').textContent()).toMatch(/举手发言\s*反对/);
    // The button's name is its visible words (axe's label-content-name-mismatch), as a screen reader says it.
    expect(await page.getByRole('button', { name: '举手发言 反对', exact: true }).getAttribute('data-testid')).toBe('hand-raise-contra');
    expect(await page.getByTestId('hand-raise-order').textContent()).toContain('程序问题');
    await shot(page, 'b-member-in-room');
    await page.getByTestId('hand-raise-pro').click();
    await page.getByTestId('my-place').waitFor();
    expect(await page.getByTestId('my-place').textContent()).toContain('排在第 1 位');
    expect(await page.getByTestId('my-place').textContent()).toContain('赞成');
    await shot(page, 'b-member-hand');

    const entry = chair.getByTestId('queue-entry');
    await expect.poll(() => entry.count()).toBe(1);
    expect(await entry.first().getAttribute('data-kind')).toBe('pro');
    expect(await entry.first().getByTestId('queue-name').textContent()).toContain('刘代表');
    expect(await entry.first().getByTestId('hand-kind').textContent()).toBe('赞成');
    expect(await chair.getByTestId('floor-next').textContent()).toContain('刘代表');
    await shot(chair, 'b-chair-queue');

    await chair.getByTestId('floor-next').click();
    await expect.poll(() => chair.getByTestId('speaker-name').textContent()).toContain('刘代表');
    await expect.poll(() => chair.getByTestId('queue-entry').count()).toBe(0);
    await page.getByTestId('you-speak').waitFor();
    expect(await page.getByTestId('speaker-name').textContent()).toContain('刘代表');
    // Three minutes each: the clock counts down from 3:00 on the server's time (this phone's own
    // clock would have it two minutes over already).
    await expect.poll(() => page.getByTestId('speaker-timer').textContent()).toMatch(/^(3:00|2:[45]\d)$/);
    expect(await page.getByTestId('speaker').getAttribute('data-tone')).toBe('normal');
    await shot(page, 'b-member-speaking');
    await expectClean(page);
    await expectClean(chair);
  });

  it('(c) the projector shows the item, the speaker and the clock (orange near the end, red when over)', async () => {
    // A desktop browser at the projector, signed in as the chair (the same person: presence unchanged).
    const token = await chair.evaluate(() => [localStorage.getItem('linli.token'), localStorage.getItem('linli.tokenExpiresAt')]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'zh-CN' });
    contexts.push(context);
    await context.addInitScript(([tok, exp]) => {
      localStorage.setItem('linli.token', tok ?? '');
      localStorage.setItem('linli.tokenExpiresAt', exp ?? '');
    }, token);
    projector = watch(await context.newPage());
    const page = projector;
    await page.clock.install();
    await page.goto(`${running.url}${roomPath}/projector`);
    await page.getByTestId('projector').waitFor();
    await expect.poll(() => page.getByTestId('pj-item-title').textContent()).toContain(ITEM_1);
    await expect.poll(() => page.getByTestId('speaker-name').textContent()).toContain('刘代表');
    expect(await page.getByTestId('speaker-timer').textContent()).toMatch(/^(3:00|2:[345]\d)$/);
    expect(await page.getByTestId('speaker').getAttribute('data-tone')).toBe('normal');
    expect(await page.getByTestId('pj-quorum').textContent()).toContain('已达法定人数');
    // The projector has no controls and no app bar.
    expect(await page.locator('button').count()).toBe(0);
    expect(await page.locator('header.bar').count()).toBe(0);
    expect(await chair.getByTestId('members-present').textContent()).toContain('代表到会 2/2');
    await page.screenshot({ path: path.join(SHOTS, 'council-c-projector.png') });
    await checkA11y(page, 'council-c-projector');

    // The projector's join is announced to the room by a coalesced presence push (at most every
    // PRESENCE_PUSH_MS); let it land first, since every push re-reads the server's clock offset.
    await new Promise((r) => setTimeout(r, PRESENCE_PUSH_MS * 3));
    // Later in the speech (the page's clock moves on; the server's offset stays): the last 30 s are orange…
    const now = Date.now();
    await page.clock.setSystemTime(now + 165_000);
    await expect.poll(() => page.getByTestId('speaker').getAttribute('data-tone')).toBe('warn');
    expect(await page.getByTestId('speaker-timer').textContent()).toMatch(/^0:[0-2]\d$/);
    expect(await page.getByTestId('speaker-timer').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(163, 82, 0)');
    await page.screenshot({ path: path.join(SHOTS, 'council-c-projector-warn.png') });
    await checkA11y(page, 'council-c-projector-warn');
    // …and over time it is red with a plus.
    await page.clock.setSystemTime(now + 200_000);
    await expect.poll(() => page.getByTestId('speaker').getAttribute('data-tone')).toBe('over');
    expect(await page.getByTestId('speaker-timer').textContent()).toMatch(/^\+0:[12]\d$/);
    expect(await page.getByTestId('speaker-timer').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: path.join(SHOTS, 'council-c-projector-over.png') });
    await checkA11y(page, 'council-c-projector-over');
    await expectClean(page);
  });

  it('(d) a show of hands: the member votes, the counts move on the chair\'s page and the projector', async () => {
    await chair.getByTestId('poll-new').click();
    await chair.getByTestId('poll-question-input').fill(POLL_QUESTION);
    await shot(chair, 'd-chair-poll-form');
    await chair.getByTestId('poll-open').click();
    await chair.getByTestId('poll').waitFor();
    expect(await chair.getByTestId('poll-question').textContent()).toBe(POLL_QUESTION);
    const count = (page: Page, option: string) => page.locator(`[data-testid="poll-count"][data-option="${option}"]`).getAttribute('data-count');
    expect(await count(chair, 'yes')).toBe('0');

    await member.getByTestId('poll').waitFor();
    expect(await member.getByTestId('poll-question').textContent()).toBe(POLL_QUESTION);
    await member.getByTestId('poll-vote-yes').click();
    await member.getByTestId('poll-mine').waitFor();
    expect(await member.getByTestId('poll-mine').textContent()).toContain('同意');
    await shot(member, 'd-member-poll');

    // No reload: the chair's counts move.
    await expect.poll(() => count(chair, 'yes')).toBe('1');
    expect(await count(chair, 'no')).toBe('0');
    expect(await chair.getByTestId('poll-voted').textContent()).toContain('已表态 1 人 · 到会代表 2 人');
    await shot(chair, 'd-chair-poll');

    await projector.getByTestId('pj-poll').waitFor();
    await expect.poll(() => count(projector, 'yes')).toBe('1');
    await projector.screenshot({ path: path.join(SHOTS, 'council-d-projector-poll.png') });
    await checkA11y(projector, 'council-d-projector-poll');

    await chair.getByTestId('poll-close').click();
    await chair.getByTestId('poll-done').waitFor();
    expect(await chair.getByTestId('poll-done').textContent()).toContain(POLL_QUESTION);
    await member.getByTestId('poll-done').waitFor();
    expect(await member.getByTestId('poll').count()).toBe(0);
    // The projector keeps the result of this item's show of hands.
    await expect.poll(() => count(projector, 'yes')).toBe('1');
    await expectClean(chair);
    await expectClean(member);
  });

  it('(e) a point of order after the speech; the member proposes a motion, listed on both phones awaiting a seconder', async () => {
    // The chair ends the speech; the member asks for a point of order: first in line on the wall.
    await chair.getByTestId('floor-end').click();
    await chair.getByTestId('speaker-none').waitFor();
    await member.getByTestId('hand-raise-order').click();
    await member.getByTestId('my-place').waitFor();
    const onWall = projector.getByTestId('queue-entry');
    await expect.poll(() => onWall.count()).toBe(1);
    expect(await onWall.first().getAttribute('data-kind')).toBe('order');
    expect(await onWall.first().getByTestId('hand-kind').textContent()).toBe('程序问题');
    await projector.getByTestId('speaker-none').waitFor();
    await projector.screenshot({ path: path.join(SHOTS, 'council-e-projector-queue.png') });
    await checkA11y(projector, 'council-e-projector-queue');

    await member.getByTestId('motion-text').fill(MOTION);
    await member.getByTestId('motion-propose').click();
    const mine = member.getByTestId('motion').filter({ hasText: MOTION });
    await mine.waitFor();
    expect(await mine.getAttribute('data-status')).toBe('proposed');
    expect(await mine.textContent()).toContain('待附议');
    // The proposer cannot second their own motion.
    expect(await mine.getByTestId('motion-second').count()).toBe(0);

    const seen = chair.getByTestId('motion').filter({ hasText: MOTION });
    await seen.waitFor();
    expect(await seen.getByTestId('motion-text-shown').textContent()).toBe(MOTION);
    expect(await seen.textContent()).toContain('提议：刘代表');
    expect(await seen.getByTestId('motion-second').count()).toBe(0);
    await shot(chair, 'e-chair-motion');
    await expectClean(member);
  });

  it('(f) an opinion carrying HTML is shown as text and runs nothing; the chair hides another', async () => {
    await member.getByTestId('message-text').fill(XSS);
    await member.getByTestId('message-send').click();
    const onChair = chair.getByTestId('message').filter({ hasText: '电梯噪音要考虑' });
    await onChair.waitFor();
    expect(await onChair.getByTestId('message-body').textContent()).toBe(XSS);
    expect(await member.getByTestId('message').filter({ hasText: '电梯噪音要考虑' }).getByTestId('message-body').textContent()).toBe(XSS);
    for (const page of [chair, member, projector]) {
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(await page.locator('main script').count()).toBe(0);
    }

    await member.getByTestId('message-text').fill(RUDE);
    await member.getByTestId('message-send').click();
    const rude = chair.getByTestId('message').filter({ hasText: RUDE });
    await rude.waitFor();
    await rude.getByTestId('message-hide').click();
    await expect.poll(() => rude.getAttribute('data-hidden')).toBe('1');
    const hiddenForMember = member.getByTestId('message').filter({ has: member.getByTestId('message-hidden') });
    await hiddenForMember.waitFor();
    expect(await member.getByText(RUDE).count()).toBe(0);
    await member.waitForTimeout(200);
    await shot(member, 'f-member-opinions');
    await shot(chair, 'f-chair-opinions');
    for (const page of [chair, member, projector]) await expectClean(page);
  });

  it('(g) the chair writes notes, ends the meeting and publishes the minutes', async () => {
    await chair.getByTestId('notes').fill(NOTES);
    await chair.getByTestId('notes-save').click();
    await chair.getByTestId('notes-saved').waitFor();
    await chair.getByTestId('session-end').click();
    await confirmDialog(chair);
    await chair.getByTestId('session-ended').waitFor();
    await member.getByTestId('session-ended').waitFor();
    await projector.getByTestId('pj-waiting').waitFor();
    expect(await projector.getByTestId('pj-waiting').textContent()).toContain('会议已结束');
    // The record stays on the phones: the show of hands and the motion.
    expect(await member.getByTestId('poll-done').count()).toBe(1);
    expect(await member.getByTestId('motion').count()).toBe(1);
    await shot(chair, 'g-chair-ended');

    await chair.getByTestId('minutes-publish').click();
    await confirmDialog(chair);
    await chair.waitForURL((u) => u.pathname === `${roomPath}/minutes`);
    await chair.getByTestId('minutes-sheet').waitFor();
    expect(await chair.getByTestId('minutes-session-title').textContent()).toContain('东邻里理事会月度会议');
    const item = chair.getByTestId('minutes-item').filter({ hasText: ITEM_1 });
    expect(await item.count()).toBe(1);
    const text = (await chair.getByTestId('minutes-text').textContent()) ?? '';
    // The minutes are a Chinese record: no English words in them (poll answers and labels in Chinese).
    expect(text).toContain(`表态：${POLL_QUESTION} → 同意 1 / 反对 0 / 弃权 0`);
    expect(text).toMatch(/出席：/);
    expect(text).not.toMatch(/\b(yes|no|abstain|Started|Attendance|Minutes|Poll|Motion|carried|failed)\b/);
    expect(text).toContain('刘代表');
    expect(text).toContain(MOTION);
    expect(text).toContain(NOTES);
    await shot(chair, 'g-minutes');

    // Anyone in the estate finds the minutes from the list; the room says it is closed.
    await member.goto(`${memberBase()}/estates/${estateId}/sessions`);
    const row = member.getByTestId('session-row').filter({ hasText: '东邻里理事会月度会议' });
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('published');
    await row.click();
    await member.waitForURL((u) => u.pathname === `${roomPath}/minutes`);
    await member.getByTestId('minutes-item').first().waitFor();
    expect(await member.getByTestId('minutes-text').textContent()).toContain(POLL_QUESTION);
    await member.goto(`${memberBase()}${roomPath}`);
    await member.getByTestId('session-published').waitFor();
    await member.getByTestId('minutes-link').waitFor();
    for (const page of [chair, member, projector]) await expectClean(page);
  });

  it('(h) the chair schedules the next meeting with an agenda', async () => {
    const page = chair;
    await page.goto(`${running.url}/estates/${estateId}/sessions`);
    await page.getByTestId('session-new').click();
    await page.waitForURL((u) => u.pathname === `/estates/${estateId}/sessions/new`);
    await page.getByTestId('sn-title').waitFor();
    // The chair's own council is preselected; empty items are named before asking the server.
    await page.getByTestId('sn-save').click();
    await page.getByTestId('sn-problems').waitFor();
    expect(await page.getByTestId('sn-problems').textContent()).toContain('请填写会议名称');
    expect(await page.getByTestId('sn-problems').textContent()).toContain('第 1 项：请填写议题');
    await page.getByTestId('sn-title').fill('东邻里理事会 12 月例会');
    await page.getByTestId('sn-add-item').click();
    const items = page.getByTestId('sn-item');
    await expect.poll(() => items.count()).toBe(2);
    await items.nth(0).getByTestId('sn-item-title').fill('非机动车棚选址');
    await items.nth(0).getByTestId('sn-item-description').fill('两处候选：3 栋北侧、G 栋东侧。');
    await items.nth(0).getByTestId('sn-item-minutes').fill('25');
    await items.nth(1).getByTestId('sn-item-title').fill('其他事项');
    await items.nth(1).getByTestId('sn-item-minutes').fill('10');
    expect(await page.getByTestId('sn-total').textContent()).toContain('共 2 项，预计 35 分钟');
    await shot(page, 'h-schedule-form');
    await page.getByTestId('sn-save').click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/sessions\/[0-9a-f-]{36}$/.test(u.pathname) && u.pathname !== roomPath);
    await page.getByTestId('not-started').waitFor();
    expect(await page.getByTestId('agenda-item').allTextContents()).toEqual([expect.stringContaining('非机动车棚选址'), expect.stringContaining('其他事项')]);
    expect(await page.getByTestId('agenda-item').first().textContent()).toContain('25 分钟');

    await page.goto(`${running.url}/estates/${estateId}/sessions`);
    await expect.poll(() => page.getByTestId('session-row').count()).toBe(2);
    expect(await page.getByTestId('session-row').first().getAttribute('data-status')).toBe('scheduled');
    expect(await page.getByTestId('session-row').last().getAttribute('data-status')).toBe('published');
    await shot(page, 'h-sessions-list');
    await expectClean(page);
  });
});
