/**
 * A zip bomb posing as an .xlsx register is refused before anything inflates it: a few hundred KB
 * that declare or inflate to hundreds of MB (or claim GBs) answer 422 naming `file`, and the
 * process memory does not jump. Built here by hand with node:zlib.
 */
import { deflateRawSync, constants } from 'node:zlib';
import { expect, it } from 'vitest';
import { XLSX_MAX_UNCOMPRESSED } from '../../src/modules/registry/zip-guard.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MB = 1024 * 1024;

/** A raw deflate stream of `mb` MB of zeros, about 1 KB per MB: one flushed block repeated, then an empty final block. */
function zerosDeflated(mb: number): Buffer {
  const block = deflateRawSync(Buffer.alloc(MB), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.concat([...Array<Buffer>(mb).fill(block), Buffer.from([0x03, 0x00])]);
}

interface ZipEntry {
  name: string;
  data: Buffer;
  method: 0 | 8;
  /** What the headers say the entry inflates to. */
  size: number;
  /** Written as a local entry but left out of the central directory. */
  hidden?: boolean;
}

function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  let listed = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, e.data);
    if (!e.hidden) {
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE(20, 4);
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(e.method, 10);
      cd.writeUInt32LE(e.data.length, 20);
      cd.writeUInt32LE(e.size, 24);
      cd.writeUInt16LE(name.length, 28);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, name);
      listed++;
    }
    offset += 30 + name.length + e.data.length;
  }
  const cdBuf = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(listed, 8);
  eocd.writeUInt16LE(listed, 10);
  eocd.writeUInt32LE(cdBuf.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, eocd]);
}

const types = (): ZipEntry => {
  const xml = Buffer.from('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>');
  return { name: '[Content_Types].xml', data: deflateRawSync(xml), method: 8, size: xml.length };
};

async function post(ctx: TestContext, body: Buffer) {
  const estate = await makeEstate(ctx, undefined, `bomb ${Math.random()}`);
  const org = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
  global.gc?.();
  const before = process.memoryUsage();
  const res = await ctx.call('POST', `/api/estates/${estate.id}/register/import`, { token: org.token, raw: new Uint8Array(body), headers: { 'content-type': XLSX } });
  const after = process.memoryUsage();
  return { res, grew: Math.max(after.rss - before.rss, after.arrayBuffers - before.arrayBuffers) };
}

function expectRefused(r: Awaited<ReturnType<typeof post>>, message: RegExp) {
  expect(r.res.status, JSON.stringify(r.res.body)).toBe(422);
  expect(r.res.body.error.code).toBe('IMPORT_INVALID');
  expect(r.res.body.error.details[0].field).toBe('file');
  expect(r.res.body.error.message).toMatch(message);
  expect(r.res.body.error.requestId).toBeTruthy();
  expect(r.grew, `memory grew by ${Math.round(r.grew / MB)} MB`).toBeLessThan(40 * MB);
}

describeEachDb('.xlsx zip bombs', (ctx) => {
  const bomb = zerosDeflated(400); // 400 MB of zeros in ~400 KB

  it('refuses a workbook that honestly declares 400 MB inflated', async () => {
    expect(bomb.length).toBeLessThan(MB);
    const file = zip([types(), { name: 'xl/worksheets/sheet1.xml', data: bomb, method: 8, size: 400 * MB }]);
    expectRefused(await post(ctx(), file), new RegExp(`inflates to more than ${XLSX_MAX_UNCOMPRESSED / MB} MB`));
  });

  it('refuses one that claims GBs', async () => {
    const file = zip([types(), { name: 'xl/worksheets/sheet1.xml', data: bomb, method: 8, size: 0xfffffff0 }]);
    expectRefused(await post(ctx(), file), /inflates to more than/);
  });

  it('refuses one that lies (declares 2 MB, inflates to 400 MB) without inflating past the lie', async () => {
    const file = zip([types(), { name: 'xl/worksheets/sheet1.xml', data: bomb, method: 8, size: 2 * MB }]);
    expectRefused(await post(ctx(), file), /inflates to more than it declares/);
  });

  it('refuses an absurd ratio under the size limit', async () => {
    const small = zerosDeflated(40);
    const file = zip([types(), { name: 'xl/worksheets/sheet1.xml', data: small, method: 8, size: 40 * MB }]);
    expectRefused(await post(ctx(), file), /compressed more than 200:1/);
  });

  it('refuses a bomb hidden in a local entry the zip directory does not list', async () => {
    const file = zip([{ name: 'xl/worksheets/sheet1.xml', data: bomb, method: 8, size: 1000, hidden: true }, types()]);
    expectRefused(await post(ctx(), file), /entries outside its zip directory/);
  });

  it('refuses a file that is not a zip past its signature', async () => {
    const file = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
    const r = await post(ctx(), file);
    expect(r.res.status).toBe(422);
    expect(r.res.body.error.details[0].field).toBe('file');
  });
});
