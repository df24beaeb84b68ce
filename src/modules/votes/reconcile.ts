import { and, asc, eq, isNull } from 'drizzle-orm';
import { ballotLetters, ballots, ledgerEntries, paperEntries, proxies, serviceRecords } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { voteRow } from './service.ts';
import { loadSnapshot, type RosterParty } from './snapshot.ts';

type Channel = 'online' | 'paper' | 'proxy';

export interface CountRow {
  parties: number;
  lettersIssued: number;
  served: number;
  online: number;
  paper: number;
  proxy: number;
  voted: number;
  notVoted: number;
  paperReturned: number;
  paperCounted: number;
  paperRejected: number;
  paperPending: number;
  onlineRejected: number;
  unexplained: number;
  ledger: { online: number; paper: number; proxy: number; agrees: boolean };
}

function emptyRow(): CountRow {
  return {
    parties: 0,
    lettersIssued: 0,
    served: 0,
    online: 0,
    paper: 0,
    proxy: 0,
    voted: 0,
    notVoted: 0,
    paperReturned: 0,
    paperCounted: 0,
    paperRejected: 0,
    paperPending: 0,
    onlineRejected: 0,
    unexplained: 0,
    ledger: { online: 0, paper: 0, proxy: 0, agrees: true },
  };
}

/**
 * Per party, the channel of its earliest effective counted ballot according to the log itself
 * (the entries' bytes, replaying supersessions): the independent side of the reconciliation.
 */
function ledgerChannels(entries: { seq: number; type: string; body: string }[]): Map<string, { channel: Channel; seq: number }> {
  const effective = new Map<string, { party: string; channel: Channel; seq: number }>();
  for (const e of entries) {
    if (e.type !== 'ballot' && e.type !== 'paper_ballot' && e.type !== 'ballot_superseded') continue;
    const b = JSON.parse(e.body) as { matter: string; party: string; channel?: string };
    const key = `${b.party}\u0000${b.matter}`;
    if (e.type === 'ballot_superseded') {
      effective.delete(key);
      continue;
    }
    const channel: Channel = b.channel === 'proxy' ? 'proxy' : e.type === 'paper_ballot' ? 'paper' : 'online';
    effective.set(key, { party: b.party, channel, seq: e.seq });
  }
  const out = new Map<string, { channel: Channel; seq: number }>();
  for (const v of effective.values()) {
    const prior = out.get(v.party);
    if (!prior || v.seq < prior.seq) out.set(v.party, { channel: v.channel, seq: v.seq });
  }
  return out;
}

/**
 * 对账: per building and in total, by owner party — letters issued, served, how each party voted
 * (online, paper, proxy) or not, what happened to every paper letter entered (counted, rejected with
 * a reason, waiting for a second clerk or a mismatch), and online submissions rejected. The box
 * (ballot rows) is checked against the log (entries); any party on which they disagree, or whose
 * paper or proxy ballot has no record behind it, is `unexplained`.
 */
