/**
 * Checking an owner's receipt in the browser with the service's own domain code (the very
 * functions the server and the CLI verifier use): the signed checkpoint, the inclusion proof, the
 * sealed-ballot commitment, the tracker, and that the log only grew since this phone last looked.
 * Nothing here trusts the server's word: every answer is checked against the verifier keys.
 */
import { commitment } from '../../src/domain/ledger/commitment.ts';
import { verifyConsistency } from '../../src/domain/ledger/merkle.ts';
import { decodeBase64Strict, ed25519Verify, openNote, parseCheckpoint, parseNote, parseVerifierKey } from '../../src/domain/ledger/note.ts';
import { PROOF_HEADER, verifyReceipt, type ReceiptReport } from '../../src/domain/ledger/proof-file.ts';
import { api } from './api.ts';
import { byteLength, rememberCheckpoint, rememberedCheckpoint, sameTracker, trackerOf, type StoredReceipt } from './ledger.ts';
import { voteBase } from './votes.ts';

export type CheckState = 'ok' | 'fail' | 'skip';

/** One line of the owner's check, in plain words on the page (the ids pick the sentence). */
export interface Check {
  id: 'signature' | 'included' | 'opens' | 'choice' | 'tracker' | 'promise' | 'nonce';
  state: CheckState;
  /** Values for the sentence: position, choice, tracker… */
  params: Record<string, string | number>;
  /** The verifier's own words when something is wrong (English, precise). */
  problems: string[];
}

export interface ReceiptCheck {
  ok: boolean;
  checks: Check[];
  report: ReceiptReport;
  /** Position (seq) of the entry in the log, from the proof. */
  index: number | null;
  matter: string | null;
  /** The choice the ledger entry holds or opens to (null when it cannot be known here). */
  choice: string | null;
  /** The tracker of the entry in the proof, computed here. */
  tracker: string | null;
  bytes: number;
  checkpointSize: number | null;
}

/** The deployment's verifier keys (public). */
export async function fetchKeys(): Promise<string[]> {
  return (await api<{ keys: string[] }>('GET', '/api/ledger/keys')).keys;
}

/** Does pasted text look like a receipt file at all (its first line is the C2SP header)? */
export function isReceiptFile(text: string): boolean {
  return text.trimStart().split('\n', 1)[0]!.trim() === PROOF_HEADER;
}

/** The log name (origin) ends with /linli/<estate>/<vote>: does a log belong to this vote? */
export function isLogOf(origin: unknown, estateId: string, voteId: string): boolean {
  return typeof origin === 'string' && origin.endsWith(`/linli/${estateId}/${voteId}`);
}

function base64url(text: string): Uint8Array | null {
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  return decodeBase64Strict(std + '='.repeat((4 - (std.length % 4)) % 4));
}

/**
 * The instant promise (JWS compact, EdDSA) given right after voting: signed by one of the log
 * keys? Returns its payload when it is.
 */
export async function checkPromise(jws: string, vkeys: readonly string[]): Promise<{ ok: boolean; payload: Record<string, unknown> | null }> {
  const parts = jws.split('.');
  if (parts.length !== 3) return { ok: false, payload: null };
  const [h, p, s] = parts as [string, string, string];
  const header = base64url(h);
  const body = base64url(p);
  const sig = base64url(s);
  if (!header || !body || !sig) return { ok: false, payload: null };
  let payload: Record<string, unknown> | null = null;
  try {
    const hd = JSON.parse(new TextDecoder().decode(header)) as { alg?: string };
    if (hd.alg !== 'EdDSA') return { ok: false, payload: null };
    payload = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>;
  } catch {
    return { ok: false, payload: null };
  }
  const signed = new TextEncoder().encode(`${h}.${p}`);
  for (const k of vkeys) {
    const key = parseVerifierKey(k);
    if (key.ok && (await ed25519Verify(key.publicKey, sig, signed))) return { ok: true, payload };
  }
  return { ok: false, payload };
}

/**
 * Checks one receipt file: signed checkpoint, inclusion at its position, the commitment opening
 * to the owner's choice (sealed mode), and the tracker the owner was given.
 */
