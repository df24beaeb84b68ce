/**
 * Proposals, consultations and opinions in real Chromium against a real server (PGlite, or
 * PostgreSQL when DATABASE_URL is set; demo estate) at a phone-sized viewport:
 * (a) the organizer writes a paint-colour proposal with three colours, a picture and a PDF in the
 *     browser, posts it (公示), and starts a consultation on it with the colours as a ranking;
 * (b) an owner sees the unread badge, opens the proposal (big swatches, side-by-side wall, picture),
 *     co-signs, ranks the colours by tapping (tap again to undo) and saves; the answer is kept;
 * (c) the organizer's coverage rises after a reload and the CSV export downloads;
 * (d) the owner posts an opinion carrying HTML and script; it shows as text and runs nothing;
 * (e) the organizer answers it from the 事事有反馈 dashboard (adopted);
 * (f) the owner sees the answer pinned under the opinion and in the inbox;
 * (g) the demo consultation's results: Borda points and the run-off side by side;
 * (h) a tenant invited for a house number answers the consultation for that household;
 * (i) an owner of several flats chooses the household to answer for;
 * (j) the organizer publishes a second version; the diff shows additions, deletions and the changed
 *     colour; the page reads in English; the proposal becomes a draft vote of the chosen category.
 * `window.__xss` is checked on every page. Screenshots go to test-results/ (consult-*.png).
 *
 * Needs web/dist (npm test builds it first) and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM).
 * Without Chromium the suite is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { deflateSync } from 'node:zlib';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { freshPostgresDatabase } from '../support/db.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, checkA11y, launchChromium, preflight, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM
  ? `proposals, consultations and opinions in Chromium (390×844 phone) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`
  : REQUIRE_BROWSER
    ? 'proposals, consultations and opinions in Chromium (required)'
    : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[consult.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type Account = { role: string; name: string; code: string; url: string };

const PROPOSAL_TITLE = '3 栋外墙翻新：颜色方案（第二轮）';
const PAINT = [
  { name: '米白', hex: '#EDE6D6', code: 'NCS S 0804-Y30R' },
  { name: '浅灰蓝', hex: '#A9B8C6', code: 'NCS S 2010-R90B' },
  { name: '赭石', hex: '#B0764A', code: 'NCS S 3040-Y40R' },
];
const XSS = '砖红太深了 <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> 建议浅色';
const ANSWER = '感谢建议：已采纳，赭石改为更浅的色号，样板下周贴到大厅。';

/** A real PNG of one colour (so the picture renders), built with zlib: no image library needed. */
function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

