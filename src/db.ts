import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from '../db/schema/index.ts';
import { prepareDataDir } from './data-dir.ts';

export type Schema = typeof schema;
/** The common Drizzle Postgres type: services never care whether PGlite or PostgreSQL is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type DbKind = 'pglite' | 'postgres';

export interface DbHandle {
  db: Db;
  kind: DbKind;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres:// URL; when absent PGlite is used. */
  url?: string;
  /** PGlite data folder; absent means in memory. */
  dataDir?: string;
  /** PostgreSQL only: run in this schema (tests isolate themselves this way). */
  searchPath?: string;
  /** PostgreSQL pool size. */
  max?: number;
}

/** Opens PGlite (embedded, default) or PostgreSQL (when a URL is given). */
export async function createDb(opts: DbOptions): Promise<DbHandle> {
  if (opts.url) {
    const client = postgres(opts.url, {
      max: opts.max ?? 10,
      // Fail fast while the database is out of reach (the request answers 503) instead of hanging.
      connect_timeout: 5,
      onnotice: () => {},
      connection: opts.searchPath ? { search_path: opts.searchPath } : {},
    });
    const db = drizzlePostgres(client, { schema }) as unknown as Db;
    return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  // Created 0700; a world-writable folder is refused (ConfigError).
  if (opts.dataDir) prepareDataDir(opts.dataDir);
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return { db, kind: 'pglite', close: () => client.close() };
}

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../db/migrations');

interface JournalEntry {
  tag: string;
}

/**
 * The one migrator: applies the drizzle-kit migrations committed in db/migrations (generated and
 * custom SQL alike) in journal order, each once. All pending migrations run in one transaction
 * behind an advisory lock, so several nodes starting together cannot race and a failed migration
 * leaves nothing behind.
 */
export async function migrate(db: Db): Promise<{ applied: string[] }> {
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7263540201)`);
    await tx.execute(sql`create table if not exists linli_migrations (
      tag text primary key, sha256 text not null, applied_at timestamptz not null default now())`);
    const done = await tx.execute<{ tag: string; sha256: string }>(sql`select tag, sha256 from linli_migrations`);
    const doneRows = (Array.isArray(done) ? done : (done as { rows: { tag: string; sha256: string }[] }).rows);
    const known = new Map(doneRows.map((r) => [r.tag, r.sha256]));
    const applied: string[] = [];
    for (const { tag } of journal.entries) {
      const text = readFileSync(path.join(MIGRATIONS_DIR, `${tag}.sql`), 'utf8');
      const sha = createHash('sha256').update(text).digest('hex');
      const prior = known.get(tag);
      if (prior) {
        if (prior !== sha) throw new Error(`migration ${tag} changed after it was applied`);
        continue;
      }
      // drizzle-kit qualifies foreign keys with "public"; dropping it lets the same migrations run
      // in whatever schema the connection's search_path names (tests isolate themselves that way).
      for (const statement of text.replaceAll('"public".', '').split('--> statement-breakpoint')) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into linli_migrations (tag, sha256) values (${tag}, ${sha})`);
      applied.push(tag);
    }
    return { applied };
  });
}

/** Rows of a raw `execute` result, whichever driver produced it. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

