/**
 * The clerks' paper-ballot entry screen in real Chromium against a real server (PGlite, or
 * PostgreSQL with DATABASE_URL) at a phone-sized viewport. The demo has one clerk; the organizer
 * invites a second. Clerk 1 opens the screen from the open vote, enters a letter for a demo owner's
 * house number (the scan is hashed in the browser) → "waiting for a second entry"; clerk 2 enters
 * the same letter (pasting the hash) → "counted"; then the two disagree on another house number →
 * both entries flagged in red, nothing counted. A service (送达) record is made for a house number. Screenshots go to test-results/paper-*.png.
 *
 * Needs web/dist and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM). Without Chromium the suite
 * is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';

import { type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { checkA11y, CHROMIUM, demoJourney, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? `paper ballot entry in Chromium (390×844 phone) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}` : REQUIRE_BROWSER ? 'paper ballot entry in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[paper.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

/** The value of a datetime-local input showing this instant in Beijing time. */
function beijingInput(d: Date): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  ) as Record<string, string>;
  return `${p.year}-${p.month}-${p.day}T${p.hour === '24' ? '00' : p.hour}:${p.minute}`;
}

suite(title, () => {
  const journey = demoJourney('paper');
  const { account, phone, signIn, shot, expectClean, apiAs } = journey;
  const { state } = journey;

  let clerk1: Page;
  let clerk2: Page;
  let organizer: Page;
  let voteId = '';
  let optionKey = '';
  let roster: { party: string; parts: { partId: string }[] }[] = [];
  let matchPart = '';
  let mismatchPart = '';
  // The same letter for both clerks: its scan and when it was received.
  const scan = Buffer.from('%PDF-1.4 paper ballot of the demo — scanned at the management office\n');
  const scanSha = createHash('sha256').update(scan).digest('hex');
  const receivedAt = beijingInput(new Date(Date.now() - 5 * 60_000));


  const partyOf = (partId: string) => roster.find((r) => r.parts.some((p) => p.partId === partId))?.party;

  /** Fills the entry form: house number, answers, scan (a file or a pasted hash), time received. */
  async function enter(page: Page, part: string, m1: string, how: 'file' | 'paste') {
    await page.getByTestId('paper-form').waitFor();
    await page.getByTestId('paper-part').fill(part);
    await page.getByTestId(`paper-choice-m1-${m1}`).click();
    await page.getByTestId(`paper-choice-m2-${optionKey}`).click();
    if (how === 'file') {
      await page.getByTestId('paper-scan-file').setInputFiles({ name: 'ballot-scan.pdf', mimeType: 'application/pdf', buffer: scan });
      await expect.poll(() => page.getByTestId('paper-scan-hash').inputValue()).toBe(scanSha);
    } else {
      await page.getByTestId('paper-scan-hash').fill(scanSha.toUpperCase());
    }
    await page.getByTestId('paper-received').fill(receivedAt);
    await page.getByTestId('paper-review').click();
    await page.getByTestId('paper-confirm').waitFor();
    expect(await page.getByTestId('paper-confirm-part').textContent()).toBe(part);
    expect(await page.getByTestId('paper-confirm-hash').textContent()).toBe(scanSha);
  }

  async function submitAndRead(page: Page): Promise<{ kind: string | null; text: string }> {
    await page.getByTestId('paper-submit').click();
    const result = page.getByTestId('paper-result');
    await result.waitFor();
    return { kind: await result.getAttribute('data-kind'), text: (await page.getByTestId('paper-result-text').textContent()) ?? '' };
  }

  it('(a) clerk 1 opens the entry screen from the open vote and is told what is missing', async () => {
    clerk1 = await signIn(account('clerk').code);
    const list = await apiAs<{ votes: { id: string; phase: string }[] }>(clerk1, 'GET', `/api/estates/${state.estateId}/votes`);
    voteId = list.votes.find((v) => v.phase === 'open')!.id;
    const view = await apiAs<{ matters: { key: string; kind: string; options: { key: string }[] }[] }>(clerk1, 'GET', `/api/estates/${state.estateId}/votes/${voteId}`);
    expect(view.matters.map((m) => m.key)).toEqual(['m1', 'm2']);
    optionKey = view.matters[1]!.options[0]!.key;
    roster = (await apiAs<{ roster: typeof roster }>(clerk1, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/electorate`)).roster;

    // The demo owners have not voted in the open vote: their house numbers are free.
    const owners = state.accounts.filter((a) => a.role === 'owner' && a.kind !== 'letter');
    const ownerParts: string[] = [];
    for (const o of owners) {
      const p = await signIn(o.code);
      const me = await apiAs<{ parts: { estateId: string; partId: string }[] }>(p, 'GET', '/api/me');
      ownerParts.push(...me.parts.filter((x) => x.estateId === state.estateId).map((x) => x.partId));
    }
    matchPart = ownerParts[0]!;
    mismatchPart = ownerParts.find((x) => partyOf(x) !== partyOf(matchPart))!;
    expect(partyOf(matchPart)).toBeTruthy();
    expect(mismatchPart).toBeTruthy();
    // A paper ballot counts only for a household whose letter (表决票) was issued: the organizer
    // issues the two letters the clerks will enter, which puts their credentials on the log.
    organizer = await signIn(account('organizer').code);
    // (A household that has a letter already keeps it: only the others get one now.)
    await apiAs(organizer, 'POST', `/api/estates/${state.estateId}/votes/${voteId}/letters`, { parts: [matchPart, mismatchPart] });
    const letters = await apiAs<{ letters: { partIds: string[] }[] }>(organizer, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/letters`);
    for (const part of [matchPart, mismatchPart]) expect(letters.letters.some((l) => l.partIds.includes(part)), part).toBe(true);

    const page = clerk1;
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('paper-link').click();
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}/paper`);
    await page.getByTestId('paper-form').waitFor();
    // Reviewing an empty form lists what is missing.
    await page.getByTestId('paper-review').click();
    const missing = (await page.getByTestId('paper-problems').textContent()) ?? '';
    expect(missing).toContain('请填写房号');
    expect(missing).toContain('请至少录入一项');
    expect(missing).toContain('请选择扫描件');
    // A house number outside the electorate is caught at once.
    await page.getByTestId('paper-part').fill('99-9-9999');
    await page.getByTestId('paper-part-unknown').waitFor();
    // Big answer buttons.
    expect((await page.getByTestId('paper-choice-m1-yes').boundingBox())!.height).toBeGreaterThanOrEqual(64);
    await shot(page, 'a-form-problems');
    expectClean(page);
  });

  it('(b) clerk 1 enters a letter (scan hashed in the browser): waiting for a second entry', async () => {
    const page = clerk1;
    await enter(page, matchPart, 'yes', 'file');
    expect(await page.getByTestId('paper-confirm-m1').textContent()).toContain('同意');
    await shot(page, 'b-confirm');
    const r = await submitAndRead(page);
    expect(r.kind).toBe('waiting');
    expect(r.text).toBe('已录入，等待第二位录入员独立录入');
    const row = page.getByTestId('paper-queue-row').filter({ hasText: matchPart });
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.textContent()).toContain('我录入的');
    await shot(page, 'b-waiting');

    // The same clerk cannot be the second entry.
    await page.getByTestId('paper-next').click();
    await enter(page, matchPart, 'yes', 'paste');
    const again = await submitAndRead(page);
    expect(again.kind).toBe('error');
    expect(again.text).toContain('另一位录入员');
    await page.getByTestId('paper-next').click();
    expectClean(page);
  });

  it('(c) a second clerk, invited by the organizer, enters the same letter: counted', async () => {
    const invite = await apiAs<{ code: string }>(organizer, 'POST', `/api/estates/${state.estateId}/invites`, { role: 'clerk', label: 'Clerk 2' });
    clerk2 = await signIn(invite.code);
    const page = clerk2;
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}/paper`);
    // The first entry waits in the queue, not entered by me.
    const waiting = page.getByTestId('paper-queue-row').filter({ hasText: matchPart });
    await waiting.waitFor();
    expect(await waiting.textContent()).not.toContain('我录入的');
    await enter(page, matchPart, 'yes', 'paste');
    const r = await submitAndRead(page);
    expect(r.kind).toBe('recorded');
    expect(r.text).toBe('两人录入一致，已计入');
    // The demo's organizer appointed clerk 1 at seeding, after the demo vote opened, and clerk 2
    // now: one person appointed both during the vote, so the counted pair is flagged for auditors.
    expect(await page.getByTestId('paper-flagged').textContent()).toContain('两位录入员是同一人在投票期间任命的');
    const over = await apiAs<{ flaggedPairs: { partId: string; flag: string }[] }>(organizer, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/oversight`);
    expect(over.flaggedPairs.map((f) => [f.partId, f.flag])).toEqual([[matchPart, 'same_issuer']]);
    expect(await page.getByTestId('paper-seq').count()).toBe(2);
    await expect.poll(() => page.getByTestId('paper-queue-row').filter({ hasText: matchPart }).count()).toBe(0);
    expect(await page.getByTestId('paper-matched-count').textContent()).toContain('已一致录入 1 张');
    await shot(page, 'c-recorded');
    expectClean(page);
  });

  it('(d) the two clerks disagree on another letter: flagged in red, nothing counted', async () => {
    await clerk1.getByTestId('paper-form').waitFor();
    await enter(clerk1, mismatchPart, 'yes', 'file');
    expect((await submitAndRead(clerk1)).kind).toBe('waiting');

    const page = clerk2;
    await page.getByTestId('paper-next').click();
    await enter(page, mismatchPart, 'no', 'paste');
    expect(await page.getByTestId('paper-confirm-m1').textContent()).toContain('不同意');
    const r = await submitAndRead(page);
    expect(r.kind).toBe('mismatch');
    expect(r.text).toBe('两人录入不一致，已标记，未计入：请两人重新录入');
    // It says where they differ: the first matter's answer, nothing else.
    const differs = (await page.getByTestId('paper-differs').textContent()) ?? '';
    expect(differs).toMatch(/^不一致之处：第一项 /);
    expect(differs).not.toContain('扫描件');
    const color = await page.getByTestId('paper-result-text').evaluate((el) => getComputedStyle(el).color);
    expect(color).toBe('rgb(179, 38, 30)');
    const flagged = page.getByTestId('paper-queue-row').filter({ hasText: mismatchPart });
    await expect.poll(() => flagged.count()).toBe(2);
    for (const s of await flagged.evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))) expect(s).toBe('mismatch');
    expect(await flagged.first().textContent()).toContain('不一致，已标记，未计入');
    await shot(page, 'd-mismatch');

    // Nothing was counted for that household: both its entries stay flagged; the agreed pair is matched.
    const paper = await apiAs<{ entries: { partId: string; status: string }[] }>(clerk1, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/paper`);
    expect(paper.entries.filter((e) => e.partId === mismatchPart).map((e) => e.status)).toEqual(['mismatch', 'mismatch']);
    expect(paper.entries.filter((e) => e.partId === matchPart).map((e) => e.status)).toEqual(['matched', 'matched']);
    await clerk1.getByTestId('paper-queue-refresh').click();
    await expect.poll(() => clerk1.getByTestId('paper-queue-row').filter({ hasText: mismatchPart }).count()).toBe(2);
    await shot(clerk1, 'd-clerk1-queue');
    expectClean(page);
    expectClean(clerk1);
  });

  it('(e) the service form records a delivery for a house number', async () => {
    const page = clerk2;
    await page.getByTestId('service-part').fill(mismatchPart);
    await page.getByTestId('service-channel').selectOption('hand');
    await page.getByTestId('service-at').fill(receivedAt);
    await page.getByTestId('service-submit').click();
    // The demo vote is open (its notice published, not closed): service can be recorded.
    await page.getByTestId('service-done').waitFor();
    expect(await page.getByTestId('service-done').textContent()).toContain(mismatchPart);
    await expect.poll(() => page.getByTestId('service-count').textContent()).toMatch(/已送达 [1-9]\d* 户/);
    await page.getByTestId('service-form').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'paper-e-service.png') });
    await checkA11y(page, 'paper-e-service');
    expectClean(page);
  });

  it('(f) a house number whose household already voted online is flagged before anything is typed', async () => {
    const page = clerk1;
    const took = await apiAs<{ buildings: { parts: { partId: string; channels: string[] }[] }[] }>(page, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/participation`);
    const voted = took.buildings.flatMap((b) => b.parts).find((p) => p.channels.includes('online') && p.partId !== matchPart && p.partId !== mismatchPart);
    expect(voted, 'a household of the demo that voted online').toBeTruthy();
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}/paper`);
    await page.getByTestId('paper-form').waitFor();
    await page.getByTestId('paper-part').fill(voted!.partId);
    const warn = page.getByTestId('paper-part-voted');
    await warn.waitFor();
    expect(await warn.textContent()).toContain('通过网上投票：这张纸质选票不会计入');
    // A household that has not voted gets no such warning.
    await page.getByTestId('paper-part').fill(roster.flatMap((r) => r.parts.map((x) => x.partId)).find((x) => !took.buildings.some((b) => b.parts.some((p) => p.partId === x)))!);
    await expect.poll(() => warn.count()).toBe(0);
    await shot(page, 'f-part-voted');
    expectClean(page);
  });
});
