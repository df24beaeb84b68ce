/**
 * Ballot receipts and the ledger audit in real Chromium against a real server (PGlite, or
 * PostgreSQL when DATABASE_URL is set; demo estate):
 * (a) a demo owner signs in by QR link, opens the closed vote, sees a receipt card per ballot
 *     (tracker, QR code, download), and "verify my ballot" passes every check in the browser with
 *     a receipt under 2 KB;
 * (b) the owner votes in the open vote, verifies, and after more ballots and a new checkpoint the
 *     second visit shows the log only grew (consistency proof checked in the browser);
 * (c) the auditor fetches the closed vote's auditor export on the audit page: V0–V13 pass and the
 *     recount equals the published result, matter by matter;
 * (d) an intact export given as a folder passes; a copy with one byte of entries.jsonl changed,
 *     given as loose files, fails with the entries' seq numbers.
 * Screenshots go to test-results/ (ledger-*.png).
 *
 * Needs web/dist (npm test builds it first) and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM).
 * Without Chromium the suite is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { freshPostgresDatabase } from '../support/db.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, checkA11y, launchChromium, preflight, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM
  ? `ballot receipts and ledger audit in Chromium on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`
  : REQUIRE_BROWSER
    ? 'ballot receipts and ledger audit in Chromium (required)'
    : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[ledger.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type Account = { role: string; name: string; code: string; url: string };
type VoteItem = { id: string; title: string; phase: string };

const TRACKER = /^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/;

suite(title, () => {
  let running: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let accounts: Account[];
  let pg: Awaited<ReturnType<typeof freshPostgresDatabase>> = null;
  let estateId: string;
  let closedVote: VoteItem;
  let openVote: VoteItem;
  const contexts: BrowserContext[] = [];
  const problems = new Map<Page, string[]>();

  let ownerPage: Page;
  let auditorPage: Page;

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), 'linli-ledger-'));
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

  const account = (role: string, n = 0) => {
    const a = accounts.filter((x) => x.role === role)[n];
    if (!a) throw new Error(`the demo seed has no ${role} account #${n}`);
    return a;
  };
  const joinUrl = (a: Account) => `${running.url}/join?code=${encodeURIComponent(a.code)}`;
  const voteApi = (v: VoteItem) => `/api/estates/${estateId}/votes/${v.id}`;
  const votePath = (v: VoteItem) => `/estates/${estateId}/votes/${v.id}`;

  async function newPage(viewport = { width: 390, height: 844 }, mobile = true): Promise<Page> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: mobile ? 2 : 1, locale: 'zh-CN', isMobile: mobile, hasTouch: mobile, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      // A 409 "not yet covered by a checkpoint" is an expected answer; Chromium logs it as a failed load.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  async function shot(page: Page, name: string) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(SHOTS, `ledger-${name}.png`), fullPage: true });
    await checkA11y(page, `ledger-${name}`);
  }

  function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
  }

  async function tokenOf(page: Page): Promise<string> {
    const token = await page.evaluate(() => localStorage.getItem('linli.token'));
    expect(token).toBeTruthy();
    return token!;
  }

  async function call(token: string, method: string, p: string, body?: unknown): Promise<{ status: number; data: unknown }> {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${running.url}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, data: await res.json().catch(() => null) };
  }

  async function ok<T>(token: string, method: string, p: string, body?: unknown): Promise<T> {
    const r = await call(token, method, p, body);
    expect(r.status, `${method} ${p}: ${JSON.stringify(r.data)}`).toBeLessThan(300);
    return r.data as T;
  }

  /** Every check on the verify page passed (and there is at least one ballot). */
  /** Every check passes; those named in `skipped` may instead not apply (state "skip"). */
  async function expectAllChecksPass(page: Page, skipped: string[] = []) {
    await expect.poll(() => page.getByTestId('verify-summary').getAttribute('data-ok'), { timeout: 45_000 }).toBe('true');
    const states = await page.getByTestId('verify-check').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-check')}:${e.getAttribute('data-state')}`));
    expect(states.length).toBeGreaterThan(0);
    for (const s of states) expect(s).toMatch(skipped.includes(s.split(':')[0]!) ? /:(ok|skip)$/ : /:ok$/);
    for (const el of await page.getByTestId('receipt-bytes').all()) {
      expect(Number(await el.getAttribute('data-bytes'))).toBeLessThanOrEqual(2048);
    }
  }

  it('(a) an owner signs in by QR link, sees the receipt cards of the closed vote and verifies every check in the browser', async () => {
    ownerPage = await newPage();
    const page = ownerPage;
    await page.goto(joinUrl(account('owner')));
    await page.getByTestId('nav-votes').waitFor();
    const token = await tokenOf(page);
    const list = await ok<{ votes: VoteItem[] }>(token, 'GET', `/api/estates/${estateId}/votes`);
    closedVote = list.votes.find((v) => v.phase === 'final')!;
    openVote = list.votes.find((v) => v.phase === 'open')!;
    expect(closedVote && openVote).toBeTruthy();

    await page.getByTestId('nav-votes').click();
    const row = page.getByTestId('vote-row').filter({ hasText: '2026年第一次业主大会' });
    await row.click();
    await page.waitForURL((u) => u.pathname === votePath(closedVote));
    await page.getByTestId('my-receipts').waitFor();
    // The receipts come folded below the matters; one tap opens them.
    expect(await page.getByTestId('my-receipts').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await page.getByTestId('my-receipts-open').textContent()).toContain('2 张');
    expect((await page.getByTestId('my-receipts').boundingBox())!.y).toBeGreaterThan((await page.getByTestId('matter-card').first().boundingBox())!.y);
    await page.getByTestId('my-receipts-open').click();
    const cards = page.getByTestId('receipt-card');
    await expect.poll(() => cards.count()).toBe(2);
    await cards.first().getByTestId('receipt-tracker').waitFor({ state: 'visible' });
    // The tracker is large and readable aloud; the QR code holds the full proof file.
    const tracker = (await cards.first().getByTestId('receipt-tracker').textContent())!.trim();
    expect(tracker).toMatch(TRACKER);
    const fontSize = await cards.first().getByTestId('receipt-tracker').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(24);
    await expect.poll(() => cards.first().getByTestId('receipt-qr').getAttribute('data-kind')).toBe('proof');
    // Receipts survive on this phone.
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('linli.receipts') ?? '[]') as { tracker: string; seq: number; opening: unknown; voteId: string }[]);
    // Sealed stays sealed: the opening (choice + salt) went only to the device that cast the
    // ballot, so a later sign-in on this phone gets the receipt without it.
    const kept = stored.find((r) => r.tracker === tracker && r.voteId === closedVote.id);
    expect(kept).toBeTruthy();
    expect(kept!.opening ?? null).toBeNull();

    // The download is the .tlog-proof file, under 2 KB.
    const [download] = await Promise.all([page.waitForEvent('download'), cards.first().getByTestId('receipt-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^ballot-\d+\.tlog-proof$/);
    const file = readFileSync((await download.path())!);
    expect(file.length).toBeLessThanOrEqual(2048);
    expect(file.toString('utf8').split('\n')[0]).toBe('c2sp.org/tlog-proof@v1');
    await shot(page, 'a-closed-vote-receipts');

    await cards.first().getByTestId('receipt-verify').click();
    await page.waitForURL((u) => u.pathname === `${votePath(closedVote)}/verify`);
    await expectAllChecksPass(page, ['opens']);
    const checks = await page.getByTestId('verify-check').evaluateAll((els) => els.map((e) => e.getAttribute('data-check')));
    expect(checks).toEqual(expect.arrayContaining(['signature', 'included', 'opens', 'tracker']));
    const text = (await page.getByTestId('verify-ballot').textContent()) ?? '';
    expect(text).toContain('签名有效');
    expect(text).toMatch(/您的选票在账本中，账本序号 \d+/);
    // This phone did not cast it: the sealed choice cannot be opened here (nor by anyone else).
    expect(text).toContain('您的选择只保存在投票用的那部手机上');
    expect(text).not.toMatch(/正是您的选择/);
    expect(text).toContain(`回执码一致：${tracker}`);
    await expect.poll(() => page.getByTestId('log-growth').getAttribute('data-state'), { timeout: 15_000 }).toBe('first');
    await shot(page, 'a-verify-closed-vote');

    // Every receipt of the vote, in English too.
    await page.goto(`${running.url}${votePath(closedVote)}/verify`);
    await expectAllChecksPass(page, ['opens']);
    expect(await page.getByTestId('verify-ballot').count()).toBe(2);
    await expect.poll(() => page.getByTestId('log-growth').getAttribute('data-state'), { timeout: 15_000 }).toBe('same');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('verify-ballot').first().textContent()).toContain('Signed by the log key');
    await shot(page, 'a-verify-closed-vote-en');
    await page.getByTestId('lang-zh').click();

    // A pasted receipt file is checked the same way.
    await page.getByTestId('verify-file').locator('summary').click();
    await page.getByTestId('verify-paste').fill(file.toString('utf8'));
    await page.getByTestId('verify-paste-check').click();
    await expect.poll(() => page.getByTestId('verify-file-result').getAttribute('data-ok')).toBe('true');
    expectClean(page);
  });

  it('(b) after voting in the open vote, a second visit shows the log only grew since the first', async () => {
    const page = ownerPage;
    await page.goto(`${running.url}${votePath(openVote)}`);
    await page.getByTestId('vote-start').click();
    await page.getByTestId('choice-yes').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('choice-option-A').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-submit').click();
    await page.getByTestId('vote-recorded').waitFor();
    const cards = page.getByTestId('receipt-card');
    await expect.poll(() => cards.count()).toBe(2);
    for (const c of await cards.all()) expect((await c.getByTestId('receipt-tracker').textContent())!.trim()).toMatch(TRACKER);
    // The full receipt follows within seconds (a checkpoint signed on demand).
    await expect.poll(() => cards.first().getByTestId('receipt-qr').getAttribute('data-kind'), { timeout: 40_000 }).toBe('proof');
    await shot(page, 'b-recorded-receipts');

    await cards.first().getByTestId('receipt-verify').click();
    await page.waitForURL((u) => u.pathname === `${votePath(openVote)}/verify`);
    await expectAllChecksPass(page);
    // Right after voting the phone also holds the signed promise, which must name the same entry.
    expect(await page.locator('[data-testid="verify-check"][data-check="promise"]').getAttribute('data-state')).toBe('ok');
    // The entry carries the nonce this phone sent (a receipt shown to two owners would not).
    expect(await page.locator('[data-testid="verify-check"][data-check="nonce"]').getAttribute('data-state')).toBe('ok');
    expect(await page.getByTestId('verify-ballot').textContent()).toContain('「同意」');
    await expect.poll(() => page.getByTestId('log-growth').getAttribute('data-state'), { timeout: 15_000 }).toBe('first');
    const seen = await page.evaluate(() => JSON.parse(localStorage.getItem('linli.checkpoints') ?? '{}') as Record<string, { size: number }>);
    const firstSize = seen[`${estateId}/${openVote.id}`]!.size;

    // More entries arrive: a neighbour submits a ballot. In the demo every other owner's party has
    // already voted through a co-owner, so it is refused, and a refused ballot is logged too
    // (ballot_rejected with its reason): the log grows either way.
    const neighbourToken = (await ok<{ token: string }>('', 'POST', '/api/auth/sign-in', { code: account('owner', 1).code })).token;
    const neighbour = await ok<{ me: { parties: { id: string }[] } }>(neighbourToken, 'GET', voteApi(openVote));
    const submitted = await call(neighbourToken, 'POST', `${voteApi(openVote)}/ballots`, {
      choices: [
        { matter: 'm1', choice: 'no' },
        { matter: 'm2', choice: 'B' },
      ],
      party: neighbour.me.parties[0]!.id,
      nonce: 'ledger-e2e-neighbour',
    });
    expect([201, 409]).toContain(submitted.status);
    // Asking for the proof of the first new entry signs a covering checkpoint (at most every 5 s).
    await expect
      .poll(async () => (await call(neighbourToken, 'GET', `${voteApi(openVote)}/ledger/proof?index=${firstSize}`)).status, { timeout: 30_000, interval: 1000 })
      .toBe(200);
    const latest = await ok<{ size: number }>(neighbourToken, 'GET', `${voteApi(openVote)}/ledger/checkpoint`);
    expect(latest.size).toBeGreaterThan(firstSize);

    // The second visit: the remembered checkpoint is checked against the new one.
    await page.reload();
    await expectAllChecksPass(page);
    const growth = page.getByTestId('log-growth');
    await expect.poll(() => growth.getAttribute('data-state')).toBe('grew');
    expect(await growth.textContent()).toContain('账本自上次查看以来只增加、未被改动');
    expect(await growth.textContent()).toContain(`由 ${firstSize} 条增加到 ${latest.size} 条记录`);
    await shot(page, 'b-verify-second-visit');

    // The vote page now shows the receipts of this vote too.
    await page.goto(`${running.url}${votePath(openVote)}`);
    await page.getByTestId('already-voted').waitFor();
    await expect.poll(() => page.getByTestId('receipt-card').count()).toBe(2);
    expectClean(page);
  });

  it('(c) the auditor fetches the auditor export in the browser: V0–V13 pass and the recount equals the published result', async () => {
    auditorPage = await newPage();
    const page = auditorPage;
    await page.goto(joinUrl(account('auditor')));
    await page.getByTestId('nav-votes').waitFor();
    await page.goto(`${running.url}${votePath(closedVote)}`);
    await page.getByTestId('audit-link').click();
    await page.waitForURL((u) => u.pathname === '/audit');
    await page.getByTestId('audit-fetch-auditor').click();
    const summary = page.getByTestId('audit-summary');
    await expect.poll(() => summary.getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    const steps = await page.getByTestId('audit-step').evaluateAll((els) => els.map((e) => [e.getAttribute('data-step'), e.getAttribute('data-state')]));
    expect(steps.map((s) => s[0])).toEqual(['V0', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V10', 'V11', 'V12', 'V13']);
    // With the openings every sealed commitment is opened (V11 really runs) and the recount is full.
    for (const [, state] of steps) expect(state).toBe('ok');
    expect(await page.getByTestId('audit-source').textContent()).toContain('监票人版');
    expect(await page.getByTestId('audit-keys').textContent()).toContain('一致');

    const matters = page.getByTestId('recount-matter');
    await expect.poll(() => matters.count()).toBe(2);
    const result = await ok<{ matters: { key: string; verdict: { zh: string }; result: { participation: { parties: number; area: string }; yes: { parties: number; area: string } } }[] }>(
      await tokenOf(page),
      'GET',
      `${voteApi(closedVote)}/result`,
    );
    for (const m of result.matters) {
      const card = page.locator(`[data-testid="recount-matter"][data-matter="${m.key}"]`);
      expect(await card.getAttribute('data-match')).toBe('true');
      const sameFlags = await card.getByTestId('recount-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-same')));
      for (const f of sameFlags) expect(f).toBe('true');
      const verdictRow = card.locator('[data-row="verdict"]');
      expect(await verdictRow.getByTestId('recount-cell').textContent()).toBe(m.verdict.zh);
      expect(await verdictRow.getByTestId('published-cell').textContent()).toBe(m.verdict.zh);
      const yes = card.locator('[data-row="yes"]');
      expect(await yes.getByTestId('recount-cell').textContent()).toBe(`${m.result.yes.parties} 户 · ${m.result.yes.area} ㎡`);
      const part = card.locator('[data-row="participation"]');
      expect(await part.getByTestId('published-cell').textContent()).toBe(`${m.result.participation.parties} 户 · ${m.result.participation.area} ㎡`);
    }
    await shot(page, 'c-auditor-audit-phone');

    // The same page on a desk (sub-district office, court).
    const desk = await newPage({ width: 1280, height: 900 }, false);
    // The invite was used by the phone: carry the phone's session over.
    await desk.goto(`${running.url}/audit`);
    await desk.evaluate(
      ([tok, exp]) => {
        localStorage.setItem('linli.token', tok!);
        localStorage.setItem('linli.tokenExpiresAt', exp!);
      },
      await page.evaluate(() => [localStorage.getItem('linli.token'), localStorage.getItem('linli.tokenExpiresAt')]),
    );
    await desk.goto(`${running.url}/audit?estate=${estateId}&vote=${closedVote.id}`);
    await desk.getByTestId('audit-fetch-auditor').click();
    await expect.poll(() => desk.getByTestId('audit-summary').getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    await shot(desk, 'c-auditor-audit-desk');
    expectClean(page);
  });

  it('(d) an export dropped as a folder passes; one changed byte in entries.jsonl fails with the entries’ seq numbers', async () => {
    const page = auditorPage;
    const exp = await ok<{ files: Record<string, string> }>(await tokenOf(page), 'GET', `${voteApi(closedVote)}/ledger/export`);

    // Intact, as a folder on disk (the folder's own name is taken off the paths).
    const folder = path.join(dataDir, 'ledger-export-intact');
    for (const [name, content] of Object.entries(exp.files)) {
      mkdirSync(path.dirname(path.join(folder, name)), { recursive: true });
      writeFileSync(path.join(folder, name), content);
    }
    await page.goto(`${running.url}/audit`);
    await page.getByTestId('audit-folder-input').setInputFiles(folder);
    await expect.poll(() => page.getByTestId('audit-summary').getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    // The public copy has no openings: V11 does not apply and only the weights are recounted.
    expect(await page.locator('[data-step="V11"]').getAttribute('data-state')).toBe('na');
    await page.getByTestId('audit-weights-only').waitFor();
    await shot(page, 'd-intact-folder');

    // One byte changed in the entry at seq 5 (a character of its nonce: still canonical JSON).
    const lines = exp.files['entries.jsonl']!.split('\n');
    const victim = 5;
    const before = lines[victim]!;
    const at = before.indexOf('"nonce":"') + '"nonce":"'.length;
    const after = before.slice(0, at) + (before[at] === 'a' ? 'b' : 'a') + before.slice(at + 1);
    expect(after.length).toBe(before.length);
    lines[victim] = after;
    const tampered = { ...exp.files, 'entries.jsonl': lines.join('\n') };
    // Loose files (no folders): checkpoints/65.note arrives as 65.note.
    await page.getByTestId('audit-files-input').setInputFiles(
      Object.entries(tampered).map(([name, content]) => ({ name: path.basename(name), mimeType: 'text/plain', buffer: Buffer.from(content, 'utf8') })),
    );
    await expect.poll(() => page.getByTestId('audit-summary').getAttribute('data-ok'), { timeout: 60_000 }).toBe('false');
    const state = async (id: string) => page.locator(`[data-step="${id}"]`).getAttribute('data-state');
    expect(await state('V0')).toBe('fail');
    expect(await state('V4')).toBe('fail');
    expect(await state('V5')).toBe('fail');
    expect(await state('V6')).toBe('ok');
    expect(await state('V1')).toBe('ok');
    // The next entry's prev no longer matches: seq 6 is named.
    expect(await page.locator('[data-step="V4"]').getByTestId('audit-failing-seqs').textContent()).toContain('账本序号：6');
    // Every checkpoint from the first one after the change fails, naming the changed range.
    expect(await page.locator('[data-step="V5"]').getByTestId('audit-failing-seqs').textContent()).toMatch(/账本序号：0–\d+/);
    expect(await page.getByTestId('audit-summary').textContent()).toContain('V0');
    await shot(page, 'd-tampered-files');

    // The open vote: no result published yet, so the recount stands alone.
    await page.goto(`${running.url}/audit?estate=${estateId}&vote=${openVote.id}`);
    await page.getByTestId('audit-fetch-public').click();
    await expect.poll(() => page.getByTestId('audit-summary').getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    expect(await page.locator('[data-step="V10"]').getAttribute('data-state')).toBe('na');
    expect(await page.getByTestId('recount-verdict').first().textContent()).toContain('还没有公布结果');
    expectClean(page);
  });
});
