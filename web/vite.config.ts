import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { precompress } from '../scripts/precompress.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** The web client: built into web/dist and served by the API under a strict CSP (no inline scripts). */
export default defineConfig({
  root,
  base: '/',
  // precompress: .br and .gz beside each text file in web/dist, served by src/http/static.ts.
  plugins: [vue(), precompress()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    // Keep everything as files under /assets: the CSP allows only 'self' scripts, and tiny inlined
    // data: URLs are fine for images but not needed for anything else.
    assetsInlineLimit: 2048,
    target: 'es2020',
    chunkSizeWarningLimit: 400,
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://localhost:3000', '/socket.io': { target: 'http://localhost:3000', ws: true } },
  },
});
