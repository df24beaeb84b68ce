/**
 * Section `tally`: counting a large vote at close on PostgreSQL.
 *
 * A scratch database gets one vote with a frozen 100k-party electorate snapshot and 1M ballot
 * events (quick: 20k parties, 200k events), bulk-loaded with COPY. The rules are the estate
 * defaults except revision "last_counts": owners may change their ballot until the close, so
 * every event that is not refused reaches the engine (an earlier ballot is `superseded`, the
 * latest `accepted`). Under "final" a second ballot is refused at the box and never counted, so a
 * million events would mostly be rejected rows the engine never sees. Two matters (a yes/no
 * matter and a three-option matter); each submission votes on both; about 2% of submissions are
 * replays, refused with a reason (status `rejected`, which the count skips).
 *
 * Figures, all on the same seeded vote:
 * - `closeVote` itself (src/modules/votes/service.ts), the service's close: lock, read the vote,
 *   matters, snapshot and ballot events, run the engine per matter, append `close` and `tally` to
 *   the log, store the result. Timed inside a transaction that is rolled back (closeVote's own
 *   becomes a savepoint), so it can run again; the last run closes the vote for real. p50 of all.
 * - baseline: a plain select of every ballot event of the vote, alone, read only; and the same
 *   select of the accepted rows only (the box's effective ballots), for a count from the box's state.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { ballots, electorateSnapshots, voteMatters, voteOptions } from '../../db/schema/index.ts';
import { createDb, migrate, type Db } from '../../src/db.ts';
import { sha256Bytes, toBase64 } from '../../src/domain/ledger/hash.ts';
import { DEFAULT_RULES, type EstateRules } from '../../src/domain/rules/settings.ts';
import { rosterLines } from '../../src/modules/votes/snapshot.ts';
import { closeVote } from '../../src/modules/votes/service.ts';
import { copyRows, load, machine, nowMs, percentile, round, scratchDatabase, type BenchOptions, type Section } from './lib.ts';
import { benchRoster, prng } from './verify.ts';

interface Seeded {
  estateId: string;
  voteId: string;
  parties: number;
  events: number;
  byStatus: Record<string, number>;
  seedMs: number;
}

async function seed(db: Db, url: string, parties: number, events: number, log: (l: string) => void): Promise<Seeded> {
  const t0 = nowMs();
  const rand = prng(77);
  const estateId = randomUUID();
  const voteId = randomUUID();
  const rules: EstateRules = { ...DEFAULT_RULES, countKinds: [...DEFAULT_RULES.countKinds], forms: [...DEFAULT_RULES.forms], proxies: { ...DEFAULT_RULES.proxies }, revision: 'last_counts' };
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`insert into estates (id, name, rules) values (${estateId}, '基准小区 Bench estate', ${sql.json(rules as never)})`;
    await sql`insert into votes (id, estate_id, title, rules, status, opens_at, closes_at, notice_date, noticed_at, log_origin, manifest)
      values (${voteId}, ${estateId}, '基准表决 Bench vote', ${sql.json(rules as never)}, 'noticed', now() - interval '14 days', now() - interval '1 minute',
              (now() - interval '30 days')::date, now() - interval '30 days', ${`bench.linli.example/linli/${estateId}/${voteId}`}, '{}')`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  const [m1] = await db.insert(voteMatters).values({ voteId, position: 1, key: 'm1', title: '续聘物业服务企业', category: '4', kind: 'yes_no' }).returning({ id: voteMatters.id });
  const [m2] = await db.insert(voteMatters).values({ voteId, position: 2, key: 'm2', title: '外墙涂料颜色', category: '3', kind: 'options' }).returning({ id: voteMatters.id });
  await db.insert(voteOptions).values(['A', 'B', 'C'].map((key, i) => ({ matterId: m2!.id, position: i + 1, key, name: `颜色 ${key}` })));
  const roster = benchRoster(parties);
  await db.insert(electorateSnapshots).values({
    voteId,
    merge: rules.merge,
    parties: roster.length,
    areaCents: roster.reduce((n, p) => n + p.areaCents, 0),
    roster,
    rosterSha256: toBase64(sha256Bytes(rosterLines(roster))),
  });

  // The box's history: submissions in arrival order, each voting on both matters.
  const matters = [
    { id: m1!.id, choices: ['yes', 'no', 'abstain'] },
    { id: m2!.id, choices: ['A', 'B', 'C', 'abstain'] },
  ];
  const byStatus: Record<string, number> = {};
  // Salts are opaque to the count: a pool of real random ones, reused, keeps seeding fast.
  const salts = Array.from({ length: 4096 }, () => toBase64(randomBytes(32)));
  const rows = function* () {
    // seq: the ledger position (a superseding submission first writes ballot_superseded entries).
    let seq = 1;
    let written = 0;
    const voted = new Set<string>();
    const createdAt = new Date().toISOString();
    while (written < events) {
      const p = roster[Math.floor(rand() * roster.length)]!;
      const nonce = randomUUID();
      const replay = voted.has(p.id) && rand() < 0.02;
      if (!replay && voted.has(p.id)) seq += matters.length;
      for (const m of matters) {
        if (written >= events) break;
        const choice = m.choices[Math.floor(rand() * m.choices.length)]!;
        written++;
        yield [voteId, m.id, p.id, seq++, 'online', choice, salts[seq % salts.length]!, nonce, replay ? 'rejected' : 'accepted', replay ? 'replayed submission' : null, createdAt];
      }
      if (!replay) voted.add(p.id);
    }
  };
  // Statuses must end as the box leaves them: only the last accepted ballot of a party and matter
  // stays `accepted`. Rows are generated first, then their statuses fixed, then loaded.
  const all = [...rows()];
  const lastAccepted = new Map<string, number>();
  all.forEach((r, i) => {
    if (r[8] === 'accepted') lastAccepted.set(`${r[1]}/${r[2]}`, i);
  });
  all.forEach((r, i) => {
    if (r[8] === 'accepted' && lastAccepted.get(`${r[1]}/${r[2]}`) !== i) r[8] = 'superseded';
    byStatus[r[8] as string] = (byStatus[r[8] as string] ?? 0) + 1;
  });
  const copied = await copyRows(url, 'ballots', ['vote_id', 'matter_id', 'party', 'seq', 'channel', 'choice', 'salt', 'nonce', 'status', 'reason', 'created_at'], all);
  all.length = 0;
  const sql2 = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql2`analyze ballots`;
  } finally {
    await sql2.end({ timeout: 5 });
  }
  log(`tally: seeded ${parties} parties and ${copied} ballot events in ${round((nowMs() - t0) / 1000, 1)} s`);
  return { estateId, voteId, parties, events: copied, byStatus, seedMs: nowMs() - t0 };
}

/** Thrown to roll a timed close back. */
class Rollback extends Error {}

