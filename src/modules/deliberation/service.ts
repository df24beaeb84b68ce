import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { councilMembers, councilSessions, councils, roleGrants, sessionEvents, users } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { ActionRefused, decide, minutesText, replay, type Action, type AgendaItem, type Role, type SessionEvent, type SessionState } from '../../domain/deliberation/session.ts';
import { AppError, forbidden, notFound } from '../../errors.ts';
import { lockLog } from '../ledger/append.ts';
import { createProposal } from '../proposals/service.ts';

export async function sessionRow(db: Db, estateId: string, id: string) {
  const [s] = await db.select().from(councilSessions).where(and(eq(councilSessions.id, id), eq(councilSessions.estateId, estateId)));
  if (!s) throw notFound('session');
  return s;
}

/** chair / member of the session's council, observer (any other role in the estate), or null. */
export async function roleIn(db: Db, session: { estateId: string; councilId: string }, userId: string, isAdmin = false): Promise<Role | null> {
  const [m] = await db.select({ role: councilMembers.role }).from(councilMembers).where(and(eq(councilMembers.councilId, session.councilId), eq(councilMembers.userId, userId)));
  if (m) return m.role as Role;
  if (isAdmin) return 'observer';
  const [g] = await db.select({ r: roleGrants.role }).from(roleGrants).where(and(eq(roleGrants.userId, userId), eq(roleGrants.estateId, session.estateId))).limit(1);
  return g ? 'observer' : null;
}

export async function membersOf(db: Db, councilId: string) {
  return db.select({ userId: councilMembers.userId, role: councilMembers.role, name: users.displayName }).from(councilMembers).innerJoin(users, eq(users.id, councilMembers.userId)).where(eq(councilMembers.councilId, councilId));
}

export async function eventsOf(db: Db, sessionId: string): Promise<SessionEvent[]> {
  const rows = await db.select().from(sessionEvents).where(eq(sessionEvents.sessionId, sessionId)).orderBy(asc(sessionEvents.seq));
  return rows.map((r) => ({ seq: r.seq, type: r.type, actorId: r.actorId, payload: r.payload as Record<string, unknown>, at: r.at.toISOString() }));
}

export async function stateOf(db: Db, session: { id: string; agenda: unknown }): Promise<SessionState> {
  return replay(session.agenda as AgendaItem[], await eventsOf(db, session.id));
}

/** Creates a scheduled session with its agenda (organizer, or the council's chair). */
export async function createSession(db: Db, estateId: string, councilId: string, userId: string, canManageAny: boolean, input: { title: string; scheduledAt: string; agenda: { title: string; description: string; minutes: number }[] }) {
  const [council] = await db.select().from(councils).where(and(eq(councils.id, councilId), eq(councils.estateId, estateId)));
  if (!council) throw notFound('council');
  if (!canManageAny) {
    const [m] = await db.select().from(councilMembers).where(and(eq(councilMembers.councilId, councilId), eq(councilMembers.userId, userId)));
    if (m?.role !== 'chair') throw forbidden('only the organizer or this council’s chair can schedule its sessions');
  }
  const agenda: AgendaItem[] = input.agenda.map((a) => ({ id: randomUUID(), title: a.title, description: a.description, minutes: a.minutes }));
  const [row] = await db.insert(councilSessions).values({ estateId, councilId, title: input.title, scheduledAt: new Date(input.scheduledAt), agenda, createdBy: userId }).returning();
  return row!;
}

/** Appends one event under the session's lock; the next seq comes from the log itself. */
async function append(tx: Db, sessionId: string, type: string, actorId: string | null, payload: Record<string, unknown>, now: Date, seqAfter: number) {
  await tx.insert(sessionEvents).values({ sessionId, seq: seqAfter + 1, type, actorId, payload, at: now });
}

/**
 * Performs an action: under the session lock, replays the events, checks the action (role,
 * presence, state), stores its event and returns the new state. A refused action stores nothing.
 */
