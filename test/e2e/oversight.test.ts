/**
 * "Nobody votes in an owner's name unseen" (rules.md §7) in real Chromium against a real server
 * (PGlite, or PostgreSQL with DATABASE_URL) at a phone-sized viewport, on the demo estate:
 * (a) an owner whose household a co-owner already voted for opens the open vote and sees "your
 *     household voted on … via …" and their house number in the participation list;
 * (b) they tap "不是我 / This was not me", explain in a few words, and the objection is recorded
 *     (an `objection` entry on the log);
 * (c) the auditor's page shows the objection with its house number, age and words, and the
 *     browser's own verification of the public export shows the issuer report.
 * Screenshots go to test-results/oversight-*.png.
 */
import { type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { checkA11y, CHROMIUM, demoJourney, HAVE_CHROMIUM, REQUIRE_BROWSER, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? `owners see who voted for them and object, in Chromium on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}` : REQUIRE_BROWSER ? 'oversight journey in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[oversight.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type HouseholdView = { party: string; parts: string[]; voted: boolean; channels: string[] };

suite(title, () => {
  const journey = demoJourney('oversight');
  const { state, account, signIn, shot, expectClean, apiAs } = journey;

  let owner: Page;
  let voteId = '';
  let household: HouseholdView;
  const words = '我家没有人投过这次票，请核查';

  it('(a) an owner sees that their household voted, how and when, and finds their flat in the participation list', async () => {
    // The owners of the demo: the first whose household has already voted in the open vote (a
    // co-owner did, in the seed) is the one who will say "this was not me".
    const owners = state.accounts.filter((a) => a.role === 'owner' && a.kind !== 'letter');
    expect(owners.length).toBeGreaterThan(1);
    for (const o of owners) {
      const page = await signIn(o.code);
      const list = await apiAs<{ votes: { id: string; phase: string }[] }>(page, 'GET', `/api/estates/${state.estateId}/votes`);
      voteId = list.votes.find((v) => v.phase === 'open')!.id;
      const view = await apiAs<{ me: { household?: HouseholdView[] } }>(page, 'GET', `/api/estates/${state.estateId}/votes/${voteId}`);
      const voted = view.me.household?.find((h) => h.voted);
      if (voted) {
        owner = page;
        household = voted;
        break;
      }
    }
    expect(owner, 'a demo owner whose household has voted in the open vote').toBeTruthy();

    const page = owner;
    await page.goto(`${state.running.url}/estates/${state.estateId}/votes/${voteId}`);
    const item = page.locator(`[data-testid="household-item"][data-party="${household.party}"]`);
    await item.waitFor();
    expect(await item.getAttribute('data-voted')).toBe('true');
    const status = (await item.getByTestId('household-status').textContent()) ?? '';
    expect(status).toContain(`您家（${household.parts.join('、')}）已于`);
    expect(status).toContain('通过网上投票');
    // Every ballot cast for the household is listed, never with its choice.
    const ballots = item.getByTestId('household-ballot');
    expect(await ballots.count()).toBeGreaterThan(0);
    for (const text of await ballots.allTextContents()) expect(text).not.toMatch(/同意|不同意|弃权/);

    // The participation list holds the flat, with its channel: no choice anywhere.
    const list = page.getByTestId('participation');
    await list.waitFor();
    expect(await page.getByTestId('participation-total').textContent()).toMatch(/共 [1-9]\d* \/ \d+ 户已参与/);
    const flat = page.locator(`[data-testid="participation-part"][data-part="${household.parts[0]}"]`);
    await flat.evaluate((el) => el.closest('details')!.setAttribute('open', ''));
    expect(await flat.textContent()).toContain(`${household.parts[0]} · 网上`);
    expect(await list.textContent()).not.toMatch(/同意|弃权/);
    // The button is big enough for a thumb.
    expect((await item.getByTestId('not-me').boundingBox())!.height).toBeGreaterThanOrEqual(44);
    await item.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `test-results/oversight-a-household.png` });
    await checkA11y(page, 'oversight-a-household');
    expectClean(page);
  });

  it('(b) they tap "this was not me", say why, and the objection is recorded on the log', async () => {
    const page = owner;
    const item = page.locator(`[data-testid="household-item"][data-party="${household.party}"]`);
    await item.getByTestId('not-me').click();
    await item.getByTestId('objection-form').waitFor();
    // Nothing written: told to write a few words, nothing sent.
    await item.getByTestId('objection-send').click();
    await expect.poll(() => item.getByRole('alert').first().textContent()).toContain('请写几个字说明情况');
    await item.getByTestId('objection-text').fill(words);
    await item.getByTestId('objection-send').click();
    const sent = page.getByTestId('objection-sent');
    await sent.waitFor();
    const seq = Number(/账本序号 (\d+)/.exec((await sent.textContent()) ?? '')?.[1]);
    expect(seq).toBeGreaterThan(0);
    // The page reloads the household: the objection shows with its log entry.
    await expect.poll(() => item.getByTestId('household-objection').count()).toBe(1);
    expect(await item.getByTestId('household-objection').textContent()).toContain(`账本序号 ${seq}`);
    // On the public log: an objection entry naming the household, without the owner's words.
    const entries = await apiAs<{ entries: { seq: number; body: string }[] } | string>(page, 'GET', `/api/estates/${state.estateId}/votes/${voteId}/ledger/export`);
    const text = JSON.stringify(entries);
    expect(text).toContain('objection');
    expect(text).not.toContain(words);
    await shot(page, 'b-objection-sent');

    await page.getByTestId('lang-en').click();
    await expect.poll(() => item.getByTestId('household-status').textContent()).toContain('Your household');
    await page.getByTestId('lang-zh').click();
    expectClean(page);
  });

  it("(c) the objection appears on the auditor's page with its age and words, beside the issuer report", async () => {
    const page = await signIn(account('auditor').code);
    await page.goto(`${state.running.url}/audit?estate=${state.estateId}&vote=${voteId}`);
    const panel = page.getByTestId('oversight');
    await panel.waitFor();
    const row = panel.getByTestId('oversight-objection');
    await expect.poll(() => row.count()).toBe(1);
    const rowText = (await row.textContent()) ?? '';
    expect(rowText).toContain(household.parts[0]!);
    expect(rowText).toContain('刚刚');
    expect(await row.getByTestId('oversight-objection-text').textContent()).toBe(words);
    // The server's issuer report: the demo's credentials, by issuer.
    await expect.poll(() => panel.getByTestId('issuer-row').count()).toBeGreaterThan(0);

    // While voting, the auditor's copy (openings) is not on offer yet: said in words, not as an error.
    expect(await page.getByTestId('audit-fetch-auditor').count()).toBe(0);
    expect(await page.getByTestId('audit-auditor-later').textContent()).toContain('投票结束后');
    // The browser's own verification of the public export computes the issuer report too, and the
    // disputed ballots are counted against their issuer.
    await page.getByTestId('audit-fetch-public').click();
    await expect.poll(() => page.getByTestId('audit-summary').getAttribute('data-ok'), { timeout: 60_000 }).toBe('true');
    expect(await page.getByTestId('error').count()).toBe(0);
    // Nothing is published while voting: the recount stands alone, no ✗ against an empty column.
    await expect.poll(() => page.getByTestId('recount-row').count()).toBeGreaterThan(0);
    for (const same of await page.getByTestId('recount-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-same')))) expect(same).toBe('');
    expect(await page.getByTestId('recount-matter').first().textContent()).not.toContain('✗');
    expect(await page.locator('[data-step="V12"]').getAttribute('data-state')).toBe('ok');
    expect(await page.locator('[data-step="V13"]').getAttribute('data-state')).toBe('ok');
    const table = page.getByTestId('audit-issuers');
    await table.waitFor();
    const disputed = await table.getByTestId('issuer-disputed').allTextContents();
    expect(disputed.reduce((s, x) => s + Number(x), 0)).toBeGreaterThan(0);
    await shot(page, 'c-auditor');
    expectClean(page);
  });
});
