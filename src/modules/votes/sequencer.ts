/**
 * The ballot box's sequencer (group commit). Every ballot of one vote must be appended under that
 * vote's log lock, one after another; committing each in its own transaction would make every
 * owner wait for every other owner's commit. Instead, submissions that arrive while a batch is
 * being written queue up and go into the next batch: one transaction, one lock, one multi-row
 * insert, one commit for all of them. Each caller is answered only after the batch that holds its
 * ballot has committed, so an acknowledged ballot is durable exactly as before.
 *
 * The queue lives in this process; several nodes still serialize through the advisory lock. If a
 * batch fails as a whole (e.g. a unique-index race with another node), its submissions are retried
 * one by one, so one bad submission never takes its neighbours down with it.
 */
import type { Db } from '../../db.ts';
import { lockLog } from '../ledger/append.ts';
import { boxBatch, type BoxJob, type BoxResult, type voteRow } from './service.ts';

type VoteRow = Awaited<ReturnType<typeof voteRow>>;

interface Pending {
  job: BoxJob;
  resolve(r: BoxResult): void;
  reject(e: unknown): void;
}

interface Queue {
  running: boolean;
  pending: Pending[];
}

/** At most this many submissions per transaction (keeps one commit's latency bounded). */
let maxBatch = 256;

/** Sets the batch limit (LINLI_BOX_BATCH); 1 commits every submission on its own, as a baseline. */
export function configureBox(opts: { maxBatch: number }) {
  maxBatch = Math.max(1, Math.floor(opts.maxBatch));
}

const queues = new WeakMap<Db, Map<string, Queue>>();

function queueOf(db: Db, voteId: string): Queue {
  let perDb = queues.get(db);
  if (!perDb) queues.set(db, (perDb = new Map()));
  let q = perDb.get(voteId);
  if (!q) perDb.set(voteId, (q = { running: false, pending: [] }));
  return q;
}

async function write(db: Db, vote: VoteRow, jobs: BoxJob[]): Promise<BoxResult[]> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, vote.id);
    return boxBatch(t, vote, jobs);
  });
}

async function drain(db: Db, vote: VoteRow, q: Queue) {
  q.running = true;
  try {
    while (q.pending.length) {
      const batch = q.pending.splice(0, maxBatch);
      try {
        const results = await write(db, vote, batch.map((p) => p.job));
        batch.forEach((p, i) => p.resolve(results[i]!));
      } catch (err) {
        if (batch.length === 1) {
          batch[0]!.reject(err);
          continue;
        }
        for (const p of batch) {
          try {
            p.resolve((await write(db, vote, [p.job]))[0]!);
          } catch (e) {
            p.reject(e);
          }
        }
      }
    }
  } finally {
    q.running = false;
  }
}

/** Queues a submission for the vote's next batch; resolves once its batch has committed. */
export function submitToBox(db: Db, vote: VoteRow, party: BoxJob['party'], byKey: BoxJob['byKey'], input: BoxJob['input']): Promise<BoxResult> {
  const q = queueOf(db, vote.id);
  const done = new Promise<BoxResult>((resolve, reject) => q.pending.push({ job: { party, byKey, input }, resolve, reject }));
  if (!q.running) void drain(db, vote, q);
  return done;
}
