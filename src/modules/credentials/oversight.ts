/**
 * What lets owners and auditors see who voted in whose name (rules.md §7): the participation list
 * (house numbers that took part, channel and time, never the choice), owners' objections ("this
 * was not me"), and the oversight view of a vote for its organizers and auditors — objections
 * with their age, flagged paper pairs and the issuer report, computed from the log exactly as the
 * verifiers compute it.
 */
import { and, asc, count, eq, inArray, isNotNull } from 'drizzle-orm';
import { ballots, ledgerEntries, objections, ownerships, paperEntries, parts, persons, voteMatters, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { issuerReport, participationOf, type CastBallot } from '../../domain/ledger/credentials.ts';
import { parseInstant } from '../../domain/ledger/verify.ts';
import { AppError } from '../../errors.ts';
import { appendEntries, lockLog } from '../ledger/append.ts';
import { partiesOfUser, voteRow } from '../votes/service.ts';
import { loadSnapshot } from '../votes/snapshot.ts';
import { credentialCounts } from './service.ts';

/** Most objections one account files in one vote (each is a log entry). */
export const OBJECTIONS_PER_USER = 5;

const collator = new Intl.Collator('zh', { numeric: true });

/** The cast ballots of a vote (accepted or since superseded), in log order, as the participation list reads them. */
async function castBallots(db: Db, voteId: string, partyIds?: string[]): Promise<CastBallot[]> {
  const rows = await db
    .select({ seq: ballots.seq, party: ballots.party, channel: ballots.channel, at: ballots.createdAt })
    .from(ballots)
    .where(and(eq(ballots.voteId, voteId), inArray(ballots.status, ['accepted', 'superseded']), ...(partyIds ? [inArray(ballots.party, partyIds)] : [])))
    .orderBy(asc(ballots.seq));
  return rows.map((r) => ({ seq: r.seq, party: r.party, channel: r.channel, at: r.at.toISOString() }));
}

/**
 * The participation list per building: every house number whose household took part, with the
 * channels and the time of its first ballot, and the building's counts. Live while voting (Beijing's
 * platform publishes the same: room numbers of participants), never a choice.
 */
export async function participation(db: Db, estateId: string, voteId: string) {
  await voteRow(db, estateId, voteId);
  const snap = await loadSnapshot(db, voteId);
  if (!snap) return { parties: 0, took: 0, buildings: [] };
  const lines = participationOf(await castBallots(db, voteId), snap.roster.map((p) => ({ party: p.id, parts: p.parts.map((x) => x.partId) })));
  const byParty = new Map(lines.map((l) => [l.party, l]));
  const buildings = new Map<string, { building: string; total: number; took: number; parts: { partId: string; channels: string[]; at: string }[] }>();
  for (const p of snap.roster) {
    const line = byParty.get(p.id);
    for (const part of p.parts) {
      const b = buildings.get(part.building) ?? { building: part.building, total: 0, took: 0, parts: [] };
      b.total++;
      if (line) {
        b.took++;
        b.parts.push({ partId: part.partId, channels: line.channels, at: line.at });
      }
      buildings.set(part.building, b);
    }
  }
  const list = [...buildings.values()].sort((a, b) => collator.compare(a.building, b.building));
  for (const b of list) b.parts.sort((x, y) => collator.compare(x.partId, y.partId));
  return { parties: snap.roster.length, took: lines.length, buildings: list };
}

/** The parties a user can speak for as an owner in a vote: their credentials, and the persons bound to them. */
async function ownPartiesOf(db: Db, estateId: string, voteId: string, userId: string): Promise<string[]> {
  const snap = await loadSnapshot(db, voteId);
  if (!snap) return [];
  const viaCredentials = (await partiesOfUser(db, estateId, voteId, userId)).map((p) => p.id);
  const codes = await db
    .select({ code: parts.code })
    .from(persons)
    .innerJoin(ownerships, eq(ownerships.personId, persons.id))
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .where(and(eq(persons.userId, userId), eq(persons.estateId, estateId)));
  const bound = codes.map((c) => snap.electorate.byPart.get(c.code)?.ref).filter((r): r is string => !!r);
  return snap.roster.filter((p) => viaCredentials.includes(p.id) || bound.includes(p.id)).map((p) => p.id);
}

/**
 * My household in a vote, as the owner's vote page shows it: for each party I speak for, every
 * ballot cast for it (matter, channel, time, counted or not) and the objections filed — so an
 * owner sees at once if someone voted in their name.
 */
export async function myHousehold(db: Db, estateId: string, voteId: string, userId: string) {
  const mine = await ownPartiesOf(db, estateId, voteId, userId);
  if (!mine.length) return [];
  const snap = (await loadSnapshot(db, voteId))!;
  const [rows, filed] = await Promise.all([
    db
      .select({ seq: ballots.seq, party: ballots.party, channel: ballots.channel, status: ballots.status, at: ballots.createdAt, matter: voteMatters.key })
      .from(ballots)
      .innerJoin(voteMatters, eq(voteMatters.id, ballots.matterId))
      .where(and(eq(ballots.voteId, voteId), inArray(ballots.party, mine), inArray(ballots.status, ['accepted', 'superseded'])))
      .orderBy(asc(ballots.seq)),
    db.select({ party: objections.party, at: objections.createdAt, seq: objections.seq }).from(objections).where(and(eq(objections.voteId, voteId), inArray(objections.party, mine))),
  ]);
  return snap.roster
    .filter((p) => mine.includes(p.id))
    .map((p) => {
      const cast = rows.filter((r) => r.party === p.id);
      return {
        party: p.id,
        parts: p.parts.map((x) => x.partId),
        voted: cast.length > 0,
        firstAt: cast[0]?.at.toISOString() ?? null,
        channels: [...new Set(cast.map((r) => r.channel))].sort(),
        ballots: cast.map((r) => ({ seq: r.seq, channel: r.channel, status: r.status, at: r.at.toISOString(), matter: r.matter })),
        objections: filed.filter((o) => o.party === p.id).map((o) => ({ seq: o.seq, at: o.at.toISOString() })),
      };
    });
}

const err = (code: 'CONFLICT' | 'VALIDATION_FAILED' | 'FORBIDDEN', message: string, messageZh: string, field?: string) =>
  new AppError(code, message, field ? [{ field, message }] : undefined, messageZh);

/**
 * "This was not me" (不是我投的): an owner disputes the ballots cast for their household. Appends an
 * `objection` entry (party and the disputed ballots; the owner's words stay off the log, with the
 * organizers and auditors) under the log lock. From the notice until the result is final.
 */
export async function fileObjection(db: Db, input: { estateId: string; voteId: string; userId: string; party?: string; text: string; now: Date }) {
  const vote = await voteRow(db, input.estateId, input.voteId);
  if (vote.status === 'draft') throw err('CONFLICT', 'the vote has not been announced yet', '表决尚未公告');
  if (vote.status === 'final') throw err('CONFLICT', 'the result is final; an objection now goes to the community office or a court', '表决结果已是最终结果，如有异议请向居委会、街道或人民法院提出');
  const mine = await ownPartiesOf(db, input.estateId, input.voteId, input.userId);
  if (!mine.length) throw err('FORBIDDEN', 'only an owner of a household in this vote can object for it', '只有本次表决中的业主才能为自家提出异议');
  const party = input.party ?? (mine.length === 1 ? mine[0] : undefined);
  if (!party || !mine.includes(party)) {
    throw err('VALIDATION_FAILED', `party: say which of your households this is about (${mine.join(', ')})`, '请选择是哪一户', 'party');
  }
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, vote.id);
    const [{ n }] = (await t.select({ n: count() }).from(objections).where(and(eq(objections.voteId, vote.id), eq(objections.userId, input.userId)))) as [{ n: number }];
    if (Number(n) >= OBJECTIONS_PER_USER) {
      throw err('CONFLICT', `you have filed ${OBJECTIONS_PER_USER} objections in this vote already; the organizers and auditors have them`, `您已在本次表决中提出 ${OBJECTIONS_PER_USER} 次异议，组织者和监票人都能看到`);
    }
    const [{ status }] = (await t.select({ status: votes.status }).from(votes).where(eq(votes.id, vote.id))) as [{ status: string }];
    if (status === 'final') throw err('CONFLICT', 'the result is final; an objection now goes to the community office or a court', '表决结果已是最终结果，如有异议请向居委会、街道或人民法院提出');
    const disputed = (await castBallots(t, vote.id, [party])).map((b) => b.seq);
    const [entry] = await appendEntries(t, { id: vote.id, logOrigin: vote.logOrigin! }, [{ type: 'objection', body: { party, disputes: disputed } }], input.now);
    const [row] = await t.insert(objections).values({ voteId: vote.id, party, userId: input.userId, text: input.text, seq: entry!.seq, createdAt: input.now }).returning({ id: objections.id });
    return { id: row!.id, party, seq: entry!.seq, disputes: disputed, at: input.now.toISOString() };
  });
}

