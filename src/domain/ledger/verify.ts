/**
 * The auditor's verifier: checks a vote's export (docs/ledger.md, "Export") held in memory and
 * recounts it with the service's own tally engine.
 *
 * Export layout (paths relative to the export folder):
 * - `manifest.json` — the exact canonical manifest text; SHA-256 (base64) = setup's `manifest_sha256`
 * - `roster.jsonl` — the frozen roster (one canonical party per line); SHA-256 = manifest's
 *   `electorate.roster_sha256`
 * - `entries.jsonl` — the log, one entry per line, exact stored bytes, `\n` after each
 * - `checkpoints/<size>.note` — signed checkpoints
 * - `tally.json` — `{"matters": {…}}`, equal to the `results` of the `tally` entry (plus
 *   `"consent": {…}`, equal to the entry's `consent`, when the manifest lists occupied parts)
 * - `keys.txt` — verifier keys, one per line
 * - `openings.jsonl` — sealed mode, auditors only: `{"seq","matter","party","choice","salt"}`
 * - `SHA256SUMS` — `<hex>  <path>` for every other file
 *
 * Steps: V0 (files match SHA256SUMS — this verifier's addition, so V1–V11 keep the numbering of
 * the spec) and V1–V11 of the spec. Every step runs even when an earlier one failed, as far as
 * its inputs allow, so one report shows everything that is wrong; a step whose inputs are
 * unusable is reported as skipped and failed. Failures name entries by seq; an entry's seq is
 * its position in entries.jsonl (V3 checks that each entry says the same).
 *
 * Browser-safe: no node: imports; WebCrypto for Ed25519.
 */

import { canonicalize, isCanonical, isCanonicalParsed, type Json } from './jcs.ts';
import { leafHash, sha256Bytes, toBase64 } from './hash.ts';
import { MerkleTree, verifyConsistency } from './merkle.ts';
import { decodeBase64Strict, openNote, parseCheckpoint, parseNote, parseVerifierKey, type VerifierKey } from './note.ts';
import { verifyReceipt, type ReceiptReport } from './proof-file.ts';
import { commitment, SALT_BYTES } from './commitment.ts';
import { electorateFrom, type Electorate } from '../tally/electorate.ts';
import {
  normalizeTallyRules,
  tally,
  toContractJson,
  type BallotInput,
  type Category,
  type ContractResult,
  type TallyResult,
  type TallyRules,
} from '../tally/tally.ts';
import { castBallotsOf, isCredentialKind, isPartyKind, issuerReport, ISSUER_REF, KINDS_FOR_CHANNEL, OPAQUE_REF, participationOf, type IssuerReport } from './credentials.ts';
import type { MergeRule, Scope } from '../electorate/parties.ts';
import type { PartKind } from '../register/rows.ts';

/** Step identifiers, in report order. */
export type StepId = 'V0' | 'V1' | 'V2' | 'V3' | 'V4' | 'V5' | 'V6' | 'V7' | 'V8' | 'V9' | 'V10' | 'V11' | 'V12' | 'V13';

/** One verification step's outcome. */
export interface VerifyStep {
  id: StepId;
  title: string;
  /** Passed (a step skipped because it does not apply counts as passed). */
  ok: boolean;
  /** Not (fully) performed: see `details` for why. */
  skipped?: boolean;
  /** Failures first, then notes; each names the seq of the entries concerned. */
  details: string[];
  /** Seqs of the entries a failure concerns, ascending (empty for file-level failures). */
  failingSeqs: number[];
}

/** The recount the verifier made (V10). */
export interface RecountSummary {
  /** `full`: from the choices; `weights_only`: sealed ballots without openings. */
  mode: 'full' | 'weights_only';
  /**
   * Per matter key: the contract JSON (full), or `{electorate, counted_ballots, rejected_ballots}`
   * (weights only; `counted_ballots` includes spoilt ballots, whose choice is sealed).
   */
  matters: Record<string, unknown>;
  /**
   * Consent of the owners of occupied parts (docs/ledger.md §10.5), recomputed over the whole log:
   * per non-consultation matter `{required, given, satisfied}` (full), or `{required}` (weights
   * only). Present only when the manifest lists occupied parts.
   */
  consent?: Record<string, unknown>;
}

/** Result of {@link verifyExport}. */
export interface VerifyReport {
  /** Every step passed. */
  ok: boolean;
  steps: VerifyStep[];
  /** The log's origin, from the manifest. */
  origin: string | null;
  /** Number of entries in entries.jsonl. */
  entries: number;
  recount?: RecountSummary;
  /** Who issued the credentials, and how they were used (docs/ledger.md §12.1); with a usable manifest. */
  issuers?: IssuerReport;
}

/** Options of {@link verifyExport}. */
export interface VerifyOptions {
  /** openings.jsonl given separately (default: the export's own `openings.jsonl`, if any). */
  openings?: Uint8Array;
  /** An owner's receipt (a c2sp.org/tlog-proof@v1 file), checked against the export. */
  receipt?: Uint8Array;
}

/** Step titles; the CLI prints them for passing steps. */
export const STEP_TITLES: Readonly<Record<StepId, string>> = Object.freeze({
  V0: 'files match SHA256SUMS',
  V1: "manifest parses and its hash equals the setup entry's",
  V2: 'every entry is canonical JSON (JCS)',
  V3: 'seq contiguous from 0; every entry names this log',
  V4: "every prev is the previous entry's leaf hash",
  V5: "the Merkle root at every checkpoint's size equals its root",
  V6: "every checkpoint is signed by the manifest's key",
  V7: 'checkpoints are consistent and the last one covers the log',
  V8: 'the roster hashes to the manifest; every ballot matches the roster',
  V9: 'one effective ballot per party per matter; no replayed submission; rejections give reasons; nothing after close',
  V10: 'the recount equals tally.json and the tally entry',
  V11: 'every commitment opens to its choice',
  V12: 'every ballot names a live credential of its party; credentials, revocations and objections are well-formed',
  V13: 'participation.jsonl lists exactly the households that took part',
});

const STEP_IDS = Object.keys(STEP_TITLES) as StepId[];

/** Entry types that record a ballot event (V8 checks their party and weights). */
const BALLOT_EVENT_TYPES = new Set(['ballot', 'ballot_rejected', 'ballot_superseded', 'paper_ballot', 'proxy']);
/** Entry types that may not follow `close` (V9). */
const NOT_AFTER_CLOSE = new Set([...BALLOT_EVENT_TYPES, 'extension']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const show = (v: unknown) => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? String(v));

/**
 * Entry types that put a ballot into the box: an online `ballot` and a clerk-entered
 * `paper_ballot` count alike (roster, revision rule, replays, recount, openings).
 */
const COUNTED_TYPES = new Set(['ballot', 'paper_ballot']);
const isCounted = (e: Obj | null | undefined): boolean => !!e && isStr(e.type) && COUNTED_TYPES.has(e.type);

class Step implements VerifyStep {
  ok = true;
  skipped?: boolean;
  details: string[] = [];
  failingSeqs: number[] = [];
  private notes: string[] = [];
  readonly title: string;
  constructor(readonly id: StepId) {
    this.title = STEP_TITLES[id];
  }
  fail(detail: string, seqs: readonly number[] = []): void {
    this.ok = false;
    this.details.push(detail);
    this.failingSeqs.push(...seqs);
  }
  note(detail: string): void {
    this.notes.push(detail);
  }
  /** Could not check: failed unless `passes` (the step does not apply). */
  skip(reason: string, passes = false): void {
    this.skipped = true;
    if (!passes) this.ok = false;
    this.notes.push(reason);
  }
  done(): VerifyStep {
    const failingSeqs = [...new Set(this.failingSeqs)].sort((a, b) => a - b);
    const out: VerifyStep = { id: this.id, title: this.title, ok: this.ok, details: [...this.details, ...this.notes], failingSeqs };
    if (this.skipped) out.skipped = true;
    return out;
  }
}

const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
const seqRange = (from: number, to: number) => (to - from === 1 ? `seq ${from}` : `seq ${from}–${to - 1}`);

// ignoreBOM: a byte-order mark stays in the text, so it makes the entry non-canonical instead of
// silently vanishing. One decoder for every line: non-streaming decodes keep no state between
// calls, and making a decoder per line was a visible cost at a million entries.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function utf8(bytes: Uint8Array): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const hexOf = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An instant, exactly: seconds since 1970-01-01T00:00:00Z and nanoseconds within the second. */
interface Instant {
  sec: number;
  nano: number;
}

/** RFC 3339 date-time (docs/ledger.md §1): `YYYY-MM-DDTHH:MM:SS[.fraction]` then `Z` or `±HH:MM`. */
const TIME = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(?:(Z)|([+-])([0-9]{2}):([0-9]{2}))$/;

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Parses a time of the §1 form with valid fields (no leap second), or null. */
export function parseInstant(text: string): Instant | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > monthDays[mo - 1]! || h > 23 || mi > 59 || s > 59) return null;
  let offset = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const nano = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { sec: daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset, nano };
}

const compareInstants = (a: Instant, b: Instant) => a.sec - b.sec || a.nano - b.nano;

/**
 * One line of entries.jsonl. Its leaf hash lives in the Merkle tree (level 0) and its text is
 * not kept: at a million entries, per-line copies of both were most of the verifier's memory.
 */
interface Line {
  seq: number;
  entry: Obj | null;
}

/**
 * Splits entries.jsonl into lines: line i is bytes [starts[i], ends[i]) (a missing final newline
 * is reported by V2). Offsets rather than a view per line, which a million lines made costly.
 */
function splitLines(bytes: Uint8Array): { starts: number[]; ends: number[]; trailingNewline: boolean } {
  const starts: number[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, start)) {
    starts.push(start);
    ends.push(i);
    start = i + 1;
  }
  if (start < bytes.length) {
    starts.push(start);
    ends.push(bytes.length);
  }
  return { starts, ends, trailingNewline: bytes.length === 0 || bytes[bytes.length - 1] === 0x0a };
}

// ---------------------------------------------------------------------------------------------
// Manifest

interface ManifestMatter {
  key: string;
  category: Category;
  kind: 'yes_no' | 'options';
  options: string[];
}

interface Manifest {
  log: string;
  scope: Scope | null;
  matters: ManifestMatter[];
  rules: {
    revision: 'final' | 'last_counts';
    secrecy: 'open' | 'sealed';
    spoilt: TallyRules['spoilt'];
    nonVoters: TallyRules['nonVoters'];
    merge: MergeRule;
    countKinds: PartKind[];
  };
  electorate: { parties: number; area_cents: number; roster_sha256: string };
  /** Part ids whose owners must consent (§10.5); empty when the manifest has none. */
  occupiedParts: string[];
  raw: Obj;
}

