import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import { ballots, buildings, electorateSnapshots, entrances, ownerAlerts, paperEntries, proxies, quietRejections, serviceRecords, voteMatters, voteOptions, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { canonicalize, type Json } from '../../domain/ledger/jcs.ts';
import { logOrigin } from '../../domain/ledger/entry.ts';
import { commitment } from '../../domain/ledger/commitment.ts';
import { sha256Bytes, toBase64 } from '../../domain/ledger/hash.ts';
import type { EstateRules } from '../../domain/rules/settings.ts';
import { canOpen, earliestOpening } from '../../domain/tally/notice.ts';
import { buildElectorate } from '../../domain/tally/electorate.ts';
import { checkChoice, normalizeTallyRules, tally, toContractJson, type BallotInput as EngineBallot, type Category, type TallyRules } from '../../domain/tally/tally.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { appendEntries, lastEntry, lockLog } from '../ledger/append.ts';
import { submitToBox } from './sequencer.ts';
import { getEstate, loadElectorateParts } from '../registry/service.ts';
import type { CreateVote, Matter } from './schemas.ts';
import { freezeRoster, loadSnapshot, rosterLines, type RosterParty } from './snapshot.ts';
import { costSharingFor, type CostPlan } from './costs.ts';
import type { Keyring } from '../../keys.ts';
import { credentialsOf, listCredentialsAtNotice, partyCredentials } from '../credentials/service.ts';
import { staffRef } from '../credentials/refs.ts';

/** Code version recorded in the `tally` entry, so a recount can name what produced the result. */
export const ENGINE_VERSION = 'linli-tally/1';
const DAY = 86_400_000;

const voteError = (code: 'CONFLICT' | 'FORBIDDEN' | 'VALIDATION_FAILED', message: string, messageZh: string, field?: string) =>
  new AppError(code, message, field ? [{ field, message }] : undefined, messageZh);

/** The Beijing calendar date of an instant (notice periods count calendar days in China). */
export function beijingDate(d: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

function optionKeys(m: Matter) {
  return m.options.map((o, i) => ({ ...o, key: o.key ?? String.fromCharCode(65 + i) }));
}

async function insertMatters(tx: Db, voteId: string, matters: Matter[], startAt: number) {
  for (const [i, m] of matters.entries()) {
    const position = startAt + i;
    const [row] = await tx
      .insert(voteMatters)
      .values({ voteId, position, key: `m${position}`, title: m.title, description: m.description, category: m.category, kind: m.kind })
      .returning({ id: voteMatters.id });
    const opts = optionKeys(m);
    if (opts.length) {
      await tx.insert(voteOptions).values(
        opts.map((o, j) => ({ matterId: row!.id, position: j + 1, key: o.key, name: o.name, colorHex: o.colorHex?.toUpperCase() ?? null, colorCode: o.colorCode ?? null, pictureUrl: o.pictureUrl ?? null })),
      );
    }
  }
}

/** Creates a draft vote with the estate's 议事规则 copied in. */
export async function createVote(db: Db, estateId: string, userId: string | null, input: CreateVote) {
  const estate = await getEstate(db, estateId);
  const rules = estate.rules;
  const opensAt = new Date(input.opensAt);
  const closesAt = new Date(input.closesAt);
  const days = (closesAt.getTime() - opensAt.getTime()) / DAY;
  if (!(closesAt > opensAt)) throw voteError('VALIDATION_FAILED', 'closesAt: the window must end after it opens', '投票结束时间必须晚于开始时间', 'closesAt');
  if (days < rules.windowMinDays || days > rules.windowMaxDays) {
    throw voteError('VALIDATION_FAILED', `closesAt: the voting window must last ${rules.windowMinDays} to ${rules.windowMaxDays} days (议事规则)`, `投票期限须为 ${rules.windowMinDays} 至 ${rules.windowMaxDays} 天`, 'closesAt');
  }
  if (input.scope) {
    const [b] = await db.select({ id: buildings.id }).from(buildings).where(and(eq(buildings.estateId, estateId), eq(buildings.code, input.scope.building)));
    if (!b) throw voteError('VALIDATION_FAILED', `scope.building: no building ${input.scope.building} in the register`, '登记表中没有该楼栋', 'scope.building');
    if (input.scope.entrance) {
      const [e] = await db.select({ id: entrances.id }).from(entrances).where(and(eq(entrances.buildingId, b.id), eq(entrances.code, input.scope.entrance)));
      if (!e) throw voteError('VALIDATION_FAILED', `scope.entrance: no entrance ${input.scope.entrance} in building ${input.scope.building}`, '该楼栋没有这个单元', 'scope.entrance');
    }
  }
  const occupied = await checkBuildingFields(db, estateId, input);
  return db.transaction(async (tx) => {
    const [vote] = await tx
      .insert(votes)
      .values({
        estateId,
        title: input.title,
        description: input.description,
        scope: input.scope ?? null,
        rules,
        opensAt,
        closesAt,
        occupiedParts: occupied.length ? occupied : null,
        costPlan: input.costPlan ?? null,
        createdBy: userId,
      })
      .returning();
    await insertMatters(tx as unknown as Db, vote!.id, input.matters, 1);
    return vote!;
  });
}

/**
 * Building votes: occupied parts must be parts of the register inside the scope; a cost plan needs a
 * scope, and must share among the scope's parts (every floor has a coefficient, amounts are sane).
 */
async function checkBuildingFields(db: Db, estateId: string, input: CreateVote): Promise<string[]> {
  const occupied = [...new Set(input.occupiedParts ?? [])];
  if (!occupied.length && !input.costPlan) return [];
  const all = await loadElectorateParts(db, estateId);
  const inScope = all.filter((p) => !input.scope || (p.building === input.scope.building && (!input.scope.entrance || p.entrance === input.scope.entrance)));
  const codes = new Set(inScope.map((p) => p.partId));
  for (const code of occupied) {
    if (!codes.has(code)) throw voteError('VALIDATION_FAILED', `occupiedParts: ${code} is not a part inside the vote's scope`, `被占用房屋 ${code} 不在本次表决范围内`, 'occupiedParts');
  }
  if (input.costPlan) {
    if (!input.scope) throw voteError('VALIDATION_FAILED', 'costPlan: cost sharing needs a building or entrance scope', '费用分摊须限定楼栋或单元', 'costPlan');
    await costSharingFor(db, estateId, input.scope as { building: string; entrance?: string | null }, input.costPlan);
  }
  return occupied;
}

// Votes seen open in the last second, for the ballot path (one query less per ballot).
const openVotes = new WeakMap<Db, Map<string, { row: Awaited<ReturnType<typeof voteRow>>; at: number }>>();

/**
 * The vote row for a ballot. A row read less than a second ago that was open then is reused: that
 * is safe because a close is re-checked under the log lock in the box, and a window's end only ever
 * moves later (extensions), so a cached row can only be stricter. Anything else is read fresh.
 */
async function openVoteRow(db: Db, estateId: string, voteId: string, now: Date) {
  let perDb = openVotes.get(db);
  if (!perDb) openVotes.set(db, (perDb = new Map()));
  const hit = perDb.get(voteId);
  if (hit && hit.row.estateId === estateId && Date.now() - hit.at < 1000 && phase(hit.row, now) === 'open') return hit.row;
  const row = await voteRow(db, estateId, voteId);
  if (phase(row, now) === 'open') {
    if (perDb.size > 1000) perDb.clear();
    perDb.set(voteId, { row, at: Date.now() });
  }
  return row;
}

async function voteRow(db: Db, estateId: string, voteId: string) {
  const [vote] = await db.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId)));
  if (!vote) throw notFound('vote');
  return vote;
}

