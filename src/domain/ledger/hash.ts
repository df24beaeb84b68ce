import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

type NativeHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;

/**
 * Node's one-shot native SHA-256 (`crypto.hash`, Node ≥ 20.12), found through
 * `process.getBuiltinModule` rather than an import so this module stays browser-safe; null in a
 * browser (or an older Node), where @noble/hashes does the work. Both give the same digests; the
 * native one is several times faster on small inputs, which is what a million-entry log is made
 * of (leaf hashes, interior nodes, commitments).
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

/** SHA-256 of bytes, as a plain Uint8Array (never a Buffer, whose slice() does not copy). */
export function sha256(data: Uint8Array): Uint8Array {
  if (!nativeHash) return nobleSha256(data);
  const d = nativeHash('sha256', data, 'buffer');
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** RFC 6962 §2.1 leaf hash: SHA-256(0x00 ‖ entry bytes). */
export function leafHash(entry: Uint8Array | string): Uint8Array {
  const bytes = typeof entry === 'string' ? utf8ToBytes(entry) : entry;
  const buf = new Uint8Array(bytes.length + 1);
  buf[0] = 0x00;
  buf.set(bytes, 1);
  return sha256(buf);
}

/** RFC 6962 §2.1 interior node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  const buf = new Uint8Array(65);
  buf[0] = 0x01;
  buf.set(left, 1);
  buf.set(right, 33);
  return sha256(buf);
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function sha256Bytes(data: Uint8Array | string): Uint8Array {
  return sha256(typeof data === 'string' ? utf8ToBytes(data) : data);
}
