/**
 * Builds a vote's export from scratch, entry by entry, the way the service writes its log: the
 * test exports of test/unit/verify.test.ts, and (through ledger-cases.ts) the hand-built cases
 * both verifiers must agree on in test/unit/independent-verifier.test.ts.
 */

import { randomBytes } from 'node:crypto';
import { commitment } from '../../src/domain/ledger/commitment.ts';
import { sealEntry, type EntryType } from '../../src/domain/ledger/entry.ts';
import { leafHash, sha256Bytes, toBase64 } from '../../src/domain/ledger/hash.ts';
import { canonicalize, type Json } from '../../src/domain/ledger/jcs.ts';
import { MerkleTree } from '../../src/domain/ledger/merkle.ts';
import { castBallotsOf, participationOf } from '../../src/domain/ledger/credentials.ts';
import { checkpointText, signNote, verifierKey } from '../../src/domain/ledger/note.ts';
import { serializeProofFile } from '../../src/domain/ledger/proof-file.ts';
import { DEFAULT_RULES, type EstateRules } from '../../src/domain/rules/settings.ts';
import { normalizeTallyRules, tally, toContractJson, type BallotInput, type Category, type TallyResult, type TallyRules } from '../../src/domain/tally/tally.ts';
import { electorateOfRoster, rosterLines, type RosterParty } from '../../src/modules/votes/snapshot.ts';

export const ORIGIN = 'vote.example/linli/estate-1/vote-1';
export const AT = '2025-06-01T08:00:00.000Z';
export const ENGINE = 'linli-tally/1';
export const utf8 = new TextEncoder();
export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface Key {
  name: string;
  publicKey: Uint8Array;
  sign: (msg: Uint8Array) => Promise<Uint8Array>;
  vkey: string;
}

export async function makeKey(name = ORIGIN): Promise<Key> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const sign = async (msg: Uint8Array) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, msg as Uint8Array<ArrayBuffer>));
  return { name, publicKey, sign, vkey: verifierKey(name, publicKey) };
}

/** Five owner parties in building 1; p5 holds two parts. */
export const ROSTER: RosterParty[] = [
  { id: 'p1', parts: [{ partId: '1-101', building: '1', entrance: '1', areaCents: 8_950 }], areaCents: 8_950, developer: false },
  { id: 'p2', parts: [{ partId: '1-102', building: '1', entrance: '1', areaCents: 12_000 }], areaCents: 12_000, developer: false },
  { id: 'p3', parts: [{ partId: '1-201', building: '1', entrance: '1', areaCents: 9_525 }], areaCents: 9_525, developer: false },
  { id: 'p4', parts: [{ partId: '1-202', building: '1', entrance: '2', areaCents: 11_010 }], areaCents: 11_010, developer: false },
  {
    id: 'p5',
    parts: [
      { partId: '1-301', building: '1', entrance: '2', areaCents: 10_000 },
      { partId: 'P-07', building: '1', entrance: null, areaCents: 1_250 },
    ],
    areaCents: 11_250,
    developer: false,
  },
];

export const MATTERS = [
  { key: 'm1', title: '续聘物业服务企业', category: '4', kind: 'yes_no', options: [] as { key: string; name: string }[] },
  { key: 'm2', title: '外墙涂料颜色', category: '3', kind: 'options', options: [{ key: 'A', name: '米白' }, { key: 'B', name: '浅灰' }, { key: 'C', name: '砖红' }] },
];

/** What the log records between setup and close, in order. */
export type Event =
  /** `byProxy`: cast by a proxy holder (channel "proxy"): true = the party's latest proxy entry, or that seq. */
  | { t: 'ballot'; matter: string; party: string; choice: string; nonce?: string; byProxy?: true | number; fields?: Record<string, Json | undefined> }
  | { t: 'rejected'; matter: string; party: string; reason: string; nonce?: string; byProxy?: true | number }
  /**
   * A paper ballot entered by two clerks (a `paper_ballot` entry, or with `reason` a refused one:
   * `ballot_rejected`, channel paper); `fields` overrides body fields (undefined drops one).
   */
  | { t: 'paper'; matter: string; party: string; choice: string; nonce?: string; reason?: string; fields?: Record<string, Json | undefined>; byProxy?: true | number }
  | { t: 'supersede'; matter: string; party: string; reason?: string }
  /** Any entry as given (a `proxy` entry with a string party counts as that party's latest proxy). */
  | { t: 'raw'; type: EntryType; body: Record<string, Json> };