/** Adds matters to a draft. After the notice only announced matters may be voted on (T12). */
export async function addMatters(db: Db, estateId: string, voteId: string, matters: Matter[]) {
  return db.transaction(async (tx) => {
    const [vote] = await tx.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId))).for('update');
    if (!vote) throw notFound('vote');
    if (vote.status !== 'draft') {
      throw voteError('CONFLICT', 'matters cannot be added after the notice: only announced matters may be voted on', '公告发出后不能再增加表决事项：只能表决已公告的事项');
    }
    const [{ n }] = (await tx.select({ n: sql<number>`count(*)::int` }).from(voteMatters).where(eq(voteMatters.voteId, voteId))) as [{ n: number }];
    await insertMatters(tx as unknown as Db, voteId, matters, Number(n) + 1);
  });
}

export async function mattersOf(db: Db, voteId: string) {
  const ms = await db.select().from(voteMatters).where(eq(voteMatters.voteId, voteId)).orderBy(asc(voteMatters.position));
  const opts = ms.length ? await db.select().from(voteOptions).where(inArray(voteOptions.matterId, ms.map((m) => m.id))).orderBy(asc(voteOptions.position)) : [];
  return ms.map((m) => ({ ...m, options: opts.filter((o) => o.matterId === m.id) }));
}

type MatterRow = Awaited<ReturnType<typeof mattersOf>>[number];

// After the notice the matters of a vote never change (T12): cache them per database handle.
const frozenMatters = new WeakMap<Db, Map<string, MatterRow[]>>();

/** The matters of a noticed (or later) vote, cached; drafts are read fresh. */
export async function announcedMatters(db: Db, vote: { id: string; status: string }): Promise<MatterRow[]> {
  if (vote.status === 'draft') return mattersOf(db, vote.id);
  let perDb = frozenMatters.get(db);
  if (!perDb) frozenMatters.set(db, (perDb = new Map()));
  const hit = perDb.get(vote.id);
  if (hit) return hit;
  const rows = await mattersOf(db, vote.id);
  if (perDb.size > 1000) perDb.clear();
  perDb.set(vote.id, rows);
  return rows;
}

/** The engine's rules for one matter of a vote. */
export function tallyRulesFor(vote: { rules: unknown; scope: unknown }, matter: MatterRow): TallyRules {
  const r = vote.rules as EstateRules;
  return normalizeTallyRules({
    category: (matter.category === 'consultation' ? 'consultation' : Number(matter.category)) as Category,
    scope: (vote.scope as TallyRules['scope']) ?? null,
    merge: r.merge,
    countKinds: r.countKinds,
    revision: r.revision,
    spoilt: r.spoilt,
    nonVoters: r.nonVoters,
    options: matter.kind === 'options' ? matter.options.map((o) => o.key) : null,
  });
}

/**
 * Publishes the notice (公告): fixes the matters, freezes and publishes the electorate, and opens the
 * vote's log with its `setup` entry. Refuses an opening earlier than the notice period allows (T12).
 */
export async function publishNotice(db: Db, log: { publicUrl: string; vkey: string; keys: Keyring; userId: string | null }, estateId: string, voteId: string, noticeDate: string, now: Date) {
  return db.transaction(async (tx) => {
    const [vote] = await tx.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId))).for('update');
    if (!vote) throw notFound('vote');
    if (vote.status !== 'draft') throw voteError('CONFLICT', 'the notice has already been published', '公告已经发布');
    const rules = vote.rules as EstateRules;
    const opening = beijingDate(vote.opensAt);
    if (!canOpen(noticeDate, opening, rules.noticeDays)) {
      const earliest = earliestOpening(noticeDate, rules.noticeDays);
      throw voteError(
        'CONFLICT',
        `opensAt: with a notice on ${noticeDate} the vote may open on ${earliest} at the earliest (${rules.noticeDays} days' notice; the notice day does not count)`,
        `公告日为 ${noticeDate}，按规定须提前 ${rules.noticeDays} 日公告（公告当日不计），最早 ${earliest} 开始投票`,
        'opensAt',
      );
    }
    const matters = await mattersOf(tx as unknown as Db, voteId);
    if (!matters.length) throw voteError('CONFLICT', 'a vote needs at least one matter before its notice', '请先添加至少一项表决事项');
    const allParts = await loadElectorateParts(tx as unknown as Db, estateId);
    // Parties are derived over the whole register, then cut to the scope: exactly what the recount does.
    const parties = buildElectorate(allParts, { merge: rules.merge, countKinds: rules.countKinds, scope: (vote.scope as { building: string; entrance?: string | null } | null) ?? null }).parties;
    if (!parties.length) throw voteError('CONFLICT', 'the electorate is empty: import the register first', '选民名册为空，请先导入业主登记表');
    const { roster, rosterSha256 } = freezeRoster(parties, allParts);
    const totalArea = roster.reduce((s, p) => s + p.areaCents, 0);
    await tx.insert(electorateSnapshots).values({ voteId, merge: rules.merge, parties: roster.length, areaCents: totalArea, roster, rosterSha256 });
    const origin = logOrigin(log.publicUrl, estateId, voteId);
    const manifest = canonicalize({
      v: 1,
      log: origin,
      estate: estateId,
      vote: voteId,
      title: vote.title,
      notice_date: noticeDate,
      window: { opens_at: vote.opensAt.toISOString(), closes_at: vote.closesAt.toISOString() },
      scope: (vote.scope as Json) ?? null,
      rules: rules as unknown as Json,
      matters: matters.map((m) => ({
        key: m.key,
        title: m.title,
        category: m.category,
        kind: m.kind,
        options: m.options.map((o) => ({ key: o.key, name: o.name, color_hex: o.colorHex, color_code: o.colorCode })),
      })),
      electorate: { parties: roster.length, area_cents: totalArea, merge: rules.merge, roster_sha256: rosterSha256 },
      vkey: log.vkey,
      // Ballots name the credential they were cast with (docs/ledger.md §4.5): V12 requires it.
      credentials: true,
      // Building votes only (absent otherwise, so earlier logs keep their exact manifests).
      ...(occupiedOf(vote).length ? { occupied_parts: occupiedOf(vote) } : {}),
      ...(vote.costPlan ? { cost_plan: costPlanJson(vote.costPlan as CostPlan) } : {}),
    });
    const vRow = { id: voteId, logOrigin: origin };
    await lockLog(tx as unknown as Db, voteId);
    await appendEntries(tx as unknown as Db, vRow, [{ type: 'setup', body: { manifest_sha256: toBase64(sha256Bytes(manifest)) } }], now);
    await tx.update(votes).set({ status: 'noticed', noticeDate, noticedAt: now, noticedBy: log.userId, logOrigin: origin, manifest }).where(eq(votes.id, voteId));
    // Who can already cast (bound owners, pending invites) and who enters and audits, right after setup.
    const credentials = await listCredentialsAtNotice(tx as unknown as Db, log.keys, { id: voteId, estateId, logOrigin: origin, createdBy: vote.createdBy, noticedBy: log.userId }, now);
    return { credentials, noticeDate, earliestOpening: earliestOpening(noticeDate, rules.noticeDays), parties: roster.length, areaCents: totalArea };
  });
}

