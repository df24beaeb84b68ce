/**
 * A small RFC 4180 CSV reader for uploaded registers.
 *
 * Kept in the domain (rather than a library) because its error positions are part of the
 * product: an organizer must be told the physical line of the spreadsheet to fix.
 */

/** A parsed CSV file: trimmed, lowercased header names and the data records. */
export interface Table {
  header: string[];
  /** `line` is the 1-based physical line on which the record starts (the header is line 1). */
  rows: { line: number; cells: string[] }[];
}

/** Thrown by {@link parseCsv} when the text is not valid CSV. */
export class CsvSyntaxError extends Error {
  /** 1-based physical line of the problem. */
  readonly line: number;
  /** The same problem in plain Chinese, for organizers. */
  readonly messageZh: string;

  constructor(line: number, message: string, messageZh: string) {
    super(message);
    this.name = 'CsvSyntaxError';
    this.line = line;
    this.messageZh = messageZh;
  }
}

const BOM = '\uFEFF';

/**
 * Parses CSV text: comma separator, double-quoted fields with `""` escapes and embedded
 * commas and line breaks, CRLF / LF (a lone CR is also taken as a line break), optional
 * leading UTF-8 BOM. Fully blank lines (empty or whitespace only, outside quotes) are skipped,
 * which also absorbs a trailing newline. Cells are returned verbatim (not trimmed); header
 * names are trimmed and lowercased. The number of cells per row is not checked here.
 *
 * @throws CsvSyntaxError on an unterminated quoted field, a quote inside an unquoted field,
 *   or text between a closing quote and the next separator.
 */
export function parseCsv(text: string): Table {
  const src = text.startsWith(BOM) ? text.slice(BOM.length) : text;
  const n = src.length;
  const records: { line: number; cells: string[] }[] = [];
  let i = 0;
  let line = 1;

  const isBreak = (c: string | undefined) => c === '\n' || c === '\r';

  while (i < n) {
    const recordLine = line;
    const cells: string[] = [];
    let quoted = false;

    for (;;) {
      let value: string;
      if (src[i] === '"') {
        quoted = true;
        const openLine = line;
        i++;
        const parts: string[] = [];
        let chunkStart = i;
        for (;;) {
          if (i >= n) {
            throw new CsvSyntaxError(
              openLine,
              'unterminated quoted field: a field opened with " is never closed',
              '引号未闭合：以 " 开始的单元格没有结束引号',
            );
          }
          const c = src[i];
          if (c === '"') {
            parts.push(src.slice(chunkStart, i));
            if (src[i + 1] === '"') {
              parts.push('"');
              i += 2;
              chunkStart = i;
              continue;
            }
            i++;
            break;
          }
          // Line breaks inside quotes are kept in the value but still advance the physical
          // line counter, so later records report the line a spreadsheet shows.
          if (c === '\r') {
            i += src[i + 1] === '\n' ? 2 : 1;
            line++;
          } else {
            if (c === '\n') line++;
            i++;
          }
        }
        value = parts.join('');
        if (i < n && src[i] !== ',' && !isBreak(src[i])) {
          throw new CsvSyntaxError(
            line,
            'unexpected text after a closing quote (expected a comma or the end of the line)',
            '引号结束后还有多余内容（应为逗号或换行）',
          );
        }
      } else {
        const start = i;
        while (i < n && src[i] !== ',' && !isBreak(src[i])) {
          if (src[i] === '"') {
            throw new CsvSyntaxError(
              line,
              'a quote (") inside an unquoted field; wrap the field in quotes and double the quote',
              '未加引号的单元格中出现了引号（"）；请用引号包住整个单元格，并把其中的引号写成两个',
            );
          }
          i++;
        }
        value = src.slice(start, i);
      }
      cells.push(value);

      if (i < n && src[i] === ',') {
        i++;
        continue;
      }
      if (i < n) {
        i += src[i] === '\r' && src[i + 1] === '\n' ? 2 : 1;
        line++;
      }
      break;
    }

    const blank = !quoted && cells.length === 1 && cells[0].trim() === '';
    if (!blank) records.push({ line: recordLine, cells });
  }

  const [head, ...rows] = records;
  return {
    header: head ? head.cells.map((name) => name.trim().toLowerCase()) : [],
    rows,
  };
}
