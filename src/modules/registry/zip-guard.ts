import { inflateRawSync } from 'node:zlib';
import { AppError } from '../../errors.ts';

/** Most bytes the entries of an uploaded workbook may inflate to, together. */
export const XLSX_MAX_UNCOMPRESSED = 50 * 1024 * 1024;
/** Most inflated/compressed ratio of one entry larger than RATIO_FLOOR (real sheets stay far below). */
export const XLSX_MAX_RATIO = 200;
const RATIO_FLOOR = 1024 * 1024;
const MAX_ENTRIES = 5000;

const refuse = (message: string, messageZh = '该 Excel 文件解压后过大或已损坏，请另存为 .xlsx 或 CSV 后重试') =>
  new AppError('IMPORT_INVALID', `file: ${message}`, [{ field: 'file', line: 1, column: null, message, messageZh }], messageZh);

interface Entry {
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

/**
 * Checks an .xlsx (a zip archive) before anything inflates it, against zip bombs: reads the
 * central directory and refuses ZIP64, more than MAX_ENTRIES entries, a declared total above
 * XLSX_MAX_UNCOMPRESSED or an absurd compression ratio; then walks the local headers as a streaming
 * unzipper would, requiring exactly the directory's entries, back to back; and inflates each entry
 * with its declared size as a hard cap, so one that lies about its size is refused without ever
 * taking more memory than the limit. Throws IMPORT_INVALID (422) naming the field `file`.
 */
export function checkXlsxArchive(buf: Uint8Array): void {
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (at: number) => (at + 2 <= view.length ? view.readUInt16LE(at) : -1);
  const u32 = (at: number) => (at + 4 <= view.length ? view.readUInt32LE(at) : -1);

  let eocd = -1;
  for (let i = view.length - 22; i >= Math.max(0, view.length - 22 - 0xffff); i--) {
    if (u32(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw refuse('not a readable .xlsx workbook (no zip directory)', '无法读取该 Excel 文件');
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw refuse('ZIP64 workbooks are not accepted');
  if (count > MAX_ENTRIES) throw refuse(`more than ${MAX_ENTRIES} entries in the workbook`);
  if (cdOffset + cdSize > eocd) throw refuse('not a readable .xlsx workbook (broken zip directory)', '无法读取该 Excel 文件');

  const entries: Entry[] = [];
  let total = 0;
  for (let i = 0, at = cdOffset; i < count; i++) {
    if (u32(at) !== 0x02014b50) throw refuse('not a readable .xlsx workbook (broken zip directory)', '无法读取该 Excel 文件');
    const e: Entry = { method: u16(at + 10), compressed: u32(at + 20), size: u32(at + 24), offset: u32(at + 42) };
    if (e.compressed === 0xffffffff || e.size === 0xffffffff || e.offset === 0xffffffff) throw refuse('ZIP64 workbooks are not accepted');
    if (e.method !== 0 && e.method !== 8) throw refuse(`unsupported compression method ${e.method}`);
    total += e.size;
    if (total > XLSX_MAX_UNCOMPRESSED) throw refuse(`the workbook inflates to more than ${XLSX_MAX_UNCOMPRESSED / 1024 / 1024} MB`);
    if (e.size > RATIO_FLOOR && e.size / Math.max(1, e.compressed) > XLSX_MAX_RATIO) throw refuse(`an entry is compressed more than ${XLSX_MAX_RATIO}:1`);
    entries.push(e);
    at += 46 + u16(at + 28) + u16(at + 30) + u16(at + 32);
  }

  // The local headers, in file order, must be exactly the directory's entries and nothing else.
  entries.sort((a, b) => a.offset - b.offset);
  let pos = 0;
  for (const e of entries) {
    if (e.offset !== pos || u32(pos) !== 0x04034b50) throw refuse('the workbook has entries outside its zip directory', '无法读取该 Excel 文件');
    const flags = u16(pos + 6);
    const dataStart = pos + 30 + u16(pos + 26) + u16(pos + 28);
    if (u16(pos + 8) !== e.method) throw refuse('the workbook’s entries disagree with its zip directory', '无法读取该 Excel 文件');
    if (!(flags & 0x08) && (u32(pos + 18) !== e.compressed || u32(pos + 22) !== e.size)) throw refuse('the workbook’s entries disagree with its zip directory', '无法读取该 Excel 文件');
    const dataEnd = dataStart + e.compressed;
    if (dataEnd > cdOffset) throw refuse('not a readable .xlsx workbook (truncated entry)', '无法读取该 Excel 文件');
    const data = view.subarray(dataStart, dataEnd);
    if (e.method === 0) {
      if (e.compressed !== e.size) throw refuse('the workbook’s entries disagree with its zip directory', '无法读取该 Excel 文件');
    } else {
      let inflated: Buffer;
      try {
        // Hard cap: an entry inflating beyond what it declares stops here, at that size.
        inflated = inflateRawSync(data, { maxOutputLength: Math.max(1, e.size) });
      } catch {
        throw refuse('an entry inflates to more than it declares, or is corrupt');
      }
      if (inflated.length !== e.size) throw refuse('an entry inflates to other than it declares');
    }
    pos = dataEnd;
    if (flags & 0x08) pos += u32(pos) === 0x08074b50 ? 16 : 12;
  }
  if (pos !== cdOffset) throw refuse('the workbook has entries outside its zip directory', '无法读取该 Excel 文件');
}
