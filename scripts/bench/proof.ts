/**
 * Section `proof`: Merkle proofs at 1M entries.
 *
 * In memory (src/domain/ledger/merkle.ts): build the tree of 1M leaves, then inclusion proofs
 * (p50/p99 over 1,000 random leaves) and consistency proofs (1,000 random older sizes) against
 * the 1M tree, their verification, and the size of a real owner's receipt (a c2sp.org/tlog-proof
 * file, src/domain/ledger/proof-file.ts) for the entry at seq 999,999 with a signed checkpoint.
 *
 * Through the service (src/modules/ledger/checkpoints.ts, what GET …/receipt runs): the log's
 * rows are loaded into a scratch PostgreSQL database with COPY, then `inclusionReceipt` is timed
 * cold (first request after a start: treeOf reads every leaf and builds the tree) and warm
 * (p50/p99; the cached tree only reads leaves newer than it).
 *
 * Entries are real sealed ballot entries: the text of each is written by a template and checked
 * byte for byte against sealEntry (canonical JCS, chained by prev) on a sample, which keeps a
 * million of them to a few seconds. Baseline in the same run: one SHA-256 of a leaf (an entry,
 * @noble/hashes through hash.ts' leafHash — native node:crypto when available, see docs).
 */
import { randomUUID, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { sealEntry } from '../../src/domain/ledger/entry.ts';
import { leafHash, toBase64 } from '../../src/domain/ledger/hash.ts';
import type { Json } from '../../src/domain/ledger/jcs.ts';
import { MerkleTree, verifyConsistency, verifyInclusion } from '../../src/domain/ledger/merkle.ts';
import { checkpointText, signNote, verifierKey } from '../../src/domain/ledger/note.ts';
import { serializeProofFile, verifyReceipt } from '../../src/domain/ledger/proof-file.ts';
import { createDb, migrate } from '../../src/db.ts';
import { inclusionReceipt } from '../../src/modules/ledger/checkpoints.ts';
import { copyRows, load, machine, nowMs, percentile, round, scratchDatabase, type BenchOptions, type Section } from './lib.ts';
import { prng } from './verify.ts';

const N = 1_000_000;
const KEY_NAME = 'bench.linli.example/linli';

/** Entry texts of one log, generated in order (each needs the previous leaf). */
class BenchLog {
  readonly origin: string;
  /** Leaf hashes, 32 bytes each, contiguous. */
  readonly leaves: Uint8Array;
  private prev = '';
  private rand = prng(11);
  size = 0;
  constructor(
    readonly voteId: string,
    capacity: number,
  ) {
    this.origin = `bench.linli.example/linli/00000000-0000-4000-8000-0000000be4c1/${voteId}`;
    this.leaves = new Uint8Array(capacity * 32);
  }

  /** The header and body of entry `seq` (a ballot; seq 0 is the setup entry). */
  private fields(seq: number) {
    const r = this.rand;
    const at = new Date(Date.parse('2026-03-17T00:00:00.000Z') + seq * 1000).toISOString();
    if (seq === 0) return { type: 'setup' as const, at, body: { manifest_sha256: 'p5CVk7yEQ1m8nB0D1qgU9HcWb3N3lKx9pS1HkPZl4aE=' } };
    const hex = (k: number) => Math.floor(r() * 16 ** k).toString(16).padStart(k, '0');
    const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
    const commit = toBase64(Uint8Array.from({ length: 32 }, () => Math.floor(r() * 256)));
    return {
      type: 'ballot' as const,
      at,
      body: { matter: seq % 2 ? 'm1' : 'm2', party: `p${1 + Math.floor(r() * 100_000)}`, weights: { area_cents: 6_000 + Math.floor(r() * 9_000), heads: 1 }, channel: 'online', nonce: uuid(), token: uuid(), commit },
    };
  }

  /** The canonical text sealEntry writes for these fields (keys in JCS order; checked by {@link check}). */
  private template(seq: number, f: ReturnType<BenchLog['fields']>): string {
    if (f.type === 'setup') return `{"at":"${f.at}","log":"${this.origin}","manifest_sha256":"${f.body.manifest_sha256}","prev":"","seq":0,"type":"setup","v":1}`;
    const b = f.body;
    return `{"at":"${f.at}","channel":"online","commit":"${b.commit}","log":"${this.origin}","matter":"${b.matter}","nonce":"${b.nonce}","party":"${b.party}","prev":"${this.prev}","seq":${seq},"token":"${b.token}","type":"ballot","v":1,"weights":{"area_cents":${b.weights.area_cents},"heads":1}}`;
  }

  /** Appends the next entry; with `check`, also seals it with the domain code and compares. */
  next(check = false): string {
    const seq = this.size;
    const f = this.fields(seq);
    const text = this.template(seq, f);
    if (check) {
      const sealed = sealEntry({ v: 1, log: this.origin, seq, prev: this.prev, type: f.type, at: f.at }, f.body as unknown as Record<string, Json>);
      if (sealed.text !== text) throw new Error(`bench entry ${seq} differs from sealEntry's:\n${text}\n${sealed.text}`);
    }
    const leaf = leafHash(text);
    this.leaves.set(leaf, seq * 32);
    this.prev = toBase64(leaf);
    this.size++;
    return text;
  }

  leaf(i: number): Uint8Array {
    return this.leaves.subarray(i * 32, i * 32 + 32);
  }
}

function stats(values: number[], digits = 4) {
  return { p50Ms: round(percentile(values, 50), digits), p99Ms: round(percentile(values, 99), digits), maxMs: round(Math.max(...values), digits) };
}

/** One SHA-256 of a leaf: the mean over many, as the unit proofs are compared with. */
function leafHashUnitMs(text: string): number {
  const n = 50_000;
  const t = nowMs();
  for (let i = 0; i < n; i++) leafHash(text);
  return (nowMs() - t) / n;
}

async function inMemory(log: BenchLog, lastText: string, opts: BenchOptions) {
  let t = nowMs();
  const tree = new MerkleTree();
  for (let i = 0; i < log.size; i++) tree.append(log.leaf(i));
  const buildMs = nowMs() - t;
  opts.log(`proof: tree of ${tree.size} leaves built in ${round(buildMs)} ms`);
  const rand = prng(5);
  const pick = () => Math.floor(rand() * log.size);
  const root = tree.root();

  // Warm up the JIT, then measure one proof at a time.
  for (let i = 0; i < 200; i++) tree.inclusionProof(pick());
  const incl: number[] = [];
  const inclVerify: number[] = [];
  let hashes = 0;
  for (let i = 0; i < 1000; i++) {
    const index = pick();
    t = nowMs();
    const proof = tree.inclusionProof(index);
    incl.push(nowMs() - t);
    hashes += proof.length;
    t = nowMs();
    const ok = verifyInclusion(index, tree.size, log.leaf(index), proof, root);
    inclVerify.push(nowMs() - t);
    if (!ok) throw new Error(`inclusion proof of ${index} does not verify`);
  }
  const cons: number[] = [];
  const consVerify: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const size1 = 1 + pick();
    t = nowMs();
    const proof = tree.consistencyProof(size1);
    cons.push(nowMs() - t);
    const old = tree.root(size1);
    t = nowMs();
    const ok = verifyConsistency(size1, tree.size, old, root, proof);
    consVerify.push(nowMs() - t);
    if (!ok) throw new Error(`consistency proof from ${size1} does not verify`);
  }

  // The owner's receipt for the last entry, against a signed checkpoint of the whole log.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pub = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  const note = await signNote(checkpointText({ origin: log.origin, size: tree.size, rootB64: toBase64(root) }), KEY_NAME, pub, async (m) => new Uint8Array(nodeSign(null, m, privateKey)));
  const index = log.size - 1;
  t = nowMs();
  const receipt = serializeProofFile({ extra: new TextEncoder().encode(lastText), index, hashes: tree.inclusionProof(index), checkpointNote: note });
  const receiptMs = nowMs() - t;
  t = nowMs();
  const checked = await verifyReceipt(receipt, [verifierKey(KEY_NAME, pub)], log.origin);
  const receiptVerifyMs = nowMs() - t;
  if (!checked.ok) throw new Error(`receipt does not verify: ${checked.problems.join('; ')}`);
  const bytes = Buffer.byteLength(receipt);
  return {
    treeBuildMs: round(buildMs, 0),
    inclusion: { ...stats(incl), hashesPerProof: round(hashes / 1000, 1), verify: stats(inclVerify) },
    consistency: { ...stats(cons), verify: stats(consVerify) },
    receipt: {
      index,
      bytes,
      entryBytes: Buffer.byteLength(lastText),
      proofHashes: checked.included ? tree.inclusionProof(index).length : null,
      note: 'c2sp.org/tlog-proof@v1: header, extra (the entry, base64), index, the hashes (base64), a blank line, the signed checkpoint',
      buildMs: round(receiptMs, 3),
      verifyMs: round(receiptVerifyMs, 2),
    },
  };
}

