/**
 * The independent verifier (test/independent/Verifier.java, written from docs/ledger.md alone)
 * and the reference verifier (scripts/verify-ledger.ts) must agree on the test vectors in
 * docs/ledger-sample and on tampered copies of them: same pass/fail, same failing steps, same
 * failing seqs.
 *
 * Needs `java` (JDK 17+) on PATH; without it the suite is skipped under a visible name, unless
 * LINLI_REQUIRE_JAVA=1, which makes it fail instead.
 */

import { execFile, execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_CASES } from '../independent/ledger-cases.ts';
import { castBallotsOf, participationOf } from '../../src/domain/ledger/credentials.ts';
import { canonicalize, type Json } from '../../src/domain/ledger/jcs.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.join(ROOT, 'docs/ledger-sample');
const JAVA_SOURCE = path.join(ROOT, 'test/independent/Verifier.java');

function javaAvailable(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasJava = javaAvailable();
if (!hasJava && process.env.LINLI_REQUIRE_JAVA === '1') {
  throw new Error('LINLI_REQUIRE_JAVA=1 but `java` is not on PATH');
}

interface Outcome {
  code: number;
  /** Failing step → failing seqs. */
  failing: Map<string, number[]>;
  /** Every step line in order: "V0 ok", "V11 skip", "V4 FAIL". */
  states: string[];
  /** The issuer report (docs/ledger.md §12.1) and the result line: from "issuers:" to the end. */
  tail: string[];
  stdout: string;
}

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: ROOT, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** "3, 5–9" / "3, 5-9" → [3, 5, 6, 7, 8, 9] */
function seqList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:[–-](\d+))?$/.exec(part);
    if (!m) throw new Error(`cannot read seqs "${text}"`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (let s = from; s <= to; s++) out.push(s);
  }
  return out;
}

/** Reads `V4 FAIL …` lines and the `failing seq: …` line that follows a failing step. */
function readTs(stdout: string): Map<string, number[]> {
  const failing = new Map<string, number[]>();
  let current: string | null = null;
  for (const line of stdout.split('\n')) {
    const step = /^(V\d+)\s+(ok|FAIL|skip)\b/.exec(line);
    if (step) {
      current = step[2] === 'FAIL' ? step[1]! : null;
      if (current) failing.set(current, []);
      continue;
    }
    const seqs = /^\s+failing seq: (.*)$/.exec(line);
    if (seqs && current) failing.set(current, seqList(seqs[1]!));
  }
  return failing;
}

/** The step states, in the order printed (both verifiers print one line per step, V0 … V13). */
function readStates(stdout: string): string[] {
  return stdout.split('\n').flatMap((line) => {
    const m = /^(V\d+)\s+(ok|FAIL|skip)\b/.exec(line);
    return m ? [`${m[1]} ${m[2]}`] : [];
  });
}

/** The issuer report and the result line, which both verifiers print identically (§12, §12.1). */
function readTail(stdout: string): string[] {
  const lines = stdout.replace(/\n$/, '').split('\n');
  const from = lines.findIndex((l) => l.startsWith('issuers: '));
  const result = lines.filter((l) => l.startsWith('result: '));
  return from < 0 ? result : lines.slice(from);
}

function readJava(stdout: string): Map<string, number[]> {
  const failing = new Map<string, number[]>();
  for (const line of stdout.split('\n')) {
    const m = /^(V\d+) FAIL(?: seq (.*))?$/.exec(line);
    if (m) failing.set(m[1]!, m[2] ? seqList(m[2]) : []);
  }
  return failing;
}

let classes = '';
/** Quick start-up for short runs (client compiler only, serial GC): halves the JVM's time here. */
const JVM = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

async function both(dir: string, extra: string[] = [], opts: { sourceLaunch?: boolean } = {}): Promise<{ ts: Outcome; java: Outcome }> {
  const [ts, java] = await Promise.all([
    // npx tsx is `node --import tsx`; calling node directly saves npx's start-up per run.
    run(process.execPath, ['--import', 'tsx', 'scripts/verify-ledger.ts', dir, ...extra]),
    // The single-file launch (JEP 330) compiles on every run (~2 s); tampered cases reuse one
    // compiled copy of the very same source.
    opts.sourceLaunch ? run('java', [...JVM, JAVA_SOURCE, dir, ...extra]) : run('java', [...JVM, '-cp', classes, 'Verifier', dir, ...extra]),
  ]);
  if (ts.code === 2 || java.code === 2) throw new Error(`a verifier could not run:\n${ts.stderr}\n${java.stderr}`);
  const outcome = (r: { code: number; stdout: string }, failing: Map<string, number[]>): Outcome => ({ code: r.code, failing, states: readStates(r.stdout), tail: readTail(r.stdout), stdout: r.stdout });
  return { ts: outcome(ts, readTs(ts.stdout)), java: outcome(java, readJava(java.stdout)) };
}

