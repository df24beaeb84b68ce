import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitment } from '../../src/domain/ledger/commitment.ts';
import { type EntryType } from '../../src/domain/ledger/entry.ts';
import { leafHash, sha256Bytes, toBase64 } from '../../src/domain/ledger/hash.ts';
import { canonicalize, type Json } from '../../src/domain/ledger/jcs.ts';
import { MerkleTree } from '../../src/domain/ledger/merkle.ts';
import { verifyExport, type StepId, type VerifyReport } from '../../src/domain/ledger/verify.ts';
import { rosterLines } from '../../src/modules/votes/snapshot.ts';
import { commitment as serviceCommitment } from '../../src/modules/votes/service.ts';
import {
  assemble,
  buildExport,
  checkpointNote,
  CLOSES_AT,
  DEFAULT_EVENTS,
  ENGINE,
  Log,
  makeKey,
  ORIGIN,
  receiptFor,
  rechain,
  resign,
  resum,
  ROSTER,
  SCAN,
  setEntries,
  tallyResults,
  textsOf,
  utf8,
  type Built,
  type Event,
  type Key,
} from '../independent/ledger-builder.ts';
import { HOLDER_A, LEDGER_CASES, OCCUPIED, PROXY_EVENTS } from '../independent/ledger-cases.ts';

// The exports are built from scratch by test/independent/ledger-builder.ts, the way the service
// writes its log.

