/**
 * Runs verifyExport in a Web Worker (falling back to this thread where workers are unavailable).
 * Nothing leaves the browser.
 */
import type { VerifyReport } from '../../src/domain/ledger/verify.ts';
import type { AuditAnswer } from './audit-worker.ts';

export async function runVerify(files: Map<string, Uint8Array>): Promise<VerifyReport> {
  let worker: Worker | null = null;
  try {
    worker = new Worker(new URL('./audit-worker.ts', import.meta.url), { type: 'module' });
  } catch {
    worker = null;
  }
  if (worker) {
    const w = worker;
    try {
      return await new Promise<VerifyReport>((resolve, reject) => {
        w.onmessage = (e: MessageEvent<AuditAnswer>) => (e.data.type === 'done' ? resolve(e.data.report) : reject(new Error(e.data.message)));
        w.onerror = (e) => {
          e.preventDefault();
          reject(new WorkerFailed());
        };
        w.postMessage({ files });
      });
    } catch (err) {
      if (!(err instanceof WorkerFailed)) throw err;
      // The worker could not start (blocked or unsupported): verify here instead.
    } finally {
      w.terminate();
    }
  }
  const { verifyExport } = await import('../../src/domain/ledger/verify.ts');
  return verifyExport(files);
}

class WorkerFailed extends Error {}
