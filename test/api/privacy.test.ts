import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { dbTargets } from '../support/db.ts';
import { describeEachDb, makeEstate, makeTestContext, makeUser } from '../support/app.ts';
import { clock } from '../support/votes.ts';
import { createInvite } from '../../src/modules/auth/service.ts';

describe('privacy of logs', () => {
  it('never writes phone numbers, codes, tokens, certificate numbers or names to the log', async () => {
    const lines: string[] = [];
    const ctx = await makeTestContext(dbTargets[0]!);
    ctx.deps.logger = createLogger('trace', { write: (s: string) => lines.push(s) });
    try {
      const csv = 'part_id,building,area,area_source,status,owners,owner_names,owner_phones,certificate\nC-1,1,80,register,registered,R1,欧阳娜娜,13955556666,苏2021不动产权第0077889号\n';
      const estate = await makeEstate(ctx, undefined, 'Privacy');
      const org = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
      const form = new FormData();
      form.set('file', new Blob([csv], { type: 'text/csv' }), 'r.csv');
      expect((await ctx.call('POST', `/api/estates/${estate.id}/register/import`, { token: org.token, raw: form })).status).toBe(200);
      await ctx.call('POST', '/api/auth/otp/request', { body: { phone: '13955556666' } });
      const otp = /(\d{6})/.exec(ctx.sender.lastTo('13955556666')!.text)![1]!;
      const signed = await ctx.call('POST', '/api/auth/otp/verify', { body: { phone: '13955556666', code: otp } });
      expect(signed.status).toBe(200);
      const { code } = await createInvite(ctx.db, { estateId: estate.id, role: 'clerk', label: 'clerk' });
      const byCode = await ctx.call('POST', '/api/auth/sign-in', { body: { code } });
      await ctx.call('GET', `/api/me?code=${code}`, { token: byCode.body.token });
      await ctx.call('POST', '/api/auth/sign-in', { raw: '{"code":"13955556666"', headers: { 'content-type': 'application/json' } });
      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(5);
      for (const secret of ['13955556666', '5556666', otp, code, code.replace('-', ''), signed.body.token, byCode.body.token, '0077889', '欧阳娜娜']) {
        expect(log, `log contains ${secret.slice(0, 12)}`).not.toContain(secret);
      }
    } finally {
      await ctx.close();
    }
  });
});

/** Owners with realistic names, mobile numbers and certificate numbers; proxy holders with resident ID numbers. */
const OWNERS = [
  { ref: 'A', part: 'H1', name: '司马静怡', phone: '13957318264', cert: '苏(2021)南京市不动产权第0077889号' },
  { ref: 'B', part: 'H2', name: '诸葛明轩', phone: '18611204597', cert: '苏(2020)南京市不动产权第0123457号' },
  { ref: 'C', part: 'H3', name: '上官婉清', phone: '15023987416', cert: '苏(2019)南京市不动产权第0345671号' },
  { ref: 'D', part: 'H4', name: '欧阳修远', phone: '17708246935', cert: '苏(2022)南京市不动产权第0567893号' },
  { ref: 'E', part: 'H5', name: '慕容雪晴', phone: '13316657042', cert: '苏(2018)南京市不动产权第0789015号' },
  { ref: 'F', part: 'H6', name: '东方既白', phone: '19982450361', cert: '苏(2023)南京市不动产权第0901237号' },
];
const HOLDERS = ['11010519491231002X', '320102198803154216', '440304199511083618'];