const step = (r: VerifyReport, id: StepId) => r.steps.find((s) => s.id === id)!;
const failed = (r: VerifyReport) => r.steps.filter((s) => !s.ok).map((s) => s.id);
const explain = (r: VerifyReport) => r.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.details.join(' | ')}`).join('\n');

// ---------------------------------------------------------------------------------------------

describe('verifyExport: honest exports', () => {
  it('passes every step in open mode and recounts from the choices', async () => {
    const built = await buildExport();
    const report = await verifyExport(built.files);
    expect(explain(report)).toBe('');
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.id)).toEqual(['V0', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6', 'V7', 'V8', 'V9', 'V10', 'V11', 'V12', 'V13']);
    expect(report.entries).toBe(built.texts.length);
    expect(report.origin).toBe(ORIGIN);
    expect(step(report, 'V11')).toMatchObject({ ok: true, skipped: true });
    expect(report.recount?.mode).toBe('full');
    expect(report.recount?.matters.m1).toMatchObject({ outcome: 'passed', participation: { parties: 5 }, yes: { parties: 3 } });
    expect(report.recount?.matters.m2).toMatchObject({ adopted: 'A' });
  });

  it('passes in sealed mode: weights only without openings, a full recount with them', async () => {
    const built = await buildExport({ secrecy: 'sealed' });
    expect(textsOf(built.files).some((t) => t.includes('"choice"'))).toBe(false);

    const blind = await verifyExport(built.files);
    expect(explain(blind)).toBe('');
    expect(step(blind, 'V10').details.join(' ')).toMatch(/choices need openings/);
    expect(step(blind, 'V11')).toMatchObject({ ok: true, skipped: true });
    expect(blind.recount?.mode).toBe('weights_only');

    const opened = await verifyExport(built.files, { openings: built.openings! });
    expect(explain(opened)).toBe('');
    expect(step(opened, 'V11').skipped).toBeUndefined();
    expect(opened.recount?.mode).toBe('full');
    expect(opened.recount?.matters.m1).toMatchObject({ outcome: 'passed' });

    // The same with openings.jsonl inside the folder (listed in SHA256SUMS).
    const inFolder = await buildExport({ secrecy: 'sealed', openingsInFolder: true });
    expect(explain(await verifyExport(inFolder.files))).toBe('');
  });

  it('checks sealed turnout with spoilt ballots under either spoilt rule', async () => {
    const events = DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1' ? { ...e, choice: 'spoilt' } : e));
    for (const spoilt of ['participates', 'excluded'] as const) {
      const built = await buildExport({ secrecy: 'sealed', spoilt, events });
      const report = await verifyExport(built.files);
      expect(explain(report), spoilt).toBe('');
      expect(report.recount?.mode).toBe('weights_only');
      expect(explain(await verifyExport(built.files, { openings: built.openings! }))).toBe('');
    }
    // A sealed tally that claims more turnout than the ballots in the box is caught without openings.
    const built = await buildExport({ secrecy: 'sealed', events });
    const texts = textsOf(built.files);
    const e = JSON.parse(texts[built.seqs.tally]) as { results: Record<string, Record<string, { parties: number; area: string }>> } & Record<string, Json>;
    e.results.m1.participation = { parties: 6, area: e.results.m1.participation.area };
    texts[built.seqs.tally] = canonicalize(e as unknown as Json);
    const chained = rechain(texts, built.seqs.tally + 1);
    setEntries(built.files, chained);
    built.files.set('tally.json', utf8.encode(JSON.stringify({ matters: e.results })));
    await resign(built.files, chained, built.key);
    const r = await verifyExport(resum(built.files));
    expect(failed(r)).toEqual(['V10']);
    expect(step(r, 'V10').details.join(' ')).toMatch(/participation .* does not match the 5 ballots counted/);
  });

  it('passes under last_counts with superseded ballots', async () => {
    const built = await buildExport({
      revision: 'last_counts',
      events: [
        ...DEFAULT_EVENTS,
        { t: 'supersede', matter: 'm1', party: 'p3' },
        { t: 'ballot', matter: 'm1', party: 'p3', choice: 'yes' },
      ],
    });
    const report = await verifyExport(built.files);
    expect(explain(report)).toBe('');
    expect(report.recount?.matters.m1).toMatchObject({ yes: { parties: 4 } });
  });

  it("accepts an owner's receipt and says when a receipt does not verify", async () => {
    const built = await buildExport();
    const seq = built.seqs.ballots[3];
    const good = await verifyExport(built.files, { receipt: await receiptFor(built, seq) });
    expect(explain(good)).toBe('');
    const older = await verifyExport(built.files, { receipt: await receiptFor(built, 2, 5) });
    expect(explain(older)).toBe('');

    const foreign = { ...built, key: await makeKey() };
    const bad = await verifyExport(built.files, { receipt: await receiptFor(foreign, seq) });
    expect(failed(bad)).toEqual(['V6']);
    expect(step(bad, 'V6').failingSeqs).toEqual([seq]);
  });

  it('commitment() follows the documented encoding (checked against node:crypto)', () => {
    // An independent rendering of docs/ledger.md §8.2: the UTF-8 bytes of the five strings and the
    // 32 salt bytes, concatenated with no separators.
    const reference = (log: string, matter: string, party: string, choice: string, salt: Buffer) =>
      createHash('sha256')
        .update(Buffer.concat([...['linli-ballot-v1', log, matter, party, choice].map((f) => Buffer.from(f, 'utf8')), salt]))
        .digest('base64');
    for (let i = 0; i < 50; i++) {
      const salt = randomBytes(32);
      const args = [ORIGIN, `m${i}`, `p${i}`, i % 2 ? 'yes' : '浅灰'] as const;
      expect(commitment(...args, salt.toString('base64'))).toBe(reference(...args, salt));
      expect(commitment(...args, new Uint8Array(salt))).toBe(reference(...args, salt));
    }
    // The vector quoted in docs/ledger.md §8.2 (docs/ledger-sample/sealed, seq 1).
    const sampleLog = 'linli.example/linli/00000000-0000-4000-8000-0000000e5a7e/00000000-0000-4000-8000-0000005ea1ed';
    const sampleSalt = 'MYNvfgPrZ+eh3lzKdcBpzmpjDbscPQc73/2O6mnoroI=';
    expect(commitment(sampleLog, 'm1', 'p2', 'yes', sampleSalt)).toBe('jFeYFCHl1nEHNVnob02xXjrGrpBnJ0zXwUIpMoA6N08=');
    expect(reference(sampleLog, 'm1', 'p2', 'yes', Buffer.from(sampleSalt, 'base64'))).toBe('jFeYFCHl1nEHNVnob02xXjrGrpBnJ0zXwUIpMoA6N08=');
    // The service seals ballots with this very function.
    expect(serviceCommitment).toBe(commitment);
  });
});

describe('verifyExport: attacks are caught by the step that should catch them', () => {
  it('edit one entry → V4 names the next seq, V5 the edited range', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[2]; // p2's m1 ballot
    const texts = textsOf(built.files);
    texts[k] = texts[k].replace('"choice":"yes"', '"choice":"no"');
    setEntries(built.files, texts);
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V4')).toMatchObject({ ok: false, failingSeqs: [k + 1] });
    expect(step(report, 'V4').details[0]).toBe(`prev mismatch at seq ${k + 1}: not the leaf hash of seq ${k} (one of the two was changed, or an entry removed)`);
    expect(step(report, 'V5').ok).toBe(false);
    expect(step(report, 'V5').failingSeqs).toContain(k);
    expect(step(report, 'V10').ok).toBe(false); // the recount no longer matches the tally

    // Re-chaining everything after it hides the edit from V4 but not from the signed roots.
    const rewritten = await buildExport();
    const t2 = textsOf(rewritten.files);
    t2[k] = t2[k].replace('"choice":"yes"', '"choice":"no"');
    setEntries(rewritten.files, rechain(t2, k + 1));
    const r2 = await verifyExport(resum(rewritten.files));
    expect(step(r2, 'V4').ok).toBe(true);
    expect(step(r2, 'V5').ok).toBe(false);
    expect(step(r2, 'V5').failingSeqs).toContain(k);
    expect(step(r2, 'V5').failingSeqs).not.toContain(0);
  });

  it('reorder two entries → V3 names both seqs', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[4];
    const texts = textsOf(built.files);
    [texts[k], texts[k + 1]] = [texts[k + 1], texts[k]];
    setEntries(built.files, texts);
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V3')).toMatchObject({ ok: false, failingSeqs: [k, k + 1] });
    expect(step(report, 'V4').ok).toBe(false);
    expect(step(report, 'V5').ok).toBe(false);
  });

  it('delete one entry → V3 and V4 name the gap', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[5];
    const texts = textsOf(built.files);
    texts.splice(k, 1);
    setEntries(built.files, texts);
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V3').failingSeqs[0]).toBe(k);
    expect(step(report, 'V3').details[0]).toBe(`position ${k} holds seq ${k + 1}: seq must run 0, 1, 2, … without gaps`);
    expect(step(report, 'V4').failingSeqs).toEqual([k]);
    expect(step(report, 'V5').ok).toBe(false);
  });

  it('truncate the tail after a receipt was issued → V7, through the receipt', async () => {
    const built = await buildExport();
    const seq = built.seqs.ballots[9]; // one of the last ballots
    const receipt = await receiptFor(built, seq);
    // The operator drops the last ballots, closes and tallies again, and re-signs: a tidy log.
    const kept = built.texts.slice(0, built.seqs.ballots[8]);
    const log = new Log();
    for (const t of kept) {
      const e = JSON.parse(t) as Record<string, Json>;
      const { v: _v, log: _l, seq: _s, prev: _p, type, at: _a, ...body } = e;
      log.add(type as EntryType, body);
    }
    expect(log.texts).toEqual(kept);
    const choices = new Map(kept.map((t) => JSON.parse(t)).filter((e) => e.type === 'ballot').map((e) => [e.seq as number, e.choice as string]));
    log.add('close', { reason: 'the voting window ended', manual: false });
    const results = tallyResults(log.texts, built.rules, choices);
    log.add('tally', { engine: ENGINE, stage: 'preliminary', results });
    const files = await assemble({ texts: log.texts, manifest: built.manifest, rosterText: rosterLines(ROSTER), results, key: built.key, checkpoints: [1, 5] });
    resum(files);

    // Without the receipt nothing betrays it …
    const blind = await verifyExport(files);
    expect(explain(blind)).toBe('');
    // … with it, V7 names the missing entries.
    const report = await verifyExport(files, { receipt });
    expect(failed(report)).toEqual(['V7']);
    expect(step(report, 'V7').failingSeqs).toContain(seq);
    expect(step(report, 'V7').details.join(' ')).toMatch(/truncated|missing|differs/);
  });

  it('fork: two checkpoints of one size, or a smaller inconsistent one later → V5 and V7', async () => {
    const built = await buildExport();
    // An alternative history of 5 entries, signed with the real key.
    const alt = textsOf(built.files).slice(0, 5);
    alt[3] = alt[3].replace('"choice":"yes"', '"choice":"no"');
    const altRoot = new MerkleTree(rechain(alt, 4).map((t) => leafHash(t))).root();
    const twin = new Map(built.files);
    twin.set('checkpoints/5-fork.note', utf8.encode(await checkpointNote(built.key, 5, altRoot)));
    const r1 = await verifyExport(resum(twin));
    expect(step(r1, 'V7').ok).toBe(false);
    expect(step(r1, 'V7').details.join(' ')).toMatch(/fork: .* different roots for the same size 5/);
    expect(step(r1, 'V5').ok).toBe(false);
    expect(step(r1, 'V6').ok).toBe(true); // it IS the log's signature: that is what makes it a fork

    // A later checkpoint of a smaller size from another history.
    const smaller = new Map(built.files);
    const alt7 = textsOf(built.files).slice(0, 7);
    alt7[4] = alt7[4].replace('"choice":"A"', '"choice":"B"');
    smaller.set('checkpoints/7.note', utf8.encode(await checkpointNote(built.key, 7, new MerkleTree(rechain(alt7, 5).map((t) => leafHash(t))).root())));
    const r2 = await verifyExport(resum(smaller));
    expect(step(r2, 'V5')).toMatchObject({ ok: false });
    expect(step(r2, 'V5').failingSeqs).toEqual([5, 6]);
    expect(step(r2, 'V7').ok).toBe(false);
    expect(step(r2, 'V7').details.join(' ')).toMatch(/not consistent/);
  });

  it('a second ballot for the same party → V9 names it, though hashes and signatures are all right', async () => {
    const events: Event[] = [...DEFAULT_EVENTS, { t: 'ballot', matter: 'm1', party: 'p2', choice: 'no' }];
    const built = await buildExport({ events });
    const second = built.seqs.ballots[built.seqs.ballots.length - 1];
    const report = await verifyExport(built.files);
    expect(failed(report)).toEqual(['V9']);
    expect(step(report, 'V9').failingSeqs).toEqual([second]);
    expect(step(report, 'V9').details[0]).toMatch(new RegExp(`seq ${second}: a second ballot of party p2 on matter m1`));

    // Under last_counts the same is fine only when the first is marked superseded.
    const unmarked = await buildExport({ revision: 'last_counts', events });
    const r2 = await verifyExport(unmarked.files);
    expect(failed(r2)).toEqual(['V9']);
    expect(step(r2, 'V9').details[0]).toMatch(/without marking seq \d+ superseded/);
  });

  it('ballots after close, and rejections without a reason → V9', async () => {
    const built = await buildExport();
    const texts = textsOf(built.files);
    const e = JSON.parse(texts[built.seqs.ballots[0]]) as Record<string, Json>;
    texts.splice(built.seqs.close + 1, 0, canonicalize({ ...e, nonce: 'late' }));
    const rejected = texts.findIndex((t) => t.includes('"type":"ballot_rejected"'));
    texts[rejected] = texts[rejected].replace('"reason":"choice not allowed"', '"reason":""');
    const late = built.seqs.close + 1;
    const chained = rechain(texts, rejected);
    setEntries(built.files, chained);
    await resign(built.files, chained, built.key);
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V9').ok).toBe(false);
    expect(step(report, 'V9').failingSeqs).toEqual(expect.arrayContaining([rejected, late]));
    expect(step(report, 'V9').details.join(' ')).toMatch(/after the close at seq/);
    expect(step(report, 'V9').details.join(' ')).toMatch(/without a reason/);
  });

  it('stuffing the roster after setup → V8 (and V1 if the manifest is edited to match)', async () => {
    const built = await buildExport();
    const stuffed = `${new TextDecoder().decode(built.files.get('roster.jsonl'))}${canonicalize({ party: 'p6', area_cents: 9_000, heads: 1, developer: false, parts: ['1-302'] })}\n`;
    built.files.set('roster.jsonl', utf8.encode(stuffed));
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V8')).toMatchObject({ ok: false, failingSeqs: [0] });
    expect(step(report, 'V8').details[0]).toMatch(/roster changed after setup/);

    // Editing the manifest to the stuffed roster breaks the setup entry's hash instead.
    const manifest = JSON.parse(built.manifest) as Record<string, Json>;
    (manifest.electorate as Record<string, Json>).roster_sha256 = toBase64(sha256Bytes(stuffed));
    (manifest.electorate as Record<string, Json>).parties = 6;
    (manifest.electorate as Record<string, Json>).area_cents = 61_735;
    built.files.set('manifest.json', utf8.encode(canonicalize(manifest)));
    const r2 = await verifyExport(resum(built.files));
    expect(step(r2, 'V1')).toMatchObject({ ok: false, failingSeqs: [0] });
    expect(step(r2, 'V8').details.join(' ')).not.toMatch(/roster changed/);
    expect(step(r2, 'V10').ok).toBe(false); // the electorate no longer matches the tally
  });

  it('ballot weights that do not match the roster → V8', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[0];
    const texts = textsOf(built.files);
    texts[k] = texts[k].replace('"area_cents":8950', '"area_cents":18950');
    const chained = rechain(texts, k + 1);
    setEntries(built.files, chained);
    await resign(built.files, chained, built.key);
    const report = await verifyExport(resum(built.files));
    expect(failed(report)).toEqual(['V8']);
    expect(step(report, 'V8').failingSeqs).toEqual([k]);
  });

  it('non-canonical serialization → V2 names the entry', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[1];
    const texts = textsOf(built.files);
    const e = JSON.parse(texts[k]) as Record<string, Json>;
    texts[k] = JSON.stringify(e, null, 0).replace('{', '{ '); // same JSON, not its canonical text
    const chained = [...texts.slice(0, k + 1), ...rechain(texts, k + 1).slice(k + 1)];
    setEntries(built.files, chained);
    await resign(built.files, chained, built.key);
    const report = await verifyExport(resum(built.files));
    expect(failed(report)).toEqual(['V2']);
    expect(step(report, 'V2').failingSeqs).toEqual([k]);

    // Key order and escapes count as well.
    const reordered = await buildExport();
    const t2 = textsOf(reordered.files);
    const parsed = JSON.parse(t2[k]) as Record<string, Json>;
    t2[k] = JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse()));
    const c2 = [...t2.slice(0, k + 1), ...rechain(t2, k + 1).slice(k + 1)];
    setEntries(reordered.files, c2);
    await resign(reordered.files, c2, reordered.key);
    const r2 = await verifyExport(resum(reordered.files));
    expect(step(r2, 'V2')).toMatchObject({ ok: false, failingSeqs: [k] });
  });

  it('a checkpoint under an unknown key → V6', async () => {
    const built = await buildExport();
    const stranger = await makeKey();
    const tree = new MerkleTree(built.texts.map((t) => leafHash(t)));
    built.files.set('checkpoints/5.note', utf8.encode(await checkpointNote(stranger, 5, tree.root(5))));
    const report = await verifyExport(resum(built.files));
    expect(failed(report)).toEqual(['V6']);
    expect(step(report, 'V6').details[0]).toMatch(/checkpoints\/5\.note: not signed by the manifest's key/);

    // A tampered signature by the known key is a failure too.
    const again = await buildExport();
    const note = new TextDecoder().decode(again.files.get('checkpoints/9.note'));
    again.files.set('checkpoints/9.note', utf8.encode(note.replace(/ ([A-Za-z0-9+/]{20})/, (_m, s: string) => ` ${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`)));
    const r2 = await verifyExport(resum(again.files));
    expect(step(r2, 'V6').ok).toBe(false);
  });

  it("a checkpoint signed by another key of keys.txt, not the manifest's → V6 names the key that signed it", async () => {
    // keys.txt may list the deployment's other keys (its rotation history), or an attacker's.
    const other = await makeKey();
    const idOf = (k: Key) => k.vkey.split('+')[1];
    const built = await buildExport({ extraKeys: [other] });
    expect(explain(await verifyExport(built.files))).toBe('');
    const tree = new MerkleTree(built.texts.map((t) => leafHash(t)));
    built.files.set('checkpoints/5.note', utf8.encode(await checkpointNote(other, 5, tree.root(5))));
    const report = await verifyExport(resum(built.files));
    expect(failed(report)).toEqual(['V6']);
    expect(step(report, 'V6').details).toEqual([
      `checkpoints/5.note: signed only by ${other.name} ${idOf(other)}, a key in keys.txt but not the manifest's key (${built.key.name} ${idOf(built.key)})`,
    ]);
    // A receipt under that key proves nothing about this vote either.
    const seq = built.seqs.ballots[0];
    const r2 = await verifyExport(built.files, { receipt: await receiptFor({ ...built, key: other }, seq) });
    expect(step(r2, 'V6').failingSeqs).toEqual([seq]);

    // The manifest's key must be in keys.txt, even when every checkpoint verifies against it.
    const missing = await buildExport();
    missing.files.set('keys.txt', utf8.encode(`${other.vkey}\n`));
    const r3 = await verifyExport(resum(missing.files));
    expect(failed(r3)).toEqual(['V6']);
    expect(step(r3, 'V6').details).toEqual([`the manifest's key ${missing.key.vkey} is not in keys.txt`]);
  });

  it('a manifest without vkey: V6 falls back to keys.txt and says so', async () => {
    const other = await makeKey();
    const built = await buildExport({ noManifestKey: true, extraKeys: [other] });
    const tree = new MerkleTree(built.texts.map((t) => leafHash(t)));
    built.files.set('checkpoints/5.note', utf8.encode(await checkpointNote(other, 5, tree.root(5))));
    const report = await verifyExport(resum(built.files));
    expect(explain(report)).toBe('');
    expect(step(report, 'V6').details.join(' ')).toMatch(/the manifest names no vkey: checkpoint signatures checked against keys\.txt instead/);
    const stranger = await makeKey();
    built.files.set('checkpoints/5.note', utf8.encode(await checkpointNote(stranger, 5, tree.root(5))));
    const r2 = await verifyExport(resum(built.files));
    expect(failed(r2)).toEqual(['V6']);
    expect(step(r2, 'V6').details[0]).toMatch(/checkpoints\/5\.note: not signed by any key in keys\.txt/);
  });

  it('a replayed submission (two ballots with one nonce on one matter) → V9 names both seqs, under either revision rule', async () => {
    const nonceOf = (b: Built, seq: number) => (JSON.parse(b.texts[seq]) as { nonce: string }).nonce;
    const firstOf = (b: Built) => b.seqs.ballots[2]; // p2's m1 ballot
    // last_counts: the replay is marked as a revision, so only the nonce betrays it.
    const honest = await buildExport({ revision: 'last_counts' });
    const nonce = nonceOf(honest, firstOf(honest));
    const replay: Event[] = [...DEFAULT_EVENTS, { t: 'supersede', matter: 'm1', party: 'p2' }, { t: 'ballot', matter: 'm1', party: 'p2', choice: 'yes', nonce }];
    const built = await buildExport({ revision: 'last_counts', events: replay });
    const [first, again] = [firstOf(built), built.seqs.ballots[built.seqs.ballots.length - 1]];
    expect(nonceOf(built, again)).toBe(nonceOf(built, first));
    const report = await verifyExport(built.files);
    expect(failed(report)).toEqual(['V9']);
    expect(step(report, 'V9').failingSeqs).toEqual([first, again]);
    expect(step(report, 'V9').details).toEqual([`seq ${again}: replays seq ${first} (the same nonce "${nonce}" on matter m1): a replayed submission must be refused, not counted`]);

    // final: also a second ballot of the party.
    const fin = await buildExport({ events: [...DEFAULT_EVENTS, { t: 'ballot', matter: 'm1', party: 'p2', choice: 'yes', nonce }] });
    const r2 = await verifyExport(fin.files);
    expect(failed(r2)).toEqual(['V9']);
    expect(step(r2, 'V9').failingSeqs).toEqual([firstOf(fin), fin.seqs.ballots[fin.seqs.ballots.length - 1]]);

    // What the box does instead: refuse it (ballot_rejected may repeat a nonce). And one
    // submission puts one nonce on each of its matters: that is no replay.
    const refused = await buildExport({
      events: [
        ...DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p1' ? { ...e, nonce: 'submission-p1' } : e)),
        { t: 'rejected', matter: 'm1', party: 'p1', reason: 'replayed submission', nonce: 'submission-p1' },
        { t: 'rejected', matter: 'm2', party: 'p1', reason: 'replayed submission', nonce: 'submission-p1' },
      ],
    });
    expect(explain(await verifyExport(refused.files))).toBe('');
  });

  it('a commitment that does not open → V11 (and V10 cannot count that ballot)', async () => {
    const built = await buildExport({ secrecy: 'sealed' });
    const k = built.seqs.ballots[3];
    const lines = new TextDecoder().decode(built.openings!).split('\n');
    const i = lines.findIndex((l) => l.startsWith(`{"choice":"A","matter":"m2","party":"p2","salt"`));
    expect((JSON.parse(lines[i]) as { seq: number }).seq).toBe(k);
    lines[i] = lines[i].replace('"choice":"A"', '"choice":"B"');
    const report = await verifyExport(built.files, { openings: utf8.encode(lines.join('\n')) });
    expect(step(report, 'V11')).toMatchObject({ ok: false, failingSeqs: [k] });
    expect(step(report, 'V11').details[0]).toMatch(/does not open/);
    expect(step(report, 'V10').ok).toBe(false);
    expect(step(report, 'V10').failingSeqs).toEqual([k, built.seqs.tally]);
    expect(step(report, 'V10').details[0]).toMatch(new RegExp(`choices of 1 sealed ballot\\(s\\) are unknown .*seq ${k}`));
    expect(failed(report)).toEqual(['V10', 'V11']);
  });

  it('a tally that does not match the recount, or a tally.json that differs → V10', async () => {
    const built = await buildExport();
    const tallyText = textsOf(built.files)[built.seqs.tally];
    const results = (JSON.parse(tallyText) as { results: Record<string, Record<string, Json>> }).results;
    results.m1.outcome = 'rejected';
    const texts = textsOf(built.files);
    const e = JSON.parse(texts[built.seqs.tally]) as Record<string, Json>;
    texts[built.seqs.tally] = canonicalize({ ...e, results });
    const chained = rechain(texts, built.seqs.tally + 1);
    setEntries(built.files, chained);
    built.files.set('tally.json', utf8.encode(JSON.stringify({ matters: results })));
    await resign(built.files, chained, built.key);
    const report = await verifyExport(resum(built.files));
    expect(failed(report)).toEqual(['V10']);
    expect(step(report, 'V10')).toMatchObject({ failingSeqs: [built.seqs.tally] });
    expect(step(report, 'V10').details[0]).toMatch(/matter m1: the recount differs in outcome/);

    const other = await buildExport();
    other.files.set('tally.json', utf8.encode(JSON.stringify({ matters: { ...results } })));
    const r2 = await verifyExport(resum(other.files));
    expect(failed(r2)).toEqual(['V10']);
    expect(step(r2, 'V10').details[0]).toMatch(/tally.json differs from the tally entry/);
  });

  it('a changed byte in entries.jsonl → V0, plus the steps naming the entry', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[6];
    const bytes = built.files.get('entries.jsonl')!;
    // Flip one bit inside the nonce of entry k ("nonce-7" → "nonce-6"): still valid, canonical JSON.
    const texts = textsOf(built.files);
    const at = texts.slice(0, k).reduce((n, t) => n + utf8.encode(t).length + 1, 0) + utf8.encode(texts[k].slice(0, texts[k].indexOf('nonce-') + 6)).length;
    const changed = bytes.slice();
    changed[at] ^= 0x01;
    built.files.set('entries.jsonl', changed);
    const report = await verifyExport(built.files);
    expect(step(report, 'V0').ok).toBe(false);
    expect(step(report, 'V0').details[0]).toMatch(/entries\.jsonl: SHA-256 does not match/);
    expect(step(report, 'V4').failingSeqs).toEqual([k + 1]);
    expect(step(report, 'V5').failingSeqs).toContain(k);
  });

  it('never throws on a broken export', async () => {
    const report = await verifyExport(new Map());
    expect(report.ok).toBe(false);
    expect(report.steps.every((s) => s.ok === false || s.skipped)).toBe(true);
    const junk = new Map<string, Uint8Array>([
      ['manifest.json', utf8.encode('{')],
      ['entries.jsonl', new Uint8Array([0xff, 0x0a, 0x7b, 0x0a])],
      ['roster.jsonl', utf8.encode('nope\n')],
      ['checkpoints/1.note', utf8.encode('garbage')],
      ['keys.txt', utf8.encode('not a key\n')],
      ['tally.json', utf8.encode('[]')],
      ['SHA256SUMS', utf8.encode('zz  manifest.json\n')],
    ]);
    const r2 = await verifyExport(junk, { openings: utf8.encode('{}\n'), receipt: utf8.encode('garbage') });
    expect(r2.ok).toBe(false);
    expect(failed(r2)).toEqual(expect.arrayContaining(['V0', 'V1', 'V2', 'V5', 'V6', 'V8']));
  });
});

