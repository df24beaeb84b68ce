/**
 * Turning what an auditor drops or picks into the export's file map (path → bytes, paths relative
 * to the export folder, `/` separators), as the verifier expects (docs/ledger.md, "Export").
 *
 * - A dropped or picked folder arrives as `export-folder/checkpoints/65.note`: the folder's own
 *   name is taken off.
 * - Loose files arrive without folders: a `65.note` is a checkpoint, so it goes to
 *   `checkpoints/65.note`.
 * - The API's answer saved as JSON (`{"files": {path: text}}`) is unpacked.
 * - Operating-system litter (.DS_Store, __MACOSX/, Thumbs.db, desktop.ini) is left out, and said so.
 * Reading happens here in the browser; nothing is uploaded.
 */

export interface PickedFile {
  /** As the browser gives it: a relative path inside a folder, or just the name. */
  path: string;
  bytes: Uint8Array;
}

export interface ExportFiles {
  files: Map<string, Uint8Array>;
  /** Files left out (litter), by their original path. */
  ignored: string[];
  /** Paths given twice (the last one was kept). */
  duplicates: string[];
}

const LITTER = /(^|\/)(\.DS_Store|Thumbs\.db|desktop\.ini|\._[^/]*)$|(^|\/)__MACOSX\//i;

function segments(path: string): string[] {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
}

/** `{"files": {"manifest.json": "…", …}}`, the export API's answer, or null. */
function exportJson(bytes: Uint8Array): Map<string, Uint8Array> | null {
  if (bytes.length < 12 || bytes.length > 512 * 1024 * 1024) return null;
  try {
    const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as { files?: unknown };
    const files = json?.files;
    if (!files || typeof files !== 'object' || Array.isArray(files)) return null;
    const out = new Map<string, Uint8Array>();
    const enc = new TextEncoder();
    for (const [k, v] of Object.entries(files as Record<string, unknown>)) {
      if (typeof v !== 'string') return null;
      out.set(k, enc.encode(v));
    }
    return out.has('entries.jsonl') || out.has('manifest.json') ? out : null;
  } catch {
    return null;
  }
}

export function toExportFiles(picked: readonly PickedFile[]): ExportFiles {
  const ignored: string[] = [];
  const items = picked.filter((f) => {
    if (LITTER.test(f.path.replace(/\\/g, '/'))) {
      ignored.push(f.path);
      return false;
    }
    return true;
  });

  // A saved API answer (one .json file holding every file).
  if (items.length === 1 && /\.json$/i.test(items[0]!.path) && !/(^|\/)(manifest|tally)\.json$/i.test(items[0]!.path)) {
    const unpacked = exportJson(items[0]!.bytes);
    if (unpacked) return { files: unpacked, ignored, duplicates: [] };
  }

  let split = items.map((f) => ({ segs: segments(f.path), bytes: f.bytes, original: f.path }));
  // Take off the folder(s) the export sits in: every path starts with the same folder name.
  for (;;) {
    const first = split[0]?.segs[0];
    if (!first || first === 'checkpoints' || !split.every((f) => f.segs.length > 1 && f.segs[0] === first)) break;
    split = split.map((f) => ({ ...f, segs: f.segs.slice(1) }));
  }
  const files = new Map<string, Uint8Array>();
  const duplicates: string[] = [];
  for (const f of split) {
    let path = f.segs.join('/');
    if (f.segs.length === 1 && /^(0|[1-9][0-9]*)\.note$/.test(path)) path = `checkpoints/${path}`;
    if (files.has(path)) duplicates.push(path);
    files.set(path, f.bytes);
  }
  return { files, ignored, duplicates };
}

/** Reads a FileList (from <input type=file multiple> or <input webkitdirectory>). */
export async function readFileList(list: FileList | readonly File[]): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  for (const file of Array.from(list)) {
    out.push({ path: file.webkitRelativePath || file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  }
  return out;
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

/** Walks dropped items, folders included (a folder's files keep their path under it). */
export async function readDrop(dt: DataTransfer): Promise<PickedFile[]> {
  const entries: FileSystemEntry[] = [];
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
  }
  // Browsers without entries: plain files only.
  if (entries.length === 0) return readFileList(dt.files);
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isFile) {
      const file = await fileOf(entry as FileSystemFileEntry);
      out.push({ path, bytes: new Uint8Array(await file.arrayBuffer()) });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries gives at most ~100 entries per call: read until it gives none.
      for (;;) {
        const batch = await readBatch(reader);
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, path);
      }
    }
  };
  for (const e of entries) await walk(e, '');
  return out;
}
