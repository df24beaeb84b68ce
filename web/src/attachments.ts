import { fetchFile } from './api.ts';
import { attachmentUrl } from './consult.ts';

/**
 * Attachments are served only with the bearer token, so each is fetched once, kept as a blob: URL
 * for the life of the page (pictures are shown from it, PDFs saved from it) and shared between the
 * places that show the same file (an option's picture in several versions, the editor's preview).
 */
export interface LoadedFile {
  url: string;
  type: string;
  filename: string;
  size: number;
  blob: Blob;
}

const cache = new Map<string, Promise<LoadedFile>>();

export function loadAttachment(estateId: string, id: string): Promise<LoadedFile> {
  let p = cache.get(id);
  if (!p) {
    p = fetchFile(attachmentUrl(estateId, id)).then(({ blob, filename }) => ({
      url: URL.createObjectURL(blob),
      type: blob.type,
      filename: filename ?? id,
      size: blob.size,
      blob,
    }));
    // A failed fetch may be retried later (e.g. after the network comes back).
    p.catch(() => cache.delete(id));
    cache.set(id, p);
  }
  return p;
}

/** A file just uploaded from this phone: shown from the local bytes, no second download. */
export function rememberUpload(id: string, file: File) {
  if (cache.has(id)) return;
  cache.set(id, Promise.resolve({ url: URL.createObjectURL(file), type: file.type, filename: file.name, size: file.size, blob: file }));
}

export const isImage = (type: string) => /^image\/(png|jpeg|webp)$/.test(type);
