/**
 * Ballot receipts on this phone (docs/ledger.md, "Receipts for owners"): what the server returns
 * after voting and from /my-receipts, kept in localStorage so an owner can show or check them
 * later, and the last checkpoint the owner's phone has seen (to ask for a consistency proof on the
 * next visit). Light on purpose: the vote page imports it; the checking code lives in
 * ledger-check.ts, loaded only by the verify page.
 */
import { api } from './api.ts';
import { voteBase } from './votes.ts';

/** One ballot receipt as this phone keeps it. */
export interface StoredReceipt {
  estateId: string;
  voteId: string;
  matter: string;
  seq: number;
  /** `ABCD-EFGH-IJKL-MNOP`: base32 of the first 10 bytes of the entry's leaf hash. */
  tracker: string;
  status?: string;
  at?: string;
  /** Sealed mode: the choice and salt that open the entry's commitment (only the owner has them). */
  opening: { choice: string; salt: string } | null;
  /** The instant promise: a JWS (EdDSA) over `{log, seq, leaf, tracker, at}`. */
  promise?: string;
  /** The nonce this phone sent with the ballot: the entry must carry it (so no two owners share a receipt). */
  nonce?: string;
  /** "第一项 · <title>", kept so a signed-out check can still say which matter this was. */
  heading?: string;
  /** The c2sp.org/tlog-proof@v1 file, once a checkpoint covers the entry. */
  proof?: string | null;
}

/** A checkpoint this phone has verified and remembers (per vote). */
export interface RememberedCheckpoint {
  size: number;
  /** base64 Merkle root. */
  root: string;
  /** The signed note, verbatim. */
  note: string;
  seenAt: string;
}

/** A receipt as POST /ballots answers it. */
export interface CastBallot {
  matter: string;
  status: string;
  seq: number;
  leaf: string;
  tracker: string;
  receipt: string;
  opening?: { choice: string; salt: string };
}

/** A receipt as GET /my-receipts answers it. */
export interface ServerReceipt {
  matter: string;
  seq: number;
  status: string;
  at: string;
  tracker: string;
  opening: { choice: string; salt: string } | null;
  proof: string | null;
}

const RECEIPTS_KEY = 'linli.receipts';
const CHECKPOINTS_KEY = 'linli.checkpoints';

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

function writeJson(key: string, value: unknown) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    /* private mode or full: the receipts stay on screen and on the server */
  }
}

function allReceipts(): StoredReceipt[] {
  const list = readJson<unknown>(RECEIPTS_KEY, []);
  return Array.isArray(list) ? (list as StoredReceipt[]).filter((r) => r && typeof r.seq === 'number' && typeof r.voteId === 'string') : [];
}

/** This vote's receipts on this phone, by ledger position. */
export function storedReceipts(estateId: string, voteId: string): StoredReceipt[] {
  return allReceipts()
    .filter((r) => r.estateId === estateId && r.voteId === voteId)
    .sort((a, b) => a.seq - b.seq);
}

/** Adds or updates receipts (by vote and seq); known fields are never wiped by missing ones. */
export function saveReceipts(items: StoredReceipt[]): StoredReceipt[] {
  const all = allReceipts();
  for (const item of items) {
    const i = all.findIndex((r) => r.estateId === item.estateId && r.voteId === item.voteId && r.seq === item.seq);
    if (i < 0) {
      all.push(item);
      continue;
    }
    const old = all[i]!;
    all[i] = {
      ...old,
      ...Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined && v !== null)),
      opening: item.opening ?? old.opening ?? null,
      proof: item.proof ?? old.proof ?? null,
    } as StoredReceipt;
  }
  writeJson(RECEIPTS_KEY, all);
  return items.map((it) => all.find((r) => r.estateId === it.estateId && r.voteId === it.voteId && r.seq === it.seq)!);
}

/** Keeps the receipts of a ballot just cast. */
export function saveCast(estateId: string, voteId: string, ballots: CastBallot[], at: string, nonce?: string, heading?: (matter: string) => string): StoredReceipt[] {
  return saveReceipts(
    ballots.map((b) => ({
      estateId,
      voteId,
      matter: b.matter,
      heading: heading?.(b.matter),
      seq: b.seq,
      tracker: b.tracker,
      status: b.status,
      at,
      opening: b.opening ?? null,
      promise: b.receipt,
      nonce,
      proof: null,
    })),
  );
}

/** Fetches my receipts in this vote from the server and merges them into this phone's. */
export async function fetchMyReceipts(estateId: string, voteId: string): Promise<StoredReceipt[]> {
  const out = await api<{ receipts: ServerReceipt[] }>('GET', `${voteBase(estateId, voteId)}/my-receipts`);
  saveReceipts(
    out.receipts.map((r) => ({ estateId, voteId, matter: r.matter, seq: r.seq, tracker: r.tracker, status: r.status, at: r.at, opening: r.opening, proof: r.proof })),
  );
  return storedReceipts(estateId, voteId);
}

