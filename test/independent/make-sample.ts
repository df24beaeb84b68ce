/**
 * Generates docs/ledger-sample/, the test vectors of docs/ledger.md: small, real exports of two
 * votes, produced by the service code itself (publishNotice, castBallot, closeVote,
 * signCheckpoint, buildExport) on an in-memory PGlite database.
 *
 *   npx tsx test/independent/make-sample.ts [OUT]        (default OUT: docs/ledger-sample)
 *
 * OUT/            the open-mode (记名) vote, revision "final"
 *   export/       the export folder, exactly as buildExport makes it
 *   receipt-seq-N.tlog-proof, receipt-seq-N.jws   one owner's receipt and instant promise
 *   expected.txt  the output of scripts/verify-ledger.ts on OUT/export
 * OUT/sealed/     a sealed-mode vote, revision "last_counts", with an option matter
 *   export/       the public export (SHA256SUMS lists openings.jsonl, which is not in it)
 *   openings.jsonl  the auditors' openings, kept beside the export
 *   expected.txt  verify-ledger.ts on sealed/export with --openings sealed/openings.jsonl
 *
 * Deterministic: a fixed signing key, a fixed clock, fixed nonces and token ids, fixed estate and
 * vote ids (set as column defaults of the throwaway database, so the service's own INSERTs pick
 * them up) and, for the sealed vote only, predictable salts. Ed25519 signatures are
 * deterministic, so running this again reproduces every byte of the samples.
 */

import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { persons, roleGrants, users } from '../../db/schema/index.ts';
import { createDb, migrate, type Db } from '../../src/db.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { Keyring } from '../../src/keys.ts';
import { inclusionReceipt, signCheckpoint } from '../../src/modules/ledger/checkpoints.ts';
import { buildExport } from '../../src/modules/ledger/export.ts';
import { logSigner } from '../../src/modules/ledger/keys.ts';
import { promiseReceipt, trackerOf } from '../../src/modules/ledger/receipts.ts';
import { createEstate, importRegister, updateRules } from '../../src/modules/registry/service.ts';
import { castBallot, closeVote, createVote, enterPaperBallot, publishNotice } from '../../src/modules/votes/service.ts';
import { issueLetters, recordProxy, redeemLetter } from '../../src/modules/votes/letters.ts';
import { fileObjection } from '../../src/modules/credentials/oversight.ts';
import { bindPerson } from '../../src/modules/auth/service.ts';

// SAMPLE KEY, NOT SECRET. A test fixture: it signs only the published sample in docs/ledger-sample
// and must never be used by a deployment. (PKCS#8 DER, base64, Ed25519.)
const SAMPLE_SIGNING_KEY_NOT_SECRET = 'MC4CAQAwBQYDK2VwBCIEIOphVNgwR3myopXL4CnsUnhY3mMVfpKg/4Ejkd4KpmqX';
const SAMPLE_PEPPER_NOT_SECRET = new TextEncoder().encode('linli sample pepper, not secret');

const PUBLIC_URL = 'https://linli.example';
const ESTATE_ID = '00000000-0000-4000-8000-0000000e5a7e';
const OPEN_VOTE_ID = '00000000-0000-4000-8000-00000000f07e';
const SEALED_VOTE_ID = '00000000-0000-4000-8000-0000005ea1ed';

/** The register of shared/vectors/recount/T1 (E10): 10 parts, 8 owner parties, 900.00 m². */
const REGISTER = `part_id,building,entrance,floor,kind,area,area_source,status,owners
U1,1,1,1,residential,80.00,register,registered,A
U2,1,1,2,residential,90.00,register,registered,B
U3,1,2,1,residential,100.00,register,registered,B
U4,1,2,2,residential,120.00,register,registered,C;D
U5,2,1,1,residential,60.00,register,registered,E
U6,2,1,2,residential,70.00,survey,delivered,F
U7,2,2,1,residential,110.00,contract,unsold,
U8,2,2,2,residential,95.00,contract,sold_undelivered,
U9,3,1,1,residential,85.00,register,registered,G
U10,3,1,2,residential,90.00,register,registered,H
`;

