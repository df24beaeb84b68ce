/**
 * Ballot letters (表决票) in real Chromium against a real server (PGlite, or PostgreSQL with
 * DATABASE_URL) at a phone-sized viewport. The organizer opens a building vote (building 1,
 * entrance 1, with a cost plan) and issues its letters on the letters page: one letter per owner
 * party with colour swatches, the household's cost share and a QR code; printed to PDF, one A4 page
 * per letter. An owner opens one letter's QR link (/l/<code>) in a fresh browser, lands on the vote
 * page, votes and sees the receipt; another types a code by hand (lowercase, with spaces) after a
 * wrong one is refused in plain words. The organizer's public count sheet then shows building 1 with
 * one online ballot and nothing unexplained. Screenshots and the PDF go to test-results/letters-*.
 *
 * Needs web/dist and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM). Without Chromium the suite
 * is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, demoJourney, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? `ballot letters in Chromium (390×844 phone) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}` : REQUIRE_BROWSER ? 'ballot letters in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[letters.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

const DAY = 86_400_000;
const CODE = /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/;

/** Today's Beijing calendar date, shifted by whole days. */
function beijingDate(offsetDays: number): string {
  const d = new Date(Date.now() + offsetDays * DAY);
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  ) as Record<string, string>;
  return `${p.year}-${p.month}-${p.day}`;
}

/** Pages of a PDF as Chromium writes it: one `/Type /Page` object each (the tree's nodes are `/Pages`). */
function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}

