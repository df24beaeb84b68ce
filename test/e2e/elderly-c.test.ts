/**
 * Elderly owners on phones, in real Chromium against a real server (demo estate, 390×844):
 * (a) a Vant button reached by Tab shows a thick focus ring (Vant's `button:focus{outline:none}`
 *     does not win);
 * (b) in the voting flow the choices are one radio group: Tab reaches one choice, the arrow keys
 *     move the checked choice (wrapping), and after 下一步 focus lands on the next matter's heading
 *     instead of staying at the bottom of the page;
 * (c) the "大字" switch in the header raises the body type to at least 20 px, says so with
 *     aria-pressed in both languages, and is still on after a reload.
 * Screenshots go to test-results/elderly-c-*.
 *
 * Needs web/dist and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM). Without Chromium the suite
 * is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { type Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, demoJourney, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? `focus, radio groups and large type in Chromium (390×844 phone) on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}` : REQUIRE_BROWSER ? 'focus, radio groups and large type in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[elderly-c.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type VoteItem = { id: string; phase: string };

/** data-testid of the focused element, or its tag name. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? '');

/** The checked radio of the current matter. */
const checked = (page: Page) => page.evaluate(() => document.querySelector('[role="radio"][aria-checked="true"]')?.getAttribute('data-testid') ?? '');

/** Presses Tab until the element with this test id has focus (at most `max` presses). */
async function tabTo(page: Page, testid: string, max = 40) {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === testid) return;
    await page.keyboard.press('Tab');
  }
  expect(await focused(page)).toBe(testid);
}