const HOUR = 3_600_000;

/**
 * The oversight view of a vote (organizers and auditors): owners' objections with their age and
 * words, paper ballots whose two clerks one person appointed during the window, credentials per
 * kind, and the issuer report — computed from the stored log with the verifiers' own function.
 */
export async function oversight(db: Db, estateId: string, voteId: string, now: Date) {
  const vote = await voteRow(db, estateId, voteId);
  const snap = await loadSnapshot(db, voteId);
  const partsOf = new Map((snap?.roster ?? []).map((p) => [p.id, p.parts.map((x) => x.partId)]));
  const [filed, flagged, counts, log] = await Promise.all([
    db.select().from(objections).where(eq(objections.voteId, voteId)).orderBy(asc(objections.createdAt)),
    db.select({ pairId: paperEntries.pairId, partId: paperEntries.partId, flag: paperEntries.flag, at: paperEntries.createdAt }).from(paperEntries).where(and(eq(paperEntries.voteId, voteId), isNotNull(paperEntries.flag))).orderBy(asc(paperEntries.createdAt)),
    credentialCounts(db, voteId),
    db.select({ body: ledgerEntries.body }).from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(asc(ledgerEntries.seq)),
  ]);
  const entries = log.map((e) => JSON.parse(e.body) as Record<string, unknown>);
  const report = issuerReport(entries, vote.opensAt.toISOString(), parseInstant);
  const pairs = new Map<string, { pairId: string; partId: string; flag: string; at: string }>();
  for (const f of flagged) if (f.pairId && !pairs.has(f.pairId)) pairs.set(f.pairId, { pairId: f.pairId, partId: f.partId, flag: f.flag!, at: f.at.toISOString() });
  return {
    objections: filed.map((o) => ({
      id: o.id,
      party: o.party,
      parts: partsOf.get(o.party) ?? [],
      seq: o.seq,
      text: o.text,
      at: o.createdAt.toISOString(),
      ageHours: Math.max(0, Math.floor((now.getTime() - o.createdAt.getTime()) / HOUR)),
    })),
    flaggedPairs: [...pairs.values()],
    credentials: counts.map((c) => ({ kind: c.kind, count: Number(c.n), revoked: Number(c.revoked) })),
    issuers: report.issuers,
    sameIssuerPairs: report.sameIssuerPairs,
  };
}

