import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { roleGrants, users } from '../../db/schema/index.ts';
import { createApp, type App } from '../../src/app.ts';
import type { Db, DbHandle } from '../../src/db.ts';
import { readEnv } from '../../src/env.ts';
import type { Deps } from '../../src/http/context.ts';
import { Keyring } from '../../src/keys.ts';
import { createLogger } from '../../src/logger.ts';
import type { EstateRole } from '../../src/modules/auth/roles.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { createEstate, importRegister } from '../../src/modules/registry/service.ts';
import { MemorySender } from '../../src/sender.ts';
import { dbTargets, postgresSkipNotice, type DbTarget } from './db.ts';

export interface TestContext {
  app: App;
  deps: Deps;
  db: Db;
  sender: MemorySender;
  handle: DbHandle;
  /** JSON request through app.request(); returns status, parsed body and headers. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: BodyInit }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function makeTestContext(target: DbTarget, opts: { webRoot?: string } = {}): Promise<TestContext> {
  const handle = await target.open();
  const sender = new MemorySender();
  const env = readEnv({ PORT: '0', LINLI_DATA_DIR: '/nonexistent', LINLI_PUBLIC_URL: 'http://linli.test' });
  const deps: Deps = { db: handle.db, dbKind: handle.kind, env, keys: Keyring.generate(), sender, logger: createLogger(process.env.TEST_LOG ?? 'silent') };
  const app = createApp(deps, { webRoot: opts.webRoot ?? '/nonexistent-web' });
  return {
    app,
    deps,
    db: handle.db,
    sender,
    handle,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let body: BodyInit | undefined = opts.raw;
      if (opts.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(opts.body);
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON: keep text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    close: () => handle.close(),
  };
}

/** Runs a suite once per database target, each with its own fresh database; notes a skipped PostgreSQL run visibly. */
export function describeEachDb(name: string, fn: (get: () => TestContext, target: DbTarget) => void) {
  for (const target of dbTargets) {
    describe(`${name} [${target.name}]`, () => {
      let ctx: TestContext | undefined;
      beforeAll(async () => {
        ctx = await makeTestContext(target);
      });
      afterAll(async () => {
        await ctx?.close();
      });
      fn(() => ctx!, target);
    });
  }
  if (postgresSkipNotice) {
    // A counted, named skip: the summary shows it, so a run without PostgreSQL never looks complete.
    describe(`${name} [${postgresSkipNotice}]`, () => {
      it.skip('runs again on PostgreSQL when DATABASE_URL is set', () => {});
    });
  }
}

/** Factory: a user with roles, and a valid token for them. */
export async function makeUser(ctx: TestContext, opts: { name?: string; isAdmin?: boolean; roles?: { estateId: string; role: EstateRole }[] } = {}) {
  const [u] = await ctx.db.insert(users).values({ displayName: opts.name ?? 'Test user', isAdmin: opts.isAdmin ?? false }).returning({ id: users.id });
  for (const r of opts.roles ?? []) await ctx.db.insert(roleGrants).values({ userId: u!.id, estateId: r.estateId, role: r.role });
  const { token } = await issueToken(ctx.db, ctx.deps.keys, ctx.deps.env.publicUrl, u!.id);
  return { id: u!.id, token };
}

export async function userIsAdmin(ctx: TestContext, userId: string) {
  const [u] = await ctx.db.select({ isAdmin: users.isAdmin }).from(users).where(eq(users.id, userId));
  return u?.isAdmin ?? false;
}

/** Factory: an estate, optionally with a register imported from CSV text. */
export async function makeEstate(ctx: TestContext, csv?: string, name = 'Test estate') {
  const estate = await createEstate(ctx.db, { name });
  if (csv) {
    await importRegister(ctx.db, ctx.deps.keys, { estateId: estate.id, table: parseCsv(csv), format: 'csv', fileSha256: 'test', importedBy: null, dryRun: false });
  }
  return estate;
}
