import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { checkpoints, ledgerEntries, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { fromBase64, toBase64 } from '../../domain/ledger/hash.ts';
import { MerkleTree } from '../../domain/ledger/merkle.ts';
import { checkpointText, signNote } from '../../domain/ledger/note.ts';
import { serializeProofFile } from '../../domain/ledger/proof-file.ts';
import { AppError } from '../../errors.ts';
import { lockLog } from './append.ts';
import { registerLogKey, type LogSigner } from './keys.ts';

/** Sign while voting at least every this many new entries… */
export const CHECKPOINT_EVERY_ENTRIES = 64;
/** …or when entries are older than this. */
export const CHECKPOINT_EVERY_MS = 30_000;

// The log is append-only, so a cached tree is always a valid prefix: only newer leaves are read.
const trees = new WeakMap<Db, Map<string, MerkleTree>>();

/** The vote's Merkle tree, brought up to date from the stored leaves. */
export async function treeOf(db: Db, voteId: string): Promise<MerkleTree> {
  let perDb = trees.get(db);
  if (!perDb) trees.set(db, (perDb = new Map()));
  let tree = perDb.get(voteId);
  if (!tree) perDb.set(voteId, (tree = new MerkleTree()));
  const newer = await db
    .select({ seq: ledgerEntries.seq, leaf: ledgerEntries.leaf })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.voteId, voteId), gte(ledgerEntries.seq, tree.size)))
    .orderBy(ledgerEntries.seq);
  for (const row of newer) {
    if (row.seq !== tree.size) throw new Error(`ledger gap in vote ${voteId} at ${tree.size}`);
    tree.append(fromBase64(row.leaf));
  }
  return tree;
}

export interface StoredCheckpoint {
  size: number;
  root: string;
  note: string;
  createdAt: Date;
}

export async function latestCheckpoint(db: Db, voteId: string): Promise<StoredCheckpoint | null> {
  const [row] = await db.select().from(checkpoints).where(eq(checkpoints.voteId, voteId)).orderBy(desc(checkpoints.size)).limit(1);
  return row ?? null;
}

/**
 * Signs a checkpoint of the whole log as it stands (under the log lock, so the size is exact).
 * Returns the existing one when the log has not grown. Roots come from the stored leaves only, and
 * there is at most one checkpoint per size, so two inconsistent checkpoints cannot be signed.
 */
export async function signCheckpoint(db: Db, signer: LogSigner, voteId: string, now: Date): Promise<StoredCheckpoint | null> {
  await registerLogKey(db, signer);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, voteId);
    const [vote] = await tx.select({ origin: votes.logOrigin }).from(votes).where(eq(votes.id, voteId));
    if (!vote?.origin) return null;
    const [{ size }] = (await tx.select({ size: sql<number>`count(*)::int` }).from(ledgerEntries).where(eq(ledgerEntries.voteId, voteId))) as [{ size: number }];
    if (!size) return null;
    const [existing] = await tx.select().from(checkpoints).where(and(eq(checkpoints.voteId, voteId), eq(checkpoints.size, size)));
    if (existing) return existing;
    const tree = await treeOf(t, voteId);
    const root = toBase64(tree.root(size));
    const note = await signNote(checkpointText({ origin: vote.origin, size, rootB64: root }), signer.name, signer.publicKey, signer.sign);
    const [row] = await tx.insert(checkpoints).values({ voteId, size, root, note, createdAt: now }).returning();
    return row!;
  });
}

/** Signs when enough entries or time have accumulated since the last checkpoint (while voting). */
export async function maybeCheckpoint(db: Db, signer: LogSigner, voteId: string, now: Date): Promise<StoredCheckpoint | null> {
  const last = await latestCheckpoint(db, voteId);
  const [{ size, oldest }] = (await db
    .select({ size: sql<number>`count(*)::int`, oldest: sql<string | null>`min(${ledgerEntries.createdAt}) filter (where ${ledgerEntries.seq} >= ${last?.size ?? 0})` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.voteId, voteId))) as [{ size: number; oldest: string | null }];
  const pending = size - (last?.size ?? 0);
  if (pending <= 0) return null;
  const stale = oldest !== null && now.getTime() - new Date(oldest).getTime() >= CHECKPOINT_EVERY_MS;
  if (pending >= CHECKPOINT_EVERY_ENTRIES || stale) return signCheckpoint(db, signer, voteId, now);
  return null;
}

/** The checkpoint of exactly `size`, or the latest when size is absent. */
export async function checkpointAt(db: Db, voteId: string, size?: number): Promise<StoredCheckpoint> {
  const row = size
    ? (await db.select().from(checkpoints).where(and(eq(checkpoints.voteId, voteId), eq(checkpoints.size, size))))[0]
    : await latestCheckpoint(db, voteId);
  if (!row) throw new AppError('NOT_FOUND', size ? `no checkpoint of size ${size}` : 'no checkpoint has been signed yet', undefined, '尚无签名检查点');
  return row;
}

/**
 * A `c2sp.org/tlog-proof@v1` receipt for the entry at `index`: the entry's exact bytes as extra
 * data, its inclusion proof and the signed checkpoint (the latest, or of `size`).
 */
export async function inclusionReceipt(db: Db, voteId: string, index: number, size?: number) {
  const cp = await checkpointAt(db, voteId, size);
  if (index < 0 || index >= cp.size) {
    throw new AppError('CONFLICT', `entry ${index} is not covered by a checkpoint yet; try again shortly`, [{ field: 'index', message: 'not yet checkpointed' }], '您的选票尚未进入最新的签名检查点，请稍后再试');
  }
  const [entry] = await db.select({ body: ledgerEntries.body }).from(ledgerEntries).where(and(eq(ledgerEntries.voteId, voteId), eq(ledgerEntries.seq, index)));
  const tree = await treeOf(db, voteId);
  const proof = serializeProofFile({
    extra: new TextEncoder().encode(entry!.body),
    index,
    hashes: tree.inclusionProof(index, cp.size),
    checkpointNote: cp.note,
  });
  return { proof, checkpoint: cp };
}

/** Consistency proof between two signed sizes (so a client can check its remembered checkpoint). */
export async function consistency(db: Db, voteId: string, from: number, to: number) {
  if (!(from >= 1 && to >= from)) throw new AppError('VALIDATION_FAILED', 'from: need 1 ≤ from ≤ to', [{ field: 'from', message: 'need 1 ≤ from ≤ to' }]);
  const [a, b] = await Promise.all([checkpointAt(db, voteId, from), checkpointAt(db, voteId, to)]);
  const tree = await treeOf(db, voteId);
  return { from: a.size, to: b.size, rootFrom: a.root, rootTo: b.root, proof: tree.consistencyProof(a.size, b.size).map(toBase64), note: b.note };
}

/** Votes that may need a checkpoint now: noticed (voting) votes with entries newer than their last one. */
export async function votesAwaitingCheckpoint(db: Db) {
  return db
    .select({ id: votes.id })
    .from(votes)
    .where(
      and(
        eq(votes.status, 'noticed'),
        sql`(select count(*) from ${ledgerEntries} where ${ledgerEntries.voteId} = ${votes.id}) > coalesce((select max(size) from ${checkpoints} where ${checkpoints.voteId} = ${votes.id}), 0)`,
      ),
    );
}

