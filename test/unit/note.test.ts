import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256Bytes, toBase64 } from '../../src/domain/ledger/hash.ts';
import {
  checkpointText,
  decodeBase64Strict,
  keyId,
  openNote,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../../src/domain/ledger/note.ts';

/** A WebCrypto Ed25519 key pair, with the signing callback the domain expects. */
async function makeKey(name: string) {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const sign = async (msg: Uint8Array) => new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, msg as Uint8Array<ArrayBuffer>));
  return { name, publicKey, sign, vkey: verifierKey(name, publicKey) };
}

const ORIGIN = 'vote.example/linli/e1/v1';
const ROOT_B64 = toBase64(sha256Bytes('root'));
const TEXT = checkpointText({ origin: ORIGIN, size: 12, rootB64: ROOT_B64 });

describe('signed-note known answers', () => {
  // The example key and note of the Go reference implementation (golang.org/x/mod/sumdb/note):
  // vkey PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW.
  const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  const NOTE =
    'If you think cryptography is the answer to your problem,\n' +
    "then you don't know what your problem is.\n" +
    '\n' +
    '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

  it('computes the published key ID and verifies the published note', async () => {
    const k = parseVerifierKey(VKEY);
    expect(k.ok).toBe(true);
    if (!k.ok) return;
    expect(k.keyIdHex).toBe('c74f20a3');
    expect(Array.from(keyId('PeterNeumann', k.publicKey))).toEqual([0xc7, 0x4f, 0x20, 0xa3]);
    expect(verifierKey('PeterNeumann', k.publicKey)).toBe(VKEY);
    const opened = await openNote(NOTE, [VKEY]);
    expect(opened).toMatchObject({ ok: true, trusted: true, signatures: [{ name: 'PeterNeumann', keyId: 'c74f20a3', known: true, verified: true }] });
    const tampered = await openNote(NOTE.replace('cryptography', 'Cryptography'), [VKEY]);
    expect(tampered).toMatchObject({ ok: true, trusted: false });
  });
});

describe('signNote / openNote', () => {
  it('round-trips a checkpoint with a WebCrypto key', async () => {
    const k = await makeKey(ORIGIN);
    const note = await signNote(TEXT, k.name, k.publicKey, k.sign);
    expect(note.startsWith(`${TEXT}\n\u2014 ${ORIGIN} `)).toBe(true);
    expect(note.endsWith('\n')).toBe(true);
    const opened = await openNote(note, [k.vkey]);
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.text).toBe(TEXT);
    expect(opened.trusted).toBe(true);
    expect(opened.signatures).toEqual([{ name: ORIGIN, keyId: toHex(keyId(ORIGIN, k.publicKey)), known: true, verified: true }]);
    const cp = parseCheckpoint(opened.text);
    expect(cp).toMatchObject({ ok: true, origin: ORIGIN, size: 12, rootB64: ROOT_B64, extensions: [] });
  });

  it('rejects tampered text, a wrong key and an unknown key', async () => {
    const k = await makeKey(ORIGIN);
    const other = await makeKey(ORIGIN);
    const note = await signNote(TEXT, k.name, k.publicKey, k.sign);

    const tampered = note.replace('\n12\n', '\n13\n');
    expect(await openNote(tampered, [k.vkey])).toMatchObject({ ok: true, trusted: false, signatures: [{ known: true, verified: false }] });

    // Same name, different key: a different key ID, so the signature is simply unknown.
    expect(await openNote(note, [other.vkey])).toMatchObject({ ok: true, trusted: false, signatures: [{ known: false, verified: false }] });

    // A note signed only by a key the verifier does not follow.
    const stranger = await makeKey('stranger.example/key');
    const foreign = await signNote(TEXT, stranger.name, stranger.publicKey, stranger.sign);
    expect(await openNote(foreign, [k.vkey])).toMatchObject({ ok: true, trusted: false });

    // Base64 key data may contain '+', the vkey separator: such keys must still parse.
    let plus = k;
    for (let i = 0; i < 50 && !plus.vkey.split('+').slice(2).join('+').includes('+'); i++) plus = await makeKey(ORIGIN);
    expect(plus.vkey.split('+').length).toBeGreaterThan(3);
    expect(parseVerifierKey(plus.vkey)).toMatchObject({ ok: true, name: ORIGIN, publicKey: plus.publicKey });

    // A vkey that claims someone else's key ID for this key is refused when parsed.
    const forgedId = k.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(parseVerifierKey(forgedId)).toMatchObject({ ok: false });
  });

  it('accepts an extra (witness) signature by an unknown key, refuses a failing known one', async () => {
    const k = await makeKey(ORIGIN);
    const witness = await makeKey('witness.example/w1');
    const note = await signNote(TEXT, k.name, k.publicKey, k.sign);
    const cosigned = `${note}${(await signNote(TEXT, witness.name, witness.publicKey, witness.sign)).slice(TEXT.length + 1)}`;
    const opened = await openNote(cosigned, [k.vkey]);
    expect(opened).toMatchObject({ ok: true, trusted: true });
    if (opened.ok) expect(opened.signatures.map((s) => [s.name, s.known, s.verified])).toEqual([[ORIGIN, true, true], ['witness.example/w1', false, false]]);
    const both = await openNote(cosigned, [k.vkey, witness.vkey]);
    expect(both).toMatchObject({ ok: true, trusted: true });

    // A witness line whose signature is garbage: fine while the witness is unknown, fatal once known.
    const brokenWitness = cosigned.replace(/(\u2014 witness\.example\/w1 [A-Za-z0-9+/]{10})[A-Za-z0-9+/]/, (_m, head: string) => `${head}${head.endsWith('A') ? 'B' : 'A'}`);
    expect(await openNote(brokenWitness, [k.vkey])).toMatchObject({ ok: true, trusted: true });
    expect(await openNote(brokenWitness, [k.vkey, witness.vkey])).toMatchObject({ ok: true, trusted: false });

    // Two lines by one known key make the note malformed.
    const twice = `${note}${note.slice(TEXT.length + 1)}`;
    expect(await openNote(twice, [k.vkey])).toMatchObject({ ok: false });
  });

  it('reports malformed notes as errors, never throws', async () => {
    const k = await makeKey(ORIGIN);
    const note = await signNote(TEXT, k.name, k.publicKey, k.sign);
    const sigLine = note.slice(TEXT.length + 1);
    const cases: [string, RegExp][] = [
      [TEXT, /blank line/],
      [`${TEXT}\n`, /no signature/],
      [note.slice(0, -1), /end with a newline/],
      [note.replace('\u2014 ', '- '), /em dash/],
      [note.replace('\u2014 ', '\u2014'), /em dash|key name/],
      [note.replace(/ ([A-Za-z0-9+/=]+)\n$/, ' $1 extra\n'), /key name> <base64/],
      [note.replace(/ ([A-Za-z0-9+/=]+)\n$/, ' !!!!\n'), /base64/],
      [note.replace(/ ([A-Za-z0-9+/=]+)\n$/, ' AAAA\n'), /too short/],
      [note.replace('\n12\n', '\n12\r\n'), /control character/],
      [`\n\n${sigLine}`, /empty/],
      [note.replace(`\u2014 ${ORIGIN}`, '\u2014 bad+name'), /space, "\+"/],
      [`${TEXT}\n${sigLine.repeat(101)}`, /more than 100/],
    ];
    for (const [bad, why] of cases) {
      const opened = await openNote(bad, [k.vkey]);
      expect(opened.ok, JSON.stringify(bad)).toBe(false);
      if (!opened.ok) expect(opened.error).toMatch(why);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (s) => {
        const r = await openNote(s, [k.vkey]);
        expect(typeof r.ok).toBe('boolean');
        expect(typeof parseNote(s).ok).toBe('boolean');
        expect(typeof parseCheckpoint(s).ok).toBe('boolean');
      }),
      { numRuns: 200 },
    );
    expect(await openNote(note, ['not a vkey'])).toMatchObject({ ok: false });
  });

  it('refuses to sign malformed text', async () => {
    const k = await makeKey(ORIGIN);
    await expect(signNote('no newline', k.name, k.publicKey, k.sign)).rejects.toThrow(/newline/);
    await expect(signNote('', k.name, k.publicKey, k.sign)).rejects.toThrow();
    await expect(signNote('a\tb\n', k.name, k.publicKey, k.sign)).rejects.toThrow(/control/);
    await expect(signNote(TEXT, 'has space', k.publicKey, k.sign)).rejects.toThrow(/space/);
    await expect(signNote(TEXT, k.name, k.publicKey, async () => new Uint8Array(10))).rejects.toThrow(/64 bytes/);
  });
});