/** Every party votes on both matters: m1 passes 4:1 … and m2 adopts A. */
export const DEFAULT_EVENTS: Event[] = [
  { t: 'ballot', matter: 'm1', party: 'p1', choice: 'yes' },
  { t: 'ballot', matter: 'm2', party: 'p1', choice: 'A' },
  { t: 'ballot', matter: 'm1', party: 'p2', choice: 'yes' },
  { t: 'ballot', matter: 'm2', party: 'p2', choice: 'A' },
  { t: 'rejected', matter: 'm1', party: 'p3', reason: 'choice not allowed' },
  { t: 'ballot', matter: 'm1', party: 'p3', choice: 'no' },
  { t: 'ballot', matter: 'm2', party: 'p3', choice: 'B' },
  { t: 'ballot', matter: 'm1', party: 'p4', choice: 'yes' },
  { t: 'ballot', matter: 'm2', party: 'p4', choice: 'A' },
  { t: 'ballot', matter: 'm1', party: 'p5', choice: 'abstain' },
  { t: 'ballot', matter: 'm2', party: 'p5', choice: 'C' },
];

export interface BuildOptions {
  secrecy?: 'open' | 'sealed';
  revision?: 'final' | 'last_counts';
  spoilt?: 'participates' | 'excluded';
  events?: Event[];
  /** Checkpoint sizes besides the full log (which always gets one). */
  checkpoints?: number[];
  /** Put openings.jsonl in the export folder (sealed mode). */
  openingsInFolder?: boolean;
  key?: Key;
  /** Leave `vkey` out of the manifest (an older export): V6 falls back to keys.txt. */
  noManifestKey?: boolean;
  /** More keys for keys.txt, after the log key (the deployment's other keys). */
  extraKeys?: Key[];
  /** The manifest's `window` (default: 2025-05-26 to 2025-06-05). */
  window?: Json;
  /** The manifest's `rules.proxies` (default: the estate default, allowed with a cap of 3). */
  proxies?: Json;
  /** The manifest's `occupied_parts` (absent by default); the tally then carries `consent`. */
  occupiedParts?: string[];
  /** Entries written after `close` (before `tally`): what the box must never accept. */
  afterClose?: Event[];
  /**
   * Credentials on the log (§4.5): the manifest says `credentials: true`; after setup come the two
   * clerks', the auditor's and, per roster party, an owner account's and a ballot letter's
   * credential; every ballot names its own (online: the account, paper: the letter, proxy: the
   * proxy credential written after each `proxy` entry); participation.jsonl is in the export.
   */
  credentials?: boolean;
}

/** Staff and issuer references of the hand-built logs with credentials (16 base32 symbols each). */
export const CLERK_A = 'CLERKAAAAAAAAAAA';
export const CLERK_B = 'CLERKBBBBBBBBBBB';
export const AUDITOR = 'AUDITORAAAAAAAAA';
export const ISSUER = 'organizer:ORGANIZERAAAAAAA';
/** When the notice's credentials were created: before the window opened. */
export const ISSUED_AT = '2025-05-10T02:00:00.000Z';

export interface Built {
  files: Map<string, Uint8Array>;
  key: Key;
  /** Exact entry texts, in order. */
  texts: string[];
  openings: Uint8Array | null;
  manifest: string;
  rules: EstateRules;
  /** Seqs of the entries by role, for pointing attacks at them. */
  seqs: { ballots: number[]; close: number; tally: number };
  /** With `credentials`: the seq of each kind of credential per party (and the clerks'). */
  credentials?: { owner: Map<string, number>; letter: Map<string, number>; proxy: Map<string, number>; clerks: [number, number]; auditor: number };
}

/** The seqs of the entries of `type`. */
export const seqsOf = (built: Pick<Built, 'texts'>, type: EntryType) => built.texts.flatMap((t, seq) => ((JSON.parse(t) as { type: string }).type === type ? [seq] : []));

/** The manifest's window end; paper ballots must be received by then. */
export const CLOSES_AT = '2025-06-05T00:00:00.000Z';
export const SCAN = 'ab'.repeat(32);

