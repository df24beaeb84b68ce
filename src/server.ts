import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createApp, type App } from './app.ts';
import { createDb, migrate, type DbHandle } from './db.ts';
import type { Env } from './env.ts';
import type { Deps } from './http/context.ts';
import { loadKeyring } from './keys.ts';
import { createLogger, type Logger } from './logger.ts';
import { ConsoleSender, type Sender } from './sender.ts';

export interface RunningServer {
  url: string;
  port: number;
  app: App;
  deps: Deps;
  handle: DbHandle;
  server: Server;
  close(): Promise<void>;
}

/** Opens the database, applies migrations, and serves API and web client on one port. */
export async function startServer(env: Env, opts: { sender?: Sender; logger?: Logger; webRoot?: string } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(env.LINLI_LOG_LEVEL);
  const handle = await createDb({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : `${env.LINLI_DATA_DIR}/pglite` });
  await migrate(handle.db);
  const keys = loadKeyring({ dataDir: env.LINLI_DATA_DIR, signingKey: env.LINLI_SIGNING_KEY, secret: env.LINLI_SECRET });
  const deps: Deps = { db: handle.db, dbKind: handle.kind, env, keys, sender: opts.sender ?? new ConsoleSender(), logger };
  const app = createApp(deps, { webRoot: opts.webRoot });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s as Server));
  });
  const port = (server.address() as AddressInfo).port;
  const url = env.PORT === 0 ? `http://127.0.0.1:${port}` : env.publicUrl;
  return {
    url,
    port,
    app,
    deps,
    handle,
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections?.();
      await handle.close();
    },
  };
}

/** Closes the server and database cleanly on SIGINT / SIGTERM. */
export function stopOnSignals(running: RunningServer) {
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
