import { readSheet } from 'read-excel-file/node';
import type { Table } from '../../domain/register/csv.ts';
import { AppError } from '../../errors.ts';
import { checkXlsxArchive } from './zip-guard.ts';

/**
 * Excel numbers are binary floats: a cell showing 89.1 may be stored as 89.09999999999999. An area
 * must not change on the way in, so a number that is within 1e-9 of a two-decimal value is written
 * back as that value; anything else is left as written and the register validation names it.
 */
function numberText(raw: string): string {
  if (!/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw)) return raw;
  const n = Number(raw);
  if (!Number.isFinite(n)) return raw;
  const fixed = n.toFixed(2);
  if (Math.abs(Number(fixed) - n) < 1e-9) return fixed.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1');
  return raw;
}

/** Reads the first sheet of an .xlsx register into the same Table shape as the CSV reader. */
export async function readXlsxTable(data: Buffer): Promise<Table> {
  // Zip bombs are refused before anything inflates the file.
  checkXlsxArchive(data);
  let sheet: (string | number | boolean | null | object)[][];
  try {
    sheet = (await readSheet(data, { parseNumber: (s: string) => numberText(s), trim: true })) as never;
  } catch {
    throw new AppError('IMPORT_INVALID', 'the file is not a readable .xlsx workbook', [{ line: 1, column: null, message: 'not a readable .xlsx workbook', messageZh: '无法读取该 Excel 文件（请另存为 .xlsx 或 CSV）' }], '无法读取该 Excel 文件');
  }
  const cellText = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    return String(v).trim();
  };
  const rows = sheet.map((r, i) => ({ line: i + 1, cells: r.map(cellText) }));
  const header = (rows.shift()?.cells ?? []).map((h) => h.toLowerCase());
  // Trailing empty cells and blank rows are artefacts of spreadsheets, not data.
  const width = header.length;
  return {
    header,
    rows: rows
      .filter((r) => r.cells.some((c) => c !== ''))
      .map((r) => ({ line: r.line, cells: fitTo(r.cells, width) })),
  };
}

function fitTo(cells: string[], width: number): string[] {
  if (cells.length < width) return [...cells, ...Array<string>(width - cells.length).fill('')];
  if (cells.length > width && cells.slice(width).every((c) => c === '')) return cells.slice(0, width);
  return cells;
}
