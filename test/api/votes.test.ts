import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ballots, ledgerEntries, quietRejections } from '../../db/schema/index.ts';
import { leafHash, toBase64 } from '../../src/domain/ledger/hash.ts';
import { isCanonical } from '../../src/domain/ledger/jcs.ts';
import { LOGGED_REFUSALS_PER_PARTY, closeVote, dueForClose } from '../../src/modules/votes/service.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { PAINT_MATTER, bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const NOTICE = '2026-03-01';
const OPENS = '2026-03-17T00:00:00+08:00';
const CLOSES = '2026-03-31T00:00:00+08:00';

async function setup(ctx: TestContext, name: string) {
  const estate = await makeEstate(ctx, E10, name);
  const org = await makeUser(ctx, { name: 'organizer', roles: [{ estateId: estate.id, role: 'organizer' }] });
  const owners: Record<string, { id: string; token: string }> = {};
  for (const ref of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) owners[ref] = await bindOwner(ctx, estate.id, ref);
  const base = `/api/estates/${estate.id}/votes`;
  return { estate, org, owners, base };
}

async function createNoticed(ctx: TestContext, s: Awaited<ReturnType<typeof setup>>, matters: unknown[] = [{ title: '续聘物业公司 Renew the property company', category: '4' }]) {
  const created = await ctx.call('POST', s.base, { token: s.org.token, body: { title: '2026年第一次业主大会', opensAt: OPENS, closesAt: CLOSES, matters } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id;
  const notice = await ctx.call('POST', `${s.base}/${id}/notice`, { token: s.org.token, body: { noticeDate: NOTICE } });
  expect(notice.status, JSON.stringify(notice.body)).toBe(200);
  return id as string;
}

const vote = (ctx: TestContext, s: { base: string }, id: string, token: string, choices: [string, string][]) =>
  ctx.call('POST', `${s.base}/${id}/ballots`, { token, body: { choices: choices.map(([matter, choice]) => ({ matter, choice })), nonce: randomUUID() } });

describeEachDb('owners’ assembly votes', (ctx) => {
  it('refuses an opening before the notice period allows, and matters added after the notice (T12)', async () => {
    clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'T12');
    const early = await ctx().call('POST', s.base, { token: s.org.token, body: { title: 'too early', opensAt: '2026-03-16T09:00:00+08:00', closesAt: CLOSES, matters: [{ title: 'x', category: '4' }] } });
    expect(early.status).toBe(201);
    const refused = await ctx().call('POST', `${s.base}/${early.body.id}/notice`, { token: s.org.token, body: { noticeDate: NOTICE } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('2026-03-17');
    expect(refused.body.error.messageZh).toContain('公告当日不计');
    const id = await createNoticed(ctx(), s);
    const late = await ctx().call('POST', `${s.base}/${id}/matters`, { token: s.org.token, body: { title: 'unannounced', category: '4' } });
    expect(late.status).toBe(409);
    expect(late.body.error.messageZh).toContain('已公告');
  });

  it('runs a whole vote: ballots chained in one transaction, turnout without yes/no, close, legal verdict (T3)', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'T3');
    const id = await createNoticed(ctx(), s, [{ title: '外墙翻新 Renovate the façade', category: '7' }, PAINT_MATTER]);
    const view = await ctx().call('GET', `${s.base}/${id}`, { token: s.owners.A!.token });
    expect(view.body.phase).toBe('noticed');
    expect(view.body.matters[0].threshold.zh).toContain('四分之三');
    expect(view.body.matters[1].options.map((o: any) => o.colorHex)).toEqual(['#D8C3A5', '#BFC5C9', '#A4493D']);
    expect(view.body.electorate).toMatchObject({ parties: 8, area: '900.00' });

    // Before the window opens.
    expect((await vote(ctx(), s, id, s.owners.A!.token, [['m1', 'yes']])).status).toBe(409);
    t.set('2026-03-20T09:00:00+08:00');
    for (const ref of ['A', 'B', 'C', 'E', 'F', 'G']) {
      const res = await vote(ctx(), s, id, s.owners[ref]!.token, [['m1', 'yes'], ['m2', 'A']]);
      expect(res.status, `${ref}: ${JSON.stringify(res.body)}`).toBe(201);
    }
    expect((await vote(ctx(), s, id, s.owners.H!.token, [['m1', 'no'], ['m2', 'B']])).status).toBe(201);

    // D co-owns U4 with C: their party has voted already; the ballot is recorded as rejected.
    const twice = await vote(ctx(), s, id, s.owners.D!.token, [['m1', 'no'], ['m2', 'C']]);
    expect(twice.status).toBe(409);
    expect(twice.body.error.messageZh).toContain('已经投过票');

    const turnout = await ctx().call('GET', `${s.base}/${id}/turnout`, { token: s.owners.H!.token });
    expect(turnout.body.total).toEqual({ parties: 8, areaCents: 90000 });
    expect(turnout.body.matters[0]).toMatchObject({ matter: 'm1', parties: 7, areaCents: 69500 });
    expect(JSON.stringify(turnout.body)).not.toMatch(/"yes"|"no"/);
    expect((await ctx().call('GET', `${s.base}/${id}/result`, { token: s.org.token })).status).toBe(409);

    // Only owners in the electorate vote.
    const resident = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'resident' }] });
    expect((await vote(ctx(), s, id, resident.token, [['m1', 'yes']])).status).toBe(403);
    const ownerNotBound = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'owner' }] });
    expect((await vote(ctx(), s, id, ownerNotBound.token, [['m1', 'yes']])).status).toBe(403);

    const closed = await ctx().call('POST', `${s.base}/${id}/close`, { token: s.org.token, body: { reason: '业委会决定提前结束 (test)' } });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const [m1, m2] = closed.body.matters;
    expect(m1.result).toMatchObject({ quorum: true, outcome: 'passed', participation: { parties: 7, area: '695.00' }, yes: { parties: 6, area: '605.00' } });
    expect(m1.verdict.zh).toBe('通过：参与表决专有部分面积与人数均达四分之三（民法典第278条，第七项）');
    expect(m2.result.adopted).toBe('A');
    expect(closed.body.participants).toHaveLength(7);
    expect(JSON.stringify(closed.body.participants)).not.toMatch(/owner [A-H]/);
    expect((await vote(ctx(), s, id, s.owners.H!.token, [['m1', 'yes']])).status).toBe(409);

    // Objection period, then the final result.
    expect((await ctx().call('POST', `${s.base}/${id}/finalize`, { token: s.org.token })).status).toBe(409);
    t.set('2026-04-01T09:00:00+08:00');
    const final = await ctx().call('POST', `${s.base}/${id}/finalize`, { token: s.org.token });
    expect(final.status).toBe(200);
    expect(final.body.status).toBe('final');

    // The log: setup, the 8 owner accounts' credentials (listed with the notice: C and D, co-owners
    // of U4, each hold one), 7 × 2 ballots, 2 rejected, close, tally, publication — contiguous and chained.
    const log = await ctx().db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, id)).orderBy(ledgerEntries.seq);
    expect(log.map((e) => e.type)).toEqual(['setup', ...Array(8).fill('credential'), ...Array(14).fill('ballot'), 'ballot_rejected', 'ballot_rejected', 'close', 'tally', 'publication']);
    const listed = log.filter((e) => e.type === 'credential').map((e) => JSON.parse(e.body));
    expect(listed.every((c) => c.kind === 'phone_binding' && /^p\d+$/.test(c.party) && c.issuer === 'unknown')).toBe(true);
    // Every ballot names the credential of its own party that it was cast with.
    const bySeq = new Map(log.map((e) => [e.seq, JSON.parse(e.body)]));
    for (const b of log.filter((e) => e.type === 'ballot').map((e) => JSON.parse(e.body))) expect(bySeq.get(b.credential)).toMatchObject({ type: 'credential', party: b.party });
    let prev = '';
    for (const [i, e] of log.entries()) {
      expect(e.seq).toBe(i);
      expect(isCanonical(e.body)).toBe(true);
      const parsed = JSON.parse(e.body);
      expect(parsed.prev).toBe(prev);
      expect(e.leaf).toBe(toBase64(leafHash(e.body)));
      prev = e.leaf;
    }
    // Sealed by default: ballots carry commitments, not choices.
    const first = JSON.parse(log[9]!.body);
    expect(first).toMatchObject({ type: 'ballot', weights: { heads: 1 }, channel: 'online' });
    expect(first.commit).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(first.choice).toBeUndefined();
  });

  it('records an unknown option as a rejected ballot and accepts a corrected one', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'options');
    const id = await createNoticed(ctx(), s, [PAINT_MATTER]);
    t.set('2026-03-18T09:00:00+08:00');
    const bad = await vote(ctx(), s, id, s.owners.A!.token, [['m1', 'Z']]);
    expect(bad.status).toBe(409);
    expect(bad.body.error.details[0]).toMatchObject({ field: 'choices.m1', message: 'choice not allowed' });
    expect((await vote(ctx(), s, id, s.owners.A!.token, [['m1', 'C']])).status).toBe(201);
    const unknownMatter = await vote(ctx(), s, id, s.owners.B!.token, [['m9', 'A']]);
    expect(unknownMatter.status).toBe(400);
    const rows = await ctx().db.select().from(ballots).where(eq(ballots.voteId, id)).orderBy(ballots.seq);
    expect(rows.map((r) => [r.status, r.reason])).toEqual([['rejected', 'choice not allowed'], ['accepted', null]]);
  });

  it('accepts exactly one of 50 simultaneous ballots from the co-owners of one part, with no gap in the log', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'race');
    const id = await createNoticed(ctx(), s);
    t.set('2026-03-18T09:00:00+08:00');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => vote(ctx(), s, id, (i % 2 ? s.owners.C : s.owners.D)!.token, [['m1', i % 3 ? 'yes' : 'no']])),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(49);
    const rows = await ctx().db.select().from(ballots).where(eq(ballots.voteId, id));
    expect(rows.filter((r) => r.status === 'accepted')).toHaveLength(1);
    // The first three refusals of the household go on the public log; the other 46 are kept
    // server-side (a script hammering one household cannot flood the log).
    expect(rows).toHaveLength(1 + LOGGED_REFUSALS_PER_PARTY);
    expect(await ctx().db.select().from(quietRejections).where(eq(quietRejections.voteId, id))).toHaveLength(49 - LOGGED_REFUSALS_PER_PARTY);
    const seqs = (await ctx().db.select({ seq: ledgerEntries.seq }).from(ledgerEntries).where(eq(ledgerEntries.voteId, id))).map((r) => r.seq).sort((a, b) => a - b);
    // setup, 8 credentials, the ballot, 3 refusals: no gap.
    expect(seqs).toEqual(Array.from({ length: 1 + 8 + 1 + LOGGED_REFUSALS_PER_PARTY }, (_, i) => i));
  });

  it('closes on schedule at the window’s end and reports "not decided" without quorum (T4 shape)', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'schedule');
    const id = await createNoticed(ctx(), s);
    t.set('2026-03-18T09:00:00+08:00');
    for (const ref of ['A', 'C', 'E', 'F', 'G', 'H']) expect((await vote(ctx(), s, id, s.owners[ref]!.token, [['m1', 'yes']])).status).toBe(201);
    t.set('2026-03-31T00:00:01+08:00');
    expect((await vote(ctx(), s, id, s.owners.B!.token, [['m1', 'yes']])).status).toBe(409);
    const due = await dueForClose(ctx().db, t.now);
    expect(due.map((d) => d.id)).toContain(id);
    await closeVote(ctx().db, s.estate.id, id, { reason: 'window ended', manual: false, userId: null, now: t.now });
    const again = await closeVote(ctx().db, s.estate.id, id, { reason: 'window ended', manual: false, userId: null, now: t.now });
    expect(again.alreadyClosed).toBe(true);
    const result = await ctx().call('GET', `${s.base}/${id}/result`, { token: s.owners.A!.token });
    expect(result.body.matters[0].result).toMatchObject({ quorum: false, outcome: 'not_decided', participation: { parties: 6, area: '505.00' } });
    expect(result.body.matters[0].verdict.zh).toContain('未形成决定');
  });

  it('freezes a building-scoped electorate and refuses owners outside the scope', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'scope');
    const created = await ctx().call('POST', s.base, { token: s.org.token, body: { title: '1栋电梯 Lift for building 1', scope: { building: '1' }, opensAt: OPENS, closesAt: CLOSES, matters: [{ title: '加装电梯', category: '7' }] } });
    const id = created.body.id;
    expect((await ctx().call('POST', `${s.base}/${id}/notice`, { token: s.org.token, body: { noticeDate: NOTICE } })).status).toBe(200);
    const electorate = await ctx().call('GET', `${s.base}/${id}/electorate`, { token: s.owners.E!.token });
    expect(electorate.body).toMatchObject({ parties: 3, area: '390.00' });
    expect(electorate.body.roster.flatMap((p: any) => p.parts.map((x: any) => x.partId)).sort()).toEqual(['U1', 'U2', 'U3', 'U4']);
    expect(JSON.stringify(electorate.body)).not.toMatch(/"[A-H]"|owner/);
    t.set('2026-03-18T09:00:00+08:00');
    const outside = await vote(ctx(), s, id, s.owners.E!.token, [['m1', 'yes']]);
    expect(outside.status).toBe(403);
    expect((await vote(ctx(), s, id, s.owners.B!.token, [['m1', 'yes']])).status).toBe(201);
    const turnout = await ctx().call('GET', `${s.base}/${id}/turnout`, { token: s.org.token });
    expect(turnout.body.matters[0]).toMatchObject({ parties: 1, areaCents: 19000 });
  });

  it('under "last ballot counts" a later ballot supersedes the earlier one, and a replayed submission is refused', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'last counts');
    expect((await ctx().call('PATCH', `/api/estates/${s.estate.id}/rules`, { token: s.org.token, body: { revision: 'last_counts', secrecy: 'open' } })).status).toBe(200);
    const id = await createNoticed(ctx(), s);
    t.set('2026-03-18T09:00:00+08:00');
    const send = (nonce: string, choice: string) => ctx().call('POST', `${s.base}/${id}/ballots`, { token: s.owners.A!.token, body: { choices: [{ matter: 'm1', choice }], nonce } });
    expect((await send('nonce-first-1', 'yes')).status).toBe(201);
    expect((await send('nonce-second-2', 'no')).status).toBe(201);
    const replay = await send('nonce-first-1', 'yes');
    expect(replay.status).toBe(409);
    expect(replay.body.error.details[0].message).toBe('replayed submission');
    const log = await ctx().db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, id)).orderBy(ledgerEntries.seq);
    expect(log.map((e) => e.type)).toEqual(['setup', ...Array(8).fill('credential'), 'ballot', 'ballot_superseded', 'ballot', 'ballot_rejected']);
    expect(JSON.parse(log[11]!.body).choice).toBe('no');
    const closed = await ctx().call('POST', `${s.base}/${id}/close`, { token: s.org.token, body: { reason: 'test' } });
    expect(closed.body.matters[0].result).toMatchObject({ participation: { parties: 1, area: '80.00' }, yes: { parties: 0 }, no: { parties: 1, area: '80.00' } });
  });

  it('refuses UPDATE and DELETE on the ledger at the database', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'append-only');
    const id = await createNoticed(ctx(), s);
    t.set('2026-03-18T09:00:00+08:00');
    await vote(ctx(), s, id, s.owners.A!.token, [['m1', 'yes']]);
    const refusal = async (q: Promise<unknown>) => {
      const err = await q.then(() => null, (e: Error & { cause?: Error }) => e);
      return `${err?.message ?? ''} ${err?.cause?.message ?? ''}`;
    };
    expect(await refusal(ctx().db.execute(sql`update ledger_entries set body = '{}' where vote_id = ${id}`))).toMatch(/append-only: UPDATE refused/);
    expect(await refusal(ctx().db.execute(sql`delete from ledger_entries where vote_id = ${id}`))).toMatch(/append-only: DELETE refused/);
    expect(await refusal(ctx().db.execute(sql`truncate ledger_entries`))).toMatch(/append-only: TRUNCATE refused/);
    const count = await ctx().db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, id));
    expect(count).toHaveLength(1 + 8 + 1);
  });

  it('validates vote input naming the field', async () => {
    clock(ctx(), '2026-03-01T10:00:00+08:00');
    const s = await setup(ctx(), 'bad input');
    const cases: [unknown, string][] = [
      [{ title: '', opensAt: OPENS, closesAt: CLOSES }, 'title'],
      [{ title: 'x', opensAt: 'tomorrow', closesAt: CLOSES }, 'opensAt'],
      [{ title: 'x', opensAt: OPENS, closesAt: '2026-03-18T00:00:00+08:00' }, 'closesAt'],
      [{ title: 'x', opensAt: OPENS, closesAt: CLOSES, matters: [{ title: 'm', category: '10' }] }, 'matters.0.category'],
      [{ title: 'x', opensAt: OPENS, closesAt: CLOSES, matters: [{ title: 'm', category: '7', kind: 'options', options: [{ name: 'one' }] }] }, 'matters.0.options'],
      [{ title: 'x', opensAt: OPENS, closesAt: CLOSES, matters: [{ ...PAINT_MATTER, options: [{ name: 'a', colorHex: 'red' }, { name: 'b' }] }] }, 'matters.0.options.0.colorHex'],
      [{ title: 'x', opensAt: OPENS, closesAt: CLOSES, scope: { building: '99' } }, 'scope.building'],
    ];
    for (const [body, field] of cases) {
      const res = await ctx().call('POST', s.base, { token: s.org.token, body });
      expect(res.status, field).toBe(400);
      expect(res.body.error.details.map((d: any) => d.field), field).toContain(field);
    }
    const list = await ctx().call('GET', s.base, { token: s.org.token });
    expect(list.body.votes).toEqual([]);
    expect((await ctx().call('POST', s.base, { token: s.owners.A!.token, body: { title: 'x', opensAt: OPENS, closesAt: CLOSES } })).status).toBe(403);
  });
});