// ---------------------------------------------------------------------------------------------
// Paper ballots (paper_ballot entries), counted like online ballots.

/** p4 and p5 vote on paper (one clerks' pair per party, covering both matters); the others online. */
const PAPER_EVENTS: Event[] = DEFAULT_EVENTS.map((e) =>
  e.t === 'ballot' && (e.party === 'p4' || e.party === 'p5') ? { t: 'paper', matter: e.matter, party: e.party, choice: e.choice, nonce: `pair-${e.party}` } : e,
);

/** DEFAULT_EVENTS with p5's m1 ballot on paper, its body changed by `fields`. */
const onePaper = (fields: Record<string, Json | undefined> = {}): Event[] =>
  DEFAULT_EVENTS.map((e) => (e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1' ? { t: 'paper', matter: 'm1', party: 'p5', choice: e.choice, fields } : e));

const paperSeqs = (built: Built) => built.texts.flatMap((t, seq) => (t.includes('"type":"paper_ballot"') ? [seq] : []));

describe('verifyExport: paper ballots', () => {
  it('counts paper ballots exactly like online ones (open mode)', async () => {
    const built = await buildExport({ events: PAPER_EVENTS });
    const seqs = paperSeqs(built);
    expect(seqs).toHaveLength(4);
    const report = await verifyExport(built.files);
    expect(explain(report)).toBe('');
    // The same choices cast online give the same result.
    const online = await verifyExport((await buildExport()).files);
    expect(report.recount?.matters).toEqual(online.recount?.matters);
    expect(report.recount?.matters.m1).toMatchObject({ outcome: 'passed', participation: { parties: 5 } });

    const entry = JSON.parse(built.texts[seqs[0]]) as Record<string, Json>;
    expect(entry).toMatchObject({ type: 'paper_ballot', channel: 'paper', nonce: 'pair-p4', clerks: ['clerk-a', 'clerk-b'], scan_sha256: SCAN, received_at: '2025-06-01T07:30:00.000Z', choice: 'yes' });
    expect(entry).not.toHaveProperty('token');
    // One paper submission covers both matters with one nonce: no replay.
    expect((JSON.parse(built.texts[seqs[1]]) as { nonce: string }).nonce).toBe('pair-p4');
  });

  it('counts sealed paper ballots: weights only without openings, in full with them (V11 opens them)', async () => {
    const built = await buildExport({ secrecy: 'sealed', events: PAPER_EVENTS });
    expect(paperSeqs(built).every((seq) => !built.texts[seq].includes('"choice"') && built.texts[seq].includes('"commit"'))).toBe(true);
    const blind = await verifyExport(built.files);
    expect(explain(blind)).toBe('');
    expect(blind.recount?.mode).toBe('weights_only');
    expect(blind.recount?.matters.m1).toMatchObject({ counted_ballots: { parties: 5 } });
    const opened = await verifyExport(built.files, { openings: built.openings! });
    expect(explain(opened)).toBe('');
    expect(opened.recount?.mode).toBe('full');
    expect(opened.recount?.matters.m1).toMatchObject({ outcome: 'passed', yes: { parties: 3 } });

    // An opening of a paper ballot that names another choice → V11 names it.
    const k = paperSeqs(built)[1]; // p4's m2 paper ballot, choice A
    const lines = new TextDecoder().decode(built.openings!).split('\n');
    const i = lines.findIndex((l) => l.includes(`"seq":${k}}`));
    lines[i] = lines[i].replace('"choice":"A"', '"choice":"B"');
    const bad = await verifyExport(built.files, { openings: utf8.encode(lines.join('\n')) });
    expect(failed(bad)).toEqual(['V10', 'V11']);
    expect(step(bad, 'V11').failingSeqs).toEqual([k]);
    // Leaving it out is caught as well.
    const without = await verifyExport(built.files, { openings: utf8.encode(lines.filter((_, j) => j !== i).join('\n')) });
    expect(step(without, 'V11')).toMatchObject({ ok: false, failingSeqs: [k] });
    expect(step(without, 'V11').details[0]).toBe(`seq ${k}: no opening for this sealed ballot`);
  });

  it('under last_counts a paper ballot replaces an online one (and back) when the earlier is marked superseded', async () => {
    const events: Event[] = [
      ...DEFAULT_EVENTS,
      { t: 'supersede', matter: 'm1', party: 'p3' },
      { t: 'paper', matter: 'm1', party: 'p3', choice: 'yes' },
      { t: 'supersede', matter: 'm1', party: 'p3' },
      { t: 'ballot', matter: 'm1', party: 'p3', choice: 'abstain' },
    ];
    for (const secrecy of ['open', 'sealed'] as const) {
      const built = await buildExport({ revision: 'last_counts', secrecy, events });
      const report = await verifyExport(built.files, built.openings ? { openings: built.openings } : {});
      expect(explain(report), secrecy).toBe('');
      expect(report.recount?.matters.m1).toMatchObject({ yes: { parties: 3 }, abstain: { parties: 2 } });
    }
    // Without the marker, the paper ballot is an unmarked replacement.
    const unmarked = await buildExport({ revision: 'last_counts', events: [...DEFAULT_EVENTS, { t: 'paper', matter: 'm1', party: 'p3', choice: 'yes' }] });
    const r = await verifyExport(unmarked.files);
    expect(failed(r)).toEqual(['V9']);
    expect(step(r, 'V9').failingSeqs).toEqual(paperSeqs(unmarked));
    expect(step(r, 'V9').details[0]).toMatch(/a second ballot of party p3 on matter m1 without marking seq \d+ superseded/);
  });

  it('under final, a paper ballot after the party voted online is a V9 failure as paper_ballot, fine as ballot_rejected', async () => {
    const late: Event = { t: 'paper', matter: 'm1', party: 'p2', choice: 'no' };
    for (const secrecy of ['open', 'sealed'] as const) {
      const built = await buildExport({ secrecy, events: [...DEFAULT_EVENTS, late] });
      const [seq] = paperSeqs(built);
      const first = built.seqs.ballots[2]; // p2's online m1 ballot
      const report = await verifyExport(built.files, built.openings ? { openings: built.openings } : {});
      expect(failed(report), secrecy).toEqual(['V9']);
      expect(step(report, 'V9').failingSeqs).toEqual([seq]);
      expect(step(report, 'V9').details).toEqual([`seq ${seq}: a second ballot of party p2 on matter m1 (the first is seq ${first}); under "final" only one may be in the box`]);
      // The engine refuses it too (first valid ballot wins), as the logged tally says.
      const m1 = report.recount?.matters.m1 as { rejected_ballots: unknown[] } | undefined;
      if (secrecy === 'open') expect(m1?.rejected_ballots).toEqual([{ seq, reason: 'party already voted' }]);
    }

    // What the box writes instead: a refused paper ballot, with its clerks and scan, no token.
    const refused = await buildExport({ events: [...DEFAULT_EVENTS, { ...late, reason: 'party already voted' }] });
    expect(explain(await verifyExport(refused.files))).toBe('');
    const entry = JSON.parse(refused.texts[refused.seqs.close - 1]) as Record<string, Json>;
    expect(entry).toMatchObject({ type: 'ballot_rejected', channel: 'paper', reason: 'party already voted', clerks: ['clerk-a', 'clerk-b'], scan_sha256: SCAN });
    expect(entry).not.toHaveProperty('token');
    expect(entry).not.toHaveProperty('choice');

    // The other way round: an online ballot after a paper one.
    const paperFirst = await buildExport({ events: [...onePaper(), { t: 'ballot', matter: 'm1', party: 'p5', choice: 'yes' }] });
    const r = await verifyExport(paperFirst.files);
    expect(failed(r)).toEqual(['V9']);
    expect(step(r, 'V9').failingSeqs).toEqual([paperFirst.seqs.ballots[paperFirst.seqs.ballots.length - 1]]);
  });

  it('a paper ballot replaying a nonce (of an online or a paper ballot) on the same matter → V9 names both', async () => {
    const built = await buildExport({ revision: 'last_counts', events: [...DEFAULT_EVENTS, { t: 'supersede', matter: 'm1', party: 'p2' }, { t: 'paper', matter: 'm1', party: 'p2', choice: 'no', nonce: 'nonce-3' }] });
    const first = built.seqs.ballots[2];
    expect((JSON.parse(built.texts[first]) as { nonce: string }).nonce).toBe('nonce-3');
    const report = await verifyExport(built.files);
    expect(failed(report)).toEqual(['V9']);
    expect(step(report, 'V9').failingSeqs).toEqual([first, ...paperSeqs(built)]);
    expect(step(report, 'V9').details[0]).toMatch(/replays seq \d+ \(the same nonce "nonce-3" on matter m1\)/);
  });

  it.each<[string, Record<string, Json | undefined>, RegExp]>([
    ['entered by one clerk', { clerks: ['clerk-a'] }, /two different clerks/],
    ['entered twice by the same clerk', { clerks: ['clerk-a', 'clerk-a'] }, /two different clerks/],
    ['with a blank clerk id', { clerks: ['clerk-a', ' '] }, /two different clerks/],
    ['without clerks', { clerks: undefined }, /"clerks"/],
    ['with a bad scan hash (63 digits)', { scan_sha256: SCAN.slice(1) }, /scan_sha256 .* 64 lowercase hex/],
    ['with a scan hash in uppercase', { scan_sha256: SCAN.toUpperCase() }, /scan_sha256 .* 64 lowercase hex/],
    ['with a scan hash that is not hex', { scan_sha256: 'z'.repeat(64) }, /scan_sha256/],
    ['without a scan hash', { scan_sha256: undefined }, /scan_sha256/],
    ['received after the close', { received_at: '2025-06-05T00:00:00.001Z' }, /received at 2025-06-05T00:00:00\.001Z, after the window closed at 2025-06-05T00:00:00\.000Z/],
    ['received after the close (Beijing time)', { received_at: '2025-06-05T08:00:01+08:00' }, /after the window closed/],
    ['received on an impossible date', { received_at: '2025-02-29T07:30:00.000Z' }, /received_at .* is not a time/],
    ['with received_at not in RFC 3339 form', { received_at: '2025-06-01 07:30' }, /received_at .* is not a time/],
    ['without received_at', { received_at: undefined }, /received_at undefined is not a time/],
    ['on channel "online"', { channel: 'online' }, /channel "paper"/],
    ['without a nonce', { nonce: undefined }, /needs party, weights, channel "paper" and nonce/],
  ])('a paper ballot %s → V9 names it', async (_name, fields, message) => {
    const built = await buildExport({ events: onePaper(fields) });
    const [seq] = paperSeqs(built);
    const report = await verifyExport(built.files);
    expect(failed(report)).toEqual(['V9']);
    expect(step(report, 'V9').failingSeqs).toEqual([seq]);
    expect(step(report, 'V9').details.join(' | ')).toMatch(message);
    expect(step(report, 'V9').details.join(' | ')).toMatch(new RegExp(`^seq ${seq}: `));
  });

  it('accepts received_at up to the window end, in any offset, and a refused paper ballot received late', async () => {
    for (const received_at of [CLOSES_AT, '2025-06-05T07:59:59.999999999+08:00', '2025-06-04T23:59:59Z', '2025-06-04T20:00:00-04:00']) {
      expect(explain(await verifyExport((await buildExport({ events: onePaper({ received_at }) })).files)), received_at).toBe('');
    }
    // A letter received late is refused by the box (ballot_rejected); that record is fine.
    const late: Event = { t: 'paper', matter: 'm1', party: 'p5', choice: 'yes', reason: 'received after the voting window', fields: { received_at: '2025-06-06T02:00:00.000Z' } };
    const built = await buildExport({ events: [...DEFAULT_EVENTS.filter((e) => !(e.t === 'ballot' && e.party === 'p5' && e.matter === 'm1')), late] });
    expect(explain(await verifyExport(built.files))).toBe('');
  });

  it('a manifest without window.closes_at: paper ballots cannot be checked → V9; online-only votes are unaffected', async () => {
    const built = await buildExport({ events: PAPER_EVENTS, window: null });
    const report = await verifyExport(built.files);
    expect(failed(report)).toEqual(['V9']);
    expect(step(report, 'V9').failingSeqs).toEqual(paperSeqs(built));
    expect(step(report, 'V9').details[0]).toMatch(/window\.closes_at null is not a time/);
    expect(explain(await verifyExport((await buildExport({ window: null })).files))).toBe('');
    const odd = await buildExport({ events: PAPER_EVENTS, window: { opens_at: '2025-05-26T00:00:00.000Z', closes_at: '5 June 2025' } });
    expect(step(await verifyExport(odd.files), 'V9').failingSeqs).toEqual(paperSeqs(odd));
  });

  it('paper ballots must match the roster like online ones → V8', async () => {
    const inflated = await buildExport({ events: onePaper({ weights: { area_cents: 99_999, heads: 1 } }) });
    const r1 = await verifyExport(inflated.files);
    expect(failed(r1)).toEqual(['V8']);
    expect(step(r1, 'V8').failingSeqs).toEqual(paperSeqs(inflated));

    const noWeights = await buildExport({ events: onePaper({ weights: undefined }) });
    const r2 = await verifyExport(noWeights.files);
    expect(failed(r2)).toEqual(['V8', 'V9']);
    expect(step(r2, 'V8').details).toEqual([`seq ${paperSeqs(noWeights)[0]}: a paper_ballot entry without weights`]);

    // A party outside the roster: V8, and the engine rejects it (`unknown part`).
    const stranger = await buildExport({ events: [...DEFAULT_EVENTS, { t: 'paper', matter: 'm1', party: 'p9', choice: 'yes', fields: { weights: { area_cents: 1, heads: 1 } } }] });
    const r3 = await verifyExport(stranger.files);
    expect(failed(r3)).toEqual(['V8']);
    expect(step(r3, 'V8')).toMatchObject({ ok: false, failingSeqs: paperSeqs(stranger) });
    expect((r3.recount?.matters.m1 as { rejected_ballots: unknown[] }).rejected_ballots).toEqual([{ seq: paperSeqs(stranger)[0], reason: 'unknown part' }]);
  });

  it('a paper ballot after close, or on a matter not in the manifest → V9', async () => {
    const built = await buildExport({ events: PAPER_EVENTS });
    const texts = textsOf(built.files);
    const k = paperSeqs(built)[0];
    texts.splice(built.seqs.close + 1, 0, canonicalize({ ...(JSON.parse(texts[k]) as Record<string, Json>), nonce: 'pair-late' }));
    const chained = rechain(texts, built.seqs.close + 1);
    setEntries(built.files, chained);
    await resign(built.files, chained, built.key);
    const report = await verifyExport(resum(built.files));
    expect(step(report, 'V9').details.join(' ')).toMatch(new RegExp(`seq ${built.seqs.close + 1}: a paper_ballot after the close at seq ${built.seqs.close}`));

    const other = await buildExport({ events: [...DEFAULT_EVENTS, { t: 'paper', matter: 'm9', party: 'p1', choice: 'yes' }] });
    const r2 = await verifyExport(other.files);
    expect(failed(r2)).toEqual(['V9']);
    expect(step(r2, 'V9').details).toEqual([`seq ${paperSeqs(other)[0]}: matter "m9" is not a matter of this vote`]);
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI, run as an auditor would.

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'scripts/verify-ledger.ts');
const tmp = mkdtempSync(path.join(tmpdir(), 'linli-verify-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeExport(name: string, files: Map<string, Uint8Array>): string {
  const dir = path.join(tmp, name);
  for (const [p, bytes] of files) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), bytes);
  }
  return dir;
}

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

describe('scripts/verify-ledger.ts', () => {
  it('exits 0 on an honest export and prints one line per step', async () => {
    const built = await buildExport({ secrecy: 'sealed' });
    const dir = writeExport('good', built.files);
    writeFileSync(path.join(tmp, 'openings.jsonl'), built.openings!);
    const r = await cli([dir, '--openings', path.join(tmp, 'openings.jsonl')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    for (const id of ['V0', 'V1', 'V10', 'V11']) expect(r.stdout).toMatch(new RegExp(`^${id} +ok `, 'm'));
    expect(r.stdout).toMatch(/^result: OK/m);
  });

  it('exits 1 naming the step and the seq when a byte of entries.jsonl changed', async () => {
    const built = await buildExport();
    const k = built.seqs.ballots[2];
    const texts = textsOf(built.files);
    texts[k] = texts[k].replace('"choice":"yes"', '"choice":"yeS"');
    setEntries(built.files, texts);
    const r = await cli([writeExport('changed', built.files)]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^V0 +FAIL entries\.jsonl: SHA-256 does not match/m);
    expect(r.stdout).toMatch(new RegExp(`^V4 +FAIL prev mismatch at seq ${k + 1}`, 'm'));
    expect(r.stdout).toMatch(/^result: FAILED — V0, V4, V5, V7, V10/m);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('exits 2 on bad usage or a missing folder, without a stack trace', async () => {
    for (const args of [[], ['a', 'b'], ['--bogus', tmp], [path.join(tmp, 'nope')], [tmp, '--receipt', path.join(tmp, 'nope')]]) {
      const r = await cli(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/usage|no such folder|cannot read|unknown option/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Proxies, window extensions and the consent of occupied parts (docs/ledger.md §4.3, §4.4,
// §10.5). The cases are shared with test/unit/independent-verifier.test.ts, which runs the Java
// verifier on them too.

describe('verifyExport: proxies, window extensions, consent of occupied parts', () => {
  it.each(LEDGER_CASES)('$name', async (c) => {
    const built = await c.build();
    const report = await verifyExport(built.files, c.withOpenings ? { openings: built.openings! } : {});
    if (!c.fails.length) expect(explain(report)).toBe('');
    expect(failed(report), explain(report)).toEqual(c.fails);
    for (const [id, seqs] of Object.entries(c.seqs?.(built) ?? {})) expect(step(report, id as StepId).failingSeqs, `${id}: ${explain(report)}`).toEqual(seqs);
    if (c.detail) expect(report.steps.flatMap((s) => (s.ok ? [] : s.details)).join(' | ')).toMatch(c.detail);
  });

  it('counts a proxy holder’s ballots as the principal’s, online and on paper, and passes channel "proxy" to the engine', async () => {
    const built = await buildExport({ events: PROXY_EVENTS });
    const report = await verifyExport(built.files);
    expect(explain(report)).toBe('');
    const online = await verifyExport((await buildExport()).files);
    expect(report.recount?.matters).toEqual(online.recount?.matters);
    const p3 = JSON.parse(built.texts.find((t) => t.includes('"party":"p3"') && t.includes('"type":"ballot"'))!) as Record<string, Json>;
    expect(p3).toMatchObject({ channel: 'proxy', proxy: 1, token: 'tok-p3' });
    const p4 = JSON.parse(built.texts.find((t) => t.includes('"party":"p4"') && t.includes('"type":"paper_ballot"'))!) as Record<string, Json>;
    expect(p4).toMatchObject({ channel: 'proxy', proxy: 2, clerks: ['clerk-a', 'clerk-b'], scan_sha256: SCAN });
    const refused = JSON.parse(built.texts.find((t) => t.includes('"type":"ballot_rejected"'))!) as Record<string, Json>;
    expect(refused).toMatchObject({ party: 'p3', channel: 'proxy', proxy: 1 });
    expect(JSON.parse(built.texts[1])).toMatchObject({ type: 'proxy', party: 'p3', holder: HOLDER_A });
  });

  it('recomputes the consent: required from the roster, given from their effective yes ballots', async () => {
    const unsatisfied = await verifyExport((await buildExport({ occupiedParts: OCCUPIED })).files);
    expect(unsatisfied.recount?.consent).toEqual({
      m1: { required: ['p3', 'p5'], given: [], satisfied: false },
      m2: { required: ['p3', 'p5'], given: [], satisfied: false },
    });
    // The engine's result is unchanged by consent: m1 passes, though consent is not satisfied.
    expect(unsatisfied.recount?.matters.m1).toMatchObject({ outcome: 'passed' });

    // Under last_counts the effective (last) ballot decides: p3 first says no, then yes.
    const events: Event[] = [...DEFAULT_EVENTS, { t: 'supersede', matter: 'm1', party: 'p3' }, { t: 'ballot', matter: 'm1', party: 'p3', choice: 'yes' }];
    const revised = await buildExport({ revision: 'last_counts', occupiedParts: OCCUPIED, events });
    const r = await verifyExport(revised.files);
    expect(explain(r)).toBe('');
    expect((r.recount?.consent as Record<string, unknown>).m1).toEqual({ required: ['p3', 'p5'], given: ['p3'], satisfied: false });
    const tallyJson = JSON.parse(new TextDecoder().decode(revised.files.get('tally.json'))) as Record<string, unknown>;
    expect(tallyJson.consent).toEqual(JSON.parse(revised.texts[revised.seqs.tally]).consent);

    // Sealed without openings: only `required` can be recomputed.
    const blind = await verifyExport((await buildExport({ secrecy: 'sealed', occupiedParts: OCCUPIED })).files);
    expect(blind.recount?.consent).toEqual({ m1: { required: ['p3', 'p5'] }, m2: { required: ['p3', 'p5'] } });
    // Without occupied parts there is no consent at all.
    expect((await verifyExport((await buildExport()).files)).recount).not.toHaveProperty('consent');
  });

  it('a manifest whose occupied_parts is not an array of strings is unusable → V1', async () => {
    const built = await buildExport({ occupiedParts: ['1-201', 7 as unknown as string] });
    const report = await verifyExport(built.files);
    expect(step(report, 'V1').details).toContain('manifest: "occupied_parts" must be an array of part ids (strings)');
  });
});