export function occupiedOf(vote: { occupiedParts: unknown }): string[] {
  return (vote.occupiedParts as string[] | null) ?? [];
}

function costPlanJson(plan: CostPlan): Json {
  return { cost_fen: plan.costFen, subsidy_fen: plan.subsidyFen, coefficients: Object.fromEntries(Object.entries(plan.coefficients).map(([k, v]) => [k, String(v)])) };
}

/** Where a vote stands at `now`, as owners see it. */
export function phase(vote: { status: string; opensAt: Date; closesAt: Date }, now: Date): 'draft' | 'noticed' | 'open' | 'closed' | 'preliminary' | 'final' {
  if (vote.status === 'noticed') return now < vote.opensAt ? 'noticed' : now < vote.closesAt ? 'open' : 'closed';
  return vote.status as 'draft' | 'closed' | 'preliminary' | 'final';
}

/**
 * A party the user may vote for: as its owner (register persons bound to the user), with the
 * party's ballot letter code, or as its registered proxy holder (ballots then carry channel `proxy`).
 */
export type MyParty = RosterParty & { via: 'owner' | 'letter' | 'proxy'; proxySeq?: number; credential: number };

const VIA: Record<string, MyParty['via']> = { invite: 'owner', phone_binding: 'owner', certificate_binding: 'owner', letter: 'letter', letter_reissue: 'letter', proxy: 'proxy' };
const VIA_ORDER: MyParty['via'][] = ['owner', 'letter', 'proxy'];

/**
 * The parties of the frozen roster the user may vote for: exactly those for which the user holds
 * a live credential on the vote's log (rules.md §7) — as an owner bound to the party, with its
 * ballot letter, or as its registered proxy holder (ballots then carry channel `proxy`). Owner
 * credentials first, then letters, then proxies; each party once, with the credential it uses.
 */
export async function partiesOfUser(db: Db, estateId: string, voteId: string, userId: string): Promise<MyParty[]> {
  const snap = await loadSnapshot(db, voteId);
  if (!snap) return [];
  const creds = (await credentialsOf(db, voteId, userId)).filter((c) => c.party && VIA[c.kind]);
  creds.sort((a, b) => VIA_ORDER.indexOf(VIA[a.kind]!) - VIA_ORDER.indexOf(VIA[b.kind]!) || a.seq - b.seq);
  const out: MyParty[] = [];
  for (const c of creds) {
    if (out.some((p) => p.id === c.party)) continue;
    const p = snap.roster.find((r) => r.id === c.party);
    if (!p) continue;
    const via = VIA[c.kind]!;
    if (via === 'proxy') {
      const seq = await proxySeqOf(db, voteId, p.id);
      if (seq === null) continue;
      out.push({ ...p, via, proxySeq: seq, credential: c.seq });
    } else out.push({ ...p, via, credential: c.seq });
  }
  return out;
}

export interface BallotOutcome {
  matter: string;
  status: 'accepted' | 'rejected';
  /** Null for a refusal kept off the public log (a household refused too often, see boxBatch). */
  seq: number | null;
  leaf: string | null;
  reason?: string;
  /** Sealed mode: what opens the commitment; given to the owner only, for their receipt. */
  opening?: { choice: string; salt: string };
}

/**
 * Casts an owner's online ballot for one or more matters. Under the vote's log lock, in one
 * transaction: checks the window and close, the choice and the revision rule, writes each ballot
 * row and its ledger entry together. A submission is accepted whole or rejected whole; rejected
 * ballots that reached the box are recorded with their reason and the caller answers 4xx.
 */
export async function castBallot(
  db: Db,
  input: { estateId: string; voteId: string; userId: string; tokenId: string; party?: string; nonce: string; choices: { matter: string; choice: string }[]; now: Date },
): Promise<{ party: string; log: string; outcomes: BallotOutcome[]; accepted: boolean }> {
  const vote = await openVoteRow(db, input.estateId, input.voteId, input.now);
  const p = phase(vote, input.now);
  if (p === 'draft' || p === 'noticed') {
    throw voteError('CONFLICT', `voting has not started; it opens at ${vote.opensAt.toISOString()}`, `投票尚未开始，开始时间为 ${beijingDate(vote.opensAt)}`);
  }
  if (p !== 'open') throw voteError('CONFLICT', 'voting is closed', '投票已经结束');
  const mine = await partiesOfUser(db, input.estateId, input.voteId, input.userId);
  if (!mine.length) throw forbidden('you are not an owner in the electorate of this vote');
  let party = mine[0]!;
  if (mine.length > 1 || input.party) {
    const chosen = mine.find((x) => x.id === input.party);
    if (!chosen) throw voteError('VALIDATION_FAILED', `party: you hold parts in several owner parties; choose one of ${mine.map((x) => x.id).join(', ')}`, '您名下有多个业主身份，请选择以哪一个投票', 'party');
    party = chosen;
  }
  const matters = await announcedMatters(db, vote);
  const byKey = new Map(matters.map((m) => [m.key, m]));
  const seen = new Set<string>();
  for (const c of input.choices) {
    if (!byKey.has(c.matter)) throw voteError('VALIDATION_FAILED', `choices: no matter ${c.matter} in this vote`, '没有这个表决事项', 'choices');
    if (seen.has(c.matter)) throw voteError('VALIDATION_FAILED', `choices: matter ${c.matter} listed twice`, '同一事项只能选择一次', 'choices');
    seen.add(c.matter);
  }
  const byProxy = party.via === 'proxy';
  // Online ballots of one vote go through its sequencer: concurrent submissions share one
  // transaction (group commit) and are answered only after it commits.
  const result = await submitToBox(db, vote, party, byKey, {
    channel: byProxy ? 'proxy' : 'online',
    paper: false,
    nonce: input.nonce,
    authority: byProxy ? { token: input.tokenId, proxy: party.proxySeq!, credential: party.credential } : { token: input.tokenId, credential: party.credential },
    choices: input.choices,
    userId: input.userId,
    now: input.now,
  });
  if (result.closed) throw voteError('CONFLICT', 'voting is closed', '投票已经结束');
  return { party: party.id, log: vote.logOrigin!, outcomes: result.outcomes, accepted: result.accepted };
}

