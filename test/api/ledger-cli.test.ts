import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'linli-ledger-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function tsx(script: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: '', ...env }, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('export-ledger and verify-ledger on the demo (the issue’s acceptance path)', () => {
  const data = path.join(dir, 'data');
  const out = path.join(dir, 'export');

  it('seeds the demo, exports the latest closed vote and verifies V1–V10', async () => {
    expect((await tsx('scripts/demo.ts', ['--seed-only'], { LINLI_DATA_DIR: data })).code).toBe(0);
    const exported = await tsx('scripts/export-ledger.ts', ['--latest', '--out', out], { LINLI_DATA_DIR: data });
    expect(exported.code, exported.stderr).toBe(0);
    const verified = await tsx('scripts/verify-ledger.ts', [out]);
    expect(verified.code, verified.stdout).toBe(0);
    for (const step of ['V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V10']) expect(verified.stdout).toMatch(new RegExp(`^${step}\\s+ok`, 'm'));
  }, 120_000);

  it('fails naming the step and the entry when any single byte of entries.jsonl changes', async () => {
    const file = path.join(out, 'entries.jsonl');
    const original = readFileSync(file);
    const lines = original.toString('utf8').split('\n');
    // A few positions: inside a ballot's weights, a commitment, the tally entry.
    const targets = [lines[3]!.indexOf('"area_cents":') + 14, lines[5]!.indexOf('"commit":"') + 12, lines.at(-2)!.indexOf('"results"') + 12];
    const lineStarts = [3, 5, lines.length - 2].map((n) => lines.slice(0, n).reduce((s, l) => s + Buffer.byteLength(l) + 1, 0));
    for (const [i, offset] of targets.entries()) {
      const bytes = Buffer.from(original);
      const at = lineStarts[i]! + offset;
      bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
      writeFileSync(file, bytes);
      const res = await tsx('scripts/verify-ledger.ts', [out]);
      expect(res.code).not.toBe(0);
      expect(res.stdout).toMatch(/V\d+\s+FAIL/);
      expect(res.stdout).toMatch(/seq \d+/);
    }
    writeFileSync(file, original);
    expect((await tsx('scripts/verify-ledger.ts', [out])).code).toBe(0);
  }, 120_000);

  it('refuses bad usage with exit 2', async () => {
    expect((await tsx('scripts/export-ledger.ts', ['--latest'], { LINLI_DATA_DIR: data })).code).toBe(2);
    expect((await tsx('scripts/export-ledger.ts', ['--vote', 'nope', '--out', path.join(dir, 'x')], { LINLI_DATA_DIR: data })).code).toBe(2);
    expect((await tsx('scripts/export-ledger.ts', ['--latest', '--out', out], { LINLI_DATA_DIR: data })).code).toBe(2); // not empty
    expect((await tsx('scripts/verify-ledger.ts', [path.join(dir, 'missing')])).code).toBe(2);
  }, 60_000);
});
