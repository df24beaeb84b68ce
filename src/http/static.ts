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

/**
 * Serves the built web client from `root`, falling back to index.html for client-side routes
 * (so printed QR links such as /join?code=… open the app). Paths are confined to `root`.
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
    const type = TYPES[path.extname(target)] ?? 'application/octet-stream';
    const immutable = target !== index && rel.startsWith('/assets/');
    return c.body(readFileSync(target), 200, {
      'content-type': type,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  };
}
