import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { ballotLetters, ballots, ledgerEntries } from '../../db/schema/index.ts';
import { verifyExport } from '../../src/domain/ledger/verify.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const SCAN = (n: number) => n.toString(16).padStart(64, '0');
const OPEN = '2026-03-17T00:00:00+08:00';
const CLOSE = '2026-03-31T00:00:00+08:00';

/** E10 with a phone number for every registered owner (owner_phones parallel to owners). */
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

async function exportAndVerify(ctx: TestContext, estateId: string, voteId: string, token: string) {
  const aud = await ctx.call('GET', `/api/estates/${estateId}/votes/${voteId}/ledger/export/auditor`, { token });
  expect(aud.status).toBe(200);
  const enc = new TextEncoder();
  const files = new Map<string, Uint8Array>(Object.entries(aud.body.files as Record<string, string>).map(([k, v]) => [k, enc.encode(v)]));
  const report = await verifyExport(files, { openings: files.get('openings.jsonl') });
  return { files, failed: report.steps.filter((st) => !st.ok).map((st) => `${st.id}: ${st.details.join(' ')}`) };
}

async function setup(ctx: TestContext, name: string, csv = E10, matter: Record<string, unknown> = { title: 'renew the property manager', category: '4' }) {
  const t = clock(ctx, '2026-03-01T10:00:00+08:00');
  const estate = await makeEstate(ctx, csv, name);
  const role = (r: 'organizer' | 'clerk' | 'auditor' | 'volunteer') => makeUser(ctx, { roles: [{ estateId: estate.id, role: r }] });
  const [org, clerkA, clerkB, auditor, volunteer] = [await role('organizer'), await role('clerk'), await role('clerk'), await role('auditor'), await role('volunteer')];
  const base = `/api/estates/${estate.id}/votes`;
  const created = await ctx.call('POST', base, { token: org.token, body: { title: name, opensAt: OPEN, closesAt: CLOSE, matters: [matter] } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const id = created.body.id as string;
  expect((await ctx.call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } })).status).toBe(200);
  return { t, estate, org, clerkA, clerkB, auditor, volunteer, base, id, url: `${base}/${id}` };
}