export async function reconciliation(db: Db, estateId: string, voteId: string) {
  const vote = await voteRow(db, estateId, voteId);
  const snap = await loadSnapshot(db, voteId);
  if (!snap) return null;
  const [letters, served, rows, entries, paper, proxyRows] = await Promise.all([
    db.selectDistinct({ party: ballotLetters.party }).from(ballotLetters).where(and(eq(ballotLetters.voteId, voteId), eq(ballotLetters.kind, 'letter'), isNull(ballotLetters.revokedAt))),
    db.selectDistinct({ party: serviceRecords.party }).from(serviceRecords).where(eq(serviceRecords.voteId, voteId)),
    db.select({ party: ballots.party, seq: ballots.seq, channel: ballots.channel, status: ballots.status, reason: ballots.reason, nonce: ballots.nonce }).from(ballots).where(eq(ballots.voteId, voteId)).orderBy(asc(ballots.seq)),
    db.select({ seq: ledgerEntries.seq, type: ledgerEntries.type, body: ledgerEntries.body }).from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(asc(ledgerEntries.seq)),
    db.select().from(paperEntries).where(eq(paperEntries.voteId, voteId)).orderBy(asc(paperEntries.createdAt)),
    db.select({ party: proxies.party }).from(proxies).where(eq(proxies.voteId, voteId)),
  ]);
  const lettered = new Set(letters.map((l) => l.party));
  const servedSet = new Set(served.map((s) => s.party));
  const proxied = new Set(proxyRows.map((p) => p.party));
  // The box: each party's earliest accepted ballot.
  const box = new Map<string, { channel: Channel; seq: number; nonce: string }>();
  for (const r of rows) if (r.status === 'accepted' && !box.has(r.party)) box.set(r.party, { channel: r.channel as Channel, seq: r.seq, nonce: r.nonce });
  const logged = ledgerChannels(entries);
  const paperMedium = new Set(entries.filter((e) => e.type === 'paper_ballot').map((e) => e.seq));

  // Paper letters, one per scan: counted, rejected (box said no, with its reason) or pending.
  const byNonce = new Map<string, { status: string; reason: string | null; seq: number }>();
  for (const r of rows) if (!byNonce.has(r.nonce)) byNonce.set(r.nonce, { status: r.status, reason: r.reason, seq: r.seq });
  type Letter = { party: string; partId: string; state: 'counted' | 'rejected' | 'awaiting_second_entry' | 'mismatch'; pairId: string | null };
  const scans = new Map<string, Letter>();
  for (const e of paper) {
    const key = `${e.party}\u0000${e.scanSha256}`;
    const prior = scans.get(key);
    let state: Letter['state'] = e.status === 'pending' ? 'awaiting_second_entry' : 'mismatch';
    if (e.status === 'matched') state = byNonce.get(e.pairId!)?.status === 'accepted' ? 'counted' : 'rejected';
    const rank = { counted: 3, rejected: 2, mismatch: 1, awaiting_second_entry: 0 } as const;
    if (!prior || rank[state] > rank[prior.state]) scans.set(key, { party: e.party, partId: e.partId, state, pairId: e.status === 'matched' ? e.pairId : null });
  }

  const scansOf = new Map<string, Letter[]>();
  for (const sc of scans.values()) scansOf.set(sc.party, [...(scansOf.get(sc.party) ?? []), sc]);
  const paperNonces = new Set(paper.map((e) => e.pairId).filter((x): x is string => !!x));
  const onlineRejectedOf = new Map<string, Set<string>>();
  for (const x of rows) {
    if (x.status !== 'rejected' || paperNonces.has(x.nonce)) continue;
    if (!onlineRejectedOf.has(x.party)) onlineRejectedOf.set(x.party, new Set());
    onlineRejectedOf.get(x.party)!.add(x.nonce);
  }
  const partyRow = (p: RosterParty) => {
    const r = emptyRow();
    r.parties = 1;
    if (lettered.has(p.id)) r.lettersIssued = 1;
    if (servedSet.has(p.id)) r.served = 1;
    const b = box.get(p.id);
    const l = logged.get(p.id);
    if (b) r[b.channel] = 1;
    if (l) r.ledger[l.channel] = 1;
    r.voted = b ? 1 : 0;
    r.notVoted = 1 - r.voted;
    let bad = !!b !== !!l || (b && l && (b.channel !== l.channel || b.seq !== l.seq));
    if (b?.channel === 'proxy' && !proxied.has(p.id)) bad = true;
    // A counted paper ballot must come from a letter two clerks entered alike.
    const mine = scansOf.get(p.id) ?? [];
    if (b && l && paperMedium.has(l.seq) && !mine.some((s) => s.state === 'counted' && s.pairId === b.nonce)) bad = true;
    for (const s of mine) {
      r.paperReturned++;
      if (s.state === 'counted') r.paperCounted++;
      else if (s.state === 'rejected') r.paperRejected++;
      else r.paperPending++;
    }
    r.onlineRejected = onlineRejectedOf.get(p.id)?.size ?? 0;
    r.unexplained = bad ? 1 : 0;
    r.ledger.agrees = !bad;
    return r;
  };
  const add = (into: CountRow, r: CountRow) => {
    for (const k of Object.keys(r) as (keyof CountRow)[]) {
      if (k === 'ledger') {
        into.ledger.online += r.ledger.online;
        into.ledger.paper += r.ledger.paper;
        into.ledger.proxy += r.ledger.proxy;
        into.ledger.agrees &&= r.ledger.agrees;
      } else into[k] += r[k];
    }
  };
  const collator = new Intl.Collator('zh', { numeric: true });
  const perBuilding = new Map<string, CountRow>();
  const total = emptyRow();
  const buildingOf = new Map<string, string[]>();
  for (const p of snap.roster) {
    const r = partyRow(p);
    add(total, r);
    const bs = [...new Set(p.parts.map((x) => x.building))];
    buildingOf.set(p.id, bs);
    for (const b of bs) {
      if (!perBuilding.has(b)) perBuilding.set(b, emptyRow());
      add(perBuilding.get(b)!, r);
    }
  }
  const partsOf = new Map(snap.roster.map((p) => [p.id, p.parts.map((x) => x.partId)]));
  const seen = new Set<string>();
  const invalid = rows
    .filter((r) => r.status === 'rejected' && !seen.has(r.nonce) && seen.add(r.nonce))
    .map((r) => ({ seq: r.seq, building: (buildingOf.get(r.party) ?? []).join('、'), partIds: partsOf.get(r.party) ?? [], channel: r.channel, reason: r.reason ?? '' }));
  const pending = [...scans.values()].filter((s) => s.state === 'awaiting_second_entry' || s.state === 'mismatch').map((s) => ({ partId: s.partId, status: s.state }));
  return {
    vote: { id: vote.id, title: vote.title, status: vote.status, closedAt: vote.closedAt?.toISOString() ?? null },
    buildings: [...perBuilding.entries()].sort(([a], [b]) => collator.compare(a, b)).map(([building, r]) => ({ building, ...r })),
    total,
    invalid,
    pending,
  };
}