describe('parseCheckpoint', () => {
  it('is strict about size, root and lines', () => {
    const ok = (t: string) => parseCheckpoint(t).ok;
    expect(ok(TEXT)).toBe(true);
    expect(ok(`${ORIGIN}\n0\n${ROOT_B64}\n`)).toBe(true);
    expect(ok(`${TEXT}ext line\n`)).toBe(true);
    expect(parseCheckpoint(`${TEXT}ext line\n`)).toMatchObject({ extensions: ['ext line'] });
    expect(ok(`${ORIGIN}\n012\n${ROOT_B64}\n`)).toBe(false); // leading zero
    expect(ok(`${ORIGIN}\n+12\n${ROOT_B64}\n`)).toBe(false);
    expect(ok(`${ORIGIN}\n1e3\n${ROOT_B64}\n`)).toBe(false);
    expect(ok(`${ORIGIN}\n99999999999999999999\n${ROOT_B64}\n`)).toBe(false); // beyond 2^53
    expect(ok(`\n12\n${ROOT_B64}\n`)).toBe(false); // empty origin
    expect(ok(`${ORIGIN}\n12\n${toBase64(new Uint8Array(31))}\n`)).toBe(false); // not 32 bytes
    expect(ok(`${ORIGIN}\n12\n${ROOT_B64.slice(0, -1)}\n`)).toBe(false); // unpadded base64
    expect(ok(`${ORIGIN}\n12\n${ROOT_B64}`)).toBe(false); // no final newline
    expect(ok(`${ORIGIN}\n12\n`)).toBe(false);
    expect(ok(`${TEXT}\n`)).toBe(false); // an empty extension line
  });

  it('decodes only canonical standard base64', () => {
    expect(decodeBase64Strict('YQ==')).toEqual(new Uint8Array([0x61]));
    expect(decodeBase64Strict('YQ')).toBeNull();
    expect(decodeBase64Strict('YR==')).toBeNull(); // non-zero padding bits
    expect(decodeBase64Strict('Y Q==')).toBeNull();
    expect(decodeBase64Strict('_-8=')).toBeNull(); // URL alphabet
    expect(decodeBase64Strict('')).toEqual(new Uint8Array(0));
  });
});

const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
