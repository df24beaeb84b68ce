import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

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