const asObject = (m: Map<string, number[]>) => Object.fromEntries([...m].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))));

function expectAgreement(r: { ts: Outcome; java: Outcome }) {
  const why = `\n--- TypeScript ---\n${r.ts.stdout}\n--- Java ---\n${r.java.stdout}`;
  expect(r.java.code, why).toBe(r.ts.code);
  expect(asObject(r.java.failing), why).toEqual(asObject(r.ts.failing));
  // Same steps, V0 … V13, in the same states (so the same "not applicable" list), and the same
  // issuer report and result line, character for character.
  expect(r.ts.states.map((x) => x.split(' ')[0]), why).toEqual(STEPS);
  expect(r.java.states, why).toEqual(r.ts.states);
  expect(r.ts.tail.at(-1), why).toMatch(/^result: (OK|FAILED) — /);
  expect(r.java.tail, why).toEqual(r.ts.tail);
}

const STEPS = Array.from({ length: 14 }, (_, i) => `V${i}`);

// ---------------------------------------------------------------------------------------------
// Tampering helpers (on a copy of the sample export)

let work = '';
let n = 0;

function copyOf(sample = path.join(SAMPLE, 'export')): string {
  const dir = path.join(work, `case-${++n}`);
  cpSync(sample, dir, { recursive: true });
  return dir;
}

const entriesOf = (dir: string) => readFileSync(path.join(dir, 'entries.jsonl'), 'utf8').split('\n').slice(0, -1);
const writeEntries = (dir: string, lines: string[]) => writeFileSync(path.join(dir, 'entries.jsonl'), lines.map((l) => `${l}\n`).join(''));

function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel))
    .sort()
    .flatMap((name) => {
      const r = rel ? `${rel}/${name}` : name;
      return statSync(path.join(dir, r)).isDirectory() ? filesUnder(dir, r) : [r];
    });
}

/** What an attacker does after tampering: recompute SHA256SUMS, so V0 passes. */
function reseal(dir: string): void {
  const lines = filesUnder(dir)
    .filter((f) => f !== 'SHA256SUMS')
    .sort()
    .map((f) => `${createHash('sha256').update(readFileSync(path.join(dir, f))).digest('hex')}  ${f}\n`);
  writeFileSync(path.join(dir, 'SHA256SUMS'), lines.join(''));
}

const KEY_NAME = 'linli.example/linli';

// The sample's log key, as in test/independent/make-sample.ts: SAMPLE KEY, NOT SECRET (it signs
// only the published sample). Here it plays an operator who holds the log key.
const SAMPLE_KEY = createPrivateKey({ key: Buffer.from('MC4CAQAwBQYDK2VwBCIEIOphVNgwR3myopXL4CnsUnhY3mMVfpKg/4Ejkd4KpmqX', 'base64'), format: 'der', type: 'pkcs8' });

/** A signed note (docs/ledger.md §6.2) of `text` by `privateKey` under the log key's name; and the key's vkey. */
function signedNote(text: string, privateKey: KeyObject): { note: string; vkey: string } {
  const pub = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x!, 'base64url');
  const keyId = createHash('sha256').update(Buffer.concat([Buffer.from(`${KEY_NAME}\n`), Buffer.from([1]), pub])).digest().subarray(0, 4);
  const sig = sign(null, Buffer.from(text), privateKey);
  return {
    note: `${text}\n\u2014 ${KEY_NAME} ${Buffer.concat([keyId, sig]).toString('base64')}\n`,
    vkey: `${KEY_NAME}+${keyId.toString('hex')}+${Buffer.concat([Buffer.from([1]), pub]).toString('base64')}`,
  };
}