describeEachDb('reaching quorum: letters, proxies, paper, extensions, reconciliation', (ctx) => {
  it('a mixed vote — online, letter codes, paper by two clerks, proxies online and on paper — reconciles per building and its ledger verifies', async () => {
    const s = await setup(ctx(), 'mixed');
    const { url, org, clerkA, clerkB, auditor } = s;
    // Letters for every party; only hashes are stored.
    const issued = await ctx().call('POST', `${url}/letters`, { token: org.token, body: {} });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    expect(issued.body.letters).toHaveLength(8);
    const letterOf = (part: string) => issued.body.letters.find((l: any) => l.parts.some((p: any) => p.partId === part));
    expect(letterOf('U2').parts.map((p: any) => p.partId)).toEqual(['U2', 'U3']);
    expect(letterOf("U2").url).toBe(`http://linli.test/l#${letterOf("U2").code}`);
    expect(issued.body.vote.matters[0].thresholdZh).toContain('过半数');
    const stored = await ctx().db.select().from(ballotLetters).where(eq(ballotLetters.voteId, s.id));
    expect(stored.some((r) => r.codeHash.includes(letterOf('U1').code.replace(/-/g, '')))).toBe(false);
    // A second issue gives codes only to parties without one.
    expect((await ctx().call('POST', `${url}/letters`, { token: org.token, body: {} })).body.letters).toHaveLength(0);
    expect((await ctx().call('GET', `${url}/letters`, { token: clerkA.token })).body).toMatchObject({ parties: 8, issued: 8 });

    // Service records for everyone but the developer.
    s.t.set('2026-03-05T12:00:00+08:00');
    for (const part of ['U1', 'U2', 'U4', 'U5', 'U6', 'U9', 'U10']) {
      expect((await ctx().call('POST', `${url}/service`, { token: clerkA.token, body: { partId: part, channel: 'hand', servedAt: '2026-03-05T10:00:00+08:00' } })).status).toBe(201);
    }
    // Proxies: holder X for A and E, holder Y for F (who then votes on paper herself: first valid wins).
    const proxy = (partId: string, holder: string, n: number) =>
      ctx().call('POST', `${url}/proxies`, { token: clerkA.token, body: { partId, holderIdNumber: holder, authorizationSha256: SCAN(100 + n) } });
    const pA = await proxy('U1', '110101199001011234', 1);
    expect(pA.status, JSON.stringify(pA.body)).toBe(201);
    expect(pA.body.holder).toMatch(/^[A-Z2-7]{16}$/);
    expect((await proxy('U5', '1101 0119 9001 0112 34', 2)).body.holder).toBe(pA.body.holder); // same person, typed with spaces
    expect((await proxy('U1', '220101199001011234', 3)).status).toBe(409); // A already has a proxy

    s.t.set('2026-03-20T10:00:00+08:00');
    // B online with an account; CD and H online by their letter codes; A online by the proxy code.
    const ownerB = await bindOwner(ctx(), s.estate.id, 'B');
    const vote = (token: string, choice: string) => ctx().call('POST', `${url}/ballots`, { token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } });
    expect((await vote(ownerB.token, 'yes')).status).toBe(201);
    const signIn = async (code: string) => {
      const res = await ctx().call('POST', '/api/auth/letter', { body: { code } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { token: string; voteId: string; party: string };
    };
    const cd = await signIn(letterOf('U4').code.toLowerCase().replace(/-/g, ' '));
    expect(cd.voteId).toBe(s.id);
    const view = await ctx().call('GET', url, { token: cd.token });
    expect(view.body.me.parties).toEqual([expect.objectContaining({ parts: ['U4'], via: 'letter' })]);
    expect((await vote(cd.token, 'no')).status).toBe(201);
    // The same code signs in to the same user again (to see the receipt), and cannot vote twice.
    expect((await vote((await signIn(letterOf('U4').code)).token, 'yes')).status).toBe(409);
    const h = await signIn(letterOf('U10').code);
    expect((await vote(h.token, 'yes')).status).toBe(201);
    const holder = await signIn(pA.body.code);
    expect((await ctx().call('GET', url, { token: holder.token })).body.me.parties).toEqual([expect.objectContaining({ parts: ['U1'], via: 'proxy' })]);
    expect((await vote(holder.token, 'yes')).status).toBe(201);

    // Paper: E by the proxy holder (two clerks), F herself, G waiting for the second clerk, H's late letter refused (T9).
    const paper = (token: string, partId: string, choice: string, scan: number, extra: Record<string, unknown> = {}) =>
      ctx().call('POST', `${url}/paper`, { token, body: { partId, choices: [{ matter: 'm1', choice }], scanSha256: SCAN(scan), receivedAt: '2026-03-19T16:00:00+08:00', ...extra } });
    expect((await paper(clerkA.token, 'U5', 'abstain', 5, { proxy: true })).status).toBe(202);
    const eByProxy = await paper(clerkB.token, 'U5', 'abstain', 5, { proxy: true });
    expect(eByProxy.status, JSON.stringify(eByProxy.body)).toBe(201);
    expect((await paper(clerkA.token, 'U6', 'yes', 6)).status).toBe(202);
    expect((await paper(clerkB.token, 'U6', 'yes', 6)).status).toBe(201);
    expect((await paper(clerkA.token, 'U9', 'yes', 9)).status).toBe(202);
    expect((await paper(clerkA.token, 'U10', 'no', 10)).status).toBe(202);
    expect((await paper(clerkB.token, 'U10', 'no', 10)).status).toBe(409);
    // A paper letter claiming a proxy where none is on record is refused before anything is stored.
    const noProxy = await paper(clerkA.token, 'U4', 'yes', 4, { proxy: true });
    expect(noProxy.status).toBe(400);
    expect(noProxy.body.error.details[0].field).toBe('proxy');

    // The window is extended with a reason; a letter received after the original close still counts.
    const ext = await ctx().call('POST', `${url}/extension`, { token: org.token, body: { closesAt: '2026-04-03T00:00:00+08:00', reason: '部分业主外出，延长三天 Some owners are away' } });
    expect(ext.status, JSON.stringify(ext.body)).toBe(201);
    expect((await ctx().call('GET', url, { token: org.token })).body.extensions).toEqual([expect.objectContaining({ closesAt: '2026-04-02T16:00:00.000Z', previousClosesAt: '2026-03-30T16:00:00.000Z' })]);
    s.t.set('2026-04-01T10:00:00+08:00');

    // Members see the count sheet only after close; staff any time.
    const owner = await bindOwner(ctx(), s.estate.id, 'A');
    expect((await ctx().call('GET', `${url}/reconciliation`, { token: owner.token })).status).toBe(403);
    expect((await ctx().call('POST', `${url}/close`, { token: org.token, body: { reason: 'count' } })).status).toBe(200);
    const sheet = await ctx().call('GET', `${url}/reconciliation`, { token: owner.token });
    expect(sheet.status).toBe(200);
    const b = Object.fromEntries(sheet.body.buildings.map((r: any) => [r.building, r]));
    expect(b['1']).toMatchObject({ parties: 3, lettersIssued: 3, served: 3, online: 2, paper: 0, proxy: 1, voted: 3, notVoted: 0, unexplained: 0 });
    expect(b['2']).toMatchObject({ parties: 3, served: 2, online: 0, paper: 1, proxy: 1, notVoted: 1, paperReturned: 2, paperCounted: 2, unexplained: 0 });
    expect(b['3']).toMatchObject({ parties: 2, online: 1, notVoted: 1, paperReturned: 2, paperCounted: 0, paperRejected: 1, paperPending: 1, unexplained: 0 });
    expect(sheet.body.total).toMatchObject({ parties: 8, voted: 6, notVoted: 2, online: 3, paper: 1, proxy: 2, unexplained: 0, ledger: { online: 3, paper: 1, proxy: 2, agrees: true } });
    // Every refused ballot with its reason: CD's second online try, H's paper letter after H voted online (T9).
    expect(sheet.body.invalid).toEqual([
      expect.objectContaining({ partIds: ['U4'], channel: 'online', reason: 'party already voted', building: '1' }),
      expect.objectContaining({ partIds: ['U10'], channel: 'paper', reason: 'party already voted', building: '3' }),
    ]);
    expect(b['1'].onlineRejected).toBe(1);
    expect(sheet.body.pending).toEqual([{ partId: 'U9', status: 'awaiting_second_entry' }]);
    expect(JSON.stringify(sheet.body)).not.toMatch(/1380000|110101/);

    // The log holds the proxies, the proxy ballots (online and paper) and the extension; it verifies.
    const log = (await ctx().db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, s.id))).map((e) => JSON.parse(e.body));
    expect(log.filter((e) => e.type === 'proxy')).toHaveLength(2);
    expect(log.filter((e) => e.channel === 'proxy').map((e) => [e.type, typeof e.proxy])).toEqual([
      ['ballot', 'number'],
      ['paper_ballot', 'number'],
    ]);
    expect(log.find((e) => e.type === 'extension')).toMatchObject({ closes_at: '2026-04-02T16:00:00.000Z', reason: expect.stringContaining('延长') });
    const { failed } = await exportAndVerify(ctx(), s.estate.id, s.id, auditor.token);
    expect(failed).toEqual([]);

    // A ballot slipped into the box without its log entry is caught as an unexplained difference.
    const [any] = await ctx().db.select().from(ballots).where(eq(ballots.voteId, s.id)).limit(1);
    const dev = (await ctx().call('GET', `${url}/electorate`, { token: org.token })).body.roster.find((p: any) => p.developer).party;
    await ctx().db.insert(ballots).values({ voteId: s.id, matterId: any!.matterId, party: dev, seq: 9999, channel: 'online', choice: 'yes', nonce: randomUUID(), status: 'accepted' });
    const tampered = await ctx().call('GET', `${url}/reconciliation`, { token: auditor.token });
    expect(tampered.body.buildings.find((r: any) => r.building === '2')).toMatchObject({ unexplained: 1, ledger: { agrees: false } });
    expect(tampered.body.total.unexplained).toBe(1);
  });

  it('holds proxies to the 议事规则: cap per holder, one per party, not after voting, off when disallowed', async () => {
    const s = await setup(ctx(), 'proxy-cap');
    const proxy = (partId: string, holder: string, token = s.clerkA.token) =>
      ctx().call('POST', `${s.url}/proxies`, { token, body: { partId, holderIdNumber: holder, authorizationSha256: SCAN(7) } });
    for (const part of ['U1', 'U2', 'U4']) expect((await proxy(part, 'X123456')).status).toBe(201);
    const over = await proxy('U5', 'x123456');
    expect(over.status).toBe(409);
    expect(over.body.error.details[0].field).toBe('holderIdNumber');
    expect(over.body.error.messageZh).toContain('最多 3 户');
    expect((await proxy('U5', 'Y999999')).status).toBe(201);
    expect((await proxy('U6', '12')).status).toBe(400);
    expect((await proxy('U6', 'Y999999', s.volunteer.token)).status).toBe(403);
    const list = await ctx().call('GET', `${s.url}/proxies`, { token: s.auditor.token });
    expect(list.body).toMatchObject({ allowed: true, cap: 3 });
    expect(list.body.proxies).toHaveLength(4);
    expect(JSON.stringify(list.body)).not.toContain('X123456');

    // A party that has voted needs no proxy.
    s.t.set('2026-03-20T10:00:00+08:00');
    const owner = await bindOwner(ctx(), s.estate.id, 'F');
    await ctx().call('POST', `${s.url}/ballots`, { token: owner.token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } });
    expect((await proxy('U6', 'Z111111')).status).toBe(409);

    // Estates whose rules forbid proxies refuse them.
    const t = await setup(ctx(), 'no-proxies');
    await ctx().call('PATCH', `/api/estates/${t.estate.id}/rules`, { token: t.org.token, body: { proxies: { allowed: false } } });
    const created = await ctx().call('POST', t.base, { token: t.org.token, body: { title: 'x', opensAt: OPEN, closesAt: CLOSE, matters: [{ title: 'm', category: '4' }] } });
    await ctx().call('POST', `${t.base}/${created.body.id}/notice`, { token: t.org.token, body: { noticeDate: '2026-03-01' } });
    const refused = await ctx().call('POST', `${t.base}/${created.body.id}/proxies`, { token: t.clerkA.token, body: { partId: 'U1', holderIdNumber: 'X123456', authorizationSha256: SCAN(1) } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.messageZh).toContain('不允许委托');
  });

  it('reissued letters revoke the old code; wrong codes are refused in plain words; only organizers issue', async () => {
    const s = await setup(ctx(), 'letters');
    expect((await ctx().call('POST', `${s.url}/letters`, { token: s.clerkA.token, body: {} })).status).toBe(403);
    const first = (await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: {} })).body.letters;
    const again = await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: { reissue: true, parts: ['U1'] } });
    expect(again.body.letters).toHaveLength(1);
    const oldCode = first.find((l: any) => l.parts[0].partId === 'U1').code;
    const old = await ctx().call('POST', '/api/auth/letter', { body: { code: oldCode } });
    expect(old.status).toBe(401);
    expect(old.body.error.messageZh).toContain('号码无效');
    expect((await ctx().call('POST', '/api/auth/letter', { body: { code: again.body.letters[0].code } })).status).toBe(200);
    expect((await ctx().call('POST', `${s.url}/letters`, { token: s.org.token, body: { parts: ['U99'] } })).body.error.details[0].field).toBe('parts');
    // The consequence of not voting is printed only when the rule is on.
    expect(again.body.vote).toMatchObject({ nonVoters: 'strict', proxies: { allowed: true, cap: 3 } });
  });

  it('extensions: later, within the maximum window, by organizers, before close — and logged', async () => {
    const s = await setup(ctx(), 'extension');
    s.t.set('2026-03-20T10:00:00+08:00');
    const ext = (body: unknown, token = s.org.token) => ctx().call('POST', `${s.url}/extension`, { token, body });
    expect((await ext({ closesAt: '2026-03-25T00:00:00+08:00', reason: 'earlier' })).body.error.details[0].field).toBe('closesAt');
    expect((await ext({ closesAt: '2026-06-25T00:00:00+08:00', reason: 'too long' })).body.error.messageZh).toContain('最长 60 天');
    expect((await ext({ closesAt: '2026-04-05T00:00:00+08:00' })).status).toBe(400);
    expect((await ext({ closesAt: '2026-04-05T00:00:00+08:00', reason: 'r' }, s.clerkA.token)).status).toBe(403);
    expect((await ext({ closesAt: '2026-04-05T00:00:00+08:00', reason: '清明节 holiday' })).status).toBe(201);
    // The scheduler no longer closes it at the original end.
    s.t.set('2026-04-01T10:00:00+08:00');
    expect((await ctx().call('GET', s.url, { token: s.org.token })).body.phase).toBe('open');
    s.t.set('2026-04-06T10:00:00+08:00');
    expect((await ext({ closesAt: '2026-04-09T00:00:00+08:00', reason: 'late' })).status).toBe(409);
  });

  it('outreach: assign a building to a volunteer, who sees only their households; reminders respect the daily limit and opt-outs', async () => {
    const s = await setup(ctx(), 'outreach', e10WithPhones());
    const other = await makeUser(ctx(), { roles: [{ estateId: s.estate.id, role: 'volunteer' }] });
    s.t.set('2026-03-20T10:00:00+08:00');
    const ownerA = await bindOwner(ctx(), s.estate.id, 'A');
    await ctx().call('POST', `${s.url}/ballots`, { token: ownerA.token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } });
    const all = await ctx().call('GET', `${s.url}/outreach`, { token: s.org.token });
    expect(all.body.buildings.map((b: any) => [b.building, b.parties.length])).toEqual([
      ['1', 2],
      ['2', 2],
      ['3', 2],
    ]); // A voted; the developer is not canvassed
    expect(all.body.assignees.map((a: any) => a.id)).toEqual(expect.arrayContaining([s.volunteer.id, other.id]));
    expect((await ctx().call('POST', `${s.url}/outreach/assign`, { token: s.org.token, body: { assigneeId: s.volunteer.id, building: '3' } })).body).toEqual({ assigned: 2 });
    expect((await ctx().call('POST', `${s.url}/outreach/assign`, { token: s.volunteer.token, body: { assigneeId: s.volunteer.id, building: '1' } })).status).toBe(403);
    const bad = await ctx().call('POST', `${s.url}/outreach/assign`, { token: s.org.token, body: { assigneeId: s.auditor.id, building: '1' } });
    expect(bad.body.error.details[0].field).toBe('assigneeId');
    const mine = await ctx().call('GET', `${s.url}/outreach`, { token: s.volunteer.token });
    expect(mine.body.buildings).toHaveLength(1);
    expect(mine.body.buildings[0].parties.map((p: any) => p.partIds[0])).toEqual(['U9', 'U10']);
    expect((await ctx().call('GET', `${s.url}/outreach`, { token: other.token })).body.buildings).toEqual([]);
    const g = mine.body.buildings[0].parties[0].party;
    expect((await ctx().call('POST', `${s.url}/outreach/${g}/contacted`, { token: other.token, body: { note: 'x' } })).status).toBe(403);
    expect((await ctx().call('POST', `${s.url}/outreach/${g}/contacted`, { token: s.volunteer.token, body: { note: '电话 13800001234' } })).status).toBe(400);
    expect((await ctx().call('POST', `${s.url}/outreach/${g}/contacted`, { token: s.volunteer.token, body: { note: '周末回来，会投纸质票' } })).status).toBe(200);
    expect((await ctx().call('GET', `${s.url}/outreach`, { token: s.volunteer.token })).body.buildings[0].parties[0]).toMatchObject({ note: '周末回来，会投纸质票', contactedAt: expect.any(String) });

    // Reminders: every not-yet-voted party with a phone (CD has two owners: both numbers), not the developer.
    ctx().sender.sent.length = 0;
    const sent = await ctx().call('POST', `${s.url}/reminders`, { token: s.org.token, body: {} });
    expect(sent.body).toEqual({ parties: 6, sent: 6, optedOut: 0, noPhone: 0, skippedRecent: 0 });
    const texts = ctx().sender.sent.filter((m) => m.purpose === 'reminder');
    expect(texts).toHaveLength(7);
    expect(texts[0]!.text).toContain('/optout/');
    // Once a day at most.
    expect((await ctx().call('POST', `${s.url}/reminders`, { token: s.org.token, body: {} })).body).toMatchObject({ sent: 0, skippedRecent: 6 });
    // H opts out by the link; the next day H is skipped.
    const hText = texts.find((m) => m.text.includes('U10'))!;
    const token = /\/optout\/(\S+)$/.exec(hText.text)![1]!;
    expect((await ctx().call('POST', '/api/reminders/opt-out', { body: { token: `${token.slice(0, -2)}xx` } })).status).toBe(400);
    expect((await ctx().call('POST', '/api/reminders/opt-out', { body: { token } })).status).toBe(200);
    s.t.set('2026-03-21T11:00:00+08:00');
    expect((await ctx().call('POST', `${s.url}/reminders`, { token: s.org.token, body: { building: '3' } })).body).toEqual({ parties: 2, sent: 1, optedOut: 1, noPhone: 0, skippedRecent: 0 });
    expect((await ctx().call('POST', `${s.url}/reminders`, { token: s.volunteer.token, body: {} })).status).toBe(403);
  });
});

