/**
 * Sealed-mode ballot commitments (docs/ledger.md §8.2, "Secrecy modes"), exactly as the spec
 * writes them:
 *
 *     commit = base64(SHA-256("linli-ballot-v1" ‖ log ‖ matter ‖ party ‖ choice ‖ salt32))
 *
 * Plain concatenation of the UTF-8 bytes of the five strings, then the 32 raw salt bytes; no
 * separators. That is unambiguous here because a verifier never splits the preimage: `log`,
 * `matter` and `party` are read from the ballot entry itself (and the tag is fixed), and the
 * salt is exactly 32 bytes at the end, so the bytes left in between are the choice.
 *
 * Browser-safe (no Buffer): the auditor page and the verifier recompute commitments with the
 * very function the service uses to make them.
 */

import { fromBase64, sha256Bytes, toBase64 } from './hash.ts';

/** Domain-separation tag, the first field of every commitment. */
export const COMMITMENT_TAG = 'linli-ballot-v1';

/** Bytes of a ballot salt. */
export const SALT_BYTES = 32;

const utf8 = new TextEncoder();
/** Preimages of ordinary commitments fit here; hashing is synchronous, so one buffer serves all. */
const preimage = new Uint8Array(2048);

/**
 * The commitment of a sealed ballot, base64. `salt` is the raw salt or its standard base64
 * (as stored and as it appears in receipts and openings.jsonl).
 */
export function commitment(log: string, matter: string, party: string, choice: string, salt: Uint8Array | string): string {
  // As TextEncoder.encode() converts its argument (undefined is "", anything else ToString).
  const fields = [COMMITMENT_TAG, log, matter, party, choice].map((f: unknown) => (f === undefined ? '' : `${f as string}`));
  const saltBytes = typeof salt === 'string' ? fromBase64(salt) : salt;
  // Each field encoded on its own (as five encode() calls would), straight into one buffer:
  // encodeInto does not allocate, and a verifier opens every sealed ballot of the log.
  let max = saltBytes.length;
  for (const f of fields) max += f.length * 3;
  const buf = max <= preimage.length ? preimage : new Uint8Array(max);
  let o = 0;
  for (const f of fields) o += utf8.encodeInto(f, buf.subarray(o)).written;
  buf.set(saltBytes, o);
  return toBase64(sha256Bytes(buf.subarray(0, o + saltBytes.length)));
}
