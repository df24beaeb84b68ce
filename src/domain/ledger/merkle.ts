/**
 * RFC 6962 §2.1 Merkle hash trees over ledger leaves, with the RFC 9162 §2.1.3.2 / §2.1.4.2
 * proof verification algorithms.
 *
 * - A tree of n leaves splits at k, the largest power of two smaller than n; an odd node is
 *   never duplicated (it is carried up unchanged); the empty tree's hash is SHA-256("").
 * - Leaves here are leaf HASHES (SHA-256(0x00 ‖ entry bytes), see hash.ts); the tree never sees
 *   entry bytes, so one tree serves the service, the verifier and the receipts.
 *
 * Browser-safe: Uint8Array and hash.ts only (the auditor page imports this file).
 */

import { nodeHash, sha256 } from './hash.ts';

/** Bytes of a SHA-256 hash. */
export const HASH_SIZE = 32;

/** Root of the empty tree: SHA-256 of nothing (RFC 6962 §2.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/**
 * Proofs never hold more hashes than the tree has levels; 2^53 leaves need at most 53, so
 * anything longer is malformed and is refused before any hashing.
 */
const MAX_PROOF_LENGTH = 64;

const isHash = (h: unknown): h is Uint8Array => h instanceof Uint8Array && h.length === HASH_SIZE;

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/**
 * The largest power of two strictly smaller than n (n ≥ 2). Sizes may exceed 2^32, where
 * JavaScript's bit operators would wrap, so the large case uses plain arithmetic.
 */
function splitPoint(n: number): number {
  if (n <= 0x8000_0000) return 2 ** (31 - Math.clz32(n - 1));
  let k = 0x8000_0000;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Interior-node hashing into a scratch buffer: the tree hashes ~n nodes, so avoid garbage. */
const scratch = new Uint8Array(1 + 2 * HASH_SIZE);
scratch[0] = 0x01;
function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  scratch.set(left, 1);
  scratch.set(right, 1 + HASH_SIZE);
  return sha256(scratch);
}

/**
 * An append-only Merkle tree that caches the hash of every complete (perfect) subtree.
 *
 * Level h stores, contiguously, the hashes of the aligned subtrees of 2^h leaves that are
 * complete; level 0 is the leaves. Any RFC 6962 subtree [lo, hi) of a tree of size ≤ n is a
 * right-leaning chain of at most log2 n such aligned perfect subtrees, so roots and proofs for
 * ANY past size cost O(log n) hashes, and appending costs one leaf copy plus, amortized, one
 * interior hash. Storage is one growable byte array per level (about 64 bytes per leaf),
 * because a million small Uint8Array objects would cost several times that in headers.
 */
export class MerkleTree {
  /** levels[h] holds counts[h] hashes of 32 bytes each. */
  private levels: Uint8Array[] = [];
  private counts: number[] = [];

  /** Builds a tree from leaf hashes (each 32 bytes). */
  constructor(leaves: Iterable<Uint8Array> = []) {
    for (const leaf of leaves) this.append(leaf);
  }

  /** Number of leaves. */
  get size(): number {
    return this.counts[0] ?? 0;
  }

  /**
   * Appends a leaf hash and returns its index. Amortized O(1) hashing: a leaf completes one
   * subtree per trailing 1-bit of its index.
   * @throws TypeError when the leaf is not a 32-byte hash.
   */
  append(leaf: Uint8Array): number {
    if (!isHash(leaf)) throw new TypeError('a Merkle leaf must be a 32-byte hash');
    const index = this.size;
    this.push(0, leaf);
    let level = 0;
    let i = index;
    // A node at an odd index completes its parent; carry up while that keeps happening.
    while (i % 2 === 1) {
      // Siblings are adjacent in the level's buffer: hash the 64 bytes in one copy.
      const off = (i - 1) * HASH_SIZE;
      scratch.set(this.levels[level].subarray(off, off + 2 * HASH_SIZE), 1);
      const parent = sha256(scratch);
      level += 1;
      i = (i - 1) / 2;
      this.push(level, parent);
    }
    return index;
  }