const OPEN_MATTERS = [
  { title: '续聘物业服务企业 Renew the property management company', category: '4', kind: 'yes_no', options: [] },
  { title: '外墙翻新改造 Renovate the façade', category: '7', kind: 'yes_no', options: [] },
];

const SEALED_MATTERS = [
  { title: '增设电动自行车充电桩 Add e-bike charging points', category: '5', kind: 'yes_no', options: [] },
  {
    title: '外墙涂料颜色 Exterior paint colour',
    category: '3',
    kind: 'options',
    options: [
      { key: 'A', name: '暖米色 Warm beige', colorHex: '#D8C3A5', colorCode: 'NCS S 1015-Y20R' },
      { key: 'B', name: '浅灰 Light grey', colorHex: '#BFC5C9', colorCode: 'NCS S 2002-B' },
      { key: 'C', name: '砖红 Brick red', colorHex: '#A4493D', colorCode: 'NCS S 4040-Y80R' },
    ],
  },
];

/** One submission: [register person, m1 choice or null, m2 choice or null]. */
type Submission = [string, string | null, string | null];

/**
 * The open (记名) sample, revision "final": D co-owns U4 with C, whose party has voted, so D's
 * ballot is rejected; F's proxy holder votes before F, whose own ballot then replaces theirs
 * (owner_wins); G votes on paper (see OPEN_HAPPENINGS).
 */
const OPEN_BALLOTS: Submission[] = [
  ['A', 'yes', 'yes'],
  ['B', 'yes', 'no'],
  ['C', 'yes', 'yes'],
  ['D', 'no', null],
  ['E', 'no', 'abstain'],
  ['F', 'yes', 'yes'],
];

/**
 * The sealed sample, revision "last_counts", spoilt "excluded", non-voters "deemed_majority":
 * A changes their m1 ballot, D (C's co-owner) replaces their party's m2 ballot, E spoils m1,
 * and H submits an option that does not exist (rejected with its reason).
 */
const SEALED_BALLOTS: Submission[] = [
  ['A', 'yes', 'A'],
  ['B', 'no', 'B'],
  ['C', 'yes', 'A'],
  ['E', 'spoilt', 'C'],
  ['H', null, 'Z'],
  ['A', 'no', null],
  ['F', 'yes', 'A'],
  ['D', null, 'B'],
  ['G', 'yes', 'A'],
];

const at = (iso: string) => new Date(iso);
const fixedId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Owner accounts have fixed ids (0xb0…), staff 0xa0…: their pseudonymous refs on the log stay the same. */
async function bindOwner(db: Db, keys: Keyring, estateId: string, ref: string, now: Date): Promise<string> {
  const [u] = await db.insert(users).values({ id: fixedId(0xb000 + ref.charCodeAt(0)), displayName: `sample owner ${ref}`, isAdmin: false }).returning({ id: users.id });
  const [person] = await db.select({ id: persons.id }).from(persons).where(and(eq(persons.estateId, estateId), eq(persons.ref, ref)));
  if (!person) throw new Error(`no person ${ref}`);
  // As if each had signed in with the phone number on the register (imported by the organizer).
  await db.transaction((tx) => bindPerson(tx as unknown as Db, keys, { personId: person.id, userId: u!.id, via: 'phone', now }));
  return u!.id;
}

