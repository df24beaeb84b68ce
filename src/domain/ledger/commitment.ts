/**
 * Sealed-mode ballot commitments (docs/ledger.md, "Secrecy modes").
 *
 *     commit = base64(SHA-256("linli-ballot-v1" 0x00 log 0x00 matter 0x00 party 0x00 choice 0x00 salt))
 *
 * Each string is UTF-8 followed by one 0x00 byte, and the 32 raw salt bytes come last. The
 * 0x00 terminators keep the fields apart ("ab"+"c" ≠ "a"+"bc"); strings never hold 0x00 in
 * practice, and the salt is fixed-length, so the encoding is unambiguous.
 *
 * Browser-safe (no Buffer): the auditor page and the verifier recompute commitments with the
 * very function the service uses to make them.
 */

import { fromBase64, sha256Bytes, toBase64 } from './hash.ts';

/** Domain-separation tag, the first field of every commitment. */
export const COMMITMENT_TAG = 'linli-ballot-v1';

/** Bytes of a ballot salt. */
export const SALT_BYTES = 32;

/**
 * The commitment of a sealed ballot, base64. `salt` is the raw salt or its standard base64
 * (as stored and as it appears in receipts and openings.jsonl).
 */
export function commitment(log: string, matter: string, party: string, choice: string, salt: Uint8Array | string): string {
  const enc = new TextEncoder();
  const fields = [COMMITMENT_TAG, log, matter, party, choice].map((s) => enc.encode(s));
  const saltBytes = typeof salt === 'string' ? fromBase64(salt) : salt;
  let total = saltBytes.length;
  for (const f of fields) total += f.length + 1;
  const buf = new Uint8Array(total);
  let o = 0;
  for (const f of fields) {
    buf.set(f, o);
    o += f.length;
    buf[o++] = 0x00;
  }
  buf.set(saltBytes, o);
  return toBase64(sha256Bytes(buf));
}
