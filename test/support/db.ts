import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb, migrate, type DbHandle } from '../../src/db.ts';

/**
 * The databases an API suite runs on: PGlite always; PostgreSQL when DATABASE_URL is set. Each test
 * database is fresh (PGlite in memory, or a new schema on PostgreSQL) and migrated by the real migrator.
 */
export interface DbTarget {
  name: 'pglite' | 'postgres';
  open(): Promise<DbHandle>;
}

const url = process.env.DATABASE_URL;
export const requirePostgres = process.env.LINLI_REQUIRE_POSTGRES === '1';

async function openPostgres(): Promise<DbHandle> {
  if (!url) throw new Error('LINLI_REQUIRE_POSTGRES=1 but DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create schema ${schema}`);
  const handle = await createDb({ url, searchPath: schema, max: 5 });
  await migrate(handle.db);
  return {
    ...handle,
    async close() {
      await handle.close();
      await admin.unsafe(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

async function openPglite(): Promise<DbHandle> {
  const handle = await createDb({});
  await migrate(handle.db);
  return handle;
}

export const dbTargets: DbTarget[] = [
  { name: 'pglite', open: openPglite },
  ...(url || requirePostgres ? [{ name: 'postgres' as const, open: openPostgres }] : []),
];

/** Shown as a skipped suite name so a run without PostgreSQL says so plainly. */
export const postgresSkipNotice = url || requirePostgres ? null : 'postgres (skipped: DATABASE_URL not set)';

/**
 * A fresh PostgreSQL database for a whole server (browser journeys), or null without DATABASE_URL.
 * The server runs its migrations into it; `drop()` removes it afterwards.
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> } | null> {
  if (!url) return null;
  const name = `linli_e2e_${randomBytes(5).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
