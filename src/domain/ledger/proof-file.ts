/**
 * Owner receipts as C2SP transparency-log proofs (c2sp.org/tlog-proof@v1):
 *
 *     c2sp.org/tlog-proof@v1
 *     extra <base64 of the entry's exact bytes>      ← optional in the format; linli always sets it
 *     index <seq>
 *     <base64 hash>                                  ← inclusion proof, leaf's sibling first
 *     …
 *                                                    ← blank line
 *     <signed checkpoint note, verbatim>
 *
 * `extra` is not authenticated by itself: the receipt is trusted because the leaf hash of those
 * bytes is included, at `index`, in a checkpoint signed by the log key.
 *
 * Browser-safe; parsers never throw.
 */

import { isCanonical } from './jcs.ts';
import { leafHash, toBase64 } from './hash.ts';
import { verifyInclusion } from './merkle.ts';
import { decodeBase64Strict, openNote, parseCheckpoint, parseNote, type Checkpoint, type ParseResult, type VerifierKey } from './note.ts';

/** First line of every proof file. */
export const PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

/** An inclusion proof never has more hashes than a tree of 2^63 leaves has levels. */
const MAX_PROOF_HASHES = 63;

/** A tlog-proof: entry data, its index, its inclusion proof and the signed checkpoint. */
export interface TlogProof {
  /** Opaque extra data; for linli, the entry's exact canonical bytes. */
  extra?: Uint8Array;
  index: number;
  /** 32-byte hashes, from the leaf's sibling up to the root's child. */
  hashes: Uint8Array[];
  /** The signed checkpoint note, verbatim (ends with a newline). */
  checkpointNote: string;
}

/**
 * Serializes a proof file.
 * @throws Error on a negative or non-integer index, a hash that is not 32 bytes, or a
 *   checkpoint note that is not newline-terminated.
 */
export function serializeProofFile(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0) throw new Error('index must be a non-negative integer');
  if (p.hashes.some((h) => h.length !== 32)) throw new Error('proof hashes must be 32 bytes');
  if (!p.checkpointNote.endsWith('\n')) throw new Error('the checkpoint note must end with a newline');
  const lines = [PROOF_HEADER];
  if (p.extra) lines.push(`extra ${toBase64(p.extra)}`);
  lines.push(`index ${p.index}`);
  for (const h of p.hashes) lines.push(toBase64(h));
  return `${lines.join('\n')}\n\n${p.checkpointNote}`;
}

/**
 * Parses a proof file strictly: the header line; an optional `extra <base64>` line; `index <n>`
 * (decimal, no leading zeros); zero or more 32-byte base64 hashes; a blank line; a well-formed
 * signed note (its signatures are NOT checked here — see {@link verifyReceipt}).
 */
export function parseProofFile(text: string): ParseResult<TlogProof> {
  if (typeof text !== 'string') return { ok: false, error: 'proof is not text' };
  const blank = text.indexOf('\n\n');
  if (blank < 0) return { ok: false, error: 'proof has no blank line before the checkpoint' };
  const head = text.slice(0, blank).split('\n');
  const checkpointNote = text.slice(blank + 2);
  let i = 0;
  if (head[i++] !== PROOF_HEADER) return { ok: false, error: `first line must be "${PROOF_HEADER}"` };
  let extra: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    const raw = decodeBase64Strict(head[i].slice('extra '.length));
    if (!raw) return { ok: false, error: 'line 2: extra data is not base64' };
    extra = raw;
    i++;
  }
  const indexLine = head[i++];
  const m = indexLine === undefined ? null : /^index (0|[1-9][0-9]*)$/.exec(indexLine);
  if (!m) return { ok: false, error: `line ${i}: expected "index <n>" (decimal, no leading zeros)` };
  const index = Number(m[1]);
  if (!Number.isSafeInteger(index)) return { ok: false, error: `line ${i}: index is too large` };
  const hashes: Uint8Array[] = [];
  for (; i < head.length; i++) {
    const h = decodeBase64Strict(head[i]);
    if (!h || h.length !== 32) return { ok: false, error: `line ${i + 1}: not a base64 32-byte hash` };
    hashes.push(h);
  }
  if (hashes.length > MAX_PROOF_HASHES) return { ok: false, error: 'proof has too many hashes' };
  const note = parseNote(checkpointNote);
  if (!note.ok) return { ok: false, error: `checkpoint: ${note.error}` };
  return { ok: true, ...(extra ? { extra } : {}), index, hashes, checkpointNote };
}

