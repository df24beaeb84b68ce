import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ballots, ledgerEntries } from '../../db/schema/index.ts';
import { createDb, migrate } from '../../src/db.ts';
import { makeEstate, makeTestContext, makeUser, type TestContext } from '../support/app.ts';
import { requirePostgres } from '../support/db.ts';
import { bindOwner, clock } from '../support/votes.ts';

const url = process.env.DATABASE_URL;
const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');

/**
 * A TCP proxy in front of PostgreSQL that the test can cut and restore: to the service it is
 * exactly a database server going away (connections reset, new ones refused) and coming back on
 * the same address — without disturbing the PostgreSQL the other suites share.
 */
class CuttableProxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }
}

const run = url ? describe : requirePostgres ? describe : describe.skip;

run(`database outage${url ? '' : ' (skipped: DATABASE_URL not set)'}`, () => {
  let proxy: CuttableProxy;
  let ctx: TestContext;
  let schema = '';

  beforeAll(async () => {
    const u = new URL(url!);
    proxy = new CuttableProxy({ host: u.hostname, port: Number(u.port || 5432) });
    await proxy.up();
    schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create schema ${schema}`);
    await admin.end();
    u.port = String(proxy.port);
    ctx = await makeTestContext({
      name: 'postgres',
      async open() {
        const handle = await createDb({ url: u.toString(), searchPath: schema, max: 5 });
        await migrate(handle.db);
        return handle;
      },
    });
  });

  afterAll(async () => {
    await ctx?.close().catch(() => {});
    await proxy?.down();
    const admin = postgres(url!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('answers 503 with the envelope while PostgreSQL is gone, loses no acknowledged ballot, and recovers by itself', async () => {
    const t = clock(ctx, '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx, E10, 'outage');
    const org = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const owners = await Promise.all(['A', 'B', 'C', 'E', 'F', 'G', 'H'].map((ref) => bindOwner(ctx, estate.id, ref)));
    const base = `/api/estates/${estate.id}/votes`;
    const id = (await ctx.call('POST', base, { token: org.token, body: { title: 'outage', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'm', category: '4' }] } })).body.id;
    await ctx.call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
    t.set('2026-03-20T10:00:00+08:00');
    const vote = (token: string) => ctx.call('POST', `${base}/${id}/ballots`, { token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } });
    expect((await vote(owners[0]!.token)).status).toBe(201);

    // Load while the database goes away: every answer is 201 or a 503 envelope, never a 500.
    const acknowledged: number[] = [0];
    const load = (async () => {
      const statuses: number[] = [];
      for (let round = 0; round < 30; round++) {
        for (const [i, o] of owners.entries()) {
          if (acknowledged.includes(i)) continue;
          const res = await vote(o.token);
          statuses.push(res.status);
          if (res.status === 201) acknowledged.push(i);
          else if (res.status === 503) {
            expect(res.body.error).toMatchObject({ code: 'DB_UNAVAILABLE', messageZh: expect.stringContaining('稍后') });
            expect(res.body.error.requestId).toEqual(expect.any(String));
          }
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return statuses;
    })();
    await new Promise((r) => setTimeout(r, 50));
    await proxy.down();
    const health = await ctx.call('GET', '/api/health');
    expect(health.status).toBe(503);
    expect(health.body.error.code).toBe('DB_UNAVAILABLE');
    const during = await vote(owners[6]!.token);
    expect(during.status).toBe(503);
    await new Promise((r) => setTimeout(r, 800));
    await proxy.up();
    const statuses = await load;
    expect(statuses.filter((s) => s !== 201 && s !== 503 && s !== 409)).toEqual([]);
    expect(statuses).toContain(503);

    // Back by itself: healthy again, and the rest of the owners can vote.
    let healthy = 0;
    for (let i = 0; i < 50 && healthy !== 200; i++) {
      healthy = (await ctx.call('GET', '/api/health')).status;
      if (healthy !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(healthy).toBe(200);
    for (const [i, o] of owners.entries()) {
      if (acknowledged.includes(i)) continue;
      const res = await vote(o.token);
      // 409 means the ballot had committed but its answer was lost with the connection: recorded once.
      expect([201, 409]).toContain(res.status);
      if (res.status === 201) acknowledged.push(i);
    }
    // Every acknowledged ballot is in the box and the log, once; the log has no gap.
    const rows = await ctx.db.select().from(ballots).where(eq(ballots.voteId, id));
    const accepted = rows.filter((r) => r.status === 'accepted');
    expect(new Set(accepted.map((r) => r.party)).size).toBe(accepted.length);
    expect(accepted.length).toBeGreaterThanOrEqual(acknowledged.length);
    const log = await ctx.db.select({ seq: ledgerEntries.seq, type: ledgerEntries.type }).from(ledgerEntries).where(eq(ledgerEntries.voteId, id)).orderBy(ledgerEntries.seq);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
    // The setup, the seven owners' phone bindings listed at notice, then one entry per ballot.
    expect(log.map((e) => e.type).slice(0, 8)).toEqual(['setup', ...owners.map(() => 'credential')]);
    expect(log.filter((e) => e.type === 'ballot').length).toBe(rows.length);
    expect(log.length).toBe(rows.length + 1 + owners.length);
  });
});