suite(title, () => {
  const journey = demoJourney('elderly-c');
  const { account, signIn, shot, expectClean, apiAs } = journey;
  const { state } = journey;

  let owner: Page;
  let votePath = '';

  it('(a) a Vant button reached by the keyboard shows a visible focus ring', async () => {
    owner = await signIn(account('owner').code);
    const list = await apiAs<{ votes: VoteItem[] }>(owner, 'GET', `/api/estates/${state.estateId}/votes`);
    const open = list.votes.find((v) => v.phase === 'open');
    expect(open).toBeTruthy();
    votePath = `/estates/${state.estateId}/votes/${open!.id}`;
    await owner.goto(`${state.running.url}${votePath}`);
    await owner.getByTestId('vote-start').waitFor();
    await tabTo(owner, 'vote-start');
    const ring = await owner.getByTestId('vote-start').evaluate((el) => {
      const s = getComputedStyle(el);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor };
    });
    expect(ring.style).not.toBe('none');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(ring.color).toBe('rgb(17, 17, 17)');
    await owner.getByTestId('vote-start').screenshot({ path: `test-results/elderly-c-a-focus-ring.png` });

    // The header's buttons too (a white ring on the blue bar).
    await tabTo(owner, 'large-type');
    const header = await owner.getByTestId('large-type').evaluate((el) => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineColor);
    expect(header).toBe('solid rgb(255, 255, 255)');
    expectClean(owner);
  });

  it('(b) arrow keys move the checked choice; after 下一步 focus is on the next matter’s heading', async () => {
    const page = owner;
    await tabTo(page, 'vote-start');
    await page.keyboard.press('Enter');
    await page.getByTestId('vote-choose').waitFor();
    // Focus starts on the first matter's heading.
    await expect.poll(() => focused(page)).toBe('vote-heading');
    const firstTitle = await page.getByTestId('vote-heading').textContent();

    const group = page.getByTestId('choice-group');
    expect(await group.getAttribute('role')).toBe('radiogroup');
    const radios = group.locator('[role="radio"]');
    expect(await radios.count()).toBe(3);
    // Roving tabindex: one tab stop while nothing is chosen, the first choice.
    expect(await radios.evaluateAll((els) => els.map((e) => e.getAttribute('tabindex')))).toEqual(['0', '-1', '-1']);
    // The 朗读 button sits under the heading; the next tab stop is the group.
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('read-aloud');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('choice-yes');
    expect(await checked(page)).toBe('');

    await page.keyboard.press('ArrowDown');
    expect(await focused(page)).toBe('choice-no');
    expect(await checked(page)).toBe('choice-no');
    await page.keyboard.press('ArrowRight');
    expect(await checked(page)).toBe('choice-abstain');
    await page.keyboard.press('ArrowDown'); // wraps
    expect(await focused(page)).toBe('choice-yes');
    expect(await checked(page)).toBe('choice-yes');
    await page.keyboard.press('ArrowUp'); // wraps back
    expect(await checked(page)).toBe('choice-abstain');
    await page.keyboard.press('ArrowLeft');
    expect(await focused(page)).toBe('choice-no');
    expect(await checked(page)).toBe('choice-no');
    // The checked choice is now the only tab stop.
    expect(await radios.evaluateAll((els) => els.map((e) => e.getAttribute('tabindex')))).toEqual(['-1', '0', '-1']);
    await page.keyboard.press('Space');
    expect(await checked(page)).toBe('choice-no');
    await shot(page, 'b-first-matter-keyboard');

    // 下一步 by keyboard: focus leaves the button at the bottom for the new heading.
    await tabTo(page, 'vote-next');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('vote-step').textContent()).toContain('第 2 项');
    await expect.poll(() => focused(page)).toBe('vote-heading');
    const secondTitle = await page.evaluate(() => document.activeElement?.textContent ?? '');
    expect(secondTitle).not.toBe(firstTitle);
    expect(await page.getByTestId('vote-heading').getAttribute('tabindex')).toBe('-1');
    expect(await page.getByTestId('vote-heading').getAttribute('aria-describedby')).toBe('vote-step-count');
    // The page is back at the top, where the heading is.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);

    // The colours and 弃权 form one group: the arrows reach them all, in order.
    const options = page.getByTestId('choice-group').locator('[role="radio"]');
    const ids = await options.evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(ids[0]).toBe('choice-option-A');
    expect(ids.at(-1)).toBe('choice-abstain');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('read-aloud');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('choice-option-A');
    await page.keyboard.press('ArrowRight');
    expect(await checked(page)).toBe(ids[1]);
    await page.keyboard.press('ArrowUp');
    expect(await checked(page)).toBe('choice-option-A');
    await page.keyboard.press('ArrowLeft'); // wraps to 弃权
    expect(await focused(page)).toBe('choice-abstain');
    expect(await checked(page)).toBe('choice-abstain');
    await page.keyboard.press('ArrowDown');
    expect(await checked(page)).toBe('choice-option-A');

    // A tap works as before and moves the tab stop.
    await page.getByTestId('choice-abstain').click();
    expect(await checked(page)).toBe('choice-abstain');
    await page.getByTestId('vote-next').click();
    await page.getByTestId('vote-confirm').waitFor();
    await expect.poll(() => focused(page)).toBe('vote-heading');
    expect(await page.getByTestId('vote-heading').textContent()).toContain('核对');
    await shot(page, 'b-confirm');
    expectClean(page);
  });

  it('(c) the 大字 switch raises the type to at least 20 px and stays on after a reload', async () => {
    const page = owner;
    await page.goto(`${state.running.url}${votePath}`);
    const toggle = page.getByTestId('large-type');
    await toggle.waitFor();
    expect((await toggle.textContent())?.trim()).toContain('大字');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    const bodySize = () => page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    expect(await bodySize()).toBeLessThan(20);

    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await bodySize()).toBeGreaterThanOrEqual(20);
    // Vant's own text follows (a button's label, from --van-button-*-font-size).
    expect(await page.getByTestId('vote-start').evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(20);
    expect(await page.evaluate(() => localStorage.getItem('linli.largeType'))).toBe('1');
    await shot(page, 'c-large-type');

    await page.reload();
    await page.getByTestId('vote-start').waitFor();
    expect(await page.evaluate(() => document.documentElement.classList.contains('ll-large'))).toBe(true);
    expect(await bodySize()).toBeGreaterThanOrEqual(20);
    expect(await page.getByTestId('large-type').getAttribute('aria-pressed')).toBe('true');

    // In English too; and off again.
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('large-type').textContent()).toContain('Large type');
    await shot(page, 'c-large-type-en');
    await page.getByTestId('large-type').click();
    expect(await page.getByTestId('large-type').getAttribute('aria-pressed')).toBe('false');
    expect(await bodySize()).toBeLessThan(20);
    await page.reload();
    await page.getByTestId('large-type').waitFor();
    expect(await bodySize()).toBeLessThan(20);
    await page.getByTestId('lang-zh').click();
    expectClean(page);
  });

  it('(d) 朗读 reads the matter and its answers aloud with the browser\'s Chinese voice', async () => {
    const page = owner;
    // What the page hands to the browser's speech synthesis is recorded (nothing is played here).
    await page.addInitScript(() => {
      const spoken: { text: string; lang: string }[] = [];
      (window as unknown as { spoken: typeof spoken }).spoken = spoken;
      window.speechSynthesis.speak = (u: SpeechSynthesisUtterance) => void spoken.push({ text: u.text, lang: u.lang });
    });
    await page.goto(`${state.running.url}${votePath}`);
    await page.getByTestId('vote-start').click();
    await page.getByTestId('vote-choose').waitFor();
    const title = ((await page.getByTestId('vote-heading').textContent()) ?? '').trim();
    await page.getByTestId('read-aloud').click();
    const spoken = await page.evaluate(() => (window as unknown as { spoken: { text: string; lang: string }[] }).spoken);
    expect(spoken[0]).toEqual({ text: title, lang: 'zh-CN' });
    expect(spoken.at(-1)!.text).toBe('可以选择：同意、不同意、弃权');
    expect((await page.getByTestId('read-aloud').boundingBox())!.height).toBeGreaterThanOrEqual(44);

    // Each colour has its own 朗读: its name and its colour code.
    await page.getByTestId('choice-yes').click();
    await page.getByTestId('vote-next').click();
    const option = page.locator('[data-testid^="choice-option-"]').first();
    await option.waitFor();
    const key = (await option.getAttribute('data-choice'))!;
    const name = ((await option.locator('.o-name').textContent()) ?? '').trim();
    const code = ((await option.locator('.o-code').textContent()) ?? '').trim();
    const before = (await page.evaluate(() => (window as unknown as { spoken: unknown[] }).spoken.length));
    await page.getByTestId(`read-option-${key}`).click();
    const said = (await page.evaluate(() => (window as unknown as { spoken: { text: string }[] }).spoken)).slice(before).map((s) => s.text);
    expect(said).toEqual([name, `色号 ${code}`]);
    // Reading an option does not choose it.
    expect(await option.getAttribute('aria-checked')).toBe('false');
    await shot(page, 'd-read-option');
    expectClean(page);
  });

  it('(e) the vote page comes in the order an owner needs it: dates and matters, the ballot button, then the checking material', async () => {
    const page = owner;
    await page.goto(`${state.running.url}${votePath}`);
    await page.getByTestId('vote-start').waitFor();
    await page.getByTestId('audit-section').waitFor();
    const top = async (testid: string) => (await page.getByTestId(testid).first().boundingBox())!.y;
    const [matters, cta, audit] = [await top('matter-card'), await top('vote-cta'), await top('audit-section')];
    expect(matters).toBeLessThan(cta);
    expect(cta).toBeLessThan(audit);
    // The signing key and the ledger link live in the checking section, below the turnout.
    expect(await page.getByTestId('audit-section').getByTestId('audit-link').count()).toBe(1);
    expect(await top('turnout')).toBeLessThan(audit);
    expectClean(page);
  });
});