export async function checkReceipt(opts: {
  proof: string;
  keys: readonly string[];
  estateId?: string;
  voteId?: string;
  /** What this phone (or the server) knows about the ballot: tracker, opening, promise. */
  known?: StoredReceipt | null;
  /** The tracker the owner wrote down and typed in (when the phone knows nothing of the ballot). */
  tracker?: string | null;
}): Promise<ReceiptCheck> {
  const report = await verifyReceipt(opts.proof, opts.keys);
  const entry = report.entry;
  const index = report.index;
  const checks: Check[] = [];

  checks.push({
    id: 'signature',
    state: report.signatureVerified ? 'ok' : 'fail',
    params: { size: report.checkpoint?.size ?? '?' },
    problems: report.signatureProblem ? [report.signatureProblem] : [],
  });

  const inclusionProblems = report.problems.filter((p) => p !== report.signatureProblem);
  if (entry && opts.estateId && opts.voteId && !isLogOf(entry.log, opts.estateId, opts.voteId)) {
    inclusionProblems.push(`the entry belongs to log "${String(entry.log)}", not to this vote`);
  }
  // A refused submission is logged too (ballot_rejected, with its reason): its receipt is valid.
  const types = opts.known?.status === 'rejected' ? ['ballot_rejected'] : opts.known ? ['ballot'] : ['ballot', 'ballot_rejected'];
  if (entry && !types.includes(String(entry.type))) inclusionProblems.push(`the entry is a "${String(entry.type)}" entry, not a ${types.join(' or ')}`);
  if (opts.known && index !== null && opts.known.seq !== index) inclusionProblems.push(`the receipt is for position ${index}, your ballot is at ${opts.known.seq}`);
  checks.push({
    id: 'included',
    state: report.included && inclusionProblems.length === 0 ? 'ok' : 'fail',
    params: { n: index ?? '?', size: report.checkpoint?.size ?? '?' },
    problems: inclusionProblems,
  });

  let choice: string | null = null;
  const matter = entry && typeof entry.matter === 'string' ? entry.matter : null;
  if (entry && typeof entry.commit === 'string') {
    const opening = opts.known?.opening ?? null;
    if (!opening) {
      checks.push({ id: 'opens', state: 'skip', params: {}, problems: [] });
    } else {
      let opens = false;
      try {
        opens = commitment(String(entry.log), String(entry.matter), String(entry.party), opening.choice, opening.salt) === entry.commit;
      } catch {
        opens = false;
      }
      if (opens) choice = opening.choice;
      checks.push({
        id: 'opens',
        state: opens ? 'ok' : 'fail',
        params: { choice: opening.choice },
        problems: opens ? [] : ['the commitment in the entry does not open to this choice with this salt'],
      });
    }
  } else if (entry && typeof entry.choice === 'string') {
    choice = entry.choice;
    checks.push({ id: 'choice', state: 'ok', params: { choice: entry.choice }, problems: [] });
  }

  const tracker = report.leaf ? trackerOf(report.leaf) : null;
  const given = opts.known?.tracker ?? opts.tracker ?? null;
  if (!tracker) {
    checks.push({ id: 'tracker', state: 'fail', params: { tracker: given ?? '' }, problems: ['the receipt carries no entry'] });
  } else if (!given) {
    checks.push({ id: 'tracker', state: 'skip', params: { tracker }, problems: [] });
  } else {
    checks.push({
      id: 'tracker',
      state: sameTracker(tracker, given) ? 'ok' : 'fail',
      params: { tracker: given },
      problems: sameTracker(tracker, given) ? [] : [`the entry in this receipt has tracker ${tracker}, not ${given}`],
    });
  }

  // Receipt clash: the entry must carry the nonce this phone sent, or it is someone else's ballot.
  if (opts.known?.nonce && entry) {
    const same = entry.nonce === opts.known.nonce;
    checks.push({ id: 'nonce', state: same ? 'ok' : 'fail', params: {}, problems: same ? [] : ['the entry carries a nonce this phone did not send: this receipt is not your ballot'] });
  }

  // The promise signed at once after voting must name this very entry.
  if (opts.known?.promise) {
    const p = await checkPromise(opts.known.promise, opts.keys);
    const problems: string[] = [];
    if (!p.ok) problems.push('the instant receipt (JWS) is not signed by a log key');
    if (p.payload && report.leaf && p.payload.leaf !== report.leaf) problems.push('the instant receipt names another entry (leaf hash differs)');
    if (p.payload && index !== null && p.payload.seq !== index) problems.push(`the instant receipt promised position ${String(p.payload.seq)}`);
    checks.push({ id: 'promise', state: problems.length ? 'fail' : 'ok', params: {}, problems });
  }

  return {
    ok: checks.every((c) => c.state !== 'fail'),
    checks,
    report,
    index,
    matter,
    choice,
    tracker,
    bytes: byteLength(opts.proof),
    checkpointSize: report.checkpoint?.size ?? null,
  };
}

