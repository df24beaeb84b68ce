import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { ensureAdminInvite } from '../../src/modules/auth/service.ts';
import { startServer } from '../../src/server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'linli-server-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('server on the embedded database', () => {
  it('keeps data and keys in LINLI_DATA_DIR across restarts and serves over real HTTP', async () => {
    const env = readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dir });
    const logger = createLogger('silent');
    const first = await startServer(env, { logger });
    const invite = await ensureAdminInvite(first.deps.db);
    expect(invite).not.toBeNull();
    const signIn = await fetch(`${first.url}/api/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: invite!.code }) });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };
    const created = await fetch(`${first.url}/api/estates`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: '持久小区' }) });
    expect(created.status).toBe(201);
    await first.close();
    expect(statSync(path.join(dir, 'keys', 'signing-ed25519.pem')).mode & 0o077).toBe(0);

    const second = await startServer(env, { logger });
    try {
      // The same key signs: the token from before the restart still works, and the estate is still there.
      const list = await fetch(`${second.url}/api/estates`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      expect(((await list.json()) as { estates: { name: string }[] }).estates.map((e) => e.name)).toEqual(['持久小区']);
      // An admin exists now: no new first-start invite.
      expect(await ensureAdminInvite(second.deps.db)).toBeNull();
      const health = await fetch(`${second.url}/api/health`);
      expect(await health.json()).toEqual({ status: 'ok', db: 'pglite' });
    } finally {
      await second.close();
    }
  });
});
