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
  return {
    ts: { code: ts.code, failing: readTs(ts.stdout), stdout: ts.stdout },
    java: { code: java.code, failing: readJava(java.stdout), stdout: java.stdout },
  };
}

const asObject = (m: Map<string, number[]>) => Object.fromEntries([...m].sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1))));

function expectAgreement(r: { ts: Outcome; java: Outcome }) {
  const why = `\n--- TypeScript ---\n${r.ts.stdout}\n--- Java ---\n${r.java.stdout}`;
  expect(r.java.code, why).toBe(r.ts.code);
  expect(asObject(r.java.failing), why).toEqual(asObject(r.ts.failing));
}

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

/**
 * A copy of a sample export in which entries `seqs` became paper ballots (docs/ledger.md §4.2), as
 * if two clerks had entered them: no token, channel paper, two clerks, a scan hash, the time
 * received (`fields` adds or, with undefined, drops fields). Counting is channel-blind, so the
 * logged tally still holds; the log is re-chained, re-signed with the sample log key and resealed.
 */
function withPaper(sample: string, seqs: number[], fields: (seq: number) => Record<string, unknown> = () => ({})): string {
  const dir = path.join(work, `case-${++n}`);
  cpSync(path.join(SAMPLE, sample), dir, { recursive: true });
  const lines = entriesOf(dir);
  for (const seq of seqs) {
    const { token: _token, ...e } = JSON.parse(lines[seq]!) as Record<string, unknown>;
    const paper: Record<string, unknown> = {
      ...e,
      type: 'paper_ballot',
      channel: 'paper',
      clerks: ['clerk-1', 'clerk-2'],
      scan_sha256: createHash('sha256').update(`scan of ${String(e.nonce)}`).digest('hex'),
      received_at: '2026-03-19T09:30:00.000Z',
      ...fields(seq),
    };
    // Keys sorted (all ASCII): canonical, like every entry.
    lines[seq] = JSON.stringify(Object.fromEntries(Object.entries(paper).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  }
  rewriteLog(dir, lines, Math.min(...seqs));
  reseal(dir);
  return dir;
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

const receipt = path.join(SAMPLE, 'receipt-seq-3.tlog-proof');

const TAMPERED: Case[] = [
  // Paper ballots (docs/ledger.md §4.2, §12 V9): on the open sample, p5's submission (seq 8, 9)
  // entered on paper, then tampered with.
  {
    name: 'a paper ballot received after the window closed (seq 9, 1 ms late), re-signed',
    make: () => withPaper('export', [8, 9], (seq) => (seq === 9 ? { received_at: '2026-03-30T16:00:00.001Z' } : {})),
    fails: ['V9'],
    seqs: { V9: [9] },
  },
  {
    name: 'paper ballots entered twice by one clerk (seq 8) and with an uppercase scan hash (seq 9), re-signed',
    make: () =>
      withPaper('export', [8, 9], (seq) => (seq === 8 ? { clerks: ['clerk-1', 'clerk-1'] } : { scan_sha256: 'AB'.repeat(32) })),
    fails: ['V9'],
    seqs: { V9: [8, 9] },
  },
  {
    // D's refused ballot (seq 7, party p4 had voted at seq 5) counted as a paper ballot under
    // "final": a second ballot in the box, and a recount that no longer matches the tally.
    name: 'a refused ballot turned into a counted paper ballot (seq 7, final), re-signed',
    make: () => withPaper('export', [7], () => ({ reason: undefined, choice: 'no' })),
    fails: ['V9', 'V10'],
    seqs: { V9: [7], V10: [15] },
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
      name: `one byte of entries.jsonl changed (a nonce in seq 8)${tag}`,
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
      name: `a choice changed (seq 8: no → yes)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        lines[8] = lines[8]!.replace('"choice":"no"', '"choice":"yes"');
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V4', 'V5', 'V7', 'V10'],
    },
    {
      name: `one line deleted (seq 5)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        lines.splice(5, 1);
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V3', 'V4', 'V5', 'V7', 'V10'],
    },
    {
      name: `two lines swapped (seq 3 and 4)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        [lines[3], lines[4]] = [lines[4]!, lines[3]!];
        writeEntries(dir, lines);
        return done(dir);
      },
      fails: [...v0, 'V3', 'V4', 'V5', 'V7'],
    },
    {
      name: `the tail truncated (close and tally removed)${tag}`,
      make: () => {
        const dir = copyOf();
        writeEntries(dir, entriesOf(dir).slice(0, 14));
        return done(dir);
      },
      fails: [...v0, 'V5', 'V7', 'V10'],
    },
    {
      name: `a checkpoint replaced by one of another key${tag}`,
      make: () => {
        const dir = copyOf();
        resignCheckpoint(dir, 7);
        return done(dir);
      },
      fails: [...v0, 'V6'],
    },
    {
      name: `an entry re-serialized non-canonically (a space after a colon)${tag}`,
      make: () => {
        const dir = copyOf();
        const lines = entriesOf(dir);
        lines[10] = lines[10]!.replace('"channel":"online"', '"channel": "online"');
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
    name: 'a receipt against a log truncated below it, checkpoints and sums rewritten to match',
    make: () => {
      const dir = copyOf();
      writeEntries(dir, entriesOf(dir).slice(0, 3));
      for (const f of readdirSync(path.join(dir, 'checkpoints'))) if (f !== '1.note') rmSync(path.join(dir, 'checkpoints', f));
      rmSync(path.join(dir, 'tally.json'));
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
      const vkey = resignCheckpoint(dir, 7);
      writeFileSync(path.join(dir, 'keys.txt'), `${readFileSync(path.join(dir, 'keys.txt'), 'utf8')}${vkey}\n`);
      reseal(dir);
      return dir;
    },
    fails: ['V6'],
  },
  {
    // The operator (who holds the log key) replays B's submission on m1 (seq 3, last_counts) with
    // a supersede marker, re-chains, re-signs and reseals: hashes, signatures and the sealed
    // tally all hold; only the repeated nonce shows the replay.
    name: 'a replayed submission re-signed with the log key (sealed sample: same nonce on m1 at seq 3 and 19)',
    make: () => {
      const dir = path.join(work, `case-${++n}`);
      cpSync(path.join(SAMPLE, 'sealed/export'), dir, { recursive: true });
      const lines = entriesOf(dir);
      const close = lines.findIndex((l) => l.includes('"type":"close"'));
      const original = JSON.parse(lines[3]!) as Record<string, unknown>;
      expect(original).toMatchObject({ type: 'ballot', matter: 'm1', party: 'p3' });
      const marker = { at: original.at, log: original.log, matter: 'm1', party: 'p3', prev: '', seq: 0, superseded_seq: 3, type: 'ballot_superseded', v: 1 };
      lines.splice(close, 0, JSON.stringify(marker), lines[3]!);
      rewriteLog(dir, lines, close);
      reseal(dir);
      return dir;
    },
    fails: ['V9'],
    seqs: { V9: [3, 19] },
  },
);

// docs/ledger.md §7.1, checked with node:crypto only (no linli code): the instant promise is a
// compact JWS by the log key over the entry's leaf hash, and the tracker is base32 of its first
// 10 bytes.
describe('the sample receipt promise (docs/ledger.md §7.1)', () => {
  it('is an EdDSA JWS by the manifest’s vkey naming the receipt’s entry, leaf hash and tracker', () => {
    const [header, payload, signature] = readFileSync(path.join(SAMPLE, 'receipt-seq-3.jws'), 'utf8').trim().split('.');
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
    expect(claim).toMatchObject({ log: manifest.log, seq: 3, leaf: leaf.toString('base64') });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    const bits = [...leaf.subarray(0, 10)].map((b) => b.toString(2).padStart(8, '0')).join('');
    const base32 = bits.match(/.{5}/g)!.map((b) => alphabet[parseInt(b, 2)]).join('');
    expect(claim.tracker).toBe(base32.match(/.{4}/g)!.join('-'));
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

  it('both pass the open sample with its receipt, and the sealed sample with and without openings', async () => {
    const runs = await Promise.all([
      both('docs/ledger-sample/export', ['--receipt', 'docs/ledger-sample/receipt-seq-3.tlog-proof']),
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

  it('both pass exports with paper ballots: open (seq 8, 9 on paper) and sealed (seq 7, 8 and the replacing seq 15 on paper)', async () => {
    const open = withPaper('export', [8, 9]);
    const sealed = withPaper('sealed/export', [7, 8, 15]);
    expect(entriesOf(sealed).filter((l) => l.includes('"type":"paper_ballot"'))).toHaveLength(3);
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
