import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleGrants, users } from '../../db/schema/index.ts';
import { readEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';
import { createEstate } from '../../src/modules/registry/service.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/protocol.ts';
import { startServer, type RunningServer } from '../../src/server.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('socket handshake checks the session (real server, real clients)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'linli-rev-'));
  let running: RunningServer;
  const clients: Client[] = [];

  /** Connects and resolves with 'connected' or the connect_error message. */
  function attempt(token: string): Promise<string> {
    const c: Client = connect(running.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(c);
    return new Promise((resolve) => {
      c.on('connect', () => resolve('connected'));
      c.on('connect_error', (err) => resolve(`refused: ${err.message}`));
    });
  }

  async function person(estateId: string, role: 'organizer' | 'clerk') {
    const [u] = await running.deps.db.insert(users).values({ displayName: role }).returning({ id: users.id });
    await running.deps.db.insert(roleGrants).values({ userId: u!.id, estateId, role });
    return { id: u!.id, token: (await issueToken(running.deps.db, running.deps.keys, running.deps.env.publicUrl, u!.id)).token };
  }

  /** Connects and resolves once connected, with a promise of the server-side disconnect. */
  async function live(token: string): Promise<{ client: Client; dropped: Promise<string> }> {
    const c: Client = connect(running.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(c);
    await new Promise<void>((resolve, reject) => {
      c.on('connect', () => resolve());
      c.on('connect_error', reject);
    });
    return { client: c, dropped: new Promise((resolve) => c.on('disconnect', (reason) => resolve(reason))) };
  }

  const http = (method: string, url: string, token: string) => running.app.request(url, { method, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dir }), { logger: createLogger('silent') });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a removed clerk’s token no longer connects, nor opens the API', async () => {
    const estate = await createEstate(running.deps.db, { name: 'Socket revocation' });
    const org = await person(estate.id, 'organizer');
    const clerk = await person(estate.id, 'clerk');
    expect(await attempt(clerk.token)).toBe('connected');
    const removed = await http('DELETE', `/api/estates/${estate.id}/users/${clerk.id}/roles/clerk`, org.token);
    expect(removed.status).toBe(200);
    expect(await attempt(clerk.token)).toMatch(/^refused: .*sign-in has ended/);
    expect((await http('GET', '/api/me', clerk.token)).status).toBe(401);
    expect(await attempt(org.token)).toBe('connected');
  });

  it('an open socket is closed by the server when its session ends (role removal, sign-out)', async () => {
    const estate = await createEstate(running.deps.db, { name: 'Socket live revocation' });
    const org = await person(estate.id, 'organizer');
    const clerk = await person(estate.id, 'clerk');
    const clerkSocket = await live(clerk.token);
    const orgSocket = await live(org.token);
    expect((await http('DELETE', `/api/estates/${estate.id}/users/${clerk.id}/roles/clerk`, org.token)).status).toBe(200);
    expect(await clerkSocket.dropped).toBe('io server disconnect');
    // The organizer's socket stays until they sign out.
    expect(orgSocket.client.connected).toBe(true);
    expect((await http('POST', '/api/auth/sign-out', org.token)).status).toBe(204);
    expect(await orgSocket.dropped).toBe('io server disconnect');
  });

  it('a signed-out token no longer connects', async () => {
    const estate = await createEstate(running.deps.db, { name: 'Socket sign-out' });
    const org = await person(estate.id, 'organizer');
    expect(await attempt(org.token)).toBe('connected');
    expect((await http('POST', '/api/auth/sign-out', org.token)).status).toBe(204);
    expect(await attempt(org.token)).toMatch(/^refused: /);
  });
});
