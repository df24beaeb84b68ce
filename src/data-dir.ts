import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './env.ts';

/**
 * Creates a data folder readable only by this user (0700) if it is missing, and refuses one that
 * every user may write to: anyone on the machine could then replace the database, the keys or the
 * first-start admin code.
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory()) throw new ConfigError(`linli: the data folder ${dir} is not a folder`);
  if (st.mode & 0o002) {
    throw new ConfigError(`linli: the data folder ${dir} is writable by every user (mode ${(st.mode & 0o777).toString(8)}); run chmod 700 ${dir}`);
  }
}

export const ADMIN_CODE_FILE = 'first-admin-code.txt';

/**
 * Writes the first-start platform admin code to LINLI_DATA_DIR/first-admin-code.txt, readable only
 * by this user (0600), instead of printing it to a console or log that others may read. Returns
 * the file's path.
 */
export function writeAdminCode(dataDir: string, admin: { code: string; url: string; expiresAt: Date }): string {
  const file = path.join(dataDir, ADMIN_CODE_FILE);
  rmSync(file, { force: true });
  const text = [
    'linli: first start. Sign in once as platform admin with this code (it works once), then delete this file.',
    '邻里：首次启动。请用此登录码以平台管理员身份登录一次（仅可使用一次），之后删除本文件。',
    `code: ${admin.code}`,
    `link: ${admin.url}`,
    `expires: ${admin.expiresAt.toISOString()}`,
    '',
  ].join('\n');
  writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return file;
}

/** Removes a first-start code file left behind once an admin exists. */
export function removeAdminCode(dataDir: string): void {
  rmSync(path.join(dataDir, ADMIN_CODE_FILE), { force: true });
}