/** Asks for the proof file of one entry (the server may sign a covering checkpoint; 409 = try again shortly). */
export async function fetchProof(estateId: string, voteId: string, seq: number): Promise<string> {
  const out = await api<{ index: number; size: number; proof: string; bytes: number }>('GET', `${voteBase(estateId, voteId)}/ledger/proof?index=${seq}`);
  const [saved] = storedReceipts(estateId, voteId).filter((r) => r.seq === seq);
  if (saved) saveReceipts([{ ...saved, proof: out.proof }]);
  return out.proof;
}

/** The proof file of the entry a tracker names (the server finds it; the file is then checked here). */
export async function fetchProofByTracker(estateId: string, voteId: string, tracker: string): Promise<{ index: number; proof: string }> {
  return api<{ index: number; proof: string }>('GET', `${voteBase(estateId, voteId)}/ledger/proof?tracker=${encodeURIComponent(tracker.replace(/-/g, ''))}`);
}

export function rememberedCheckpoint(estateId: string, voteId: string): RememberedCheckpoint | null {
  const all = readJson<Record<string, RememberedCheckpoint>>(CHECKPOINTS_KEY, {});
  const cp = all[`${estateId}/${voteId}`];
  return cp && typeof cp.size === 'number' && typeof cp.root === 'string' ? cp : null;
}

export function rememberCheckpoint(estateId: string, voteId: string, cp: RememberedCheckpoint) {
  const all = readJson<Record<string, RememberedCheckpoint>>(CHECKPOINTS_KEY, {});
  all[`${estateId}/${voteId}`] = cp;
  writeJson(CHECKPOINTS_KEY, all);
}

// ---- Trackers, sizes, files, QR codes ---------------------------------------------------------------

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The tracker of a leaf hash (base64): base32 of its first 10 bytes, in groups of four. */
export function trackerOf(leafB64: string): string {
  const bin = atob(leafB64);
  let bits = 0;
  let value = 0;
  let out = '';
  for (let i = 0; i < 10 && i < bin.length; i++) {
    value = ((value << 8) | bin.charCodeAt(i)) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{1,4}/g)!.join('-');
}

/**
 * A tracker as someone copied it from a receipt card: 16 symbols in any case, with or without
 * dashes or spaces (0 and 1 read as O and I, which base32 has instead). Returns it in the card's
 * form, `ABCD-EFGH-IJKL-MNOP`, or null when the text is not a tracker.
 */
export function parseTracker(text: string): string | null {
  const s = text.toUpperCase().replace(/[\s\-–—_.]/g, '').replace(/0/g, 'O').replace(/1/g, 'I');
  return /^[A-Z2-7]{16}$/.test(s) ? s.match(/.{4}/g)!.join('-') : null;
}

/** Trackers compare without case, spaces or dashes (people copy them by hand). */
export function sameTracker(a: string, b: string): boolean {
  const norm = (s: string) => s.toUpperCase().replace(/[\s-]/g, '');
  return norm(a) === norm(b);
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Saves text as a file on the phone or computer (no server round trip). */
export function downloadText(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const proofFileName = (seq: number) => `ballot-${seq}.tlog-proof`;

/** A QR code as an SVG data: URL (images may be data: under the CSP; fonts may not). */
export async function qrDataUrl(text: string, level: 'L' | 'M'): Promise<string> {
  // Loaded on first use: the vote page shows the tracker first and the QR code a moment later.
  const { default: QRCode } = await import('qrcode');
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: level, color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

// ---- The vote's verifier key ----------------------------------------------------------------------

const VKEYS_KEY = 'linli.vkeys';

/** The vote's verifier key if this phone has read it before (no request). */
export function knownVkey(voteId: string): string | null {
  const known = readJson<Record<string, string>>(VKEYS_KEY, {});
  return typeof known[voteId] === 'string' && known[voteId] ? known[voteId]! : null;
}

/**
 * The verifier key named in the vote's manifest (`vkey`), i.e. the key every checkpoint of its ledger
 * must be signed with. The manifest is fixed when the notice is published, so the key is read once
 * from the public export and kept on this phone; a later answer that differed would not replace it.
 */
export async function manifestVkey(estateId: string, voteId: string): Promise<string | null> {
  const known = knownVkey(voteId);
  if (known) return known;
  const { files } = await api<{ files: Record<string, string> }>('GET', `${voteBase(estateId, voteId)}/ledger/export`);
  let vkey: unknown;
  try {
    vkey = (JSON.parse(files['manifest.json'] ?? 'null') as { vkey?: unknown } | null)?.vkey;
  } catch {
    return null;
  }
  if (typeof vkey !== 'string' || !vkey) return null;
  writeJson(VKEYS_KEY, { ...readJson<Record<string, string>>(VKEYS_KEY, {}), [voteId]: vkey });
  return vkey;
}