/** The raw values and the partial forms a careless export or log line could show. */
function secretsOf(): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const o of OWNERS) {
    out.push(
      { label: `${o.ref} phone`, value: o.phone },
      { label: `${o.ref} phone middle 8`, value: o.phone.slice(2, 10) },
      { label: `${o.ref} phone last 8`, value: o.phone.slice(3) },
      { label: `${o.ref} phone spaced`, value: `${o.phone.slice(0, 3)} ${o.phone.slice(3, 7)} ${o.phone.slice(7)}` },
      { label: `${o.ref} phone dashed`, value: `${o.phone.slice(0, 3)}-${o.phone.slice(3, 7)}-${o.phone.slice(7)}` },
      { label: `${o.ref} name`, value: o.name },
      { label: `${o.ref} given name`, value: o.name.slice(2) },
      { label: `${o.ref} certificate`, value: o.cert },
      { label: `${o.ref} certificate number`, value: /第(\d+)号/.exec(o.cert)![1]! },
    );
  }
  for (const [i, id] of HOLDERS.entries()) {
    out.push(
      { label: `holder ${i} ID`, value: id },
      { label: `holder ${i} ID lower case`, value: id.toLowerCase() },
      { label: `holder ${i} ID middle 8`, value: id.slice(6, 14) },
      { label: `holder ${i} ID last 8`, value: id.slice(10) },
      { label: `holder ${i} ID spaced`, value: `${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}` },
    );
  }
  return out;
}

