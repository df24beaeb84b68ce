/**
 * Nobody votes in an owner's name unseen (rules.md §7, docs/ledger.md §4.5): every credential that
 * can cast a household's ballot is on the vote's log, ballots name theirs, the rules refuse the
 * insider's shortcuts (reissue after voting, invites for bound people, self-appointed clerks,
 * proxies after the owner), owners see their household's participation and can object, they are
 * told of every credential and ballot, and sealed choices stay sealed. Each rule with its attack.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ledgerEntries, notifications, voteCredentials } from '../../db/schema/index.ts';
import { verifyExport, type VerifyReport } from '../../src/domain/ledger/verify.ts';
import { staffRef } from '../../src/modules/credentials/refs.ts';
import { dispatchOwnerAlerts } from '../../src/modules/notifications/owner-alerts.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const SCAN = (n: number) => n.toString(16).padStart(64, '0');
const OPEN = '2026-03-17T00:00:00+08:00';
const CLOSE = '2026-03-31T00:00:00+08:00';

/** E10 with a phone number for every registered owner: A → 13800000000, B → 13800000010, … */
function e10WithPhones(): string {
  const lines = E10.trim().split('\n');
  const out = [`${lines[0]},owner_phones`];
  for (const [i, line] of lines.slice(1).entries()) {
    const owners = line.split(',').at(-1)!;
    const phones = owners ? owners.split(';').map((_, j) => `1380000${String(i * 10 + j).padStart(4, '0')}`).join(';') : '';
    out.push(`${line},${phones}`);
  }
  return `${out.join('\n')}\n`;
}

type Entry = Record<string, any> & { seq: number; type: string };

async function logOf(ctx: TestContext, voteId: string): Promise<Entry[]> {
  const rows = await ctx.db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(asc(ledgerEntries.seq));
  return rows.map((r) => JSON.parse(r.body));
}

async function verify(ctx: TestContext, url: string, token: string, opts: { auditor?: boolean } = {}): Promise<VerifyReport & { files: Map<string, Uint8Array> }> {
  const res = await ctx.call('GET', `${url}/ledger/export${opts.auditor ? '/auditor' : ''}`, { token });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array>(Object.entries(res.body.files as Record<string, string>).map(([k, v]) => [k, enc.encode(v)]));
  return { ...(await verifyExport(files, { openings: files.get('openings.jsonl') })), files };
}

