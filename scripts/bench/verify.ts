/**
 * Section `verify`: the auditor's verifier (src/domain/ledger/verify.ts `verifyExport`, what
 * scripts/verify-ledger.ts runs) over realistic exports of 100k and 1M entries.
 *
 * The export is generated in process with the project's own domain code, exactly in the layout
 * buildExport writes (manifest.json, roster.jsonl, entries.jsonl, checkpoints/<size>.note,
 * tally.json, keys.txt, SHA256SUMS) plus the auditors' openings.jsonl:
 * - the estate rules' defaults (sealed ballots, so V11 opens every commitment), except revision
 *   "last_counts", so owners who change their mind leave `ballot_superseded` markers;
 * - one owner party per ~10 entries (100k parties at 1M entries), two matters (a yes/no matter
 *   and a three-option matter); each submission casts both; a second and third submission of
 *   a party supersede the first; about 2% of submissions are replays, refused with a reason;
 * - every entry sealed with sealEntry (canonical JCS, chained by prev), commitments with the
 *   service's commitment(), the tally from the engine, a checkpoint signed (Ed25519) every 64
 *   entries as the service's scheduler does while voting, and one covering the whole log.
 *
 * Figure: verifyExport over the in-memory files (reading the folder is not timed), wall and CPU
 * time. Baseline in the same run: SHA-256 of every entries.jsonl line as an RFC 6962 leaf
 * (0x00 ‖ bytes) with node:crypto's one-shot hash, which is what hash.ts uses under Node — the
 * hashing no verifier can skip. The same with @noble/hashes (pure JavaScript, what the auditor
 * page does in a browser) and one hash of the whole file are reported beside it for scale.
 */
import { createHash, generateKeyPairSync, hash as nodeHash, randomBytes, sign as nodeSign } from 'node:crypto';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { commitment } from '../../src/domain/ledger/commitment.ts';
import { sealEntry, type EntryType } from '../../src/domain/ledger/entry.ts';
import { leafHash, sha256Bytes, toBase64 } from '../../src/domain/ledger/hash.ts';
import { canonicalize, type Json } from '../../src/domain/ledger/jcs.ts';
import { MerkleTree } from '../../src/domain/ledger/merkle.ts';
import { checkpointText, signNote, verifierKey } from '../../src/domain/ledger/note.ts';
import { verifyExport } from '../../src/domain/ledger/verify.ts';
import { DEFAULT_RULES, type EstateRules } from '../../src/domain/rules/settings.ts';
import { normalizeTallyRules, tally, toContractJson, type BallotInput, type Category } from '../../src/domain/tally/tally.ts';
import { electorateOfRoster, rosterLines, type RosterParty } from '../../src/modules/votes/snapshot.ts';
import { machine, nowMs, round, type BenchOptions, type Section } from './lib.ts';

const utf8 = new TextEncoder();
const ESTATE = '00000000-0000-4000-8000-0000000be4c1';
const VOTE = '00000000-0000-4000-8000-00000000be4c';
const ORIGIN = `bench.linli.example/linli/${ESTATE}/${VOTE}`;
const KEY_NAME = 'bench.linli.example/linli';
/** The service signs while voting every 64 new entries (CHECKPOINT_EVERY_ENTRIES). */
const CHECKPOINT_EVERY = 64;

const MATTERS = [
  { key: 'm1', title: '续聘物业服务企业 Renew the property management company', category: '4', kind: 'yes_no' as const, options: [] as string[] },
  { key: 'm2', title: '外墙涂料颜色 Exterior paint colour', category: '3', kind: 'options' as const, options: ['A', 'B', 'C'] },
];

/** A small deterministic PRNG (mulberry32), so every run builds the same log shape. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `parties` owner parties in buildings of 6 entrances × 18 floors × 4 flats; every 10th also holds a parking space. */
export function benchRoster(parties: number, rand = prng(7)): RosterParty[] {
  const roster: RosterParty[] = [];
  for (let i = 0; i < parties; i++) {
    const building = String(Math.floor(i / 432) + 1);
    const entrance = String(Math.floor((i % 432) / 72) + 1);
    const flat = `${Math.floor((i % 72) / 4) + 1}0${(i % 4) + 1}`;
    const area = 6_000 + Math.floor(rand() * 9_000);
    const parts = [{ partId: `${building}-${entrance}-${flat}`, building, entrance, areaCents: area }];
    if (i % 10 === 9) parts.push({ partId: `P-${i}`, building, entrance: null as unknown as string, areaCents: 1_250 });
    roster.push({ id: `p${i + 1}`, parts, areaCents: parts.reduce((n, p) => n + p.areaCents, 0), developer: false });
  }
  return roster;
}