suite(title, () => {
  const journey = demoJourney('letters');
  const { account, phone, signIn, shot, expectClean, apiAs } = journey;
  const { state } = journey;

  let organizer: Page;
  let voteId = '';
  let parties = 0;
  // Two letters read off the page: one opened by its QR link, one typed by hand.
  const first = { code: '', house: '' };
  const second = { code: '', house: '' };


  it('(a) the organizer issues the letters of an open building vote and prints one A4 page per letter', async () => {
    organizer = await signIn(account('organizer').code);
    const votes = `/api/estates/${state.estateId}/votes`;
    // A building vote, open since an hour ago (its notice dated 20 days back), with a cost plan.
    const vote = await apiAs<{ id: string }>(organizer, 'POST', votes, {
      title: '1栋1单元加装电梯 Lift for building 1, entrance 1',
      description: '在1栋1单元北侧加装一部电梯。',
      scope: { building: '1', entrance: '1' },
      opensAt: new Date(Date.now() - 3_600_000).toISOString(),
      closesAt: new Date(Date.now() + 10 * DAY).toISOString(),
      costPlan: { costFen: 60_000_000, subsidyFen: 20_000_000, coefficients: { '1': '0', '2': '0', '3': '0.7', '4': '0.8', '5': '0.9', '6': '1.0' } },
      matters: [
        { title: '同意加装电梯 Install the lift', category: '7', kind: 'yes_no' },
        {
          title: '电梯井外墙颜色 Colour of the lift shaft',
          category: '4',
          kind: 'options',
          options: [
            { key: 'A', name: '暖米色 Warm beige', colorHex: '#D8C3A5', colorCode: 'NCS S 1015-Y20R' },
            { key: 'B', name: '雾霾灰 Mist grey', colorHex: '#BFC5C9', colorCode: 'NCS S 2002-B' },
          ],
        },
      ],
    });
    voteId = vote.id;
    await apiAs(organizer, 'POST', `${votes}/${voteId}/notice`, { noticeDate: beijingDate(-20) });
    const view = await apiAs<{ phase: string }>(organizer, 'GET', `${votes}/${voteId}`);
    expect(view.phase).toBe('open');
    parties = (await apiAs<{ roster: unknown[] }>(organizer, 'GET', `${votes}/${voteId}/electorate`)).roster.length;
    expect(parties).toBeGreaterThan(5);

    // From the vote page, by role.
    const page = organizer;
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('letters-link').click();
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}/letters`);
    await page.getByTestId('letters-issue-card').waitFor();
    expect(await page.getByTestId('letters-status').textContent()).toContain(`已发号码 0 户 / 共 ${parties} 户`);
    await page.getByTestId('letters-issue').click();

    await page.getByTestId('letters-issued').waitFor();
    expect(await page.getByTestId('letters-once').textContent()).toContain('号码只显示这一次，请立即打印');
    expect(await page.getByTestId('letters-count').textContent()).toContain(`共 ${parties} 封表决票`);
    // The QR codes are drawn in batches; printing waits for all of them.
    const preview = page.getByTestId('letters-preview');
    await expect.poll(() => preview.getAttribute('data-rendered'), { timeout: 30_000 }).toBe(String(parties));
    await expect.poll(() => page.getByTestId('letters-print').isEnabled()).toBe(true);
    const letters = page.getByTestId('letter');
    expect(await letters.count()).toBe(parties);

    // A letter: house numbers with areas, colour swatches with their codes, a QR image, the code.
    const one = letters.first();
    expect(await one.getByTestId('letter-vote-title').textContent()).toContain('加装电梯');
    expect(await one.getByTestId('letter-part').first().textContent()).toMatch(/^1-1-\d{3}$/);
    const swatch = one.getByTestId('letter-option').first().getByTestId('swatch');
    expect(await swatch.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(216, 195, 165)');
    expect((await swatch.boundingBox())!.width).toBeGreaterThanOrEqual(60);
    expect(await one.textContent()).toContain('NCS S 1015-Y20R');
    expect(await one.textContent()).toContain('同意');
    expect(await one.textContent()).toContain('反对');
    expect(await one.getByTestId('letter-share').textContent()).toMatch(/¥[\d,]+\.\d{2}/);
    const qr = one.getByTestId('letter-qr');
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await one.textContent()).toContain('扫码或输入号码，即可在手机上投票');

    // Codes straight from the page: two different households.
    const codes = await page.getByTestId('letter-code').allTextContents();
    expect(codes).toHaveLength(parties);
    for (const c of codes) expect(c.trim()).toMatch(CODE);
    expect(new Set(codes).size).toBe(parties);
    first.code = codes[0]!.trim();
    first.house = ((await letters.nth(0).getByTestId('letter-part').first().textContent()) ?? '').trim();
    second.code = codes[1]!.trim();
    second.house = ((await letters.nth(1).getByTestId('letter-part').first().textContent()) ?? '').trim();
    expect(first.house).not.toBe(second.house);
    await shot(page, 'a-issued');

    // The print view: one A4 page per letter.
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(path.join(SHOTS, 'letters-a-print.pdf'), pdf);
    expect(pdfPageCount(pdf)).toBe(parties);
    expectClean(page);
  });

  it('(b) an owner opens a letter’s QR link in a fresh browser, lands on the vote and votes', async () => {
    const page = await phone();
    // The QR link carries the code in the fragment (/l#<code>), which the browser never sends.
    await page.goto(`${state.running.url}/l#${first.code}`);
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('vote-page').waitFor();
    expect(page.url()).not.toContain(first.code);
    expect(await page.evaluate(() => localStorage.getItem('linli.token'))).toBeTruthy();

    await page.getByTestId('vote-start').click();
    await page.getByTestId('vote-choose').waitFor();
    expect(await page.getByTestId('vote-choose').textContent()).toContain(first.house);
    await page.getByTestId('choice-yes').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('choice-option-A').click();
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-confirm').waitFor();
    await page.getByTestId('vote-submit').click();
    await page.getByTestId('vote-recorded').waitFor();
    expect(await page.getByTestId('vote-recorded').textContent()).toContain('您的投票已记录');
    expect(await page.getByTestId('vote-seq').count()).toBe(2);
    await page.getByTestId('recorded-receipts').waitFor();
    await shot(page, 'b-recorded');
    expectClean(page);
  });

  it('(b2) a letter printed with the older /l/<code> link still signs in, and the code leaves the address bar', async () => {
    const page = await phone();
    await page.goto(`${state.running.url}/l/${second.code}`);
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('vote-page').waitFor();
    expect(page.url()).not.toContain(second.code);
    expectClean(page);
  });

  it('(c) a code typed by hand (lowercase, spaces) signs in; a wrong one is refused in plain words', async () => {
    const page = await phone();
    await page.goto(`${state.running.url}/sign-in`);
    await page.getByTestId('letter-code-link').click();
    await page.waitForURL((u) => u.pathname === '/l');
    const input = page.getByTestId('letter-code-input');

    // A code that does not exist: a large friendly error, and the box keeps what was typed.
    await input.fill('abcd efgh jkmn');
    expect(await input.inputValue()).toBe('ABCD-EFGH-JKMN');
    await page.getByTestId('letter-submit').click();
    await page.getByTestId('letter-error').waitFor();
    expect(await page.getByTestId('letter-error-title').textContent()).toContain('这个号码不能使用');
    const size = await page.getByTestId('letter-error-title').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(24);
    await shot(page, 'c-wrong-code');

    const typed = second.code.toLowerCase().replace(/-/g, ' ');
    await input.fill(typed);
    expect(await input.inputValue()).toBe(second.code);
    await page.getByTestId('letter-submit').click();
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('vote-start').waitFor();
    await page.getByTestId('vote-start').click();
    expect(await page.getByTestId('vote-choose').textContent()).toContain(second.house);
    await shot(page, 'c-typed');
    expectClean(page);
  });

  it('(d) the count sheet shows building 1 with one online ballot and nothing unexplained', async () => {
    const page = organizer;
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}`);
    await page.getByTestId('count-sheet-link').click();
    await page.waitForURL((u) => u.pathname === `/estates/${state.estateId}/votes/${voteId}/count-sheet`);
    const row = page.locator('[data-testid="recon-row"][data-building="1"]');
    await row.waitFor();
    expect(await page.getByTestId('recon-row').count()).toBe(1);
    expect((await row.getByTestId('recon-online').textContent())?.trim()).toBe('1');
    expect((await row.getByTestId('recon-voted').textContent())?.trim()).toBe('1');
    expect((await row.getByTestId('recon-unexplained').textContent())?.trim()).toBe('0');
    expect((await row.getByTestId('recon-parties').textContent())?.trim()).toBe(String(parties));
    expect((await row.getByTestId('recon-lettersIssued').textContent())?.trim()).toBe(String(parties));
    expect(await row.getByTestId('recon-ledger').textContent()).toContain('一致');
    expect((await page.getByTestId('recon-total-online').textContent())?.trim()).toBe('1');
    await page.getByTestId('recon-balanced').waitFor();
    expect(await page.getByTestId('recon-unbalanced').count()).toBe(0);
    await shot(page, 'd-count-sheet');
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(path.join(SHOTS, 'letters-d-count-sheet.pdf'), pdf);
    expect(pdfPageCount(pdf)).toBeGreaterThanOrEqual(1);
    expectClean(page);
  });
});
