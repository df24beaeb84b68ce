/**
 * A linli server as a child process on a scratch database, with an estate of owners and an open
 * vote: what the benchmarks (scripts/bench) and the crash tests (scripts/chaos) drive over HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { personBindings, persons, roleGrants, users } from '../../db/schema/index.ts';
import type { Db } from '../../src/db.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';
import { sha256Hex, type Keyring } from '../../src/keys.ts';
import { issueToken } from '../../src/modules/auth/tokens.ts';
import { logSigner } from '../../src/modules/ledger/keys.ts';
import { createEstate, importRegister } from '../../src/modules/registry/service.ts';
import { beijingDate, createVote, publishNotice } from '../../src/modules/votes/service.ts';

const DAY = 86_400_000;
const ROOT = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** An estate of `n` flats with one owner each, an open vote, and a signed-in token per owner. */
export async function seedOpenVote(db: Db, keys: Keyring, publicUrl: string, n: number) {
  const rows = ['part_id,building,entrance,floor,kind,area,area_source,status,owners'];
  for (let i = 0; i < n; i++) {
    const b = 1 + Math.floor(i / 200);
    rows.push(`${b}-${100 + (i % 200)},${b},1,${1 + (i % 30)},residential,${(60 + (i % 70)).toFixed(2)},register,registered,O${i}`);
  }
  const csv = `${rows.join('\n')}\n`;
  const estate = await createEstate(db, { name: `bench ${randomUUID().slice(0, 8)}` });
  await importRegister(db, keys, { estateId: estate.id, table: parseCsv(csv), format: 'csv', fileSha256: sha256Hex(csv), importedBy: null, dryRun: false });
  // Users bound to the register persons, in bulk.
  const personRows = await db.select({ id: persons.id, ref: persons.ref }).from(persons).where(eq(persons.estateId, estate.id));
  const userIds: string[] = [];
  for (let i = 0; i < personRows.length; i += 1000) {
    const chunk = personRows.slice(i, i + 1000);
    const created = await db.insert(users).values(chunk.map((p) => ({ displayName: `owner ${p.ref}` }))).returning({ id: users.id });
    await db.insert(roleGrants).values(created.map((u) => ({ userId: u.id, estateId: estate.id, role: 'owner' })));
    // One statement binds the whole chunk: (person id, user id) pairs as a VALUES list.
    const pairs = sql.join(chunk.map((p, j) => sql`(${p.id}::uuid, ${created[j]!.id}::uuid)`), sql`, `);
    await db.execute(sql`update persons set user_id = v.user_id from (values ${pairs}) as v(person_id, user_id) where persons.id = v.person_id`);
    // …and records the bindings, which the notice lists as the owners' credentials.
    await db.insert(personBindings).values(chunk.map((p, j) => ({ personId: p.id, userId: created[j]!.id, via: 'invite' })));
    userIds.push(...created.map((u) => u.id));
  }
  const now = Date.now();
  const vote = await createVote(db, estate.id, null, {
    title: 'bench',
    description: '',
    scope: null,
    opensAt: new Date(now - 60_000).toISOString(),
    closesAt: new Date(now + 10 * DAY).toISOString(),
    matters: [{ title: 'renovate', description: '', category: '7', kind: 'yes_no', options: [] }],
  });
  const signer = logSigner(keys, publicUrl);
  await publishNotice(db, { publicUrl, vkey: signer.vkey, keys, userId: null }, estate.id, vote.id, beijingDate(new Date(now - 20 * DAY)), new Date(now - 20 * DAY));
  const tokens = await Promise.all(userIds.map(async (id) => (await issueToken(db, keys, publicUrl, id)).token));
  return { estateId: estate.id, voteId: vote.id, tokens };
}

export function startServerProcess(env: Record<string, string>): Promise<ChildProcess> {
  // BENCH_PROFILE=dir writes a CPU profile of the server (node --cpu-prof) there, for finding what limits it.
  const prof = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'src/index.ts'], {
    cwd: ROOT,
    // No texts leave a benchmark or crash test: the console outbox, deliberately (else the entry point refuses to start).
    env: { ...process.env, LINLI_SENDER: 'console', ...env, LINLI_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return Promise.resolve(child);
}

export async function waitHealthy(url: string, child: ChildProcess) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not become healthy');
}

export async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

