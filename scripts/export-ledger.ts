/**
 * Writes the export folder of one vote's log (docs/ledger.md) from the database named by
 * DATABASE_URL, or the PGlite data in LINLI_DATA_DIR.
 *
 *   npx tsx scripts/export-ledger.ts --vote ID --out DIR [--openings]
 *   npx tsx scripts/export-ledger.ts --latest --out DIR        (the most recently closed vote)
 *
 * --openings adds openings.jsonl (sealed choices): for named auditors only.
 * Exit 0 on success; 2 on bad usage or an unknown vote; 1 on an unexpected failure.
 */
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { desc, eq, isNotNull } from 'drizzle-orm';
import { votes } from '../db/schema/index.ts';
import { createDb, migrate } from '../src/db.ts';
import { ConfigError, readEnv } from '../src/env.ts';
import { buildExport } from '../src/modules/ledger/export.ts';

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const out: { vote?: string; latest: boolean; dir?: string; openings: boolean } = { latest: false, openings: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--vote') out.vote = argv[++i];
    else if (a === '--latest') out.latest = true;
    else if (a === '--out') out.dir = argv[++i];
    else if (a === '--openings') out.openings = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (!out.dir) throw new UsageError('--out DIR is required');
  if (!out.vote === !out.latest) throw new UsageError('give exactly one of --vote ID or --latest');
  if (out.vote && !/^[0-9a-f-]{36}$/i.test(out.vote)) throw new UsageError(`--vote: ${out.vote} is not a vote id`);
  return out as { vote?: string; latest: boolean; dir: string; openings: boolean };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`export-ledger: ${err.message}\nusage: export-ledger (--vote ID | --latest) --out DIR [--openings]\n`);
      return 2;
    }
    throw err;
  }
  const env = readEnv();
  if (!env.DATABASE_URL && !existsSync(path.join(env.LINLI_DATA_DIR, 'pglite'))) {
    process.stderr.write(`export-ledger: no database: set DATABASE_URL, or LINLI_DATA_DIR to a folder with data (looked in ${env.LINLI_DATA_DIR})\n`);
    return 2;
  }
  const handle = await createDb({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : path.join(env.LINLI_DATA_DIR, 'pglite') });
  try {
    await migrate(handle.db);
    const [vote] = args.vote
      ? await handle.db.select().from(votes).where(eq(votes.id, args.vote))
      : await handle.db.select().from(votes).where(isNotNull(votes.closedAt)).orderBy(desc(votes.closedAt)).limit(1);
    if (!vote) {
      process.stderr.write(`export-ledger: ${args.vote ? `no vote ${args.vote}` : 'no closed vote yet'}\n`);
      return 2;
    }
    const files = await buildExport(handle.db, vote.estateId, vote.id, { openings: args.openings });
    if (existsSync(args.dir) && readdirSync(args.dir).length) {
      process.stderr.write(`export-ledger: ${args.dir} is not empty; choose a new folder\n`);
      return 2;
    }
    for (const [name, text] of files) {
      const file = path.join(args.dir, name);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
    process.stdout.write(`exported vote ${vote.id} (${vote.title}): ${files.size} files to ${args.dir}\n`);
    return 0;
  } finally {
    await handle.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`export-ledger: ${err instanceof ConfigError ? err.message : `failed: ${(err as Error).message}`}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