/** T11's building: 6 floors × 2 flats × 60 m², one owner each. */
function t11Register(): string {
  const rows = ['part_id,building,entrance,floor,kind,area,area_source,status,owners'];
  for (let f = 1; f <= 6; f++) for (const n of [1, 2]) rows.push(`5-${f}0${n},5,1,${f},residential,60.00,register,registered,P${f}${n}`);
  rows.push('6-101,6,1,1,residential,80.00,register,registered,Q');
  return `${rows.join('\n')}\n`;
}

const T11_PLAN = { costFen: 60_000_000, subsidyFen: 20_000_000, coefficients: { '1': '0', '2': '0', '3': '0.7', '4': '0.8', '5': '0.9', '6': '1.0' } };

describeEachDb('building votes: scope, consent of occupied parts, cost sharing (T11)', (ctx) => {
  it('shares T11 exactly, prints each household’s share, and needs the occupied part’s consent', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), t11Register(), 'elevator');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const auditor = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'auditor' }] });
    const preview = await ctx().call('POST', `/api/estates/${estate.id}/cost-sharing`, { token: org.token, body: { scope: { building: '5' }, ...T11_PLAN } });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({ netFen: 40_000_000, totalFen: 40_000_000 });
    expect(preview.body.floors.map((f: any) => [f.floor, f.coefficient, f.totalFen / f.units])).toEqual([
      [1, '0', 0],
      [2, '0', 0],
      [3, '0.7', 4_117_647],
      [4, '0.8', 4_705_882],
      [5, '0.9', 5_294_118],
      [6, '1', 5_882_353],
    ]);
    const missing = await ctx().call('POST', `/api/estates/${estate.id}/cost-sharing`, { token: org.token, body: { scope: { building: '5' }, ...T11_PLAN, coefficients: { '3': '0.7' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].field).toBe('coefficients.1');
    expect((await ctx().call('POST', `/api/estates/${estate.id}/cost-sharing`, { token: org.token, body: { scope: { building: '5' }, ...T11_PLAN, subsidyFen: 70_000_000 } })).body.error.details[0].field).toBe('subsidyFen');

    const base = `/api/estates/${estate.id}/votes`;
    const body = { title: '5号楼加装电梯', scope: { building: '5' }, opensAt: OPEN, closesAt: CLOSE, matters: [{ title: '加装电梯', category: '7' }], occupiedParts: ['5-101'], costPlan: T11_PLAN };
    expect((await ctx().call('POST', base, { token: org.token, body: { ...body, occupiedParts: ['6-101'] } })).body.error.details[0].field).toBe('occupiedParts');
    expect((await ctx().call('POST', base, { token: org.token, body: { ...body, scope: undefined } })).body.error.details[0].field).toBe('costPlan');

    // Two runs: the occupied flat's owner votes no (consent missing), then yes.
    for (const consent of ['no', 'yes'] as const) {
      t.set('2026-03-01T10:00:00+08:00');
      const created = await ctx().call('POST', base, { token: org.token, body });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id;
      await ctx().call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
      const letters = (await ctx().call('POST', `${base}/${id}/letters`, { token: org.token, body: {} })).body;
      expect(letters.letters).toHaveLength(12);
      expect(letters.letters.find((l: any) => l.parts[0].partId === '5-301')).toMatchObject({ shareFen: 4_117_647, parts: [expect.objectContaining({ floor: 3 })] });
      expect(letters.letters.find((l: any) => l.parts[0].partId === '5-101').shareFen).toBe(0);
      expect(letters.letters.reduce((sum: number, l: any) => sum + l.shareFen, 0)).toBe(40_000_000);
      t.set('2026-03-20T10:00:00+08:00');
      // T10-like: 10 of 12 take part, 8 others vote yes — enough by the thresholds; the occupied flat decides consent.
      let n = 0;
      for (const l of letters.letters) {
        if (n++ >= 10) break;
        const token = (await ctx().call('POST', '/api/auth/letter', { body: { code: l.code } })).body.token;
        const choice = l.parts[0].partId === '5-101' ? consent : n <= 9 ? 'yes' : 'no';
        expect((await ctx().call('POST', `${base}/${id}/ballots`, { token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } })).status).toBe(201);
      }
      const closed = await ctx().call('POST', `${base}/${id}/close`, { token: org.token, body: { reason: 'count' } });
      expect(closed.status).toBe(200);
      const m = closed.body.matters[0];
      expect(m.consent).toMatchObject({ required: ['5-101'], given: consent === 'yes' ? ['5-101'] : [], satisfied: consent === 'yes' });
      if (consent === 'no') {
        expect(m.result.outcome).toBe('passed');
        expect(m.consent.passed).toBe(false);
        expect(m.verdict.zh).toContain('未表示同意');
      } else {
        expect(m.consent.passed).toBe(true);
        expect(m.verdict.zh).not.toContain('未表示同意');
      }
      const shares = await ctx().call('GET', `${base}/${id}/cost-sharing`, { token: auditor.token });
      expect(shares.body.totalFen).toBe(40_000_000);
      const { files, failed } = await exportAndVerify(ctx(), estate.id, id, auditor.token);
      expect(failed).toEqual([]);
      const manifest = JSON.parse(new TextDecoder().decode(files.get('manifest.json')));
      expect(manifest).toMatchObject({ occupied_parts: ['5-101'], cost_plan: { cost_fen: 60_000_000, subsidy_fen: 20_000_000 } });
      expect(JSON.parse(new TextDecoder().decode(files.get('tally.json'))).consent.m1.satisfied).toBe(consent === 'yes');
    }
  });
});
