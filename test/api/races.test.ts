import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ballots, ledgerEntries, quietRejections } from '../../db/schema/index.ts';
import { LOGGED_REFUSALS_PER_PARTY } from '../../src/modules/votes/service.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');

async function openVote(ctx: TestContext, name: string) {
  const t = clock(ctx, '2026-03-01T10:00:00+08:00');
  const estate = await makeEstate(ctx, E10, name);
  const orgs = [await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] }), await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] })];
  const base = `/api/estates/${estate.id}/votes`;
  const id = (await ctx.call('POST', base, { token: orgs[0]!.token, body: { title: name, opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'm', category: '4' }] } })).body.id as string;
  await ctx.call('POST', `${base}/${id}/notice`, { token: orgs[0]!.token, body: { noticeDate: '2026-03-01' } });
  t.set('2026-03-20T10:00:00+08:00');
  return { estate, orgs, url: `${base}/${id}`, id };
}

async function log(ctx: TestContext, voteId: string) {
  return (await ctx.db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(asc(ledgerEntries.seq))).map((e) => ({ seq: e.seq, type: e.type, body: JSON.parse(e.body) as Record<string, unknown> }));
}

describeEachDb('races', (ctx) => {
  it('a ballot racing the close is either in the chain before `close`, or refused and absent', async () => {
    const s = await openVote(ctx(), 'race-close');
    const owners = await Promise.all(['A', 'B', 'C', 'E', 'F', 'G', 'H'].map((ref) => bindOwner(ctx(), s.estate.id, ref)));
    const cast = owners.map((o) => ctx().call('POST', `${s.url}/ballots`, { token: o.token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } }));
    const close = ctx().call('POST', `${s.url}/close`, { token: s.orgs[0]!.token, body: { reason: 'race' } });
    const [closed, ...answers] = await Promise.all([close, ...cast]);
    expect(closed.status).toBe(200);
    const entries = await log(ctx(), s.id);
    const closeSeq = entries.find((e) => e.type === 'close')!.seq;
    for (const a of answers) {
      if (a.status === 201) {
        // Acknowledged: in the chain, before the close.
        const seq = a.body.ballots[0].seq as number;
        expect(entries.find((e) => e.seq === seq)?.type).toBe('ballot');
        expect(seq).toBeLessThan(closeSeq);
      } else {
        expect(a.status).toBe(409);
        expect(a.body.error.messageZh).toContain('投票已经结束');
      }
    }
    // Nothing after the close but the tally; the tally counted exactly the acknowledged ballots.
    expect(entries.filter((e) => e.seq > closeSeq).map((e) => e.type)).toEqual(['tally']);
    const acknowledged = answers.filter((a) => a.status === 201).length;
    expect(entries.filter((e) => e.type === 'ballot')).toHaveLength(acknowledged);
    expect(closed.body.matters[0].result.participation.parties).toBe(acknowledged);
  });

  it('two organizers closing at once: one close, one tally, the other told it is closed', async () => {
    const s = await openVote(ctx(), 'double-close');
    const [a, b] = await Promise.all(s.orgs.map((o) => ctx().call('POST', `${s.url}/close`, { token: o.token, body: { reason: 'both at once' } })));
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.messageZh).toContain('已经结束');
    const entries = await log(ctx(), s.id);
    expect(entries.filter((e) => e.type === 'close')).toHaveLength(1);
    expect(entries.filter((e) => e.type === 'tally')).toHaveLength(1);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
  });

  it('simultaneous ballots for one party from its owner, its letter and its proxy: exactly one counts', async () => {
    const s = await openVote(ctx(), 'one-party');
    const owner = await bindOwner(ctx(), s.estate.id, 'C'); // co-owner of U4
    const coOwner = await bindOwner(ctx(), s.estate.id, 'D');
    const clerk = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'clerk' }] });
    const letter = (await ctx().call('POST', `${s.url}/letters`, { token: s.orgs[0]!.token, body: { parts: ['U4'] } })).body.letters[0];
    const proxy = (await ctx().call('POST', `${s.url}/proxies`, { token: clerk.token, body: { partId: 'U4', holderIdNumber: 'R123456', authorizationSha256: 'a'.repeat(64) } })).body;
    const letterToken = (await ctx().call('POST', '/api/auth/letter', { body: { code: letter.code } })).body.token;
    const proxyToken = (await ctx().call('POST', '/api/auth/letter', { body: { code: proxy.code } })).body.token;
    const tokens = [owner.token, coOwner.token, letterToken, proxyToken];
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => ctx().call('POST', `${s.url}/ballots`, { token: tokens[i % 4], body: { choices: [{ matter: 'm1', choice: i % 2 ? 'yes' : 'no' }], nonce: randomUUID() } })),
    );
    // The owner's own ballot revokes the proxy (owner_wins, the default): if the holder's ballot
    // came first, the owner's replaces it — one more 201, one superseded ballot, never two counted.
    const acknowledged = answers.filter((a) => a.status === 201);
    expect(acknowledged.length === 1 || acknowledged.length === 2).toBe(true);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(40 - acknowledged.length);
    const rows = await ctx().db.select().from(ballots).where(eq(ballots.voteId, s.id));
    expect(rows.filter((r) => r.status === 'accepted')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'superseded')).toHaveLength(acknowledged.length - 1);
    if (acknowledged.length === 2) expect(rows.find((r) => r.status === 'superseded')!.channel).toBe('proxy');
    expect(rows.filter((r) => r.status === 'rejected').every((r) => r.reason === 'party already voted' || r.reason === 'owner already voted')).toBe(true);
    const entries = await log(ctx(), s.id);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i));
    // The first refusals of the household are on the log; the rest are kept server-side.
    expect(entries.filter((e) => e.type === 'ballot')).toHaveLength(acknowledged.length);
    expect(entries.filter((e) => e.type === 'ballot_rejected')).toHaveLength(LOGGED_REFUSALS_PER_PARTY);
    expect(await ctx().db.select().from(quietRejections).where(eq(quietRejections.voteId, s.id))).toHaveLength(40 - acknowledged.length - LOGGED_REFUSALS_PER_PARTY);
  });
});
