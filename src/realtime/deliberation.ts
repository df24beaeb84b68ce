import type { Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Deps } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { quorum } from '../domain/deliberation/session.ts';
import { act, displayNames, membersOf, recordPresence, roleIn, sessionRow, stateOf } from '../modules/deliberation/service.ts';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SessionPush, SocketData } from './protocol.ts';

type IO = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type Sock = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

const uuid = z.string().uuid();
const short = (max: number) => z.string().trim().min(1).max(max);
/** Socket payloads are validated like HTTP bodies. */
const ActionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.start') }),
  z.object({ type: z.literal('session.end') }),
  z.object({ type: z.literal('item.open'), itemId: uuid }),
  z.object({ type: z.literal('item.close') }),
  z.object({ type: z.literal('hand.raise'), kind: z.enum(['pro', 'contra', 'order']) }),
  z.object({ type: z.literal('hand.lower') }),
  z.object({ type: z.literal('floor.give'), userId: uuid, limitSec: z.number().int().optional() }),
  z.object({ type: z.literal('floor.end') }),
  z.object({ type: z.literal('poll.open'), question: short(300), options: z.array(short(50)).max(10).optional() }),
  z.object({ type: z.literal('poll.vote'), pollId: uuid, choice: short(50) }),
  z.object({ type: z.literal('poll.close'), pollId: uuid }),
  z.object({ type: z.literal('motion.propose'), text: short(1000) }),
  z.object({ type: z.literal('motion.second'), motionId: uuid }),
  z.object({ type: z.literal('motion.vote'), motionId: uuid, choice: z.enum(['yes', 'no', 'abstain']) }),
  z.object({ type: z.literal('motion.close'), motionId: uuid }),
  z.object({ type: z.literal('motion.withdraw'), motionId: uuid }),
  z.object({ type: z.literal('message.send'), body: z.string().max(500) }),
  z.object({ type: z.literal('message.hide'), messageId: uuid }),
  z.object({ type: z.literal('message.report'), messageId: uuid }),
  z.object({ type: z.literal('notes.set'), text: z.string().max(20000) }),
]);
const JoinSchema = z.object({ estateId: uuid, sessionId: uuid }).strict();
const ActSchema = z.object({ sessionId: uuid, action: ActionSchema }).strict();