/**
 * Times closeVote inside a transaction that is then rolled back (closeVote's own transaction
 * becomes a savepoint), so the same seeded vote can be closed again. Returns the milliseconds.
 */
async function closeRolledBack(db: Db, estateId: string, voteId: string): Promise<number> {
  let ms = Number.NaN;
  try {
    await db.transaction(async (outer) => {
      const t = nowMs();
      const r = await closeVote(outer as unknown as Db, estateId, voteId, { reason: 'voting window ended 投票期限届满', manual: false, userId: null, now: new Date() });
      ms = nowMs() - t;
      if (r.alreadyClosed) throw new Error('closeVote did not close the bench vote');
      throw new Rollback();
    });
  } catch (e) {
    if (!(e instanceof Rollback)) throw e;
  }
  return ms;
}

export async function run(opts: BenchOptions): Promise<Section> {
  const parties = opts.quick ? 20_000 : 100_000;
  const events = opts.quick ? 200_000 : 1_000_000;
  const scratch = await scratchDatabase(opts.pgUrl, 'tally');
  try {
    const handle = await createDb({ url: scratch.url, max: 4 });
    try {
      const db = handle.db;
      await migrate(db);
      const seeded = await seed(db, scratch.url, parties, events, opts.log);

      // Baselines: plain selects, read only — every ballot event of the vote, and the box's
      // accepted rows alone (the effective ballots: what a count from the box's state reads).
      const timeSelect = async (accepted: boolean) => {
        const runs: number[] = [];
        let rows = 0;
        for (let i = 0; i < (opts.quick ? 2 : 3); i++) {
          const t = nowMs();
          const r = await db
            .select({ seq: ballots.seq, matterId: ballots.matterId, party: ballots.party, channel: ballots.channel, choice: ballots.choice, status: ballots.status })
            .from(ballots)
            .where(accepted ? and(eq(ballots.voteId, seeded.voteId), eq(ballots.status, 'accepted')) : eq(ballots.voteId, seeded.voteId))
            .orderBy(asc(ballots.seq));
          runs.push(nowMs() - t);
          rows = r.length;
        }
        return { rows, p50Ms: percentile(runs, 50), runs };
      };
      const allEvents = await timeSelect(false);
      const acceptedOnly = await timeSelect(true);
      const selects = allEvents.runs;
      const rows = allEvents.rows;
      // closeVote itself, rolled back each time so the vote can be closed again.
      const closes: number[] = [];
      for (let i = 0; i < (opts.quick ? 2 : 3); i++) closes.push(await closeRolledBack(db, seeded.estateId, seeded.voteId));
      // The service's close itself, once (it closes the vote).
      const t = nowMs();
      const closed = await closeVote(db, seeded.estateId, seeded.voteId, { reason: 'voting window ended 投票期限届满', manual: false, userId: null, now: new Date() });
      const closeMs = nowMs() - t;
      if (closed.alreadyClosed) throw new Error('closeVote did not close the bench vote');
      const result = closed.results as Record<string, { participation: { parties: number }; outcome: string }>;
      const baseline = percentile(selects, 50);
      const all = [...closes, closeMs];
      const p50 = percentile(all, 50);
      opts.log(`tally: closeVote p50 ${round(p50)} ms (runs ${all.map((c) => round(c, 0)).join(', ')}); select alone ${round(baseline)} ms`);
      return {
        parties: seeded.parties,
        events: seeded.events,
        eventsByStatus: seeded.byStatus,
        rules: 'estate defaults with revision last_counts (sealed, strict non-voters, spoilt participates); 2 matters',
        ...(opts.quick ? { note: 'quick mode: 20k parties and 200k ballot events; the goal is judged at full scale (100k / 1M)' } : {}),
        closeVote: { p50Ms: round(p50, 0), runs: all.map((c) => round(c, 0)), note: 'every run but the last rolled back; the last closes the vote for real' },
        baseline: {
          what: 'a plain select (drizzle, postgres.js; the six columns a count uses) of every ballot event of the vote, alone',
          rows,
          p50Ms: round(baseline, 0),
          runs: selects.map((s) => round(s, 0)),
          acceptedOnly: { what: 'the same select of the accepted rows only (the box’s effective ballots)', rows: acceptedOnly.rows, p50Ms: round(acceptedOnly.p50Ms, 0) },
        },
        ratio: round(p50 / baseline, 2),
        participation: Object.fromEntries(Object.entries(result).map(([k, r]) => [k, { parties: r.participation.parties, outcome: r.outcome }])),
        seedMs: round(seeded.seedMs, 0),
        goal: '100k parties, 1M ballot events: close and tally < 2 s on PostgreSQL',
        goalMet: opts.quick ? null : p50 < 2000,
        ...load(),
        machine: machine(),
      };
    } finally {
      await handle.close();
    }
  } finally {
    await scratch.drop();
  }
}
