import { readEnv, ConfigError, senderRefusal } from './env.ts';
import { removeAdminCode, writeAdminCode } from './data-dir.ts';
import { startServer, stopOnSignals } from './server.ts';
import { ensureAdminInvite, inviteUrl } from './modules/auth/service.ts';

/**
 * The only file that starts servers (besides the demo, which seeds first and then calls the same
 * startServer). Configuration problems (bad values, no message sender outside development, an
 * unsafe data folder) end it with one line on stderr and exit code 2.
 */
async function main() {
  const env = readEnv();
  const refusal = senderRefusal(env);
  if (refusal) throw new ConfigError(refusal);
  const running = await startServer(env);
  const admin = await ensureAdminInvite(running.deps.db);
  process.stdout.write(`linli listening on ${running.url} (database: ${running.handle.kind}, sender: ${env.sender})\n`);
  if (admin) {
    const file = writeAdminCode(env.LINLI_DATA_DIR, { code: admin.code, url: inviteUrl(env.publicUrl, admin.code), expiresAt: admin.expiresAt });
    process.stdout.write(`First start: the one-time platform admin sign-in code is in ${file} (readable only by this user)\n`);
  } else {
    removeAdminCode(env.LINLI_DATA_DIR);
  }
  stopOnSignals(running);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`linli failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
