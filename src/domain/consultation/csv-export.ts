/**
 * CSV export of consultation results, for organizers who open the file in Excel or WPS.
 *
 * RFC 4180 output (comma separator, `"`-quoted fields with `""` escapes, CRLF record ends)
 * with a defence against CSV/formula injection: resident-supplied text such as
 * `=HYPERLINK(...)` must never become a live formula in an organizer's spreadsheet.
 */

/**
 * Leading characters that make a spreadsheet treat a cell as a formula (OWASP "CSV
 * Injection"): `=`, `+`, `-`, `@`, tab and carriage return. A text cell starting with one of
 * them is written with a leading `'`, which spreadsheets treat as "this is text".
 */
export const FORMULA_PREFIXES: readonly string[] = Object.freeze(['=', '+', '-', '@', '\t', '\r']);

/** The UTF-8 byte order mark; without it Excel (zh-CN) decodes UTF-8 CSV as GBK, garbling Chinese. */
export const UTF8_BOM = '\uFEFF';

/** Characters that force a field to be quoted (RFC 4180 §2.6); a lone CR is included too. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Encodes one cell.
 *
 * - `null` is an empty cell.
 * - A number is written as a plain number (`String(value)`, `-0` as `0`) and is never
 *   prefixed, even when negative: `-5` is parsed by spreadsheets as the number −5, and
 *   `String` of a finite number can only produce digits, `-`, `.`, `e` and `+`, never a
 *   formula. Prefixing it would turn a count into text and break sums. Non-finite numbers
 *   (NaN, ±Infinity) are refused: they have no spreadsheet meaning and signal a bug.
 * - A string starting with any of {@link FORMULA_PREFIXES} gets a leading `'`; so does a
 *   string like `"-5"` — text that looks numeric stays text; pass a number for a number.
 * - The result is double-quoted (inner quotes doubled) when it contains `"`, `,`, CR or LF.
 *
 * @throws RangeError on a non-finite number.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`cannot export non-finite number ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  const safe = FORMULA_PREFIXES.some((p) => value.startsWith(p)) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** Options of {@link toCsv}. */
export interface ToCsvOptions {
  /**
   * Prefix the text with {@link UTF8_BOM}. Default true: the main reader is Excel in China,
   * which otherwise misreads UTF-8 Chinese text. Set false for machine consumers.
   */
  bom?: boolean;
}

/**
 * Builds a CSV document: the header line, then one line per row, every line (including the
 * last) ended by CRLF. Header names go through {@link csvCell} as well — they may be
 * question titles typed by users.
 *
 * @throws RangeError when the header is empty or a row's length differs from the header's
 *   (a ragged export would shift columns under the wrong heading), or on a non-finite number.
 */
export function toCsv(
  header: string[],
  rows: (string | number | null)[][],
  options: ToCsvOptions = {},
): string {
  if (header.length === 0) throw new RangeError('a CSV export needs at least one column');
  // A one-column record whose only cell is empty would be a blank line, which readers
  // (Excel, our own parseCsv) skip; writing it as `""` keeps the record.
  const line = (cells: (string | number | null)[]) => cells.map(csvCell).join(',') || '""';
  const lines = [line(header)];
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new RangeError(`row ${i} has ${row.length} cells; the header has ${header.length}`);
    }
    lines.push(line(row));
  });
  const body = lines.map((l) => `${l}\r\n`).join('');
  return (options.bom ?? true) ? UTF8_BOM + body : body;
}