/** Re-signs checkpoints/<size>.note with a fresh Ed25519 key under the log key's name; returns its vkey. */
function resignCheckpoint(dir: string, size: number): string {
  const file = path.join(dir, 'checkpoints', `${size}.note`);
  const note = readFileSync(file, 'utf8');
  const { note: signed, vkey } = signedNote(note.slice(0, note.lastIndexOf('\n\n') + 1), generateKeyPairSync('ed25519').privateKey);
  writeFileSync(file, signed);
  return vkey;
}

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 MTH over the leaves (docs/ledger.md §5). */
function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/**
 * Rewrites history from `from` on as the operator could: re-chains seq and prev, drops the
 * checkpoints above `from`, and signs one over the whole new log with the log key.
 */
function rewriteLog(dir: string, lines: string[], from: number): void {
  const out = [...lines];
  for (let i = from; i < out.length; i++) {
    const e = JSON.parse(out[i]!) as Record<string, unknown>;
    e.seq = i;
    e.prev = sha(Buffer.from([0]), Buffer.from(out[i - 1]!)).toString('base64');
    out[i] = JSON.stringify(e); // keys keep their (sorted) order: still canonical
  }
  writeEntries(dir, out);
  for (const f of readdirSync(path.join(dir, 'checkpoints'))) if (Number(f.replace('.note', '')) > from) rmSync(path.join(dir, 'checkpoints', f));
  const origin = (JSON.parse(out[0]!) as { log: string }).log;
  const root = merkleRoot(out.map((l) => sha(Buffer.from([0]), Buffer.from(l))));
  writeFileSync(path.join(dir, 'checkpoints', `${out.length}.note`), signedNote(`${origin}\n${out.length}\n${root.toString('base64')}\n`, SAMPLE_KEY).note);
}

/** The sample's two clerks: the holders of the clerk credentials seq 1 and 2 (docs/ledger.md §14.1). */
const CLERKS = ['IMZS7F7RIK23HIJH', 'F72FEMKDYZJXMIHS'];

