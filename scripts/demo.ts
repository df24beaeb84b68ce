/**
 * `npm run demo`: seeds a demo estate in LINLI_DATA_DIR (PGlite unless DATABASE_URL is set), writes
 * LINLI_DATA_DIR/demo-accounts.json, prints sign-in links, and serves. `-- --seed-only` seeds and exits.
 */
import path from 'node:path';
import { createDb, migrate } from '../src/db.ts';
import { ConfigError, readEnv } from '../src/env.ts';
import { loadKeyring } from '../src/keys.ts';
import { createLogger } from '../src/logger.ts';
import { startServer, stopOnSignals } from '../src/server.ts';
import { writeAdminCode } from '../src/data-dir.ts';
import { ConsoleSender } from '../src/sender.ts';
import { ensureAdminInvite, inviteUrl } from '../src/modules/auth/service.ts';
import { seedDemo, writeAccounts, type DemoAccount } from './demo/seed.ts';

function printAccounts(accounts: DemoAccount[], file: string) {
  process.stdout.write(`\nDemo accounts (also in ${file}); invite codes work once, letter codes until reissued:\n`);
  for (const a of accounts) process.stdout.write(`  ${(a.kind === 'letter' ? 'ballot letter' : a.role).padEnd(15)} ${a.code}  ${a.url}   ${a.name}\n`);
}

async function main() {
  const seedOnly = process.argv.includes('--seed-only');
  const env = readEnv({ LINLI_LOG_LEVEL: 'warn', ...process.env });
  const file = path.join(env.LINLI_DATA_DIR, 'demo-accounts.json');
  if (seedOnly) {
    const handle = await createDb({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : `${env.LINLI_DATA_DIR}/pglite` });
    await migrate(handle.db);
    const keys = loadKeyring({ dataDir: env.LINLI_DATA_DIR, signingKey: env.LINLI_SIGNING_KEY, secret: env.LINLI_SECRET });
    const demo = await seedDemo({ db: handle.db, keys, env });
    writeAccounts(file, demo.accounts);
    printAccounts(demo.accounts, file);
    await handle.close();
    return;
  }
  // The demo's console outbox shows one-time codes (nowhere else does); a configured gateway is used as is.
  const sender = env.sender === 'console' ? new ConsoleSender({ revealCodes: true }) : undefined;
  const running = await startServer(env, { logger: createLogger(env.LINLI_LOG_LEVEL), sender });
  const demo = await seedDemo(running.deps);
  writeAccounts(file, demo.accounts);
  process.stdout.write(`linli demo on ${running.url} (database: ${running.handle.kind}, data in ${env.LINLI_DATA_DIR})\n`);
  printAccounts(demo.accounts, file);
  const admin = await ensureAdminInvite(running.deps.db);
  if (admin) {
    const url = inviteUrl(env.publicUrl, admin.code);
    const adminFile = writeAdminCode(env.LINLI_DATA_DIR, { code: admin.code, url, expiresAt: admin.expiresAt });
    process.stdout.write(`  ${'platform admin'.padEnd(15)} ${admin.code}  ${url}   (creates estates; shown once, also in ${adminFile})\n`);
  }
  process.stdout.write('\nOpen a link above on a phone or in a browser. Ctrl+C stops.\n');
  stopOnSignals(running);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `demo failed: ${err instanceof Error ? err.stack : String(err)}`}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