/** The service's receipt path on PostgreSQL: inclusionReceipt cold and warm. */
async function throughService(opts: BenchOptions, size: number) {
  const scratch = await scratchDatabase(opts.pgUrl, 'proof');
  try {
    const handle = await createDb({ url: scratch.url, max: 4 });
    try {
      await migrate(handle.db);
      const estateId = randomUUID();
      const voteId = randomUUID();
      const log = new BenchLog(voteId, size);
      await handle.db.execute(sql`insert into estates (id, name, rules) values (${estateId}, 'bench', '{}'::jsonb)`);
      await handle.db.execute(
        sql`insert into votes (id, estate_id, title, rules, status, opens_at, closes_at, log_origin, manifest) values (${voteId}, ${estateId}, 'bench', '{}'::jsonb, 'noticed', now() - interval '1 day', now() + interval '13 days', ${log.origin}, '{}')`,
      );
      let t = nowMs();
      const createdAt = new Date().toISOString();
      let last = '';
      const rows = function* () {
        for (let seq = 0; seq < size; seq++) {
          const text = log.next(seq < 3 || seq === size - 1);
          if (seq === size - 1) last = text;
          yield [voteId, seq, seq === 0 ? 'setup' : 'ballot', text, toBase64(log.leaf(seq)), createdAt];
        }
      };
      await copyRows(scratch.url, 'ledger_entries', ['vote_id', 'seq', 'type', 'body', 'leaf', 'created_at'], rows());
      const loadMs = nowMs() - t;
      opts.log(`proof: ${size} ledger rows loaded with COPY in ${round(loadMs / 1000, 1)} s`);
      // The checkpoint the scheduler would have signed.
      const tree = new MerkleTree();
      for (let i = 0; i < size; i++) tree.append(log.leaf(i));
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pub = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
      const root = toBase64(tree.root());
      const note = await signNote(checkpointText({ origin: log.origin, size, rootB64: root }), KEY_NAME, pub, async (m) => new Uint8Array(nodeSign(null, m, privateKey)));
      await handle.db.execute(sql`insert into checkpoints (vote_id, size, root, note) values (${voteId}, ${size}, ${root}, ${note})`);
      await handle.db.execute(sql`analyze ledger_entries`);

      const rand = prng(9);
      t = nowMs();
      const first = await inclusionReceipt(handle.db, voteId, Math.floor(rand() * size));
      const coldMs = nowMs() - t;
      const warm: number[] = [];
      for (let i = 0; i < 300; i++) {
        const index = Math.floor(rand() * size);
        t = nowMs();
        await inclusionReceipt(handle.db, voteId, index);
        warm.push(nowMs() - t);
      }
      const lastReceipt = await inclusionReceipt(handle.db, voteId, size - 1);
      opts.log(`proof: inclusionReceipt cold ${round(coldMs)} ms, warm p50 ${round(percentile(warm, 50), 2)} ms`);
      return {
        entries: size,
        copyLoadMs: round(loadMs, 0),
        coldMs: round(coldMs, 1),
        coldNote: 'first receipt after a start: treeOf reads every leaf of the log and builds the tree',
        warm: stats(warm, 2),
        receiptBytesAtLast: Buffer.byteLength(lastReceipt.proof),
        receiptBytesSample: Buffer.byteLength(first.proof),
        lastEntryBytes: Buffer.byteLength(last),
      };
    } finally {
      await handle.close();
    }
  } finally {
    await scratch.drop();
  }
}

