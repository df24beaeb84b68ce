import { readFileSync } from 'node:fs';
import path from 'node:path';
import { and, count, eq } from 'drizzle-orm';
import writeXlsxFile from 'write-excel-file/node';
import { expect, it } from 'vitest';
import { ownerships, parts, persons, registerImports } from '../../db/schema/index.ts';
import { templateCsv } from '../../web/src/csv-template.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';

const VECTORS = path.resolve(import.meta.dirname, '../../../shared/vectors/recount');
const t1 = readFileSync(path.join(VECTORS, 'T1/register.csv'), 'utf8');
const t8 = readFileSync(path.join(VECTORS, 'T8a/register.csv'), 'utf8');

async function organizer(ctx: TestContext, name = 'Estate') {
  const estate = await makeEstate(ctx, undefined, name);
  const { token } = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
  return { estateId: estate.id, token };
}

function upload(ctx: TestContext, estateId: string, token: string, content: string | Uint8Array, opts: { dryRun?: boolean; filename?: string; type?: string } = {}) {
  const form = new FormData();
  form.set('file', new Blob([content as BlobPart], { type: opts.type ?? 'text/csv' }), opts.filename ?? 'register.csv');
  return ctx.call('POST', `/api/estates/${estateId}/register/import${opts.dryRun ? '?dryRun=true' : ''}`, { token, raw: form });
}

async function partCount(ctx: TestContext, estateId: string) {
  const [row] = await ctx.db.select({ n: count() }).from(parts).where(eq(parts.estateId, estateId));
  return Number(row!.n);
}