  /** A copy of leaf hash `index`. */
  leaf(index: number): Uint8Array {
    this.checkIndex(index, this.size);
    return this.node(0, index).slice();
  }

  /**
   * The root hash of the first `size` leaves (default: all), O(log n).
   * @throws RangeError when size is not an integer in [0, this.size].
   */
  root(size: number = this.size): Uint8Array {
    this.checkSize(size);
    if (size === 0) return EMPTY_ROOT.slice();
    return this.rangeHash(0, size).slice();
  }

  /**
   * RFC 6962 §2.1.1 audit path of leaf `index` in the tree of the first `size` leaves,
   * ordered from the leaf's sibling up to the root's child. O(log n).
   * @throws RangeError unless 0 ≤ index < size ≤ this.size.
   */
  inclusionProof(index: number, size: number = this.size): Uint8Array[] {
    this.checkSize(size);
    this.checkIndex(index, size);
    // Walk down from the root, recording the sibling of the side holding the leaf; the RFC
    // lists them bottom-up, hence the reverse. Once the walk turns left its subtree is perfect,
    // so at most one sibling is an imperfect subtree: O(log n) hashes in all.
    const path: Uint8Array[] = [];
    let lo = 0;
    let hi = size;
    while (hi - lo > 1) {
      const k = splitPoint(hi - lo);
      if (index < lo + k) {
        path.push(this.rangeHash(lo + k, hi).slice());
        hi = lo + k;
      } else {
        path.push(this.rangeHash(lo, lo + k).slice());
        lo += k;
      }
    }
    return path.reverse();
  }

  /**
   * RFC 6962 §2.1.2 consistency proof from the tree of `size1` leaves to the tree of `size2`
   * leaves (default: all). Empty when size1 is 0 or equals size2 (nothing to prove). O(log n).
   * @throws RangeError unless 0 ≤ size1 ≤ size2 ≤ this.size.
   */
  consistencyProof(size1: number, size2: number = this.size): Uint8Array[] {
    this.checkSize(size2);
    if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2) {
      throw new RangeError(`size1 ${size1} must be an integer in [0, ${size2}]`);
    }
    if (size1 === 0 || size1 === size2) return [];
    // SUBPROOF(m, D[lo:hi], b) unrolled: `m` is relative to lo; `whole` is the RFC's b flag
    // (true while the old tree is a prefix that started at leaf 0 of this subtree path).
    const proof: Uint8Array[] = [];
    let lo = 0;
    let hi = size2;
    let m = size1;
    let whole = true;
    for (;;) {
      if (m === hi - lo) {
        if (!whole) proof.push(this.rangeHash(lo, hi).slice());
        break;
      }
      const k = splitPoint(hi - lo);
      if (m <= k) {
        proof.push(this.rangeHash(lo + k, hi).slice());
        hi = lo + k;
      } else {
        proof.push(this.rangeHash(lo, lo + k).slice());
        lo += k;
        m -= k;
        whole = false;
      }
    }
    return proof.reverse();
  }

  /** A view of cached node i of a level (callers must not let it escape unless copied). */
  private node(level: number, i: number): Uint8Array {
    const off = i * HASH_SIZE;
    return this.levels[level].subarray(off, off + HASH_SIZE);
  }

  private push(level: number, hash: Uint8Array): void {
    if (this.levels.length === level) {
      this.levels.push(new Uint8Array(HASH_SIZE * 16));
      this.counts.push(0);
    }
    let buf = this.levels[level];
    const n = this.counts[level];
    if ((n + 1) * HASH_SIZE > buf.length) {
      // Doubling keeps appends amortized O(1) in copying too.
      const grown = new Uint8Array(buf.length * 2);
      grown.set(buf);
      this.levels[level] = buf = grown;
    }
    buf.set(hash, n * HASH_SIZE);
    this.counts[level] = n + 1;
  }

  /**
   * MTH(D[lo:hi]) for the subtrees RFC 6962 recursion produces: lo is a multiple of a power of
   * two ≥ hi − lo, so the range is a chain of aligned perfect subtrees of decreasing size, all
   * cached. Their right fold H(p1, H(p2, … pk)) is exactly the RFC's recursive split.
   * Returns an internal view for perfect subtrees; callers copy before handing it out.
   */
  private rangeHash(lo: number, hi: number): Uint8Array {
    const pieces: Uint8Array[] = [];
    let start = lo;
    while (start < hi) {
      const width = hi - start;
      const p = splitPoint(width + 1); // the largest power of two ≤ width
      const level = Math.round(Math.log2(p));
      pieces.push(this.node(level, start / p));
      start += p;
    }
    let acc = pieces[pieces.length - 1];
    for (let i = pieces.length - 2; i >= 0; i--) acc = hashChildren(pieces[i], acc);
    return acc;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new RangeError(`tree size ${size} must be an integer in [0, ${this.size}]`);
    }
  }

  private checkIndex(index: number, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw new RangeError(`leaf index ${index} must be an integer in [0, ${size})`);
    }
  }
}

