import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import { sessions } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';

export type RevokeReason = 'sign_out' | 'role_removed';

/**
 * The SQL condition under which a token's session admits it: its row (by jti, for this user) is
 * unrevoked and unexpired. Callers join it into the query that loads the user, so checking a
 * token costs no extra round trip (primary-key lookup).
 */
export function liveSession(jti: string, userId: string, now: Date) {
  return and(eq(sessions.jti, jti), eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now));
}

/** Revokes one session (signing out); true when it was live. */
export async function revokeSession(db: Db, jti: string, reason: RevokeReason, now: Date = new Date()): Promise<boolean> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now, reason })
    .where(and(eq(sessions.jti, jti), isNull(sessions.revokedAt)))
    .returning({ jti: sessions.jti });
  return rows.length > 0;
}

/**
 * Revokes every live session of a user (their tokens stop working on the next request or socket
 * handshake); returns how many. Run inside the caller's transaction when it goes with another change.
 */
export async function revokeSessionsOf(db: Db, userId: string, reason: RevokeReason, now: Date = new Date()): Promise<number> {
  const rows = await db
    .update(sessions)
    .set({ revokedAt: now, reason })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
    .returning({ jti: sessions.jti });
  return rows.length;
}

/** Deletes sessions that expired more than `graceMs` ago (their tokens are refused by `exp` anyway). */
export async function pruneSessions(db: Db, now: Date = new Date(), graceMs = 24 * 3600_000): Promise<number> {
  const rows = await db.delete(sessions).where(lt(sessions.expiresAt, new Date(now.getTime() - graceMs))).returning({ jti: sessions.jti });
  return rows.length;
}