type VoteRow = Awaited<ReturnType<typeof voteRow>>;

/** One submission to the ballot box: a party's choices on one or more matters, by one channel. */
export interface BoxJob {
  party: RosterParty;
  byKey: Map<string, MatterRow>;
  input: { channel: 'online' | 'paper' | 'proxy'; paper: boolean; nonce: string; authority: Record<string, Json>; choices: { matter: string; choice: string }[]; userId: string | null; now: Date };
}

export type BoxResult = { closed: true } | { closed: false; outcomes: BallotOutcome[]; accepted: boolean };

/**
 * Puts one submission into the ballot box (see {@link boxBatch}); the caller holds the vote's log
 * lock inside `t` (a transaction).
 */
async function boxBallots(t: Db, vote: VoteRow, party: RosterParty, byKey: Map<string, MatterRow>, input: BoxJob['input']): Promise<BoxResult> {
  return (await boxBatch(t, vote, [{ party, byKey, input }]))[0]!;
}

/**
 * Puts submissions into the ballot box, in order, inside one transaction holding the vote's log
 * lock: checks replays, choices and the revision rule against the box and against the submissions
 * before them in the batch, then writes every ledger entry and ballot row together. Each
 * submission is accepted whole or rejected whole; rejections are recorded with their reason.
 * Online ballots carry the sign-in token's id; paper ballots the two clerks, the scan's hash and
 * the time received; a proxy holder's ballots the seq of the `proxy` entry.
 */
