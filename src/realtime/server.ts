import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { roleGrants, sessions, users, votes } from '../../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Deps } from '../http/context.ts';
import { liveSession } from '../modules/auth/sessions.ts';
import { verifyToken } from '../modules/auth/tokens.ts';
import { phase, turnout } from '../modules/votes/service.ts';
import type { DomainEvents } from './events.ts';
import { attachDeliberation } from './deliberation.ts';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SocketData, TurnoutPush } from './protocol.ts';

const WatchPayload = z.object({ estateId: z.string().uuid(), voteId: z.string().uuid() }).strict();
const COALESCE_MS = 1000;

function fail(err: unknown): Ack<never> {
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message, messageZh: err.messageZh } };
  if (err instanceof z.ZodError) return { ok: false, error: { code: 'VALIDATION_FAILED', message: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
}

export interface Realtime {
  io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  events: DomainEvents;
  close(): Promise<void>;
}

/**
 * Socket.IO on the same HTTP server as the API. The token is checked in the handshake; a client
 * joins a vote's room only with a role in its estate; services announce changes after commit and
 * the pushes are coalesced per vote to about one a second.
 */
export function attachRealtime(http: HttpServer, deps: Deps): Realtime {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http, {
    serveClient: false,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000 },
  });

  // Several nodes share rooms through PostgreSQL itself (no extra infrastructure).
  let pool: pg.Pool | null = null;
  if (deps.dbKind === 'postgres' && deps.env.DATABASE_URL) {
    pool = new pg.Pool({ connectionString: deps.env.DATABASE_URL, max: 4 });
    pool.on('error', (err) => deps.logger.warn({ err: { message: err.message } }, 'socket adapter pool error'));
    // The adapter keeps one client checked out for LISTEN and reconnects when it ends, but listens
    // for no 'error' on it: when PostgreSQL restarts, that error would be thrown unhandled and take
    // the whole process down. Every client the pool creates gets a listener (found by npm run chaos).
    pool.on('connect', (client) => client.on('error', (err) => deps.logger.warn({ err: { message: err.message } }, 'socket adapter connection lost')));
    io.adapter(createAdapter(pool, { errorHandler: (err) => deps.logger.warn({ err: { message: err.message } }, 'socket adapter error') }));
  }

  io.use(async (socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown })?.token;
      if (typeof token !== 'string') throw new AppError('UNAUTHENTICATED', 'sign-in required');
      const now = deps.now?.() ?? new Date();
      const claims = await verifyToken(deps.keys, deps.env.publicUrl, token, now);
      // As in the HTTP guard: the token's session must be live (one lookup, joined with the user).
      const [user] = await deps.db
        .select({ id: users.id, isAdmin: users.isAdmin })
        .from(users)
        .innerJoin(sessions, liveSession(claims.jti, claims.userId, now))
        .where(eq(users.id, claims.userId));
      if (!user) throw new AppError('UNAUTHENTICATED', 'this sign-in has ended; please sign in again');
      socket.data.userId = user.id;
      socket.data.isAdmin = user.isAdmin;
      socket.data.jti = claims.jti;
      next();
    } catch (err) {
      const e = new Error(err instanceof AppError ? err.message : 'unauthorized') as Error & { data?: unknown };
      e.data = { code: 'UNAUTHENTICATED' };
      next(e);
    }
  });

  async function snapshotPush(voteId: string): Promise<TurnoutPush> {
    const [vote] = await deps.db.select().from(votes).where(eq(votes.id, voteId));
    if (!vote) throw new AppError('NOT_FOUND', 'vote not found', undefined, '未找到该投票');
    return { voteId, phase: phase(vote, deps.now?.() ?? new Date()), turnout: await turnout(deps.db, voteId) };
  }

  io.on('connection', (socket) => {
    // Rooms by person and by sign-in, so an ended session closes its open sockets on every node.
    void socket.join([`user:${socket.data.userId}`, `jti:${socket.data.jti}`]);
    socket.on('vote:watch', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      try {
        const { estateId, voteId } = WatchPayload.parse(payload);
        if (!socket.data.isAdmin) {
          const roles = await deps.db.select({ r: roleGrants.role }).from(roleGrants).where(and(eq(roleGrants.userId, socket.data.userId), eq(roleGrants.estateId, estateId)));
          if (!roles.length) throw new AppError('FORBIDDEN', 'you do not have access to this', undefined, '您没有权限');
        }
        const [vote] = await deps.db.select({ id: votes.id }).from(votes).where(and(eq(votes.id, voteId), eq(votes.estateId, estateId)));
        if (!vote) throw new AppError('NOT_FOUND', 'vote not found', undefined, '未找到该投票');
        await socket.join(`vote:${voteId}`);
        reply({ ok: true, data: await snapshotPush(voteId) });
      } catch (err) {
        reply(fail(err));
      }
    });
    socket.on('vote:unwatch', async (payload, ack) => {
      if (payload && typeof payload.voteId === 'string') await socket.leave(`vote:${payload.voteId}`);
      if (typeof ack === 'function') ack({ ok: true, data: null });
    });
  });

  attachDeliberation(io, deps);

  const dirty = new Set<string>();
  const timer = setInterval(() => {
    const ids = [...dirty];
    dirty.clear();
    for (const voteId of ids) {
      snapshotPush(voteId)
        .then((push) => io.to(`vote:${voteId}`).emit('vote:turnout', push))
        .catch((err) => deps.logger.warn({ voteId, err: { message: (err as Error).message } }, 'turnout push failed'));
    }
  }, COALESCE_MS);
  timer.unref();

  return {
    io,
    events: {
      voteChanged(_estateId, voteId) {
        dirty.add(voteId);
      },
      sessionsEnded(ended) {
        io.in('userId' in ended ? `user:${ended.userId}` : `jti:${ended.jti}`).disconnectSockets(true);
      },
    },
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await pool?.end().catch(() => {});
    },
  };
}
