import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { compactVerify } from 'jose';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { verifyConsistency } from '../../src/domain/ledger/merkle.ts';
import { fromBase64 } from '../../src/domain/ledger/hash.ts';
import { verifyReceipt } from '../../src/domain/ledger/proof-file.ts';
import { verifyExport } from '../../src/domain/ledger/verify.ts';
import { commitment } from '../../src/domain/ledger/commitment.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const hasJava = spawnSync('java', ['-version']).status === 0;
const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');

async function openVote(ctx: TestContext, name: string) {
  const t = clock(ctx, '2026-03-01T10:00:00+08:00');
  const estate = await makeEstate(ctx, E10, name);
  const org = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
  const auditor = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'auditor' }] });
  const owners: Record<string, { id: string; token: string }> = {};
  for (const ref of ['A', 'B', 'C', 'E', 'F', 'G', 'H']) owners[ref] = await bindOwner(ctx, estate.id, ref);
  const base = `/api/estates/${estate.id}/votes`;
  const created = await ctx.call('POST', base, { token: org.token, body: { title: 'ledger', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'renew', category: '4' }] } });
  const id = created.body.id as string;
  expect((await ctx.call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } })).status).toBe(200);
  t.set('2026-03-18T09:00:00+08:00');
  return { t, estate, org, auditor, owners, base, id, url: `${base}/${id}` };
}

const cast = (ctx: TestContext, url: string, token: string, choice: string) =>
  ctx.call('POST', `${url}/ballots`, { token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } });

