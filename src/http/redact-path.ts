/**
 * The request path as it may appear in a log: every segment that could be a code or token (letter
 * and invite codes, opt-out tokens, anything with capitals, digits mixed into words, or long
 * numbers) becomes `:redacted`. Kept: route words (`count-sheet`), UUIDs, numbers up to five digits
 * (ledger positions) and file names (`app-3f9a.js`).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WORD = /^[a-z][a-z-]*$/;
const SMALL_NUMBER = /^\d{1,5}$/;
const FILE = /^[\w-]+(\.[A-Za-z0-9]+)+$/;
/** Paths whose next segment is always a secret, whatever it looks like. */
const SECRET_AFTER = new Set(['l', 'join', 'optout']);

export function redactPath(path: string): string {
  const segments = path.split('/');
  return segments
    .map((seg, i) => {
      if (seg === '') return seg;
      if (i > 0 && SECRET_AFTER.has(segments[i - 1]!) && i === 2) return ':redacted';
      if (UUID.test(seg) || WORD.test(seg) || SMALL_NUMBER.test(seg)) return seg;
      if (FILE.test(seg) && !/^\d/.test(seg)) return seg;
      return ':redacted';
    })
    .join('/');
}
