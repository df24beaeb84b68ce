/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures, and the transparency-log
 * checkpoint that is their text (c2sp.org/tlog-checkpoint).
 *
 *     <origin>\n<size>\n<base64 root>\n          ← the note text (checkpoint)
 *     \n                                          ← blank line
 *     — <key name> base64(keyID(4) ‖ signature)\n ← one line per signature
 *
 * keyID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4]; verifier key
 * string `<name>+<8 hex keyID>+base64(0x01 ‖ public key)`.
 *
 * Browser-safe: signatures are verified with WebCrypto (`globalThis.crypto.subtle`, Ed25519);
 * signing is a callback, so private keys never enter the domain. Parsers return
 * `{ ok: false, error }` for malformed input and never throw.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64 } from './hash.ts';

/** `{ ok: true, …value }` or `{ ok: false, error }`: how every parser here reports. */
export type ParseResult<T> = (T & { ok: true }) | { ok: false; error: string };

/** Signature type byte of Ed25519 note signatures (signed-note §Signature types). */
export const ED25519_TYPE = 0x01;
/** The em dash and space that begin every signature line. */
export const SIGNATURE_PREFIX = '\u2014 ';
/** More signature lines than this make a note malformed (the spec asks for at least 16). */
export const MAX_SIGNATURES = 100;

const utf8 = new TextEncoder();

/**
 * Strict standard base64 (RFC 4648 §4): padded, no white space, and canonical (the unused
 * bits of the last character are zero). `atob` alone would accept all of those variations, and
 * two spellings of one value must not both verify. Returns null when `text` is not such base64.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  let bin: string;
  try {
    bin = atob(text);
  } catch {
    return null;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return toBase64(out) === text ? out : null;
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Key names are non-empty and hold no Unicode space, no `+` and no control character. */
function keyNameProblem(name: string): string | null {
  if (name.length === 0) return 'key name is empty';
  if (!name.isWellFormed()) return 'key name is not valid Unicode';
  if (/[\s+\p{Cc}]/u.test(name)) return `key name "${name}" contains a space, "+" or a control character`;
  return null;
}

/** First 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey): the key ID of an Ed25519 note key. */
export function keyId(name: string, publicKey32: Uint8Array): Uint8Array {
  const n = utf8.encode(name);
  const buf = new Uint8Array(n.length + 2 + publicKey32.length);
  buf.set(n, 0);
  buf[n.length] = 0x0a;
  buf[n.length + 1] = ED25519_TYPE;
  buf.set(publicKey32, n.length + 2);
  return sha256(buf).slice(0, 4);
}

/** A parsed Ed25519 verifier key. */
export interface VerifierKey {
  name: string;
  /** The 4 key-ID bytes. */
  keyId: Uint8Array;
  /** The key ID as 8 lowercase hex digits. */
  keyIdHex: string;
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The canonical `name+hex+base64` string. */
  vkey: string;
}

/**
 * The verifier key string `<name>+<8 hex keyID>+base64(0x01 ‖ publicKey)`.
 * @throws Error when the name is not a valid key name or the key is not 32 bytes.
 */
