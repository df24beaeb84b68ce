import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, issueToken } from '../../src/modules/auth/tokens.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { createEstate, importRegister } from '../../src/modules/registry/service.ts';
import type { ClientToServerEvents, ServerToClientEvents, TurnoutPush } from '../../src/realtime/protocol.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { persons, roleGrants, users } from '../../db/schema/index.ts';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/db.ts';
import { bindPerson } from '../../src/modules/auth/service.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('live turnout over Socket.IO (real server, real clients)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'linli-rt-'));
  let running: RunningServer;
  let estateId = '';
  let voteId = '';
  const tokens: Record<string, string> = {};
  const clients: Client[] = [];

  async function user(name: string, estate: string, role: 'owner' | 'organizer', ref?: string) {
    const [u] = await running.deps.db.insert(users).values({ displayName: name }).returning({ id: users.id });
    await running.deps.db.insert(roleGrants).values({ userId: u!.id, estateId: estate, role });
    if (ref) {
      const [person] = await running.deps.db.select({ id: persons.id }).from(persons).where(and(eq(persons.estateId, estate), eq(persons.ref, ref)));
      await running.deps.db.transaction((tx) => bindPerson(tx as unknown as Db, running.deps.keys, { personId: person!.id, userId: u!.id, via: 'phone', now: new Date() }));
    }
    return (await issueToken(running.deps.db, running.deps.keys, running.deps.env.publicUrl, u!.id)).token;
  }

  /** A well-formed token signed by another deployment's key. */
  async function foreignToken() {
    const other = (await import('../../src/keys.ts')).Keyring.generate();
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({}).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).setSubject(randomUUID()).setAudience(TOKEN_AUDIENCE).setIssuer(running.deps.env.publicUrl).setIssuedAt(iat).setExpirationTime(iat + 3600).setJti(randomUUID()).sign(other.privateKey);
  }

  const client = (token?: string): Client => {
    const c: Client = connect(running.url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false, forceNew: true });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dir }), { logger: createLogger('silent') });
    const { db, keys } = running.deps;
    const estate = await createEstate(db, { name: 'RT' });
    estateId = estate.id;
    await importRegister(db, keys, { estateId, table: parseCsv(E10), format: 'csv', fileSha256: 'x', importedBy: null, dryRun: false });
    const other = await createEstate(db, { name: 'Other' });
    tokens.org = await user('org', estateId, 'organizer');
    tokens.A = await user('A', estateId, 'owner', 'A');
    tokens.B = await user('B', estateId, 'owner', 'B');
    tokens.stranger = await user('stranger', other.id, 'organizer');
    const now = Date.now();
    const day = 86_400_000;
    const created = await running.app.request(`/api/estates/${estateId}/votes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.org}` },
      body: JSON.stringify({ title: 'rt', opensAt: new Date(now - 60_000).toISOString(), closesAt: new Date(now + 10 * day).toISOString(), matters: [{ title: 'x', category: '4' }] }),
    });
    voteId = ((await created.json()) as { id: string }).id;
    const noticeDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(now - 20 * day));
    const notice = await running.app.request(`/api/estates/${estateId}/votes/${voteId}/notice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.org}` },
      body: JSON.stringify({ noticeDate }),
    });
    expect(notice.status).toBe(200);
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a handshake without a token or with a bad one', async () => {
    for (const token of [undefined, 'garbage', await foreignToken()]) {
      const c = client(token);
      const err = await new Promise<Error>((resolve) => c.on('connect_error', resolve));
      expect(err.message).toMatch(/sign-in|invalid|unauthorized/i);
      expect(c.connected).toBe(false);
    }
  });

  it('pushes aggregate turnout to watchers after a ballot, and refuses strangers', async () => {
    const organizer = client(tokens.org);
    const owner = client(tokens.B);
    const stranger = client(tokens.stranger);
    const first = await organizer.emitWithAck('vote:watch', { estateId, voteId });
    expect(first.ok).toBe(true);
    if (first.ok) expect(first.data.turnout.matters[0]).toMatchObject({ parties: 0, areaCents: 0 });
    expect((await owner.emitWithAck('vote:watch', { estateId, voteId })).ok).toBe(true);
    const refused = await stranger.emitWithAck('vote:watch', { estateId, voteId });
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const invalid = await organizer.emitWithAck('vote:watch', { estateId: 'x', voteId } as never);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    const pushes: TurnoutPush[] = [];
    const strangerPushes: TurnoutPush[] = [];
    stranger.on('vote:turnout', (p) => strangerPushes.push(p));
    const got = new Promise<TurnoutPush>((resolve) => organizer.on('vote:turnout', (p) => (pushes.push(p), resolve(p))));
    const ownerGot = new Promise<TurnoutPush>((resolve) => owner.on('vote:turnout', resolve));
    const res = await fetch(`${running.url}/api/estates/${estateId}/votes/${voteId}/ballots`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.A}` },
      body: JSON.stringify({ choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() }),
    });
    expect(res.status).toBe(201);
    const push = await got;
    expect(push.turnout.matters[0]).toMatchObject({ parties: 1, areaCents: 8000 });
    expect(JSON.stringify(push)).not.toMatch(/"yes"|"no"|"choice"/);
    expect((await ownerGot).turnout.matters[0]!.parties).toBe(1);
    expect(strangerPushes).toEqual([]);
  });

  it('coalesces a burst of ballots into few pushes', async () => {
    const watcher = client(tokens.org);
    await watcher.emitWithAck('vote:watch', { estateId, voteId });
    const pushes: TurnoutPush[] = [];
    watcher.on('vote:turnout', (p) => pushes.push(p));
    const codes: string[] = [];
    for (const ref of ['C', 'E', 'F', 'G', 'H']) {
      const token = await user(ref, estateId, 'owner', ref);
      codes.push(token);
    }
    await Promise.all(
      codes.map((token) =>
        fetch(`${running.url}/api/estates/${estateId}/votes/${voteId}/ballots`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ choices: [{ matter: 'm1', choice: 'no' }], nonce: randomUUID() }),
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 2500));
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes.length).toBeLessThanOrEqual(3);
    expect(pushes.at(-1)!.turnout.matters[0]!.parties).toBe(6);
  });
});
