import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleGrants, users } from '../../db/schema/index.ts';
import { readEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';
import { createCouncil } from '../../src/modules/councils/routes.ts';
import { createEstate } from '../../src/modules/registry/service.ts';
import type { ClientToServerEvents, ServerToClientEvents, SessionPush } from '../../src/realtime/protocol.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { freshPostgresDatabase } from '../support/db.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const MEMBERS = 50;

async function seedCouncil(running: RunningServer) {
  const { db, keys, env } = running.deps;
  const estate = await createEstate(db, { name: '议事会测试' });
  const people: { id: string; token: string }[] = [];
  for (let i = 0; i < MEMBERS + 2; i++) {
    const [u] = await db.insert(users).values({ displayName: i === 0 ? '陈理事长' : `代表${i}` }).returning({ id: users.id });
    await db.insert(roleGrants).values({ userId: u!.id, estateId: estate.id, role: i < MEMBERS ? 'council_member' : 'resident' });
    people.push({ id: u!.id, token: (await issueToken(db, keys, env.publicUrl, u!.id)).token });
  }
  const councilId = await createCouncil(db, estate.id, { name: '东邻里理事会', members: people.slice(0, MEMBERS).map((p, i) => ({ userId: p.id, role: i === 0 ? 'chair' : 'member' })) });
  return { estateId: estate.id, councilId, chair: people[0]!, members: people.slice(1, MEMBERS), observers: people.slice(MEMBERS) };
}

async function schedule(running: RunningServer, s: Awaited<ReturnType<typeof seedCouncil>>) {
  const res = await running.app.request(`/api/estates/${s.estateId}/councils/${s.councilId}/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${s.chair.token}` },
    body: JSON.stringify({ title: '11月理事会', scheduledAt: new Date().toISOString(), agenda: [{ title: '加装电梯意见', minutes: 20 }, { title: '外墙颜色', minutes: 15 }] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string; agenda: { id: string }[] });
}

function clientOf(url: string, token: string, clients: Client[]): Client {
  const c: Client = connect(url, { auth: { token }, transports: ['websocket'], forceNew: true });
  clients.push(c);
  return c;
}

async function join(c: Client, estateId: string, sessionId: string) {
  const res = await c.emitWithAck('session:join', { estateId, sessionId });
  if (!res.ok) throw new Error(res.error.message);
  return res.data;
}

async function act(c: Client, sessionId: string, action: object) {
  return c.emitWithAck('session:act', { sessionId, action: action as never });
}

const nextState = (c: Client, pred: (p: SessionPush) => boolean) =>
  new Promise<SessionPush>((resolve) => {
    const on = (p: SessionPush) => {
      if (pred(p)) {
        c.off('session:state', on);
        resolve(p);
      }
    };
    c.on('session:state', on);
  });

describe('council session over Socket.IO (one node, real clients)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'linli-council-'));
  let running: RunningServer;
  let s: Awaited<ReturnType<typeof seedCouncil>>;
  let session: Awaited<ReturnType<typeof schedule>>;
  const clients: Client[] = [];

  beforeAll(async () => {
    running = await startServer(readEnv({ PORT: '0', HOST: '127.0.0.1', LINLI_DATA_DIR: dir }), { logger: createLogger('silent') });
    s = await seedCouncil(running);
    session = await schedule(running, s);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows presence and council quorum (more than half of the members)', async () => {
    const chair = clientOf(running.url, s.chair.token, clients);
    const first = await join(chair, s.estateId, session.id);
    expect(first.me).toEqual({ userId: s.chair.id, role: 'chair' });
    expect(first.presence).toMatchObject({ membersPresent: 1, members: MEMBERS, quorum: false });
    const observer = clientOf(running.url, s.observers[0]!.token, clients);
    expect((await join(observer, s.estateId, session.id)).me!.role).toBe('observer');
    // 25 of 50 is not more than half; 26 is.
    const joined = await Promise.all(s.members.slice(0, 24).map((m) => join(clientOf(running.url, m.token, clients), s.estateId, session.id)));
    expect(Math.max(...joined.map((j) => j.presence.membersPresent))).toBe(25);
    const last = await join(clientOf(running.url, s.members[24]!.token, clients), s.estateId, session.id);
    expect(last.presence).toMatchObject({ membersPresent: 26, quorum: true });
  });

  it('refuses strangers, bad payloads and members doing the chair’s work', async () => {
    const stranger = clientOf(running.url, (await issueToken(running.deps.db, running.deps.keys, running.deps.env.publicUrl, (await running.deps.db.insert(users).values({ displayName: 'x' }).returning({ id: users.id }))[0]!.id)).token, clients);
    expect(await stranger.emitWithAck('session:join', { estateId: s.estateId, sessionId: session.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const member = clientOf(running.url, s.members[30]!.token, clients);
    await join(member, s.estateId, session.id);
    expect(await act(member, session.id, { type: 'session.start' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await act(member, session.id, { type: 'hand.raise', kind: 'loud' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await act(member, 'not-a-session', { type: 'hand.lower' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await act(member, session.id, { type: 'hand.raise', kind: 'pro' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } }); // not started
  });

  it('runs the agenda, keeps a fair speaking queue under concurrent raises, gives the floor', async () => {
    const chair = clients[0]!;
    expect((await act(chair, session.id, { type: 'session.start' })).ok).toBe(true);
    expect((await act(chair, session.id, { type: 'item.open', itemId: session.agenda[0]!.id })).ok).toBe(true);
    const raisers = s.members.slice(0, 10).map((m) => clientOf(running.url, m.token, clients));
    await Promise.all(raisers.map((c) => join(c, s.estateId, session.id)));
    const results = await Promise.all(raisers.map((c, i) => act(c, session.id, { type: 'hand.raise', kind: i % 2 ? 'contra' : 'pro' })));
    expect(results.every((r) => r.ok)).toBe(true);
    const order = await act(clients[3]!, session.id, { type: 'hand.raise', kind: 'order' });
    expect(order.ok).toBe(false); // clients[3] is members[1], already in the queue
    const orderer = clientOf(running.url, s.members[20]!.token, clients);
    await join(orderer, s.estateId, session.id);
    const afterOrder = await act(orderer, session.id, { type: 'hand.raise', kind: 'order' });
    if (!afterOrder.ok) throw new Error(afterOrder.error.message);
    const queue = afterOrder.data.state.queue;
    expect(queue).toHaveLength(11);
    expect(queue[0]).toMatchObject({ userId: s.members[20]!.id, kind: 'order' });
    expect(new Set(queue.map((q) => q.userId)).size).toBe(11);
    // Order of the rest = order of arrival (their events' order).
    const at = queue.slice(1).map((q) => q.at);
    expect([...at].sort()).toEqual(at);
    const floor = await act(chair, session.id, { type: 'floor.give', userId: queue[1]!.userId, limitSec: 120 });
    if (!floor.ok) throw new Error(floor.error.message);
    expect(floor.data.state.floor).toMatchObject({ userId: queue[1]!.userId, limitSec: 120 });
    expect(floor.data.state.queue).toHaveLength(10);
  });

  it('runs a show of hands with 50 members present and counts it live', async () => {
    const chair = clients[0]!;
    const voters = [clients[0]!, ...s.members.map((m) => clientOf(running.url, m.token, clients))];
    await Promise.all(voters.slice(1).map((c) => join(c, s.estateId, session.id)));
    const opened = await act(chair, session.id, { type: 'poll.open', question: '是否同意加装电梯？' });
    if (!opened.ok) throw new Error(opened.error.message);
    const poll = opened.data.state.polls.at(-1)!;
    const votes = await Promise.all(voters.map((c, i) => act(c, session.id, { type: 'poll.vote', pollId: poll.id, choice: i < 30 ? 'yes' : i < 45 ? 'no' : 'abstain' })));
    expect(votes.filter((v) => !v.ok)).toEqual([]);
    const closed = await act(chair, session.id, { type: 'poll.close', pollId: poll.id });
    if (!closed.ok) throw new Error(closed.error.message);
    const result = closed.data.state.polls.find((p) => p.id === poll.id)!;
    expect(Object.keys(result.votes)).toHaveLength(50);
    expect(Object.values(result.votes).filter((v) => v === 'yes')).toHaveLength(30);
    // An observer cannot vote.
    expect(await act(clients[1]!, session.id, { type: 'poll.vote', pollId: poll.id, choice: 'yes' })).toMatchObject({ ok: false });
  });

  it('takes motions: propose, second, vote, carry, and turns a carried motion into a draft proposal', async () => {
    const [chair, , m1, m2] = clients;
    const proposed = await act(m1!, session.id, { type: 'motion.propose', text: '申请在1栋2单元加装电梯，提交业主表决' });
    if (!proposed.ok) throw new Error(proposed.error.message);
    const motion = proposed.data.state.motions.at(-1)!;
    expect(await act(m1!, session.id, { type: 'motion.second', motionId: motion.id })).toMatchObject({ ok: false });
    expect((await act(m2!, session.id, { type: 'motion.second', motionId: motion.id })).ok).toBe(true);
    for (const c of clients.slice(2, 12)) await act(c, session.id, { type: 'motion.vote', motionId: motion.id, choice: 'yes' });
    const closed = await act(chair!, session.id, { type: 'motion.close', motionId: motion.id });
    if (!closed.ok) throw new Error(closed.error.message);
    expect(closed.data.state.motions.find((m) => m.id === motion.id)!.status).toBe('carried');
    const res = await running.app.request(`/api/estates/${s.estateId}/sessions/${session.id}/motions/${motion.id}/proposal`, { method: 'POST', headers: { authorization: `Bearer ${s.chair.token}` } });
    expect(res.status).toBe(201);
    const { proposalId } = (await res.json()) as { proposalId: string };
    const prop = await running.app.request(`/api/estates/${s.estateId}/proposals/${proposalId}`, { headers: { authorization: `Bearer ${s.chair.token}` } });
    expect(((await prop.json()) as { status: string; current: { title: string } })).toMatchObject({ status: 'draft', current: { title: '申请在1栋2单元加装电梯，提交业主表决' } });
  });

  it('moderates live opinions: rate limit, chair hides, three reports hide', async () => {
    const [chair, observer, m1, m2, m3, m4] = clients;
    const sent = await act(observer!, session.id, { type: 'message.send', body: '<b>楼下</b>住户也要考虑' });
    if (!sent.ok) throw new Error(sent.error.message);
    const msg = sent.data.state.messages.at(-1)!;
    expect(msg.body).toBe('<b>楼下</b>住户也要考虑');
    for (const c of [m1, m2, m3]) expect((await act(c!, session.id, { type: 'message.report', messageId: msg.id })).ok).toBe(true);
    const again = await act(m4!, session.id, { type: 'message.report', messageId: msg.id });
    if (!again.ok) throw new Error(again.error.message);
    expect(again.data.state.messages.find((m) => m.id === msg.id)!.hidden).toBe(true);
    const spam = await act(observer!, session.id, { type: 'message.send', body: 'ok' });
    if (!spam.ok) throw new Error(spam.error.message);
    expect((await act(chair!, session.id, { type: 'message.hide', messageId: spam.data.state.messages.at(-1)!.id })).ok).toBe(true);
    const burst = [];
    for (let i = 0; i < 6; i++) burst.push(await act(observer!, session.id, { type: 'message.send', body: `消息${i}` }));
    expect(burst.some((b) => !b.ok && b.error.code === 'RATE_LIMITED')).toBe(true);
  });

  it('a member who reconnects gets the whole state back', async () => {
    const member = clientOf(running.url, s.members[40]!.token, clients);
    const before = await join(member, s.estateId, session.id);
    member.disconnect();
    await new Promise((r) => setTimeout(r, 300));
    member.connect();
    await new Promise<void>((r) => member.once('connect', () => r()));
    const after = await join(member, s.estateId, session.id);
    expect(after.state.seq).toBeGreaterThanOrEqual(before.state.seq);
    expect(after.state.motions.length).toBe(before.state.motions.length);
    expect(after.state.status).toBe('live');
  });

  it('ends the session and publishes minutes built from the events and the chair’s notes', async () => {
    const chair = clients[0]!;
    expect((await act(chair, session.id, { type: 'notes.set', text: '下次会议讨论停车管理。' })).ok).toBe(true);
    expect((await act(chair, session.id, { type: 'session.end' })).ok).toBe(true);
    const res = await running.app.request(`/api/estates/${s.estateId}/sessions/${session.id}/minutes`, { method: 'POST', headers: { authorization: `Bearer ${s.chair.token}` } });
    expect(res.status).toBe(200);
    const { minutes } = (await res.json()) as { minutes: string };
    for (const text of ['11月理事会', '加装电梯意见', '是否同意加装电梯？', '同意 30', '申请在1栋2单元加装电梯', '下次会议讨论停车管理', '陈理事长']) expect(minutes).toContain(text);
    const member = clients[2]!;
    expect(await act(member, session.id, { type: 'hand.raise', kind: 'pro' })).toMatchObject({ ok: false });
  });
});

const pg = await freshPostgresDatabase();
(pg ? describe : describe.skip)(pg ? 'council session on two nodes sharing PostgreSQL' : 'council session on two nodes [skipped: DATABASE_URL not set]', () => {
  const dirs = [mkdtempSync(path.join(tmpdir(), 'linli-n1-')), mkdtempSync(path.join(tmpdir(), 'linli-n2-'))];
  const nodes: RunningServer[] = [];
  const clients: Client[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    for (const n of nodes) await n.close();
    await pg?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('clients on different nodes are in the same session and see each other’s actions', async () => {
    // Both nodes share one database, one signing key and one secret, as a real deployment does.
    const shared = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: pg!.url, LINLI_PUBLIC_URL: 'http://linli.test', LINLI_SECRET: 'two-node-test-secret-0123' };
    nodes.push(await startServer(readEnv({ ...shared, LINLI_DATA_DIR: dirs[0] }), { logger: createLogger('silent') }));
    const key = (await import('node:fs')).readFileSync(path.join(dirs[0]!, 'keys', 'signing-ed25519.pem'), 'utf8');
    const der = (await import('node:crypto')).createPrivateKey(key).export({ format: 'der', type: 'pkcs8' }).toString('base64');
    nodes.push(await startServer(readEnv({ ...shared, LINLI_DATA_DIR: dirs[1], LINLI_SIGNING_KEY: der }), { logger: createLogger('silent') }));
    const s = await seedCouncil(nodes[0]!);
    const session = await schedule(nodes[0]!, s);
    const onA = clientOf(nodes[0]!.url, s.chair.token, clients);
    const onB = clientOf(nodes[1]!.url, s.members[0]!.token, clients);
    await join(onA, s.estateId, session.id);
    const seenOnB = nextState(onB, (p) => p.state.status === 'live');
    const joinedB = await join(onB, s.estateId, session.id);
    expect(joinedB.presence.membersPresent).toBe(2); // presence counted across both nodes
    expect((await act(onA, session.id, { type: 'session.start' })).ok).toBe(true);
    expect((await seenOnB).state.status).toBe('live');
    const seenOnA = nextState(onA, (p) => p.state.queue.length === 1);
    expect((await act(onB, session.id, { type: 'hand.raise', kind: 'pro' })).ok).toBe(true);
    expect((await seenOnA).state.queue[0]!.userId).toBe(s.members[0]!.id);
  });
});
