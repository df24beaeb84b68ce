import { and, asc, eq, inArray } from 'drizzle-orm';
import { ballots, checkpoints, electorateSnapshots, ledgerEntries, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { sha256Bytes } from '../../domain/ledger/hash.ts';
import { canonicalize, type Json } from '../../domain/ledger/jcs.ts';
import { AppError, notFound } from '../../errors.ts';
import { rosterLines, type RosterParty } from '../votes/snapshot.ts';
import { castBallotsOf, participationOf } from '../../domain/ledger/credentials.ts';
import { allVerifierKeys } from './keys.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/**
 * The export of one vote's log (docs/ledger.md): manifest.json, roster.jsonl, entries.jsonl (the
 * exact stored bytes), participation.jsonl, checkpoints/<size>.note, tally.json, keys.txt, SHA256SUMS, and with
 * `openings` (named auditors only) openings.jsonl. Nothing in it names a person.
 */
export async function buildExport(db: Db, estateId: string, voteId: string, opts: { openings: boolean }): Promise<Map<string, string>> {
  const [vote] = await db.select().from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId)));
  if (!vote) throw notFound('vote');
  if (!vote.manifest) throw new AppError('CONFLICT', 'the log starts when the notice is published', undefined, '公告发布后才有投票账本');
  const [snap] = await db.select().from(electorateSnapshots).where(eq(electorateSnapshots.voteId, voteId));
  const entries = await db.select({ seq: ledgerEntries.seq, body: ledgerEntries.body }).from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(asc(ledgerEntries.seq));
  const notes = await db.select().from(checkpoints).where(eq(checkpoints.voteId, voteId)).orderBy(asc(checkpoints.size));
  const files = new Map<string, string>();
  files.set('manifest.json', vote.manifest);
  files.set('roster.jsonl', rosterLines(snap!.roster as RosterParty[]));
  files.set('entries.jsonl', entries.map((e) => `${e.body}\n`).join(''));
  // Which households took part, how and when — never how they voted (docs/ledger.md §11, V13).
  const roster = (snap!.roster as RosterParty[]).map((p) => ({ party: p.id, parts: p.parts.map((x) => x.partId) }));
  const parsed = entries.map((e) => JSON.parse(e.body) as Record<string, unknown>);
  files.set('participation.jsonl', participationOf(castBallotsOf(parsed), roster).map((l) => `${canonicalize(l as unknown as Json)}\n`).join(''));
  for (const n of notes) files.set(`checkpoints/${n.size}.note`, n.note);
  if (vote.result) files.set('tally.json', `${canonicalize(vote.consent ? { matters: vote.result as Json, consent: vote.consent as Json } : { matters: vote.result as Json })}\n`);
  files.set('keys.txt', (await allVerifierKeys(db)).map((k) => `${k}\n`).join(''));
  if (opts.openings) {
    const sealed = await db
      .select({ seq: ballots.seq, party: ballots.party, choice: ballots.choice, salt: ballots.salt, matterId: ballots.matterId })
      .from(ballots)
      .where(and(eq(ballots.voteId, voteId), inArray(ballots.status, ['accepted', 'superseded'])))
      .orderBy(asc(ballots.seq));
    const bySeq = new Map(entries.map((e, i) => [e.seq, parsed[i] as { matter?: string }]));
    files.set(
      'openings.jsonl',
      sealed
        .filter((b) => b.salt)
        .map((b) => `${canonicalize({ seq: b.seq, matter: bySeq.get(b.seq)?.matter ?? '', party: b.party, choice: b.choice, salt: b.salt! })}\n`)
        .join(''),
    );
  }
  const sums = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, text]) => `${hex(sha256Bytes(text))}  ${name}\n`)
    .join('');
  files.set('SHA256SUMS', sums);
  return files;
}
