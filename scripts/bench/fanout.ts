/**
 * Section `fanout`: 1,000 socket clients in one council session, and the delivery latency of the
 * chair's message to every one of them.
 *
 * Ours: the real linli server as a child process (`node --import tsx src/index.ts`) on a scratch
 * PostgreSQL database, so it runs with the PostgreSQL Socket.IO adapter as a deployment does. The
 * estate has 1,000 people with a role (a chair, 19 council members, 980 residents, who join as
 * observers); each connects with socket.io-client (WebSocket) and joins the session. The chair's
 * broadcast is `session:act` `notes.set` (the chair's live notes): the server checks and stores
 * it, then pushes the new `session:state` to the room. Latency = the time a client receives the
 * push minus the time the chair sent the action, on this process's clock (all clients live here).
 *
 * Baseline, in the same run and interleaved round by round: a bare Socket.IO server (child
 * process, no adapter, no auth, no database) with the same number of clients in one room; the
 * chair's `say` makes it broadcast a copy of the very push our clients received (same JSON, same
 * size, the marker in the same field). p99_ratio = our p99 / the baseline's p99.
 *
 * Memory: the linli server's resident set (/proc/<pid>/status) idle and with every socket joined.
 *
 * Quick mode connects 300 clients (1,000 take about 45 s here, mostly joining), the full run 1,000.
 * For work on this section: BENCH_FANOUT_CLIENTS=<n> overrides the count, and
 * BENCH_FANOUT_CPU_PROF=<dir> runs the linli server with --cpu-prof into that folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io as connect, type Socket } from 'socket.io-client';
import { roleGrants, users } from '../../db/schema/index.ts';
import { createDb, migrate } from '../../src/db.ts';
import { loadKeyring } from '../../src/keys.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';
import { createCouncil } from '../../src/modules/councils/routes.ts';
import { createSession } from '../../src/modules/deliberation/service.ts';
import { createEstate } from '../../src/modules/registry/service.ts';
import type { SessionPush } from '../../src/realtime/protocol.ts';
import { load, machine, nowMs, percentile, round, rssMiB, scratchDatabase, type BenchOptions, type Section } from './lib.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PUBLIC_URL = 'http://linli.bench';
const MEMBERS = 20;

/** The baseline: a bare Socket.IO server; `say` broadcasts the stored push with the marker as its notes. */
const BARE_SERVER = `
import { createServer } from 'node:http';
import { Server } from 'socket.io';
const http = createServer();
const io = new Server(http, { serveClient: false });
let push = null;
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => { socket.join(room); ack(true); });
  socket.on('payload', (p, ack) => { push = p; ack(true); });
  socket.on('say', (room, marker, ack) => { push.state.notes = marker; socket.to(room).emit('session:state', push); ack(true); });
});
http.listen(0, '127.0.0.1', () => console.log('bare listening on http://127.0.0.1:' + http.address().port));
`;