export async function run(opts: BenchOptions): Promise<Section> {
  // Entries, their leaf hashes (the tree's input) and the baseline.
  const log = new BenchLog(randomUUID(), N);
  let t = nowMs();
  let last = '';
  for (let i = 0; i < N; i++) last = log.next(i < 3 || i === N - 1);
  const generateMs = nowMs() - t;
  opts.log(`proof: ${N} entries sealed and leaf-hashed in ${round(generateMs / 1000, 1)} s`);
  const unit = leafHashUnitMs(last);
  const memory = await inMemory(log, last, opts);
  const service = await throughService(opts, opts.quick ? 100_000 : N);
  const goalMs = 5;
  return {
    leaves: N,
    entriesGenerateAndHashMs: round(generateMs, 0),
    baseline: { what: 'one SHA-256 leaf hash of an entry (hash.ts leafHash)', ms: round(unit, 5) },
    ...memory,
    ratio: { inclusionP50OverLeafHash: round(memory.inclusion.p50Ms / unit, 1), treeBuildOverLeafHashes: round(memory.treeBuildMs / (unit * N), 2) },
    service: { ...service, ...(opts.quick ? { note: 'quick mode: the service path over 100k rows; the full run loads 1M' } : {}) },
    goal: 'inclusion proof at 1M entries < 5 ms (judged: the proof’s p99 in memory, and the service’s warm receipt p50; the service p99 is reported, it moves with the machine’s load)',
    goalMet: memory.inclusion.p99Ms < goalMs && service.warm.p50Ms < goalMs,
    ...load(),
    machine: machine(),
  };
}