suite(title, () => {
  let running: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let accounts: Account[];
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> = null;
  let estateId: string;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();

  let organizerPage: Page;
  let ownerPage: Page;
  let proposalUrl = '';
  let consultationUrl = '';
  let ownerHousehold = '';
  let householdsTotal = 0;

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), 'linli-consult-'));
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
  const joinUrl = (code: string) => `${running.url}/join?code=${encodeURIComponent(code)}`;

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  async function shot(page: Page, name: string) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `consult-${name}.png`), fullPage: true });
    await checkA11y(page, `consult-${name}`);
  }

  /** No console errors (CSP violations, exceptions) and the opinion's markup never ran. */
  async function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
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

  it('(a) the organizer writes a three-colour proposal, posts it and starts a consultation on it', async () => {
    organizerPage = await phone();
    const page = organizerPage;
    await page.goto(joinUrl(account('organizer').code));
    await page.getByTestId('nav-proposals').waitFor();
    // Staff see the opinions dashboard link; everyone sees proposals, consultations and the inbox.
    expect(await page.getByTestId('nav-opinions').count()).toBe(1);
    await page.getByTestId('nav-proposals').click();
    await page.getByTestId('new-proposal').click();
    await page.waitForURL((u) => u.pathname === `/estates/${estateId}/proposals/new`);

    // Empty: the problems are listed before asking the server.
    await page.getByTestId('pe-save').click();
    await expect.poll(() => page.getByTestId('pe-problems').textContent()).toContain('请填写方案标题');

    await page.getByTestId('pe-title').fill(PROPOSAL_TITLE);
    await page.getByTestId('pe-body').fill('根据第一轮意见调整了颜色。\n费用：政府补贴 + 专项维修资金。\n样板贴在 3 栋一层大厅。');
    await page.getByTestId('pe-add-option').click();
    const editors = page.getByTestId('pe-option');
    await expect.poll(() => editors.count()).toBe(3);
    for (const [i, o] of PAINT.entries()) {
      const ed = editors.nth(i);
      await ed.getByTestId('pe-option-name').fill(o.name);
      await ed.getByTestId('pe-option-hex').fill(o.hex);
      await ed.getByTestId('pe-option-code').fill(o.code);
    }
    // A picture for the third colour (a sample photo) and a PDF for the whole plan.
    await page.getByTestId('pe-option-picture-C').setInputFiles({ name: '赭石样板.png', mimeType: 'image/png', buffer: solidPng(320, 180, [0xb0, 0x76, 0x4a]) });
    await editors.nth(2).getByTestId('attachment-image').waitFor();
    await page.getByTestId('pe-files').setInputFiles({ name: '改造方案说明.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.getByTestId('pe-threshold').fill('20');
    await expect.poll(() => page.getByTestId('attachment-pdf').count()).toBe(1);
    await shot(page, 'a-proposal-form');

    await page.getByTestId('pe-save').click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/proposals\/[0-9a-f-]{36}$/.test(u.pathname));
    proposalUrl = new URL(page.url()).pathname;
    await page.getByTestId('proposal-draft-note').waitFor();
    expect(await page.getByTestId('status-pill').first().textContent()).toContain('草稿');
    expect(await page.getByTestId('option-card').count()).toBe(3);

    // Post it for a week (公示期).
    await page.getByTestId('publish-days').waitFor();
    expect(await page.getByTestId('publish-days').textContent()).toContain('7 天');
    await page.getByTestId('publish-submit').click();
    await confirmDialog(page);
    await expect.poll(() => page.getByTestId('status-pill').first().textContent()).toContain('公示中');
    await page.getByTestId('proposal-period').waitFor();
    await shot(page, 'a-proposal-posted-organizer');

    // A consultation on it: the colours come over as a ranking question.
    await page.getByTestId('start-consultation').click();
    await page.waitForURL((u) => u.pathname === `/estates/${estateId}/consultations/new`);
    const q = page.getByTestId('cqn-question').first();
    await q.waitFor();
    await expect.poll(() => q.getByTestId('cqn-option-name').count()).toBe(3);
    expect(await q.getByTestId('cqn-q-kind').inputValue()).toBe('ranking');
    expect(await page.getByTestId('cqn-title').inputValue()).toContain(PROPOSAL_TITLE);
    await shot(page, 'a-consultation-form');
    await page.getByTestId('cqn-save').click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/consultations\/[0-9a-f-]{36}$/.test(u.pathname));
    consultationUrl = new URL(page.url()).pathname;
    await page.getByTestId('consultation-draft').waitFor();
    await page.getByTestId('consultation-open').click();
    await confirmDialog(page);
    await expect.poll(() => page.getByTestId('status-pill').first().textContent()).toContain('进行中');
    await page.getByTestId('coverage-total').waitFor();
    const total = (await page.getByTestId('coverage-total').textContent()) ?? '';
    expect(total).toMatch(/已填 0 户 \/ 共 \d+ 户/);
    householdsTotal = Number(/共 (\d+) 户/.exec(total)![1]);
    expect(await page.getByTestId('not-reached-household').count()).toBe(householdsTotal);
    await shot(page, 'a-consultation-open-organizer');
    await expectClean(page);
  });

  it('(b) an owner sees the swatches side by side, co-signs, ranks the colours by tapping and saves', async () => {
    ownerPage = await phone();
    const page = ownerPage;
    await page.goto(joinUrl(account('owner').code));
    // Two notices wait: the posting and the consultation.
    await page.getByTestId('inbox-badge').waitFor();
    expect(Number(await page.getByTestId('inbox-badge').textContent())).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('nav-opinions').count()).toBe(0);
    await shot(page, 'b-owner-home');
    const me = await apiAs<{ parts: { partId: string; kind: string }[] }>(page, 'GET', '/api/me');
    ownerHousehold = me.parts.find((p) => p.kind === 'residential')!.partId;

    await page.getByTestId('nav-proposals').click();
    const row = page.getByTestId('proposal-row').filter({ hasText: PROPOSAL_TITLE });
    await row.waitFor();
    expect(await row.textContent()).toContain('公示中');
    await row.click();
    await page.waitForURL((u) => u.pathname === proposalUrl);
    await page.getByTestId('option-card').first().waitFor();
    expect(await page.getByTestId('option-card').count()).toBe(3);
    // Swatches big enough to judge a paint: at least 120 px each way.
    for (let i = 0; i < 3; i++) {
      const box = (await page.getByTestId('option-card').nth(i).getByTestId('swatch').boundingBox())!;
      expect(box.width).toBeGreaterThanOrEqual(120);
      expect(box.height).toBeGreaterThanOrEqual(120);
    }
    expect(await page.getByTestId('option-code').allTextContents()).toEqual(PAINT.map((p) => p.code));
    // The wall: three panels edge to edge across the full width.
    const wall = (await page.getByTestId('wall').boundingBox())!;
    expect(wall.width).toBeGreaterThanOrEqual(390 - 2 * 16 - 2);
    expect(wall.height).toBeGreaterThanOrEqual(120);
    expect(await page.getByTestId('wall-panel').count()).toBe(3);
    const panelColours = await page.getByTestId('wall-panel').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    expect(panelColours).toEqual(['rgb(237, 230, 214)', 'rgb(169, 184, 198)', 'rgb(176, 118, 74)']);
    // The picture is fetched with the token and shown from a blob: URL; the PDF offers a download.
    const img = page.getByTestId('option-card').nth(2).getByTestId('attachment-image');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(320);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attachment-download').click()]);
    expect(pdf.suggestedFilename()).toBe('改造方案说明.pdf');
    expect(readFileSync((await pdf.path())!).subarray(0, 5).toString()).toBe('%PDF-');
    await shot(page, 'b-owner-proposal');

    // Full screen, then back.
    await page.getByTestId('wall-full').click();
    await page.getByTestId('wall-fullscreen').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'consult-b-owner-wall-fullscreen.png') });
    await checkA11y(page, 'consult-b-owner-wall-fullscreen');
    await page.getByTestId('wall-close').click();
    await page.getByTestId('wall-fullscreen').waitFor({ state: 'detached' });

    // Co-sign (联名).
    expect(await page.getByTestId('support-count').textContent()).toContain('已有 0 人联名，目标 20 人');
    await page.getByTestId('support-button').click();
    await page.getByTestId('support-mine').waitFor();
    expect(await page.getByTestId('support-count').textContent()).toContain('已有 1 人联名');

    // To the consultation.
    await page.getByTestId('proposal-consultation-link').click();
    await page.waitForURL((u) => u.pathname === consultationUrl);
    await page.getByTestId('answering-for').waitFor();
    expect(await page.getByTestId('answering-for').textContent()).toContain(ownerHousehold);
    // Saving without ranking names the question.
    await page.getByTestId('answer-save').click();
    await page.getByTestId('answer-missing').waitFor();
    const badge = (k: string) => page.getByTestId(`rank-option-${k}`).getByTestId('rank-badge');
    const swatch = (await page.getByTestId('rank-option-A').getByTestId('swatch').boundingBox())!;
    expect(swatch.width).toBeGreaterThanOrEqual(120);
    await page.getByTestId('rank-option-C').click();
    await page.getByTestId('rank-option-A').click();
    await page.getByTestId('rank-option-B').click();
    expect([await badge('A').textContent(), await badge('B').textContent(), await badge('C').textContent()]).toEqual(['2', '3', '1']);
    // Tap again to undo: A leaves, B moves up.
    await page.getByTestId('rank-option-A').click();
    expect([await badge('A').textContent(), await badge('B').textContent(), await badge('C').textContent()]).toEqual(['', '2', '1']);
    await page.getByTestId('rank-option-A').click();
    expect(await page.getByTestId('rank-progress').textContent()).toContain('已排 3 个，共 3 个');
    expect(await page.getByTestId('rank-order').textContent()).toMatch(/1\s*赭石.*2\s*浅灰蓝.*3\s*米白/);
    await shot(page, 'b-owner-ranking');
    await page.getByTestId('answer-save').click();
    await page.getByTestId('answer-saved').waitFor();
    expect(await page.getByTestId('answer-saved').textContent()).toMatch(/已保存。.*前都可以修改/);
    await shot(page, 'b-owner-saved');

    // Kept on the server: after a reload the order is there and the page says when it was saved.
    await page.reload();
    await page.getByTestId('answered-before').waitFor();
    expect([await badge('A').textContent(), await badge('B').textContent(), await badge('C').textContent()]).toEqual(['3', '2', '1']);
    const saved = await apiAs<{ me: { households: { household: string; answers: Record<string, unknown> | null }[] } }>(page, 'GET', `/api/estates/${estateId}/consultations/${consultationUrl.split('/').pop()}`);
    expect(saved.me.households.find((h) => h.household === ownerHousehold)?.answers).toEqual({ q1: ['C', 'B', 'A'] });
    await expectClean(page);
  });

  it('(c) the organizer sees the coverage rise after a reload, and the CSV export downloads', async () => {
    const page = organizerPage;
    await page.reload();
    await page.getByTestId('coverage-total').waitFor();
    expect(await page.getByTestId('coverage-total').textContent()).toContain(`已填 1 户 / 共 ${householdsTotal} 户`);
    expect(await page.getByTestId('not-reached-household').count()).toBe(householdsTotal - 1);
    expect(await page.getByTestId('not-reached-household').allTextContents()).not.toContain(ownerHousehold);
    // The staff-only results already show the single ranking.
    await page.getByTestId('results').waitFor();
    expect(await page.getByTestId('ranking-agreement').textContent()).toContain('两种算法结果一致：赭石');
    await shot(page, 'c-organizer-coverage');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('consultation-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^consultation-[0-9a-f-]{36}\.csv$/);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    const lines = csv.slice(1).trim().split(/\r?\n/);
    expect(lines[0]).toBe('building,entrance,household,updated_at,q1');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(ownerHousehold);
    expect(lines[1]).toContain('C>B>A');
    await expectClean(page);
  });

  it('(d) the owner posts an opinion with HTML and script in it: shown as text, nothing runs', async () => {
    const page = ownerPage;
    await page.goto(`${running.url}${proposalUrl}`);
    await page.getByTestId('comment-text').waitFor();
    await page.getByTestId('comment-text').fill(XSS);
    await page.getByTestId('comment-submit').click();
    await page.getByTestId('comment-posted').waitFor();
    const thread = page.getByTestId('comment-thread').filter({ hasText: '砖红太深了' });
    await thread.waitFor();
    expect(await thread.getByTestId('comment-body').textContent()).toBe(XSS);
    expect(await thread.getByTestId('comment-status').textContent()).toContain('等待答复');
    // The markup is text: no <img src=x>, no injected <script>.
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main script').count()).toBe(0);
    await page.waitForTimeout(300);
    await shot(page, 'd-owner-opinion');
    await expectClean(page);
  });

  it('(e) the organizer answers it from the dashboard (adopted)', async () => {
    const page = organizerPage;
    await page.goto(`${running.url}/`);
    await page.getByTestId('nav-opinions').click();
    await page.getByTestId('opinion-counts').waitFor();
    const before = Number(await page.getByTestId('count-adopted').textContent());
    // Oldest first: the demo's opinion from hours ago comes before ours.
    const items = page.getByTestId('opinion-item');
    await expect.poll(() => items.count()).toBeGreaterThanOrEqual(2);
    const bodies = await page.getByTestId('opinion-body').allTextContents();
    expect(bodies.at(-1)).toBe(XSS);
    expect(await items.last().getByTestId('opinion-age').textContent()).toContain('今天提出');
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await shot(page, 'e-dashboard');

    const mine = items.filter({ hasText: '砖红太深了' });
    await mine.getByTestId('opinion-answer').click();
    // Not adopted needs a reason; adopted does not.
    await mine.getByTestId('answer-status-not_adopted').check();
    await mine.getByTestId('answer-text').fill(ANSWER);
    await mine.getByTestId('answer-send').click();
    await expect.poll(() => mine.locator('[role=alert]').first().textContent()).toContain('请写明理由');
    await mine.getByTestId('answer-status-adopted').check();
    await shot(page, 'e-dashboard-answering');
    await mine.getByTestId('answer-send').click();
    await page.getByTestId('opinion-answered').waitFor();
    expect(await page.getByTestId('opinion-answered').textContent()).toContain('已采纳');
    await expect.poll(async () => Number(await page.getByTestId('count-adopted').textContent())).toBe(before + 1);
    expect(await page.getByTestId('opinion-body').allTextContents()).not.toContain(XSS);
    await expectClean(page);
  });

  it('(f) the owner sees the answer pinned under the opinion and in the inbox', async () => {
    const page = ownerPage;
    await page.goto(`${running.url}/`);
    await page.getByTestId('inbox-badge').waitFor();
    await page.getByTestId('nav-inbox').click();
    await page.getByTestId('inbox-page').waitFor();
    const answer = page.getByTestId('inbox-item').filter({ hasText: '您的意见已获答复' });
    await answer.waitFor();
    expect(await answer.getByTestId('inbox-body').textContent()).toBe(ANSWER);
    expect(await page.getByTestId('inbox-item').filter({ hasText: `方案公示：${PROPOSAL_TITLE}` }).count()).toBe(1);
    await shot(page, 'f-inbox');
    await expectClean(page);

    // Opening the notice marks it read and leads to the proposal.
    await answer.click();
    await page.waitForURL((u) => u.pathname === proposalUrl);
    const thread = page.getByTestId('comment-thread').filter({ hasText: '砖红太深了' });
    await thread.waitFor();
    expect(await thread.getByTestId('comment-status').textContent()).toContain('已采纳');
    expect(await thread.getByTestId('comment-body').textContent()).toBe(XSS);
    const first = thread.getByTestId('comment-reply').first();
    expect(await first.getAttribute('data-official')).toBe('true');
    expect(await first.getByTestId('official-answer').textContent()).toContain('业委会正式答复');
    expect(await first.getByTestId('reply-body').textContent()).toBe(ANSWER);
    await thread.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'consult-f-answer-pinned.png') });
    await checkA11y(page, 'consult-f-answer-pinned');
    await shot(page, 'f-proposal-with-answer');
    const inbox = await apiAs<{ items: { title: string; read: boolean }[] }>(page, 'GET', '/api/me/inbox');
    expect(inbox.items.find((i) => i.title.includes('您的意见已获答复'))?.read).toBe(true);
    await expectClean(page);
  });

  it('(g) the demo consultation shows Borda points and the run-off side by side', async () => {
    const page = organizerPage;
    await page.goto(`${running.url}/estates/${estateId}/consultations`);
    const row = page.getByTestId('consultation-row').filter({ hasText: '外墙颜色与加装电梯' });
    await row.click();
    await page.getByTestId('results').waitFor();
    const colour = page.getByTestId('result-colour');
    expect(await colour.getByTestId('borda-row').count()).toBe(3);
    expect(await colour.getByTestId('irv-round').count()).toBeGreaterThanOrEqual(1);
    expect(await colour.getByTestId('ranking-agreement').textContent()).toMatch(/两种算法结果(一致|不同)|没有共同的结果/);
    // The two winners sit side by side.
    const [a, b] = await Promise.all([colour.getByTestId('borda-winner').boundingBox(), colour.getByTestId('irv-winner').boundingBox()]);
    expect(Math.abs(a!.y - b!.y)).toBeLessThan(4);
    expect(b!.x).toBeGreaterThan(a!.x + 100);
    await page.getByTestId('coverage-building').first().waitFor();
    await shot(page, 'g-demo-results');
    await expectClean(page);
  });

  it('(h) a tenant invited for a house number answers for that household', async () => {
    const page = organizerPage;
    await page.goto(`${running.url}/estates/${estateId}/invites`);
    await page.getByTestId('invite-role-resident').check();
    await page.getByTestId('invite-resident-hint').waitFor();
    await page.getByTestId('invite-submit').click();
    await expect.poll(() => page.locator('[role=alert]').first().textContent()).toContain('房号');
    // Any household the owners have not answered in our consultation.
    const household = (await page.evaluate(async ({ estateId, url }) => {
      const token = localStorage.getItem('linli.token');
      const res = await fetch(`/api/estates/${estateId}/consultations/${url.split('/').pop()}/coverage`, { headers: { authorization: `Bearer ${token}` } });
      const c = (await res.json()) as { notReached: { entrances: { households: string[] }[] }[] };
      return c.notReached[0]!.entrances[0]!.households[0]!;
    }, { estateId, url: consultationUrl })) as string;
    await page.getByTestId('invite-part').locator('input').fill(household);
    await page.getByTestId('invite-submit').click();
    await page.getByTestId('invite-code').waitFor();
    const code = (await page.getByTestId('invite-code').textContent())!.trim();
    await expectClean(page);

    const tenant = await phone();
    await tenant.goto(joinUrl(code));
    await tenant.getByTestId('nav-consultations').waitFor();
    await tenant.goto(`${running.url}${consultationUrl}`);
    await tenant.getByTestId('answering-for').waitFor();
    expect(await tenant.getByTestId('answering-for').textContent()).toContain(household);
    await tenant.getByTestId('rank-option-B').click();
    await tenant.getByTestId('answer-save').click();
    await tenant.getByTestId('answer-saved').waitFor();
    await shot(tenant, 'h-tenant-saved');
    await expectClean(tenant);
  });

  it('(i) an owner of several flats chooses which household to answer for', async () => {
    const multi = accounts.filter((a) => a.role === 'owner')[2]!;
    const page = await phone();
    await page.goto(joinUrl(multi.code));
    await page.getByTestId('nav-consultations').waitFor();
    await page.goto(`${running.url}${consultationUrl}`);
    await page.getByTestId('answer-form').waitFor();
    const radios = page.locator('[data-testid^="household-"]');
    await expect.poll(() => radios.count()).toBeGreaterThanOrEqual(2);
    const second = radios.nth(1);
    const code = (await second.getAttribute('data-testid'))!.replace('household-', '');
    await second.check();
    await page.getByTestId('rank-option-A').click();
    await page.getByTestId('answer-save').click();
    await page.getByTestId('answer-saved').waitFor();
    await expect.poll(() => page.locator('.households').textContent()).toContain('已填写');
    const v = await apiAs<{ me: { households: { household: string; answers: unknown }[] } }>(page, 'GET', `/api/estates/${estateId}/consultations/${consultationUrl.split('/').pop()}`);
    expect(v.me.households.filter((h) => h.answers).map((h) => h.household)).toEqual([code]);
    await shot(page, 'i-several-households');
    await expectClean(page);
  });

  it('(j) a second version shows its diff; the page reads in English; the proposal becomes a draft vote', async () => {
    const page = organizerPage;
    await page.goto(`${running.url}${proposalUrl}`);
    await page.getByTestId('new-version-open').click();
    const editor = page.getByTestId('proposal-editor');
    await editor.waitFor();
    await editor.getByTestId('pe-body').fill('根据第一轮意见调整了颜色。\n费用：政府补贴 + 专项维修资金，每户不再分摊。\n样板贴在 3 栋一层大厅。');
    const options = editor.getByTestId('pe-option');
    await options.nth(2).getByTestId('pe-option-hex').fill('#C89B74');
    await options.nth(2).getByTestId('pe-option-code').fill('NCS S 2030-Y40R');
    await editor.getByTestId('pe-add-option').click();
    await options.nth(3).getByTestId('pe-option-name').fill('暖灰');
    await options.nth(3).getByTestId('pe-option-hex').fill('#B7AFA3');
    await editor.getByTestId('pe-note').fill('赭石改浅；增加暖灰');
    await editor.getByTestId('pe-save').click();
    await page.getByTestId('diff').waitFor();
    expect(await page.getByTestId('status-pill').first().textContent()).toContain('公示中');
    expect(await page.getByTestId('option-card').count()).toBe(4);
    expect(await page.getByTestId('diff-line-add').textContent()).toContain('每户不再分摊');
    expect(await page.getByTestId('diff-line-del').textContent()).toContain('专项维修资金。');
    expect(await page.getByTestId('diff-line-del').evaluate((el) => getComputedStyle(el.querySelector('del')!).textDecorationLine)).toBe('line-through');
    expect(await page.getByTestId('diff-option-added').textContent()).toContain('暖灰');
    expect(await page.getByTestId('diff-option-changed').textContent()).toMatch(/#B0764A.*#C89B74/);
    await page.getByTestId('diff').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'consult-j-diff.png') });
    await checkA11y(page, 'consult-j-diff');
    await shot(page, 'j-version-2');

    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('status-pill').first().textContent()).toBe('Posted');
    expect(await page.getByTestId('version-row').first().textContent()).toContain('Version 2');
    await shot(page, 'j-proposal-en');
    await page.getByTestId('lang-zh').click();

    await page.getByTestId('convert-open').click();
    await page.getByTestId('convert-category').selectOption('7');
    expect(await page.getByTestId('convert-threshold').textContent()).toContain('四分之三以上同意');
    await expect.poll(() => page.getByTestId('convert-opens').inputValue(), { timeout: 20_000 }).not.toBe('');
    await page.getByTestId('convert-submit').click();
    // Under load the conversion can take a while; any error shown on the page is reported as is.
    await expect
      .poll(
        async () => {
          if (await page.getByTestId('converted').isVisible()) return 'converted';
          const shown = (await page.locator('[data-testid="convert-form"] [role="alert"], [data-testid="convert-form"] .error-box').allTextContents()).join(' | ');
          return shown || 'waiting';
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe('converted');
    await expect.poll(() => page.getByTestId('status-pill').first().textContent()).toContain('已转为表决');
    await page.getByTestId('converted').getByRole('link').click();
    await page.waitForURL((u) => /\/votes\/[0-9a-f-]{36}$/.test(u.pathname));
    await page.getByTestId('draft-note').waitFor();
    expect(await page.getByTestId('swatch').count()).toBe(4);
    await expectClean(page);
  });
});
