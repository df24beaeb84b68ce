import { desc, eq, sql } from 'drizzle-orm';
import { ledgerEntries } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { sealEntry, type EntryType } from '../../domain/ledger/entry.ts';
import type { Json } from '../../domain/ledger/jcs.ts';

/** A 60-bit advisory-lock key for one log, derived from its UUID. */
function lockKey(logId: string): bigint {
  return BigInt(`0x${logId.replace(/-/g, '').slice(0, 15)}`);
}

/**
 * Serializes everything that appends to one log (a vote's ballots, close and tally; a council
 * session's events) for the rest of the transaction. Sequence numbers come from the log itself
 * under this lock, never from a SEQUENCE, so a rolled-back append leaves no gap.
 */
export async function lockLog(tx: Db, logId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${lockKey(logId).toString()}::bigint)`);
}

export interface AppendedEntry {
  seq: number;
  leaf: string;
  text: string;
  type: EntryType;
}

/** The last entry of a log (seq and leaf hash), or null for an empty log. Read under the log lock. */
export async function lastEntry(tx: Db, logId: string): Promise<{ seq: number; leaf: string } | null> {
  const [last] = await tx
    .select({ seq: ledgerEntries.seq, leaf: ledgerEntries.leaf })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.voteId, logId))
    .orderBy(desc(ledgerEntries.seq))
    .limit(1);
  return last ?? null;
}

/**
 * Appends entries to a vote's log in order, each chained to the previous leaf hash, in one
 * multi-row insert. The caller must hold `lockLog` in the same transaction (and may pass the
 * `last` entry it already read under that lock); the entries commit or vanish with the caller's
 * rows. An item's own `now` (a batch of submissions) overrides the shared time.
 */
export async function appendEntries(
  tx: Db,
  vote: { id: string; logOrigin: string },
  items: { type: EntryType; body: Record<string, Json>; now?: Date }[],
  now: Date,
  last?: { seq: number; leaf: string } | null,
): Promise<AppendedEntry[]> {
  if (!items.length) return [];
  const tail = last === undefined ? await lastEntry(tx, vote.id) : last;
  let seq = tail ? tail.seq + 1 : 0;
  let prev = tail?.leaf ?? '';
  const out: (AppendedEntry & { at: Date })[] = [];
  for (const item of items) {
    const when = item.now ?? now;
    const sealed = sealEntry({ v: 1, log: vote.logOrigin, seq, prev, type: item.type, at: when.toISOString() }, item.body);
    out.push({ seq, leaf: sealed.leaf, text: sealed.text, type: item.type, at: when });
    prev = sealed.leaf;
    seq++;
  }
  for (let i = 0; i < out.length; i += 1000) {
    await tx.insert(ledgerEntries).values(out.slice(i, i + 1000).map((e) => ({ voteId: vote.id, seq: e.seq, type: e.type, body: e.text, leaf: e.leaf, createdAt: e.at })));
  }
  return out;
}

/** The whole log of a vote in order (exact stored bytes). */
export async function readLog(db: Db, voteId: string) {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(ledgerEntries.seq);
}
