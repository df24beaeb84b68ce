/**
 * No code reaches the request log: links the server generates carry codes in the fragment, old
 * path-style links (/l/<code>) are still served but logged with the code redacted, and one-time
 * codes never appear.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { redactPath } from '../../src/http/redact-path.ts';
import { createInvite, inviteUrl } from '../../src/modules/auth/service.ts';
import { newInviteCode, newLetterCode } from '../../src/modules/auth/codes.ts';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';

describeEachDb('request log hygiene', (ctx) => {
  it('logs no letter, invite, opt-out or one-time code, whatever the path', async () => {
    const lines: string[] = [];
    ctx().deps.logger = createLogger('info', { write: (s: string) => lines.push(s) });
    const phone = '13766665555';
    const estate = await makeEstate(ctx(), `part_id,building,area,area_source,status,owners,owner_phones\nH1,1,80,register,registered,A,${phone}\n`, 'log hygiene');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const letter = newLetterCode();
    const { code: invite } = await createInvite(ctx().db, { estateId: estate.id, role: 'clerk', label: 'clerk' });
    const optout = randomUUID().replace(/-/g, '') + 'Zq9';
    const secrets = [letter, letter.replace(/-/g, ''), letter.toLowerCase(), invite, invite.replace('-', ''), optout];

    // Old printed links, typed variants and API paths a client could put a code in.
    for (const p of [`/l/${letter}`, `/l/${letter.replace(/-/g, '').toLowerCase()}`, `/l/${encodeURIComponent(letter.toLowerCase())}`, `/join/${invite}`, `/join?code=${invite}`, `/optout/${optout}`, `/api/auth/letter/${letter}`, `/anything/${invite.replace('-', '')}/x`]) {
      const res = await ctx().call('GET', p);
      expect(res.status, p).toBeGreaterThanOrEqual(200);
    }
    expect((await ctx().call('POST', '/api/auth/sign-in', { body: { code: invite } })).status).toBe(200);
    expect((await ctx().call('POST', '/api/auth/letter', { body: { code: letter } })).status).toBe(401);

    // One-time code: requested, a wrong one, the right one.
    expect((await ctx().call('POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(202);
    const otp = /(\d{6})/.exec(ctx().sender.lastTo(phone)!.text)![1]!;
    await ctx().call('POST', '/api/auth/otp/verify', { body: { phone, code: otp === '000000' ? '111111' : '000000' } });
    expect((await ctx().call('POST', '/api/auth/otp/verify', { body: { phone, code: otp } })).status).toBe(200);

    const log = lines.join('');
    const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(13);
    expect(requests.map((r) => r.path)).toContain('/l/:redacted');
    expect(requests.map((r) => r.path)).toContain('/optout/:redacted');
    for (const secret of [...secrets, otp, phone]) expect(log, `log contains ${secret}`).not.toContain(secret);
    expect(org.id).toBeTruthy();
  });

  it('puts codes of generated links in the fragment', async () => {
    const code = newInviteCode();
    expect(inviteUrl('https://vote.example.cn', code)).toBe(`https://vote.example.cn/join#${code}`);
  });
});

describe('redactPath', () => {
  it('keeps route words, UUIDs, small numbers and file names; redacts code-like segments', () => {
    const id = randomUUID();
    expect(redactPath(`/api/estates/${id}/votes/${id}/count-sheet`)).toBe(`/api/estates/${id}/votes/${id}/count-sheet`);
    expect(redactPath('/api/estates/x/votes/y/ledger/entries/1234')).toBe('/api/estates/x/votes/y/ledger/entries/1234');
    expect(redactPath('/assets/index-C_-lLfHz.js')).toBe('/assets/index-C_-lLfHz.js');
    expect(redactPath('/l')).toBe('/l');
    expect(redactPath('/l/whatever')).toBe('/l/:redacted');
    expect(redactPath('/join/abcdefghij')).toBe('/join/:redacted');
    expect(redactPath('/x/K7QXM-2PD9R')).toBe('/x/:redacted');
    expect(redactPath('/x/482913')).toBe('/x/:redacted');
    expect(redactPath('/x/k7qm2xhp9rta')).toBe('/x/:redacted');
  });
});