function fail(err: unknown): Ack<never> {
  if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message, messageZh: err.messageZh } };
  if (err instanceof z.ZodError) return { ok: false, error: { code: 'VALIDATION_FAILED', message: err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
  return { ok: false, error: { code: 'INTERNAL', message: 'internal error' } };
}

const room = (sessionId: string) => `session:${sessionId}`;
/**
 * Joins and leaves are pushed to the room at most once per PRESENCE_PUSH_MS per session and node,
 * or, in a large room, once per PRESENCE_PUSH_MS_PER_SOCKET × its sockets (2.5 s with 1,000).
 * Each push carries everyone present, so pushing on every join made a meeting of n people cost n
 * pushes of size n to n sockets — cubic; a thousand joining took minutes and hundreds of MB a
 * second. The joiner itself gets the whole state in its join answer at once, and the chair's and
 * members' actions are pushed at once as before.
 */
export const PRESENCE_PUSH_MS = 250;
export const PRESENCE_PUSH_MS_PER_SOCKET = 2.5;
/** Live messages: five per 30 seconds per person and node. */
const MESSAGE_WINDOW_MS = 30_000;
const MESSAGES_PER_WINDOW = 5;

/**
 * Council sessions over Socket.IO: join (role checked), act (validated, checked against the state,
 * stored, then the new state is pushed to the room on every node), presence and quorum computed
 * from the sockets in the room across nodes (the PostgreSQL adapter answers for the others).
 */
export function attachDeliberation(io: IO, deps: Deps) {
  const now = () => deps.now?.() ?? new Date();
  const recentMessages = new Map<string, number[]>();

  /** Presence pushes waiting for their slot, per session (see PRESENCE_PUSH_MS). */
  const presencePending = new Set<string>();
  function presenceChanged(estateId: string, sessionId: string) {
    if (presencePending.has(sessionId)) return;
    presencePending.add(sessionId);
    const sockets = io.sockets.adapter.rooms.get(room(sessionId))?.size ?? 0;
    setTimeout(() => {
      presencePending.delete(sessionId);
      broadcast(estateId, sessionId).catch((err: unknown) => deps.logger.warn({ sessionId, err: { message: (err as Error).message } }, 'presence push failed'));
    }, Math.max(PRESENCE_PUSH_MS, sockets * PRESENCE_PUSH_MS_PER_SOCKET)).unref();
  }

  async function presence(sessionId: string, councilId: string) {
    const sockets = await io.in(room(sessionId)).fetchSockets();
    const present = [...new Set(sockets.map((s) => s.data.userId))];
    const members = await membersOf(deps.db, councilId);
    const membersPresent = members.filter((m) => present.includes(m.userId)).length;
    return { present, membersPresent, members: members.length, quorum: quorum(membersPresent, members.length) };
  }

  async function pushFor(estateId: string, sessionId: string): Promise<SessionPush> {
    const session = await sessionRow(deps.db, estateId, sessionId);
    const state = await stateOf(deps.db, session);
    const pres = await presence(sessionId, session.councilId);
    const members = await membersOf(deps.db, session.councilId);
    const ids = [...members.map((m) => m.userId), ...pres.present, ...Object.keys(state.attendance), ...state.messages.map((m) => m.userId), ...state.motions.flatMap((m) => [m.proposerId, m.seconderId ?? ''])].filter(Boolean);
    return { sessionId, title: session.title, status: session.status, state, people: await displayNames(deps.db, ids), presence: pres, serverTime: now().toISOString() };
  }

  async function broadcast(estateId: string, sessionId: string) {
    io.to(room(sessionId)).emit('session:state', await pushFor(estateId, sessionId));
  }

  io.on('connection', (socket: Sock) => {
    socket.data.sessions = {};

    socket.on('session:join', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      try {
        const { estateId, sessionId } = JoinSchema.parse(payload);
        const session = await sessionRow(deps.db, estateId, sessionId);
        const role = await roleIn(deps.db, session, socket.data.userId, socket.data.isAdmin);
        if (!role) throw new AppError('FORBIDDEN', 'you do not have access to this session', undefined, '您没有权限进入该会议');
        await socket.join(room(sessionId));
        socket.data.sessions![sessionId] = estateId;
        await recordPresence(deps.db, estateId, sessionId, socket.data.userId, 'join', now());
        const push = await pushFor(estateId, sessionId);
        reply({ ok: true, data: { ...push, me: { userId: socket.data.userId, role } } });
        presenceChanged(estateId, sessionId);
      } catch (err) {
        reply(fail(err));
      }
    });

    socket.on('session:act', async (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      try {
        const { sessionId, action } = ActSchema.parse(payload);
        const estateId = socket.data.sessions?.[sessionId];
        if (!estateId) throw new AppError('CONFLICT', 'join the session first', undefined, '请先进入会议室');
        const session = await sessionRow(deps.db, estateId, sessionId);
        const role = await roleIn(deps.db, session, socket.data.userId, socket.data.isAdmin);
        if (!role) throw new AppError('FORBIDDEN', 'you do not have access to this session', undefined, '您没有权限');
        if (action.type === 'message.send') {
          const at = now().getTime();
          const hits = (recentMessages.get(socket.data.userId) ?? []).filter((t) => at - t < MESSAGE_WINDOW_MS);
          if (hits.length >= MESSAGES_PER_WINDOW) throw new AppError('RATE_LIMITED', 'too many messages; wait a little', undefined, '发言太快了，请稍等');
          recentMessages.set(socket.data.userId, [...hits, at]);
        }
        await act(deps.db, { estateId, sessionId, userId: socket.data.userId, role, present: true, action, now: now() });
        const push = await pushFor(estateId, sessionId);
        reply({ ok: true, data: { ...push, me: { userId: socket.data.userId, role } } });
        socket.to(room(sessionId)).emit('session:state', push);
      } catch (err) {
        reply(fail(err));
      }
    });

    socket.on('session:leave', async (payload, ack) => {
      const sessionId = payload?.sessionId;
      const estateId = sessionId ? socket.data.sessions?.[sessionId] : undefined;
      if (sessionId && estateId) {
        await socket.leave(room(sessionId));
        delete socket.data.sessions![sessionId];
        await leftIfGone(estateId, sessionId, socket.data.userId);
      }
      if (typeof ack === 'function') ack({ ok: true, data: null });
    });

    socket.on('disconnect', async () => {
      for (const [sessionId, estateId] of Object.entries(socket.data.sessions ?? {})) await leftIfGone(estateId, sessionId, socket.data.userId).catch(() => {});
    });
  });

  /** A person has left when none of their sockets (on any node) is in the room any more. */
  async function leftIfGone(estateId: string, sessionId: string, userId: string) {
    const sockets = await io.in(room(sessionId)).fetchSockets();
    if (sockets.some((s) => s.data.userId === userId)) return;
    await recordPresence(deps.db, estateId, sessionId, userId, 'leave', now());
    presenceChanged(estateId, sessionId);
  }

  return { broadcast };
}
