import { and, eq } from 'drizzle-orm';
import { attachments } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { AppError, notFound } from '../../errors.ts';
import { sha256Hex } from '../../keys.ts';

/** What may be uploaded, recognised from the bytes (never from the name or the client's type). */
const KINDS = [
  { mime: 'image/png', max: 5 << 20, test: (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { mime: 'image/jpeg', max: 5 << 20, test: (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { mime: 'image/webp', max: 5 << 20, test: (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP' },
  { mime: 'application/pdf', max: 10 << 20, test: (b: Uint8Array) => String.fromCharCode(...b.subarray(0, 5)) === '%PDF-' },
];
export const ATTACHMENT_MAX_BYTES = 10 << 20;

/** Stores an attachment after checking type and size; returns its id and SHA-256. */
export async function storeAttachment(db: Db, estateId: string, userId: string, file: { name: string; bytes: Uint8Array }) {
  if (!file.bytes.length) throw new AppError('VALIDATION_FAILED', 'file: the file is empty', [{ field: 'file', message: 'empty' }], '文件是空的');
  const kind = KINDS.find((k) => k.test(file.bytes));
  if (!kind) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'file: only PNG, JPEG, WebP pictures and PDF documents can be attached', [{ field: 'file', message: 'type not allowed' }], '只能上传图片（PNG、JPEG、WebP）或 PDF 文件');
  }
  if (file.bytes.length > kind.max) {
    throw new AppError('PAYLOAD_TOO_LARGE', `file: larger than ${kind.max >> 20} MB`, [{ field: 'file', message: 'too large' }], `文件不能超过 ${kind.max >> 20} MB`);
  }
  const filename = file.name.replace(/[\\/\u0000-\u001f"]/g, '_').slice(0, 120) || 'file';
  const sha256 = sha256Hex(file.bytes);
  const [row] = await db.insert(attachments).values({ estateId, sha256, size: file.bytes.length, mime: kind.mime, filename, data: file.bytes, createdBy: userId }).returning({ id: attachments.id });
  return { id: row!.id, sha256, size: file.bytes.length, mime: kind.mime, filename };
}

export async function readAttachment(db: Db, estateId: string, id: string) {
  const [row] = await db.select().from(attachments).where(and(eq(attachments.id, id), eq(attachments.estateId, estateId)));
  if (!row) throw notFound('attachment');
  return row;
}

/** Checks that attachment ids belong to the estate (so a proposal cannot show another estate's files). */
export async function assertAttachments(db: Db, estateId: string, ids: string[]) {
  for (const id of new Set(ids)) {
    const [row] = await db.select({ id: attachments.id }).from(attachments).where(and(eq(attachments.id, id), eq(attachments.estateId, estateId)));
    if (!row) throw new AppError('VALIDATION_FAILED', `attachmentIds: unknown attachment ${id}`, [{ field: 'attachmentIds', message: 'unknown attachment' }], '附件不存在');
  }
}