describeEachDb('ballot ledger API', (ctx) => {
  it('gives an instant signed receipt, then an offline-verifiable proof of at most 2 KB', async () => {
    const v = await openVote(ctx(), 'receipts');
    const res = await cast(ctx(), v.url, v.owners.A!.token, 'yes');
    expect(res.status).toBe(201);
    const ballot = res.body.ballots[0];
    expect(ballot.tracker).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    // The promise is a JWS by the deployment key.
    const { payload } = await compactVerify(ballot.receipt, ctx().deps.keys.publicKey);
    expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ seq: ballot.seq, leaf: ballot.leaf, tracker: ballot.tracker });
    // Sealed: the owner alone gets the opening of the commitment.
    expect(ballot.opening.choice).toBe('yes');

    const byTracker = await ctx().call('GET', `${v.url}/ledger/proof?tracker=${ballot.tracker.toLowerCase()}`, { token: v.owners.A!.token });
    expect(byTracker.status).toBe(200);
    expect(byTracker.body.index).toBe(ballot.seq);
    expect(byTracker.body.bytes).toBeLessThanOrEqual(2048);
    const keys = (await ctx().call('GET', '/api/ledger/keys')).body.keys;
    const report = await verifyReceipt(byTracker.body.proof, keys);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entry!.commit).toBe(commitment(report.entry!.log as string, 'm1', report.entry!.party as string, 'yes', ballot.opening.salt));

    // Later checkpoints do not invalidate an earlier receipt; the log only grows (consistency).
    const first = byTracker.body.size;
    const b = await cast(ctx(), v.url, v.owners.B!.token, 'no');
    v.t.set('2026-03-18T09:01:00+08:00');
    const later = await ctx().call('GET', `${v.url}/ledger/proof?index=${b.body.ballots[0].seq}`, { token: v.owners.B!.token });
    expect(later.body.size).toBeGreaterThan(first);
    // A's receipt against the newer checkpoint verifies too.
    const aLater = await ctx().call('GET', `${v.url}/ledger/proof?index=${ballot.seq}&size=${later.body.size}`, { token: v.owners.A!.token });
    expect((await verifyReceipt(aLater.body.proof, keys)).ok).toBe(true);
    expect((await verifyReceipt(byTracker.body.proof, keys)).ok).toBe(true);
    const cons = await ctx().call('GET', `${v.url}/ledger/consistency?from=${first}`, { token: v.owners.A!.token });
    expect(cons.status).toBe(200);
    expect(verifyConsistency(cons.body.from, cons.body.to, fromBase64(cons.body.rootFrom), fromBase64(cons.body.rootTo), cons.body.proof.map(fromBase64))).toBe(true);
    const download = await ctx().app.request(`${v.url}/ledger/proof?index=${ballot.seq}&download=1`, { headers: { authorization: `Bearer ${v.owners.A!.token}` } });
    expect(download.headers.get('content-disposition')).toContain('.tlog-proof');
    expect((await download.text()).startsWith('c2sp.org/tlog-proof@v1\n')).toBe(true);

    const mine = await ctx().call('GET', `${v.url}/my-receipts`, { token: v.owners.A!.token });
    // Sealed stays sealed: the opening was given once, in the answer to the cast; no later route returns it.
    expect(mine.body.receipts).toEqual([expect.objectContaining({ seq: ballot.seq, tracker: ballot.tracker, opening: null, proof: expect.stringContaining('tlog-proof') })]);
    expect(JSON.stringify(mine.body)).not.toContain(ballot.opening.salt);
    expect((await ctx().call('GET', `${v.url}/my-receipts`, { token: v.owners.B!.token })).body.receipts[0].seq).not.toBe(ballot.seq);
  });

  it('exports a log that verifies (V0–V11) and keeps openings for auditors after close', async () => {
    const v = await openVote(ctx(), 'export');
    for (const [ref, choice] of [['A', 'yes'], ['B', 'yes'], ['C', 'no'], ['E', 'abstain'], ['F', 'yes'], ['G', 'yes']] as const) {
      expect((await cast(ctx(), v.url, v.owners[ref]!.token, choice)).status).toBe(201);
    }
    expect((await ctx().call('GET', `${v.url}/ledger/export/auditor`, { token: v.auditor.token })).status).toBe(409);
    expect((await ctx().call('POST', `${v.url}/close`, { token: v.org.token, body: { reason: 'test close' } })).status).toBe(200);
    expect((await ctx().call('GET', `${v.url}/ledger/export/auditor`, { token: v.org.token })).status).toBe(403);
    expect((await ctx().call('GET', `${v.url}/ledger/export/auditor`, { token: v.owners.A!.token })).status).toBe(403);
    const pub = await ctx().call('GET', `${v.url}/ledger/export`, { token: v.owners.H!.token });
    expect(pub.status).toBe(200);
    expect(Object.keys(pub.body.files)).not.toContain('openings.jsonl');
    const aud = await ctx().call('GET', `${v.url}/ledger/export/auditor`, { token: v.auditor.token });
    expect(aud.status).toBe(200);
    const enc = new TextEncoder();
    const files = new Map<string, Uint8Array>(Object.entries(aud.body.files as Record<string, string>).map(([k, t]) => [k, enc.encode(t)]));
    const report = await verifyExport(files, { openings: files.get('openings.jsonl') });
    expect(report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.details.join(' ')}`)).toEqual([]);
    expect(report.steps.find((s) => s.id === 'V11')!.skipped).toBeFalsy();
    expect(JSON.stringify(aud.body)).not.toMatch(/owner [A-H]|"name"/);
    // A single changed byte is caught.
    const entries = aud.body.files['entries.jsonl'] as string;
    files.set('entries.jsonl', enc.encode(entries.replace('"heads":1', '"heads":2')));
    const bad = await verifyExport(files, { openings: files.get('openings.jsonl') });
    expect(bad.ok).toBe(false);
    expect(bad.steps.filter((s) => !s.ok).map((s) => s.id)).toEqual(expect.arrayContaining(['V0', 'V4', 'V8']));
  });

  it('records service (送达) and applies the non-voter rule only to served parties; the log recounts it (T5 shape)', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), E10, 'deemed');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const clerk = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'clerk' }] });
    const auditor = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'auditor' }] });
    expect((await ctx().call('PATCH', `/api/estates/${estate.id}/rules`, { token: org.token, body: { nonVoters: 'deemed_majority', secrecy: 'open' } })).status).toBe(200);
    const owners: Record<string, { token: string }> = {};
    for (const ref of ['A', 'B', 'C', 'E', 'F']) owners[ref] = await bindOwner(ctx(), estate.id, ref);
    const base = `/api/estates/${estate.id}/votes`;
    const id = (await ctx().call('POST', base, { token: org.token, body: { title: 'deemed', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'renew', category: '4' }] } })).body.id;
    expect((await ctx().call('POST', `${base}/${id}/service`, { token: clerk.token, body: { partId: 'U9', channel: 'hand', servedAt: '2026-03-02T10:00:00+08:00' } })).status).toBe(409); // before notice
    await ctx().call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
    t.set('2026-03-05T10:00:00+08:00');
    for (const part of ['U9', 'U10']) {
      const res = await ctx().call('POST', `${base}/${id}/service`, { token: clerk.token, body: { partId: part, channel: 'mail', servedAt: '2026-03-04T10:00:00+08:00', proofSha256: 'a'.repeat(64) } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    expect((await ctx().call('POST', `${base}/${id}/service`, { token: clerk.token, body: { partId: 'X99', channel: 'mail', servedAt: '2026-03-04T10:00:00+08:00' } })).body.error.details[0].field).toBe('partId');
    expect((await ctx().call('POST', `${base}/${id}/service`, { token: clerk.token, body: { partId: 'U1', channel: 'pigeon', servedAt: '2026-03-04T10:00:00+08:00' } })).status).toBe(400);
    expect((await ctx().call('POST', `${base}/${id}/service`, { token: owners.A!.token, body: { partId: 'U1', channel: 'hand', servedAt: '2026-03-04T10:00:00+08:00' } })).status).toBe(403);
    expect((await ctx().call('GET', `${base}/${id}/service`, { token: org.token })).body).toMatchObject({ served: 2, parties: 8 });
    t.set('2026-03-18T09:00:00+08:00');
    for (const [ref, choice] of [['A', 'yes'], ['B', 'yes'], ['C', 'no'], ['E', 'abstain'], ['F', 'yes']] as const) {
      expect((await cast(ctx(), `${base}/${id}`, owners[ref]!.token, choice)).status).toBe(201);
    }
    const closed = await ctx().call('POST', `${base}/${id}/close`, { token: org.token, body: { reason: 'test' } });
    const r = closed.body.matters[0].result;
    // Strict: 5 parties took part, fewer than 2/3 of 8 → not decided. Deemed: G and H (served) follow the yes majority.
    expect(r).toMatchObject({ quorum: false, outcome: 'not_decided', participation: { parties: 5, area: '520.00' } });
    expect(r.deemed).toMatchObject({ applicable: true, outcome: 'passed', participation: { parties: 7, area: '695.00' }, yes: { parties: 5, area: '515.00' } });
    const aud = await ctx().call('GET', `${base}/${id}/ledger/export/auditor`, { token: auditor.token });
    const enc = new TextEncoder();
    const files = new Map<string, Uint8Array>(Object.entries(aud.body.files as Record<string, string>).map(([k, v]) => [k, enc.encode(v)]));
    expect((aud.body.files['entries.jsonl'] as string)).toContain('"served":["p7","p8"]');
    const report = await verifyExport(files);
    expect(report.steps.filter((st) => !st.ok).map((st) => `${st.id}: ${st.details.join(' ')}`)).toEqual([]);
    // The independent verifier (written from docs/ledger.md) recounts the deemed result the same way.
    if (hasJava) {
      const dir = mkdtempSync(path.join(tmpdir(), 'linli-deemed-'));
      for (const [name, text] of Object.entries(aud.body.files as Record<string, string>)) {
        mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        writeFileSync(path.join(dir, name), text);
      }
      const java = spawnSync('java', [path.resolve(import.meta.dirname, '../independent/Verifier.java'), dir], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      expect(java.status, java.stdout + java.stderr).toBe(0);
    }
  });

  it('refuses UPDATE and DELETE on checkpoints like on the log', async () => {
    const v = await openVote(ctx(), 'cp-append-only');
    const refusal = async (q: Promise<unknown>) => {
      const err = await q.then(() => null, (e: Error & { cause?: Error }) => e);
      return `${err?.message ?? ''} ${err?.cause?.message ?? ''}`;
    };
    expect(await refusal(ctx().db.execute(sql`update checkpoints set root = 'x' where vote_id = ${v.id}`))).toMatch(/append-only/);
    expect(await refusal(ctx().db.execute(sql`delete from checkpoints where vote_id = ${v.id}`))).toMatch(/append-only/);
  });

  it('validates proof queries and keeps strangers out', async () => {
    const v = await openVote(ctx(), 'proof-input');
    await cast(ctx(), v.url, v.owners.A!.token, 'yes');
    expect((await ctx().call('GET', `${v.url}/ledger/proof`, { token: v.owners.A!.token })).body.error.details[0].field).toBe('index');
    expect((await ctx().call('GET', `${v.url}/ledger/proof?tracker=AAAA-AAAA-AAAA-AAAA`, { token: v.owners.A!.token })).status).toBe(404);
    expect((await ctx().call('GET', `${v.url}/ledger/proof?index=-1`, { token: v.owners.A!.token })).status).toBe(400);
    expect((await ctx().call('GET', `${v.url}/ledger/proof?index=999`, { token: v.owners.A!.token })).status).toBe(409);
    const other = await makeEstate(ctx(), undefined, 'elsewhere');
    const stranger = await makeUser(ctx(), { roles: [{ estateId: other.id, role: 'owner' }] });
    expect((await ctx().call('GET', `${v.url}/ledger/export`, { token: stranger.token })).status).toBe(403);
    expect((await ctx().call('GET', `${v.url}/ledger/checkpoint`)).status).toBe(401);
  });
});
