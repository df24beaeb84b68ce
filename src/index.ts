import { readEnv, ConfigError } from './env.ts';
import { startServer, stopOnSignals } from './server.ts';
import { ensureAdminInvite, inviteUrl } from './modules/auth/service.ts';

/** The only file that starts servers (besides the demo, which seeds first and then calls the same startServer). */
async function main() {
  let env;
  try {
    env = readEnv();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const running = await startServer(env);
  const admin = await ensureAdminInvite(running.deps.db);
  process.stdout.write(`linli listening on ${running.url} (database: ${running.handle.kind})\n`);
  if (admin) process.stdout.write(`First start: sign in as platform admin with code ${admin.code}\n  ${inviteUrl(env.publicUrl, admin.code)}\n`);
  stopOnSignals(running);
}

main().catch((err) => {
  process.stderr.write(`linli failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
