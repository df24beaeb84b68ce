import { describe, expect, it } from 'vitest';
import { sealEntry } from '../../src/domain/ledger/entry.ts';
import { leafHash, toBase64 } from '../../src/domain/ledger/hash.ts';
import { MerkleTree } from '../../src/domain/ledger/merkle.ts';
import { checkpointText, signNote, verifierKey } from '../../src/domain/ledger/note.ts';
import { PROOF_HEADER, parseProofFile, serializeProofFile, verifyReceipt } from '../../src/domain/ledger/proof-file.ts';

const ORIGIN = 'vote.example/linli/e1/v1';
const utf8 = new TextEncoder();

async function makeKey(name: string) {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const sign = async (msg: Uint8Array) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, msg as Uint8Array<ArrayBuffer>));
  return { name, publicKey, sign, vkey: verifierKey(name, publicKey) };
}

/** A chained log of `n` entries, its tree and a signed checkpoint of all of it. */
async function smallLog(n: number) {
  const key = await makeKey(ORIGIN);
  const entries: string[] = [];
  let prev = '';
  for (let seq = 0; seq < n; seq++) {
    const sealed = sealEntry({ v: 1, log: ORIGIN, seq, prev, type: 'ballot', at: '2025-05-01T00:00:00.000Z' }, { matter: 'm1', party: `p${seq}`, choice: 'yes', nonce: `n${seq}` });
    entries.push(sealed.text);
    prev = sealed.leaf;
  }
  const tree = new MerkleTree(entries.map((text) => leafHash(text)));
  expect(toBase64(tree.leaf(n - 1))).toBe(prev);
  const note = await signNote(checkpointText({ origin: ORIGIN, size: n, rootB64: toBase64(tree.root()) }), key.name, key.publicKey, key.sign);
  const receipt = (seq: number, checkpointNote = note, size = n) =>
    serializeProofFile({ extra: utf8.encode(entries[seq]), index: seq, hashes: tree.inclusionProof(seq, size), checkpointNote });
  return { key, entries, tree, note, receipt };
}

describe('c2sp.org/tlog-proof@v1 files', () => {
  it('serializes exactly the documented layout and parses it back', async () => {
    const { entries, tree, note } = await smallLog(5);
    const text = serializeProofFile({ extra: utf8.encode(entries[2]), index: 2, hashes: tree.inclusionProof(2), checkpointNote: note });
    const lines = text.split('\n');
    expect(lines[0]).toBe(PROOF_HEADER);
    expect(lines[1]).toBe(`extra ${toBase64(utf8.encode(entries[2]))}`);
    expect(lines[2]).toBe('index 2');
    expect(lines.slice(3, 6)).toEqual(tree.inclusionProof(2).map(toBase64));
    expect(lines[6]).toBe('');
    expect(text.endsWith(note)).toBe(true);
    const parsed = parseProofFile(text);
    expect(parsed).toMatchObject({ ok: true, index: 2, checkpointNote: note });
    if (parsed.ok) {
      expect(parsed.hashes).toEqual(tree.inclusionProof(2));
      expect(new TextDecoder().decode(parsed.extra)).toBe(entries[2]);
    }
    // Without extra data, and for a one-leaf tree (no hashes at all).
    const bare = serializeProofFile({ index: 0, hashes: [], checkpointNote: note });
    expect(bare).toBe(`${PROOF_HEADER}\nindex 0\n\n${note}`);
    expect(parseProofFile(bare)).toMatchObject({ ok: true, index: 0, hashes: [] });
  });

  it('rejects malformed files with a clear error', async () => {
    const { receipt } = await smallLog(5);
    const good = receipt(1);
    const cases: [string, RegExp][] = [
      [good.replace(PROOF_HEADER, 'c2sp.org/tlog-proof@v2'), /first line/],
      [good.replace('index 1', 'index 01'), /index/],
      [good.replace('index 1', 'index -1'), /index/],
      [good.replace('index 1\n', ''), /index/],
      [good.replace(/^extra ([A-Za-z0-9+/=]+)$/m, 'extra $1!'), /extra/],
      [good.replace(/\nindex 1\n([A-Za-z0-9+/=]{10})/, '\nindex 1\n$1 '), /hash/],
      [good.replace(/\nindex 1\n[A-Za-z0-9+/=]+\n/, '\nindex 1\nAAAA\n'), /32-byte/],
      [good.replace(/\n\n(?=vote\.example)/, '\n'), /not a base64 32-byte hash/], // the checkpoint's lines read as hashes
      [good.slice(0, good.lastIndexOf('\u2014')), /checkpoint/],
      [`${PROOF_HEADER}\n`, /blank line/],
    ];
    for (const [bad, why] of cases) {
      const r = parseProofFile(bad);
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.error).toMatch(why);
    }
  });
});