export async function boxBatch(t: Db, vote: VoteRow, jobs: BoxJob[]): Promise<BoxResult[]> {
  const rules = vote.rules as EstateRules;
  const sealed = rules.secrecy === 'sealed';
  // rules.md §7: the owner's own ballot revokes their proxy — it replaces a ballot the holder
  // cast (even under `final`), and the holder cannot vote after the owner.
  const ownerWins = proxyOverrideOf(rules) === 'owner_wins';
  // Re-read under the lock: a close that committed first wins the race.
  const [fresh] = await t.select({ closedAt: votes.closedAt, status: votes.status }).from(votes).where(eq(votes.id, vote.id));
  if (fresh!.closedAt || fresh!.status !== 'noticed') return jobs.map(() => ({ closed: true as const }));
  const partyIds = [...new Set(jobs.map((j) => j.party.id))];
  const [priorRows, replayedRows, last] = await Promise.all([
    t
      .select({ id: ballots.id, matterId: ballots.matterId, seq: ballots.seq, party: ballots.party, channel: ballots.channel })
      .from(ballots)
      .where(and(eq(ballots.voteId, vote.id), inArray(ballots.party, partyIds), eq(ballots.status, 'accepted'))),
    // A replayed submission (the same nonce again, e.g. a captured request re-sent) never counts.
    t.select({ nonce: ballots.nonce }).from(ballots).where(and(eq(ballots.voteId, vote.id), inArray(ballots.nonce, [...new Set(jobs.map((j) => j.input.nonce))]))),
    lastEntry(t, vote.id),
  ]);
  type Prior = { matterId: string; seq: number; channel: string; id?: string; row?: BallotRow };
  type BallotRow = typeof ballots.$inferInsert;
  const priorOf = new Map<string, Prior[]>();
  for (const r of priorRows) priorOf.set(r.party, [...(priorOf.get(r.party) ?? []), { matterId: r.matterId, seq: r.seq, channel: r.channel, id: r.id }]);
  const usedNonces = new Set(replayedRows.map((r) => r.nonce));
  // Refused submissions per party already on the log, read only when one is refused (rare).
  const refusedOnLog = new Map<string, number>();
  const items: { type: 'ballot' | 'paper_ballot' | 'ballot_rejected' | 'ballot_superseded'; body: Record<string, Json>; now: Date }[] = [];
  const rows: BallotRow[] = [];
  const quiet: (typeof quietRejections.$inferInsert)[] = [];
  const supersedeIds: string[] = [];
  const perJob: { outcomeRows: { row: BallotRow; item: number | null; matterKey: string; salt: string | null }[]; accepted: boolean }[] = [];
  let nextSeq = last ? last.seq + 1 : 0;
  for (const job of jobs) {
    const { party, byKey, input } = job;
    const prior = priorOf.get(party.id) ?? [];
    const replayed = usedNonces.has(input.nonce);
    const ownerVoted = prior.some((b) => b.channel !== 'proxy');
    const plan = input.choices.map((c) => {
      const m = byKey.get(c.matter)!;
      const already = prior.find((b) => b.matterId === m.id);
      const ownerReplaces = ownerWins && !!already && already.channel === 'proxy' && input.channel !== 'proxy';
      const reason = replayed
        ? 'replayed submission'
        : !checkChoice(c.choice, tallyRulesFor(vote, m))
          ? 'choice not allowed'
          : ownerWins && input.channel === 'proxy' && ownerVoted
            ? OWNER_ALREADY_VOTED
            : already && rules.revision === 'final' && !ownerReplaces
              ? 'party already voted'
              : null;
      return { c, m, already, ownerReplaces, reason };
    });
    usedNonces.add(input.nonce);
    const rejectAll = plan.some((x) => x.reason);
    const weights = { area_cents: party.areaCents, heads: 1 };
    const ballotType = input.paper ? 'paper_ballot' : 'ballot';
    const mine: (typeof perJob)[number] = { outcomeRows: [], accepted: !rejectAll };
    let logged = true;
    if (rejectAll) {
      if (!refusedOnLog.has(party.id)) refusedOnLog.set(party.id, await refusedSubmissions(t, vote.id, party.id));
      logged = refusedOnLog.get(party.id)! < LOGGED_REFUSALS_PER_PARTY;
      refusedOnLog.set(party.id, refusedOnLog.get(party.id)! + 1);
    }
    for (const x of plan) {
      const base: Record<string, Json> = { matter: x.m.key, party: party.id, weights, channel: input.channel, nonce: input.nonce, ...input.authority };
      const row = (status: 'accepted' | 'rejected', reason: string | null, salt: string | null): BallotRow => ({
        id: randomUUID(),
        voteId: vote.id,
        matterId: x.m.id,
        party: party.id,
        seq: nextSeq,
        channel: input.channel,
        choice: x.c.choice,
        salt,
        nonce: input.nonce,
        status,
        reason,
        userId: input.userId,
        createdAt: input.now,
      });
      if (rejectAll) {
        const reason = x.reason ?? 'submission contained a ballot that was not allowed';
        if (!logged) {
          // Beyond the first few refusals of one household the log is not flooded: kept here.
          quiet.push({ voteId: vote.id, party: party.id, matter: x.m.key, channel: input.channel, reason, nonce: input.nonce, userId: input.userId, createdAt: input.now });
          mine.outcomeRows.push({ row: row('rejected', reason, null), item: null, matterKey: x.m.key, salt: null });
          continue;
        }
        const r = row('rejected', reason, null);
        mine.outcomeRows.push({ row: r, item: items.length, matterKey: x.m.key, salt: null });
        rows.push(r);
        items.push({ type: 'ballot_rejected', body: { ...base, reason }, now: input.now });
        nextSeq++;
        continue;
      }
      if (x.already) {
        // The earlier ballot stays in the log; a marker says it no longer counts (last_counts, or
        // the owner's own ballot replacing their proxy holder's).
        items.push({ type: 'ballot_superseded', body: { matter: x.m.key, party: party.id, superseded_seq: x.already.seq, ...(x.ownerReplaces ? { reason: OWNER_VOTED } : {}) }, now: input.now });
        nextSeq++;
        if (x.already.row) x.already.row.status = 'superseded';
        else supersedeIds.push(x.already.id!);
        prior.splice(prior.indexOf(x.already), 1);
      }
      const salt = sealed ? toBase64(randomBytes(32)) : null;
      const r = row('accepted', null, salt);
      mine.outcomeRows.push({ row: r, item: items.length, matterKey: x.m.key, salt });
      rows.push(r);
      items.push({ type: ballotType, body: sealed ? { ...base, commit: commitment(vote.logOrigin!, x.m.key, party.id, x.c.choice, salt!) } : { ...base, choice: x.c.choice }, now: input.now });
      nextSeq++;
      prior.push({ matterId: x.m.id, seq: r.seq, channel: input.channel, row: r });
    }
    priorOf.set(party.id, prior);
    perJob.push(mine);
  }
  const appended = await appendEntries(t, { id: vote.id, logOrigin: vote.logOrigin! }, items, jobs[0]!.input.now, last);
  // Earlier ballots leave the "accepted" state before their replacements arrive (one accepted per party and matter).
  if (supersedeIds.length) await t.update(ballots).set({ status: 'superseded' }).where(inArray(ballots.id, supersedeIds));
  for (let i = 0; i < rows.length; i += 1000) await t.insert(ballots).values(rows.slice(i, i + 1000));
  if (quiet.length) await t.insert(quietRejections).values(quiet);
  // The household is told of every ballot cast for it (rules.md §7), after commit, from this outbox.
  const alerts = jobs.flatMap((j, i) =>
    perJob[i]!.accepted ? [{ voteId: vote.id, party: j.party.id, event: 'ballot_cast', detail: j.input.channel, seq: appended[perJob[i]!.outcomeRows[0]!.item!]!.seq, createdAt: j.input.now }] : [],
  );
  if (alerts.length) await t.insert(ownerAlerts).values(alerts);
  return perJob.map((j) => ({
    closed: false as const,
    accepted: j.accepted,
    outcomes: j.outcomeRows.map(({ row, item, matterKey, salt }) => ({
      matter: matterKey,
      status: row.status as 'accepted' | 'rejected',
      seq: item === null ? null : appended[item]!.seq,
      leaf: item === null ? null : appended[item]!.leaf,
      ...(row.reason ? { reason: row.reason } : {}),
      ...(salt ? { opening: { choice: row.choice, salt } } : {}),
    })),
  }));
}

/** Box reason: a proxy holder's ballot after the owner's own (their proxy ended). */
export const OWNER_ALREADY_VOTED = 'owner already voted';
/** `ballot_superseded` reason when the owner's own ballot replaces their proxy holder's. */
export const OWNER_VOTED = 'the owner voted';
/** Refused submissions of one household that go on the public log; later ones are kept server-side. */
export const LOGGED_REFUSALS_PER_PARTY = 3;

/** The vote's rule for an owner voting after their proxy holder (议事规则 `proxyOverride`). */
export function proxyOverrideOf(rules: Partial<EstateRules>): EstateRules['proxyOverride'] {
  // Votes noticed before the setting existed keep the rule they were noticed under.
  return rules.proxyOverride ?? 'first_valid';
}

/** Refused submissions (distinct nonces) of a party already on the log. */
async function refusedSubmissions(t: Db, voteId: string, party: string): Promise<number> {
  const [row] = await t
    .select({ n: sql<number>`count(distinct ${ballots.nonce})::int` })
    .from(ballots)
    .where(and(eq(ballots.voteId, voteId), eq(ballots.party, party), eq(ballots.status, 'rejected')));
  return Number(row?.n ?? 0);
}

/** The time a letter was received, to the minute (what a receipt stamp or a log book records). */
function receivedMinute(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 60_000) * 60_000);
}

/** What two clerks must agree on, in a form that compares exactly (time to the minute). */
function paperKey(e: { partId: string; choices: { matter: string; choice: string }[]; scanSha256: string; receivedAt: Date; proxy: boolean }) {
  const choices = [...e.choices].sort((a, b) => (a.matter < b.matter ? -1 : 1)).map((c) => `${c.matter}=${c.choice}`).join(',');
  return `${e.partId}|${choices}|${e.scanSha256.toLowerCase()}|${receivedMinute(e.receivedAt).toISOString()}|${e.proxy ? 'proxy' : 'owner'}`;
}

/** Where two entries of one letter differ: the matters (by key), the scan, the time received, proxy or owner. */
function paperDifferences(a: Parameters<typeof paperKey>[0], b: Parameters<typeof paperKey>[0]): string[] {
  const choiceOf = (e: typeof a) => new Map(e.choices.map((c) => [c.matter, c.choice]));
  const [ca, cb] = [choiceOf(a), choiceOf(b)];
  const matters = [...new Set([...ca.keys(), ...cb.keys()])].sort().filter((m) => ca.get(m) !== cb.get(m));
  return [
    ...matters,
    ...(a.scanSha256.toLowerCase() !== b.scanSha256.toLowerCase() ? ['scanSha256'] : []),
    ...(receivedMinute(a.receivedAt).getTime() !== receivedMinute(b.receivedAt).getTime() ? ['receivedAt'] : []),
    ...(a.proxy !== b.proxy ? ['proxy'] : []),
  ];
}