/** The staff of the sample estate: the organizer appoints two clerks and an auditor before any notice. */
async function staffOf(db: Db, estateId: string, at: Date) {
  const make = async (n: number, name: string, role: 'organizer' | 'clerk' | 'auditor', grantedBy: string | null) => {
    const [u] = await db.insert(users).values({ id: fixedId(0xa000 + n), displayName: name }).returning({ id: users.id });
    await db.insert(roleGrants).values({ userId: u!.id, estateId, role, grantedBy, createdAt: at });
    return u!.id;
  };
  const organizer = await make(1, 'sample organizer', 'organizer', null);
  return { organizer, clerkA: await make(2, 'sample clerk A', 'clerk', organizer), clerkB: await make(3, 'sample clerk B', 'clerk', organizer), auditor: await make(4, 'sample auditor', 'auditor', organizer) };
}
type Staff = Awaited<ReturnType<typeof staffOf>>;

/**
 * Ballot salts from a counter instead of the CSPRNG, so the sealed sample is reproducible. The
 * service imports randomBytes from node:crypto; syncBuiltinESMExports() makes that binding see
 * this replacement. SAMPLE ONLY: predictable salts make commitments guessable.
 */
function predictableSalts(): void {
  let n = 0;
  let u = 0;
  const nodeCrypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const real = nodeCrypto.randomBytes;
  (nodeCrypto as { randomBytes: unknown }).randomBytes = (size: number, ...rest: unknown[]) =>
    size === 32 && rest.length === 0 ? createHash('sha256').update(`linli sample salt ${n++}, not secret`).digest() : (real as (...a: unknown[]) => Buffer)(size, ...rest);
  // The clerks' entry pair id is a paper ballot's nonce: a counter too, so the sample reproduces.
  (nodeCrypto as { randomUUID: unknown }).randomUUID = () => fixedId(0xc000 + u++);
  syncBuiltinESMExports();
}

/**
 * What happens besides the owners' own submissions: before the window opens (after the notice),
 * and after a given submission (`after`: its index), in order.
 */
interface Happening {
  before?: true;
  after?: number;
  act(ctx: { db: Db; keys: Keyring; estateId: string; voteId: string; staff: Staff; userOf: Record<string, string>; now: Date }): Promise<void>;
}

interface VoteSpec {
  voteId: string;
  title: string;
  matters: unknown[];
  ballots: Submission[];
  /** Index of the submission after which a checkpoint is signed while voting. */
  checkpointAfter: number;
  /** Whose receipt to write: the first ballot of this register person. */
  receiptOf: string | null;
  happenings?: Happening[];
}

/** The open sample's proxy, letter, paper ballot, owner's override and objection (docs/ledger.md §14.1). */
const OPEN_HAPPENINGS: Happening[] = [
  {
    before: true,
    // F gives a written proxy (委托书); clerk A records it. G asks for a printed ballot letter.
    async act({ db, keys, estateId, voteId, staff, now }) {
      const proxy = await recordProxy(db, keys, { estateId, voteId, userId: staff.clerkA, publicUrl: PUBLIC_URL, partId: 'U6', holderIdNumber: 'SAMPLE0HOLDER0F', authorizationSha256: 'f6'.repeat(32), now });
      proxyCode = proxy.code;
      await issueLetters(db, keys, { estateId, voteId, userId: staff.organizer, publicUrl: PUBLIC_URL, reissue: false, parts: ['U9'], now });
    },
  },
  {
    after: 4,
    // F's holder votes for F online (no on both), then G's signed letter is entered by both clerks.
    async act({ db, estateId, voteId, staff, now }) {
      const holder = await redeemLetter(db, proxyCode, now);
      await castBallot(db, { estateId, voteId, userId: holder.userId, tokenId: fixedId(0x7100), nonce: fixedId(0x9100), choices: [{ matter: 'm1', choice: 'no' }, { matter: 'm2', choice: 'no' }], now });
      const paper = { estateId, voteId, partId: 'U9', choices: [{ matter: 'm1', choice: 'yes' }, { matter: 'm2', choice: 'yes' }], scanSha256: '9a'.repeat(32), receivedAt: at('2026-03-19T17:00:00+08:00'), now };
      await enterPaperBallot(db, keysOf(), { ...paper, clerkId: staff.clerkA });
      await enterPaperBallot(db, keysOf(), { ...paper, clerkId: staff.clerkB });
    },
  },
  {
    after: 5,
    // E says a ballot of their household was not theirs (the words stay off the log).
    async act({ db, estateId, voteId, userOf, now }) {
      await fileObjection(db, { estateId, voteId, userId: userOf.E!, text: 'sample objection', now });
    },
  },
];
let proxyCode = '';
let sampleKeys: Keyring | null = null;
const keysOf = () => sampleKeys!;

