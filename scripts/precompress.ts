import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Text-like files worth compressing; images such as .png and fonts (.woff2) are compressed already. */
export const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json', '.webmanifest', '.txt', '.map']);

/** Below this the headers of a compressed answer cost about what compression saves. */
const MIN_BYTES = 512;

export interface PrecompressReport {
  files: number;
  bytes: number;
  br: number;
  gz: number;
}

/**
 * Writes `name.br` and `name.gz` beside every compressible file under `dir` (brotli at quality 11,
 * gzip at level 9: done once at build time, so the slowest, smallest settings are fine). A variant
 * that would not be smaller than the original is not written; the server then sends the original.
 */
export function precompressDir(dir: string): PrecompressReport {
  const report: PrecompressReport = { files: 0, bytes: 0, br: 0, gz: 0 };
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) {
        walk(file);
        continue;
      }
      if (!COMPRESSIBLE.has(path.extname(name))) continue;
      const raw = readFileSync(file);
      if (raw.length < MIN_BYTES) continue;
      const br = brotliCompressSync(raw, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
      });
      const gz = gzipSync(raw, { level: 9 });
      report.files++;
      report.bytes += raw.length;
      if (br.length < raw.length) {
        writeFileSync(`${file}.br`, br);
        report.br += br.length;
      } else report.br += raw.length;
      if (gz.length < raw.length) {
        writeFileSync(`${file}.gz`, gz);
        report.gz += gz.length;
      } else report.gz += raw.length;
    }
  };
  walk(dir);
  return report;
}

/** A Vite plugin: precompresses the build output once it is written. */
export function precompress() {
  let outDir = '';
  return {
    name: 'linli-precompress',
    apply: 'build' as const,
    configResolved(config: { root: string; build: { outDir: string } }) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const r = precompressDir(outDir);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
      console.log(`precompressed ${r.files} files: ${kb(r.bytes)} → br ${kb(r.br)}, gzip ${kb(r.gz)}`);
    },
  };
}