export interface BenchExport {
  files: Map<string, Uint8Array>;
  openings: Uint8Array;
  parties: number;
  checkpoints: number;
  counts: Record<string, number>;
  buildMs: number;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Builds a vote's export of about `entries` entries (exactly `entries` when possible), sealed
 * mode with openings, revision "last_counts". Deterministic log shape; salts and the key are random.
 */
export async function buildBenchExport(entries: number, log: (line: string) => void = () => {}): Promise<BenchExport> {
  const t0 = nowMs();
  const rand = prng(42);
  const parties = Math.max(5, Math.round(entries / 10));
  const roster = benchRoster(parties);
  const rosterText = rosterLines(roster);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKey32 = new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  const key = { name: KEY_NAME, publicKey: publicKey32, sign: async (m: Uint8Array) => new Uint8Array(nodeSign(null, m, privateKey)) };
  const vkey = verifierKey(KEY_NAME, publicKey32);
  const rules: EstateRules = { ...DEFAULT_RULES, countKinds: [...DEFAULT_RULES.countKinds], forms: [...DEFAULT_RULES.forms], proxies: { ...DEFAULT_RULES.proxies }, revision: 'last_counts' };
  const manifest = canonicalize({
    v: 1,
    log: ORIGIN,
    estate: ESTATE,
    vote: VOTE,
    title: '2026年第一次业主大会 First owners’ assembly of 2026',
    notice_date: '2026-03-01',
    window: { opens_at: '2026-03-16T16:00:00.000Z', closes_at: '2026-03-30T16:00:00.000Z' },
    scope: null,
    rules: rules as unknown as Json,
    matters: MATTERS.map((m) => ({ key: m.key, title: m.title, category: m.category, kind: m.kind, options: m.options.map((o) => ({ key: o, name: `颜色 ${o}`, color_hex: null, color_code: null })) })),
    electorate: { parties: roster.length, area_cents: roster.reduce((n, p) => n + p.areaCents, 0), merge: rules.merge, roster_sha256: toBase64(sha256Bytes(rosterText)) },
    vkey,
  });

  const texts: string[] = [];
  const tree = new MerkleTree();
  const notes = new Map<number, string>();
  let prev = '';
  const baseMs = Date.parse('2026-03-17T00:00:00.000Z');
  const counts: Record<string, number> = {};
  const add = async (type: EntryType, body: Record<string, Json>, atMs: number) => {
    const seq = texts.length;
    const sealed = sealEntry({ v: 1, log: ORIGIN, seq, prev, type, at: new Date(atMs).toISOString() }, body);
    texts.push(sealed.text);
    prev = sealed.leaf;
    tree.append(leafHash(sealed.text));
    counts[type] = (counts[type] ?? 0) + 1;
    if (tree.size % CHECKPOINT_EVERY === 0) notes.set(tree.size, await signNote(checkpointText({ origin: ORIGIN, size: tree.size, rootB64: toBase64(tree.root()) }), key.name, key.publicKey, key.sign));
    return seq;
  };

  await add('setup', { manifest_sha256: toBase64(sha256Bytes(manifest)) }, baseMs - 15 * 86_400_000);
  const openings: string[] = [];
  const engine = new Map<string, BallotInput[]>(MATTERS.map((m) => [m.key, []]));
  // Per party: the seqs of its current ballots per matter, and its last nonce.
  const current = new Map<string, Map<string, number>>();
  const lastNonce = new Map<string, string>();
  const weightsOf = (p: RosterParty) => ({ area_cents: p.areaCents, heads: 1 });
  // Room for close, tally and publication at the end.
  const room = entries - 3;
  let party = 0;
  let nonceCounter = 0;
  while (texts.length < room) {
    const p = roster[party % roster.length]!;
    party++;
    const at = baseMs + Math.floor((texts.length / room) * 13 * 86_400_000);
    const mine = current.get(p.id) ?? new Map<string, number>();
    const left = room - texts.length;
    const replay = lastNonce.has(p.id) && rand() < 0.02;
    // A full submission writes 2 entries (4 when it replaces earlier ballots); near the end, one matter.
    const matters = left >= (mine.size ? 4 : 2) ? MATTERS : left >= (mine.size ? 2 : 1) ? [MATTERS[0]!] : [];
    if (!matters.length) break;
    const base = { party: p.id, weights: weightsOf(p), channel: 'online', token: randomUuid(rand) };
    if (replay) {
      for (const m of matters) await add('ballot_rejected', { ...base, matter: m.key, nonce: lastNonce.get(p.id)!, reason: 'replayed submission' }, at);
      continue;
    }
    const nonce = randomUuid(rand, ++nonceCounter);
    lastNonce.set(p.id, nonce);
    const superseded: [string, number][] = [];
    for (const m of matters) {
      const before = mine.get(m.key);
      if (before !== undefined) {
        await add('ballot_superseded', { matter: m.key, party: p.id, superseded_seq: before }, at);
        superseded.push([m.key, before]);
      }
    }
    for (const m of matters) {
      const r = rand();
      const choice = m.kind === 'yes_no' ? (r < 0.6 ? 'yes' : r < 0.9 ? 'no' : r < 0.98 ? 'abstain' : 'spoilt') : r < 0.5 ? 'A' : r < 0.8 ? 'B' : r < 0.97 ? 'C' : 'abstain';
      const salt = toBase64(randomBytes(32));
      const seq = await add('ballot', { ...base, matter: m.key, nonce, commit: commitment(ORIGIN, m.key, p.id, choice, salt) }, at);
      openings.push(canonicalize({ seq, matter: m.key, party: p.id, choice, salt }));
      engine.get(m.key)!.push({ seq, partId: p.parts[0]!.partId, channel: 'online', choice });
      mine.set(m.key, seq);
    }
    current.set(p.id, mine);
  }
  const closeAt = Date.parse('2026-03-30T16:00:00.000Z');
  await add('close', { reason: 'voting window ended 投票期限届满', manual: false }, closeAt);
  // The engine's result, as closeVote computes it.
  const electorate = electorateOfRoster(roster);
  const results: Record<string, Json> = {};
  for (const m of MATTERS) {
    const tr = normalizeTallyRules({ category: Number(m.category) as Category, scope: null, merge: rules.merge, countKinds: rules.countKinds, revision: rules.revision, spoilt: rules.spoilt, nonVoters: rules.nonVoters, options: m.kind === 'options' ? m.options : null });
    results[m.key] = toContractJson(tally(electorate, engine.get(m.key)!, tr), tr) as unknown as Json;
  }
  await add('tally', { engine: 'linli-tally/1', stage: 'preliminary', results }, closeAt);
  await add('publication', { stage: 'final' }, closeAt + 8 * 86_400_000);
  if (!notes.has(tree.size)) notes.set(tree.size, await signNote(checkpointText({ origin: ORIGIN, size: tree.size, rootB64: toBase64(tree.root()) }), key.name, key.publicKey, key.sign));

  const files = new Map<string, Uint8Array>();
  files.set('manifest.json', utf8.encode(manifest));
  files.set('roster.jsonl', utf8.encode(rosterText));
  files.set('entries.jsonl', encodeLines(texts));
  for (const [size, note] of notes) files.set(`checkpoints/${size}.note`, utf8.encode(note));
  files.set('tally.json', utf8.encode(`${canonicalize({ matters: results })}\n`));
  files.set('keys.txt', utf8.encode(`${vkey}\n`));
  const openingsBytes = utf8.encode(openings.map((l) => `${l}\n`).join(''));
  // SHA256SUMS lists openings.jsonl, which is handed to auditors beside the export (as buildExport does).
  const sums = [...files.entries(), ['openings.jsonl', openingsBytes] as const]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, bytes]) => `${createHash('sha256').update(bytes).digest('hex')}  ${name}\n`)
    .join('');
  files.set('SHA256SUMS', utf8.encode(sums));
  log(`verify: built an export of ${texts.length} entries (${parties} parties, ${notes.size} checkpoints) in ${round((nowMs() - t0) / 1000, 1)} s`);
  return { files, openings: openingsBytes, parties, checkpoints: notes.size, counts, buildMs: nowMs() - t0 };
}

