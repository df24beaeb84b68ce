/**
 * `npm run bench [-- --quick] [--json] [--only cast,verify,…]`: measures linli against baselines
 * taken in the same run (docs/benchmarks.md). Progress goes to stderr; with `--json` the last line
 * of stdout is one JSON object with every section.
 */
import { DEFAULT_PG, machine, nowMs, round, type BenchOptions, type Section } from './lib.ts';

const SECTIONS: Record<string, () => Promise<{ run(opts: BenchOptions): Promise<Section> }>> = {
  cast: () => import('./cast.ts'),
  verify: () => import('./verify.ts'),
  tally: () => import('./tally.ts'),
  proof: () => import('./proof.ts'),
  fanout: () => import('./fanout.ts'),
};

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const asJson = args.includes('--json');
  const onlyArg = args.find((a) => a.startsWith('--only'));
  const only = onlyArg ? (onlyArg.includes('=') ? onlyArg.split('=')[1]! : args[args.indexOf(onlyArg) + 1] ?? '').split(',').filter(Boolean) : Object.keys(SECTIONS);
  const unknown = only.filter((s) => !SECTIONS[s]);
  if (unknown.length) {
    process.stderr.write(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}\n`);
    process.exit(2);
  }
  const opts: BenchOptions = { quick, pgUrl: process.env.DATABASE_URL ?? DEFAULT_PG, log: (line) => process.stderr.write(`${line}\n`) };
  const t0 = nowMs();
  const out: Record<string, unknown> = { mode: quick ? 'quick' : 'full', machine: machine(), at: new Date().toISOString() };
  for (const name of only) {
    const started = nowMs();
    try {
      const mod = await SECTIONS[name]!();
      out[name] = await mod.run(opts);
    } catch (e) {
      out[name] = { error: (e as Error).message };
      opts.log(`${name}: failed: ${(e as Error).stack ?? e}`);
    }
    opts.log(`${name}: ${round((nowMs() - started) / 1000, 1)} s`);
  }
  // memory: the server's RSS under the cast load and with 1,000 sockets, gathered from those sections.
  const cast = out.cast as { postgres?: { serverRssIdleMiB?: number; serverRssMaxMiB?: number } } | undefined;
  const fanout = out.fanout as { serverRssMiB?: unknown; memory?: unknown } | undefined;
  out.memory = {
    castIdleMiB: cast?.postgres?.serverRssIdleMiB ?? null,
    castLoadMaxMiB: cast?.postgres?.serverRssMaxMiB ?? null,
    sockets: fanout?.memory ?? fanout?.serverRssMiB ?? null,
  };
  out.seconds = round((nowMs() - t0) / 1000, 1);
  const failed = only.filter((n) => (out[n] as { error?: string }).error);
  if (asJson) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
