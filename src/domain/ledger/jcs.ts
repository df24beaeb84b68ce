/**
 * RFC 8785 JSON Canonicalization Scheme for the values ledger entries use: objects, arrays,
 * strings, finite numbers, booleans and null. Keys are sorted by UTF-16 code units (JavaScript's
 * default string order), no white space, numbers in ECMAScript shortest form, strings escaped as
 * JSON.stringify does (which is what RFC 8785 prescribes). Strings must be well-formed Unicode.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class CanonicalizationError extends Error {}

function str(s: string): string {
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
      const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
      return `{${keys.map((k) => `${str(k)}:${canonicalize(value[k]!)}`).join(',')}}`;
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

function allNfc(v: Json): boolean {
  if (typeof v === 'string') return v === v.normalize('NFC');
  if (Array.isArray(v)) return v.every(allNfc);
  if (v && typeof v === 'object') return Object.entries(v).every(([k, x]) => k === k.normalize('NFC') && allNfc(x));
  return true;
}

/** Returns a copy with every string (and key) in Unicode NFC, as ledger entries require. */
export function nfcDeep<T extends Json>(v: T): T {
  if (typeof v === 'string') return v.normalize('NFC') as T;
  if (Array.isArray(v)) return v.map(nfcDeep) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.normalize('NFC'), nfcDeep(x)])) as T;
  return v;
}
