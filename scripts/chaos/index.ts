/**
 * `npm run chaos [-- --quick]`: crash without loss. A real server takes ballots from many clients
 * and is killed with SIGKILL at random moments, then restarted — on PostgreSQL, then on PGlite
 * (kill, reopen the data folder). Clients retry until they get an answer, as a phone would. At the
 * end every acknowledged ballot must be in the ledger exactly once at the position its receipt
 * named, nothing unacknowledged may be half-written (box and log agree row for row), and the
 * whole log must pass the verifier. The last line reads:
 *
 *   acknowledged N, recorded N, lost 0, duplicated 0, chain ok
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { ballots, ledgerEntries } from '../../db/schema/index.ts';
import { createDb, migrate, type DbHandle } from '../../src/db.ts';
import { verifyExport } from '../../src/domain/ledger/verify.ts';
import { loadKeyring } from '../../src/keys.ts';
import { signCheckpoint } from '../../src/modules/ledger/checkpoints.ts';
import { buildExport } from '../../src/modules/ledger/export.ts';
import { logSigner } from '../../src/modules/ledger/keys.ts';
import { closeVote } from '../../src/modules/votes/service.ts';
import { freePort, seedOpenVote, startServerProcess, stopProcess, waitHealthy } from '../lib/server-process.ts';
import { scratchDatabase, DEFAULT_PG } from '../bench/lib.ts';

const quick = process.argv.includes('--quick');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Ack {
  party: number;
  seq: number;
  leaf: string;
}

interface Outcome {
  acknowledged: number;
  recorded: number;
  lost: number;
  duplicated: number;
  halfWritten: number;
  kills: number;
  chainOk: boolean;
  failedSteps: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Drives ballots at the server while a killer SIGKILLs and restarts it. `restart` returns the new
 * child; clients keep retrying (the same nonce: a ballot that committed before its answer was lost
 * comes back as a recorded replay, never a second ballot).
 */
async function hammer(url: string, seeded: { estateId: string; voteId: string; tokens: string[] }, lanes: number, kills: number, restart: () => Promise<ChildProcess>, first: ChildProcess) {
  const acks: Ack[] = [];
  const endpoint = `${url}/api/estates/${seeded.estateId}/votes/${seeded.voteId}/ballots`;
  let child = first;
  let killed = 0;
  let clientsDone = false;
  let finished = 0; // submissions answered (201 or a recorded replay)
  // The kills fall at random points of the run: the k-th somewhere in the k-th of (kills + 1) equal
  // parts of the work, so every kill lands while ballots are in flight, however fast the machine.
  const slice = seeded.tokens.length / (kills + 1);
  const killer = (async () => {
    for (let k = 1; k <= kills && !clientsDone; k++) {
      const target = Math.floor((k - 1 + 0.2 + 0.7 * Math.random()) * slice);
      while (finished < target && !clientsDone) await sleep(10);
      if (clientsDone) break;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      killed++;
      log(`  SIGKILL ${killed}/${kills} after ${finished} answered (${acks.length} acknowledged)`);
      await sleep(Math.random() * 300);
      child = await restart();
      await waitHealthy(url, child);
    }
  })();
  let next = 0;
  let unanswered = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        const i = next++;
        if (i >= seeded.tokens.length) return;
        const nonce = randomUUID();
        for (let attempt = 0; ; attempt++) {
          try {
            const res = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.tokens[i]}` },
              body: JSON.stringify({ choices: [{ matter: 'm1', choice: i % 3 ? 'yes' : 'no' }], nonce }),
            });
            const body = (await res.json()) as { ballots?: { seq: number; leaf: string }[] };
            if (res.status === 201) {
              acks.push({ party: i, seq: body.ballots![0]!.seq, leaf: body.ballots![0]!.leaf });
              finished++;
              break;
            }
            if (res.status === 409) {
              finished++;
              break; // committed earlier, its answer lost with the process: recorded as a replay
            }
            if (res.status !== 503) throw new Error(`unexpected HTTP ${res.status}`);
          } catch (e) {
            if ((e as Error).message.startsWith('unexpected')) throw e;
            // Connection refused or reset: the server is down; try again shortly.
          }
          if (attempt > 400) {
            unanswered++;
            break;
          }
          await sleep(50 + Math.random() * 100);
        }
      }
    }),
  );
  clientsDone = true;
  await killer;
  return { acks, kills: killed, child, unanswered };
}

/** Checks the database after the storm: every acknowledged ballot once, box = log, and the log verifies. */
async function audit(handle: DbHandle, dataDir: string, publicUrl: string, seeded: { estateId: string; voteId: string }, acks: Ack[], kills: number): Promise<Outcome> {
  const { db } = handle;
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, seeded.voteId)).orderBy(asc(ledgerEntries.seq));
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  let recorded = 0;
  for (const a of acks) if (bySeq.get(a.seq)?.leaf === a.leaf) recorded++;
  // Duplicates: more than one counted ballot of one party (the rule is final on submission).
  const perParty = new Map<string, number>();
  for (const e of entries) {
    if (e.type !== 'ballot') continue;
    const party = (JSON.parse(e.body) as { party: string }).party;
    perParty.set(party, (perParty.get(party) ?? 0) + 1);
  }
  const duplicated = [...perParty.values()].reduce((s, n) => s + Math.max(0, n - 1), 0);
  // Half-written: a ballot row without its entry or an entry without its row.
  const rows = await db.select({ seq: ballots.seq, status: ballots.status }).from(ballots).where(eq(ballots.voteId, seeded.voteId));
  const ballotEntries = entries.filter((e) => e.type === 'ballot' || e.type === 'ballot_rejected');
  const rowSeqs = new Set(rows.map((r) => r.seq));
  const halfWritten = rows.filter((r) => !bySeq.has(r.seq)).length + ballotEntries.filter((e) => !rowSeqs.has(e.seq)).length;
  // The whole chain: close, sign, export, verify (V0–V10).
  const keys = loadKeyring({ dataDir });
  const signer = logSigner(keys, publicUrl);
  const now = new Date();
  await signCheckpoint(db, signer, seeded.voteId, now);
  await closeVote(db, seeded.estateId, seeded.voteId, { reason: 'chaos test', manual: true, userId: null, now });
  await signCheckpoint(db, signer, seeded.voteId, now);
  const files = await buildExport(db, seeded.estateId, seeded.voteId, { openings: true });
  const enc = new TextEncoder();
  const bytes = new Map([...files].map(([k, v]) => [k, enc.encode(v)]));
  const report = await verifyExport(bytes, { openings: bytes.get('openings.jsonl') });
  const failedSteps = report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.details.slice(0, 3).join('; ')}`);
  return { acknowledged: acks.length, recorded, lost: acks.length - recorded, duplicated, halfWritten, kills, chainOk: failedSteps.length === 0, failedSteps };
}

