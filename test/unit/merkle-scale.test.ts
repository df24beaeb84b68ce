import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MerkleTree, verifyConsistency, verifyInclusion } from '../../src/domain/ledger/merkle.ts';

/**
 * A million leaves: appends stay amortized O(1) and proofs O(log n). The leaves are pseudo-random
 * 32-byte values (the tree only ever sees leaf hashes), so the time measured is the tree's own.
 */
const N = 1_000_000;

describe('MerkleTree at 1,000,000 leaves', () => {
  it('builds, answers proofs for any size, and the proofs verify', () => {
    // One buffer of leaves: a counter-mode stream from node:crypto is cheap to make.
    const seed = createHash('sha256').update('linli merkle scale').digest();
    const leaves = new Uint8Array(N * 32);
    let x = seed.readUInt32LE(0) | 1;
    for (let i = 0; i < leaves.length; i += 4) {
      // xorshift32: deterministic and fast; collisions are irrelevant for the tree.
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      leaves[i] = x;
      leaves[i + 1] = x >>> 8;
      leaves[i + 2] = x >>> 16;
      leaves[i + 3] = x >>> 24;
    }
    const leaf = (i: number) => leaves.subarray(i * 32, i * 32 + 32);

    const t0 = performance.now();
    const tree = new MerkleTree();
    for (let i = 0; i < N; i++) tree.append(leaf(i));
    const built = performance.now() - t0;
    expect(tree.size).toBe(N);

    const t1 = performance.now();
    const root = tree.root();
    const indexes = [0, 1, 2, 524_287, 524_288, 777_777, N - 2, N - 1];
    for (let r = 0; r < 200; r++) indexes.push(Math.floor(((r * 2654435761) % 4294967296) / 4294967296 * N));
    for (const i of indexes) {
      const proof = tree.inclusionProof(i);
      expect(proof.length).toBeLessThanOrEqual(20);
      expect(verifyInclusion(i, N, leaf(i), proof, root)).toBe(true);
    }
    // Past sizes: inclusion under an older root, and consistency from it to the full tree.
    const sizes = [1, 2, 3, 1000, 65_536, 65_537, 500_001, 999_999];
    for (let r = 0; r < 100; r++) sizes.push(1 + Math.floor(((r * 40503 * 65537) % 1_000_003) / 1_000_003 * (N - 1)));
    for (const m of sizes) {
      const rootM = tree.root(m);
      const i = m - 1;
      expect(verifyInclusion(i, m, leaf(i), tree.inclusionProof(i, m), rootM)).toBe(true);
      expect(verifyConsistency(m, N, rootM, root, tree.consistencyProof(m, N))).toBe(true);
    }
    const proved = performance.now() - t1;
    // Timings go to the test log for the record; the budget is generous for slow CI machines.
    console.log(`merkle 1M: build ${built.toFixed(0)} ms, ${indexes.length + 2 * sizes.length} proofs + checks ${proved.toFixed(0)} ms`);
    expect(proved).toBeLessThan(5_000);
  }, 120_000);
});