/** What {@link verifyReceipt} found. */
export interface ReceiptReport {
  /** Every check passed (`problems` is empty). */
  ok: boolean;
  /** The entry parsed from `extra` (null when absent or not JSON). */
  entry: Record<string, unknown> | null;
  /** The entry bytes (`extra`), when present. */
  entryBytes: Uint8Array | null;
  /** base64 leaf hash of the entry bytes, when present. */
  leaf: string | null;
  index: number | null;
  checkpoint: Checkpoint | null;
  /** The checkpoint note is signed by a known key (and no known key's signature fails). */
  signatureVerified: boolean;
  /** Why the signature check failed (also listed in `problems`); null when it passed. */
  signatureProblem: string | null;
  /** The entry is included at `index` in the checkpoint's tree. */
  included: boolean;
  /** Human-readable reasons the receipt does not verify; empty when `ok`. */
  problems: string[];
}

const decoder = () => new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Verifies an owner's receipt offline: the checkpoint note is signed by one of `vkeys`; it is a
 * well-formed checkpoint (of `expectedOrigin`, when given); `extra` holds a canonical JSON entry
 * of this log whose `seq` is the index; and the entry's leaf hash is included at that index
 * under the checkpoint's root. Never throws.
 */
export async function verifyReceipt(
  proofText: string | Uint8Array,
  vkeys: readonly (string | VerifierKey)[],
  expectedOrigin?: string,
): Promise<ReceiptReport> {
  const report: ReceiptReport = {
    ok: false,
    entry: null,
    entryBytes: null,
    leaf: null,
    index: null,
    checkpoint: null,
    signatureVerified: false,
    signatureProblem: null,
    included: false,
    problems: [],
  };
  const problems = report.problems;
  let text: string;
  try {
    text = typeof proofText === 'string' ? proofText : decoder().decode(proofText);
  } catch {
    problems.push('receipt is not UTF-8 text');
    return report;
  }
  const proof = parseProofFile(text);
  if (!proof.ok) {
    problems.push(`receipt is malformed: ${proof.error}`);
    return report;
  }
  report.index = proof.index;

  const opened = await openNote(proof.checkpointNote, vkeys);
  if (opened.ok && opened.trusted) {
    report.signatureVerified = true;
  } else {
    const failed = opened.ok ? opened.signatures.filter((s) => s.known && !s.verified) : [];
    report.signatureProblem = !opened.ok
      ? `checkpoint note: ${opened.error}`
      : failed.length
        ? `checkpoint signature by ${failed.map((s) => s.name).join(', ')} does not verify`
        : 'checkpoint is not signed by a known key';
    problems.push(report.signatureProblem);
  }

  // The checkpoint is parsed even when unsigned, so the caller can say what it claimed.
  const noteText = parseNote(proof.checkpointNote);
  const cp = noteText.ok ? parseCheckpoint(noteText.text) : null;
  if (cp && !cp.ok) problems.push(`checkpoint: ${cp.error}`);
  const checkpoint = cp && cp.ok ? cp : null;
  if (checkpoint) {
    const { ok: _ok, ...rest } = checkpoint;
    report.checkpoint = rest;
    if (expectedOrigin !== undefined && checkpoint.origin !== expectedOrigin) {
      problems.push(`checkpoint is for log "${checkpoint.origin}", not "${expectedOrigin}"`);
    }
  }

  if (!proof.extra) {
    problems.push('receipt carries no entry (no extra line)');
  } else {
    report.entryBytes = proof.extra;
    const leaf = leafHash(proof.extra);
    report.leaf = toBase64(leaf);
    let entryText: string | null = null;
    try {
      entryText = decoder().decode(proof.extra);
    } catch {
      problems.push('the entry is not UTF-8');
    }
    if (entryText !== null) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(entryText);
      } catch {
        problems.push('the entry is not JSON');
      }
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const entry = parsed as Record<string, unknown>;
        report.entry = entry;
        if (!isCanonical(entryText)) problems.push('the entry is not canonical JSON');
        if (entry.seq !== proof.index) problems.push(`the entry's seq ${String(entry.seq)} is not the index ${proof.index}`);
        if (checkpoint && entry.log !== checkpoint.origin) problems.push(`the entry belongs to log "${String(entry.log)}", not the checkpoint's`);
      } else if (parsed !== null) {
        problems.push('the entry is not a JSON object');
      }
    }
    if (checkpoint) {
      if (proof.index >= checkpoint.size) {
        problems.push(`index ${proof.index} is outside the checkpoint's ${checkpoint.size} entries`);
      } else if (verifyInclusion(proof.index, checkpoint.size, leaf, proof.hashes, checkpoint.root)) {
        report.included = true;
      } else {
        problems.push(`the inclusion proof of entry ${proof.index} does not match the checkpoint's root`);
      }
    }
  }
  report.ok = problems.length === 0;
  return report;
}
