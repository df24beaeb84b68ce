/**
 * cast: ballots cast over HTTP, with valid tokens, into ONE vote by C concurrent clients, against a
 * real server process (PostgreSQL, then PGlite). Baseline: raw single-row INSERTs of the same size
 * into PostgreSQL at the same concurrency, in the same run. Also samples the server's RSS.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { ballots, ledgerEntries } from '../../db/schema/index.ts';
import { createDb, migrate, type Db } from '../../src/db.ts';
import { loadKeyring } from '../../src/keys.ts';
import { freePort, seedOpenVote, startServerProcess, stopProcess, waitHealthy } from '../lib/server-process.ts';
import { nowMs, round, rssMiB, runConcurrent, scratchDatabase, summarize, type BenchOptions, type Section } from './lib.ts';

/** Casts one ballot per token over HTTP at the given concurrency, sampling the server's RSS. */
async function castAll(url: string, pid: number, s: { estateId: string; voteId: string; tokens: string[] }, concurrency: number) {
  const path_ = `${url}/api/estates/${s.estateId}/votes/${s.voteId}/ballots`;
  let maxRss = 0;
  const sampler = setInterval(() => {
    const r = rssMiB(pid);
    if (r && r > maxRss) maxRss = r;
  }, 100);
  const run = await runConcurrent(s.tokens.length, concurrency, async (i) => {
    const res = await fetch(path_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${s.tokens[i]}` },
      body: JSON.stringify({ choices: [{ matter: 'm1', choice: i % 5 === 0 ? 'no' : 'yes' }], nonce: randomUUID() }),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
  });
  clearInterval(sampler);
  return { ...summarize(run), firstError: run.firstError, serverRssMaxMiB: maxRss };
}

async function checkRecorded(db: Db, voteId: string) {
  const [b] = (await db.select({ n: sql<number>`count(*)::int` }).from(ballots).where(eq(ballots.voteId, voteId))) as [{ n: number }];
  const [e] = (await db.select({ n: sql<number>`count(*)::int` }).from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId))) as [{ n: number }];
  return { ballots: Number(b.n), entries: Number(e.n) };
}

/** PostgreSQL: seed in a scratch database, serve it from a child process, cast. */
async function castPostgres(opts: BenchOptions, n: number, concurrency: number, extraEnv: Record<string, string> = {}) {
  const scratch = await scratchDatabase(opts.pgUrl, 'cast');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-bench-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const handle = await createDb({ url: scratch.url });
  let child: ChildProcess | null = null;
  try {
    await migrate(handle.db);
    const keys = loadKeyring({ dataDir });
    opts.log(`cast/postgres: seeding ${n} owners …`);
    const s = await seedOpenVote(handle.db, keys, publicUrl, n);
    child = await startServerProcess({ PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: scratch.url, LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: publicUrl, ...extraEnv });
    await waitHealthy(publicUrl, child);
    const idleRss = rssMiB(child.pid!);
    opts.log(`cast/postgres: ${n} ballots from ${concurrency} clients …`);
    const r = await castAll(publicUrl, child.pid!, s, concurrency);
    const recorded = await checkRecorded(handle.db, s.voteId);
    return { ...r, serverRssIdleMiB: idleRss, recorded };
  } finally {
    if (child) await stopProcess(child);
    await handle.close();
    await scratch.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** PGlite: seed the data folder, close it, serve it from a child process, cast. */
async function castPglite(opts: BenchOptions, n: number, concurrency: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'linli-bench-'));
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  try {
    const keys = loadKeyring({ dataDir });
    let handle = await createDb({ dataDir: `${dataDir}/pglite` });
    await migrate(handle.db);
    opts.log(`cast/pglite: seeding ${n} owners …`);
    const s = await seedOpenVote(handle.db, keys, publicUrl, n);
    await handle.close();
    child = await startServerProcess({ PORT: String(port), HOST: '127.0.0.1', LINLI_DATA_DIR: dataDir, LINLI_PUBLIC_URL: publicUrl });
    await waitHealthy(publicUrl, child);
    opts.log(`cast/pglite: ${n} ballots from ${concurrency} clients …`);
    const r = await castAll(publicUrl, child.pid!, s, concurrency);
    await stopProcess(child);
    child = null;
    handle = await createDb({ dataDir: `${dataDir}/pglite` });
    const recorded = await checkRecorded(handle.db, s.voteId);
    await handle.close();
    return { ...r, recorded };
  } finally {
    if (child) await stopProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Baseline: `n` single-row INSERTs of a ballot-sized row (a ledger entry's bytes plus a ballot row's
 * columns), autocommitted, from `concurrency` connections — the database's own write rate here.
 */
async function baseline(opts: BenchOptions, n: number, concurrency: number) {
  const scratch = await scratchDatabase(opts.pgUrl, 'raw');
  const sqlc = postgres(scratch.url, { max: concurrency, onnotice: () => {} });
  try {
    await sqlc.unsafe('create table raw_ballots (id bigserial primary key, vote_id uuid not null, seq int not null, body text not null, leaf text not null, created_at timestamptz not null default now())');
    const body = 'x'.repeat(560);
    const vote = randomUUID();
    const run = await runConcurrent(n, concurrency, async (i) => {
      await sqlc`insert into raw_ballots (vote_id, seq, body, leaf) values (${vote}, ${i}, ${body}, ${'l'.repeat(44)})`;
    });
    return summarize(run);
  } finally {
    await sqlc.end();
    await scratch.drop();
  }
}

export async function run(opts: BenchOptions): Promise<Section> {
  const concurrency = 64;
  const n = opts.quick ? 2000 : 20_000;
  const nLite = opts.quick ? 500 : 5000;
  const t0 = nowMs();
  const base = await baseline(opts, n, concurrency);
  opts.log(`cast/baseline: ${base.perSecond} inserts/s, p99 ${base.p99Ms} ms`);
  const pg = await castPostgres(opts, n, concurrency);
  opts.log(`cast/postgres: ${pg.perSecond} ballots/s, p50 ${pg.p50Ms} ms, p99 ${pg.p99Ms} ms, errors ${pg.errors}`);
  // The design before the sequencer, in the same run: every submission in its own transaction.
  const single = await castPostgres(opts, Math.min(n, opts.quick ? 1000 : 5000), concurrency, { LINLI_BOX_BATCH: '1' });
  opts.log(`cast/postgres, one transaction per ballot: ${single.perSecond} ballots/s, p99 ${single.p99Ms} ms`);
  const lite = process.env.BENCH_CAST_PG_ONLY ? ({ perSecond: 0, p50Ms: 0, p99Ms: 0, errors: 0 } as Awaited<ReturnType<typeof castPglite>>) : await castPglite(opts, nLite, concurrency);
  opts.log(`cast/pglite: ${lite.perSecond} ballots/s, p50 ${lite.p50Ms} ms, p99 ${lite.p99Ms} ms, errors ${lite.errors}`);
  const ratio = round(pg.perSecond / base.perSecond, 3);
  return {
    concurrency,
    postgres: pg,
    postgresOneTransactionEach: { what: 'the same server with LINLI_BOX_BATCH=1 (no group commit)', ...single },
    pglite: lite,
    baseline: { what: 'single-row INSERTs of a ballot-sized row into PostgreSQL, autocommit, same concurrency', ...base },
    ratio,
    goals: { ratio: '>= 0.5', postgresPerSecond: '>= 2000', postgresP99Ms: '< 100' },
    goalsMet: { ratio: ratio >= 0.5, postgresPerSecond: pg.perSecond >= 2000, postgresP99Ms: pg.p99Ms < 100 },
    seconds: round((nowMs() - t0) / 1000, 1),
  };
}
