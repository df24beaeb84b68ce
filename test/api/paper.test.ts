import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ballots, ledgerEntries } from '../../db/schema/index.ts';
import { verifyExport } from '../../src/domain/ledger/verify.ts';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';
import { staffRef } from '../../src/modules/credentials/refs.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const SCAN = (n: number) => n.toString(16).padStart(64, '0');

describeEachDb('paper ballots (two-person entry)', (ctx) => {
  it('counts a paper ballot when two clerks agree, flags a mismatch, and lets the first valid ballot win across channels (T9)', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), E10, 'paper');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const clerkA = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'clerk' }] });
    const clerkB = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'clerk' }] });
    const auditor = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'auditor' }] });
    const ownerB = await bindOwner(ctx(), estate.id, 'B');
    const base = `/api/estates/${estate.id}/votes`;
    const id = (await ctx().call('POST', base, { token: org.token, body: { title: 'mixed', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'renew', category: '4' }] } })).body.id;
    await ctx().call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
    // A paper ballot is the household's printed letter: one is refused before the letters exist.
    t.set('2026-03-18T10:00:00+08:00');
    const early = await ctx().call('POST', `${base}/${id}/paper`, { token: clerkA.token, body: { partId: 'U1', choices: [{ matter: 'm1', choice: 'yes' }], scanSha256: SCAN(1), receivedAt: '2026-03-18T09:00:00+08:00' } });
    expect(early.status).toBe(409);
    expect(early.body.error.details[0].field).toBe('partId');
    expect((await ctx().call('POST', `${base}/${id}/letters`, { token: org.token, body: {} })).status).toBe(201);
    t.set('2026-03-20T10:00:00+08:00');
    const paper = (token: string, partId: string, choice: string, scan: number, receivedAt = '2026-03-19T16:00:00+08:00') =>
      ctx().call('POST', `${base}/${id}/paper`, { token, body: { partId, choices: [{ matter: 'm1', choice }], scanSha256: SCAN(scan), receivedAt } });

    // B votes online first (T9: "B votes yes online, later a paper 'no' for U3").
    expect((await ctx().call('POST', `${base}/${id}/ballots`, { token: ownerB.token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } })).status).toBe(201);

    // A's letter: the first entry waits, the same clerk cannot enter it twice, the second clerk agrees.
    expect((await paper(clerkA.token, 'U1', 'yes', 1)).status).toBe(202);
    expect((await paper(clerkA.token, 'U1', 'yes', 1)).status).toBe(409);
    const agreed = await paper(clerkB.token, 'U1', 'yes', 1);
    expect(agreed.status, JSON.stringify(agreed.body)).toBe(201);
    expect(agreed.body.status).toBe('recorded');

    // E's letter: the clerks read it differently — flagged, nothing counted — then enter it again.
    expect((await paper(clerkA.token, 'U5', 'yes', 5)).status).toBe(202);
    const mismatch = await paper(clerkB.token, 'U5', 'no', 5);
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error.messageZh).toContain('不一致');
    // It says where the two differ: the answer to m1, and nothing else.
    expect(mismatch.body.error.details.map((d: { field: string }) => d.field)).toEqual(['entry', 'entry.m1']);
    // Another letter read differently in its scan and time received: both named.
    expect((await paper(clerkA.token, 'U6', 'yes', 6)).status).toBe(202);
    const twoWays = await paper(clerkB.token, 'U6', 'yes', 7, '2026-03-19T17:00:00+08:00');
    expect(twoWays.status).toBe(409);
    expect(twoWays.body.error.details.map((d: { field: string }) => d.field)).toEqual(['entry', 'entry.scanSha256', 'entry.receivedAt']);
    expect((await ctx().db.select().from(ballots).where(eq(ballots.voteId, id))).filter((b) => b.channel === 'paper')).toHaveLength(1);
    expect((await paper(clerkB.token, 'U5', 'no', 5, '2026-03-19T16:00:40+08:00')).status).toBe(202);
    expect((await paper(clerkA.token, 'U5', 'no', 5, '2026-03-19T16:00:00+08:00')).status).toBe(201);

    // T9: a paper "no" for U3 (B's second flat) after B's online ballot is refused and recorded.
    expect((await paper(clerkA.token, 'U3', 'no', 3)).status).toBe(202);
    const late = await paper(clerkB.token, 'U3', 'no', 3);
    expect(late.status).toBe(409);
    expect(late.body.error.messageZh).toContain('第一张有效选票');

    const queue = await ctx().call('GET', `${base}/${id}/paper`, { token: org.token });
    expect(queue.body.entries.map((e: any) => e.status).sort()).toEqual(['matched', 'matched', 'matched', 'matched', 'matched', 'matched', 'mismatch', 'mismatch', 'mismatch', 'mismatch']);

    const log = await ctx().db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, id)).orderBy(ledgerEntries.seq);
    const paperEntry = JSON.parse(log.find((e) => e.type === 'paper_ballot')!.body);
    expect(paperEntry).toMatchObject({ channel: 'paper', scan_sha256: SCAN(1), received_at: '2026-03-19T08:00:00.000Z' });
    // The time received is compared and logged to the minute: a clerk who types 16:00:40 agrees with one who types 16:00.
    // The clerks appear by their pseudonymous staff ids, each with the seq of their credential on the log.
    expect([...paperEntry.clerks].sort()).toEqual([staffRef(ctx().deps.keys, estate.id, clerkA.id), staffRef(ctx().deps.keys, estate.id, clerkB.id)].sort());
    expect(JSON.stringify(log.map((e) => e.body))).not.toContain(clerkA.id);
    const bySeq = new Map(log.map((e) => [e.seq, JSON.parse(e.body)]));
    paperEntry.clerk_credentials.forEach((seq: number, i: number) => expect(bySeq.get(seq)).toMatchObject({ type: 'credential', kind: 'clerk', holder: paperEntry.clerks[i] }));
    expect(bySeq.get(paperEntry.credential)).toMatchObject({ type: 'credential', kind: 'letter', party: paperEntry.party });
    expect(log.filter((e) => e.type === 'ballot_rejected').map((e) => JSON.parse(e.body))).toEqual([expect.objectContaining({ channel: 'paper', reason: 'party already voted' })]);

    const closed = await ctx().call('POST', `${base}/${id}/close`, { token: org.token, body: { reason: 'test' } });
    // B counts once (yes, 190), A yes on paper (80), E no on paper (60).
    expect(closed.body.matters[0].result).toMatchObject({ participation: { parties: 3, area: '330.00' }, yes: { parties: 2, area: '270.00' }, no: { parties: 1, area: '60.00' } });
    expect(closed.body.participants.map((p: any) => p.channel).sort()).toEqual(['online', 'paper', 'paper']);
    const aud = await ctx().call('GET', `${base}/${id}/ledger/export/auditor`, { token: auditor.token });
    const enc = new TextEncoder();
    const files = new Map<string, Uint8Array>(Object.entries(aud.body.files as Record<string, string>).map(([k, v]) => [k, enc.encode(v)]));
    const report = await verifyExport(files, { openings: files.get('openings.jsonl') });
    expect(report.steps.filter((st) => !st.ok).map((st) => `${st.id}: ${st.details.join(' ')}`)).toEqual([]);
  });

  it('lets only clerks enter paper ballots and names bad input', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), E10, 'paper-input');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const clerk = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'clerk' }] });
    const owner = await bindOwner(ctx(), estate.id, 'A');
    const base = `/api/estates/${estate.id}/votes`;
    const id = (await ctx().call('POST', base, { token: org.token, body: { title: 'p', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'renew', category: '4' }] } })).body.id;
    await ctx().call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
    const body = { partId: 'U1', choices: [{ matter: 'm1', choice: 'yes' }], scanSha256: SCAN(9), receivedAt: '2026-03-19T16:00:00+08:00' };
    expect((await ctx().call('POST', `${base}/${id}/paper`, { token: clerk.token, body })).status).toBe(409); // not open yet
    t.set('2026-03-20T10:00:00+08:00');
    expect((await ctx().call('POST', `${base}/${id}/paper`, { token: org.token, body })).status).toBe(403);
    expect((await ctx().call('POST', `${base}/${id}/paper`, { token: owner.token, body })).status).toBe(403);
    for (const [bad, field] of [
      [{ ...body, partId: 'X1' }, 'partId'],
      [{ ...body, scanSha256: 'abc' }, 'scanSha256'],
      [{ ...body, receivedAt: '2026-03-25T10:00:00+08:00' }, 'receivedAt'],
      [{ ...body, choices: [{ matter: 'm7', choice: 'yes' }] }, 'choices'],
    ] as const) {
      const res = await ctx().call('POST', `${base}/${id}/paper`, { token: clerk.token, body: bad });
      expect(res.status, field).toBe(400);
      expect(res.body.error.details.map((d: any) => d.field), field).toContain(field);
    }
  });
});