async function runVote(db: Db, keys: Keyring, estateId: string, userOf: Record<string, string>, staff: Staff, spec: VoteSpec, out: string, openings: boolean) {
  const signer = logSigner(keys, PUBLIC_URL);
  await db.execute(sql.raw(`alter table votes alter column id set default '${spec.voteId}'`));
  const vote = await createVote(db, estateId, staff.organizer, {
    title: spec.title,
    description: 'Sample vote for docs/ledger.md',
    opensAt: '2026-03-17T00:00:00+08:00',
    closesAt: '2026-03-31T00:00:00+08:00',
    matters: spec.matters,
  } as Parameters<typeof createVote>[3]);
  if (vote.id !== spec.voteId) throw new Error(`vote id ${vote.id}, expected the fixed ${spec.voteId}`);

  // The notice opens the log (setup entry) and the first checkpoint is signed at once.
  const noticeAt = at('2026-03-01T10:00:00+08:00');
  await publishNotice(db, { publicUrl: PUBLIC_URL, vkey: signer.vkey, keys, userId: staff.organizer }, estateId, vote.id, '2026-03-01', noticeAt);
  await signCheckpoint(db, signer, vote.id, noticeAt);
  const ctx = { db, keys, estateId, voteId: vote.id, staff, userOf };
  for (const h of spec.happenings ?? []) if (h.before) await h.act({ ...ctx, now: at('2026-03-10T10:00:00+08:00') });

  const cast: { ref: string; seq: number; leaf: string; at: Date }[] = [];
  for (const [i, [ref, c1, c2]] of spec.ballots.entries()) {
    const now = at(`2026-03-20T09:${String(i).padStart(2, '0')}:00+08:00`);
    const choices = [...(c1 ? [{ matter: 'm1', choice: c1 }] : []), ...(c2 ? [{ matter: 'm2', choice: c2 }] : [])];
    const r = await castBallot(db, { estateId, voteId: vote.id, userId: userOf[ref]!, tokenId: fixedId(0x7000 + i), nonce: fixedId(0x9000 + i), choices, now });
    for (const o of r.outcomes) if (o.seq !== null) cast.push({ ref, seq: o.seq, leaf: o.leaf!, at: now });
    if (i === spec.checkpointAfter) await signCheckpoint(db, signer, vote.id, at(`2026-03-20T09:${String(i).padStart(2, '0')}:30+08:00`));
    for (const h of spec.happenings ?? []) if (h.after === i) await h.act({ ...ctx, now: at(`2026-03-20T09:${String(i).padStart(2, '0')}:40+08:00`) });
  }

  const closeAt = at('2026-03-31T00:00:00+08:00');
  await closeVote(db, estateId, vote.id, { reason: 'voting window ended 投票期限届满', manual: false, userId: null, now: closeAt });
  await signCheckpoint(db, signer, vote.id, closeAt);

  // With openings, openings.jsonl is listed in SHA256SUMS but kept beside the export, as it is
  // handed to named auditors separately from the public export.
  const files = await buildExport(db, estateId, vote.id, { openings });
  for (const [name, text] of files) {
    const file = name === 'openings.jsonl' ? path.join(out, name) : path.join(out, 'export', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  if (spec.receiptOf) {
    // The receipt an owner downloads (tlog-proof) and the instant JWS promise.
    const mine = cast.find((s) => s.ref === spec.receiptOf)!;
    const { proof } = await inclusionReceipt(db, vote.id, mine.seq);
    writeFileSync(path.join(out, `receipt-seq-${mine.seq}.tlog-proof`), proof);
    const origin = files.get('manifest.json')!.match(/"log":"([^"]+)"/)![1];
    const jws = await promiseReceipt(keys, { log: origin!, seq: mine.seq, leaf: mine.leaf, tracker: trackerOf(mine.leaf), at: mine.at.toISOString() });
    writeFileSync(path.join(out, `receipt-seq-${mine.seq}.jws`), `${jws}\n`);
  }
}

/** The reference verifier's report, run the way docs/ledger.md tells auditors to run it. */
function expected(out: string, extra: string[] = []): void {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  let report: string;
  try {
    report = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/verify-ledger.ts', rel(path.join(out, 'export')), ...extra], { encoding: 'utf8' });
  } catch (err) {
    throw new Error(`the sample in ${out} does not verify:\n${(err as { stdout?: string }).stdout ?? err}`);
  }
  writeFileSync(path.join(out, 'expected.txt'), report);
  process.stdout.write(report);
}

async function main(out: string): Promise<void> {
  predictableSalts();
  const privateKey = createPrivateKey({ key: Buffer.from(SAMPLE_SIGNING_KEY_NOT_SECRET, 'base64'), format: 'der', type: 'pkcs8' });
  const keys = new Keyring(privateKey, createPublicKey(privateKey), SAMPLE_PEPPER_NOT_SECRET);
  sampleKeys = keys;
  const handle = await createDb({});
  rmSync(out, { recursive: true, force: true });
  try {
    const db = handle.db;
    await migrate(db);
    // Fixed ids, so the log origin (which names the estate and the vote) is the same on every run.
    await db.execute(sql.raw(`alter table estates alter column id set default '${ESTATE_ID}'`));
    const estate = await createEstate(db, { name: '示例小区 Sample estate' });
    const staff = await staffOf(db, estate.id, at('2026-02-15T10:00:00+08:00'));
    await importRegister(db, keys, { estateId: estate.id, table: parseCsv(REGISTER), format: 'csv', fileSha256: 'sample', importedBy: staff.organizer, dryRun: false });
    const userOf: Record<string, string> = {};
    for (const ref of 'ABCDEFGH') userOf[ref] = await bindOwner(db, keys, estate.id, ref, at('2026-02-20T10:00:00+08:00'));

    // Votes copy the estate's rules (议事规则) when they are created.
    await updateRules(db, estate.id, { secrecy: 'open' });
    await runVote(db, keys, estate.id, userOf, staff, { voteId: OPEN_VOTE_ID, title: '2026年第一次业主大会 First owners’ assembly of 2026', matters: OPEN_MATTERS, ballots: OPEN_BALLOTS, checkpointAfter: 2, receiptOf: 'B', happenings: OPEN_HAPPENINGS }, out, false);
    await updateRules(db, estate.id, { secrecy: 'sealed', revision: 'last_counts', spoilt: 'excluded', nonVoters: 'deemed_majority' });
    await runVote(db, keys, estate.id, userOf, staff, { voteId: SEALED_VOTE_ID, title: '2026年第二次业主大会 Second owners’ assembly of 2026', matters: SEALED_MATTERS, ballots: SEALED_BALLOTS, checkpointAfter: 3, receiptOf: null }, path.join(out, 'sealed'), true);
  } finally {
    await handle.close();
  }
  expected(out);
  expected(path.join(out, 'sealed'), ['--openings', path.relative(process.cwd(), path.join(out, 'sealed', 'openings.jsonl'))]);
}

const out = process.argv[2] ?? path.join('docs', 'ledger-sample');
main(out).catch((err: unknown) => {
  process.stderr.write(`make-sample: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