/** The ledger seq of a party's registered proxy, or null. */
async function proxySeqOf(db: Db, voteId: string, party: string): Promise<number | null> {
  const [row] = await db.select({ seq: proxies.seq }).from(proxies).where(and(eq(proxies.voteId, voteId), eq(proxies.party, party)));
  return row?.seq ?? null;
}

/**
 * Two-person entry of a paper ballot (纸质选票双人录入). The first clerk's entry waits; a second,
 * different clerk enters the same letter independently. Equal entries put the ballot into the box
 * as a `paper_ballot` (the first valid ballot of a party wins across channels; a later one is
 * recorded as rejected with its reason). Different entries are both flagged `mismatch` and nothing
 * is counted: never resolved silently — two clerks enter the letter again.
 */
export async function enterPaperBallot(
  db: Db,
  keys: Keyring,
  input: { estateId: string; voteId: string; clerkId: string; partId: string; choices: { matter: string; choice: string }[]; scanSha256: string; receivedAt: Date; proxy?: boolean; now: Date },
) {
  const vote = await voteRow(db, input.estateId, input.voteId);
  if (phase(vote, input.now) !== 'open') throw voteError('CONFLICT', 'paper ballots are entered while voting is open', '只能在投票期间录入纸质选票');
  // Only the clerks appointed for this vote (on its log) enter its paper ballots (rules.md §7).
  if (!(await clerkCredentialOf(db, vote.id, input.clerkId))) {
    throw voteError('FORBIDDEN', 'you are not a clerk of this vote: its clerks are listed on its log at the notice, or appointed later by an organizer', '您不是本次表决的录入员（录入员在公告时登记，或由组织者另行委任）');
  }
  if (input.receivedAt > input.now || input.receivedAt < vote.opensAt) {
    throw voteError('VALIDATION_FAILED', 'receivedAt: must be within the voting window and not in the future', '收到时间须在投票期内且不晚于现在', 'receivedAt');
  }
  const snap = (await loadSnapshot(db, input.voteId))!;
  const p = snap.electorate.byPart.get(input.partId);
  if (!p) throw voteError('VALIDATION_FAILED', `partId: ${input.partId} is not in this vote's electorate`, '该房号不在本次表决的业主名册中', 'partId');
  const party = snap.roster.find((r) => r.id === p.ref)!;
  const matters = await mattersOf(db, input.voteId);
  const byKey = new Map(matters.map((m) => [m.key, m]));
  const seen = new Set<string>();
  for (const c of input.choices) {
    if (!byKey.has(c.matter) || seen.has(c.matter)) throw voteError('VALIDATION_FAILED', `choices: unknown or repeated matter ${c.matter}`, '表决事项有误', 'choices');
    seen.add(c.matter);
  }
  if (input.proxy && (await proxySeqOf(db, vote.id, party.id)) === null) {
    throw voteError('VALIDATION_FAILED', `proxy: no written proxy is on record for ${input.partId}; record the authorization first`, '该户没有登记委托书，请先登记委托', 'proxy');
  }
  // A paper ballot is the household's printed ballot letter (or its proxy's): it needs one on the log.
  const voucher = (await partyCredentials(db, vote.id, party.id, input.proxy ? ['proxy'] : ['letter', 'letter_reissue'])).at(-1);
  if (!voucher) {
    throw voteError('CONFLICT', `partId: no ballot letter has been issued for ${input.partId}; a paper ballot must be the household's printed letter`, '该户尚未签发表决票，纸质选票须使用签发的表决票', 'partId');
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, vote.id);
    const pending = await t.select().from(paperEntries).where(and(eq(paperEntries.voteId, vote.id), eq(paperEntries.party, party.id), eq(paperEntries.status, 'pending')));
    const mine = pending.find((e) => e.clerkId === input.clerkId);
    const other = pending.find((e) => e.clerkId !== input.clerkId);
    if (!other) {
      if (mine) throw voteError('CONFLICT', 'you entered this letter already; a second clerk must enter it independently', '您已录入过这张选票，需由另一位录入员独立录入', 'clerk');
      const [row] = await t
        .insert(paperEntries)
        .values({ voteId: vote.id, party: party.id, partId: input.partId, choices: input.choices, scanSha256: input.scanSha256.toLowerCase(), receivedAt: input.receivedAt, clerkId: input.clerkId, proxy: input.proxy ?? false, createdAt: input.now })
        .returning({ id: paperEntries.id });
      return { status: 'awaiting_second_entry' as const, entryId: row!.id };
    }
    const pairId = randomUUID();
    const first = { partId: other.partId, choices: other.choices as { matter: string; choice: string }[], scanSha256: other.scanSha256, receivedAt: other.receivedAt, proxy: other.proxy };
    const agree = paperKey(first) === paperKey({ ...input, proxy: input.proxy ?? false });
    await t.update(paperEntries).set({ status: agree ? 'matched' : 'mismatch', pairId }).where(eq(paperEntries.id, other.id));
    await t.insert(paperEntries).values({ voteId: vote.id, party: party.id, partId: input.partId, choices: input.choices, scanSha256: input.scanSha256.toLowerCase(), receivedAt: input.receivedAt, clerkId: input.clerkId, proxy: input.proxy ?? false, status: agree ? 'matched' : 'mismatch', pairId, createdAt: input.now });
    if (!agree) return { status: 'mismatch' as const, pairId, differs: paperDifferences(first, { ...input, proxy: input.proxy ?? false }) };
    const proxySeq = input.proxy ? await proxySeqOf(t, vote.id, party.id) : null;
    const [firstClerk, secondClerk] = await Promise.all([clerkCredentialOf(t, vote.id, other.clerkId), clerkCredentialOf(t, vote.id, input.clerkId)]);
    if (!firstClerk || !secondClerk) {
      throw voteError('CONFLICT', 'the first entry was made by a clerk who is no longer a clerk of this vote; two current clerks must enter this letter', '首次录入的录入员已不再担任本次表决的录入员，请由两位现任录入员重新录入');
    }
    // Two clerks appointed by one person during the window are not two independent people: flagged.
    const sameIssuer = firstClerk.issuer === secondClerk.issuer && firstClerk.issuedAt >= vote.opensAt && secondClerk.issuedAt >= vote.opensAt;
    if (sameIssuer) await t.update(paperEntries).set({ flag: SAME_ISSUER_FLAG }).where(eq(paperEntries.pairId, pairId));
    const boxed = await boxBallots(t, vote, party, byKey, {
      channel: input.proxy ? 'proxy' : 'paper',
      paper: true,
      nonce: pairId,
      authority: {
        credential: voucher.seq,
        clerks: [staffRef(keys, vote.estateId, other.clerkId), staffRef(keys, vote.estateId, input.clerkId)],
        clerk_credentials: [firstClerk.seq, secondClerk.seq],
        scan_sha256: input.scanSha256.toLowerCase(),
        received_at: receivedMinute(input.receivedAt).toISOString(),
        ...(proxySeq !== null ? { proxy: proxySeq } : {}),
      },
      choices: input.choices,
      userId: null,
      now: input.now,
    });
    if (boxed.closed) throw voteError('CONFLICT', 'voting is closed', '投票已经结束');
    return { status: boxed.accepted ? ('recorded' as const) : ('rejected' as const), pairId, party: party.id, ballots: boxed.outcomes, flagged: sameIssuer };
  });
}

