/**
 * The real entry point (`npm start` runs src/index.ts) as a child process: it refuses to start
 * without a message sender outside development and with a world-writable data folder (one line,
 * exit 2), creates its data folder 0700, and leaves the first-start admin code in a 0600 file
 * rather than on its output.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'linli-entry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs src/index.ts with exactly `env` (plus PATH); resolves on exit, or once `until` matches stdout (then stops it). */
function run(env: Record<string, string>, until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${stdout}${stderr}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until?.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the entry point', () => {
  it('refuses to start without a message sender unless NODE_ENV=development: one line, exit 2', async () => {
    const out = await run({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: path.join(dir, 'no-sender') });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe('linli: no message sender configured: set LINLI_SMS_URL and LINLI_SMS_KEY (or LINLI_SENDER=console to send no texts, or NODE_ENV=development)\n');
    expect(out.stdout).toBe('');
  });

  it('refuses an http sender without its key, naming the variable', async () => {
    const out = await run({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: path.join(dir, 'no-key'), LINLI_SMS_URL: 'http://127.0.0.1:9/send' });
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('LINLI_SMS_KEY: required for the http sender');
  });

  it('refuses a world-writable data folder: one line, exit 2', async () => {
    const open = path.join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const out = await run({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: open, NODE_ENV: 'development' });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(`linli: the data folder ${open} is writable by every user (mode 777); run chmod 700 ${open}\n`);
    const pgOpen = path.join(dir, 'pg-open');
    mkdirSync(path.join(pgOpen, 'pglite'), { recursive: true, mode: 0o700 });
    chmodSync(pgOpen, 0o700);
    chmodSync(path.join(pgOpen, 'pglite'), 0o777);
    const inner = await run({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: pgOpen, LINLI_SENDER: 'console' });
    expect(inner.code).toBe(2);
    expect(inner.stderr).toContain(`the data folder ${path.join(pgOpen, 'pglite')} is writable by every user`);
  });

  it('starts in development, creates the data folders 0700 and writes the admin code to a 0600 file, not to its output', async () => {
    const data = path.join(dir, 'fresh', 'data');
    const out = await run({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: data, NODE_ENV: 'development', LINLI_LOG_LEVEL: 'info' }, /First start: .*\n/);
    expect(out.stdout).toContain('sender: console');
    const file = path.join(data, 'first-admin-code.txt');
    expect(out.stdout).toContain(`First start: the one-time platform admin sign-in code is in ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(data).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(data, 'pglite')).mode & 0o777).toBe(0o700);
    const code = /^code: (\S+)$/m.exec(readFileSync(file, 'utf8'))![1]!;
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(readFileSync(file, "utf8")).toContain(`link: http://localhost:0/join#${code}`);
    expect(out.stdout + out.stderr).not.toContain(code);
    expect(out.stdout + out.stderr).not.toContain(code.replace('-', ''));
  });
});
