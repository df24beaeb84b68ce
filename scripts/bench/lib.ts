/**
 * Shared pieces of the benchmarks: timing, percentiles, a fresh PostgreSQL database per run, the
 * resident memory of a process, and the machine description. Every figure is measured beside its
 * baseline in the same run, so ratios hold on a noisy machine.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';

export interface BenchOptions {
  quick: boolean;
  /** PostgreSQL server to create scratch databases on. */
  pgUrl: string;
  /** Progress lines for people (stderr); the JSON result goes to stdout. */
  log(line: string): void;
}

/** One section's result: plain JSON, figures rounded for reading. */
export type Section = Record<string, unknown>;

export const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Percentile (nearest rank) of a list of milliseconds. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A scratch database on the PostgreSQL server, dropped afterwards. */
export async function scratchDatabase(pgUrl: string, label: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `linli_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc), or null. */
export function rssMiB(pid: number = process.pid): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024, 1) : null;
  } catch {
    return null;
  }
}

export function machine() {
  const c = cpus();
  return { cpus: c.length, cpu: c[0]?.model ?? 'unknown', memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version, platform: `${process.platform}-${process.arch}` };
}

/** Runs `worker` on `concurrency` lanes until `total` jobs are done; returns per-job latencies (ms) and the wall time. */
export async function runConcurrent(total: number, concurrency: number, worker: (i: number) => Promise<void>): Promise<{ latencies: number[]; wallMs: number; errors: number; firstError?: string }> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = nowMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t = nowMs();
        try {
          await worker(i);
          latencies.push(nowMs() - t);
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message;
        }
      }
    }),
  );
  return { latencies, wallMs: nowMs() - start, errors, firstError };
}

/** Latency summary of a run: rate per second, p50, p99 (ms). */
export function summarize(run: { latencies: number[]; wallMs: number; errors: number }) {
  return {
    count: run.latencies.length,
    errors: run.errors,
    perSecond: round((run.latencies.length / run.wallMs) * 1000, 0),
    p50Ms: round(percentile(run.latencies, 50)),
    p99Ms: round(percentile(run.latencies, 99)),
  };
}

/** One value of a COPY text-format row: null is \N; strings escape backslash, tab, newline, CR. */
function copyField(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}

/**
 * Bulk-loads rows into `table` with COPY … FROM STDIN (text format), in chunks of about 1 MiB:
 * seeding a million rows this way takes seconds, not the minutes of row-by-row INSERTs.
 * Returns the number of rows written.
 */
export async function copyRows(url: string, table: string, columns: string[], rows: Iterable<(string | number | boolean | null)[]>): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let count = 0;
  function* chunks() {
    let buf = '';
    for (const row of rows) {
      buf += `${row.map(copyField).join('\t')}\n`;
      count++;
      if (buf.length > 1 << 20) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  }
  try {
    const writable = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
    await pipeline(Readable.from(chunks()), writable);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return count;
}

/** Load averages (1, 5, 15 min): context for wall-clock figures on a shared machine. */
export function load(): { loadAvg: number[] } {
  return { loadAvg: loadavg().map((n) => round(n, 2)) };
}