/** The body of a paper ballot as enterPaperBallot writes it (before choice or commit). */
export function paperBody(ev: Extract<Event, { t: 'paper' }>, nonce: string): Record<string, Json> {
  const body: Record<string, Json | undefined> = {
    matter: ev.matter,
    party: ev.party,
    weights: weightsOf(ev.party),
    channel: 'paper',
    nonce,
    clerks: ['clerk-a', 'clerk-b'],
    scan_sha256: SCAN,
    received_at: '2025-06-01T07:30:00.000Z',
    ...ev.fields,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Record<string, Json>;
}

/** `body` with `fields` laid over it; a field set to undefined is dropped. */
const withFields = (body: Record<string, Json>, fields: Record<string, Json | undefined> = {}): Record<string, Json> =>
  Object.fromEntries(Object.entries({ ...body, ...fields }).filter(([, v]) => v !== undefined)) as Record<string, Json>;

/** A party's first part; a party outside the roster gets a part no roster holds (the engine rejects it). */
export const rosterPart = (party: string) => ROSTER.find((p) => p.id === party)?.parts[0].partId ?? `not-in-roster-${party}`;
export const weightsOf = (party: string) => ({ area_cents: ROSTER.find((p) => p.id === party)?.areaCents ?? 1, heads: 1 });

/** The engine's count of each matter over the ballots in `texts`, as closeVote counts them. */
function countMatters(texts: string[], rules: EstateRules, choices: Map<number, string>): Map<string, { result: TallyResult; rules: TallyRules }> {
  const electorate = electorateOfRoster(ROSTER);
  const entries = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  const out = new Map<string, { result: TallyResult; rules: TallyRules }>();
  for (const m of MATTERS) {
    const tr = normalizeTallyRules({
      category: (m.category === 'consultation' ? 'consultation' : Number(m.category)) as Category,
      scope: null,
      merge: rules.merge,
      countKinds: rules.countKinds,
      revision: rules.revision,
      spoilt: rules.spoilt,
      nonVoters: rules.nonVoters,
      options: m.kind === 'options' ? m.options.map((o) => o.key) : null,
    });
    const ballots: BallotInput[] = entries
      .filter((e) => (e.type === 'ballot' || e.type === 'paper_ballot') && e.matter === m.key)
      .map((e) => ({
        seq: e.seq as number,
        partId: rosterPart(e.party as string),
        channel: e.channel === 'proxy' ? 'proxy' : e.type === 'paper_ballot' ? 'paper' : 'online',
        choice: choices.get(e.seq as number)!,
      }));
    out.set(m.key, { result: tally(electorate, ballots, tr, undefined, { proxyOverride: rules.proxyOverride }), rules: tr });
  }
  return out;
}

/** The engine's results for the ballots in `texts`, as closeVote computes them. */
export function tallyResults(texts: string[], rules: EstateRules, choices: Map<number, string>): Record<string, Json> {
  const results: Record<string, Json> = {};
  for (const [key, { result, rules: tr }] of countMatters(texts, rules, choices)) results[key] = toContractJson(result, tr) as unknown as Json;
  return results;
}

/**
 * The consent of the owners of `occupied` parts (docs/ledger.md §10.5), as the service reports
 * it: per non-consultation matter, the parties holding an occupied part, those of them whose
 * effective ballot is "yes", and whether the second covers the first.
 */
export function consentResults(texts: string[], rules: EstateRules, choices: Map<number, string>, occupied: string[]): Record<string, Json> {
  const order = ROSTER.map((p) => p.id);
  const required = order.filter((id) => ROSTER.find((p) => p.id === id)!.parts.some((x) => occupied.includes(x.partId)));
  const counted = countMatters(texts, rules, choices);
  const consent: Record<string, Json> = {};
  for (const m of MATTERS) {
    if (m.category === 'consultation') continue;
    const yes = new Set(counted.get(m.key)!.result.counted.filter((b) => b.choice === 'yes').map((b) => b.partyRef));
    const given = required.filter((id) => yes.has(id));
    consent[m.key] = { required, given, satisfied: required.every((id) => given.includes(id)) };
  }
  return consent;
}

/** Log writer: chains each entry to the previous leaf, like appendEntries. */
export class Log {
  texts: string[] = [];
  private prev = '';
  add(type: EntryType, body: Record<string, Json>): number {
    const seq = this.texts.length;
    const sealed = sealEntry({ v: 1, log: ORIGIN, seq, prev: this.prev, type, at: AT }, body);
    this.texts.push(sealed.text);
    this.prev = sealed.leaf;
    return seq;
  }
}

export async function buildExport(opts: BuildOptions = {}): Promise<Built> {
  const key = opts.key ?? (await makeKey());
  const rules: EstateRules = { ...DEFAULT_RULES, countKinds: [...DEFAULT_RULES.countKinds], forms: [...DEFAULT_RULES.forms], proxies: { ...DEFAULT_RULES.proxies }, secrecy: opts.secrecy ?? 'open', revision: opts.revision ?? 'final', spoilt: opts.spoilt ?? DEFAULT_RULES.spoilt };
  if (opts.proxies !== undefined) (rules as unknown as Record<string, Json>).proxies = opts.proxies;
  const rosterText = rosterLines(ROSTER);
  const manifest = canonicalize({
    v: 1,
    log: ORIGIN,
    estate: 'estate-1',
    vote: 'vote-1',
    title: '2025 年第一次业主大会',
    notice_date: '2025-05-10',
    window: opts.window === undefined ? { opens_at: '2025-05-26T00:00:00.000Z', closes_at: CLOSES_AT } : opts.window,
    scope: null,
    rules: rules as unknown as Json,
    matters: MATTERS.map((m) => ({ key: m.key, title: m.title, category: m.category, kind: m.kind, options: m.options.map((o) => ({ key: o.key, name: o.name, color_hex: null, color_code: null })) })),
    electorate: { parties: ROSTER.length, area_cents: ROSTER.reduce((n, p) => n + p.areaCents, 0), merge: rules.merge, roster_sha256: toBase64(sha256Bytes(rosterText)) },
    ...(opts.noManifestKey ? {} : { vkey: key.vkey }),
    ...(opts.occupiedParts ? { occupied_parts: opts.occupiedParts } : {}),
    ...(opts.credentials ? { credentials: true } : {}),
  });

  const log = new Log();
  log.add('setup', { manifest_sha256: toBase64(sha256Bytes(manifest)) });
  const cred = (body: Record<string, Json>) => log.add('credential', { issuer: ISSUER, created_at: ISSUED_AT, ...body });
  const creds = opts.credentials
    ? {
        clerks: [cred({ kind: 'clerk', holder: CLERK_A }), cred({ kind: 'clerk', holder: CLERK_B })] as [number, number],
        auditor: cred({ kind: 'auditor', holder: AUDITOR }),
        owner: new Map(ROSTER.map((p) => [p.id, cred({ kind: 'phone_binding', party: p.id })])),
        letter: new Map(ROSTER.map((p) => [p.id, cred({ kind: 'letter', party: p.id })])),
        proxy: new Map<string, number>(),
      }
    : undefined;
  /** The credential a ballot of `party` names: its proxy's, its letter's (paper) or its account's. */
  const credentialFor = (party: string, via: 'online' | 'paper', byProxy: boolean): Record<string, Json> =>
    creds ? { credential: (byProxy ? creds.proxy.get(party) : via === 'paper' ? creds.letter.get(party) : creds.owner.get(party)) ?? creds.owner.get('p1')! } : {};
  const sealed = rules.secrecy === 'sealed';
  const choices = new Map<number, string>();
  const openings: string[] = [];
  const ballots: number[] = [];
  const lastBallot = new Map<string, number>();
  let nonce = 0;
  // The latest proxy entry of each party, for ballots cast by its holder.
  const proxyOf = new Map<string, number>();
  const viaProxy = (ev: { party: string; byProxy?: true | number }): Record<string, Json> =>
    ev.byProxy === undefined ? {} : { channel: 'proxy', proxy: ev.byProxy === true ? proxyOf.get(ev.party)! : ev.byProxy };
  const apply = (ev: Event): void => {
    if (ev.t === 'raw') {
      const seq = log.add(ev.type, ev.body);
      if (ev.type === 'proxy' && typeof ev.body.party === 'string') {
        proxyOf.set(ev.body.party, seq);
        // The holder's code: a proxy credential of the party, naming the authorization.
        if (creds) creds.proxy.set(ev.body.party, cred({ kind: 'proxy', party: ev.body.party, proxy: seq }));
      }
      return;
    }
    if (ev.t === 'paper') {
      const staff: Record<string, Json> = creds ? { clerks: [CLERK_A, CLERK_B], clerk_credentials: [...creds.clerks] } : {};
      const body = withFields({ ...paperBody({ ...ev, fields: undefined }, ev.nonce ?? `pair-${++nonce}`), ...staff, ...credentialFor(ev.party, 'paper', ev.byProxy !== undefined), ...viaProxy(ev) }, ev.fields);
      if (ev.reason !== undefined) {
        log.add('ballot_rejected', { ...body, reason: ev.reason });
        return;
      }
      const salt = toBase64(randomBytes(32));
      const seq = log.add('paper_ballot', sealed ? { ...body, commit: commitment(ORIGIN, ev.matter, ev.party, ev.choice, salt) } : { ...body, choice: ev.choice });
      if (sealed) openings.push(canonicalize({ seq, matter: ev.matter, party: ev.party, choice: ev.choice, salt }));
      choices.set(seq, ev.choice);
      ballots.push(seq);
      lastBallot.set(`${ev.matter}/${ev.party}`, seq);
      return;
    }
    const base = {
      matter: ev.matter,
      party: ev.party,
      weights: weightsOf(ev.party),
      channel: 'online',
      nonce: (ev.t === 'supersede' ? undefined : ev.nonce) ?? `nonce-${++nonce}`,
      token: `tok-${ev.party}`,
      ...(ev.t === 'supersede' ? {} : { ...credentialFor(ev.party, 'online', ev.byProxy !== undefined), ...viaProxy(ev) }),
    };
    if (ev.t === 'rejected') {
      log.add('ballot_rejected', { ...base, reason: ev.reason });
    } else if (ev.t === 'supersede') {
      log.add('ballot_superseded', { matter: ev.matter, party: ev.party, superseded_seq: lastBallot.get(`${ev.matter}/${ev.party}`)!, ...(ev.reason ? { reason: ev.reason } : {}) });
    } else {
      const salt = toBase64(randomBytes(32));
      const seq = log.texts.length;
      const body = withFields(base, ev.fields);
      log.add('ballot', sealed ? { ...body, commit: commitment(ORIGIN, ev.matter, ev.party, ev.choice, salt) } : { ...body, choice: ev.choice });
      if (sealed) openings.push(canonicalize({ seq, matter: ev.matter, party: ev.party, choice: ev.choice, salt }));
      choices.set(seq, ev.choice);
      ballots.push(seq);
      lastBallot.set(`${ev.matter}/${ev.party}`, seq);
    }
  };
  for (const ev of opts.events ?? DEFAULT_EVENTS) apply(ev);
  const close = log.add('close', { reason: 'the voting window ended', manual: false });
  for (const ev of opts.afterClose ?? []) apply(ev);
  const results = tallyResults(log.texts, rules, choices);
  // Like the service: consent only when the manifest lists occupied parts (docs/ledger.md §10.5).
  const consent = opts.occupiedParts?.length ? consentResults(log.texts, rules, choices, opts.occupiedParts) : undefined;
  const tallySeq = log.add('tally', { engine: ENGINE, stage: 'preliminary', results, ...(consent ? { consent } : {}) });
  log.add('publication', { stage: 'final' });

  const openingsBytes = sealed ? utf8.encode(openings.map((l) => `${l}\n`).join('')) : null;
  const files = await assemble({ texts: log.texts, manifest, rosterText, results, consent, key, checkpoints: opts.checkpoints ?? [1, 5, 9], extraKeys: opts.extraKeys });
  if (openingsBytes && opts.openingsInFolder) files.set('openings.jsonl', openingsBytes);
  if (creds) files.set('participation.jsonl', participationFile(log.texts));
  resum(files);
  return { files, key, texts: log.texts, openings: openingsBytes, manifest, rules, seqs: { ballots, close, tally: tallySeq }, ...(creds ? { credentials: creds } : {}) };
}

/** participation.jsonl for a log (§11): the parties that cast a ballot, as the service writes it. */
export function participationFile(texts: string[]): Uint8Array {
  const entries = texts.map((t) => JSON.parse(t) as Record<string, unknown>);
  const lines = participationOf(castBallotsOf(entries), ROSTER.map((p) => ({ party: p.id, parts: p.parts.map((x) => x.partId) })));
  return utf8.encode(lines.map((l) => `${canonicalize(l as unknown as Json)}\n`).join(''));
}

/** Writes the export files for a given log (checkpoints signed by `key`, at `checkpoints` and the full size). */
export async function assemble(a: { texts: string[]; manifest: string; rosterText: string; results: Record<string, Json>; consent?: Record<string, Json>; key: Key; checkpoints: number[]; extraKeys?: Key[] }) {
  const files = new Map<string, Uint8Array>();
  files.set('manifest.json', utf8.encode(a.manifest));
  files.set('roster.jsonl', utf8.encode(a.rosterText));
  files.set('entries.jsonl', utf8.encode(a.texts.map((t) => `${t}\n`).join('')));
  files.set('tally.json', utf8.encode(`${JSON.stringify({ matters: a.results, ...(a.consent ? { consent: a.consent } : {}) }, null, 2)}\n`));
  files.set('keys.txt', utf8.encode([a.key, ...(a.extraKeys ?? [])].map((k) => `${k.vkey}\n`).join('')));
  const tree = new MerkleTree(a.texts.map((t) => leafHash(t)));
  for (const size of new Set([...a.checkpoints.filter((n) => n < a.texts.length), a.texts.length])) {
    files.set(`checkpoints/${size}.note`, utf8.encode(await checkpointNote(a.key, size, tree.root(size))));
  }
  return files;
}

export async function checkpointNote(key: Key, size: number, root: Uint8Array, origin = ORIGIN): Promise<string> {
  return signNote(checkpointText({ origin, size, rootB64: toBase64(root) }), key.name, key.publicKey, key.sign);
}

/** Recomputes SHA256SUMS, as an attacker who controls the export would. */
export function resum(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  files.delete('SHA256SUMS');
  const lines = [...files.keys()].sort().map((p) => `${hex(sha256Bytes(files.get(p)!))}  ${p}\n`);
  files.set('SHA256SUMS', utf8.encode(lines.join('')));
  return files;
}

export const textsOf = (files: Map<string, Uint8Array>) => new TextDecoder().decode(files.get('entries.jsonl')).split('\n').slice(0, -1);
export const setEntries = (files: Map<string, Uint8Array>, texts: string[]) => files.set('entries.jsonl', utf8.encode(texts.map((t) => `${t}\n`).join('')));

/** Re-chains entries from `from` on (prev and seq), re-canonicalized: an operator rewriting history. */
export function rechain(texts: string[], from: number): string[] {
  const out = [...texts];
  for (let i = from; i < out.length; i++) {
    const e = JSON.parse(out[i]) as Record<string, Json>;
    e.seq = i;
    e.prev = i === 0 ? '' : toBase64(leafHash(out[i - 1]));
    out[i] = canonicalize(e);
  }
  return out;
}

/** Replaces every checkpoint with freshly signed ones over `texts` (the operator holds the key). */
export async function resign(files: Map<string, Uint8Array>, texts: string[], key: Key, sizes: number[] = [1, 5, 9]) {
  for (const p of [...files.keys()]) if (p.startsWith('checkpoints/')) files.delete(p);
  const tree = new MerkleTree(texts.map((t) => leafHash(t)));
  for (const size of new Set([...sizes.filter((n) => n < texts.length), texts.length])) {
    files.set(`checkpoints/${size}.note`, utf8.encode(await checkpointNote(key, size, tree.root(size))));
  }
}

/** An owner's receipt for entry `seq` against the checkpoint of `size` (default: the whole log). */
export async function receiptFor(built: Built, seq: number, size = built.texts.length): Promise<Uint8Array> {
  const tree = new MerkleTree(built.texts.map((t) => leafHash(t)));
  const note = await checkpointNote(built.key, size, tree.root(size));
  return utf8.encode(serializeProofFile({ extra: utf8.encode(built.texts[seq]), index: seq, hashes: tree.inclusionProof(seq, size), checkpointNote: note }));
}

/**
 * Rewrites the tally entry as an operator holding the log key could: `edit` changes the entry
 * (results, consent), tally.json follows it unless `tallyJson` says otherwise, the log is
 * re-chained and re-signed and SHA256SUMS recomputed.
 */
export async function editTally(built: Built, edit: (entry: Record<string, Json>) => void, tallyJson?: (json: Record<string, Json>) => void): Promise<Built> {
  const texts = textsOf(built.files);
  const entry = JSON.parse(texts[built.seqs.tally]) as Record<string, Json>;
  edit(entry);
  texts[built.seqs.tally] = canonicalize(entry);
  const chained = rechain(texts, built.seqs.tally + 1);
  setEntries(built.files, chained);
  const json: Record<string, Json> = { matters: entry.results, ...(entry.consent === undefined ? {} : { consent: entry.consent }) };
  tallyJson?.(json);
  built.files.set('tally.json', utf8.encode(`${canonicalize(json)}\n`));
  await resign(built.files, chained, built.key);
  resum(built.files);
  return { ...built, texts: chained };
}
