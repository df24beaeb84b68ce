/**
 * Runs the export verifier off the page's thread, so the page stays responsive (and its progress
 * indication moves) while a big log is hashed and recounted. Receives the files, answers the report.
 */
import { verifyExport } from '../../src/domain/ledger/verify.ts';

export interface AuditRequest {
  files: Map<string, Uint8Array>;
}

export type AuditAnswer = { type: 'done'; report: Awaited<ReturnType<typeof verifyExport>> } | { type: 'error'; message: string };

self.onmessage = async (e: MessageEvent<AuditRequest>) => {
  let answer: AuditAnswer;
  try {
    answer = { type: 'done', report: await verifyExport(e.data.files) };
  } catch (err) {
    answer = { type: 'error', message: err instanceof Error ? err.message : String(err) };
  }
  (self as unknown as { postMessage(m: AuditAnswer): void }).postMessage(answer);
};