async function onPostgres(n: number, lanes: number, kills: number): Promise<Outcome> {
  const scratch = await scratchDatabase(process.env.DATABASE_URL ?? DEFAULT_PG, 'chaos');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-chaos-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const handle = await createDb({ url: scratch.url });
  let child: ChildProcess | null = null;
  try {
    await migrate(handle.db);
    const seeded = await seedOpenVote(handle.db, loadKeyring({ dataDir }), publicUrl, n);
    const env = { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: scratch.url, LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: publicUrl };
    child = await startServerProcess(env);
    await waitHealthy(publicUrl, child);
    log(`postgres: ${n} owners, ${lanes} clients, ${kills} kills`);
    const r = await hammer(publicUrl, seeded, lanes, kills, () => startServerProcess(env), child);
    child = r.child;
    await stopProcess(child);
    child = null;
    return await audit(handle, dataDir, publicUrl, seeded, r.acks, r.kills);
  } finally {
    if (child) await stopProcess(child);
    await handle.close();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function onPglite(n: number, lanes: number, kills: number): Promise<Outcome> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-chaos-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  try {
    let handle = await createDb({ dataDir: `${dataDir}/pglite` });
    await migrate(handle.db);
    const seeded = await seedOpenVote(handle.db, loadKeyring({ dataDir }), publicUrl, n);
    await handle.close();
    const env = { PORT: String(port), HOST: '127.0.0.1', LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: publicUrl };
    child = await startServerProcess(env);
    await waitHealthy(publicUrl, child);
    log(`pglite: ${n} owners, ${lanes} clients, ${kills} kills (the data folder is reopened after each)`);
    const r = await hammer(publicUrl, seeded, lanes, kills, () => startServerProcess(env), child);
    child = r.child;
    await stopProcess(child);
    child = null;
    handle = await createDb({ dataDir: `${dataDir}/pglite` });
    try {
      return await audit(handle, dataDir, publicUrl, seeded, r.acks, r.kills);
    } finally {
      await handle.close();
    }
  } finally {
    if (child) await stopProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * PostgreSQL itself restarted under load (not the service): while it is down every request must be
 * answered 503 with the envelope, and the service must recover by itself when it is back. Needs
 * `pg_ctlcluster` for a local cluster (Debian's PostgreSQL); skipped with a notice otherwise.
 */
async function onPostgresRestart(n: number, lanes: number): Promise<(Outcome & { statuses: Record<string, number>; downMs: number }) | null> {
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  const pgUrl = new URL(process.env.DATABASE_URL ?? DEFAULT_PG);
  if (!versions.length || !['127.0.0.1', 'localhost'].includes(pgUrl.hostname)) {
    log('postgres restart: skipped (needs a local Debian PostgreSQL cluster and pg_ctlcluster)');
    return null;
  }
  const ctl = (action: string) => promisify(execFile)('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0]!, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])]);
  const scratch = await scratchDatabase(pgUrl.toString(), 'outage');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-chaos-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  let handle = await createDb({ url: scratch.url });
  let child: ChildProcess | null = null;
  try {
    await migrate(handle.db);
    const seeded = await seedOpenVote(handle.db, loadKeyring({ dataDir }), publicUrl, n);
    await handle.close();
    child = await startServerProcess({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: scratch.url, LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: publicUrl });
    await waitHealthy(publicUrl, child);
    log(`postgres restart: ${n} owners, ${lanes} clients; PostgreSQL is stopped and started under load`);
    const statuses: Record<string, number> = {};
    const acks: Ack[] = [];
    const endpoint = `${publicUrl}/api/estates/${seeded.estateId}/votes/${seeded.voteId}/ballots`;
    let next = 0;
    let finished = 0;
    let downMs = 0;
    const outage = (async () => {
      while (finished < n / 3) await sleep(10);
      const t0 = Date.now();
      await ctl('stop');
      try {
        await sleep(2000);
      } finally {
        // Whatever happens meanwhile, the shared PostgreSQL is started again.
        await ctl('start');
      }
      downMs = Date.now() - t0;
    })();
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (;;) {
          const i = next++;
          if (i >= seeded.tokens.length) return;
          const nonce = randomUUID();
          for (let attempt = 0; attempt < 600; attempt++) {
            const res = await fetch(endpoint, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${seeded.tokens[i]}` },
              body: JSON.stringify({ choices: [{ matter: 'm1', choice: 'yes' }], nonce }),
            });
            const body = (await res.json()) as { ballots?: { seq: number; leaf: string }[]; error?: { code?: string; requestId?: string } };
            const key = res.status === 503 ? `503 ${body.error?.code}${body.error?.requestId ? '' : ' (no request id)'}` : String(res.status);
            statuses[key] = (statuses[key] ?? 0) + 1;
            if (res.status === 201) acks.push({ party: i, seq: body.ballots![0]!.seq, leaf: body.ballots![0]!.leaf });
            if (res.status !== 503) break;
            await sleep(100);
          }
          finished++;
        }
      }),
    );
    await outage;
    await stopProcess(child);
    child = null;
    handle = await createDb({ url: scratch.url });
    const outcome = await audit(handle, dataDir, publicUrl, seeded, acks, 0);
    return { ...outcome, statuses, downMs };
  } finally {
    if (child) await stopProcess(child);
    await handle.close().catch(() => {});
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function line(o: Pick<Outcome, 'acknowledged' | 'recorded' | 'lost' | 'duplicated' | 'chainOk'>) {
  return `acknowledged ${o.acknowledged}, recorded ${o.recorded}, lost ${o.lost}, duplicated ${o.duplicated}, chain ${o.chainOk ? 'ok' : 'BROKEN'}`;
}

async function main() {
  const started = Date.now();
  const pg = await onPostgres(quick ? 500 : 4000, 32, quick ? 5 : 12);
  log(`postgres: ${line(pg)}; half-written ${pg.halfWritten}; ${pg.kills} kills${pg.failedSteps.length ? `; failed: ${pg.failedSteps.join(' | ')}` : ''}`);
  const lite = await onPglite(quick ? 300 : 1500, 16, quick ? 5 : 10);
  log(`pglite: ${line(lite)}; half-written ${lite.halfWritten}; ${lite.kills} kills${lite.failedSteps.length ? `; failed: ${lite.failedSteps.join(' | ')}` : ''}`);
  const restart = await onPostgresRestart(quick ? 300 : 1500, 16);
  let outageOk = true;
  if (restart) {
    const unexpected = Object.keys(restart.statuses).filter((k) => k !== '201' && k !== '409' && k !== '503 DB_UNAVAILABLE');
    outageOk = unexpected.length === 0 && (restart.statuses['503 DB_UNAVAILABLE'] ?? 0) > 0;
    log(
      `postgres restart: down ${restart.downMs} ms; answers ${JSON.stringify(restart.statuses)}; ${line(restart)}; half-written ${restart.halfWritten}` +
        (outageOk ? '; every answer while it was down was a 503 envelope, and the service recovered by itself' : `; UNEXPECTED answers: ${unexpected.join(', ') || 'no 503 seen'}`),
    );
  }
  const parts = [pg, lite, ...(restart ? [restart] : [])];
  const total = {
    acknowledged: parts.reduce((s, o) => s + o.acknowledged, 0),
    recorded: parts.reduce((s, o) => s + o.recorded, 0),
    lost: parts.reduce((s, o) => s + o.lost, 0),
    duplicated: parts.reduce((s, o) => s + o.duplicated, 0),
    chainOk: parts.every((o) => o.chainOk && o.halfWritten === 0) && outageOk,
  };
  log(`${Math.round((Date.now() - started) / 1000)} s`);
  process.stdout.write(`${line(total)}\n`);
  const ok = total.lost === 0 && total.duplicated === 0 && total.chainOk && pg.kills >= 5 && lite.kills >= 5;
  if (pg.kills < 5 || lite.kills < 5) log(`too few kills (postgres ${pg.kills}, pglite ${lite.kills}; at least 5 each): the clients finished first`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  process.stderr.write(`chaos failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