/** The flag of a paper pair whose two clerks one issuer appointed during the window (shown to auditors in words). */
export const SAME_ISSUER_FLAG = 'same_issuer';

/** The clerk's live `clerk` credential in a vote, if any. */
async function clerkCredentialOf(db: Db, voteId: string, userId: string) {
  return (await credentialsOf(db, voteId, userId)).find((c) => c.kind === 'clerk');
}

/** Paper entries of a vote for the clerks' screen: waiting for a second entry, and flagged mismatches. */
export async function paperQueue(db: Db, voteId: string) {
  const rows = await db.select().from(paperEntries).where(eq(paperEntries.voteId, voteId)).orderBy(asc(paperEntries.createdAt));
  return rows.map((r) => ({ id: r.id, partId: r.partId, party: r.party, status: r.status, pairId: r.pairId, clerkId: r.clerkId, flag: r.flag, receivedAt: r.receivedAt.toISOString(), at: r.createdAt.toISOString() }));
}

/** Live turnout per matter: parties and area taking part, overall and per building. Never yes/no. */
export async function turnout(db: Db, voteId: string) {
  const snap = await loadSnapshot(db, voteId);
  const matters = await mattersOf(db, voteId);
  if (!snap) return { total: null, matters: [] };
  const rows = await db
    .select({ matterId: ballots.matterId, party: ballots.party })
    .from(ballots)
    .where(and(eq(ballots.voteId, voteId), eq(ballots.status, 'accepted')));
  const rosterById = new Map(snap.roster.map((p) => [p.id, p]));
  const buildingsTotal = new Map<string, { parties: number; areaCents: number }>();
  for (const p of snap.roster) {
    for (const b of new Set(p.parts.map((x) => x.building))) {
      const t = buildingsTotal.get(b) ?? { parties: 0, areaCents: 0 };
      t.parties++;
      t.areaCents += p.parts.filter((x) => x.building === b).reduce((s, x) => s + x.areaCents, 0);
      buildingsTotal.set(b, t);
    }
  }
  const collator = new Intl.Collator('zh', { numeric: true });
  return {
    total: { parties: snap.roster.length, areaCents: snap.electorate.totals.areaCents },
    matters: matters.map((m) => {
      const voted = [...new Set(rows.filter((r) => r.matterId === m.id).map((r) => r.party))].map((id) => rosterById.get(id)!).filter(Boolean);
      const perBuilding = new Map<string, { parties: number; areaCents: number }>();
      for (const p of voted) {
        for (const b of new Set(p.parts.map((x) => x.building))) {
          const t = perBuilding.get(b) ?? { parties: 0, areaCents: 0 };
          t.parties++;
          t.areaCents += p.parts.filter((x) => x.building === b).reduce((s, x) => s + x.areaCents, 0);
          perBuilding.set(b, t);
        }
      }
      return {
        matter: m.key,
        parties: voted.length,
        areaCents: voted.reduce((s, p) => s + p.areaCents, 0),
        buildings: [...buildingsTotal.entries()]
          .sort(([a], [b]) => collator.compare(a, b))
          .map(([building, total]) => ({ building, parties: perBuilding.get(building)?.parties ?? 0, areaCents: perBuilding.get(building)?.areaCents ?? 0, totalParties: total.parties, totalAreaCents: total.areaCents })),
      };
    }),
  };
}

/**
 * Closes a vote (scheduled at the window's end, or manually with a logged reason) and tallies it
 * with the engine from the ballot events in log order — the same function the recount CLI uses.
 * Idempotent under the log lock: a second close finds it closed and returns.
 */