interface Child {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Spawns a server and waits for its "listening on <url>" line. */
function startChild(args: string[], env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<Child> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let ready = false;
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}${err}`)), 60_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 20_000) err = err.slice(-10_000);
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (m && !ready) {
        ready = true;
        clearTimeout(timer);
        resolve({
          url: m[1]!,
          pid: child.pid!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
              setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
            }),
        });
        out = '';
      }
    });
    child.once('exit', (code) => {
      if (code) log(`fanout: server ${args.at(-1)?.slice(0, 40)} exited with ${code}: ${err.slice(-2000)}`);
      reject(new Error(`server exited with ${code}: ${err.slice(-2000)}`));
    });
  });
}

type Client = Socket;
/** Why clients lost their connection during the run (reason → count); empty when none did. */
const disconnects = new Map<string, number>();

function client(url: string, auth: Record<string, string>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = connect(url, { auth, transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000 });
    c.on('disconnect', (reason) => {
      disconnects.set(reason, (disconnects.get(reason) ?? 0) + 1);
    });
    c.once('connect', () => resolve(c));
    c.once('connect_error', (e) => reject(e));
  });
}

/** Runs `job` over `items`, `lanes` at a time. */
async function lanes<T>(items: T[], width: number, job: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await job(items[i]!, i);
      }
    }),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One broadcast: every client waits for a `session:state` whose notes are `marker`; returns the
 * per-client latencies (ms from just before `send`), and how many never arrived within `timeoutMs`.
 */
async function broadcastRound(clients: Client[], marker: string, send: () => Promise<unknown>, timeoutMs = 60_000) {
  const got = new Float64Array(clients.length).fill(Number.NaN);
  let left = clients.length;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  const handlers = clients.map((c, i) => {
    const on = (p: SessionPush) => {
      if (p?.state?.notes !== marker || !Number.isNaN(got[i]!)) return;
      got[i] = nowMs();
      if (--left === 0) finish();
    };
    c.on('session:state', on);
    return on;
  });
  const t0 = nowMs();
  await send();
  const ackMs = nowMs() - t0;
  const timer = setTimeout(finish, timeoutMs);
  await all;
  clearTimeout(timer);
  clients.forEach((c, i) => c.off('session:state', handlers[i]));
  const latencies = Array.from(got, (t) => t - t0).filter((x) => !Number.isNaN(x));
  return { latencies, missing: clients.length - latencies.length, ackMs };
}

function summary(latencies: number[]) {
  return { deliveries: latencies.length, p50Ms: round(percentile(latencies, 50), 1), p99Ms: round(percentile(latencies, 99), 1), maxMs: round(Math.max(...latencies), 1) };
}

export async function run(opts: BenchOptions): Promise<Section> {
  // Quick mode: 300 clients (1,000 need about 45 s here, most of it joining); the full run has 1,000.
  const clientsWanted = Number(process.env.BENCH_FANOUT_CLIENTS ?? (opts.quick ? 300 : 1000));
  const rounds = opts.quick ? 5 : 20;
  const scratch = await scratchDatabase(opts.pgUrl, 'fanout');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-bench-fanout-'));
  const stops: (() => Promise<void>)[] = [];
  const sockets: Client[] = [];
  try {
    // ---- seed: an estate, its people, a council, a session
    const t0 = nowMs();
    const handle = await createDb({ url: scratch.url, max: 4 });
    const keys = loadKeyring({ dataDir });
    let seeded;
    try {
      await migrate(handle.db);
      const db = handle.db;
      const estate = await createEstate(db, { name: '基准小区 Bench estate' });
      const people = await db
        .insert(users)
        .values(Array.from({ length: clientsWanted }, (_, i) => ({ displayName: i === 0 ? '陈理事长' : i < MEMBERS ? `理事${i}` : `业主${i}` })))
        .returning({ id: users.id });
      await db.insert(roleGrants).values(people.map((p, i) => ({ userId: p.id, estateId: estate.id, role: i < MEMBERS ? 'council_member' : 'resident' })));
      const councilId = await createCouncil(db, estate.id, { name: '基准理事会', members: people.slice(0, MEMBERS).map((p, i) => ({ userId: p.id, role: i === 0 ? ('chair' as const) : ('member' as const) })) });
      const session = await createSession(db, estate.id, councilId, people[0]!.id, true, { title: '基准会议 Bench session', scheduledAt: new Date().toISOString(), agenda: [{ title: '议题一', description: '', minutes: 30 }] });
      const tokens = await Promise.all(people.map(async (p) => (await issueToken(db, keys, PUBLIC_URL, p.id)).token));
      seeded = { estateId: estate.id, sessionId: session.id, tokens };
    } finally {
      await handle.close();
    }
    opts.log(`fanout: seeded ${clientsWanted} people in ${round((nowMs() - t0) / 1000, 1)} s`);

    // ---- servers
    const prof = process.env.BENCH_FANOUT_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_FANOUT_CPU_PROF}`] : [];
    const linli = await startChild([...prof, '--import', 'tsx', 'src/index.ts'], { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_URL: scratch.url, LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: PUBLIC_URL, LINLI_LOG_LEVEL: 'warn', NODE_ENV: 'production', LINLI_SENDER: 'console' }, opts.log);
    stops.push(linli.stop);
    const bare = await startChild(['--input-type=module', '-e', BARE_SERVER], { ...process.env }, opts.log);
    stops.push(bare.stop);
    await sleep(500);
    const rssIdle = rssMiB(linli.pid);
    const bareRssIdle = rssMiB(bare.pid);

    // ---- connect and join: ours (chair first), then the bare server's clients
    const { estateId, sessionId, tokens } = seeded;
    let t = nowMs();
    const chair = await client(linli.url, { token: tokens[0]! });
    sockets.push(chair);
    const joined = await chair.emitWithAck('session:join', { estateId, sessionId });
    if (!joined.ok) throw new Error(`chair cannot join: ${joined.error.message}`);
    const started = await chair.emitWithAck('session:act', { sessionId, action: { type: 'session.start' } });
    if (!started.ok) throw new Error(`session.start refused: ${started.error.message}`);
    const ours: Client[] = [];
    const joinMs: number[] = [];
    await lanes(tokens.slice(1), 50, async (token) => {
      const c = await client(linli.url, { token });
      sockets.push(c);
      const tj = nowMs();
      const r = await c.emitWithAck('session:join', { estateId, sessionId });
      joinMs.push(nowMs() - tj);
      if (!r.ok) throw new Error(`join refused: ${r.error.message}`);
      ours.push(c);
    });
    const joinWallMs = nowMs() - t;
    opts.log(`fanout: ${ours.length + 1} clients joined the linli session in ${round(joinWallMs / 1000, 1)} s`);
    t = nowMs();
    const bareChair = await client(bare.url, {});
    sockets.push(bareChair);
    await bareChair.emitWithAck('join', 'session');
    const theirs: Client[] = [];
    await lanes(Array.from({ length: ours.length }), 50, async () => {
      const c = await client(bare.url, {});
      sockets.push(c);
      await c.emitWithAck('join', 'session');
      theirs.push(c);
    });
    opts.log(`fanout: ${theirs.length + 1} clients joined the bare server in ${round((nowMs() - t) / 1000, 1)} s`);
    // Let the pushes of the join wave drain before measuring.
    await sleep(opts.quick ? 1_000 : 2_000);
    const rssJoined = rssMiB(linli.pid);
    const bareRssJoined = rssMiB(bare.pid);

    // ---- warm-up round on ours: it also yields the push the baseline will broadcast
    let sample: SessionPush | null = null;
    const grab = (p: SessionPush) => (sample ??= p);
    ours[0]!.on('session:state', grab);
    const act = (marker: string) => async () => {
      const r = await chair.emitWithAck('session:act', { sessionId, action: { type: 'notes.set', text: marker } });
      if (!r.ok) throw new Error(`notes.set refused: ${r.error.message}`);
    };
    await broadcastRound(ours, 'warm-up', act('warm-up'));
    ours[0]!.off('session:state', grab);
    if (!sample) throw new Error('no session:state push was received');
    const payloadBytes = Buffer.byteLength(JSON.stringify(sample));
    await bareChair.emitWithAck('payload', sample);
    const say = (marker: string) => () => bareChair.emitWithAck('say', 'session', marker);
    await broadcastRound(theirs, 'warm-up', say('warm-up'));

    // ---- measured rounds, interleaved
    const oursLat: number[] = [];
    const theirLat: number[] = [];
    const oursAck: number[] = [];
    let missingOurs = 0;
    let missingTheirs = 0;
    for (let r = 0; r < rounds; r++) {
      await sleep(300);
      const mine = `round ${r} ${Date.now()}`;
      const a = await broadcastRound(ours, mine, act(mine));
      oursLat.push(...a.latencies);
      oursAck.push(a.ackMs);
      missingOurs += a.missing;
      await sleep(300);
      const marker = `round ${r} ${Date.now()}`;
      const b = await broadcastRound(theirs, marker, say(marker));
      theirLat.push(...b.latencies);
      missingTheirs += b.missing;
    }
    const lost = Object.fromEntries(disconnects);
    if (disconnects.size) opts.log(`fanout: clients disconnected during the run: ${JSON.stringify(lost)}`);
    const o = summary(oursLat);
    const b = summary(theirLat);
    const rssAfter = rssMiB(linli.pid);
    opts.log(`fanout: ours p50 ${o.p50Ms} / p99 ${o.p99Ms} ms; bare p50 ${b.p50Ms} / p99 ${b.p99Ms} ms; RSS ${rssJoined} MiB with ${ours.length + 1} sockets`);
    return {
      clients: ours.length + 1,
      ...(opts.quick && ours.length + 1 < 1000 ? { note: `quick mode: ${ours.length + 1} clients; the full run connects 1,000` } : {}),
      rounds,
      payloadBytes,
      event: 'session:act notes.set (the chair’s live notes) → session:state to the room',
      ours: { ...o, missing: missingOurs, chairAckP50Ms: round(percentile(oursAck, 50), 1) },
      baseline: { what: 'bare Socket.IO server (no adapter, no auth, no database) broadcasting the same push to the same number of clients', ...b, missing: missingTheirs },
      p50_ratio: round(o.p50Ms / b.p50Ms, 2),
      p99_ratio: round(o.p99Ms / b.p99Ms, 2),
      goal: 'p99_ratio ≤ 1.5',
      goalMet: o.p99Ms / b.p99Ms <= 1.5,
      ...(disconnects.size ? { disconnected: lost } : {}),
      join: { wallMs: round(joinWallMs, 0), p50Ms: round(percentile(joinMs, 50), 1), p99Ms: round(percentile(joinMs, 99), 1), lanes: 50 },
      memory: { serverRssIdleMiB: rssIdle, serverRssWithSocketsMiB: rssJoined, serverRssAfterRoundsMiB: rssAfter, sockets: ours.length + 1, bareServerRssIdleMiB: bareRssIdle, bareServerRssWithSocketsMiB: bareRssJoined },
      ...load(),
      machine: machine(),
    };
  } finally {
    for (const s of sockets) s.disconnect();
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await scratch.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}