const failures = (r: VerifyReport) => r.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.details.join(' ')}`);

async function setup(ctx: TestContext, name: string, opts: { csv?: string; rules?: Record<string, unknown>; before?: (estateId: string) => Promise<void> } = {}) {
  const t = clock(ctx, '2026-03-01T10:00:00+08:00');
  const estate = await makeEstate(ctx, opts.csv ?? E10, name);
  const role = (r: 'organizer' | 'clerk' | 'auditor', label: string = r) => makeUser(ctx, { name: label, roles: [{ estateId: estate.id, role: r }] });
  const org = await role('organizer');
  const [clerkA, clerkB, auditor] = [await role('clerk', 'clerk A'), await role('clerk', 'clerk B'), await role('auditor')];
  if (opts.rules) expect((await ctx.call('PATCH', `/api/estates/${estate.id}/rules`, { token: org.token, body: opts.rules })).status).toBe(200);
  await opts.before?.(estate.id);
  const base = `/api/estates/${estate.id}/votes`;
  const created = await ctx.call('POST', base, { token: org.token, body: { title: name, opensAt: OPEN, closesAt: CLOSE, matters: [{ title: 'renew the property manager', category: '4' }] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  expect((await ctx.call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } })).status).toBe(200);
  const url = `${base}/${id}`;
  const cast = (token: string, choice = 'yes') => ctx.call('POST', `${url}/ballots`, { token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } });
  const paper = (token: string, partId: string, scan: number, extra: Record<string, unknown> = {}) =>
    ctx.call('POST', `${url}/paper`, { token, body: { partId, choices: [{ matter: 'm1', choice: 'yes' }], scanSha256: SCAN(scan), receivedAt: '2026-03-19T16:00:00+08:00', ...extra } });
  const signIn = async (path: '/api/auth/sign-in' | '/api/auth/letter', code: string) => {
    const res = await ctx.call('POST', path, { body: { code } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.token as string;
  };
  return { t, estate, org, clerkA, clerkB, auditor, base, id, url, cast, paper, signIn };
}

describeEachDb('credentials on the ledger (rules.md §7)', (ctx) => {
  it('lists at the notice who can cast and who enters and audits; every ballot names its credential; the export verifies', async () => {
    let ownerA: { id: string; token: string } | undefined;
    const s = await setup(ctx(), 'listed', {
      before: async (estateId) => {
        ownerA = await bindOwner(ctx(), estateId, 'A');
        // An organizer who also holds the clerk role is never a clerk of the votes they run.
        await makeUser(ctx(), { name: 'organizer-clerk', roles: [{ estateId, role: 'organizer' }, { estateId, role: 'clerk' }] });
      },
    });
    const log = await logOf(ctx(), s.id);
    expect(log[0]!.type).toBe('setup');
    const listed = log.filter((e) => e.type === 'credential');
    expect(listed.map((c) => c.kind)).toEqual(['clerk', 'clerk', 'auditor', 'phone_binding']);
    expect(listed.filter((c) => c.kind === 'clerk').map((c) => c.holder).sort()).toEqual([staffRef(ctx().deps.keys, s.estate.id, s.clerkA.id), staffRef(ctx().deps.keys, s.estate.id, s.clerkB.id)].sort());
    // No names, no account ids: pseudonymous refs only.
    expect(JSON.stringify(log)).not.toMatch(/clerk A|organizer-clerk|owner A/);
    expect(JSON.stringify(log)).not.toContain(s.clerkA.id);

    s.t.set('2026-03-20T10:00:00+08:00');
    // A bound after the notice gets a credential then, on the log, in the same transaction.
    const ownerB = await bindOwner(ctx(), s.estate.id, 'B');
    expect((await ctx().db.select().from(voteCredentials).where(eq(voteCredentials.voteId, s.id))).filter((c) => c.holderId === ownerB.id)).toHaveLength(1);
    expect((await s.cast(ownerA!.token)).status).toBe(201);
    expect((await s.cast(ownerB.token)).status).toBe(201);
    const after = await logOf(ctx(), s.id);
    const credOf = (seq: number) => after[after[seq]!.credential]!;
    for (const b of after.filter((e) => e.type === 'ballot')) expect(credOf(b.seq)).toMatchObject({ type: 'credential', party: b.party });
    const report = await verify(ctx(), s.url, s.org.token);
    expect(failures(report)).toEqual([]);
    expect(report.steps.find((st) => st.id === 'V12')!.skipped).toBeUndefined();
    expect(report.issuers!.issuers.map((i) => i.issuer)).toContain('unknown');
  });

  it('never reissues a letter for a household that voted; a reissue revokes the old code on the log and shows no sealed choice', async () => {
    const s = await setup(ctx(), 'reissue');
    const owner = await bindOwner(ctx(), s.estate.id, 'A');
    const issued = await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: {} });
    expect(issued.status).toBe(201);
    const codeOf = (part: string) => issued.body.letters.find((l: any) => l.parts.some((p: any) => p.partId === part)).code as string;
    s.t.set('2026-03-20T10:00:00+08:00');
    const ballot = await s.cast(owner.token);
    expect(ballot.status).toBe(201);
    expect(ballot.body.ballots[0].opening.salt).toMatch(/=$/);

    // Attack: the organizer reissues the letter of 1-1-101 after it voted, to read or replace its ballot.
    const refused = await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: { reissue: true, parts: ['U1'] } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details[0].field).toBe('parts');
    expect(refused.body.error.messageZh).toContain('U1');
    expect(refused.body.error.messageZh).toContain('已经投票');
    // The letter issued before still works for the owner who has it, but shows no choice.
    const letterToken = await s.signIn('/api/auth/letter', codeOf('U1'));
    const receipts = await ctx().call('GET', `${s.url}/my-receipts`, { token: letterToken });
    expect(receipts.body.receipts).toHaveLength(1);
    expect(receipts.body.receipts[0].opening).toBeNull();
    expect(JSON.stringify(receipts.body)).not.toContain(ballot.body.ballots[0].opening.salt);

    // A household that has not voted: the reissue revokes its old letter, on the log.
    const before = await logOf(ctx(), s.id);
    const oldLetter = before.find((e) => e.type === 'credential' && e.kind === 'letter' && e.party === ballotPartyOf(before, 'U2'))!;
    const reissued = await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: { reissue: true, parts: ['U2'] } });
    expect(reissued.status).toBe(201);
    const log = await logOf(ctx(), s.id);
    expect(log.at(-1)).toMatchObject({ type: 'credential', kind: 'letter_reissue', party: oldLetter.party, revokes: oldLetter.seq, issuer: `organizer:${staffRef(ctx().deps.keys, s.estate.id, s.org.id)}` });
    expect((await ctx().call('POST', '/api/auth/letter', { body: { code: codeOf('U2') } })).status).toBe(401);
    const fresh = await s.signIn('/api/auth/letter', reissued.body.letters[0].code);
    expect((await s.cast(fresh)).status).toBe(201);
    expect(failures(await verify(ctx(), s.url, s.org.token))).toEqual([]);
  });

  it('refuses an invite for a person already bound, and for a household that voted; a new invite is on the log and redeeming it is told', async () => {
    const s = await setup(ctx(), 'invites', { csv: e10WithPhones() });
    const ownerA = await bindOwner(ctx(), s.estate.id, 'A');
    const invite = (personRef: string) => ctx().call('POST', `/api/estates/${s.estate.id}/invites`, { token: s.org.token, body: { role: 'owner', personRef } });
    // Attack: an invite minted for a bound person would sign in as them.
    const bound = await invite('A');
    expect(bound.status).toBe(409);
    expect(bound.body.error.details[0].field).toBe('personRef');
    s.t.set('2026-03-20T10:00:00+08:00');
    const ownerC = await bindOwner(ctx(), s.estate.id, 'C');
    expect((await s.cast(ownerC.token)).status).toBe(201);
    // D co-owns U4 with C, whose household voted: no new credential for it until the vote closes.
    const voted = await invite('D');
    expect(voted.status).toBe(409);
    expect(voted.body.error.messageZh).toContain('已在进行中的表决中投票');

    // E is not bound and has not voted: the invite is a credential of E's household now.
    const e = await invite('E');
    expect(e.status).toBe(201);
    const log = await logOf(ctx(), s.id);
    const cred = log.at(-1)!;
    expect(cred).toMatchObject({ type: 'credential', kind: 'invite', issuer: `organizer:${staffRef(ctx().deps.keys, s.estate.id, s.org.id)}`, created_at: '2026-03-20T02:00:00.000Z' });
    const token = await s.signIn('/api/auth/sign-in', e.body.code);
    const cast = await s.cast(token);
    expect(cast.status).toBe(201);
    expect((await logOf(ctx(), s.id)).at(-1)).toMatchObject({ type: 'ballot', credential: cred.seq, party: cred.party });

    // E's phone (on the register) was told three times: the invite issued, used, and the ballot cast; no code in any text.
    await dispatchOwnerAlerts(ctx().deps);
    const texts = ctx().sender.sent.filter((m) => m.to === '13800000040');
    expect(texts).toHaveLength(3);
    expect(texts.map((m) => m.text).join('\n')).toMatch(/已为您家（U5）签发登录邀请码[\s\S]*已被使用[\s\S]*已在「invites」中投票/);
    for (const m of ctx().sender.sent) expect(m.text).not.toContain(e.body.code);
    // The inbox of E's account has them too; A (another household) got nothing about E.
    const inbox = await ctx().db.select().from(notifications).where(eq(notifications.userId, (await me(ctx(), token)).user.id));
    expect(inbox.map((n) => n.kind).sort()).toEqual(['household_ballot_cast', 'household_credential_created', 'household_credential_used']);
    expect((await ctx().db.select().from(notifications).where(eq(notifications.userId, ownerA.id))).filter((n) => n.title.includes('U5'))).toEqual([]);
    expect(await dispatchOwnerAlerts(ctx().deps)).toBe(0);
    expect(failures(await verify(ctx(), s.url, s.org.token))).toEqual([]);
  });

  it('flags a paper ballot whose two clerks the organizer appointed during the window, and reports it per issuer', async () => {
    const s = await setup(ctx(), 'self-clerks');
    expect((await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: {} })).status).toBe(201);
    s.t.set('2026-03-20T10:00:00+08:00');
    // Attack: the organizer invites two more clerk accounts (theirs) while voting runs.
    const newClerk = async (label: string) => {
      const inv = await ctx().call('POST', `/api/estates/${s.estate.id}/invites`, { token: s.org.token, body: { role: 'clerk', label } });
      expect(inv.status).toBe(201);
      return s.signIn('/api/auth/sign-in', inv.body.code);
    };
    const [x, y] = [await newClerk('extra clerk 1'), await newClerk('extra clerk 2')];
    const log = await logOf(ctx(), s.id);
    const added = log.filter((e) => e.type === 'credential' && e.kind === 'clerk' && e.created_at === '2026-03-20T02:00:00.000Z');
    expect(added).toHaveLength(2);
    expect(new Set(added.map((c) => c.issuer))).toEqual(new Set([`organizer:${staffRef(ctx().deps.keys, s.estate.id, s.org.id)}`]));
    expect((await s.paper(x, 'U1', 1)).status).toBe(202);
    const recorded = await s.paper(y, 'U1', 1);
    expect(recorded.status).toBe(201);
    expect(recorded.body.flagged).toBe(true);
    // A clerk appointed before the notice and one of them: two independent people, not flagged.
    expect((await s.paper(s.clerkA.token, 'U2', 2)).status).toBe(202);
    expect((await s.paper(x, 'U2', 2)).body.flagged).toBe(false);

    const over = await ctx().call('GET', `${s.url}/oversight`, { token: s.auditor.token });
    expect(over.status).toBe(200);
    expect(over.body.flaggedPairs).toEqual([expect.objectContaining({ partId: 'U1' })]);
    const org = over.body.issuers.find((i: any) => i.issuer.startsWith('organizer:'));
    expect(org).toMatchObject({ after: 2, usedWithin24h: 2 });
    expect(org.before).toBeGreaterThan(0); // the letters, printed before the window opened
    const report = await verify(ctx(), s.url, s.org.token);
    expect(failures(report)).toEqual([]);
    const paperSeq = (await logOf(ctx(), s.id)).find((e) => e.type === 'paper_ballot' && e.party === ballotPartyOf(log, 'U1'))!.seq;
    expect(report.issuers!.sameIssuerPairs).toEqual([paperSeq]);
    expect(over.body.sameIssuerPairs).toEqual([paperSeq]);
  });

  it('lets only the vote’s clerks enter paper ballots: not its organizer, not an admin, not a clerk whose role was removed', async () => {
    const s = await setup(ctx(), 'clerks-only', {
      before: async (estateId) => {
        await makeUser(ctx(), { name: 'org-clerk', roles: [{ estateId, role: 'organizer' }, { estateId, role: 'clerk' }] });
      },
    });
    expect((await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: {} })).status).toBe(201);
    s.t.set('2026-03-20T10:00:00+08:00');
    const admin = await makeUser(ctx(), { isAdmin: true });
    const orgClerk = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'organizer' }, { estateId: s.estate.id, role: 'clerk' }] });
    for (const token of [admin.token, orgClerk.token]) {
      const res = await s.paper(token, 'U1', 1);
      expect(res.status).toBe(403);
      expect(res.body.error.messageZh).toContain('不是本次表决的录入员');
    }
    // Removing clerk B's role revokes their credential on the log; they can no longer enter.
    const removed = await ctx().call('DELETE', `/api/estates/${s.estate.id}/users/${s.clerkB.id}/roles/clerk`, { token: s.org.token });
    expect(removed.status).toBe(200);
    const log = await logOf(ctx(), s.id);
    const clerkB = log.find((e) => e.type === 'credential' && e.holder === staffRef(ctx().deps.keys, s.estate.id, s.clerkB.id))!;
    expect(log.at(-1)).toMatchObject({ type: 'revocation', credential: clerkB.seq, reason: 'clerk role removed' });
    // Their sign-ins ended with the role; signed in again, they are no clerk of this vote.
    expect((await s.paper(s.clerkB.token, 'U1', 1)).status).toBe(401);
    const again = await issueToken(ctx().db, ctx().deps.keys, ctx().deps.env.publicUrl, s.clerkB.id);
    expect((await s.paper(again.token, 'U1', 1)).status).toBe(403);
    expect((await ctx().call('DELETE', `/api/estates/${s.estate.id}/users/${s.org.id}/roles/organizer`, { token: s.org.token })).status).toBe(409);
    expect((await ctx().call('DELETE', `/api/estates/${s.estate.id}/users/${s.clerkB.id}/roles/clerk`, { token: s.org.token })).status).toBe(404);
    expect(failures(await verify(ctx(), s.url, s.org.token))).toEqual([]);
  });

  it('proxy then owner: the owner’s own ballot replaces the holder’s, even under "final"; owner then proxy: the holder is refused', async () => {
    const s = await setup(ctx(), 'proxy-owner', { rules: { secrecy: 'open' } });
    const ownerA = await bindOwner(ctx(), s.estate.id, 'A');
    const ownerB = await bindOwner(ctx(), s.estate.id, 'B');
    const proxy = (partId: string, n: number) => ctx().call('POST', `${s.url}/proxies`, { token: s.clerkA.token, body: { partId, holderIdNumber: `H${n}000000`, authorizationSha256: SCAN(50 + n) } });
    const pa = await proxy('U1', 1);
    const pb = await proxy('U2', 2);
    expect([pa.status, pb.status]).toEqual([201, 201]);
    s.t.set('2026-03-20T10:00:00+08:00');
    const holderA = await s.signIn('/api/auth/letter', pa.body.code);
    const holderB = await s.signIn('/api/auth/letter', pb.body.code);
    expect((await s.cast(holderA, 'no')).status).toBe(201);
    const own = await s.cast(ownerA.token, 'yes');
    expect(own.status).toBe(201);
    // Owner B votes first; B's holder comes after: refused, the owner's ballot ended the proxy.
    expect((await s.cast(ownerB.token, 'yes')).status).toBe(201);
    const late = await s.cast(holderB, 'no');
    expect(late.status).toBe(409);
    expect(late.body.error.details[0].message).toBe('owner already voted');
    const log = await logOf(ctx(), s.id);
    const marker = log.find((e) => e.type === 'ballot_superseded')!;
    expect(marker).toMatchObject({ reason: 'the owner voted' });
    expect(log[marker.superseded_seq]).toMatchObject({ type: 'ballot', channel: 'proxy', choice: 'no' });
    expect(log[marker.seq + 1]).toMatchObject({ type: 'ballot', channel: 'online', choice: 'yes' });
    const closed = await ctx().call('POST', `${s.url}/close`, { token: s.org.token, body: { reason: 'test' } });
    expect(closed.body.matters[0].result).toMatchObject({ participation: { parties: 2 }, yes: { parties: 2 }, no: { parties: 0 } });
    expect(failures(await verify(ctx(), s.url, s.org.token))).toEqual([]);
  });

  it('shows the participation list (no choices), the owner’s household and takes “this was not me” to the dashboards', async () => {
    const s = await setup(ctx(), 'objection', { rules: { secrecy: 'open' } });
    const ownerA = await bindOwner(ctx(), s.estate.id, 'A');
    const issued = await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: {} });
    s.t.set('2026-03-20T10:00:00+08:00');
    // Someone with A's letter votes for A's household.
    const letter = issued.body.letters.find((l: any) => l.parts[0].partId === 'U1').code;
    expect((await s.cast(await s.signIn('/api/auth/letter', letter), 'no')).status).toBe(201);
    const members = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'resident' }] });
    const list = await ctx().call('GET', `${s.url}/participation`, { token: members.token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ took: 1, buildings: expect.arrayContaining([expect.objectContaining({ building: '1', took: 1, parts: [{ partId: 'U1', channels: ['online'], at: '2026-03-20T02:00:00.000Z' }] })]) });
    expect(JSON.stringify(list.body)).not.toMatch(/"no"|choice|commit/);
    // The owner's page: "your household voted on … via …".
    const view = await ctx().call('GET', s.url, { token: ownerA.token });
    expect(view.body.me.household).toEqual([expect.objectContaining({ parts: ['U1'], voted: true, channels: ['online'], firstAt: '2026-03-20T02:00:00.000Z' })]);
    // "This was not me".
    s.t.set('2026-03-20T12:00:00+08:00');
    const bad = await ctx().call('POST', `${s.url}/objections`, { token: ownerA.token, body: { text: '' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('text');
    const objection = await ctx().call('POST', `${s.url}/objections`, { token: ownerA.token, body: { text: '我没有投票，请核查（王阿姨）' } });
    expect(objection.status, JSON.stringify(objection.body)).toBe(201);
    const log = await logOf(ctx(), s.id);
    expect(log.at(-1)).toMatchObject({ type: 'objection', party: objection.body.party, disputes: objection.body.disputes });
    expect(JSON.stringify(log)).not.toContain('王阿姨');
    const outsider = await bindOwner(ctx(), s.estate.id, 'B');
    expect((await ctx().call('POST', `${s.url}/objections`, { token: outsider.token, body: { party: objection.body.party, text: 'not mine' } })).status).toBe(400);
    s.t.set('2026-03-21T15:00:00+08:00');
    for (const who of [s.org, s.auditor]) {
      const over = await ctx().call('GET', `${s.url}/oversight`, { token: who.token });
      expect(over.body.objections).toEqual([expect.objectContaining({ parts: ['U1'], text: '我没有投票，请核查（王阿姨）', ageHours: 27 })]);
      expect(over.body.issuers.find((i: any) => i.issuer.startsWith('organizer:'))).toMatchObject({ disputed: 1 });
    }
    expect((await ctx().call('GET', `${s.url}/oversight`, { token: ownerA.token })).status).toBe(403);
    const report = await verify(ctx(), s.url, s.org.token);
    expect(failures(report)).toEqual([]);
    expect(new TextDecoder().decode(report.files.get('participation.jsonl'))).toBe(`{"at":"2026-03-20T02:00:00.000Z","channels":["online"],"parts":["U1"],"party":"${objection.body.party}","seq":${objection.body.disputes[0]}}\n`);
    expect(report.issuers!.objections).toBe(1);
  });

  it('gives the openings only to the auditors named at the notice', async () => {
    const s = await setup(ctx(), 'openings');
    const owner = await bindOwner(ctx(), s.estate.id, 'A');
    s.t.set('2026-03-20T10:00:00+08:00');
    expect((await s.cast(owner.token)).status).toBe(201);
    const inv = await ctx().call('POST', `/api/estates/${s.estate.id}/invites`, { token: s.org.token, body: { role: 'auditor', label: 'late auditor' } });
    const late = await s.signIn('/api/auth/sign-in', inv.body.code);
    expect((await logOf(ctx(), s.id)).at(-1)).toMatchObject({ type: 'credential', kind: 'auditor' });
    expect((await ctx().call('POST', `${s.url}/close`, { token: s.org.token, body: { reason: 'test' } })).status).toBe(200);
    const refused = await ctx().call('GET', `${s.url}/ledger/export/auditor`, { token: late });
    expect(refused.status).toBe(403);
    expect(refused.body.error.messageZh).toContain('公告时登记');
    const named = await verify(ctx(), s.url, s.auditor.token, { auditor: true });
    expect(failures(named)).toEqual([]);
    expect(named.steps.find((st) => st.id === 'V11')).toMatchObject({ ok: true });
    expect(named.steps.find((st) => st.id === 'V11')!.skipped).toBeUndefined();
  });

  it('re-binds a person only by the owner’s own phone code, revoking the old account’s credential, and never after the household voted', async () => {
    const s = await setup(ctx(), 'rebind', { csv: e10WithPhones() });
    const first = await bindOwner(ctx(), s.estate.id, 'A', 'invite');
    const seqBefore = (await logOf(ctx(), s.id)).find((e) => e.type === 'credential' && e.kind === 'invite')!.seq;
    s.t.set('2026-03-20T10:00:00+08:00');
    const otp = async (phone: string) => {
      expect((await ctx().call('POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(202);
      const code = /(\d{6})/.exec(ctx().sender.lastTo(phone)!.text)![1];
      const res = await ctx().call('POST', '/api/auth/otp/verify', { body: { phone, code } });
      expect(res.status).toBe(200);
      return res.body.token as string;
    };
    const mine = await otp('13800000000');
    const log = await logOf(ctx(), s.id);
    expect(log.at(-1)).toMatchObject({ type: 'credential', kind: 'phone_binding', revokes: seqBefore });
    expect((await s.cast(first.token)).status).toBe(403);
    expect((await s.cast(mine)).status).toBe(201);
    // B voted; B's phone code does not move B's person while this vote runs.
    const b = await bindOwner(ctx(), s.estate.id, 'B');
    expect((await s.cast(b.token)).status).toBe(201);
    await otp('13800000010');
    expect((await logOf(ctx(), s.id)).filter((e) => e.type === 'credential' && e.kind === 'phone_binding' && e.party === ballotPartyOf(log, 'U2'))).toHaveLength(1);
    expect(failures(await verify(ctx(), s.url, s.org.token))).toEqual([]);
  });
});

/** The roster party of a house number in E10: the developer's parts come first (p1), then U1 A (p2), B, CD, E, F, G, H. */
function ballotPartyOf(_log: Entry[], part: string): string {
  const order: Record<string, string> = { U7: 'p1', U8: 'p1', U1: 'p2', U2: 'p3', U3: 'p3', U4: 'p4', U5: 'p5', U6: 'p6', U9: 'p7', U10: 'p8' };
  return order[part]!;
}

async function me(ctx: TestContext, token: string) {
  return (await ctx.call('GET', '/api/me', { token })).body as { user: { id: string } };
}
