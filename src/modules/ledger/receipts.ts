import { CompactSign } from 'jose';
import { and, eq, like } from 'drizzle-orm';
import { ledgerEntries } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { fromBase64, toBase64 } from '../../domain/ledger/hash.ts';
import type { Keyring } from '../../keys.ts';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A short form of a leaf hash that can be read aloud or printed: base32 of its first 10 bytes,
 * 16 symbols in groups of four (e.g. `K3QX-7MPA-…`). 80 bits: unique within any one vote's log.
 */
export function trackerOf(leafB64: string): string {
  const bytes = fromBase64(leafB64).subarray(0, 10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join('-');
}

/** The first 10 bytes a tracker stands for, or null if it is not a tracker. */
export function trackerBytes(tracker: string): Uint8Array | null {
  const s = tracker.toUpperCase().replace(/[\s-]/g, '').replace(/0/g, 'O').replace(/1/g, 'I');
  if (!/^[A-Z2-7]{16}$/.test(s)) return null;
  const out = new Uint8Array(10);
  let bits = 0;
  let value = 0;
  let i = 0;
  for (const ch of s) {
    value = (value << 5) | B32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out[i++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** Finds the entry whose leaf hash a tracker names (prefix search on the indexed base64 leaf). */
export async function entryByTracker(db: Db, voteId: string, tracker: string) {
  const bytes = trackerBytes(tracker);
  if (!bytes) return null;
  // 9 bytes are exactly 12 base64 characters: a clean prefix of the stored leaf.
  const prefix = toBase64(bytes.subarray(0, 9));
  const rows = await db
    .select({ seq: ledgerEntries.seq, leaf: ledgerEntries.leaf })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.voteId, voteId), like(ledgerEntries.leaf, `${prefix}%`)));
  return rows.find((r) => fromBase64(r.leaf)[9] === bytes[9]) ?? null;
}

export interface ReceiptPromise {
  log: string;
  seq: number;
  leaf: string;
  tracker: string;
  at: string;
}

/** The instant receipt: a JWS (EdDSA, the deployment key) promising the entry is in the log. */
export async function promiseReceipt(keys: Keyring, p: ReceiptPromise): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(p))).setProtectedHeader({ alg: 'EdDSA', typ: 'linli-receipt+jws' }).sign(keys.privateKey);
}
