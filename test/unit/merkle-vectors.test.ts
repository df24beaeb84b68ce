import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash } from '../../src/domain/ledger/hash.ts';
import { EMPTY_ROOT, MerkleTree, rootFromLeaves, verifyConsistency, verifyInclusion } from '../../src/domain/ledger/merkle.ts';

/** RFC 6962 vectors from transparency-dev/merkle (shared/vectors/merkle/SOURCE.md). */
const VECTORS = path.resolve(import.meta.dirname, '../../../shared/vectors/merkle');

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
    })
    .sort();
}

/** The vectors' hashes are standard base64; some are deliberately not 32 bytes. */
const b64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusionFiles = jsonFiles(path.join(VECTORS, 'inclusion'));
const consistencyFiles = jsonFiles(path.join(VECTORS, 'consistency'));
const rel = (f: string) => path.relative(VECTORS, f);

describe('shared Merkle vectors', () => {
  it('are present', () => {
    expect(inclusionFiles.length).toBeGreaterThan(20);
    expect(consistencyFiles.length).toBeGreaterThan(20);
    // Both outcomes must be exercised, or the suite proves little.
    const wants = [...inclusionFiles, ...consistencyFiles].map((f) => (JSON.parse(readFileSync(f, 'utf8')) as { wantErr: boolean }).wantErr);
    expect(wants).toContain(true);
    expect(wants).toContain(false);
  });

  it.each(inclusionFiles.map((f) => [rel(f), f]))('inclusion %s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8')) as InclusionVector;
    const ok = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof ?? []).map(b64), b64(v.root));
    expect(ok, v.desc).toBe(!v.wantErr);
  });

  it.each(consistencyFiles.map((f) => [rel(f), f]))('consistency %s', (_name, file) => {
    const v = JSON.parse(readFileSync(file, 'utf8')) as ConsistencyVector;
    const ok = verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof ?? []).map(b64));
    expect(ok, v.desc).toBe(!v.wantErr);
  });
});

// --- An independent reference: the RFC 6962 §2.1 definitions, recursively, on arrays.

const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leafHash(`entry ${i}`));
const k = (n: number) => {
  let p = 1;
  while (p * 2 < n) p *= 2;
  return p;
};
function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return EMPTY_ROOT;
  if (d.length === 1) return d[0];
  const s = k(d.length);
  return nodeHash(mth(d.slice(0, s)), mth(d.slice(s)));
}
function refPath(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s ? [...refPath(m, d.slice(0, s)), mth(d.slice(s))] : [...refPath(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function refSubproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...refSubproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...refSubproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const N = 70;
const LEAVES = leavesOf(N);
const TREE = new MerkleTree(LEAVES);

describe('MerkleTree against the RFC definitions', () => {
  it('has the empty root SHA-256("") and rejects non-hash leaves', () => {
    expect(Buffer.from(new MerkleTree().root()).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(() => new MerkleTree().append(new Uint8Array(31))).toThrow(TypeError);
    expect(() => TREE.root(N + 1)).toThrow(RangeError);
    expect(() => TREE.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => TREE.consistencyProof(6, 5)).toThrow(RangeError);
  });

  it(`root(size) equals rootFromLeaves and the reference for every size 0..${N}`, () => {
    for (let n = 0; n <= N; n++) {
      const want = rootFromLeaves(LEAVES.slice(0, n));
      expect(TREE.root(n)).toEqual(want);
      expect(mth(LEAVES.slice(0, n))).toEqual(want);
    }
  });

  it('root while appending equals the root of a tree built at once', () => {
    const t = new MerkleTree();
    for (let n = 0; n < N; n++) {
      expect(t.root()).toEqual(rootFromLeaves(LEAVES.slice(0, n)));
      expect(t.append(LEAVES[n])).toBe(n);
    }
    expect(t.size).toBe(N);
    expect(t.leaf(7)).toEqual(LEAVES[7]);
  });

  it(`every inclusion proof for sizes 1..${N} equals the reference and verifies`, () => {
    for (let n = 1; n <= N; n++) {
      const root = TREE.root(n);
      for (let i = 0; i < n; i++) {
        const proof = TREE.inclusionProof(i, n);
        expect(proof).toEqual(refPath(i, LEAVES.slice(0, n)));
        expect(verifyInclusion(i, n, LEAVES[i], proof, root)).toBe(true);
        // The same proof must not vouch for a neighbour, nor for a leaf beyond the tree.
        if (n > 1) expect(verifyInclusion((i + 1) % n, n, LEAVES[i], proof, root)).toBe(false);
        expect(verifyInclusion(n, n, LEAVES[i], proof, root)).toBe(false);
      }
    }
  });

  it(`every consistency proof for 0 ≤ m ≤ n ≤ ${N} equals the reference and verifies`, () => {
    for (let n = 0; n <= N; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = TREE.consistencyProof(m, n);
        const want = m === 0 || m === n ? [] : refSubproof(m, LEAVES.slice(0, n), true);
        expect(proof).toEqual(want);
        expect(verifyConsistency(m, n, TREE.root(m), TREE.root(n), proof)).toBe(true);
        if (m > 0 && m < n) {
          // A root from another history must fail.
          expect(verifyConsistency(m, n, leafHash('forged'), TREE.root(n), proof)).toBe(false);
          expect(verifyConsistency(m, n, TREE.root(m), leafHash('forged'), proof)).toBe(false);
        }
      }
    }
  });

  it('random proofs: any single-bit change is rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: N }), fc.nat(), fc.nat(), fc.nat(255 * 8), (n, a, b, bit) => {
        const i = a % n;
        const m = 1 + (b % (n - 1));
        const ip = TREE.inclusionProof(i, n);
        if (ip.length) {
          const bad = ip.map((h) => h.slice());
          const which = bad[bit % bad.length];
          which[(bit >> 3) % 32] ^= 1 << (bit & 7);
          expect(verifyInclusion(i, n, LEAVES[i], bad, TREE.root(n))).toBe(false);
        }
        const cp = TREE.consistencyProof(m, n);
        const bad = cp.map((h) => h.slice());
        bad[bit % bad.length][(bit >> 3) % 32] ^= 1 << (bit & 7);
        expect(verifyConsistency(m, n, TREE.root(m), TREE.root(n), bad)).toBe(false);
        expect(verifyConsistency(m, n, TREE.root(m), TREE.root(n), cp.slice(0, -1))).toBe(false);
        expect(verifyConsistency(m, n, TREE.root(m), TREE.root(n), [...cp, cp[0]])).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('verifiers never throw on malformed input', () => {
    const anything = fc.oneof(fc.anything(), fc.uint8Array({ maxLength: 40 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 3 }));
    fc.assert(
      fc.property(anything, anything, anything, anything, anything, (a, b, c, d, e) => {
        const inc = verifyInclusion(a as number, b as number, c as Uint8Array, d as Uint8Array[], e as Uint8Array);
        const con = verifyConsistency(a as number, b as number, c as Uint8Array, d as Uint8Array, e as Uint8Array[]);
        expect(typeof inc).toBe('boolean');
        expect(typeof con).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    expect(verifyInclusion(0, 1, LEAVES[0], [], LEAVES[0])).toBe(true);
    expect(verifyInclusion(-1, 1, LEAVES[0], [], LEAVES[0])).toBe(false);
    expect(verifyInclusion(0.5, 1, LEAVES[0], [], LEAVES[0])).toBe(false);
    expect(verifyInclusion(0, 1, LEAVES[0].subarray(1), [], LEAVES[0].subarray(1))).toBe(false);
  });
});