export async function closeVote(db: Db, estateId: string, voteId: string, opts: { reason: string; manual: boolean; userId: string | null; now: Date }) {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, voteId);
    const [vote] = await tx.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId)));
    if (!vote) throw notFound('vote');
    if (vote.status === 'draft') throw voteError('CONFLICT', 'a draft cannot be closed; publish its notice first', '草稿不能结束，请先发布公告');
    if (vote.status !== 'noticed') {
      if (opts.manual) throw voteError('CONFLICT', 'the vote is already closed', '投票已经结束');
      return { alreadyClosed: true as const };
    }
    if (!opts.manual && opts.now < vote.closesAt) return { alreadyClosed: true as const };
    const matters = await mattersOf(t, voteId);
    const snap = (await loadSnapshot(t, voteId))!;
    // The box's effective ballots: one accepted row per party and matter (the database allows no
    // second). Under `last_counts` the superseded ones would only be replaced again in the engine,
    // and box rejections are records, not votes — so the count reads these rows alone, with only
    // the columns it needs. The full recount over every event is the verifier's (V10), from the log.
    const events = await tx
      .select({ seq: ballots.seq, matterId: ballots.matterId, party: ballots.party, channel: ballots.channel, choice: ballots.choice, status: ballots.status })
      .from(ballots)
      .where(and(eq(ballots.voteId, voteId), eq(ballots.status, 'accepted')))
      .orderBy(asc(ballots.seq));
    // Parties by id, once: looking each ballot's party up in the roster was O(ballots × parties).
    const rosterById = new Map(snap.roster.map((p) => [p.id, p]));
    // 送达: only parties served with the ballot letter can be deemed to follow the majority. The
    // list goes into the `close` entry, so the log alone is enough to recount the deemed result.
    const deemedRule = (vote.rules as EstateRules).nonVoters === 'deemed_majority';
    const servedParties = deemedRule ? await servedPartiesOf(t, voteId) : [];
    const servedParts = new Set(servedParties.flatMap((id) => rosterById.get(id)?.parts.map((x) => x.partId) ?? []));
    const results: Record<string, Json> = {};
    const stored: Record<string, unknown> = {};
    for (const m of matters) {
      const rules = tallyRulesFor(vote, m);
      const engineBallots: EngineBallot[] = events
        .filter((b) => b.matterId === m.id)
        .map((b) => ({ seq: b.seq, partId: rosterById.get(b.party)!.parts[0]!.partId, channel: b.channel as EngineBallot['channel'], choice: b.choice }));
      const r = tally(snap.electorate, engineBallots, rules, deemedRule ? servedParts : undefined);
      const contract = toContractJson(r, rules) as unknown as Record<string, Json>;
      // Fail closed: the engine must accept exactly the ballots the box accepted (spoilt ones left
      // out of the participation when the 议事规则 exclude them).
      const live = engineBallots.filter((b) => !(b.choice === 'spoilt' && rules.spoilt === 'excluded')).length;
      const engineParticipation = (contract.participation as { parties: number }).parties;
      if (engineParticipation !== live) {
        throw new Error(`tally mismatch on ${m.key}: engine ${engineParticipation} parties, box ${live}`);
      }
      results[m.key] = contract;
      stored[m.key] = contract;
    }
    const consent = consentOf(occupiedOf(vote), snap.roster, matters, events);
    const objectionEndsAt = new Date(opts.now.getTime() + (vote.rules as EstateRules).objectionDays * DAY);
    const vRow = { id: voteId, logOrigin: vote.logOrigin! };
    await appendEntries(
      t,
      vRow,
      [
        { type: 'close', body: deemedRule ? { reason: opts.reason, manual: opts.manual, served: servedParties } : { reason: opts.reason, manual: opts.manual } },
        { type: 'tally', body: consent ? { engine: ENGINE_VERSION, stage: 'preliminary', results, consent } : { engine: ENGINE_VERSION, stage: 'preliminary', results } },
      ],
      opts.now,
    );
    await tx
      .update(votes)
      .set({ status: 'preliminary', closedAt: opts.now, closeReason: opts.reason, objectionEndsAt, result: stored, consent })
      .where(eq(votes.id, voteId));
    return { alreadyClosed: false as const, results: stored };
  });
}

/**
 * Consent of the owners whose own part the works occupy (rules.md §4): per non-consultation
 * matter, the parties holding an occupied part (roster order) and those of them whose counted
 * ballot is "yes". Null when the vote names no occupied part.
 */
export function consentOf(
  occupied: string[],
  roster: RosterParty[],
  matters: { id: string; key: string; category: string }[],
  events: { matterId: string; party: string; status: string; choice: string }[],
): Record<string, { required: string[]; given: string[]; satisfied: boolean }> | null {
  if (!occupied.length) return null;
  const occ = new Set(occupied);
  const required = roster.filter((p) => p.parts.some((x) => occ.has(x.partId))).map((p) => p.id);
  const out: Record<string, { required: string[]; given: string[]; satisfied: boolean }> = {};
  for (const m of matters) {
    if (m.category === 'consultation') continue;
    const yes = new Set(events.filter((e) => e.matterId === m.id && e.status === 'accepted' && e.choice === 'yes').map((e) => e.party));
    const given = required.filter((id) => yes.has(id));
    out[m.key] = { required, given, satisfied: given.length === required.length };
  }
  return out;
}

/** Parties with a service record (送达), in roster order. */
export async function servedPartiesOf(db: Db, voteId: string): Promise<string[]> {
  const rows = await db.selectDistinct({ party: serviceRecords.party }).from(serviceRecords).where(eq(serviceRecords.voteId, voteId));
  const snap = await loadSnapshot(db, voteId);
  const set = new Set(rows.map((r) => r.party));
  return (snap?.roster ?? []).filter((p) => set.has(p.id)).map((p) => p.id);
}

/**
 * Records that the ballot letter was served on a party (identified by any of its house numbers).
 * Allowed from the notice until close; the record is what the non-voter rule may rely on.
 */
export async function recordService(db: Db, estateId: string, voteId: string, userId: string, input: { partId: string; channel: 'hand' | 'mail' | 'posting' | 'online'; servedAt: Date; proofSha256?: string | null }, now: Date) {
  const vote = await voteRow(db, estateId, voteId);
  if (vote.status !== 'noticed') throw voteError('CONFLICT', 'service is recorded between the notice and the close', '只能在公告后、投票结束前登记送达');
  if (input.servedAt > now) throw voteError('VALIDATION_FAILED', 'servedAt: cannot be in the future', '送达时间不能晚于现在', 'servedAt');
  const snap = (await loadSnapshot(db, voteId))!;
  const party = snap.electorate.byPart.get(input.partId);
  if (!party) throw voteError('VALIDATION_FAILED', `partId: ${input.partId} is not in this vote's electorate`, '该房号不在本次表决的业主名册中', 'partId');
  const [row] = await db
    .insert(serviceRecords)
    .values({ voteId, party: party.ref, channel: input.channel, servedAt: input.servedAt, proofSha256: input.proofSha256 ?? null, recordedBy: userId, createdAt: now })
    .returning();
  return { id: row!.id, party: party.ref, channel: row!.channel, servedAt: row!.servedAt.toISOString() };
}

/** After the objection period, the preliminary result becomes final (logged as a publication). */
export async function finalizeVote(db: Db, estateId: string, voteId: string, now: Date) {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, voteId);
    const [vote] = await tx.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId)));
    if (!vote) throw notFound('vote');
    if (vote.status !== 'preliminary') throw voteError('CONFLICT', 'only a preliminary result can be made final', '只有初步结果才能确认为最终结果');
    if (vote.objectionEndsAt && now < vote.objectionEndsAt) {
      throw voteError('CONFLICT', `the objection period runs until ${vote.objectionEndsAt.toISOString()}`, `异议期至 ${beijingDate(vote.objectionEndsAt)} 结束后才能公布最终结果`);
    }
    await appendEntries(t, { id: voteId, logOrigin: vote.logOrigin! }, [{ type: 'publication', body: { stage: 'final' } }], now);
    await tx.update(votes).set({ status: 'final', finalizedAt: now }).where(eq(votes.id, voteId));
  });
}

/** Votes whose window has ended but which are not closed yet (for the scheduler). */
export async function dueForClose(db: Db, now: Date) {
  return db.select({ id: votes.id, estateId: votes.estateId }).from(votes).where(and(eq(votes.status, 'noticed'), lte(votes.closesAt, now), isNull(votes.closedAt)));
}

export async function listVotes(db: Db, estateId: string) {
  return db.select().from(votes).where(eq(votes.estateId, estateId)).orderBy(desc(votes.createdAt));
}

export { voteRow, rosterLines, commitment };
export type { RosterParty };
