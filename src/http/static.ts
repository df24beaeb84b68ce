import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** Precompressed variants written by the build (scripts/precompress.ts), best first. */
const ENCODINGS = [
  { name: 'br', ext: '.br' },
  { name: 'gzip', ext: '.gz' },
] as const;

/**
 * The codings an `Accept-Encoding` header allows, by name (`br`, `gzip`), honouring `q=0` and `*`.
 * `x-gzip` counts as gzip (RFC 9110 §8.4.1.3).
 */
export function acceptedEncodings(header: string | undefined): Set<string> {
  const out = new Set<string>();
  if (!header) return out;
  let star: boolean | null = null;
  const refused = new Set<string>();
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.trim().split(';');
    const name = (rawName ?? '').trim().toLowerCase();
    if (!name) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const ok = q === undefined || Number(q.slice(2)) > 0;
    const coding = name === 'x-gzip' ? 'gzip' : name;
    if (coding === '*') star = ok;
    else if (ok) out.add(coding);
    else refused.add(coding);
  }
  if (star) for (const { name } of ENCODINGS) if (!refused.has(name)) out.add(name);
  return out;
}

/**
 * Serves the built web client from `root`, falling back to index.html for client-side routes
 * (so printed QR links such as /join?code=… open the app). Paths are confined to `root`.
 *
 * Text files are sent as the `.br` or `.gz` file the build wrote beside them when the client
 * accepts that coding (brotli first): on a slow phone network the vote page's scripts are about a
 * third of their size. Hashed files under /assets/ never change and are cached for a year;
 * index.html is revalidated on every load (it names the current hashes).
 */
export function webClient(root: string) {
  const index = path.join(root, 'index.html');
  return (c: Context) => {
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      // A malformed percent-escape (e.g. `/%E0%A4%A`) names no file: a client error, not a 500.
      return c.text('Bad request: malformed URL.', 400);
    }
    const file = path.normalize(path.join(root, rel));
    const inside = file.startsWith(root + path.sep);
    const target = inside && existsSync(file) && statSync(file).isFile() ? file : index;
    if (!existsSync(target)) {
      return c.text('The web client is not built yet: run `npm run build:web`.', 503);
    }
    const ext = path.extname(target);
    const type = TYPES[ext] ?? 'application/octet-stream';
    const immutable = target !== index && rel.startsWith('/assets/');
    const headers: Record<string, string> = {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    let body = target;
    // The build decides what is worth compressing: a file has variants or none at all.
    const variants = ENCODINGS.filter(({ ext: suffix }) => existsSync(target + suffix));
    if (variants.length) {
      // The answer depends on Accept-Encoding whether or not a variant is chosen this time.
      headers.vary = 'Accept-Encoding';
      const accepted = acceptedEncodings(c.req.header('accept-encoding'));
      const chosen = variants.find(({ name }) => accepted.has(name));
      if (chosen) {
        body = target + chosen.ext;
        headers['content-encoding'] = chosen.name;
      }
    }
    return c.body(readFileSync(body), 200, headers);
  };
}