/** participation.jsonl as the service derives it from `lines` and the export's roster (§11). */
function participationFor(dir: string, lines: string[]): string {
  const roster = readFileSync(path.join(dir, 'roster.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { party: string; parts: string[] });
  const rows = participationOf(castBallotsOf(lines.map((l) => JSON.parse(l) as Record<string, unknown>)), roster);
  return rows.map((r) => `${canonicalize(r as unknown as Json)}\n`).join('');
}

/** Keys sorted (all ASCII here), undefined dropped: canonical, like every entry. */
const canonicalLine = (e: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

/**
 * A copy of a sample export rewritten as an operator holding the log key could: `edit` changes
 * the entries in place and returns the smallest seq it changed; the log is re-chained from there
 * and re-signed with the sample key, participation.jsonl derived again from the new log (unless
 * `keepParticipation`), and SHA256SUMS recomputed.
 */
function rewritten(sample: string, edit: (lines: string[]) => number, opts: { keepParticipation?: boolean } = {}): string {
  const dir = path.join(work, `case-${++n}`);
  cpSync(path.join(SAMPLE, sample), dir, { recursive: true });
  const lines = entriesOf(dir);
  const from = edit(lines);
  rewriteLog(dir, lines, from);
  if (!opts.keepParticipation) writeFileSync(path.join(dir, 'participation.jsonl'), participationFor(dir, entriesOf(dir)));
  reseal(dir);
  return dir;
}

/** Entry `seq` of `lines` changed by `fields` (undefined drops a field). */
function editEntry(lines: string[], seq: number, fields: Record<string, unknown>): number {
  lines[seq] = canonicalLine({ ...(JSON.parse(lines[seq]!) as Record<string, unknown>), ...fields });
  return seq;
}

/**
 * A copy of a sample export in which entries `seqs` became paper ballots (docs/ledger.md §4.2), as
 * if the sample's two clerks had entered them: no token, channel paper, the two clerks and their
 * credentials, a scan hash, the time received (`fields` adds or, with undefined, drops fields).
 * A paper ballot is cast with the household's ballot letter (§4.5), so the credential each of
 * them names becomes a `letter` (which an online ballot may use as well). Counting is
 * channel-blind, so the logged tally still holds; the log is re-chained, re-signed with the sample
 * log key, participation.jsonl follows the new channels, and the export is resealed.
 */
function withPaper(sample: string, seqs: number[], fields: (seq: number) => Record<string, unknown> = () => ({})): string {
  return rewritten(sample, (lines) => {
    const changed = [...seqs];
    for (const seq of seqs) {
      const { token: _token, ...e } = JSON.parse(lines[seq]!) as Record<string, unknown>;
      const credential = e.credential as number;
      changed.push(editEntry(lines, credential, { kind: 'letter' }));
      lines[seq] = canonicalLine({
        ...e,
        type: 'paper_ballot',
        channel: 'paper',
        clerks: CLERKS,
        clerk_credentials: [1, 2],
        scan_sha256: createHash('sha256').update(`scan of ${String(e.nonce)}`).digest('hex'),
        received_at: '2026-03-20T09:30:00.000Z',
        ...fields(seq),
      });
    }
    return Math.min(...changed);
  });
}

interface Case {
  name: string;
  make: () => string;
  extra?: string[];
  /** The steps the reference verifier must fail (besides agreeing with Java). */
  fails: string[];
  /** Failing seqs the reference verifier must name, per step (checked when given). */
  seqs?: Record<string, number[]>;
}

const receipt = path.join(SAMPLE, 'receipt-seq-17.tlog-proof');

const TAMPERED: Case[] = [
  // Paper ballots (docs/ledger.md §4.2, §12 V9): on the open sample, E's submission (p5, seq 22
  // and 23) entered on paper, then tampered with.
  {
    name: 'a paper ballot received after the window closed (seq 23, 1 ms late), re-signed',
    make: () => withPaper('export', [22, 23], (seq) => (seq === 23 ? { received_at: '2026-03-30T16:00:00.001Z' } : {})),
    fails: ['V9'],
    seqs: { V9: [23] },
  },
  {
    // Entered twice by clerk A: V9 (two different clerks) and V12 (the second is not the holder
    // of clerk B's credential seq 2).
    name: 'paper ballots entered twice by one clerk (seq 22) and with an uppercase scan hash (seq 23), re-signed',
    make: () => withPaper('export', [22, 23], (seq) => (seq === 22 ? { clerks: [CLERKS[0], CLERKS[0]] } : { scan_sha256: 'AB'.repeat(32) })),
    fails: ['V9', 'V12'],
    seqs: { V9: [22, 23], V12: [22] },
  },
  {
    // D's refused ballot (seq 21, party p4 had voted at seq 19) counted as a paper ballot under
    // "final": a second ballot in the box, and a recount that no longer matches the tally.
    name: 'a refused ballot turned into a counted paper ballot (seq 21, final), re-signed',
    make: () => withPaper('export', [21], () => ({ reason: undefined, choice: 'no' })),
    fails: ['V9', 'V10'],
    seqs: { V9: [21], V10: [34] },
  },

  // Credentials (§4.5, §12 V12) and the participation list (§11, V13), on the open sample,
  // re-chained and re-signed with the sample log key.
  {
    name: 'a ballot that names no credential (seq 17, B on m1), re-signed',
    make: () => rewritten('export', (lines) => editEntry(lines, 17, { credential: undefined })),
    fails: ['V12'],
    seqs: { V12: [17] },
  },
  {
    name: "a ballot cast with another household's credential (seq 17, B's ballot with A's account, seq 4), re-signed",
    make: () => rewritten('export', (lines) => editEntry(lines, 17, { credential: 4 })),
    fails: ['V12'],
    seqs: { V12: [17] },
  },
  {
    // D's refused ballot (seq 21) replaced by a revocation of F's account credential (seq 9):
    // F's own ballots (seq 29, 31) were then cast with a revoked credential.
    name: "ballots cast with a revoked credential (seq 21 revokes F's account seq 9; F votes at seq 29 and 31), re-signed",
    make: () =>
      rewritten('export', (lines) => {
        const { at, log, prev, seq } = JSON.parse(lines[21]!) as Record<string, unknown>;
        lines[21] = canonicalLine({ at, credential: 9, log, prev, reason: 'the account was closed', seq, type: 'revocation', v: 1 });
        return 21;
      }),
    fails: ['V12'],
    seqs: { V12: [29, 31] },
  },
  {
    name: 'a ballot naming the auditor’s appointment as its credential (seq 15, A on m1), re-signed',
    make: () => rewritten('export', (lines) => editEntry(lines, 15, { credential: 3 })),
    fails: ['V12'],
    seqs: { V12: [15] },
  },
  {
    // owner_wins (§4.3): F's own m2 ballot (seq 31) recast as the proxy holder's. Under "final"
    // the marker seq 30 then replaces nothing the owner cast (V9), the engine refuses the
    // holder's second ballot (V10), and the holder voted after the owner's seq 29 (V12).
    name: "the owner's replacing ballot (seq 31) recast as the proxy holder's, re-signed",
    make: () => rewritten('export', (lines) => editEntry(lines, 31, { channel: 'proxy', proxy: 12, credential: 13 })),
    fails: ['V9', 'V10', 'V12'],
    seqs: { V9: [30, 31], V10: [34], V12: [31] },
  },
  {
    name: 'a marker superseding the proxy ballot of the other matter (seq 28 names seq 25), re-signed',
    make: () => rewritten('export', (lines) => editEntry(lines, 28, { superseded_seq: 25 })),
    fails: ['V9'],
    seqs: { V9: [28, 29] },
  },
  {
    name: 'participation.jsonl leaves out E’s household (p5, first ballot seq 22), SHA256SUMS recomputed',
    make: () => {
      const dir = copyOf();
      const file = path.join(dir, 'participation.jsonl');
      writeFileSync(file, readFileSync(file, 'utf8').split('\n').filter((l) => !l.includes('"party":"p5"')).join('\n'));
      reseal(dir);
      return dir;
    },
    fails: ['V13'],
    seqs: { V13: [22] },
  },
  {
    name: 'participation.jsonl shows a household that did not vote (p8), SHA256SUMS recomputed',
    make: () => {
      const dir = copyOf();
      const file = path.join(dir, 'participation.jsonl');
      writeFileSync(file, `${readFileSync(file, 'utf8')}{"at":"2026-03-20T01:06:00.000Z","channels":["online"],"parts":["U10"],"party":"p8","seq":33}\n`);
      reseal(dir);
      return dir;
    },
    fails: ['V13'],
    seqs: { V13: [] },
  },
  {
    name: 'participation.jsonl in another order, SHA256SUMS recomputed',
    make: () => {
      const dir = copyOf();
      const file = path.join(dir, 'participation.jsonl');
      writeFileSync(file, `${readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().join('\n')}\n`);
      reseal(dir);
      return dir;
    },
    fails: ['V13'],
    seqs: { V13: [] },
  },
  {
    name: 'participation.jsonl missing although the manifest declares credentials, SHA256SUMS recomputed',
    make: () => {
      const dir = copyOf();
      rmSync(path.join(dir, 'participation.jsonl'));
      reseal(dir);
      return dir;
    },
    fails: ['V13'],
    seqs: { V13: [] },
  },
];
for (const resealed of [false, true]) {
  const tag = resealed ? ', SHA256SUMS recomputed' : '';
  const v0 = resealed ? [] : ['V0'];
  const done = (dir: string) => {
    if (resealed) reseal(dir);
    return dir;
  };
  TAMPERED.push(
    {
      name: `one byte of entries.jsonl changed (a nonce in seq 22)${tag}`,
      make: () => {
        const dir = copyOf();
        const bytes = readFileSync(path.join(dir, 'entries.jsonl'));
        const at = bytes.indexOf('000000009004');
        bytes[at + 11] = 'f'.charCodeAt(0); // …900f: a nonce no other submission used
        writeFileSync(path.join(dir, 'entries.jsonl'), bytes);
        return done(dir);
      },
      fails: [...v0, 'V4', 'V5', 'V7'],
    },
    {
      name: `a choice changed (seq 22: no → yes)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        expect(lines[22]).toContain('"choice":"no"');
        lines[22] = lines[22]!.replace('"choice":"no"', '"choice":"yes"');
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V4', 'V5', 'V7', 'V10'],
    },
    {
      name: `one line deleted (seq 17, B's ballot on m1)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        lines.splice(17, 1);
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V3', 'V4', 'V5', 'V7', 'V9', 'V10', 'V12', 'V13'],
    },
    {
      name: `two lines swapped (seq 15 and 16)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        [lines[15], lines[16]] = [lines[16]!, lines[15]!];
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V3', 'V4', 'V5', 'V7'],
    },
    {
      name: `the tail truncated (close and tally removed)${tag}`,
      make: () => {
        const dir = copyOf();
        writeEntries(dir, entriesOf(dir).slice(0, 33));
        return done(dir);
      },
      fails: [...v0, 'V5', 'V7', 'V10'],
    },
    {
      name: `a checkpoint replaced by one of another key${tag}`,
      make: () => {
        const dir = copyOf();
        resignCheckpoint(dir, 21);
        return done(dir);
      },
      fails: [...v0, 'V6'],
    },
    {
      name: `an entry re-serialized non-canonically (a space after a colon)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        lines[15] = lines[15]!.replace('"channel":"online"', '"channel": "online"');
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V2', 'V4', 'V5', 'V7'],
    },
    {
      name: `tally.json falsified (m2 passed)${tag}`,
      make: () => {
        const dir = copyOf();
        const file = path.join(dir, 'tally.json');
        writeFileSync(file, readFileSync(file, 'utf8').replace('"outcome":"rejected"', '"outcome":"passed"'));
        return done(dir);
      },
      fails: [...v0, 'V10'],
    },
    {
      name: `the roster stuffed with a party after setup${tag}`,
      make: () => {
        const dir = copyOf();
        const file = path.join(dir, 'roster.jsonl');
        writeFileSync(file, `${readFileSync(file, 'utf8')}{"area_cents":10000,"developer":false,"heads":1,"parts":["U99"],"party":"p9"}\n`);
        return done(dir);
      },
      fails: [...v0, 'V8', 'V10'],
    },
  );
}
TAMPERED.push(
  {
    // B's receipt is for seq 17; the log is cut back to the notice (12 entries, its checkpoint
    // kept), with tally.json dropped and an empty participation list, as the operator would.
    name: 'a receipt against a log truncated below it, checkpoints, participation and sums rewritten to match',
    make: () => {
      const dir = copyOf();
      writeEntries(dir, entriesOf(dir).slice(0, 12));
      for (const f of readdirSync(path.join(dir, 'checkpoints'))) if (f !== '12.note') rmSync(path.join(dir, 'checkpoints', f));
      rmSync(path.join(dir, 'tally.json'));
      writeFileSync(path.join(dir, 'participation.jsonl'), '');
      reseal(dir);
      return dir;
    },
    extra: ['--receipt', receipt],
    fails: ['V7'],
  },
  {
    name: 'a sealed ballot whose opening names another choice',
    make: () => {
      const dir = path.join(work, `case-${++n}`);
      cpSync(path.join(SAMPLE, 'sealed'), dir, { recursive: true });
      const file = path.join(dir, 'openings.jsonl');
      writeFileSync(file, readFileSync(file, 'utf8').replace('"choice":"no","matter":"m1","party":"p3"', '"choice":"yes","matter":"m1","party":"p3"'));
      return path.join(dir, 'export');
    },
    extra: ['--openings', 'OPENINGS'],
    fails: ['V0', 'V10', 'V11'],
  },
  {
    // keys.txt comes with the export; V6 trusts only the key the manifest names (which the setup
    // entry's hash covers), so a key added to keys.txt signs nothing for this vote.
    name: 'a checkpoint re-signed by a key the attacker also added to keys.txt (V6: not the manifest key)',
    make: () => {
      const dir = copyOf();
      const vkey = resignCheckpoint(dir, 21);
      writeFileSync(path.join(dir, 'keys.txt'), `${readFileSync(path.join(dir, 'keys.txt'), 'utf8')}${vkey}\n`);
      reseal(dir);
      return dir;
    },
    fails: ['V6'],
  },
  {
    // The operator (who holds the log key) replays B's submission on m1 (seq 14, last_counts) with
    // a supersede marker, re-chains, re-signs and reseals: hashes, signatures, the credential and
    // the sealed tally all hold; only the repeated nonce shows the replay.
    name: 'a replayed submission re-signed with the log key (sealed sample: same nonce on m1 at seq 14 and 30)',
    make: () => {
      const dir = path.join(work, `case-${++n}`);
      cpSync(path.join(SAMPLE, 'sealed/export'), dir, { recursive: true });
      const lines = entriesOf(dir);
      const close = lines.findIndex((l) => l.includes('"type":"close"'));
      const original = JSON.parse(lines[14]!) as Record<string, unknown>;
      expect(original).toMatchObject({ type: 'ballot', matter: 'm1', party: 'p3' });
      const marker = { at: original.at, log: original.log, matter: 'm1', party: 'p3', prev: '', seq: 0, superseded_seq: 14, type: 'ballot_superseded', v: 1 };
      lines.splice(close, 0, JSON.stringify(marker), lines[14]!);
      rewriteLog(dir, lines, close);
      reseal(dir);
      return dir;
    },
    fails: ['V9'],
    seqs: { V9: [14, 30] },
  },
);

// docs/ledger.md §7.1, checked with node:crypto only (no linli code): the instant promise is a
// compact JWS by the log key over the entry's leaf hash, and the tracker is base32 of its first
// 10 bytes.
describe('the sample receipt promise (docs/ledger.md §7.1)', () => {
  it('is an EdDSA JWS by the manifest’s vkey naming the receipt’s entry, leaf hash and tracker', () => {
    const [header, payload, signature] = readFileSync(path.join(SAMPLE, 'receipt-seq-17.jws'), 'utf8').trim().split('.');
    const manifest = JSON.parse(readFileSync(path.join(SAMPLE, 'export/manifest.json'), 'utf8')) as { vkey: string; log: string };
    const keyData = Buffer.from(manifest.vkey.split('+').slice(2).join('+'), 'base64');
    expect(keyData[0]).toBe(1);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), keyData.subarray(1)]);
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(signature!, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString('utf8'))).toEqual({ alg: 'EdDSA', typ: 'linli-receipt+jws' });
    const claim = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as { log: string; seq: number; leaf: string; tracker: string };
    const entry = readFileSync(path.join(SAMPLE, 'export/entries.jsonl'), 'utf8').split('\n')[claim.seq]!;
    const leaf = createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(entry)])).digest();
    expect(claim).toMatchObject({ log: manifest.log, seq: 17, leaf: leaf.toString('base64') });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const bits = [...leaf.subarray(0, 10)].map((b) => b.toString(2).padStart(8, '0')).join('');
    const base32 = bits.match(/.{5}/g)!.map((b) => alphabet[parseInt(b, 2)]).join('');
    expect(claim.tracker).toBe(base32.match(/.{4}/g)!.join('-'));
    expect(claim.tracker).toBe('MI25-FCRO-HJMF-XSZV'); // as docs/ledger.md §14.1 quotes it
  });
});

