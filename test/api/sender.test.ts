/**
 * The HTTP sender against a real local gateway: success, retry after 5xx, no retry after 4xx,
 * network refusal; every attempt recorded in message_deliveries without number, text or code; OTP
 * and owner alerts going through it; and the console outbox masking codes outside the demo.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageDeliveries } from '../../db/schema/index.ts';
import { createLogger } from '../../src/logger.ts';
import { dispatchOwnerAlerts } from '../../src/modules/notifications/owner-alerts.ts';
import { ConsoleSender, HttpSender, SendError, maskCodes } from '../../src/sender.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { closedPort, startGateway, type Gateway } from '../support/gateway.ts';
import { clock } from '../support/votes.ts';

const PHONE = '13955556666';
const KEY = 'gateway-key-0123456789';

function httpSender(ctx: TestContext, url: string) {
  return new HttpSender({ url, key: KEY, template: 'SMS_0001', db: ctx.db, hashPhone: (p) => ctx.deps.keys.hash('phone', p), attempts: 3, baseDelayMs: 5, timeoutMs: 2000 });
}

async function rows(ctx: TestContext) {
  return ctx.db.select().from(messageDeliveries);
}

describeEachDb('HTTP sender', (ctx) => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('posts JSON with the key in a header; a 200 is one attempt, recorded as sent', async () => {
    gw.received.length = 0;
    await ctx().db.delete(messageDeliveries);
    await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'otp', text: '【邻里】验证码 482913' });
    expect(gw.received).toHaveLength(1);
    const [req] = gw.received;
    expect(req!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.body).toMatchObject({ to: PHONE, text: '【邻里】验证码 482913', purpose: 'otp', template: 'SMS_0001' });
    const [row] = await rows(ctx());
    expect(row).toMatchObject({ id: req!.body.id, purpose: 'otp', status: 'sent', attempts: 1, lastError: null, phoneHash: ctx().deps.keys.hash('phone', PHONE) });
    expect(row!.sentAt).toBeInstanceOf(Date);
    expect(req!.headers['idempotency-key']).toBe(row!.id);
  });

  it('retries a 5xx with the same delivery id and succeeds', async () => {
    gw.received.length = 0;
    gw.plan.push(503, 502);
    await ctx().db.delete(messageDeliveries);
    await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'notice', text: 'hello' });
    expect(gw.received).toHaveLength(3);
    expect(new Set(gw.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    const [row] = await rows(ctx());
    expect(row).toMatchObject({ status: 'sent', attempts: 3, lastError: null });
  });

  it('does not retry a 4xx: one attempt, failed, a permanent SendError', async () => {
    gw.received.length = 0;
    gw.plan.push(400);
    await ctx().db.delete(messageDeliveries);
    const err = await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'otp', text: 'code 771204' }).catch((e) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err.permanent).toBe(true);
    expect(gw.received).toHaveLength(1);
    const [row] = await rows(ctx());
    expect(row).toMatchObject({ id: err.deliveryId, status: 'failed', attempts: 1, lastError: 'HTTP 400' });
  });

  it('gives up after the bounded attempts when the gateway keeps failing (5xx)', async () => {
    gw.received.length = 0;
    gw.plan.push(500, 500, 500, 500);
    await ctx().db.delete(messageDeliveries);
    const err = await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'reminder', text: 'x' }).catch((e) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(err.permanent).toBe(false);
    expect(gw.received).toHaveLength(3);
    gw.plan.length = 0;
    expect((await rows(ctx()))[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
  });

  it('retries a refused connection with backoff, then records it failed', async () => {
    await ctx().db.delete(messageDeliveries);
    const port = await closedPort();
    const started = Date.now();
    const err = await httpSender(ctx(), `http://127.0.0.1:${port}/send`).send({ to: PHONE, purpose: 'otp', text: 'code 118822' }).catch((e) => e);
    expect(err).toBeInstanceOf(SendError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 + 10);
    expect((await rows(ctx()))[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'network: ECONNREFUSED' });
  });

  it('stores no phone number, text or code in any delivery row', async () => {
    await ctx().db.delete(messageDeliveries);
    gw.plan.push(503);
    await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'otp', text: '【邻里】验证码 604512，5分钟内有效' });
    gw.plan.push(422);
    await httpSender(ctx(), gw.url).send({ to: PHONE, purpose: 'otp', text: '【邻里】验证码 604513' }).catch(() => {});
    const dump = JSON.stringify(await rows(ctx()));
    expect((await rows(ctx())).map((r) => r.status).sort()).toEqual(['failed', 'sent']);
    for (const secret of [PHONE, PHONE.slice(3), '604512', '604513', '验证码', '邻里']) expect(dump).not.toContain(secret);
  });

  it('sends one-time codes through the configured sender; a failed send answers as for an unknown number', async () => {
    const estate = await makeEstate(ctx(), `part_id,building,area,area_source,status,owners,owner_phones\nH1,1,80,register,registered,A,${PHONE}\n`, 'otp via http');
    expect(estate.id).toBeTruthy();
    ctx().deps.sender = httpSender(ctx(), gw.url);
    try {
      gw.received.length = 0;
      const asked = await ctx().call('POST', '/api/auth/otp/request', { body: { phone: PHONE } });
      expect(asked.status).toBe(202);
      expect(gw.received).toHaveLength(1);
      const code = /(\d{6})/.exec(gw.received[0]!.body.text)![1]!;
      const signed = await ctx().call('POST', '/api/auth/otp/verify', { body: { phone: PHONE, code } });
      expect(signed.status).toBe(200);

      // The gateway refuses the next one: still 202, the row says failed.
      ctx().deps.now = () => new Date(Date.now() + 120_000);
      gw.plan.push(403);
      const again = await ctx().call('POST', '/api/auth/otp/request', { body: { phone: PHONE } });
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ sent: true });
      const last = (await rows(ctx())).find((r) => r.lastError === 'HTTP 403');
      expect(last).toMatchObject({ purpose: 'otp', status: 'failed', attempts: 1 });
    } finally {
      delete ctx().deps.now;
    }
  });

  it('sends owner alerts through the configured sender', async () => {
    const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
    const phoneB = '13811112222';
    const estate = await makeEstate(ctx(), `part_id,building,area,area_source,status,owners,owner_phones\nU1,1,80,register,registered,B,${phoneB}\nU2,1,90,register,registered,C,\n`, 'alerts via http');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const base = `/api/estates/${estate.id}/votes`;
    const created = await ctx().call('POST', base, { token: org.token, body: { title: 'alerts', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'renew', category: '4' }] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await ctx().call('POST', `${base}/${created.body.id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } })).status).toBe(200);
    t.set('2026-03-18T10:00:00+08:00');
    // Drain alerts of earlier tests into the memory outbox first.
    const memory = ctx().sender;
    ctx().deps.sender = memory;
    while ((await dispatchOwnerAlerts(ctx().deps)) > 0);
    const invite = await ctx().call('POST', `/api/estates/${estate.id}/invites`, { token: org.token, body: { role: 'owner', personRef: 'B' } });
    expect(invite.status, JSON.stringify(invite.body)).toBe(201);
    gw.received.length = 0;
    ctx().deps.sender = httpSender(ctx(), gw.url);
    try {
      expect(await dispatchOwnerAlerts(ctx().deps)).toBeGreaterThan(0);
    } finally {
      ctx().deps.sender = memory;
      delete ctx().deps.now;
    }
    const toB = gw.received.filter((r) => r.body.to === phoneB);
    expect(toB).toHaveLength(1);
    expect(toB[0]!.body).toMatchObject({ purpose: 'notice' });
    expect(toB[0]!.body.text).toContain('U1');
    expect(toB[0]!.body.text).not.toContain(invite.body.code);
    const delivered = await ctx().db.select().from(messageDeliveries).where(eq(messageDeliveries.id, toB[0]!.body.id));
    expect(delivered[0]).toMatchObject({ status: 'sent', purpose: 'notice', phoneHash: ctx().deps.keys.hash('phone', phoneB) });
  });
});

describe('console outbox', () => {
  const otp = { to: PHONE, purpose: 'otp' as const, text: '【邻里】验证码 604512，5分钟内有效。Your linli code: 604512' };

  it('masks one-time codes, letter and invite codes and link codes unless built for the demo', async () => {
    const out: string[] = [];
    const sender = new ConsoleSender({ out: { write: (s: string) => out.push(s) } });
    await sender.send(otp);
    await sender.send({ to: PHONE, purpose: 'reminder', text: '请投票 http://x.test/l#K7QM-2XHP-9RTA 或 http://x.test/join#K7QXM-2PD9R 退订 http://x.test/optout/abcdefghijkl' });
    await sender.send({ to: PHONE, purpose: 'notice', text: 'code K7QM-2XHP-9RTA old link http://x.test/l/K7QM2XHP9RTA http://x.test/join?code=K7QXM-2PD9R' });
    const text = out.join('');
    expect(out).toHaveLength(3);
    expect(text).toContain('139****6666');
    for (const secret of ['604512', 'K7QM-2XHP-9RTA', 'K7QM2XHP9RTA', 'K7QXM-2PD9R', 'abcdefghijkl', PHONE]) expect(text).not.toContain(secret);
  });

  it('shows the code in the demo', async () => {
    const out: string[] = [];
    await new ConsoleSender({ revealCodes: true, out: { write: (s: string) => out.push(s) } }).send(otp);
    expect(out.join('')).toContain('604512');
    expect(out.join('')).not.toContain(PHONE);
  });

  it('maskCodes leaves ordinary words and short numbers alone', () => {
    expect(maskCodes('3月17日 14:00 续聘物业 U5')).toBe('3月17日 14:00 续聘物业 U5');
  });
});

describe('sender configuration', () => {
  it('logs a failed delivery without number or text', async () => {
    const lines: string[] = [];
    const { makeTestContext } = await import('../support/app.ts');
    const { dbTargets } = await import('../support/db.ts');
    const ctx = await makeTestContext(dbTargets[0]!);
    try {
      const port = await closedPort();
      const sender = new HttpSender({ url: `http://127.0.0.1:${port}/`, key: KEY, db: ctx.db, hashPhone: (p) => ctx.deps.keys.hash('phone', p), attempts: 2, baseDelayMs: 1, logger: createLogger('info', { write: (s: string) => lines.push(s) }) });
      await expect(sender.send({ to: PHONE, purpose: 'otp', text: 'code 604512' })).rejects.toBeInstanceOf(SendError);
      const log = lines.join('');
      expect(log).toContain('message not delivered');
      for (const secret of [PHONE, '604512', KEY]) expect(log).not.toContain(secret);
    } finally {
      await ctx.close();
    }
  });
});