export async function act(db: Db, input: { estateId: string; sessionId: string; userId: string; role: Role; present: boolean; action: Action; now: Date }): Promise<SessionState> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, input.sessionId);
    const session = await sessionRow(t, input.estateId, input.sessionId);
    if (session.status === 'published') throw new AppError('CONFLICT', 'the minutes are published; the session is closed', undefined, '会议纪要已发布，会议已结束');
    const state = await stateOf(t, session);
    let decided;
    try {
      decided = decide(state, input.action, { userId: input.userId, role: input.role, present: input.present }, () => randomUUID());
    } catch (err) {
      if (err instanceof ActionRefused) throw new AppError(err.code, err.message, undefined, err.messageZh);
      throw err;
    }
    await append(t, session.id, decided.type, input.userId, decided.payload, input.now, state.seq);
    if (decided.type === 'session.start') await tx.update(councilSessions).set({ status: 'live' }).where(eq(councilSessions.id, session.id));
    if (decided.type === 'session.end') await tx.update(councilSessions).set({ status: 'ended' }).where(eq(councilSessions.id, session.id));
    return stateOf(t, session);
  });
}

/** Records that a person came in or left (attendance for the minutes; no checks). */
export async function recordPresence(db: Db, estateId: string, sessionId: string, userId: string, kind: 'join' | 'leave', now: Date) {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, sessionId);
    const session = await sessionRow(t, estateId, sessionId);
    const state = await stateOf(t, session);
    const present = state.attendance[userId]?.present ?? false;
    if ((kind === 'join') === present) return;
    await append(t, sessionId, `presence.${kind}`, userId, {}, now, state.seq);
  });
}

/** Turns a carried motion into a draft proposal for the owners (备选方案), linked both ways. */
export async function motionToProposal(db: Db, estateId: string, sessionId: string, motionId: string, userId: string, now: Date) {
  const session = await sessionRow(db, estateId, sessionId);
  const state = await stateOf(db, session);
  const motion = state.motions.find((m) => m.id === motionId);
  if (!motion) throw notFound('motion');
  if (motion.status !== 'carried') throw new AppError('CONFLICT', 'only a carried motion becomes a proposal', undefined, '只有通过的动议才能转为方案');
  if (motion.proposalId) return motion.proposalId;
  const proposal = await createProposal(db, estateId, userId, { title: motion.text.slice(0, 200), body: `${session.title}：理事会通过的动议\n\n${motion.text}`, options: [], attachmentIds: [], supportThreshold: 0 });
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await lockLog(t, sessionId);
    const st = await stateOf(t, session);
    await append(t, sessionId, 'motion.to_proposal', userId, { motionId, proposalId: proposal.id }, now, st.seq);
  });
  return proposal.id;
}

export async function displayNames(db: Db, ids: string[]): Promise<Record<string, string>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return {};
  const rows = await db.select({ id: users.id, name: users.displayName }).from(users).where(inArray(users.id, unique));
  return Object.fromEntries(rows.map((r) => [r.id, r.name]));
}

/** Builds and publishes the minutes after the session ended (chair). */
export async function publishMinutes(db: Db, estateId: string, sessionId: string, now: Date) {
  const session = await sessionRow(db, estateId, sessionId);
  if (session.status !== 'ended') throw new AppError('CONFLICT', 'end the session before publishing its minutes', undefined, '会议结束后才能发布纪要');
  const events = await eventsOf(db, sessionId);
  const names = await displayNames(db, events.flatMap((e) => [e.actorId ?? '', String(e.payload.userId ?? '')]).filter(Boolean));
  const text = minutesText(session.title, session.agenda as AgendaItem[], events, (id) => names[id] ?? '—');
  await db.update(councilSessions).set({ status: 'published', minutes: text, publishedAt: now }).where(eq(councilSessions.id, sessionId));
  return text;
}

export async function listSessions(db: Db, estateId: string) {
  return db.select().from(councilSessions).where(eq(councilSessions.estateId, estateId)).orderBy(desc(councilSessions.scheduledAt));
}