/** What the growth check found. */
export interface GrowthCheck {
  /**
   * `first`: nothing remembered yet (now remembered); `same`: nothing added since;
   * `grew`: only appended since; `fail`: the log changed, shrank or is not signed.
   */
  state: 'first' | 'same' | 'grew' | 'fail';
  from: number | null;
  to: number;
  problems: string[];
}

interface CheckpointAnswer {
  size: number;
  root: string;
  note: string;
  signedAt: string;
}

interface ConsistencyAnswer {
  from: number;
  to: number;
  rootFrom: string;
  rootTo: string;
  proof: string[];
  note: string;
}

/** A checkpoint note is signed by a log key and says this size and root for this vote. */
async function checkNote(note: string, size: number, root: string, keys: readonly string[], estateId: string, voteId: string): Promise<string[]> {
  const problems: string[] = [];
  const opened = await openNote(note, keys);
  if (!opened.ok) problems.push(`checkpoint note: ${opened.error}`);
  else if (!opened.trusted) problems.push('the newest checkpoint is not signed by a log key');
  const parsed = parseNote(note);
  const cp = parsed.ok ? parseCheckpoint(parsed.text) : null;
  if (!cp || !cp.ok) problems.push('the newest checkpoint is malformed');
  else {
    if (cp.size !== size) problems.push(`the checkpoint note says ${cp.size} entries, the server said ${size}`);
    if (cp.rootB64 !== root) problems.push('the checkpoint note has another root than the server said');
    if (!isLogOf(cp.origin, estateId, voteId)) problems.push(`the checkpoint is for log "${cp.origin}", not this vote`);
  }
  return problems;
}

/**
 * Compares the newest signed checkpoint with the one this phone remembers: the log may only have
 * grown (RFC 6962 consistency proof, checked here). Remembers the newest one when it checks out.
 */
export async function checkGrowth(estateId: string, voteId: string, keys: readonly string[]): Promise<GrowthCheck> {
  const base = voteBase(estateId, voteId);
  const latest = await api<CheckpointAnswer>('GET', `${base}/ledger/checkpoint`);
  const noteProblems = await checkNote(latest.note, latest.size, latest.root, keys, estateId, voteId);
  const seen = rememberedCheckpoint(estateId, voteId);
  if (noteProblems.length) return { state: 'fail', from: seen?.size ?? null, to: latest.size, problems: noteProblems };
  const remember = () => rememberCheckpoint(estateId, voteId, { size: latest.size, root: latest.root, note: latest.note, seenAt: new Date().toISOString() });
  if (!seen) {
    remember();
    return { state: 'first', from: null, to: latest.size, problems: [] };
  }
  if (seen.size > latest.size) {
    return { state: 'fail', from: seen.size, to: latest.size, problems: [`this phone saw ${seen.size} entries; the log now claims only ${latest.size}: entries were removed`] };
  }
  const oldRoot = decodeBase64Strict(seen.root);
  const newRoot = decodeBase64Strict(latest.root);
  if (!oldRoot || !newRoot) return { state: 'fail', from: seen.size, to: latest.size, problems: ['a root is not base64'] };
  if (seen.size === latest.size) {
    if (seen.root !== latest.root) return { state: 'fail', from: seen.size, to: latest.size, problems: [`two different logs of ${seen.size} entries were signed (a fork)`] };
    remember();
    return { state: 'same', from: seen.size, to: latest.size, problems: [] };
  }
  const c = await api<ConsistencyAnswer>('GET', `${base}/ledger/consistency?from=${seen.size}&to=${latest.size}`);
  const proof = c.proof.map((h) => decodeBase64Strict(h));
  const problems: string[] = [];
  if (c.from !== seen.size || c.to !== latest.size) problems.push(`the server answered for ${c.from}→${c.to}, not ${seen.size}→${latest.size}`);
  if (c.rootFrom !== seen.root) problems.push(`the server now gives another root for the first ${seen.size} entries than the one this phone saw: the old entries changed`);
  if (proof.some((h) => h === null)) problems.push('the consistency proof is not base64');
  // The proof is checked against the root this phone remembers, never the server's rootFrom.
  else if (!verifyConsistency(seen.size, latest.size, oldRoot, newRoot, proof as Uint8Array[])) {
    problems.push(`the log of ${latest.size} entries does not extend the log of ${seen.size} entries this phone saw`);
  }
  if (problems.length) return { state: 'fail', from: seen.size, to: latest.size, problems };
  remember();
  return { state: 'grew', from: seen.size, to: latest.size, problems: [] };
}