const oneOf = <T extends string>(v: unknown, allowed: readonly T[]): v is T => isStr(v) && (allowed as readonly string[]).includes(v);

/** Checks the manifest fields the verifier relies on; returns the problems (empty when usable). */
function readManifest(json: unknown): { manifest: Manifest | null; problems: string[] } {
  const problems: string[] = [];
  if (!isObj(json)) return { manifest: null, problems: ['manifest.json is not a JSON object'] };
  if (!isStr(json.log) || json.log === '') problems.push('manifest: "log" (the origin) is missing');
  const scope = json.scope ?? null;
  if (scope !== null && !(isObj(scope) && isStr(scope.building))) problems.push('manifest: "scope" must be null or {building, entrance?}');
  const rules = json.rules;
  if (!isObj(rules)) {
    problems.push('manifest: "rules" is missing');
  } else {
    if (!oneOf(rules.revision, ['final', 'last_counts'] as const)) problems.push('manifest: rules.revision must be "final" or "last_counts"');
    if (!oneOf(rules.secrecy, ['open', 'sealed'] as const)) problems.push('manifest: rules.secrecy must be "open" or "sealed"');
    if (!oneOf(rules.spoilt, ['participates', 'excluded'] as const)) problems.push('manifest: rules.spoilt is missing');
    if (!oneOf(rules.nonVoters, ['strict', 'deemed_majority'] as const)) problems.push('manifest: rules.nonVoters is missing');
    if (!oneOf(rules.merge, ['identical_owner_set', 'shared_person'] as const)) problems.push('manifest: rules.merge is missing');
    if (!Array.isArray(rules.countKinds) || !rules.countKinds.every(isStr)) problems.push('manifest: rules.countKinds is missing');
  }
  const matters: ManifestMatter[] = [];
  if (!Array.isArray(json.matters) || json.matters.length === 0) {
    problems.push('manifest: "matters" must be a non-empty array');
  } else {
    const keys = new Set<string>();
    for (const [i, m] of json.matters.entries()) {
      const where = `manifest: matters[${i}]`;
      if (!isObj(m) || !isStr(m.key)) {
        problems.push(`${where} has no key`);
        continue;
      }
      if (keys.has(m.key)) problems.push(`${where}: key ${m.key} appears twice`);
      keys.add(m.key);
      const cat = m.category;
      const category: Category | null =
        cat === 'consultation' ? 'consultation' : isStr(cat) && /^[1-9]$/.test(cat) ? (Number(cat) as Category) : typeof cat === 'number' && Number.isInteger(cat) && cat >= 1 && cat <= 9 ? (cat as Category) : null;
      if (category === null) problems.push(`${where}: category must be "1"…"9" or "consultation"`);
      if (!oneOf(m.kind, ['yes_no', 'options'] as const)) problems.push(`${where}: kind must be "yes_no" or "options"`);
      const options = Array.isArray(m.options) ? m.options.map((o) => (isObj(o) && isStr(o.key) ? o.key : null)) : null;
      if (!options || options.some((o) => o === null)) problems.push(`${where}: options must be a list of {key, …}`);
      else if (m.kind === 'options' && options.length < 2) problems.push(`${where}: an option matter needs at least two options`);
      if (category !== null && oneOf(m.kind, ['yes_no', 'options'] as const) && options && !options.includes(null)) {
        matters.push({ key: m.key, category, kind: m.kind, options: options as string[] });
      }
    }
  }
  const el = json.electorate;
  if (!isObj(el) || !isStr(el.roster_sha256) || !isCount(el.parties) || !isCount(el.area_cents)) {
    problems.push('manifest: "electorate" must give parties, area_cents and roster_sha256');
  }
  const occupied = json.occupied_parts;
  if (occupied !== undefined && !(Array.isArray(occupied) && occupied.every(isStr))) problems.push('manifest: "occupied_parts" must be an array of part ids (strings)');
  if (problems.length) return { manifest: null, problems };
  const r = rules as Obj;
  const e = el as Obj;
  return {
    manifest: {
      log: json.log as string,
      scope: scope as Scope | null,
      matters,
      rules: {
        revision: r.revision as Manifest['rules']['revision'],
        secrecy: r.secrecy as Manifest['rules']['secrecy'],
        spoilt: r.spoilt as TallyRules['spoilt'],
        nonVoters: r.nonVoters as TallyRules['nonVoters'],
        merge: r.merge as MergeRule,
        countKinds: r.countKinds as PartKind[],
      },
      electorate: { parties: e.parties as number, area_cents: e.area_cents as number, roster_sha256: e.roster_sha256 as string },
      occupiedParts: occupied === undefined ? [] : (occupied as string[]),
      raw: json,
    },
    problems,
  };
}

/** The engine's rules for one matter, exactly as the service derives them (votes/service.ts). */
function rulesFor(manifest: Manifest, matter: ManifestMatter): TallyRules {
  return normalizeTallyRules({
    category: matter.category,
    scope: manifest.scope,
    merge: manifest.rules.merge,
    countKinds: manifest.rules.countKinds,
    revision: manifest.rules.revision,
    spoilt: manifest.rules.spoilt,
    nonVoters: manifest.rules.nonVoters,
    options: matter.kind === 'options' ? matter.options : null,
  });
}

// ---------------------------------------------------------------------------------------------
// Roster

interface RosterParty {
  party: string;
  area_cents: number;
  heads: number;
  developer: boolean;
  parts: string[];
}

