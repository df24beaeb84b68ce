import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { describe } from 'vitest';

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
