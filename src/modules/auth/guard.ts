import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Context, MiddlewareHandler } from 'hono';
import { ballotLetters, estates, roleGrants, sessions, users, votes } from '../../../db/schema/index.ts';
import { AppError, forbidden } from '../../errors.ts';
import type { AppEnv, Principal } from '../../http/context.ts';
import type { EstateRole } from './roles.ts';
import { liveSession } from './sessions.ts';
import { verifyToken } from './tokens.ts';

/**
 * Who may call a route. Every route declares exactly one rule; this middleware is the only place
 * it is checked. Platform admins pass every rule except `public` (which everyone passes).
 */
export type AccessRule =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'admin' }
  /** A role in the estate named by the route's `:estateId` parameter. */
  | { kind: 'estate'; roles: readonly EstateRole[] | 'any' };

export const Access = {
  public: { kind: 'public' } as AccessRule,
  user: { kind: 'user' } as AccessRule,
  admin: { kind: 'admin' } as AccessRule,
  estate: (roles: readonly EstateRole[] | 'any'): AccessRule => ({ kind: 'estate', roles }),
};

const unauthenticated = () =>
  new AppError('UNAUTHENTICATED', 'sign-in required', undefined, '请先登录');
/** A well-signed token whose session was ended (signed out, role removed) or whose user is gone. */
export const sessionEnded = () =>
  new AppError('UNAUTHENTICATED', 'this sign-in has ended; please sign in again', undefined, '登录已失效，请重新登录');

/**
 * The caller of a request from its bearer token. The token's session (by jti) must be live: it is
 * joined into the query that loads the user, and with `estateId` their roles there are read in the
 * same query (one round trip per request on the hot paths).
 */
async function principalOf(c: Context<AppEnv>, estateId?: string): Promise<Principal> {
  const header = c.req.header('authorization');
  if (!header) throw unauthenticated();
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw unauthenticated();
  const { keys, env, db } = c.var.deps;
  const now = c.var.deps.now?.() ?? new Date();
  const claims = await verifyToken(keys, env.publicUrl, match[1]!, now);
  if (estateId) {
    const [user] = await db
      .select({ id: users.id, isAdmin: users.isAdmin, roles: sql<string[]>`coalesce(array_agg(${roleGrants.role}) filter (where ${roleGrants.role} is not null), '{}')` })
      .from(users)
      .innerJoin(sessions, liveSession(claims.jti, claims.userId, now))
      .leftJoin(roleGrants, and(eq(roleGrants.userId, users.id), eq(roleGrants.estateId, estateId)))
      .where(eq(users.id, claims.userId))
      .groupBy(users.id);
    if (!user) throw sessionEnded();
    return { userId: user.id, isAdmin: user.isAdmin, jti: claims.jti, roles: user.roles as EstateRole[] };
  }
  const [user] = await db
    .select({ id: users.id, isAdmin: users.isAdmin })
    .from(users)
    .innerJoin(sessions, liveSession(claims.jti, claims.userId, now))
    .where(eq(users.id, claims.userId));
  if (!user) throw sessionEnded();
  return { userId: user.id, isAdmin: user.isAdmin, jti: claims.jti };
}

/** Roles of a user in one estate. */
export async function rolesIn(c: Context<AppEnv>, userId: string, estateId: string): Promise<EstateRole[]> {
  const rows = await c.var.deps.db
    .select({ role: roleGrants.role })
    .from(roleGrants)
    .where(and(eq(roleGrants.userId, userId), eq(roleGrants.estateId, estateId)));
  return rows.map((r) => r.role as EstateRole);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Middleware enforcing one AccessRule; puts the principal (with roles for estate rules) on the context. */
export function access(rule: AccessRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (rule.kind === 'public') {
      c.set('principal', null);
      return next();
    }
    if (rule.kind === 'user' || rule.kind === 'admin') {
      const principal = await principalOf(c);
      c.set('principal', principal);
      if (rule.kind === 'admin' && !principal.isAdmin) throw forbidden('platform administrators only');
      return next();
    }
    const estateId = c.req.param('estateId');
    // The token is checked first: a caller without one gets 401 whatever the path says.
    if (!estateId || !UUID.test(estateId)) {
      c.set('principal', await principalOf(c));
      throw new AppError('NOT_FOUND', 'estate not found', [{ field: 'estateId', message: 'not a valid estate id' }], '未找到该小区');
    }
    const principal = await principalOf(c, estateId);
    c.set('principal', principal);
    if (principal.isAdmin) {
      // No role grant vouches for the estate here: an unknown one is a 404, not an empty list or a failed insert.
      const [estate] = await c.var.deps.db.select({ id: estates.id }).from(estates).where(eq(estates.id, estateId));
      if (!estate) throw new AppError('NOT_FOUND', 'estate not found', [{ field: 'estateId', message: 'no such estate' }], '未找到该小区');
      return next();
    }
    const roles = principal.roles ?? [];
    const allowed = rule.roles === 'any' ? roles.length > 0 : roles.some((r) => rule.roles.includes(r));
    if (allowed) return next();
    // A ballot letter or proxy code admits its holder as an owner of that one vote, nowhere else.
    if ((rule.roles === 'any' || rule.roles.includes('owner')) && (await holdsLetter(c, estateId, principal.userId))) {
      principal.roles = ['owner'];
      return next();
    }
    throw forbidden();
  };
}

/** Whether the user signed in with a live letter or proxy code for the route's vote (in this estate). */
async function holdsLetter(c: Context<AppEnv>, estateId: string, userId: string): Promise<boolean> {
  const voteId = c.req.param('voteId');
  if (!voteId || !UUID.test(voteId)) return false;
  const [row] = await c.var.deps.db
    .select({ id: ballotLetters.id })
    .from(ballotLetters)
    .innerJoin(votes, eq(votes.id, ballotLetters.voteId))
    .where(and(eq(ballotLetters.voteId, voteId), eq(ballotLetters.userId, userId), isNull(ballotLetters.revokedAt), eq(votes.estateId, estateId)))
    .limit(1);
  return !!row;
}

/** The principal of a route whose rule is not `public`. */
export function principal(c: Context<AppEnv>): Principal {
  const p = c.get('principal');
  if (!p) throw unauthenticated();
  return p;
}
