/**
 * The web client in real Chromium against a real server (PGlite, demo estate), at a phone-sized
 * viewport: QR-link sign-in, typed codes, a wrong code, phone + one-time code, the organizer's
 * register import (errors, then success) and the language switch. Screenshots go to test-results/.
 *
 * Needs web/dist (npm test builds it first) and Chromium at /usr/bin/chromium (or LINLI_CHROMIUM).
 * Without Chromium the suite is skipped, unless LINLI_REQUIRE_BROWSER=1, where it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoRegisterCsv } from '../../scripts/demo/register.ts';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { readEnv } from '../../src/env.ts';
import { MemorySender } from '../../src/sender.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { CHROMIUM, HAVE_CHROMIUM, REQUIRE_BROWSER, SHOTS, checkA11y, launchChromium, preflight, suite } from '../support/browser.ts';

const title = HAVE_CHROMIUM ? 'web client in Chromium (390×844 phone)' : REQUIRE_BROWSER ? 'web client in Chromium (required)' : `browser (skipped: ${CHROMIUM} not found)`;

if (!HAVE_CHROMIUM && !REQUIRE_BROWSER) {
  console.warn(`[web.test] browser journeys skipped: ${CHROMIUM} not found (set LINLI_CHROMIUM, or LINLI_REQUIRE_BROWSER=1 to fail instead)`);
}

type Account = { role: string; name: string; code: string; url: string };

suite(title, () => {
  let running: RunningServer;
  let browser: Browser;
  let dataDir: string;
  let accounts: Account[];
  const outbox = new MemorySender();
  const contexts: BrowserContext[] = [];
  /** Console errors (CSP violations, Vue warnings) and uncaught exceptions, per page. */
  const problems = new Map<Page, string[]>();

  beforeAll(async () => {
    preflight();
    dataDir = mkdtempSync(path.join(tmpdir(), 'linli-web-'));
    // No DATABASE_URL: always PGlite in the temporary directory.
    running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dataDir, LINLI_LOG_LEVEL: 'silent' }), { sender: outbox });
    const demo = await seedDemo(running.deps);
    accounts = demo.accounts;
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await running?.close().catch(() => {});
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const owners = () => accounts.filter((a) => a.role === 'owner');
  const account = (role: string) => {
    const a = accounts.find((x) => x.role === role);
    if (!a) throw new Error(`the demo seed has no ${role} account`);
    return a;
  };
  /** The QR link as printed on a notice letter, but pointing at this test server. */
  const joinUrl = (a: Account) => `${running.url}/join?code=${encodeURIComponent(a.code)}`;

  async function phone(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'zh-CN', isMobile: true, hasTouch: true });
    contexts.push(context);
    const page = await context.newPage();
    const seen: string[] = [];
    problems.set(page, seen);
    page.on('console', (m) => {
      // A rejected code answers 401/422: Chromium logs the failed request, which is expected here.
      if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) seen.push(m.text());
    });
    page.on('pageerror', (e) => seen.push(`uncaught: ${e.message}`));
    return page;
  }

  async function shot(page: Page, name: string) {
    await page.screenshot({ path: path.join(SHOTS, `web-${name}.png`), fullPage: true });
    await checkA11y(page, `web-${name}`);
  }

  function expectClean(page: Page) {
    expect(problems.get(page) ?? [], 'console errors (CSP violations, exceptions)').toEqual([]);
  }

  /** Reads the session the page stored and asks the API for the profile, to compare with the screen. */
  async function profileOf(page: Page) {
    const token = await page.evaluate(() => localStorage.getItem('linli.token'));
    expect(token, 'a token in localStorage after sign-in').toBeTruthy();
    const res = await fetch(`${running.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as { user: { displayName: string }; parts: { partId: string; area: string }[] };
  }

  async function expectPartCards(page: Page) {
    await page.getByTestId('part-card').first().waitFor();
    const me = await profileOf(page);
    expect(me.parts.length).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('part-card').count()).toBe(me.parts.length);
    const numbers = await page.getByTestId('part-number').allTextContents();
    const areas = await page.getByTestId('part-area').allTextContents();
    for (const p of me.parts) {
      expect(numbers.map((s) => s.trim())).toContain(p.partId);
      expect(areas.some((a) => a.includes(p.area))).toBe(true);
    }
    expect(await page.getByTestId('greeting').textContent()).toContain(me.user.displayName);
  }

  it('(a) an owner opens the QR link from the notice letter and sees their homes', async () => {
    const page = await phone();
    await page.goto(joinUrl(owners()[0]!));
    await page.waitForURL((u) => u.pathname === '/');
    // The code must not stay in the address bar (or in the history).
    expect(page.url()).not.toContain('code=');
    await expectPartCards(page);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    await expect.poll(() => page.getByTestId('part-card').first().textContent()).toMatch(/平方米/);
    await shot(page, 'a-owner-home-qr');
    expectClean(page);
  });

  it('(b) an owner types the invite code on the sign-in page', async () => {
    const page = await phone();
    await page.goto(`${running.url}/`);
    await page.waitForURL((u) => u.pathname === '/sign-in');
    const input = page.getByTestId('sign-in-code');
    // Typed in lower case without the dash, as people do: the box upper-cases and formats it.
    await input.fill(owners()[1]!.code.toLowerCase().replace(/-/g, ''));
    expect(await input.inputValue()).toBe(owners()[1]!.code.toUpperCase());
    await shot(page, 'b-sign-in-typed');
    await page.getByTestId('sign-in-submit').click();
    await page.waitForURL((u) => u.pathname === '/');
    await expectPartCards(page);
    await shot(page, 'b-owner-home');
    expectClean(page);
  });

  it('(c) a wrong code shows a Chinese error, on the sign-in page and from a QR link', async () => {
    const page = await phone();
    await page.goto(`${running.url}/sign-in`);
    await page.getByTestId('sign-in-code').fill('ZZZZZ-ZZZZZ');
    await page.getByTestId('sign-in-submit').click();
    const error = page.getByTestId('error-text');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/邀请码.*(无效|过期)/);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await shot(page, 'c-wrong-code');

    // An incomplete code is caught before asking the server.
    await page.getByTestId('sign-in-code').fill('ABC');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('error-text').first().textContent()).toContain('10 位');

    // A used code in a QR link lands on the sign-in page with the error and the code filled in.
    const used = owners()[0]!;
    await page.goto(joinUrl(used));
    await page.waitForURL((u) => u.pathname === '/sign-in');
    await page.getByTestId('error-text').waitFor();
    expect(await page.getByTestId('error-text').textContent()).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.getByTestId('sign-in-code').inputValue()).toBe(used.code.toUpperCase());
    expect(page.url()).not.toContain('code=');
    await shot(page, 'c-used-qr-code');
    expectClean(page);
  });

  it('(d) the organizer imports a register: a negative area is reported by line, a valid file is checked and imported', async () => {
    const page = await phone();
    await page.goto(joinUrl(account('organizer')));
    await page.getByTestId('nav-import').waitFor();
    await page.getByTestId('nav-import').click();
    await page.waitForURL((u) => /^\/estates\/[^/]+\/import$/.test(u.pathname));
    const estateId = new URL(page.url()).pathname.split('/')[2]!;
    await page.getByTestId('import-check').waitFor();

    // The template link is generated in the browser.
    expect(await page.getByTestId('template-link').getAttribute('href')).toMatch(/^blob:/);

    const header = 'part_id,building,entrance,floor,kind,area,area_source,status,owners,owner_names';
    const bad = `${header}\nT-1-101,T,1,1,residential,88.00,register,registered,TP1,测试甲\nT-1-102,T,1,1,residential,-12.50,register,registered,TP2,测试乙\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await page.getByTestId('import-check').click();
    const row = page.getByTestId('error-row').first();
    await row.waitFor();
    // Line 3 of the file (header is line 1) holds the negative area.
    expect(await page.getByTestId('error-line').allTextContents()).toContain('3');
    expect(await row.textContent()).toContain('area');
    expect(await page.getByTestId('import-errors-title').textContent()).toMatch(/未保存/);
    await expect.poll(() => page.getByTestId('import-commit').count()).toBe(0);
    await shot(page, 'd-import-errors');

    const good = `${header}\nT-1-101,T,1,1,residential,88.00,register,registered,TP1,测试甲\nT-1-102,T,1,1,residential,92.50,survey,registered,TP2;TP3,测试乙;测试丙\n`;
    await page.getByTestId('import-file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await expect.poll(() => page.getByTestId('error-row').count()).toBe(0);
    await page.getByTestId('import-check').click();
    await page.getByTestId('import-summary').waitFor();
    expect((await page.getByTestId('summary-rows').textContent())?.trim()).toBe('2');
    expect((await page.getByTestId('summary-parts').textContent())?.trim()).toBe('2');
    await shot(page, 'd-import-checked');

    // Nothing is stored by the check: the register still has no building T.
    const token = await page.evaluate(() => localStorage.getItem('linli.token'));
    const partsOfT = async () =>
      ((await (await fetch(`${running.url}/api/estates/${estateId}/parts?building=T`, { headers: { authorization: `Bearer ${token}` } })).json()) as { total: number }).total;
    expect(await partsOfT()).toBe(0);

    await page.getByTestId('import-commit').click();
    await page.locator('.van-dialog__confirm').click();
    await page.getByTestId('to-buildings').waitFor();
    await page.locator('.van-dialog').waitFor({ state: 'hidden' });
    expect(await page.getByTestId('import-summary').textContent()).toContain('导入完成');
    expect(await partsOfT()).toBe(2);
    await shot(page, 'd-import-done');

    await page.getByTestId('to-buildings').click();
    await page.getByTestId('totals').waitFor();
    expect(await page.getByTestId('area-bars').textContent()).toContain('180.50');
    await shot(page, 'd-buildings');
    expectClean(page);
  });

  it('(e) the language switch shows English and is remembered', async () => {
    const page = await phone();
    await page.goto(joinUrl(owners()[2]!));
    await page.getByTestId('part-card').first().waitFor();
    expect(await page.locator('h2').first().textContent()).toBe('我的房屋');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.locator('h2').first().textContent()).toBe('My homes');
    expect(await page.getByTestId('greeting').textContent()).toMatch(/^Hello, /);
    expect(await page.getByTestId('part-card').first().textContent()).toMatch(/House no\./);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot(page, 'e-owner-home-en');

    await page.reload();
    await page.getByTestId('part-card').first().waitFor();
    expect(await page.locator('h2').first().textContent()).toBe('My homes');
    expect(await page.evaluate(() => localStorage.getItem('linli.lang'))).toBe('en');

    // English error messages come from the envelope's `message`.
    await page.evaluate(() => localStorage.removeItem('linli.token'));
    await page.goto(`${running.url}/sign-in`);
    await page.getByTestId('sign-in-code').fill('ZZZZZ-ZZZZZ');
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('error-text').waitFor();
    expect(await page.getByTestId('error-text').textContent()).toMatch(/not valid|expired/i);

    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('sign-in-submit').textContent()).toMatch(/登录/);
    expectClean(page);
  });

  it('(f) an owner signs in with phone number and one-time code', async () => {
    const person = demoRegisterCsv().persons.at(-1)!;
    const page = await phone();
    await page.goto(`${running.url}/sign-in`);
    await page.getByRole('tab', { name: '手机验证码' }).click();
    await page.getByTestId('sign-in-phone').locator('input').fill(person.phone);
    await page.getByTestId('sign-in-send').click();
    // The send button counts down before it can be used again.
    await expect.poll(() => page.getByTestId('sign-in-send').textContent()).toMatch(/秒后可重发/);
    expect(await page.getByTestId('sign-in-send').isDisabled()).toBe(true);
    await page.getByTestId('sign-in-sent').waitFor();
    await expect.poll(() => outbox.sent.filter((m) => m.to === person.phone).length).toBe(1);
    const code = /(\d{6})/.exec(outbox.sent.find((m) => m.to === person.phone)!.text)![1]!;
    await page.getByTestId('sign-in-otp').locator('input').fill(code);
    await shot(page, 'f-phone-sign-in');
    await page.getByTestId('sign-in-phone-submit').click();
    await page.waitForURL((u) => u.pathname === '/');
    await expectPartCards(page);
    expectClean(page);
  });
});
