import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

type NativeHash = (algorithm: string, data: Uint8Array, outputEncoding: 'latin1') => string;

/**
 * Node's one-shot native SHA-256 (`crypto.hash`, Node ≥ 20.12), found through
 * `process.getBuiltinModule` rather than an import so this module stays browser-safe; null in a
 * browser (or an older Node), where @noble/hashes does the work. Both give the same digests; the
 * native one is several times faster, and a million-entry log is millions of small hashes
 * (leaves, interior nodes, commitments).
 */
const nativeHash: NativeHash | null = (() => {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const crypto = proc?.getBuiltinModule?.('node:crypto') as { hash?: unknown } | undefined;
    return typeof crypto?.hash === 'function' ? (crypto.hash as NativeHash) : null;
  } catch {
    return null;
  }
})();

/** SHA-256 of bytes, as a plain Uint8Array. */
export function sha256(data: Uint8Array): Uint8Array {
  if (!nativeHash) return nobleSha256(data);
  // The digest as a 32-character latin1 string (one char per byte), copied into a small array:
  // asking for a Buffer instead costs a fresh external ArrayBuffer per hash, which made the
  // call three times slower and kept the garbage collector busy.
  const d = nativeHash('sha256', data, 'latin1');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = d.charCodeAt(i);
  return out;
}

const utf8 = new TextEncoder();

/**
 * Scratch space for the bytes being hashed. Hashing is synchronous, so one buffer serves every
 * call; TextEncoder.encodeInto into it is many times faster than encode(), which allocates.
 * Inputs above SCRATCH_MAX get a buffer of their own, so a huge file is never kept alive here.
 */
const SCRATCH_MAX = 1 << 20;
let scratch = new Uint8Array(4096);
function bufferFor(size: number): Uint8Array {
  if (size > SCRATCH_MAX) return new Uint8Array(size);
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  return scratch;
}

/** `prefix` (or nothing, when negative) then the UTF-8 of `text` or the bytes, hashed. */
function hashWithPrefix(prefix: number, data: Uint8Array | string): Uint8Array {
  const start = prefix < 0 ? 0 : 1;
  if (typeof data === 'string') {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units).
    const buf = bufferFor(start + data.length * 3);
    if (start) buf[0] = prefix;
    const { written } = utf8.encodeInto(data, start ? buf.subarray(1) : buf);
    return sha256(buf.subarray(0, start + written));
  }
  if (!start) return sha256(data);
  const buf = bufferFor(data.length + 1);
  buf[0] = prefix;
  buf.set(data, 1);
  return sha256(buf.subarray(0, data.length + 1));
}

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ entry bytes). */
export function leafHash(entry: Uint8Array | string): Uint8Array {
  return hashWithPrefix(0x00, entry);
}

const nodeScratch = new Uint8Array(65);
nodeScratch[0] = 0x01;

/** RFC 6962 §2.1 interior node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) {
    // Not two hashes: hash exactly what a fresh zeroed buffer would hold, as before.
    const buf = new Uint8Array(65);
    buf[0] = 0x01;
    buf.set(left, 1);
    buf.set(right, 33);
    return sha256(buf);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 33);
  return sha256(nodeScratch);
}

export function toBase64(bytes: Uint8Array): string {
  // One fromCharCode call per chunk rather than one concatenation per byte (hashes, the usual
  // input, are one chunk); chunks keep the argument count far below engines' limits.
  const CHUNK = 0x8000;
  if (bytes.length <= CHUNK) return btoa(String.fromCharCode.apply(null, bytes as unknown as number[]));
  let s = '';
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return hashWithPrefix(-1, data);
}
