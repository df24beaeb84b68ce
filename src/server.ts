import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { configureBox } from './modules/votes/sequencer.ts';
import { createApp, type App } from './app.ts';
import { createDb, migrate, type DbHandle } from './db.ts';
import { prepareDataDir } from './data-dir.ts';
import { isDriverWriteRace } from './driver-race.ts';
import type { Env } from './env.ts';
import type { Deps } from './http/context.ts';
import { loadKeyring } from './keys.ts';
import { createLogger, type Logger } from './logger.ts';
import { senderFromEnv, type Sender } from './sender.ts';
import { attachRealtime, type Realtime } from './realtime/server.ts';
import { pruneSessions } from './modules/auth/sessions.ts';
import { closeVote, dueForClose } from './modules/votes/service.ts';
import { maybeCheckpoint, signCheckpoint, votesAwaitingCheckpoint } from './modules/ledger/checkpoints.ts';
import { logSigner } from './modules/ledger/keys.ts';
import { dispatchOwnerAlerts } from './modules/notifications/owner-alerts.ts';

export interface RunningServer {
  url: string;
  port: number;
  app: App;
  deps: Deps;
  handle: DbHandle;
  server: Server;
  realtime: Realtime;
  close(): Promise<void>;
}

/** Opens the database, applies migrations, and serves API and web client on one port. */
export async function startServer(env: Env, opts: { sender?: Sender; logger?: Logger; webRoot?: string } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(env.LINLI_LOG_LEVEL);
  prepareDataDir(env.LINLI_DATA_DIR);
  const handle = await createDb({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : `${env.LINLI_DATA_DIR}/pglite` });
  await migrate(handle.db);
  const keys = loadKeyring({ dataDir: env.LINLI_DATA_DIR, signingKey: env.LINLI_SIGNING_KEY, secret: env.LINLI_SECRET });
  configureBox({ maxBatch: env.LINLI_BOX_BATCH });
  // Events are wired to the realtime layer once the HTTP server exists.
  const relay = { target: null as Realtime | null };
  const deps: Deps = {
    db: handle.db,
    dbKind: handle.kind,
    env,
    keys,
    sender: opts.sender ?? senderFromEnv(env, { db: handle.db, keys, logger }),
    logger,
    events: {
      voteChanged: (estateId, voteId) => relay.target?.events.voteChanged(estateId, voteId),
      sessionsEnded: (ended) => relay.target?.events.sessionsEnded?.(ended),
    },
  };
  const app = createApp(deps, { webRoot: opts.webRoot });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, () => resolve(s as Server));
  });
  const realtime = attachRealtime(server, deps);
  relay.target = realtime;
  const stopScheduler = scheduleCloses(deps);
  const port = (server.address() as AddressInfo).port;
  const url = env.PORT === 0 ? `http://127.0.0.1:${port}` : env.publicUrl;
  return {
    url,
    port,
    app,
    deps,
    handle,
    server,
    realtime,
    async close() {
      stopScheduler();
      server.closeAllConnections?.();
      await realtime.close(); // closes the HTTP server too
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
  // The one uncaught error that must not take the node down: the driver's write race when
  // PostgreSQL drops connections (see isDriverWriteRace). Anything else is fatal, as by default.
  process.on('uncaughtException', (err) => {
    if (isDriverWriteRace(err)) {
      running.deps.logger.warn({ err: { message: err.message } }, 'database connection lost during a write (driver); reconnecting');
      return;
    }
    running.deps.logger.fatal({ err: { message: err.message, stack: err.stack } }, 'uncaught exception');
    process.exit(1);
  });
}

/**
 * Closes votes whose window has ended and signs checkpoints of open logs that have grown (every few
 * seconds, on every node: closing and signing are idempotent under the vote's log lock, so two
 * nodes racing do it once).
 */
function scheduleCloses(deps: Deps, everyMs = 5000): () => void {
  let running = false;
  const signer = logSigner(deps.keys, deps.env.publicUrl);
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const now = deps.now?.() ?? new Date();
      for (const v of await dueForClose(deps.db, now)) {
        const r = await closeVote(deps.db, v.estateId, v.id, { reason: 'voting window ended 投票期限届满', manual: false, userId: null, now });
        if (!r.alreadyClosed) {
          await signCheckpoint(deps.db, signer, v.id, now);
          deps.events?.voteChanged(v.estateId, v.id);
        }
      }
      for (const v of await votesAwaitingCheckpoint(deps.db)) await maybeCheckpoint(deps.db, signer, v.id, now);
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'scheduled close failed');
    } finally {
      running = false;
    }
  }, everyMs);
  timer.unref();
  // Households are told of credentials and ballots for them (rules.md §7), from the outbox; on its
  // own timer, so a morning of thousands of texts never delays a scheduled close.
  let sending = false;
  const alerts = setInterval(async () => {
    if (sending) return;
    sending = true;
    try {
      while ((await dispatchOwnerAlerts(deps)) > 0);
    } catch (err) {
      deps.logger.warn({ err: { message: (err as Error).message } }, 'household alerts failed');
    } finally {
      sending = false;
    }
  }, 2000);
  alerts.unref();
  // Sessions expired for over a day serve no purpose: removed hourly (idempotent on every node).
  const prune = setInterval(() => {
    pruneSessions(deps.db, deps.now?.() ?? new Date()).catch((err) => deps.logger.warn({ err: { message: (err as Error).message } }, 'session pruning failed'));
  }, 3600_000);
  prune.unref();
  return () => {
    clearInterval(timer);
    clearInterval(alerts);
    clearInterval(prune);
  };
}