describeEachDb('privacy of every export, publication and log line through a whole vote', (ctx) => {
  it('no phone number, ID number, certificate number or owner name in logs, exports, publications or sent texts (raw or partial)', async () => {
    const lines: string[] = [];
    ctx().deps.logger = createLogger('trace', { write: (s: string) => lines.push(s) });
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const estate = await makeEstate(ctx(), undefined, 'Privacy estate');
    const role = (r: 'organizer' | 'clerk' | 'auditor' | 'volunteer') => makeUser(ctx(), { roles: [{ estateId: estate.id, role: r }] });
    const [org, clerkA, clerkB, auditor, volunteer] = [await role('organizer'), await role('clerk'), await role('clerk'), await role('auditor'), await role('volunteer')];
    const base = `/api/estates/${estate.id}`;
    const exports = new Map<string, string>();
    const call = async (label: string | null, method: string, path: string, token?: string, body?: unknown) => {
      const r = await ctx().call(method, path, { token, body });
      if (label) exports.set(label, typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      return r;
    };

    // The register, with names, phones and certificates, imported through the API.
    const csv = [
      'part_id,building,entrance,floor,kind,area,area_source,status,owners,owner_names,owner_phones,certificate',
      ...OWNERS.map((o, i) => `${o.part},${i < 3 ? 1 : 2},1,${i + 1},residential,${80 + i}.50,register,registered,${o.ref},${o.name},${o.phone},${o.cert}`),
      'H7,2,1,9,residential,95.00,contract,unsold,,,,',
      '',
    ].join('\n');
    const form = new FormData();
    form.set('file', new Blob([csv], { type: 'text/csv' }), 'register.csv');
    expect((await ctx().call('POST', `${base}/register/import`, { token: org.token, raw: form })).status).toBe(200);

    // Owner A signs in by one-time code (a wrong code first); owner B binds an account with certificate and name.
    const signInA = async () => {
      await call(null, 'POST', '/api/auth/otp/request', undefined, { phone: `+86 ${OWNERS[0]!.phone.slice(0, 3)}-${OWNERS[0]!.phone.slice(3, 7)}-${OWNERS[0]!.phone.slice(7)}` });
      const otp = /(\d{6})/.exec(ctx().sender.lastTo(OWNERS[0]!.phone)!.text)![1]!;
      await call(null, 'POST', '/api/auth/otp/verify', undefined, { phone: OWNERS[0]!.phone, code: otp === '000000' ? '111111' : '000000' });
      const token = (await call(null, 'POST', '/api/auth/otp/verify', undefined, { phone: OWNERS[0]!.phone, code: otp })).body.token as string;
      expect(token).toBeTruthy();
      return token;
    };
    const someone = await makeUser(ctx(), { name: 'new account' });
    expect((await call(null, 'POST', '/api/me/bind', someone.token, { estateId: estate.id, partId: 'H2', certificate: OWNERS[1]!.cert, name: OWNERS[1]!.name })).status).toBe(200);
    await call(null, 'POST', '/api/me/bind', someone.token, { estateId: estate.id, partId: 'H3', certificate: OWNERS[2]!.cert.replace('0', '9'), name: OWNERS[2]!.name });

    // A vote: notice, letters, service, proxies (resident ID numbers), ballots online, by letter, by proxy and on paper.
    const created = await call(null, 'POST', `${base}/votes`, org.token, { title: '续聘物业 Renew the manager', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: '续聘物业服务企业', category: '4' }] });
    expect(created.status).toBe(201);
    const url = `${base}/votes/${created.body.id}`;
    expect((await call('notice', 'POST', `${url}/notice`, org.token, { noticeDate: '2026-03-01' })).status).toBe(200);
    const letters = await call('letters issued (to print)', 'POST', `${url}/letters`, org.token, {});
    expect(letters.status).toBe(201);
    t.set('2026-03-05T12:00:00+08:00');
    for (const o of OWNERS) await call(null, 'POST', `${url}/service`, clerkA.token, { partId: o.part, channel: 'hand', servedAt: '2026-03-05T10:00:00+08:00' });
    const proxyC = await call('proxy recorded', 'POST', `${url}/proxies`, clerkA.token, { partId: 'H3', holderIdNumber: HOLDERS[0], authorizationSha256: 'c'.repeat(64) });
    expect(proxyC.status).toBe(201);
    expect((await call(null, 'POST', `${url}/proxies`, clerkA.token, { partId: 'H4', holderIdNumber: `${HOLDERS[1]!.slice(0, 6)} ${HOLDERS[1]!.slice(6, 14)} ${HOLDERS[1]!.slice(14)}`, authorizationSha256: 'd'.repeat(64) })).status).toBe(201);
    await call(null, 'POST', `${url}/proxies`, clerkA.token, { partId: 'H9', holderIdNumber: HOLDERS[2], authorizationSha256: 'e'.repeat(64) });

    t.set('2026-03-20T10:00:00+08:00');
    const ownerA = await signInA();
    const ballot = (token: string, choice: string) => ctx().call('POST', `${url}/ballots`, { token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } });
    expect((await ballot(ownerA, 'yes')).status).toBe(201);
    const letterB = letters.body.letters.find((l: any) => l.parts.some((p: any) => p.partId === 'H2'));
    const byLetter = await call(null, 'POST', '/api/auth/letter', undefined, { code: letterB.code });
    expect((await ballot(byLetter.body.token, 'no')).status).toBe(201);
    const holder = await call(null, 'POST', '/api/auth/letter', undefined, { code: proxyC.body.code });
    expect((await ballot(holder.body.token, 'yes')).status).toBe(201);
    for (const clerk of [clerkA, clerkB]) {
      await call(null, 'POST', `${url}/paper`, clerk.token, { partId: 'H5', choices: [{ matter: 'm1', choice: 'abstain' }], scanSha256: 'f'.repeat(64), receivedAt: '2026-03-19T16:00:00+08:00' });
    }

    // Outreach and text reminders (the memory sender stands in for SMS); one number opts out.
    await call('outreach (organizer)', 'GET', `${url}/outreach`, org.token);
    expect((await call(null, 'POST', `${url}/outreach/assign`, org.token, { assigneeId: volunteer.id, building: '2' })).status).toBe(200);
    const mine = await call('outreach (volunteer)', 'GET', `${url}/outreach`, volunteer.token);
    const party = mine.body.buildings[0].parties[0].party;
    await call(null, 'POST', `${url}/outreach/${party}/contacted`, volunteer.token, { note: '已上门，晚上再来' });
    await call(null, 'POST', `${url}/outreach/${party}/contacted`, volunteer.token, { note: `电话 ${OWNERS[3]!.phone}` });
    const reminders = await call('reminders', 'POST', `${url}/reminders`, org.token, {});
    expect(reminders.body.sent).toBeGreaterThan(0);
    const reminder = ctx().sender.sent.find((m) => m.purpose === 'reminder')!;
    const optOutToken = /\/optout\/(\S+)/.exec(reminder.text)![1]!;
    expect((await call(null, 'POST', '/api/reminders/opt-out', undefined, { token: optOutToken })).status).toBe(200);

    // A consultation, answered and exported.
    const consultation = await call(null, 'POST', `${base}/consultations`, org.token, { title: '外墙颜色', closesAt: '2026-04-30T18:00:00+08:00', questions: [{ key: 'q1', kind: 'text', title: '意见' }] });
    const cid = consultation.body.id;
    await call(null, 'POST', `${base}/consultations/${cid}/open`, org.token);
    expect((await call(null, 'PUT', `${base}/consultations/${cid}/responses/H1`, ownerA, { answers: { q1: '同意，颜色要浅' } })).status).toBe(200);

    // Close, then every export and publication.
    t.set('2026-04-01T10:00:00+08:00');
    expect((await call('close', 'POST', `${url}/close`, org.token, { reason: '投票期结束 count' })).status).toBe(200);
    const owner = await signInA();
    await call('vote (owner)', 'GET', url, owner);
    await call('electorate (公示名册)', 'GET', `${url}/electorate`, owner);
    await call('turnout', 'GET', `${url}/turnout`, owner);
    await call('result (公告)', 'GET', `${url}/result`, owner);
    await call('reconciliation (count sheet, member)', 'GET', `${url}/reconciliation`, owner);
    await call('reconciliation (auditor)', 'GET', `${url}/reconciliation`, auditor.token);
    await call('letters list', 'GET', `${url}/letters`, org.token);
    await call('proxies list', 'GET', `${url}/proxies`, auditor.token);
    await call('paper queue', 'GET', `${url}/paper`, auditor.token);
    await call('service list', 'GET', `${url}/service`, auditor.token);
    await call('my receipts', 'GET', `${url}/my-receipts`, owner);
    await call('ledger export (public)', 'GET', `${url}/ledger/export`, owner);
    await call('ledger export (auditor)', 'GET', `${url}/ledger/export/auditor`, auditor.token);
    await call('proof file', 'GET', `${url}/ledger/proof?index=1&download=1`, owner);
    await call('checkpoint', 'GET', `${url}/ledger/checkpoint`, owner);
    await call('parts (register listing)', 'GET', `${base}/parts?limit=500`, auditor.token);
    await call('buildings overview', 'GET', `${base}/buildings`, auditor.token);
    await call('estate electorate', 'GET', `${base}/electorate`, auditor.token);
    await call('consultation CSV', 'GET', `${base}/consultations/${cid}/export.csv`, org.token);
    await call('consultation results', 'GET', `${base}/consultations/${cid}/results`, org.token);
    await call('consultation coverage', 'GET', `${base}/consultations/${cid}/coverage`, org.token);
    await call('inbox (owner)', 'GET', '/api/me/inbox', owner);

    const files = JSON.parse(exports.get('ledger export (auditor)')!).files as Record<string, string>;
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['tally.json', 'roster.jsonl', 'entries.jsonl', 'openings.jsonl']));
    expect(exports.get('consultation CSV')).toContain('H1');
    expect(lines.length).toBeGreaterThan(40);
    // Texts go to the owners' own phones (that is their purpose), but carry no names or ID numbers.
    const texts = ctx().sender.sent.map((m) => m.text).join('\n');
    expect(ctx().sender.sent.some((m) => m.purpose === 'reminder')).toBe(true);

    const haystacks = new Map<string, string>([['log', lines.join('')], ['sent texts', texts], ...exports]);
    const found: string[] = [];
    for (const { label, value } of secretsOf()) {
      for (const [where, text] of haystacks) {
        if (where === 'sent texts' && /phone/.test(label)) continue;
        if (text.includes(value)) found.push(`${label} in ${where}`);
      }
    }
    expect(found).toEqual([]);
  }, 120_000);
});
