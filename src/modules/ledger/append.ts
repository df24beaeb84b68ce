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

/**
 * Appends entries to a vote's log in order, each chained to the previous leaf hash. The caller must
 * hold `lockLog` in the same transaction; the entries commit or vanish with the caller's rows.
 */
export async function appendEntries(
  tx: Db,
  vote: { id: string; logOrigin: string },
  items: { type: EntryType; body: Record<string, Json> }[],
  now: Date,
): Promise<AppendedEntry[]> {
  if (!items.length) return [];
  const [last] = await tx
    .select({ seq: ledgerEntries.seq, leaf: ledgerEntries.leaf })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.voteId, vote.id))
    .orderBy(desc(ledgerEntries.seq))
    .limit(1);
  let seq = last ? last.seq + 1 : 0;
  let prev = last?.leaf ?? '';
  const at = now.toISOString();
  const out: AppendedEntry[] = [];
  for (const item of items) {
    const sealed = sealEntry({ v: 1, log: vote.logOrigin, seq, prev, type: item.type, at }, item.body);
    out.push({ seq, leaf: sealed.leaf, text: sealed.text, type: item.type });
    prev = sealed.leaf;
    seq++;
  }
  await tx.insert(ledgerEntries).values(out.map((e) => ({ voteId: vote.id, seq: e.seq, type: e.type, body: e.text, leaf: e.leaf, createdAt: now })));
  return out;
}

/** The whole log of a vote in order (exact stored bytes). */
export async function readLog(db: Db, voteId: string) {
  return db.select().from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId)).orderBy(ledgerEntries.seq);
}