/**
 * MTH(D[n]) straight from the RFC 6962 §2.1 definition, recursively and without caching.
 * It is the reference the cached tree is tested against, and is fine for small trees.
 * @throws TypeError when a leaf is not a 32-byte hash.
 */
export function rootFromLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  for (const leaf of leaves) if (!isHash(leaf)) throw new TypeError('a Merkle leaf must be a 32-byte hash');
  const mth = (lo: number, hi: number): Uint8Array => {
    if (hi - lo === 1) return leaves[lo].slice();
    const k = splitPoint(hi - lo);
    return nodeHash(mth(lo, lo + k), mth(lo + k, hi));
  };
  return leaves.length === 0 ? EMPTY_ROOT.slice() : mth(0, leaves.length);
}

const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isProof = (p: unknown): p is Uint8Array[] =>
  Array.isArray(p) && p.length <= MAX_PROOF_LENGTH && p.every(isHash);

// Halving and parity in arithmetic rather than bit operators: sizes may exceed 2^32.
const half = (n: number) => Math.floor(n / 2);
const odd = (n: number) => n % 2 === 1;

/**
 * RFC 9162 §2.1.3.2: does `proof` show that `leafHash` is leaf `leafIndex` of the tree of
 * `treeSize` leaves whose root is `root`? Never throws: any malformed input (a hash that is
 * not 32 bytes, a non-integer or negative size, an index outside the tree, a proof of the
 * wrong length) is simply a failed verification.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !isProof(proof)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: does `proof` show that the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`? Never throws.
 *
 * Edge cases, as the shared vectors require: equal sizes need an empty proof and equal roots
 * (for size 0, both must be the empty-tree root); from size 0 only the empty-tree root with an
 * empty proof is accepted (the empty tree is a prefix of every tree, but a wrong "empty" root
 * would be a lie); otherwise the RFC algorithm with 32-byte hashes and a non-empty proof.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !Array.isArray(proof)) return false;
  if (size1 === size2) {
    // Nothing to hash: the claim is that both heads are the same head. The vectors compare the
    // roots as given bytes here, whatever their length.
    if (proof.length !== 0 || !bytesEqual(root1, root2)) return false;
    return size1 !== 0 || bytesEqual(root1, EMPTY_ROOT);
  }
  if (size1 === 0) return proof.length === 0 && bytesEqual(root1, EMPTY_ROOT) && isHash(root2);
  if (!isHash(root1) || !isHash(root2) || !isProof(proof) || proof.length === 0) return false;

  // Step 2: when size1 is a power of two the old root is itself a node of the new tree, and the
  // proof leaves it out; put it back in front.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0];
  let sr = path[0];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