/** entries.jsonl: every text and a newline, encoded once into one buffer. */
function encodeLines(texts: string[]): Uint8Array {
  let total = 0;
  for (const t of texts) total += Buffer.byteLength(t) + 1;
  const out = new Uint8Array(total);
  let o = 0;
  for (const t of texts) {
    o += utf8.encodeInto(t, out.subarray(o)).written;
    out[o++] = 0x0a;
  }
  return out;
}

/** A UUID-shaped id from the PRNG (tokens and nonces are opaque to the verifier). */
function randomUuid(rand: () => number, n?: number): string {
  const h = (k: number) => Math.floor(rand() * 16 ** k).toString(16).padStart(k, '0');
  return `${h(8)}-${h(4)}-4${h(3)}-8${h(3)}-${(n ?? Math.floor(rand() * 2 ** 40)).toString(16).padStart(12, '0')}`;
}

/** The lines of entries.jsonl as views (no copy). */
function lineViews(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, start)) {
    out.push(bytes.subarray(start, i));
    start = i + 1;
  }
  return out;
}

/** Times one verification and its baselines over the same export. */
async function measure(n: number, opts: BenchOptions) {
  const built = await buildBenchExport(n, opts.log);
  const lines = lineViews(built.files.get('entries.jsonl')!);
  const bytes = built.files.get('entries.jsonl')!.length;

  // Baseline: the leaf hashes alone — SHA-256 of 0x00 ‖ line for every line, node:crypto's
  // one-shot native hash (what hash.ts uses under Node) — the hashing no verifier can skip.
  let t = nowMs();
  for (const l of lines) {
    const buf = new Uint8Array(l.length + 1);
    buf.set(l, 1);
    nodeHash('sha256', buf, 'binary');
  }
  const nativeMs = nowMs() - t;
  // For scale: the same with @noble/hashes (pure JavaScript: what the auditor page does in a browser).
  t = nowMs();
  for (const l of lines) {
    const buf = new Uint8Array(l.length + 1);
    buf.set(l, 1);
    nobleSha256(buf);
  }
  const nobleMs = nowMs() - t;
  t = nowMs();
  nodeHash('sha256', built.files.get('entries.jsonl')!);
  const fileMs = nowMs() - t;

  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  t = nowMs();
  const report = await verifyExport(built.files, { openings: built.openings });
  const ms = nowMs() - t;
  const cpu = process.cpuUsage(cpu0);
  const rssAfter = process.memoryUsage().rss;
  const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.details[0] ?? ''}`);
  if (failed.length) opts.log(`verify: the export did NOT verify: ${failed.join('; ')}`);
  opts.log(`verify: ${report.entries} entries verified in ${round(ms / 1000, 2)} s (${report.ok ? 'ok' : 'FAILED'}); baseline: leaf hashing ${round(nativeMs)} ms`);
  return {
    entries: report.entries,
    parties: built.parties,
    checkpoints: built.checkpoints,
    entryTypes: built.counts,
    entriesMiB: round(bytes / 2 ** 20, 1),
    verified: report.ok,
    ...(failed.length ? { failedSteps: failed } : {}),
    ms: round(ms, 0),
    cpuMs: round((cpu.user + cpu.system) / 1000, 0),
    perSecond: round((report.entries / ms) * 1000, 0),
    baseline: {
      what: 'SHA-256 of every entries.jsonl line as an RFC 6962 leaf (0x00 ‖ line), node:crypto one-shot hash',
      ms: round(nativeMs, 0),
      nobleLeavesMs: round(nobleMs, 0),
      nodeWholeFileMs: round(fileMs, 0),
    },
    ratio: round(ms / nativeMs, 2),
    buildMs: round(built.buildMs, 0),
    rssGrowthMiB: round((rssAfter - rssBefore) / 2 ** 20, 0),
  };
}

export async function run(opts: BenchOptions): Promise<Section> {
  const sizes = opts.quick ? [100_000] : [100_000, 1_000_000];
  const runs = [];
  for (const n of sizes) {
    runs.push(await measure(n, opts));
    // Let the previous export go before building the next one.
    (globalThis as { gc?: () => void }).gc?.();
  }
  const at1M = runs.find((r) => r.entries >= 1_000_000);
  return {
    mode: 'sealed ballots with the auditors’ openings (V11 opens every commitment), revision last_counts, full recount',
    runs,
    goal: '1M entries < 10 s',
    goalMet: at1M ? at1M.ms < 10_000 : null,
    ...(at1M ? {} : { note: 'quick mode: 100k entries only; the 1M goal is judged by the full run' }),
    machine: machine(),
  };
}
