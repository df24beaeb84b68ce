/**
 * Runs one benchmark section alone and prints its JSON (for working on a section):
 *
 *   npx tsx scripts/bench/run-one.ts verify|tally|proof|fanout [--quick] [--pg postgres://…]
 *
 * Progress goes to stderr; the last line of stdout is the section's JSON object.
 */
import { DEFAULT_PG, type BenchOptions, type Section } from './lib.ts';

const SECTIONS: Record<string, () => Promise<{ run(opts: BenchOptions): Promise<Section> }>> = {
  verify: () => import('./verify.ts'),
  tally: () => import('./tally.ts'),
  proof: () => import('./proof.ts'),
  fanout: () => import('./fanout.ts'),
};

async function main(argv: string[]): Promise<number> {
  const name = argv.find((a) => !a.startsWith('--'));
  const pgAt = argv.indexOf('--pg');
  const pgUrl = pgAt >= 0 ? argv[pgAt + 1] : (process.env.BENCH_DATABASE_URL ?? DEFAULT_PG);
  if (!name || !SECTIONS[name] || !pgUrl) {
    process.stderr.write(`usage: npx tsx scripts/bench/run-one.ts ${Object.keys(SECTIONS).join('|')} [--quick] [--pg URL]\n`);
    return 2;
  }
  const opts: BenchOptions = { quick: argv.includes('--quick'), pgUrl, log: (line) => process.stderr.write(`${line}\n`) };
  const started = Date.now();
  const section = await (await SECTIONS[name]()).run(opts);
  process.stderr.write(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`${JSON.stringify({ [name]: section })}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`run-one: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