export function verifierKey(name: string, publicKey32: Uint8Array): string {
  const problem = keyNameProblem(name);
  if (problem) throw new Error(problem);
  if (publicKey32.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  const data = new Uint8Array(33);
  data[0] = ED25519_TYPE;
  data.set(publicKey32, 1);
  return `${name}+${hex(keyId(name, publicKey32))}+${toBase64(data)}`;
}

/**
 * Parses a verifier key string; only Ed25519 keys (type 0x01) are supported. The key ID in the
 * string must be the one the name and key hash to, so a key cannot be filed under another ID.
 */
export function parseVerifierKey(vkey: string): ParseResult<VerifierKey> {
  if (typeof vkey !== 'string') return { ok: false, error: 'verifier key is not a string' };
  // Names hold no '+', but base64 key data may: split at the first two '+' only.
  const first = vkey.indexOf('+');
  const second = first < 0 ? -1 : vkey.indexOf('+', first + 1);
  if (second < 0) return { ok: false, error: 'verifier key must be <name>+<key ID>+<key data>' };
  const name = vkey.slice(0, first);
  const idHex = vkey.slice(first + 1, second);
  const data = vkey.slice(second + 1);
  const problem = keyNameProblem(name);
  if (problem) return { ok: false, error: `verifier key: ${problem}` };
  if (!/^[0-9a-fA-F]{8}$/.test(idHex)) return { ok: false, error: 'verifier key: key ID must be 8 hex digits' };
  const raw = decodeBase64Strict(data);
  if (!raw) return { ok: false, error: 'verifier key: key data is not base64' };
  if (raw.length !== 33 || raw[0] !== ED25519_TYPE) {
    return { ok: false, error: 'verifier key: only Ed25519 keys (type 0x01, 32 bytes) are supported' };
  }
  const publicKey = raw.slice(1);
  const id = keyId(name, publicKey);
  if (hex(id) !== idHex.toLowerCase()) return { ok: false, error: 'verifier key: key ID does not match the name and key' };
  return { ok: true, name, keyId: id, keyIdHex: hex(id), publicKey, vkey: `${name}+${hex(id)}+${data}` };
}

/** The text of a tlog checkpoint: `origin\nsize\nbase64(root)\n`. */
export function checkpointText(cp: { origin: string; size: number; rootB64: string }): string {
  return `${cp.origin}\n${cp.size}\n${cp.rootB64}\n`;
}

/** A parsed checkpoint. */
export interface Checkpoint {
  origin: string;
  size: number;
  rootB64: string;
  /** The 32 root bytes. */
  root: Uint8Array;
  /** Extension lines (opaque; not used by linli). */
  extensions: string[];
}

/**
 * Parses checkpoint text strictly: at least three non-empty newline-terminated lines; a
 * non-empty origin; the size in ASCII decimal without leading zeros (and a safe integer); a
 * 32-byte root in strict base64; extension lines allowed (non-empty) and otherwise ignored.
 */
export function parseCheckpoint(text: string): ParseResult<Checkpoint> {
  if (typeof text !== 'string' || !text.endsWith('\n')) return { ok: false, error: 'checkpoint text must end with a newline' };
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) return { ok: false, error: 'checkpoint needs an origin, a size and a root hash line' };
  const [origin, sizeText, rootB64, ...extensions] = lines;
  if (origin.length === 0) return { ok: false, error: 'checkpoint origin is empty' };
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) return { ok: false, error: `checkpoint size "${sizeText}" is not a decimal without leading zeros` };
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) return { ok: false, error: `checkpoint size ${sizeText} is too large` };
  const root = decodeBase64Strict(rootB64);
  if (!root || root.length !== 32) return { ok: false, error: 'checkpoint root is not a base64 32-byte hash' };
  if (extensions.some((l) => l.length === 0)) return { ok: false, error: 'checkpoint extension lines must not be empty' };
  return { ok: true, origin, size, rootB64, root, extensions };
}

/** One signature line of a note. */
export interface ParsedSignature {
  name: string;
  /** 8 lowercase hex digits. */
  keyId: string;
  /** The signature bytes after the key ID. */
  signature: Uint8Array;
}

/** The structure of a signed note, before any signature is checked. */
export interface ParsedNote {
  /** The signed text, with its final newline. */
  text: string;
  signatures: ParsedSignature[];
}

/** Why a note text cannot be signed or opened, or null when it is fine. */
function textProblem(text: string): string | null {
  if (!text.isWellFormed()) return 'note is not valid Unicode';
  // Signed notes must not contain ASCII control characters other than newline.
  if (/[\x00-\x09\x0b-\x1f]/.test(text)) return 'note contains a control character (other than newline)';
  return null;
}

/**
 * Splits a signed note into its text and signature lines without verifying anything. The text
 * ends at the LAST blank line (the text itself may contain blank lines).
 */
export function parseNote(note: string): ParseResult<ParsedNote> {
  if (typeof note !== 'string') return { ok: false, error: 'note is not a string' };
  const bad = textProblem(note);
  if (bad) return { ok: false, error: bad };
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return { ok: false, error: 'note has no blank line before its signatures' };
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (text === '\n') return { ok: false, error: 'note text is empty' };
  if (block.length === 0) return { ok: false, error: 'note has no signature' };
  if (!block.endsWith('\n')) return { ok: false, error: 'note must end with a newline' };
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) return { ok: false, error: `note has more than ${MAX_SIGNATURES} signatures` };
  const signatures: ParsedSignature[] = [];
  for (const [i, line] of lines.entries()) {
    const where = `signature line ${i + 1}`;
    if (!line.startsWith(SIGNATURE_PREFIX)) return { ok: false, error: `${where} does not start with "— " (em dash, space)` };
    const fields = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (fields.length !== 2) return { ok: false, error: `${where} must be "— <key name> <base64 signature>"` };
    const [name, b64] = fields;
    const nameProblem = keyNameProblem(name);
    if (nameProblem) return { ok: false, error: `${where}: ${nameProblem}` };
    const raw = decodeBase64Strict(b64);
    if (!raw) return { ok: false, error: `${where}: signature is not base64` };
    if (raw.length < 5) return { ok: false, error: `${where}: signature is too short` };
    signatures.push({ name, keyId: hex(raw.subarray(0, 4)), signature: raw.slice(4) });
  }
  return { ok: true, text, signatures };
}