describe('verifyReceipt', () => {
  it('accepts every honest receipt, also against an older checkpoint', async () => {
    const { key, entries, tree, receipt } = await smallLog(7);
    for (let seq = 0; seq < entries.length; seq++) {
      const r = await verifyReceipt(receipt(seq), [key.vkey], ORIGIN);
      expect(r.problems).toEqual([]);
      expect(r).toMatchObject({ ok: true, index: seq, signatureVerified: true, included: true, entry: { seq, party: `p${seq}` } });
      expect(r.checkpoint).toMatchObject({ origin: ORIGIN, size: 7 });
    }
    const older = await signNote(checkpointText({ origin: ORIGIN, size: 4, rootB64: toBase64(tree.root(4)) }), key.name, key.publicKey, key.sign);
    const r = await verifyReceipt(utf8.encode(receipt(3, older, 4)), [key.vkey]);
    expect(r).toMatchObject({ ok: true, included: true });
  });

  it('names what is wrong with a forged or mismatched receipt', async () => {
    const { key, entries, tree, note, receipt } = await smallLog(7);
    const other = await makeKey(ORIGIN);
    const check = async (text: string, vkeys: string[], why: RegExp, origin: string | undefined = ORIGIN) => {
      const r = await verifyReceipt(text, vkeys, origin);
      expect(r.ok).toBe(false);
      expect(r.problems.join('; ')).toMatch(why);
      return r;
    };
    // The entry was changed after the fact: its leaf is no longer in the tree.
    const edited = serializeProofFile({ extra: utf8.encode(entries[2].replace('"yes"', '"no"')), index: 2, hashes: tree.inclusionProof(2), checkpointNote: note });
    expect((await check(edited, [key.vkey], /inclusion proof/)).signatureVerified).toBe(true);
    // Somebody else's receipt shown for this index.
    const swapped = serializeProofFile({ extra: utf8.encode(entries[3]), index: 2, hashes: tree.inclusionProof(2), checkpointNote: note });
    await check(swapped, [key.vkey], /seq 3 is not the index 2/);
    // Signed by a key the owner does not trust, or not matching the text.
    await check(receipt(2), [other.vkey], /not signed by a known key/);
    await check(receipt(2).replace(`\n7\n`, `\n8\n`), [key.vkey], /does not verify/);
    // Another log's receipt.
    await check(receipt(2), [key.vkey], /not "other\.example\/log"/, 'other.example/log');
    // No entry data, non-canonical entry data, garbage.
    await check(serializeProofFile({ index: 2, hashes: tree.inclusionProof(2), checkpointNote: note }), [key.vkey], /no entry/);
    const spaced = serializeProofFile({ extra: utf8.encode(entries[2].replace(',', ', ')), index: 2, hashes: tree.inclusionProof(2), checkpointNote: note });
    await check(spaced, [key.vkey], /not canonical/);
    await check('garbage', [key.vkey], /malformed/);
    await check(new Uint8Array([0xff, 0xfe]) as unknown as string, [key.vkey], /UTF-8/);
  });
});
