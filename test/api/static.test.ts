import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompressDir } from '../../scripts/precompress.ts';
import { acceptedEncodings } from '../../src/http/static.ts';
import { makeTestContext, type TestContext } from '../support/app.ts';
import { dbTargets } from '../support/db.ts';

/** A built client in miniature: what `npm run build:web` writes, precompressed the same way. */
const SCRIPT = `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `开始投票 ${i} vote`))};\n`;
const STYLE = `.receipt { border: 2px solid blue; }\n`.repeat(100);
const INDEX = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="app"></div>${' '.repeat(600)}</body></html>`;
const PNG = Buffer.alloc(2000, 7);

describe('the web client is served precompressed', () => {
  let root: string;
  let ctx: TestContext;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'linli-web-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), INDEX);
    writeFileSync(path.join(root, 'assets/index-abc123.js'), SCRIPT);
    writeFileSync(path.join(root, 'assets/index-abc123.css'), STYLE);
    writeFileSync(path.join(root, 'assets/tiny-abc123.js'), 'export{};\n');
    writeFileSync(path.join(root, 'assets/logo-abc123.png'), PNG);
    precompressDir(root);
    ctx = await makeTestContext(dbTargets[0]!, { webRoot: root });
  });
  afterAll(async () => {
    await ctx?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (p: string, acceptEncoding?: string) => ctx.app.request(p, { headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
  const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());

  it('the build writes .br and .gz beside text files only, and skips tiny ones', () => {
    const files = readdirSync(path.join(root, 'assets')).sort();
    expect(files).toEqual([
      'index-abc123.css',
      'index-abc123.css.br',
      'index-abc123.css.gz',
      'index-abc123.js',
      'index-abc123.js.br',
      'index-abc123.js.gz',
      'logo-abc123.png',
      'tiny-abc123.js',
    ]);
  });

  it('br, gzip → brotli, decompressing to the original, cached for a year', async () => {
    const res = await get('/assets/index-abc123.js', 'br, gzip');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = await bytes(res);
    expect(body.length).toBeLessThan(Buffer.byteLength(SCRIPT) / 3);
    expect(brotliDecompressSync(body).toString('utf8')).toBe(SCRIPT);
  });

  it('gzip only → gzip; br refused with q=0 → gzip', async () => {
    const res = await get('/assets/index-abc123.css', 'gzip, deflate');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(gunzipSync(await bytes(res)).toString('utf8')).toBe(STYLE);

    const refused = await get('/assets/index-abc123.js', 'br;q=0, gzip;q=0.5');
    expect(refused.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(await bytes(refused)).toString('utf8')).toBe(SCRIPT);
  });

  it('no Accept-Encoding (or identity) → the original bytes, still marked as varying', async () => {
    for (const header of [undefined, '', 'identity', 'br;q=0, gzip;q=0']) {
      const res = await get('/assets/index-abc123.js', header);
      expect(res.headers.get('content-encoding'), String(header)).toBeNull();
      expect(res.headers.get('vary')).toBe('Accept-Encoding');
      expect((await bytes(res)).toString('utf8')).toBe(SCRIPT);
    }
  });

  it('index.html, also as the fallback for client routes, is compressed and revalidated', async () => {
    for (const p of ['/', '/estates/1/votes/2']) {
      const res = await get(p, 'gzip, deflate, br, zstd');
      expect(res.headers.get('content-encoding')).toBe('br');
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(brotliDecompressSync(await bytes(res)).toString('utf8')).toBe(INDEX);
    }
  });

  it('files without variants (images, tiny scripts) go out as they are', async () => {
    const png = await get('/assets/logo-abc123.png', 'br, gzip');
    expect(png.headers.get('content-encoding')).toBeNull();
    expect(png.headers.get('vary')).toBeNull();
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(await bytes(png)).toEqual(PNG);
    const tiny = await get('/assets/tiny-abc123.js', 'br');
    expect(tiny.headers.get('content-encoding')).toBeNull();
    expect((await bytes(tiny)).toString('utf8')).toBe('export{};\n');
  });

  it('reads Accept-Encoding as RFC 9110 does', () => {
    expect([...acceptedEncodings('br, gzip')].sort()).toEqual(['br', 'gzip']);
    expect([...acceptedEncodings('GZIP;q=1.0, br;q=0')]).toEqual(['gzip']);
    expect([...acceptedEncodings('x-gzip')]).toEqual(['gzip']);
    expect([...acceptedEncodings('*')].sort()).toEqual(['br', 'gzip']);
    expect([...acceptedEncodings('*, br;q=0')]).toEqual(['gzip']);
    expect([...acceptedEncodings('identity, deflate')].sort()).toEqual(['deflate', 'identity']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
  });
});