const suite = hasJava ? describe : describe.skip;
const title = hasJava ? 'independent Java verifier agrees with verify-ledger.ts' : 'independent Java verifier (skipped: `java` is not on PATH; set LINLI_REQUIRE_JAVA=1 to require it)';

suite(title, () => {
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'linli-independent-'));
    classes = path.join(work, 'classes');
    execFileSync('javac', [...JVM.map((f) => `-J${f}`), '-d', classes, JAVA_SOURCE], { stdio: 'pipe' });
  }, 60_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('both pass the open sample, run as documented (npx tsx; java Verifier.java DIR)', async () => {
    const [ts, java] = await Promise.all([
      run('npx', ['tsx', 'scripts/verify-ledger.ts', 'docs/ledger-sample/export']),
      run('java', [...JVM, JAVA_SOURCE, 'docs/ledger-sample/export']),
    ]);
    expect(ts.code, ts.stdout + ts.stderr).toBe(0);
    expect(java.code, java.stdout + java.stderr).toBe(0);
    expect(java.stdout).toMatch(/^V10 ok$/m);
    // expected.txt is the reference output of this very sample.
    expect(ts.stdout).toBe(readFileSync(path.join(SAMPLE, 'expected.txt'), 'utf8'));
  });

  // docs/ledger.md §12.1: the issuer report is printed alike by every implementation; expected.txt
  // holds the reference output, so the Java one must equal it line for line (and the result line).
  it.each([
    { sample: 'export', extra: [] as string[], expected: 'expected.txt', issuers: 2, objections: 1 },
    { sample: 'sealed/export', extra: ['--openings', 'docs/ledger-sample/sealed/openings.jsonl'], expected: 'sealed/expected.txt', issuers: 1, objections: 0 },
  ])('the Java verifier prints the issuer report and result line of $expected', async (c) => {
    const java = await run('java', [...JVM, '-cp', classes, 'Verifier', `docs/ledger-sample/${c.sample}`, ...c.extra]);
    expect(java.code, java.stdout + java.stderr).toBe(0);
    const want = readTail(readFileSync(path.join(SAMPLE, c.expected), 'utf8'));
    expect(want[0]).toBe('issuers: credentials created before / after the window opened, used to vote within 24 h, ballots disputed');
    expect(want.filter((l) => /^ {2}\S+ {2}before \d+ {2}after \d+ {2}within 24 h \d+ {2}disputed \d+ {2}\(.+\)$/.test(l))).toHaveLength(c.issuers);
    expect(want).toContain(`objections: ${c.objections}`);
    expect(want.at(-1)).toMatch(/^result: OK — /);
    expect(readTail(java.stdout)).toEqual(want);
    // The recount lines before it agree too.
    const recount = (text: string) => text.split('\n').filter((l) => l.startsWith('recount '));
    expect(recount(java.stdout)).toEqual(recount(readFileSync(path.join(SAMPLE, c.expected), 'utf8')));
  });

  it('both pass the open sample with its receipt, and the sealed sample with and without openings', async () => {
    const runs = await Promise.all([
      both('docs/ledger-sample/export', ['--receipt', 'docs/ledger-sample/receipt-seq-17.tlog-proof']),
      both('docs/ledger-sample/sealed/export'),
      both('docs/ledger-sample/sealed/export', ['--openings', 'docs/ledger-sample/sealed/openings.jsonl']),
    ]);
    for (const r of runs) {
      expectAgreement(r);
      expect(r.ts.code, r.ts.stdout).toBe(0);
    }
    expect(runs[2]!.java.stdout).toMatch(/^V11 ok$/m);
    expect(runs[2]!.ts.stdout).toBe(readFileSync(path.join(SAMPLE, 'sealed/expected.txt'), 'utf8'));
  });

  it('both pass exports with paper ballots: open (seq 22, 23 on paper) and sealed (seq 18, 19 and the replacing seq 22 on paper)', async () => {
    const open = withPaper('export', [22, 23]);
    const sealed = withPaper('sealed/export', [18, 19, 22]);
    // The open sample has G's letter on paper already (seq 26, 27).
    expect(entriesOf(open).filter((l) => l.includes('"type":"paper_ballot"'))).toHaveLength(4);
    expect(entriesOf(sealed).filter((l) => l.includes('"type":"paper_ballot"'))).toHaveLength(3);
    expect(readFileSync(path.join(open, 'participation.jsonl'), 'utf8')).toContain('"channels":["paper"],"parts":["U5"],"party":"p5","seq":22}');
    const runs = await Promise.all([both(open), both(sealed), both(sealed, ['--openings', path.join(SAMPLE, 'sealed/openings.jsonl')])]);
    for (const r of runs) {
      expectAgreement(r);
      expect(r.ts.code, r.ts.stdout).toBe(0);
    }
    expect(runs[2]!.java.stdout).toMatch(/^V11 ok$/m);
  });

  // Proxies, window extensions and consent (docs/ledger.md §4.3, §4.4, §10.5): exports built by
  // hand (test/independent/ledger-cases.ts, the cases verify.test.ts checks in-process), written
  // to disk and given to both verifiers.
  it.each(LEDGER_CASES)('agree on a hand-built export: $name', async (c) => {
    const built = await c.build();
    const dir = path.join(work, `case-${++n}`);
    for (const [p, bytes] of built.files) {
      mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      writeFileSync(path.join(dir, p), bytes);
    }
    const extra: string[] = [];
    if (c.withOpenings) {
      writeFileSync(`${dir}.openings.jsonl`, built.openings!);
      extra.push('--openings', `${dir}.openings.jsonl`);
    }
    const r = await both(dir, extra);
    expectAgreement(r);
    expect([...r.ts.failing.keys()].sort(), r.ts.stdout).toEqual([...c.fails].sort());
    expect(r.ts.code).toBe(c.fails.length ? 1 : 0);
    for (const [id, seqs] of Object.entries(c.seqs?.(built) ?? {})) expect(r.ts.failing.get(id), r.ts.stdout).toEqual(seqs);
  });

  it.each(TAMPERED)('agree on a tampered export: $name', async (c) => {
    const dir = c.make();
    const extra = (c.extra ?? []).map((a) => (a === 'OPENINGS' ? path.join(path.dirname(dir), 'openings.jsonl') : a));
    const r = await both(dir, extra);
    expectAgreement(r);
    expect([...r.ts.failing.keys()].sort(), r.ts.stdout).toEqual([...c.fails].sort());
    expect(r.ts.code).toBe(c.fails.length ? 1 : 0);
    for (const [id, seqs] of Object.entries(c.seqs ?? {})) expect(r.ts.failing.get(id), r.ts.stdout).toEqual(seqs);
  });
});
