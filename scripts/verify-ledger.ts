/**
 * Offline verification of a vote's ledger export (docs/ledger.md, "Verification steps").
 *
 *   npx tsx scripts/verify-ledger.ts DIR [--openings openings.jsonl] [--receipt receipt.tlog-proof]
 *
 * Reads the export folder, runs the domain verifier (the same code the auditor page runs in the
 * browser) and prints one line per step, e.g.
 *
 *   V1 ok   manifest parses and its hash equals the setup entry's
 *   V4 FAIL prev mismatch at seq 17 (is not the leaf hash of seq 16)
 *
 * Exit 0 when every step passes, 1 when a step fails, 2 when the verification cannot run
 * (bad usage, missing folder, unreadable file). No network; never a stack trace.
 */

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { verifyExport, type VerifyReport } from '../src/domain/ledger/verify.ts';
import { issuerReportLines } from '../src/domain/ledger/credentials.ts';

const USAGE = 'usage: npx tsx scripts/verify-ledger.ts DIR [--openings FILE] [--receipt FILE]';
/** Lines printed per step before "… and N more": a broken export would flood the terminal. */
const MAX_DETAILS = 20;

class UsageError extends Error {}

interface Args {
  dir: string;
  openings?: string;
  receipt?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const positional: string[] = [];
  const flags: Partial<Record<'openings' | 'receipt', string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') throw new UsageError(USAGE);
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name !== 'openings' && name !== 'receipt') throw new UsageError(`unknown option ${arg}\n${USAGE}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (!value) throw new UsageError(`--${name} needs a file\n${USAGE}`);
    if (flags[name] !== undefined) throw new UsageError(`--${name} given twice\n${USAGE}`);
    flags[name] = value;
  }
  if (positional.length !== 1) throw new UsageError(USAGE);
  return { dir: positional[0], ...flags };
}

/** Every file under `dir`, keyed by its path relative to `dir` with `/` separators. */
function readTree(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (abs: string, rel: string) => {
    for (const name of readdirSync(abs).sort()) {
      const full = path.join(abs, name);
      const key = rel ? `${rel}/${name}` : name;
      const st = statSync(full);
      if (st.isDirectory()) walk(full, key);
      else if (st.isFile()) files.set(key, new Uint8Array(readFileSync(full)));
    }
  };
  walk(dir, '');
  return files;
}

function readInput(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (err) {
    throw new UsageError(`cannot read the ${what} file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** "3, 5–9, 12": failing seqs compressed into ranges. */
function ranges(seqs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < seqs.length; ) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
    out.push(j === i ? String(seqs[i]) : `${seqs[i]}–${seqs[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

function render(report: VerifyReport, dir: string): string[] {
  const out = [`linli ledger export ${dir}`, `log ${report.origin ?? '(unknown: see V1)'} · ${report.entries} entries`];
  for (const step of report.steps) {
    const id = step.id.padEnd(3);
    const state = !step.ok ? 'FAIL' : step.skipped ? 'skip' : 'ok  ';
    const [first, ...rest] = step.details;
    // A failing step leads with its first problem; a passing one with its title.
    const head = !step.ok && first !== undefined ? first : step.skipped && first !== undefined ? first : step.title;
    out.push(`${id} ${state} ${head}`);
    const more = head === first ? rest : step.details;
    for (const d of more.slice(0, MAX_DETAILS)) out.push(`         ${d}`);
    if (more.length > MAX_DETAILS) out.push(`         … and ${more.length - MAX_DETAILS} more`);
    if (!step.ok && step.failingSeqs.length) out.push(`         failing seq: ${ranges(step.failingSeqs)}`);
  }
  if (report.recount) {
    for (const [matter, r] of Object.entries(report.recount.matters)) {
      const x = r as { outcome?: string; participation?: { parties: number; area: string }; counted_ballots?: { parties: number; area: string } };
      const p = x.participation ?? x.counted_ballots;
      out.push(`recount ${matter}: ${x.outcome ? `${x.outcome}, ` : ''}${p ? `${p.parties} parties / ${p.area} m² took part` : ''}${report.recount.mode === 'weights_only' ? ' (choices sealed)' : ''}`);
    }
  }
  // Who issued the credentials the ballots were cast with (docs/ledger.md §12.1): a report, not a verdict.
  if (report.issuers) out.push(...issuerReportLines(report.issuers));
  const failed = report.steps.filter((s) => !s.ok).map((s) => s.id);
  const skipped = report.steps.filter((s) => s.ok && s.skipped).map((s) => s.id);
  out.push(
    !report.ok
      ? `result: FAILED — ${failed.join(', ')}`
      : skipped.length
        ? `result: OK — every step that applies passed (not applicable: ${skipped.join(', ')})`
        : 'result: OK — every step passed',
  );
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: Args;
  let files: Map<string, Uint8Array>;
  let openings: Uint8Array | undefined;
  let receipt: Uint8Array | undefined;
  try {
    args = parseArgs(argv);
    let st;
    try {
      st = statSync(args.dir);
    } catch {
      throw new UsageError(`no such folder: ${args.dir}`);
    }
    if (!st.isDirectory()) throw new UsageError(`not a folder: ${args.dir}`);
    try {
      files = readTree(args.dir);
    } catch (err) {
      throw new UsageError(`cannot read ${args.dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (args.openings) openings = readInput(args.openings, 'openings');
    if (args.receipt) receipt = readInput(args.receipt, 'receipt');
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const report = await verifyExport(files, { ...(openings ? { openings } : {}), ...(receipt ? { receipt } : {}) });
  process.stdout.write(`${render(report, args.dir).join('\n')}\n`);
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug in the verifier must still not print a stack trace at an auditor.
    process.stderr.write(`verify-ledger: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