/** One signature of an opened note. */
export interface NoteSignature {
  name: string;
  /** 8 lowercase hex digits. */
  keyId: string;
  /** The name and key ID match one of the given verifier keys. */
  known: boolean;
  /** Known, and the Ed25519 signature over the text verifies. */
  verified: boolean;
}

/** A note opened against a set of verifier keys. */
export interface OpenedNote {
  text: string;
  signatures: NoteSignature[];
  /**
   * The note may be trusted: at least one known key's signature verifies and no known key's
   * signature fails (signed-note: a failing known signature rejects the whole note; unknown
   * keys, e.g. witnesses the caller does not follow, are ignored).
   */
  trusted: boolean;
}

/** Ed25519 verification with WebCrypto; false (never a throw) for a bad key or signature. */
export async function ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, message: Uint8Array): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  try {
    const subtle = globalThis.crypto.subtle;
    const key = await subtle.importKey('raw', publicKey as Uint8Array<ArrayBuffer>, { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, key, signature as Uint8Array<ArrayBuffer>, message as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}

/**
 * Opens a signed note: parses it and verifies every signature made by one of `vkeys` (strings
 * or parsed keys) over the note text. Malformed notes, malformed verifier keys and two
 * signature lines of one known key give `{ ok: false, error }`; a well-formed note whose
 * signatures do not check out gives `ok: true` with `trusted: false`, so callers can say which.
 */
export async function openNote(note: string, vkeys: readonly (string | VerifierKey)[]): Promise<ParseResult<OpenedNote>> {
  const keys: VerifierKey[] = [];
  for (const k of vkeys) {
    if (typeof k === 'string') {
      const parsed = parseVerifierKey(k);
      if (!parsed.ok) return parsed;
      keys.push(parsed);
    } else {
      keys.push(k);
    }
  }
  const parsed = parseNote(note);
  if (!parsed.ok) return parsed;
  const message = utf8.encode(parsed.text);
  const seen = new Set<string>();
  const signatures: NoteSignature[] = [];
  for (const sig of parsed.signatures) {
    const key = keys.find((k) => k.name === sig.name && k.keyIdHex === sig.keyId);
    if (!key) {
      signatures.push({ name: sig.name, keyId: sig.keyId, known: false, verified: false });
      continue;
    }
    const id = `${sig.name}+${sig.keyId}`;
    if (seen.has(id)) return { ok: false, error: `two signatures by the key ${sig.name} (${sig.keyId})` };
    seen.add(id);
    const verified = await ed25519Verify(key.publicKey, sig.signature, message);
    signatures.push({ name: sig.name, keyId: sig.keyId, known: true, verified });
  }
  const known = signatures.filter((s) => s.known);
  const trusted = known.length > 0 && known.every((s) => s.verified);
  return { ok: true, text: parsed.text, signatures, trusted };
}

/**
 * Signs `text` as a note with the Ed25519 key `name`/`publicKey32`: returns the text, a blank
 * line and one signature line. `sign` produces the 64-byte Ed25519 signature of its argument
 * (the UTF-8 text); the private key stays with the caller.
 * @throws Error when the text is empty, does not end with a newline or holds a control
 *   character, when the name is not a key name, the key is not 32 bytes, or the signature
 *   is not 64 bytes.
 */
export async function signNote(
  text: string,
  name: string,
  publicKey32: Uint8Array,
  sign: (msg: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  if (text.length === 0 || text === '\n' || !text.endsWith('\n')) throw new Error('note text must be non-empty and end with a newline');
  const bad = textProblem(text);
  if (bad) throw new Error(bad);
  const nameProblem = keyNameProblem(name);
  if (nameProblem) throw new Error(nameProblem);
  if (publicKey32.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  const signature = await sign(utf8.encode(text));
  if (!(signature instanceof Uint8Array) || signature.length !== 64) throw new Error('an Ed25519 signature has 64 bytes');
  const blob = new Uint8Array(68);
  blob.set(keyId(name, publicKey32), 0);
  blob.set(signature, 4);
  return `${text}\n${SIGNATURE_PREFIX}${name} ${toBase64(blob)}\n`;
}
