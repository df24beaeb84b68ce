import { SignJWT, UnsecuredJWT } from 'jose';
import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { invites, persons } from '../../db/schema/index.ts';
import { createInvite } from '../../src/modules/auth/service.ts';
import { TOKEN_AUDIENCE } from '../../src/modules/auth/tokens.ts';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';

const REGISTER = `part_id,building,entrance,floor,kind,area,area_source,status,owners,owner_names,owner_phones
1-1-101,1,1,1,residential,89.50,register,registered,A,张三,13900001111
1-1-102,1,1,1,residential,96.30,register,registered,B;C,李四;王五,13900002222;13900003333
G-001,G,,-1,parking,12.50,register,registered,A,张三,13900001111
`;

describeEachDb('sign-in', (ctx) => {
  it('signs an owner in with an invite code, once, and shows their parts', async () => {
    const estate = await makeEstate(ctx(), REGISTER);
    const [a] = await ctx().db.select().from(persons).where(eq(persons.ref, 'A'));
    const { code } = await createInvite(ctx().db, { estateId: estate.id, role: 'owner', personId: a!.id, label: 'A' });
    // Codes are typed by people: lower case and without the dash must work.
    const res = await ctx().call('POST', '/api/auth/sign-in', { body: { code: code.toLowerCase().replace('-', ' ') } });
    expect(res.status).toBe(200);
    expect(res.body.token.split('.')).toHaveLength(3);
    const me = await ctx().call('GET', '/api/me', { token: res.body.token });
    expect(me.status).toBe(200);
    expect(me.body.user.displayName).toBe('张三');
    expect(me.body.roles).toEqual([{ estateId: estate.id, estateName: 'Test estate', role: 'owner' }]);
    expect(me.body.parts.map((p: any) => [p.partId, p.area, p.coOwners])).toEqual([
      ['1-1-101', '89.50', 1],
      ['G-001', '12.50', 1],
    ]);
    const again = await ctx().call('POST', '/api/auth/sign-in', { body: { code } });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('INVALID_CODE');
  });

  it('refuses an expired invite and an unknown code', async () => {
    const past = new Date(Date.now() - 40 * 24 * 3600 * 1000);
    const { code } = await createInvite(ctx().db, { estateId: null, role: 'admin', label: 'old', validDays: 1 }, past);
    expect((await ctx().call('POST', '/api/auth/sign-in', { body: { code } })).status).toBe(401);
    expect((await ctx().call('POST', '/api/auth/sign-in', { body: { code: 'AAAAA-BBBBB' } })).status).toBe(401);
  });

  it('stores only the hash of invite codes', async () => {
    const { code, id } = await createInvite(ctx().db, { estateId: null, role: 'admin', label: 'hash check' });
    const [row] = await ctx().db.select().from(invites).where(eq(invites.id, id));
    expect(JSON.stringify(row)).not.toContain(code.replace('-', ''));
    expect(JSON.stringify(row)).not.toContain(code);
  });

  it('makes a platform admin from an admin invite', async () => {
    const { code } = await createInvite(ctx().db, { estateId: null, role: 'admin', label: 'Admin' });
    const res = await ctx().call('POST', '/api/auth/sign-in', { body: { code } });
    const me = await ctx().call('GET', '/api/me', { token: res.body.token });
    expect(me.body.user.isAdmin).toBe(true);
  });

  it('signs in by phone and one-time code, binding every register person with that number', async () => {
    const estate = await makeEstate(ctx(), REGISTER.replace(/139000/g, '136000'), 'Phone estate');
    const req = await ctx().call('POST', '/api/auth/otp/request', { body: { phone: '+86 136-0000-2222' } });
    expect(req.status).toBe(202);
    const msg = ctx().sender.lastTo('13600002222');
    const code = /(\d{6})/.exec(msg!.text)![1]!;
    const wrong = await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: '13600002222', code: code === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(401);
    const ok = await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: '13600002222', code } });
    expect(ok.status).toBe(200);
    const me = await ctx().call('GET', '/api/me', { token: ok.body.token });
    expect(me.body.parts.map((p: any) => [p.estateId, p.partId, p.coOwners])).toEqual([[estate.id, '1-1-102', 2]]);
    // The code is single use.
    expect((await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: '13600002222', code } })).status).toBe(401);
  });

  it('answers an unknown number like a known one but sends nothing; limits requests per number', async () => {
    const before = ctx().sender.sent.length;
    expect((await ctx().call('POST', '/api/auth/otp/request', { body: { phone: '13712345678' } })).status).toBe(202);
    expect(ctx().sender.sent.length).toBe(before);
    const again = await ctx().call('POST', '/api/auth/otp/request', { body: { phone: '13712345678' } });
    expect(again.status).toBe(429);
    expect(again.body.error.code).toBe('RATE_LIMITED');
  });

  it('locks a one-time code after five wrong attempts', async () => {
    await makeEstate(ctx(), REGISTER.replace(/139000/g, '138000'), 'Lockout estate');
    await ctx().call('POST', '/api/auth/otp/request', { body: { phone: '13800001111' } });
    const code = /(\d{6})/.exec(ctx().sender.lastTo('13800001111')!.text)![1]!;
    const bad = code === '123456' ? '654321' : '123456';
    for (let i = 0; i < 5; i++) expect((await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: '13800001111', code: bad } })).status).toBe(401);
    const locked = await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: '13800001111', code } });
    expect(locked.status).toBe(429);
  });

  it('refuses a malformed phone number naming the field', async () => {
    const res = await ctx().call('POST', '/api/auth/otp/request', { body: { phone: '12345' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('phone');
  });

  it('answers 401 without a token and for bad tokens', async () => {
    expect((await ctx().call('GET', '/api/me')).status).toBe(401);
    const { token, id } = await makeUser(ctx());
    expect((await ctx().call('GET', '/api/me', { token })).status).toBe(200);
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), sub: '00000000-0000-0000-0000-000000000000' })).toString('base64url')}.${s}`;
    const none = new UnsecuredJWT({}).setSubject(id).setAudience(TOKEN_AUDIENCE).setIssuer(ctx().deps.env.publicUrl).setExpirationTime('1h').setJti('x').encode();
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setAudience(TOKEN_AUDIENCE).setIssuer(ctx().deps.env.publicUrl).setExpirationTime('1h').setJti('x').sign(createSecretKey(Buffer.alloc(32, 1)));
    const { privateKey: otherKey } = generateKeyPairSync('ed25519');
    const foreign = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject(id).setAudience(TOKEN_AUDIENCE).setIssuer(ctx().deps.env.publicUrl).setExpirationTime('1h').setJti('x').sign(otherKey);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject(id).setAudience(TOKEN_AUDIENCE).setIssuer(ctx().deps.env.publicUrl).setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_100).setJti('x').sign(ctx().deps.keys.privateKey);
    const otherAudience = await new SignJWT({}).setProtectedHeader({ alg: 'EdDSA' }).setSubject(id).setAudience('someone-else').setIssuer(ctx().deps.env.publicUrl).setExpirationTime('1h').setJti('x').sign(ctx().deps.keys.privateKey);
    for (const bad of [tampered, none, hs, foreign, expired, otherAudience, 'not-a-token']) {
      const res = await ctx().call('GET', '/api/me', { token: bad });
      expect(res.status, bad.slice(0, 20)).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
    const exp = await ctx().call('GET', '/api/me', { token: expired });
    expect(exp.body.error.messageZh).toContain('过期');
  });

  it('binds an account to a register owner by certificate number (and name for co-owned parts)', async () => {
    const csv = 'part_id,building,area,area_source,status,owners,owner_names,certificate\nB-1,1,80,register,registered,Q1,孙立新,苏2020第001号\nB-2,1,90,register,registered,Q2;Q3,周明;吴静,苏2020第002号\n';
    const estate = await makeEstate(ctx(), csv, 'Bind estate');
    const alone = await makeUser(ctx(), { name: 'new account' });
    const wrong = await ctx().call('POST', '/api/me/bind', { token: alone.token, body: { estateId: estate.id, partId: 'B-1', certificate: '苏2020第999号' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.messageZh).toContain('不一致');
    const ok = await ctx().call('POST', '/api/me/bind', { token: alone.token, body: { estateId: estate.id, partId: 'B-1', certificate: ' 苏2020第001号 ' } });
    expect(ok.status).toBe(200);
    expect(ok.body.personRef).toBe('Q1');
    const me = await ctx().call('GET', '/api/me', { token: alone.token });
    expect(me.body.parts.map((p: any) => p.partId)).toEqual(['B-1']);
    // Co-owned: the certificate alone does not say which co-owner is asking.
    const co = await makeUser(ctx());
    expect((await ctx().call('POST', '/api/me/bind', { token: co.token, body: { estateId: estate.id, partId: 'B-2', certificate: '苏2020第002号' } })).status).toBe(403);
    const named = await ctx().call('POST', '/api/me/bind', { token: co.token, body: { estateId: estate.id, partId: 'B-2', certificate: '苏2020第002号', name: '吴静' } });
    expect(named.body.personRef).toBe('Q3');
    // A person already bound to someone else is not taken over, and the answer is the one a wrong
    // number gets: a guess learns nothing from it.
    const thief = await makeUser(ctx());
    const taken = await ctx().call('POST', '/api/me/bind', { token: thief.token, body: { estateId: estate.id, partId: 'B-1', certificate: '苏2020第001号' } });
    expect(taken.status).toBe(403);
    expect(taken.body.error.message).toBe(wrong.body.error.message);
    expect(taken.body.error.messageZh).toBe(wrong.body.error.messageZh);
    const bad = await ctx().call('POST', '/api/me/bind', { token: thief.token, body: { estateId: 'x', partId: '', certificate: '1' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: any) => d.field).sort()).toEqual(['certificate', 'estateId', 'partId']);
  });
});