describeEachDb('register import', (ctx) => {
  it('imports T1: 8 owner parties, 900.00 m², the developer as one party', async () => {
    const { estateId, token } = await organizer(ctx());
    const res = await upload(ctx(), estateId, token, t1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: false, rows: 10, parts: 10, buildings: 3, electorate: { parties: 8, area: '900.00', areaCents: 90000, merge: 'identical_owner_set', developerParts: 2 } });
    expect(await partCount(ctx(), estateId)).toBe(10);
    const overview = await ctx().call('GET', `/api/estates/${estateId}/buildings`, { token });
    expect(overview.status).toBe(200);
    expect(overview.body.totals).toMatchObject({ parts: 10, area: '900.00', electorate: { parties: 8 } });
    expect(overview.body.buildings.map((b: any) => [b.building, b.parts, b.area, b.parties])).toEqual([
      ['1', 4, '390.00', 3],
      ['2', 4, '335.00', 3],
      ['3', 2, '175.00', 2],
    ]);
    const list = await ctx().call('GET', `/api/estates/${estateId}/parts?building=1&limit=2`, { token });
    expect(list.body.total).toBe(4);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({ partId: 'U1', area: '80.00', owners: 1 });
    expect(JSON.stringify(list.body)).not.toMatch(/"name"/);
  });

  it('previews the electorate under both merge rules (T8) and by scope', async () => {
    const { estateId, token } = await organizer(ctx(), 'T8');
    expect((await upload(ctx(), estateId, token, t8)).body.electorate.parties).toBe(3);
    const shared = await ctx().call('GET', `/api/estates/${estateId}/electorate?merge=shared_person`, { token });
    expect(shared.body).toMatchObject({ parties: 2, area: '300.00', merge: 'shared_person' });
    const scoped = await ctx().call('GET', `/api/estates/${estateId}/electorate?building=1&entrance=1`, { token });
    expect(scoped.body.parties).toBe(3);
    const bad = await ctx().call('GET', `/api/estates/${estateId}/electorate?entrance=1`, { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('entrance');
  });

  it('checks without writing on a dry run', async () => {
    const { estateId, token } = await organizer(ctx(), 'dry');
    const res = await upload(ctx(), estateId, token, t1, { dryRun: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, importId: null, electorate: { parties: 8, area: '900.00' } });
    expect(await partCount(ctx(), estateId)).toBe(0);
  });

  it('refuses a file with a duplicate part whole, naming the line, storing nothing', async () => {
    const { estateId, token } = await organizer(ctx(), 'dup');
    const bad = `${t1.trimEnd()}\nU3,1,2,1,residential,100.00,register,registered,Z\n`;
    const res = await upload(ctx(), estateId, token, bad);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('IMPORT_INVALID');
    expect(res.body.error.details).toEqual([expect.objectContaining({ line: 12, column: 'part_id' })]);
    expect(res.body.error.details[0].message).toMatch(/line 4/);
    expect(await partCount(ctx(), estateId)).toBe(0);
    const [p] = await ctx().db.select({ n: count() }).from(persons).where(eq(persons.estateId, estateId));
    expect(Number(p!.n)).toBe(0);
    const [i] = await ctx().db.select({ n: count() }).from(registerImports).where(eq(registerImports.estateId, estateId));
    expect(Number(i!.n)).toBe(0);
  });

  it('refuses a negative area naming line and column', async () => {
    const { estateId, token } = await organizer(ctx(), 'neg');
    const res = await upload(ctx(), estateId, token, t1.replace('U5,2,1,1,residential,60.00', 'U5,2,1,1,residential,-60.00'));
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([expect.objectContaining({ line: 6, column: 'area', messageZh: expect.any(String) })]);
    expect(await partCount(ctx(), estateId)).toBe(0);
  });

  it('reports every bad row at once', async () => {
    const { estateId, token } = await organizer(ctx(), 'many');
    const bad = t1.replace('register,registered,A', 'register,lost,A').replace('U9,3,1,1,residential,85.00', 'U9,3,1,x,residential,85.001');
    const res = await upload(ctx(), estateId, token, bad);
    expect(res.status).toBe(422);
    const where = res.body.error.details.map((d: any) => `${d.line}:${d.column}`);
    expect(where).toEqual(expect.arrayContaining(['2:status', '10:floor', '10:area']));
  });

  it('refuses parts already in the register on a second import, storing nothing more', async () => {
    const { estateId, token } = await organizer(ctx(), 'twice');
    expect((await upload(ctx(), estateId, token, t1)).status).toBe(200);
    const extra = `${t1.split('\n')[0]}\nU11,3,1,3,residential,50.00,register,registered,I\nU1,1,1,1,residential,80.00,register,registered,A\n`;
    const res = await upload(ctx(), estateId, token, extra);
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([expect.objectContaining({ line: 3, column: 'part_id' })]);
    expect(await partCount(ctx(), estateId)).toBe(10);
    const more = `${t1.split('\n')[0]}\nU11,3,1,3,residential,50.00,register,registered,A\n`;
    const ok = await upload(ctx(), estateId, token, more);
    expect(ok.status).toBe(200);
    // A owns U1 and U11 now: still one party; the total area grows.
    expect(ok.body.electorate).toMatchObject({ parties: 8, area: '950.00' });
  });

  it('imports an .xlsx register the same way', async () => {
    const { estateId, token } = await organizer(ctx(), 'xlsx');
    const rows = t1.trim().split('\n').map((l) => l.split(','));
    const sheet = rows.map((r, i) => r.map((cell, j) => (i > 0 && (j === 5 || j === 3) && cell !== '' ? { value: Number(cell), type: Number } : { value: cell, type: String })));
    const buffer = await writeXlsxFile(sheet as never).toBuffer();
    const res = await upload(ctx(), estateId, token, new Uint8Array(buffer), { filename: 'register.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });
    expect(res.status).toBe(200);
    expect(res.body.electorate).toMatchObject({ parties: 8, area: '900.00' });
  });

  it('names line and column in an .xlsx with a bad cell', async () => {
    const { estateId, token } = await organizer(ctx(), 'xlsx-bad');
    const rows = t1.trim().split('\n').map((l) => l.split(',').map((value) => ({ value, type: String })));
    rows[3]![5] = { value: '-1', type: String };
    const buffer = await writeXlsxFile(rows as never).toBuffer();
    const res = await upload(ctx(), estateId, token, new Uint8Array(buffer), { filename: 'r.xlsx' });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([expect.objectContaining({ line: 4, column: 'area' })]);
  });

  it('refuses a broken .xlsx and an empty file clearly', async () => {
    const { estateId, token } = await organizer(ctx(), 'broken');
    const zipHeader = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5, 6]);
    const broken = await upload(ctx(), estateId, token, zipHeader, { filename: 'r.xlsx' });
    expect(broken.status).toBe(422);
    expect(broken.body.error.details[0].messageZh).toContain('Excel');
    const empty = await upload(ctx(), estateId, token, '');
    expect(empty.status).toBe(422);
    expect(empty.body.error.details[0]).toMatchObject({ line: 1 });
  });

  it('reads a GB18030 (GBK) CSV as Excel in China saves it, and raw text/csv bodies', async () => {
    const { estateId, token } = await organizer(ctx(), 'gbk');
    const text = `${t1.split('\n')[0]},owner_names\nU1,1,1,1,residential,80.00,register,registered,A,张三\n`.replace('owners,owner_names', 'owners,owner_names');
    // "张三" in GB18030.
    const bytes = Buffer.concat([Buffer.from(text.replace('张三', ''), 'utf8').subarray(0, -1), Buffer.from([0xd5, 0xc5, 0xc8, 0xfd, 0x0a])]);
    const res = await ctx().call('POST', `/api/estates/${estateId}/register/import`, { token, raw: bytes, headers: { 'content-type': 'text/csv' } });
    expect(res.status).toBe(200);
    const [a] = await ctx().db.select().from(persons).where(eq(persons.estateId, estateId));
    expect(a!.name).toBe('张三');
  });

  it('imports the template the import page offers for download, as it is', async () => {
    const { estateId, token } = await organizer(ctx(), 'template');
    const res = await upload(ctx(), estateId, token, templateCsv(), { filename: 'linli-register-template.csv' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await partCount(ctx(), estateId)).toBe(2);
  });

  it('keeps phone and certificate numbers only as hashes', async () => {
    const { estateId, token } = await organizer(ctx(), 'privacy');
    const csv = 'part_id,building,area,area_source,status,owners,owner_names,owner_phones,certificate\nA-1,1,80,register,registered,P1,张三,13912345678,苏2020不动产权第0012345号\n';
    expect((await upload(ctx(), estateId, token, csv)).status).toBe(200);
    const stored = JSON.stringify([await ctx().db.select().from(persons).where(eq(persons.estateId, estateId)), await ctx().db.select().from(parts).where(eq(parts.estateId, estateId))]);
    expect(stored).not.toContain('13912345678');
    expect(stored).not.toContain('0012345');
    expect(stored).toContain('5678'); // last four digits, for "is this your number ****5678?"
  });

  it('refuses other media types and a multipart form without a file', async () => {
    const { estateId, token } = await organizer(ctx(), 'media');
    const json = await ctx().call('POST', `/api/estates/${estateId}/register/import`, { token, body: { csv: t1 } });
    expect(json.status).toBe(415);
    const form = new FormData();
    form.set('other', 'x');
    const noFile = await ctx().call('POST', `/api/estates/${estateId}/register/import`, { token, raw: form });
    expect(noFile.status).toBe(400);
    expect(noFile.body.error.details[0].field).toBe('file');
  });

  it('stores ownership rows for co-owners', async () => {
    const { estateId, token } = await organizer(ctx(), 'co');
    await upload(ctx(), estateId, token, t1);
    const rows = await ctx().db.select({ part: parts.code, person: persons.ref }).from(ownerships).innerJoin(parts, eq(parts.id, ownerships.partId)).innerJoin(persons, eq(persons.id, ownerships.personId)).where(and(eq(parts.code, 'U4'), eq(parts.estateId, estateId)));
    expect(rows.map((r) => r.person).sort()).toEqual(['C', 'D']);
  });

  it('updates the 议事规则 settings and validates them', async () => {
    const { estateId, token } = await organizer(ctx(), 'rules');
    const ok = await ctx().call('PATCH', `/api/estates/${estateId}/rules`, { token, body: { merge: 'shared_person', proxies: { cap: 2 } } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ merge: 'shared_person', proxies: { allowed: true, cap: 2 }, noticeDays: 15 });
    const bad = await ctx().call('PATCH', `/api/estates/${estateId}/rules`, { token, body: { noticeDays: -1, colour: 'red' } });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d: any) => d.field);
    expect(fields).toContain('noticeDays');
    const got = await ctx().call('GET', `/api/estates/${estateId}`, { token });
    expect(got.body.rules.noticeDays).toBe(15);
  });
});