function readRoster(bytes: Uint8Array, step: Step): RosterParty[] | null {
  const text = utf8(bytes);
  if (text === null) {
    step.fail('roster.jsonl is not UTF-8');
    return null;
  }
  if (text.length > 0 && !text.endsWith('\n')) step.fail('roster.jsonl does not end with a newline');
  const out: RosterParty[] = [];
  const ids = new Set<string>();
  const partIds = new Set<string>();
  const lines = text.length ? text.replace(/\n$/, '').split('\n') : [];
  for (const [i, line] of lines.entries()) {
    const where = `roster.jsonl line ${i + 1}`;
    const p = parseJson(line);
    if (!isObj(p) || !isStr(p.party) || !isCount(p.area_cents) || !isCount(p.heads) || typeof p.developer !== 'boolean' || !Array.isArray(p.parts) || !p.parts.every(isStr) || p.parts.length === 0) {
      step.fail(`${where}: expected {party, area_cents, heads, developer, parts}`);
      continue;
    }
    if (!isCanonical(line)) step.fail(`${where}: not canonical JSON`);
    if (ids.has(p.party)) step.fail(`${where}: party ${p.party} appears twice`);
    ids.add(p.party);
    for (const id of p.parts as string[]) {
      if (partIds.has(id)) step.fail(`${where}: part ${id} belongs to two parties`);
      partIds.add(id);
    }
    out.push({ party: p.party, area_cents: p.area_cents, heads: p.heads, developer: p.developer, parts: p.parts as string[] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

interface CheckpointFile {
  /** Where it came from: a path in the export, or {@link RECEIPT_SOURCE}. */
  source: string;
  /** The signed note (empty for the receipt's, which verifyReceipt checks). */
  note: string;
  size: number;
  root: Uint8Array;
  origin: string;
}

const RECEIPT_SOURCE = "the receipt's checkpoint";

// ---------------------------------------------------------------------------------------------

/**
 * Verifies an export held in memory (`files`: path → bytes, paths relative to the export
 * folder with `/` separators). Never throws for bad data: every problem is a failed step.
 */
export async function verifyExport(files: ReadonlyMap<string, Uint8Array>, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const s = Object.fromEntries(STEP_IDS.map((id) => [id, new Step(id)])) as Record<StepId, Step>;
  const openingsBytes = opts.openings ?? files.get('openings.jsonl') ?? null;

  checkSums(files, opts.openings ?? null, s.V0);

  // ---- manifest (V1, part 1)
  let manifest: Manifest | null = null;
  const manifestBytes = files.get('manifest.json');
  let manifestText: string | null = null;
  if (!manifestBytes) {
    s.V1.fail('manifest.json is missing');
  } else {
    manifestText = utf8(manifestBytes);
    const json = manifestText === null ? undefined : parseJson(manifestText);
    if (json === undefined) {
      s.V1.fail('manifest.json is not UTF-8 JSON');
    } else {
      const read = readManifest(json);
      manifest = read.manifest;
      for (const p of read.problems) s.V1.fail(p);
      if (manifestText !== null && !isCanonical(manifestText)) s.V1.fail('manifest.json is not the exact canonical (JCS) text');
    }
  }
  const origin = manifest?.log ?? null;

  // ---- entries (V2)
  const entriesBytes = files.get('entries.jsonl');
  const lines: Line[] = [];
  const tree = new MerkleTree();
  let lineBytes = (_seq: number): Uint8Array => new Uint8Array(0);
  if (!entriesBytes) {
    s.V2.fail('entries.jsonl is missing');
  } else {
    const split = splitLines(entriesBytes);
    lineBytes = (seq) => entriesBytes.subarray(split.starts[seq], split.ends[seq]);
    for (let seq = 0; seq < split.starts.length; seq++) {
      const bytes = lineBytes(seq);
      const text = utf8(bytes);
      const json = text === null ? undefined : parseJson(text);
      lines.push({ seq, entry: isObj(json) ? json : null });
      tree.append(leafHash(bytes));
      if (text === null) s.V2.fail(`seq ${seq}: not valid UTF-8`, [seq]);
      else if (!isObj(json)) s.V2.fail(`seq ${seq}: not a JSON object`, [seq]);
      else if (!isCanonicalParsed(text, json as Json)) s.V2.fail(`seq ${seq}: not canonical JCS (RFC 8785 with NFC strings) — it is not the stored text`, [seq]);
    }
    if (!split.trailingNewline) s.V2.fail(`entries.jsonl does not end with a newline after seq ${lines.length - 1}`, [lines.length - 1]);
  }
  const L = lines.length;

  // ---- V1, part 2: the setup entry commits to the manifest
  if (entriesBytes) {
    const setups = lines.filter((l) => l.entry?.type === 'setup');
    if (L === 0) s.V1.fail('the log is empty: there is no setup entry');
    else if (lines[0].entry?.type !== 'setup') s.V1.fail('seq 0 is not the setup entry', [0]);
    for (const extra of setups.slice(1)) s.V1.fail(`seq ${extra.seq}: a second setup entry`, [extra.seq]);
    const setup = setups[0];
    if (setup && manifestBytes) {
      const want = setup.entry!.manifest_sha256;
      const got = toBase64(sha256Bytes(manifestBytes));
      if (want !== got) s.V1.fail(`manifest.json hashes to ${got}, but the setup entry (seq ${setup.seq}) commits to ${show(want)}`, [setup.seq]);
    }
  }

  // ---- V3: seq and header
  if (!entriesBytes) s.V3.skip('entries.jsonl is missing');
  if (origin === null) s.V3.note('cannot check the log name: the manifest is unusable (see V1)');
  for (const l of lines) {
    const e = l.entry;
    if (!e) {
      s.V3.fail(`seq ${l.seq}: unreadable entry (see V2)`, [l.seq]);
      continue;
    }
    if (e.seq !== l.seq) s.V3.fail(`position ${l.seq} holds seq ${show(e.seq)}: seq must run 0, 1, 2, … without gaps`, [l.seq]);
    if (e.v !== 1) s.V3.fail(`seq ${l.seq}: v is ${show(e.v)}, not 1`, [l.seq]);
    if (origin !== null && e.log !== origin) s.V3.fail(`seq ${l.seq}: log ${show(e.log)} is not this log (${origin})`, [l.seq]);
    if (!isStr(e.type) || !isStr(e.at) || !isStr(e.prev)) s.V3.fail(`seq ${l.seq}: header lacks type, at or prev`, [l.seq]);
  }

  // ---- V4: prev chain
  if (!entriesBytes) s.V4.skip('entries.jsonl is missing');
  for (const l of lines) {
    if (!l.entry) continue;
    const want = l.seq === 0 ? '' : toBase64(tree.leaf(l.seq - 1));
    if (l.entry.prev !== want) {
      s.V4.fail(
        l.seq === 0 ? 'prev mismatch at seq 0 (must be empty)' : `prev mismatch at seq ${l.seq}: not the leaf hash of seq ${l.seq - 1} (one of the two was changed, or an entry removed)`,
        [l.seq],
      );
    }
  }

  // ---- checkpoints (V5)
  const checkpoints: CheckpointFile[] = [];
  const cpPaths = [...files.keys()].filter((p) => p.startsWith('checkpoints/')).sort(byCheckpointName);
  if (cpPaths.length === 0) s.V5.fail('no checkpoint in checkpoints/');
  for (const path of cpPaths) {
    const text = utf8(files.get(path)!);
    const note = text === null ? null : parseNote(text);
    if (!note || !note.ok) {
      s.V5.fail(`${path}: not a signed note${note && !note.ok ? ` (${note.error})` : ''}`);
      continue;
    }
    const cp = parseCheckpoint(note.text);
    if (!cp.ok) {
      s.V5.fail(`${path}: not a checkpoint (${cp.error})`);
      continue;
    }
    checkpoints.push({ source: path, note: text!, size: cp.size, root: cp.root, origin: cp.origin });
    const named = /^checkpoints\/(0|[1-9][0-9]*)\.note$/.exec(path);
    if (!named || Number(named[1]) !== cp.size) s.V5.fail(`${path}: holds the checkpoint of size ${cp.size}; its file name must be checkpoints/${cp.size}.note`);
    if (origin !== null && cp.origin !== origin) s.V5.fail(`${path}: origin "${cp.origin}" is not this log (${origin})`);
  }
  const matches = (cp: CheckpointFile) => cp.size <= L && bytesEqual(tree.root(cp.size), cp.root);
  const matching = new Set(checkpoints.filter(matches).map((cp) => cp.size));
  // A change lies after the largest smaller checkpoint the export still reproduces.
  const changedFrom = (size: number) => Math.max(0, ...[...matching].filter((n) => n < size));
  for (const cp of checkpoints) {
    if (cp.size > L) {
      s.V5.fail(`${cp.source}: signs ${cp.size} entries but entries.jsonl has ${L}: ${seqRange(L, cp.size)} missing`, range(L, cp.size));
    } else if (!matches(cp)) {
      const from = changedFrom(cp.size);
      s.V5.fail(`${cp.source}: the first ${cp.size} entries do not hash to the signed root: something in ${seqRange(from, cp.size)} changed`, range(from, cp.size));
    }
  }

  // ---- keys and signatures (V6)
  const keys: VerifierKey[] = [];
  const keysBytes = files.get('keys.txt');
  if (!keysBytes) {
    s.V6.fail('keys.txt is missing');
  } else {
    const text = utf8(keysBytes);
    if (text === null) s.V6.fail('keys.txt is not UTF-8');
    for (const [i, line] of (text ?? '').split('\n').entries()) {
      if (line === '') continue;
      const k = parseVerifierKey(line);
      if (k.ok) keys.push(k);
      else s.V6.fail(`keys.txt line ${i + 1}: ${k.error}`);
    }
    if (text !== null && keys.length === 0) s.V6.fail('keys.txt holds no verifier key');
  }
  // The vote's log key is the one its manifest names (fixed at the notice, covered by the setup
  // entry's hash). keys.txt is the deployment's key history: it can hold other keys (rotations),
  // and a checkpoint signed only by one of those is not this vote's checkpoint.
  const manifestVkey = manifest ? manifest.raw.vkey : undefined;
  let trusted: VerifierKey[] = keys;
  let manifestKey: VerifierKey | null = null;
  if (manifestVkey === undefined || manifestVkey === null) {
    s.V6.note(
      manifest
        ? 'the manifest names no vkey: checkpoint signatures checked against keys.txt instead (weaker: keys.txt comes with the export; confirm the key out of band)'
        : 'the manifest is unusable (see V1): checkpoint signatures checked against keys.txt instead',
    );
  } else {
    const parsed = isStr(manifestVkey) ? parseVerifierKey(manifestVkey) : null;
    if (!parsed || !parsed.ok) {
      s.V6.fail(`the manifest's vkey ${show(manifestVkey)} is not a verifier key${parsed && !parsed.ok ? ` (${parsed.error})` : ''}`);
      trusted = [];
    } else {
      manifestKey = parsed;
      trusted = [parsed];
      if (!keys.some((k) => k.vkey === manifestVkey)) s.V6.fail(`the manifest's key ${manifestVkey} is not in keys.txt`);
    }
  }
  const against = manifestVkey === undefined || manifestVkey === null ? 'any key in keys.txt' : `the manifest's key${manifestKey ? ` (${manifestKey.name} ${manifestKey.keyIdHex})` : ''}`;
  // Signatures are checked a batch at a time concurrently (WebCrypto works off the main thread; one
  // by one, a log with thousands of checkpoints spent seconds waiting) and reported in order.
  const openedNotes: Awaited<ReturnType<typeof openNote>>[] = [];
  for (let i = 0; i < checkpoints.length; i += 256) {
    openedNotes.push(...(await Promise.all(checkpoints.slice(i, i + 256).map((cp) => openNote(cp.note, trusted)))));
  }
  for (const [i, cp] of checkpoints.entries()) {
    const opened = openedNotes[i];
    if (!opened.ok) {
      s.V6.fail(`${cp.source}: ${opened.error}`);
    } else if (!opened.trusted) {
      const bad = opened.signatures.filter((x) => x.known && !x.verified);
      const others = opened.signatures.filter((x) => keys.some((k) => k.name === x.name && k.keyIdHex === x.keyId));
      s.V6.fail(
        bad.length
          ? `${cp.source}: the signature by ${bad.map((x) => `${x.name} ${x.keyId}`).join(', ')} does not verify`
          : others.length
            ? `${cp.source}: signed only by ${others.map((x) => `${x.name} ${x.keyId}`).join(', ')}, a key in keys.txt but not ${against}`
            : `${cp.source}: not signed by ${against} (signed by ${opened.signatures.map((x) => `${x.name} ${x.keyId}`).join(', ')})`,
      );
    }
  }

  let receipt: ReceiptReport | null = null;
  if (opts.receipt) {
    receipt = await verifyReceipt(opts.receipt, trusted, origin ?? undefined);
    const seqs = receipt.index === null ? [] : [receipt.index];
    if (receipt.signatureProblem) s.V6.fail(`receipt${receipt.index === null ? '' : ` for seq ${receipt.index}`}: ${receipt.signatureProblem}`, seqs);
    // A validly signed receipt checkpoint joins the export's for V7: the export must be
    // consistent with every checkpoint an owner was shown. An unsigned one proves nothing.
    if (receipt.checkpoint && receipt.signatureVerified) {
      const { origin: o, size, root } = receipt.checkpoint;
      checkpoints.push({ source: RECEIPT_SOURCE, note: '', size, root, origin: o });
    }
  }

  // ---- consistency (V7)
  checkConsistency(s.V7, checkpoints, tree, L, receipt, lineBytes, changedFrom);

  // ---- roster (V8)
  let roster: RosterParty[] | null = null;
  const rosterBytes = files.get('roster.jsonl');
  if (!rosterBytes) {
    s.V8.fail('roster.jsonl is missing');
  } else {
    roster = readRoster(rosterBytes, s.V8);
    if (manifest) {
      const got = toBase64(sha256Bytes(rosterBytes));
      if (got !== manifest.electorate.roster_sha256) {
        s.V8.fail(`roster.jsonl hashes to ${got}, not the manifest's roster_sha256 ${manifest.electorate.roster_sha256} (fixed by the setup entry, seq 0): the roster changed after setup`, [0]);
      }
      if (roster) {
        const area = roster.reduce((n, p) => n + p.area_cents, 0);
        if (roster.length !== manifest.electorate.parties || area !== manifest.electorate.area_cents) {
          s.V8.fail(`roster.jsonl has ${roster.length} parties and ${area} area cents; the manifest says ${manifest.electorate.parties} and ${manifest.electorate.area_cents}`, [0]);
        }
      }
    } else {
      s.V8.note("cannot compare the roster with the manifest's hash: the manifest is unusable (see V1)");
    }
  }
  const rosterById = new Map((roster ?? []).map((p) => [p.party, p]));
  if (roster && manifest) {
    // Consent of occupied parts (§10.5): each occupied part must belong to some party.
    const held = new Set(roster.flatMap((p) => p.parts));
    for (const part of new Set(manifest.occupiedParts)) {
      if (!held.has(part)) s.V8.fail(`the manifest's occupied_parts names part ${show(part)}, which no roster party holds (fixed by the setup entry, seq 0)`, [0]);
    }
  }
  if (roster) {
    for (const l of lines) {
      const e = l.entry;
      if (!e || !isStr(e.type) || !BALLOT_EVENT_TYPES.has(e.type) || !('party' in e)) continue;
      const party = rosterById.get(e.party as string);
      if (!isStr(e.party) || !party) {
        s.V8.fail(`seq ${l.seq}: party ${show(e.party)} is not in the roster`, [l.seq]);
        continue;
      }
      if ('weights' in e) {
        const w = e.weights;
        if (!isObj(w) || w.area_cents !== party.area_cents || w.heads !== party.heads || Object.keys(w).length !== 2) {
          s.V8.fail(`seq ${l.seq}: weights ${show(w)} differ from the roster's ${party.party} (area_cents ${party.area_cents}, heads ${party.heads})`, [l.seq]);
        }
      } else if (e.type === 'ballot' || e.type === 'paper_ballot' || e.type === 'ballot_rejected') {
        s.V8.fail(`seq ${l.seq}: a ${e.type} entry without weights`, [l.seq]);
      }
    }
  }

  // ---- ballots (V9)
  if (manifest) checkBallots(s.V9, manifest, lines, roster ? rosterById : null);
  else s.V9.skip('cannot check: the manifest is unusable (see V1)');

  // ---- openings (V11) before the recount, which uses the choices they open to
  const opened = new Map<number, string>();
  const sealed = manifest?.rules.secrecy === 'sealed';
  if (!manifest) s.V11.skip('cannot check: the manifest is unusable (see V1)');
  else if (!sealed) s.V11.skip('open mode: the choices are in the entries', true);
  else if (!openingsBytes) s.V11.skip('no openings given (openings.jsonl, for auditors): commitments not checked', true);
  else checkOpenings(s.V11, openingsBytes, lines, opened);

  // ---- recount (V10)
  let recount: RecountSummary | undefined;
  if (!manifest) s.V10.skip('cannot recount: the manifest is unusable (see V1)');
  else if (!roster) s.V10.skip('cannot recount: the roster is unusable (see V8)');
  else recount = checkTally(s.V10, manifest, roster, lines, files.get('tally.json') ?? null, sealed ? (openingsBytes ? opened : null) : null);

  // ---- credentials (V12) and the participation list (V13)
  const declared = manifest?.raw.credentials === true;
  if (!manifest) s.V12.skip('cannot check: the manifest is unusable (see V1)');
  else if (!declared) s.V12.skip('the manifest does not declare credentials (a log from before credential entries): who could cast each ballot is not checked', true);
  else checkCredentials(s.V12, manifest, lines, roster ? rosterById : null);
  checkParticipation(s.V13, declared, files.get('participation.jsonl') ?? null, lines, roster);
  const issuers = manifest ? issuerReport(lines.map((l) => l.entry), isObj(manifest.raw.window) && isStr(manifest.raw.window.opens_at) ? manifest.raw.window.opens_at : null, parseInstant) : undefined;

  const steps = STEP_IDS.map((id) => s[id].done());
  return { ok: steps.every((x) => x.ok), steps, origin, entries: L, ...(recount ? { recount } : {}), ...(issuers ? { issuers } : {}) };
}

/** Numeric order of `checkpoints/<size>.note`, other names after, by name. */
function byCheckpointName(a: string, b: string): number {
  const n = (p: string) => {
    const m = /^checkpoints\/([0-9]+)\.note$/.exec(p);
    return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
  };
  return n(a) - n(b) || (a < b ? -1 : a > b ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// V0

function checkSums(files: ReadonlyMap<string, Uint8Array>, separateOpenings: Uint8Array | null, step: Step): void {
  const sums = files.get('SHA256SUMS');
  if (!sums) {
    step.fail('SHA256SUMS is missing');
    return;
  }
  const text = utf8(sums);
  if (text === null) {
    step.fail('SHA256SUMS is not UTF-8');
    return;
  }
  const listed = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    // sha256sum's format: 64 hex digits, two spaces (or space and '*'), the path.
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) {
      step.fail(`SHA256SUMS line ${i + 1} is not "<sha256 hex>  <path>"`);
      continue;
    }
    const path = m[2].replace(/^\.\//, '');
    if (listed.has(path)) step.fail(`SHA256SUMS lists ${path} twice`);
    listed.set(path, m[1].toLowerCase());
  }
  for (const [path, want] of listed) {
    const bytes = files.get(path) ?? (path === 'openings.jsonl' ? separateOpenings : null);
    if (!bytes) {
      // Openings go to named auditors only, so a public copy of the export may lack them.
      if (path === 'openings.jsonl') step.note('openings.jsonl is listed but not present (it is given to auditors separately)');
      else step.fail(`${path} is listed in SHA256SUMS but missing`);
      continue;
    }
    if (hexOf(sha256Bytes(bytes)) !== want) step.fail(`${path}: SHA-256 does not match SHA256SUMS (the file was changed)`);
  }
  for (const path of files.keys()) {
    if (path !== 'SHA256SUMS' && !listed.has(path)) step.fail(`${path} is not listed in SHA256SUMS`);
  }
}

// ---------------------------------------------------------------------------------------------
// V7

function checkConsistency(
  step: Step,
  checkpoints: CheckpointFile[],
  tree: MerkleTree,
  L: number,
  receipt: ReceiptReport | null,
  lineBytes: (seq: number) => Uint8Array,
  changedFrom: (size: number) => number,
): void {
  if (checkpoints.length === 0) {
    step.fail('no checkpoint to check');
  }
  // Two different roots for one size is a fork, whatever the export says.
  const bySize = new Map<number, CheckpointFile[]>();
  for (const cp of checkpoints) bySize.set(cp.size, [...(bySize.get(cp.size) ?? []), cp]);
  for (const [size, group] of bySize) {
    const roots = new Set(group.map((g) => toBase64(g.root)));
    if (roots.size > 1) step.fail(`fork: ${group.map((g) => g.source).join(' and ')} sign different roots for the same size ${size}`);
  }
  // One representative per size (one agreeing with the export when there is one), in size order.
  const sizes = [...bySize.keys()].sort((a, b) => a - b);
  const pick = (size: number) => {
    const group = bySize.get(size)!;
    return group.find((g) => size <= L && bytesEqual(tree.root(size), g.root)) ?? group[0];
  };
  for (let i = 0; i + 1 < sizes.length; i++) {
    const a = pick(sizes[i]);
    const b = pick(sizes[i + 1]);
    if (b.size > L) {
      step.fail(`${b.source} signs ${b.size} entries, but the log ends at ${L}: ${seqRange(L, b.size)} were removed (truncated)`, range(L, b.size));
      continue;
    }
    // The export holds every leaf, so it can build the consistency proof itself; the proof
    // verifies exactly when the export reproduces both signed roots.
    const proof = tree.consistencyProof(a.size, b.size);
    if (!verifyConsistency(a.size, b.size, a.root, b.root, proof)) {
      const aOk = bytesEqual(tree.root(a.size), a.root);
      const from = aOk ? a.size : changedFrom(a.size);
      const to = aOk ? b.size : a.size;
      step.fail(
        aOk
          ? `${a.source} (size ${a.size}) and ${b.source} (size ${b.size}) are not consistent through this log: something in ${seqRange(from, to)} differs from what was signed`
          : `${a.source} (size ${a.size}) and ${b.source} (size ${b.size}) cannot be shown consistent: this log does not reproduce ${a.source} (something in ${seqRange(from, to)} differs)`,
        range(from, to),
      );
    }
  }
  if (sizes.length === 1 && sizes[0] > L) {
    const only = pick(sizes[0]);
    step.fail(`${only.source} signs ${only.size} entries, but the log ends at ${L}: ${seqRange(L, only.size)} were removed (truncated)`, range(L, only.size));
  }
  const exported = checkpoints.filter((c) => c.source !== RECEIPT_SOURCE);
  const last = Math.max(0, ...exported.map((c) => c.size));
  if (exported.length && last < L) step.fail(`the last checkpoint covers ${last} entries; ${seqRange(last, L)} are not covered by any checkpoint`, range(last, L));

  if (receipt) {
    const idx = receipt.index;
    for (const p of receipt.problems) {
      if (p !== receipt.signatureProblem) step.fail(`receipt${idx === null ? '' : ` for seq ${idx}`}: ${p}`, idx === null ? [] : [idx]);
    }
    if (idx !== null && receipt.entryBytes) {
      if (idx >= L) step.fail(`receipt: seq ${idx} is missing from the export (the log ends at ${L})`, [idx]);
      else if (!bytesEqual(lineBytes(idx), receipt.entryBytes)) step.fail(`receipt: seq ${idx} in the export differs from the entry in the receipt`, [idx]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// V9

function checkBallots(step: Step, manifest: Manifest, lines: Line[], roster: ReadonlyMap<string, RosterParty> | null): void {
  const matterKeys = new Set(manifest.matters.map((m) => m.key));
  const sealed = manifest.rules.secrecy === 'sealed';
  const revision = manifest.rules.revision;
  let closeSeq: number | null = null;
  const byVoter = new Map<string, number[]>();
  const supersedes = new Map<number, number>(); // superseded ballot seq → marker seq
  const markers: Line[] = [];
  // matter + nonce → the first ballot (online or paper) with them: a second one is a replay.
  const byNonce = new Map<string, number>();
  // The window's end as the manifest fixed it; extension entries move it later (§4.4).
  const win = manifest.raw.window;
  const manifestCloses = isObj(win) && isStr(win.closes_at) ? win.closes_at : null;
  let closes: WindowEnd = { text: manifestCloses, at: manifestCloses === null ? null : parseInstant(manifestCloses), extendedAt: null };
  // Paper ballots must have been received by the effective close time after all extensions.
  const finalClose = effectiveClose(lines, closes);
  const proxies = new ProxyRules(manifest.raw.rules, roster);

  for (const l of lines) {
    const e = l.entry;
    if (!e || !isStr(e.type)) continue;
    const at = `seq ${l.seq}`;
    if (e.type === 'close') {
      if (closeSeq !== null) step.fail(`${at}: a second close (the first is seq ${closeSeq})`, [l.seq]);
      else closeSeq = l.seq;
      continue;
    }
    if (!NOT_AFTER_CLOSE.has(e.type)) continue;
    if (closeSeq !== null) step.fail(`${at}: ${e.type === 'extension' ? 'an' : 'a'} ${e.type} after the close at seq ${closeSeq}`, [l.seq]);
    if (e.type === 'extension') {
      closes = checkExtension(step, l, closes);
      continue;
    }
    if (e.type === 'proxy') {
      proxies.check(step, l);
      continue;
    }
    if ((isCounted(e) || e.type === 'ballot_rejected' || e.type === 'ballot_superseded') && !(isStr(e.matter) && matterKeys.has(e.matter))) {
      step.fail(`${at}: matter ${show(e.matter)} is not a matter of this vote`, [l.seq]);
      continue;
    }
    if (e.type === 'ballot_rejected') {
      if (!isStr(e.reason) || e.reason.trim() === '') step.fail(`${at}: a rejected ballot without a reason`, [l.seq]);
      // A refused ballot of a proxy holder may name the proxy it relied on: it must be one.
      if ('proxy' in e) {
        const ref = e.proxy;
        if (!(isCount(ref) && ref < l.seq && lines[ref].entry?.type === 'proxy')) step.fail(`${at}: proxy ${show(ref)} is not the seq of an earlier proxy entry`, [l.seq]);
      }
      continue;
    }
    if (e.type === 'ballot_superseded') {
      markers.push(l);
      continue;
    }
    if (!isCounted(e)) continue;
    if (e.type === 'paper_ballot') {
      const shapeOk = isStr(e.party) && isObj(e.weights) && (e.channel === 'paper' || e.channel === 'proxy') && isStr(e.nonce);
      if (!shapeOk) step.fail(`${at}: a paper ballot needs party, weights, channel "paper" and nonce (channel "proxy" when a proxy holder signed it)`, [l.seq]);
      checkPaper(step, l, finalClose);
    } else {
      const shapeOk = isStr(e.party) && isObj(e.weights) && isStr(e.channel) && isStr(e.nonce) && isStr(e.token);
      if (!shapeOk) step.fail(`${at}: a ballot needs party, weights, channel, nonce and token`, [l.seq]);
    }
    // A proxy holder's ballot names the principal's proxy entry; no other ballot names one.
    if (e.channel === 'proxy') {
      const ref = e.proxy;
      const target = isCount(ref) && ref < l.seq ? lines[ref].entry : null;
      if (!target || target.type !== 'proxy' || !isStr(e.party) || target.party !== e.party) {
        step.fail(`${at}: a proxy ballot of party ${show(e.party)} needs "proxy", the seq of an earlier proxy entry of that party, not ${show(ref)}`, [l.seq]);
      }
    } else if ('proxy' in e) {
      step.fail(`${at}: a ballot on channel ${show(e.channel)} names a proxy (${show(e.proxy)}); only channel "proxy" may`, [l.seq]);
    }
    if (sealed) {
      const c = isStr(e.commit) ? decodeBase64Strict(e.commit) : null;
      if ('choice' in e) step.fail(`${at}: sealed mode, yet the ballot shows its choice`, [l.seq]);
      if (!c || c.length !== 32) step.fail(`${at}: sealed mode needs a base64 SHA-256 commit`, [l.seq]);
    } else {
      if ('commit' in e) step.fail(`${at}: open mode, yet the ballot carries a commit`, [l.seq]);
      if (!isStr(e.choice)) step.fail(`${at}: open mode needs the choice`, [l.seq]);
    }
    // One submission writes one ballot per matter, all with its nonce; the box refuses a nonce it
    // has seen (ballot_rejected, "replayed submission"). Two ballots (online or paper) with one
    // nonce on one matter are therefore a replay that was counted, whatever the revision rule.
    if (isStr(e.nonce)) {
      const key = `${e.matter as string}\u0000${e.nonce}`;
      const first = byNonce.get(key);
      if (first === undefined) byNonce.set(key, l.seq);
      else step.fail(`seq ${l.seq}: replays seq ${first} (the same nonce ${show(e.nonce)} on matter ${e.matter as string}): a replayed submission must be refused, not counted`, [first, l.seq]);
    }
    if (!isStr(e.party)) continue;
    const voter = `${e.matter as string}\u0000${e.party}`;
    const seqs = byVoter.get(voter);
    if (seqs) seqs.push(l.seq);
    else byVoter.set(voter, [l.seq]);
  }

  const describe = (voter: string) => {
    const [matter, party] = voter.split('\u0000');
    return `party ${party} on matter ${matter}`;
  };
  if (revision === 'final') {
    // Under owner_wins (§4.3) one replacement is allowed: the owner's own ballot after their proxy
    // holder's, with a marker between them. Anything else superseded under "final" fails.
    const ownerWins = proxyOverrideOf(manifest) === 'owner_wins';
    const channelAt = (seq: number) => lines[seq]?.entry?.channel;
    const allowed = new Map<number, number>(); // superseded proxy ballot → marker
    for (const m of markers) {
      const e = m.entry!;
      const target = e.superseded_seq;
      const t = isCount(target) && target < m.seq ? lines[target].entry : null;
      const ok = ownerWins && !!t && isCounted(t) && t.matter === e.matter && t.party === e.party && t.channel === 'proxy' && !allowed.has(target as number);
      if (!ok) {
        step.fail(
          ownerWins
            ? `seq ${m.seq}: under "final" a ballot may be superseded only when it is the proxy holder's and the owner votes themselves (superseded_seq ${show(target)})`
            : `seq ${m.seq}: ballot_superseded under the "final" revision rule`,
          [m.seq],
        );
        continue;
      }
      allowed.set(target as number, m.seq);
    }
    const used = new Set<number>();
    for (const [voter, seqs] of byVoter) {
      seqs.slice(1).forEach((extra, i) => {
        const before = seqs[i]!;
        const marker = allowed.get(before);
        if (i === 0 && marker !== undefined && marker < extra && channelAt(extra) !== 'proxy') {
          used.add(marker);
          return;
        }
        step.fail(`seq ${extra}: a second ballot of ${describe(voter)} (the first is seq ${seqs[0]}); under "final" only one may be in the box`, [extra]);
      });
    }
    for (const [target, marker] of allowed) {
      if (!used.has(marker)) step.fail(`seq ${marker}: supersedes the proxy ballot seq ${target}, but no ballot of the owner replaces it right after`, [marker]);
    }
    return;
  }

  // last_counts: every replaced ballot is marked superseded between it and its replacement.
  for (const m of markers) {
    const e = m.entry!;
    const target = e.superseded_seq;
    const t = isCount(target) && target < lines.length ? lines[target].entry : null;
    if (!t || !isCounted(t) || t.matter !== e.matter || t.party !== e.party || (target as number) >= m.seq) {
      step.fail(`seq ${m.seq}: superseded_seq ${show(target)} is not an earlier ballot of party ${show(e.party)} on matter ${show(e.matter)}`, [m.seq]);
      continue;
    }
    if (supersedes.has(target as number)) step.fail(`seq ${m.seq}: seq ${target} was already superseded at seq ${supersedes.get(target as number)}`, [m.seq]);
    else supersedes.set(target as number, m.seq);
  }
  for (const [voter, seqs] of byVoter) {
    seqs.forEach((seq, i) => {
      const marker = supersedes.get(seq);
      const next = seqs[i + 1];
      if (next === undefined) {
        if (marker !== undefined) step.fail(`seq ${marker}: supersedes seq ${seq}, but no later ballot of ${describe(voter)} replaces it`, [marker]);
        return;
      }
      if (marker === undefined) step.fail(`seq ${next}: a second ballot of ${describe(voter)} without marking seq ${seq} superseded`, [next]);
      else if (marker > next) step.fail(`seq ${marker}: marks seq ${seq} superseded only after its replacement seq ${next}`, [marker]);
    });
  }
}

/** The vote's rule for an owner voting after their proxy holder (manifest `rules.proxyOverride`; absent: `first_valid`). */
function proxyOverrideOf(manifest: Manifest): 'owner_wins' | 'first_valid' {
  const r = manifest.raw.rules;
  return isObj(r) && r.proxyOverride === 'owner_wins' ? 'owner_wins' : 'first_valid';
}

/**
 * V12 — credentials (§4.5). Every `credential`, `revocation` and `objection` entry is well-formed,
 * and every counted ballot was cast with a credential of its own party that the log listed before
 * it, of a kind its channel allows, not revoked before it; paper ballots also name the two clerks'
 * credentials. Under owner_wins a proxy holder's ballot after the owner's own fails (the owner's
 * ballot ended the proxy).
 */
function checkCredentials(step: Step, manifest: Manifest, lines: Line[], roster: ReadonlyMap<string, RosterParty> | null): void {
  const creds = new Map<number, Obj>();
  /** Credential seq → seq of the entry that revoked it. */
  const revokedAt = new Map<number, number>();
  const ownerWins = proxyOverrideOf(manifest) === 'owner_wins';
  /** Party → seq of its first counted ballot on a channel other than proxy. */
  const ownerVoted = new Map<string, number>();
  let closeSeq: number | null = null;
  const inRoster = (p: unknown) => isStr(p) && (!roster || roster.has(p));
  const revoke = (target: unknown, by: number, at: string) => {
    if (!(isCount(target) && target < by && creds.has(target))) {
      step.fail(`${at}: revokes ${show(target)}, which is not the seq of an earlier credential entry`, [by]);
      return;
    }
    if (revokedAt.has(target)) step.fail(`${at}: revokes seq ${target}, already revoked at seq ${revokedAt.get(target)}`, [by]);
    else revokedAt.set(target, by);
  };
  /** The credential at `ref` as a ballot at `seq` may use it, or why not. */
  const usable = (ref: unknown, seq: number): { cred: Obj; seq: number } | string => {
    if (!isCount(ref) || ref >= seq || !creds.has(ref)) return `names credential ${show(ref)}, which is not the seq of an earlier credential entry`;
    const by = revokedAt.get(ref);
    if (by !== undefined && by < seq) return `was cast with credential seq ${ref}, revoked at seq ${by}`;
    return { cred: creds.get(ref)!, seq: ref };
  };
  for (const l of lines) {
    const e = l.entry;
    if (!e || !isStr(e.type)) continue;
    const at = `seq ${l.seq}`;
    if (e.type === 'close') closeSeq ??= l.seq;
    if (e.type === 'credential') {
      if (closeSeq !== null) step.fail(`${at}: a credential after the close at seq ${closeSeq}`, [l.seq]);
      if (!isCredentialKind(e.kind)) step.fail(`${at}: kind ${show(e.kind)} is not a credential kind`, [l.seq]);
      if (!(isStr(e.issuer) && ISSUER_REF.test(e.issuer))) step.fail(`${at}: issuer ${show(e.issuer)} is not "<role>:<16 base32>" or "unknown"`, [l.seq]);
      if (!(isStr(e.created_at) && parseInstant(e.created_at))) step.fail(`${at}: created_at ${show(e.created_at)} is not a time`, [l.seq]);
      if (isPartyKind(e.kind)) {
        if (!inRoster(e.party)) step.fail(`${at}: a ${e.kind} credential for party ${show(e.party)}, which is not in the roster`, [l.seq]);
        if ('holder' in e) step.fail(`${at}: a party's credential names no holder`, [l.seq]);
      } else if (isCredentialKind(e.kind)) {
        if ('party' in e) step.fail(`${at}: a ${e.kind} credential is staff's and names no party`, [l.seq]);
        if (!(isStr(e.holder) && OPAQUE_REF.test(e.holder))) step.fail(`${at}: holder ${show(e.holder)} is not 16 symbols of base32`, [l.seq]);
      }
      if (e.kind === 'proxy') {
        const t = isCount(e.proxy) && e.proxy < l.seq ? lines[e.proxy].entry : null;
        if (!t || t.type !== 'proxy' || t.party !== e.party) step.fail(`${at}: a proxy credential needs "proxy", the seq of an earlier proxy entry of party ${show(e.party)}, not ${show(e.proxy)}`, [l.seq]);
      } else if ('proxy' in e) step.fail(`${at}: only a proxy credential names a proxy entry`, [l.seq]);
      if ('revokes' in e) {
        revoke(e.revokes, l.seq, at);
        const old = isCount(e.revokes) ? creds.get(e.revokes) : undefined;
        if (old && (old.party !== e.party || old.holder !== e.holder)) step.fail(`${at}: replaces seq ${e.revokes as number}, a credential of another party or holder`, [l.seq]);
      }
      if (e.kind === 'letter_reissue') {
        const old = isCount(e.revokes) ? creds.get(e.revokes) : undefined;
        if (!old || (old.kind !== 'letter' && old.kind !== 'letter_reissue')) step.fail(`${at}: a reissued letter must revoke the party's earlier letter ("revokes"), not ${show(e.revokes)}`, [l.seq]);
      }
      creds.set(l.seq, e);
      continue;
    }
    if (e.type === 'revocation') {
      if (closeSeq !== null) step.fail(`${at}: a revocation after the close at seq ${closeSeq}`, [l.seq]);
      if (!isStr(e.reason) || e.reason.trim() === '') step.fail(`${at}: a revocation without a reason`, [l.seq]);
      revoke(e.credential, l.seq, at);
      continue;
    }
    if (e.type === 'objection') {
      if (!inRoster(e.party)) step.fail(`${at}: an objection for party ${show(e.party)}, which is not in the roster`, [l.seq]);
      const disputes = e.disputes;
      if (!Array.isArray(disputes) || !disputes.every((d) => isCount(d) && d < l.seq && isCounted(lines[d].entry) && lines[d].entry!.party === e.party)) {
        step.fail(`${at}: "disputes" must list earlier ballots of party ${show(e.party)}, not ${show(disputes)}`, [l.seq]);
      }
      continue;
    }
    const counted = isCounted(e);
    if (!counted && !(e.type === 'ballot_rejected' && 'credential' in e)) continue;
    const got = usable(e.credential, l.seq);
    if (typeof got === 'string') {
      if (counted) step.fail(`${at}: ${'credential' in e ? got : 'names no credential'}`, [l.seq]);
      else if (!isCount(e.credential) || !creds.has(e.credential)) step.fail(`${at}: ${got}`, [l.seq]);
    } else if (counted) {
      const channel = (e.type === 'paper_ballot' && e.channel !== 'proxy' ? 'paper' : e.channel) as keyof typeof KINDS_FOR_CHANNEL;
      // Own keys only: a channel such as "constructor" must fail here, not reach Object.prototype.
      const kinds = isStr(channel) && Object.hasOwn(KINDS_FOR_CHANNEL, channel) ? (KINDS_FOR_CHANNEL[channel] as readonly unknown[]) : undefined;
      if (got.cred.party !== e.party) step.fail(`${at}: was cast for party ${show(e.party)} with credential seq ${got.seq} of party ${show(got.cred.party)}`, [l.seq]);
      else if (!kinds || !kinds.includes(got.cred.kind)) step.fail(`${at}: a ${e.type === 'paper_ballot' ? 'paper ' : ''}ballot on channel ${show(e.channel)} cannot be cast with a ${show(got.cred.kind)} credential (seq ${got.seq})`, [l.seq]);
      else if (got.cred.kind === 'proxy' && got.cred.proxy !== e.proxy) step.fail(`${at}: names proxy ${show(e.proxy)} but its credential (seq ${got.seq}) was issued under proxy ${show(got.cred.proxy)}`, [l.seq]);
    }
    if (!counted || !isStr(e.party)) continue;
    if (e.type === 'paper_ballot') {
      const refs = e.clerk_credentials;
      const clerks = Array.isArray(e.clerks) ? e.clerks : [];
      if (!Array.isArray(refs) || refs.length !== 2 || refs[0] === refs[1]) {
        step.fail(`${at}: a paper ballot needs "clerk_credentials": the seqs of the two clerks' credentials, not ${show(refs)}`, [l.seq]);
      } else {
        refs.forEach((ref, i) => {
          const c = usable(ref, l.seq);
          if (typeof c === 'string') step.fail(`${at}: clerk ${i + 1} ${c}`, [l.seq]);
          else if (c.cred.kind !== 'clerk') step.fail(`${at}: clerk ${i + 1}'s credential seq ${c.seq} is a ${show(c.cred.kind)} credential, not a clerk's`, [l.seq]);
          else if (c.cred.holder !== clerks[i]) step.fail(`${at}: clerk ${show(clerks[i])} is not the holder of credential seq ${c.seq} (${show(c.cred.holder)})`, [l.seq]);
        });
      }
    }
    if (ownerWins && e.channel === 'proxy' && ownerVoted.has(e.party)) {
      step.fail(`${at}: a proxy holder's ballot after the owner's own ballot at seq ${ownerVoted.get(e.party)}, which ended the proxy (rules.proxyOverride "owner_wins")`, [l.seq]);
    }
    if (e.channel !== 'proxy' && !ownerVoted.has(e.party)) ownerVoted.set(e.party, l.seq);
  }
}

/**
 * V13 — participation.jsonl: exactly the lines §11 derives from the log and the roster (every
 * party with a counted ballot, roster order, its parts, channels and first ballot). Required when
 * the manifest declares credentials; checked whenever present.
 */
function checkParticipation(step: Step, required: boolean, bytes: Uint8Array | null, lines: Line[], roster: RosterParty[] | null): void {
  if (!bytes) {
    if (required) step.fail('participation.jsonl is missing');
    else step.skip('no participation.jsonl (a log from before the participation list)', true);
    return;
  }
  if (!roster) {
    step.skip('cannot check: the roster is unusable (see V8)');
    return;
  }
  const want = participationOf(castBallotsOf(lines.map((l) => l.entry)), roster.map((p) => ({ party: p.party, parts: p.parts }))).map((l) => ({ line: canonicalize(l as unknown as Json), seq: l.seq }));
  const text = utf8(bytes);
  if (text === null) {
    step.fail('participation.jsonl is not UTF-8');
    return;
  }
  if (text.length > 0 && !text.endsWith('\n')) step.fail('participation.jsonl does not end with a newline');
  const got = text.length ? text.replace(/\n$/, '').split('\n') : [];
  // Compared as sets of exact lines, then as a sequence: a missing or altered household names
  // its first ballot; a line the log does not support names its line number.
  const gotSet = new Set(got);
  const wantSet = new Set(want.map((w) => w.line));
  for (const w of want) if (!gotSet.has(w.line)) step.fail(`participation.jsonl lacks ${w.line} (the household of seq ${w.seq})`, [w.seq]);
  got.forEach((line, i) => {
    if (!wantSet.has(line)) step.fail(`participation.jsonl line ${i + 1}: ${line} does not follow from the log`);
  });
  if (step.ok && got.join('\n') !== want.map((w) => w.line).join('\n')) step.fail('participation.jsonl is not in roster order, or repeats a line');
}

/**
 * The end of the voting window at some point of the log: the manifest's `window.closes_at`, or
 * the `closes_at` of the last `extension` entry so far whose `closes_at` is a time (§4.4).
 */
interface WindowEnd {
  text: string | null;
  /** Null when `text` is missing or not a time. */
  at: Instant | null;
  /** Seq of the extension that set it; null for the manifest's. */
  extendedAt: number | null;
}

/** Moves `end` past every extension of the log: the effective close time after all of them. */
function effectiveClose(lines: Line[], end: WindowEnd): WindowEnd {
  let out = end;
  for (const l of lines) {
    const e = l.entry;
    if (e?.type !== 'extension' || !isStr(e.closes_at)) continue;
    const at = parseInstant(e.closes_at);
    if (at) out = { text: e.closes_at, at, extendedAt: l.seq };
  }
  return out;
}

const describeEnd = (end: WindowEnd) => (end.extendedAt === null ? `the manifest's window.closes_at ${show(end.text)}` : `closes_at ${show(end.text)} of the extension at seq ${end.extendedAt}`);

/**
 * An `extension` entry continues from the window's current end (`previous_closes_at`, compared as
 * an instant) and moves it strictly later; returns the window's end after it. An extension that
 * fails still moves the end when its `closes_at` is a time (a fixed rule, so verifiers agree).
 */
function checkExtension(step: Step, l: Line, before: WindowEnd): WindowEnd {
  const e = l.entry!;
  const at = `seq ${l.seq}`;
  if (!isStr(e.reason) || e.reason.trim() === '') step.fail(`${at}: an extension without a reason`, [l.seq]);
  const closes = isStr(e.closes_at) ? parseInstant(e.closes_at) : null;
  const previous = isStr(e.previous_closes_at) ? parseInstant(e.previous_closes_at) : null;
  if (closes === null) step.fail(`${at}: the extension's closes_at ${show(e.closes_at)} is not a time`, [l.seq]);
  if (previous === null) step.fail(`${at}: the extension's previous_closes_at ${show(e.previous_closes_at)} is not a time`, [l.seq]);
  if (before.at === null) {
    step.fail(`${at}: cannot check the extension: ${describeEnd(before)} is not a time`, [l.seq]);
  } else if (previous !== null && compareInstants(previous, before.at) !== 0) {
    step.fail(`${at}: the extension replaces the window's end ${e.previous_closes_at as string}, but the window then ended at ${before.text as string} (${describeEnd(before)})`, [l.seq]);
  }
  if (closes !== null && previous !== null && compareInstants(closes, previous) <= 0) {
    step.fail(`${at}: the extension moves the window's end from ${e.previous_closes_at as string} to ${e.closes_at as string}, which is not later`, [l.seq]);
  }
  return closes === null ? before : { text: e.closes_at as string, at: closes, extendedAt: l.seq };
}

/** Proxy holders' ids: 16 symbols of RFC 4648 base32, no padding. */
const HOLDER = /^[A-Z2-7]{16}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The `proxy` entries (§4.3): allowed by the manifest's `rules.proxies`, a roster party each, at
 * most one per party, and at most `cap` distinct parties per holder.
 */
class ProxyRules {
  private readonly allowed: boolean | null;
  private readonly cap: number | null;
  private readonly byParty = new Map<string, number>();
  private readonly byHolder = new Map<string, Set<string>>();
  constructor(
    rules: unknown,
    private readonly roster: ReadonlyMap<string, RosterParty> | null,
  ) {
    const p = isObj(rules) ? rules.proxies : undefined;
    const ok = isObj(p) && typeof p.allowed === 'boolean' && isCount(p.cap);
    this.allowed = ok ? (p.allowed as boolean) : null;
    this.cap = ok ? (p.cap as number) : null;
  }
  check(step: Step, l: Line): void {
    const e = l.entry!;
    const at = `seq ${l.seq}`;
    if (this.allowed === null) step.fail(`${at}: a proxy, but the manifest's rules.proxies is not {allowed: boolean, cap: integer}: it cannot be checked`, [l.seq]);
    else if (!this.allowed) step.fail(`${at}: a proxy, but this vote's rules do not allow proxies (rules.proxies.allowed is false)`, [l.seq]);
    if (!isStr(e.party)) step.fail(`${at}: a proxy needs the party it represents, not ${show(e.party)}`, [l.seq]);
    else if (this.roster && !this.roster.has(e.party)) step.fail(`${at}: a proxy for party ${show(e.party)}, which is not in the roster`, [l.seq]);
    if (!(isStr(e.holder) && HOLDER.test(e.holder))) step.fail(`${at}: holder ${show(e.holder)} is not 16 symbols of base32 (A–Z, 2–7)`, [l.seq]);
    if (!(isStr(e.authorization_sha256) && SHA256_HEX.test(e.authorization_sha256))) {
      step.fail(`${at}: authorization_sha256 ${show(e.authorization_sha256)} is not a SHA-256 in 64 lowercase hex digits`, [l.seq]);
    }
    if (!isStr(e.party)) return;
    const first = this.byParty.get(e.party);
    if (first !== undefined) step.fail(`${at}: a second proxy for party ${e.party} (the first is seq ${first})`, [l.seq]);
    else this.byParty.set(e.party, l.seq);
    if (!isStr(e.holder)) return;
    const held = this.byHolder.get(e.holder) ?? new Set<string>();
    this.byHolder.set(e.holder, held);
    if (held.has(e.party)) return;
    held.add(e.party);
    if (this.cap !== null && held.size > this.cap) {
      step.fail(`${at}: holder ${e.holder} now holds proxies for ${held.size} parties (${[...held].join(', ')}), more than the cap of ${this.cap}`, [l.seq]);
    }
  }
}

/**
 * What a `paper_ballot` carries besides a ballot's fields: the two clerks who entered it
 * independently, the SHA-256 of the signed paper's scan, and when it was received — not after
 * the window's end (the manifest's, or as extended; a letter received later is refused, not counted).
 */
function checkPaper(step: Step, l: Line, closes: WindowEnd): void {
  const e = l.entry!;
  const at = `seq ${l.seq}`;
  const clerks = e.clerks;
  const clerksOk = Array.isArray(clerks) && clerks.length === 2 && clerks.every((c) => isStr(c) && c.trim() !== '') && clerks[0] !== clerks[1];
  if (!clerksOk) step.fail(`${at}: a paper ballot needs "clerks": the ids of the two different clerks who entered it, not ${show(clerks)}`, [l.seq]);
  if (!(isStr(e.scan_sha256) && SHA256_HEX.test(e.scan_sha256))) {
    step.fail(`${at}: scan_sha256 ${show(e.scan_sha256)} is not a SHA-256 in 64 lowercase hex digits`, [l.seq]);
  }
  const received = isStr(e.received_at) ? parseInstant(e.received_at) : null;
  if (received === null) step.fail(`${at}: received_at ${show(e.received_at)} is not a time (YYYY-MM-DDTHH:MM:SS[.fff] and Z or ±HH:MM)`, [l.seq]);
  else if (closes.at === null) step.fail(`${at}: cannot check when the paper ballot was received: the manifest's window.closes_at ${show(closes.text)} is not a time`, [l.seq]);
  else if (compareInstants(received, closes.at) > 0) {
    const extended = closes.extendedAt === null ? '' : ` (as extended at seq ${closes.extendedAt})`;
    step.fail(`${at}: a paper ballot received at ${e.received_at as string}, after the window closed at ${closes.text as string}${extended}: it must be refused, not counted`, [l.seq]);
  }
}

// ---------------------------------------------------------------------------------------------
// V11

function checkOpenings(step: Step, bytes: Uint8Array, lines: Line[], opened: Map<number, string>): void {
  const text = utf8(bytes);
  if (text === null) {
    step.fail('openings.jsonl is not UTF-8');
    return;
  }
  const seen = new Set<number>();
  const rows = text.length ? text.replace(/\n$/, '').split('\n') : [];
  for (const [i, row] of rows.entries()) {
    const where = `openings.jsonl line ${i + 1}`;
    const o = parseJson(row);
    if (!isObj(o) || !isCount(o.seq) || !isStr(o.matter) || !isStr(o.party) || !isStr(o.choice) || !isStr(o.salt)) {
      step.fail(`${where}: expected {seq, matter, party, choice, salt}`);
      continue;
    }
    const seq = o.seq;
    if (seen.has(seq)) {
      step.fail(`seq ${seq}: opened twice (${where})`, [seq]);
      continue;
    }
    seen.add(seq);
    const e = seq < lines.length ? lines[seq].entry : null;
    if (!e || !isCounted(e) || !isStr(e.commit)) {
      step.fail(`seq ${seq}: ${where} opens an entry that is not a sealed ballot`, [seq]);
      continue;
    }
    if (e.matter !== o.matter || e.party !== o.party) {
      step.fail(`seq ${seq}: the opening names matter ${o.matter} / party ${o.party}, the ballot ${show(e.matter)} / ${show(e.party)}`, [seq]);
      continue;
    }
    const salt = decodeBase64Strict(o.salt);
    if (!salt || salt.length !== SALT_BYTES) {
      step.fail(`seq ${seq}: the salt is not ${SALT_BYTES} bytes of base64`, [seq]);
      continue;
    }
    if (commitment(e.log as string, o.matter, o.party, o.choice, salt) !== e.commit) {
      step.fail(`seq ${seq}: the commitment does not open to the choice ${show(o.choice)} with the given salt`, [seq]);
      continue;
    }
    opened.set(seq, o.choice);
  }
  for (const l of lines) {
    if (l.entry && isCounted(l.entry) && isStr(l.entry.commit) && !seen.has(l.seq)) step.fail(`seq ${l.seq}: no opening for this sealed ballot`, [l.seq]);
  }
}

// ---------------------------------------------------------------------------------------------
// V10

function electorateOf(roster: RosterParty[]): Electorate {
  return electorateFrom(roster.map((p) => ({ ref: p.party, partIds: [...p.parts], areaCents: p.area_cents, developer: p.developer, owners: [] })));
}

/** Area string "123.45" (formatAreaCents) → cents; NaN if malformed. */
function cents(area: unknown): number {
  const m = isStr(area) ? /^(-?)([0-9]+)\.([0-9]{2})$/.exec(area) : null;
  if (!m) return Number.NaN;
  return (m[1] ? -1 : 1) * (Number(m[2]) * 100 + Number(m[3]));
}

const weightOf = (w: unknown): { parties: number; area: number } =>
  isObj(w) && isCount(w.parties) ? { parties: w.parties, area: cents(w.area) } : { parties: Number.NaN, area: Number.NaN };

/** Top-level keys where two contract results differ, for a readable message. */
function differingKeys(a: unknown, b: unknown): string[] {
  const ao = isObj(a) ? a : {};
  const bo = isObj(b) ? b : {};
  const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
  return keys.filter((k) => canon(ao[k]) !== canon(bo[k]));
}

function canon(v: unknown): string {
  try {
    return v === undefined ? 'undefined' : canonicalize(v as Json);
  } catch {
    return 'uncanonicalizable';
  }
}

function checkTally(
  step: Step,
  manifest: Manifest,
  roster: RosterParty[],
  lines: Line[],
  tallyJsonBytes: Uint8Array | null,
  openings: Map<number, string> | null,
): RecountSummary | undefined {
  let electorate: Electorate;
  try {
    electorate = electorateOf(roster);
  } catch (err) {
    step.fail(`the roster cannot form an electorate: ${(err as Error).message}`);
    return undefined;
  }
  const sealed = manifest.rules.secrecy === 'sealed';
  const full = !sealed || openings !== null;
  const rosterById = new Map(roster.map((p) => [p.party, p]));
  // Online and paper ballots go into one box, in seq order (§10.1).
  const ballots = lines.filter((l) => l.entry && isCounted(l.entry) && isStr(l.entry.matter));

  if (sealed && openings) {
    const missing = ballots.filter((l) => !openings.has(l.seq)).map((l) => l.seq);
    if (missing.length) step.fail(`the choices of ${missing.length} sealed ballot(s) are unknown (no opening that opens, see V11): seq ${missing.join(', ')}`, missing);
  }
  if (!full) step.note('sealed mode without openings: electorate and participation recomputed from the weights; the choices need openings');

  // 送达: the `close` entry lists the parties served with the ballot letter (non-voter rule only).
  const closeEntry = lines.find((l) => l.entry?.type === 'close')?.entry;
  const servedList = closeEntry && Array.isArray(closeEntry.served) ? (closeEntry.served as unknown[]).filter(isStr) : [];
  const servedParts = new Set(servedList.flatMap((id) => rosterById.get(id)?.parts ?? []));

  /** The engine's result for one matter over the ballots before `before`. */
  const countMatter = (matter: ManifestMatter, before: number): { result: TallyResult; contract: ContractResult } | string => {
    const rules = rulesFor(manifest, matter);
    const input: BallotInput[] = [];
    for (const l of ballots) {
      const e = l.entry!;
      if (l.seq >= before || e.matter !== matter.key) continue;
      const party = isStr(e.party) ? rosterById.get(e.party) : undefined;
      // A ballot only identifies its party; a party missing from the roster gets a part id no
      // roster can hold, so the engine rejects it as an unknown part.
      const partId = party ? party.parts[0] : `\u0000not in roster: ${String(e.party)}`;
      const choice = !sealed ? e.choice : openings ? openings.get(l.seq) : 'abstain';
      if (!isStr(choice)) continue;
      // Without openings the choice is a placeholder every matter accepts: turnout only.
      // A proxy holder's ballot (online or paper) is channel 'proxy'; the engine counts channels alike.
      const channel = e.channel === 'proxy' ? 'proxy' : e.type === 'paper_ballot' ? 'paper' : isStr(e.channel) ? e.channel : 'online';
      input.push({ seq: l.seq, partId, channel: channel as BallotInput['channel'], choice });
    }
    try {
      const result = tally(electorate, input, rules, servedParts, { proxyOverride: proxyOverrideOf(manifest) });
      return { result, contract: toContractJson(result, rules) };
    } catch (err) {
      return `the engine refused the ballots of matter ${matter.key}: ${(err as Error).message}`;
    }
  };
  // The same ballots give the same count: the summary and a tally entry written after the last
  // ballot (as every closed log has it) recount the same box, so each box is counted once. A
  // million-entry log made this the largest part of the recount. Results are only read, never changed.
  const counted = new Map<string, ReturnType<typeof countMatter>>();
  const recountMatter = (matter: ManifestMatter, before: number): ReturnType<typeof countMatter> => {
    let lo = 0;
    let hi = ballots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ballots[mid].seq < before) lo = mid + 1;
      else hi = mid;
    }
    const key = `${matter.key}\u0000${lo}`;
    let r = counted.get(key);
    if (r === undefined) counted.set(key, (r = countMatter(matter, before)));
    return r;
  };

  const tallies = lines.filter((l) => l.entry?.type === 'tally');
  const summary: RecountSummary = { mode: full ? 'full' : 'weights_only', matters: {} };
  for (const matter of manifest.matters) {
    const r = recountMatter(matter, Number.POSITIVE_INFINITY);
    if (typeof r === 'string') continue;
    summary.matters[matter.key] = full
      ? JSON.parse(JSON.stringify(r.contract))
      : { electorate: r.contract.electorate, counted_ballots: r.contract.participation, rejected_ballots: r.contract.rejected_ballots };
  }

  // Consent of the owners of occupied parts (§10.5): required of every non-consultation matter.
  const occupied = new Set(manifest.occupiedParts);
  const required = [...new Set(roster.filter((p) => p.parts.some((id) => occupied.has(id))).map((p) => p.party))];
  const rosterIndex = new Map(roster.map((p, i) => [p.party, i]));
  const consentMatters = occupied.size === 0 ? [] : manifest.matters.filter((m) => m.category !== 'consultation');
  const inRosterOrder = (ids: Iterable<string>) => [...new Set(ids)].sort((a, b) => rosterIndex.get(a)! - rosterIndex.get(b)!);
  /** The consent of one matter from its recount: the required parties whose effective ballot is "yes". */
  const consentOf = (result: TallyResult) => {
    const yes = new Set(result.counted.filter((b) => b.choice === 'yes').map((b) => b.partyRef));
    const given = required.filter((p) => yes.has(p));
    return { given, required, satisfied: required.every((p) => given.includes(p)) };
  };
  if (consentMatters.length) {
    summary.consent = {};
    for (const matter of consentMatters) {
      const r = recountMatter(matter, Number.POSITIVE_INFINITY);
      if (typeof r !== 'string') summary.consent[matter.key] = full ? consentOf(r.result) : { required };
    }
  }
  const checkConsent = (t: Line) => {
    const e = t.entry!;
    const at = `seq ${t.seq}`;
    if (!consentMatters.length) {
      if ('consent' in e) step.fail(`${at}: the tally entry carries consent, but the manifest lists no occupied parts`, [t.seq]);
      return;
    }
    const consent = e.consent;
    if (!isObj(consent)) {
      step.fail(`${at}: the manifest lists occupied parts, but the tally entry has no consent object`, [t.seq]);
      return;
    }
    const keys = consentMatters.map((m) => m.key);
    const extra = Object.keys(consent).filter((k) => !keys.includes(k));
    if (extra.length) step.fail(`${at}: consent for matters that need none or are not in the manifest: ${extra.join(', ')}`, [t.seq]);
    for (const matter of consentMatters) {
      const claimed = consent[matter.key];
      if (!isObj(claimed)) {
        step.fail(`${at}: no consent for matter ${matter.key}`, [t.seq]);
        continue;
      }
      const r = recountMatter(matter, t.seq);
      if (typeof r === 'string') continue; // the result check reports it
      if (full) {
        const want = consentOf(r.result);
        if (canon(want) !== canon(claimed)) {
          step.fail(`${at}: matter ${matter.key}: the consent differs from the recount (${differingKeys(want, claimed).join(', ')}): recounted ${canon(want)}`, [t.seq]);
        }
        continue;
      }
      // Choices sealed: what the roster and the turnout alone decide.
      const where = `${at}: matter ${matter.key}: consent`;
      const odd = Object.keys(claimed).filter((k) => !['given', 'required', 'satisfied'].includes(k));
      if (odd.length) step.fail(`${where} has unexpected keys ${odd.join(', ')}`, [t.seq]);
      if (canon(claimed.required) !== canon(required)) step.fail(`${where}: required ${canon(claimed.required)} is not ${canon(required)} (the parties holding occupied parts)`, [t.seq]);
      const voted = new Set(r.result.counted.map((b) => b.partyRef));
      const given = claimed.given;
      const givenOk =
        Array.isArray(given) &&
        given.every((p) => isStr(p) && voted.has(p) && required.includes(p)) &&
        given.every((p, i) => i === 0 || rosterIndex.get(p as string)! > rosterIndex.get(given[i - 1] as string)!);
      if (!givenOk) step.fail(`${where}: given ${canon(given)} must list, in roster order and once each, required parties with a counted ballot on the matter`, [t.seq]);
      else if (claimed.satisfied !== required.every((p) => given.includes(p))) {
        step.fail(`${where}: satisfied ${show(claimed.satisfied)} does not follow from given and required`, [t.seq]);
      }
    }
  };

  for (const t of tallies) {
    const e = t.entry!;
    const at = `seq ${t.seq}`;
    checkConsent(t);
    if (!isStr(e.engine)) step.fail(`${at}: the tally entry does not name its engine`, [t.seq]);
    else step.note(`${at}: tally by ${e.engine}, stage ${show(e.stage)}`);
    const results = e.results;
    if (!isObj(results)) {
      step.fail(`${at}: the tally entry has no results`, [t.seq]);
      continue;
    }
    const keys = manifest.matters.map((m) => m.key);
    const extra = Object.keys(results).filter((k) => !keys.includes(k));
    if (extra.length) step.fail(`${at}: results for matters not in the manifest: ${extra.join(', ')}`, [t.seq]);
    for (const matter of manifest.matters) {
      const claimed = results[matter.key];
      if (!isObj(claimed)) {
        step.fail(`${at}: no result for matter ${matter.key}`, [t.seq]);
        continue;
      }
      const r = recountMatter(matter, t.seq);
      if (typeof r === 'string') {
        step.fail(`${at}: ${r}`, [t.seq]);
        continue;
      }
      if (full) {
        const diff = differingKeys(JSON.parse(JSON.stringify(r.contract)), claimed);
        if (diff.length) step.fail(`${at}: matter ${matter.key}: the recount differs in ${diff.join(', ')}`, [t.seq]);
      } else {
        for (const p of weightsOnly(r.contract, claimed, manifest.rules.spoilt)) step.fail(`${at}: matter ${matter.key}: ${p}`, [t.seq]);
      }
    }
  }

  const last = tallies[tallies.length - 1];
  if (!tallyJsonBytes) {
    if (last) step.fail(`tally.json is missing, but the log has a tally entry (seq ${last.seq})`, [last.seq]);
  } else {
    const text = utf8(tallyJsonBytes);
    const json = text === null ? undefined : parseJson(text);
    if (!isObj(json) || !isObj(json.matters)) step.fail('tally.json is not {"matters": {…}}');
    else if (!last) step.fail('tally.json exists, but the log has no tally entry');
    else {
      if (canon(json.matters) !== canon(last.entry!.results)) {
        step.fail(`tally.json differs from the tally entry (seq ${last.seq}) in matter(s) ${differingKeys(json.matters, last.entry!.results).join(', ')}`, [last.seq]);
      }
      // Both absent compares equal ('undefined').
      if (canon(json.consent) !== canon(last.entry!.consent)) step.fail(`tally.json's consent differs from the tally entry's (seq ${last.seq})`, [last.seq]);
    }
  }
  if (!last && !tallyJsonBytes) step.skip('the log has no tally entry yet (the vote is not closed): nothing to compare', true);
  return summary;
}

/**
 * Sealed ballots without openings: what the weights alone decide. The electorate and the
 * rejected ballots must match exactly; the parties taking part are the counted ballots (less
 * spoilt ones when spoilt ballots are excluded); and the claimed figures must add up.
 */
function weightsOnly(recount: ContractResult, claimed: Obj, spoiltRule: TallyRules['spoilt']): string[] {
  const problems: string[] = [];
  if (canon(recount.electorate) !== canon(claimed.electorate)) problems.push('the electorate differs from the roster');
  if (canon(recount.rejected_ballots) !== canon(claimed.rejected_ballots)) problems.push('the rejected ballots differ from the recount');
  const part = weightOf(claimed.participation);
  const spoilt = claimed.spoilt === undefined ? { parties: 0, area: 0 } : weightOf(claimed.spoilt);
  const voted = { parties: recount.participation.parties, area: cents(recount.participation.area) };
  // Under `excluded`, spoilt ballots were cast but do not take part.
  const expected = spoiltRule === 'excluded' ? { parties: part.parties + spoilt.parties, area: part.area + spoilt.area } : part;
  if (expected.parties !== voted.parties || expected.area !== voted.area) {
    problems.push(`participation ${show(claimed.participation)} does not match the ${voted.parties} ballots counted (area ${recount.participation.area})`);
  }
  const sum = (ws: unknown[]) =>
    ws.map(weightOf).reduce((acc, w) => ({ parties: acc.parties + w.parties, area: acc.area + w.area }), { parties: 0, area: 0 });
  const parts = [claimed.yes, claimed.no, claimed.abstain, ...(spoiltRule === 'participates' && claimed.spoilt !== undefined ? [claimed.spoilt] : [])];
  const total = sum(parts);
  if (total.parties !== part.parties || total.area !== part.area) problems.push('yes, no, abstain (and spoilt) do not add up to the participation');
  return problems;
}
