import { canonicalize, nfcDeep, type Json } from './jcs.ts';
import { leafHash, toBase64 } from './hash.ts';

/** Entry types of a vote's ballot log (docs/ledger.md). */
export type EntryType =
  | 'setup'
  | 'ballot'
  | 'ballot_rejected'
  | 'ballot_superseded'
  | 'paper_ballot'
  | 'proxy'
  | 'credential'
  | 'revocation'
  | 'objection'
  | 'extension'
  | 'close'
  | 'tally'
  | 'publication';

/** The fields every entry carries; `prev` is the base64 leaf hash of entry seq-1 ("" for seq 0). */
export interface EntryHeader {
  v: 1;
  log: string;
  seq: number;
  prev: string;
  type: EntryType;
  at: string;
}

export interface SealedEntry {
  /** The exact canonical text: what is stored, hashed and exported. */
  text: string;
  /** base64 of the RFC 6962 leaf hash of `text`. */
  leaf: string;
}

/** Builds an entry's canonical bytes and leaf hash; strings are normalized to NFC first. */
export function sealEntry(header: EntryHeader, body: Record<string, Json>): SealedEntry {
  for (const k of Object.keys(header)) if (k in body) throw new Error(`entry body may not set header field ${k}`);
  const text = canonicalize(nfcDeep({ ...body, ...header } as Json));
  return { text, leaf: toBase64(leafHash(text)) };
}

/** The log name (origin) of a vote: `<public host>/linli/<estate id>/<vote id>`. */
export function logOrigin(publicUrl: string, estateId: string, voteId: string): string {
  const host = new URL(publicUrl).host;
  return `${host}/linli/${estateId}/${voteId}`;
}
