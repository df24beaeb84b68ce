/**
 * RFC 8785 JSON Canonicalization Scheme for the values ledger entries use: objects, arrays,
 * strings, finite numbers, booleans and null. Keys are sorted by UTF-16 code units (JavaScript's
 * default string order), no white space, numbers in ECMAScript shortest form, strings escaped as
 * JSON.stringify does (which is what RFC 8785 prescribes). Strings must be well-formed Unicode.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class CanonicalizationError extends Error {}

/** No character JSON.stringify escapes (quote, backslash, controls) and no surrogate at all. */
const PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function str(s: string): string {
  // Most strings (keys, ids, base64, times) need no escape: quoting them is what stringify does.
  if (PLAIN.test(s)) return `"${s}"`;
  if (!s.isWellFormed()) throw new CanonicalizationError('string contains a lone surrogate');
  return JSON.stringify(s);
}

export function canonicalize(value: Json): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalizationError('numbers must be finite');
      return Object.is(value, -0) ? '0' : JSON.stringify(value);
    case 'string':
      return str(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
      // Plain loops and concatenation: this runs for every entry the service seals and every
      // entry a verifier checks (a million at a time), and the array-building form cost twice as much.
      const keys = Object.keys(value).sort();
      let out = '{';
      for (const k of keys) {
        const v = value[k];
        if (v === undefined) continue;
        if (out.length > 1) out += ',';
        out += `${str(k)}:${canonicalize(v)}`;
      }
      return `${out}}`;
    }
    default:
      throw new CanonicalizationError(`cannot canonicalize a ${typeof value}`);
  }
}

/** True when `text` is exactly the canonical form of the JSON it holds (and every string is NFC). */
export function isCanonical(text: string): boolean {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    return false;
  }
  return isCanonicalParsed(text, parsed);
}

/** {@link isCanonical} for text the caller has already parsed (`parsed` is `JSON.parse(text)`). */
export function isCanonicalParsed(text: string, parsed: Json): boolean {
  try {
    return canonicalize(parsed) === text && allNfc(parsed);
  } catch {
    return false;
  }
}

/**
 * Every code point below U+0300 is NFC whatever follows it (no composition starts or ends
 * there: Unicode's NFC quick check is "yes" for all of them), so such strings — keys, ids,
 * base64, times, most values — skip normalize(), which a verifier would otherwise call millions
 * of times.
 */
const BELOW_COMBINING = /^[\u0000-\u02ff]*$/;
const isNfc = (s: string) => BELOW_COMBINING.test(s) || s === s.normalize('NFC');

function allNfc(v: Json): boolean {
  if (typeof v === 'string') return isNfc(v);
  if (Array.isArray(v)) return v.every(allNfc);
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) if (!isNfc(k) || !allNfc(v[k]!)) return false;
    return true;
  }
  return true;
}

/** Returns a copy with every string (and key) in Unicode NFC, as ledger entries require. */
export function nfcDeep<T extends Json>(v: T): T {
  if (typeof v === 'string') return nfc(v) as T;
  if (Array.isArray(v)) return v.map(nfcDeep) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [nfc(k), nfcDeep(x)])) as T;
  return v;
}

/** `s.normalize('NFC')`, skipped for strings that are NFC already by {@link BELOW_COMBINING}. */
const nfc = (s: string) => (BELOW_COMBINING.test(s) ? s : s.normalize('NFC'));
