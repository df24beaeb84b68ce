import { createRoute, z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { roleGrants } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { AppError } from '../../errors.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { ESTATE_ROLES } from '../auth/roles.ts';
import { VoteParams } from '../votes/schemas.ts';
import { fileObjection, oversight, participation } from './oversight.ts';
import { credentialsForRoleChange } from './service.ts';
import { revokeSessionsOf } from '../auth/sessions.ts';

const Participation = z
  .object({
    parties: z.number().int(),
    took: z.number().int(),
    buildings: z.array(
      z.object({
        building: z.string(),
        total: z.number().int(),
        took: z.number().int(),
        parts: z.array(z.object({ partId: z.string(), channels: z.array(z.string()), at: z.string() })),
      }),
    ),
  })
  .openapi('Participation');

const Objection = z.object({ id: z.string(), party: z.string(), seq: z.number().int(), disputes: z.array(z.number().int()), at: z.string() }).openapi('Objection');

const Oversight = z
  .object({
    objections: z.array(z.object({ id: z.string(), party: z.string(), parts: z.array(z.string()), seq: z.number().int(), text: z.string(), at: z.string(), ageHours: z.number().int() })),
    flaggedPairs: z.array(z.object({ pairId: z.string(), partId: z.string(), flag: z.string(), at: z.string() })),
    credentials: z.array(z.object({ kind: z.string(), count: z.number().int(), revoked: z.number().int() })),
    issuers: z.array(
      z.object({ issuer: z.string(), kinds: z.record(z.string(), z.number().int()), before: z.number().int(), after: z.number().int(), usedWithin24h: z.number().int(), disputed: z.number().int() }),
    ),
    sameIssuerPairs: z.array(z.number().int()),
  })
  .openapi('Oversight');

const RoleParams = z.object({
  estateId: z.string().uuid().openapi({ param: { name: 'estateId', in: 'path' } }),
  userId: z.string().uuid().openapi({ param: { name: 'userId', in: 'path' } }),
  role: z.enum(ESTATE_ROLES).openapi({ param: { name: 'role', in: 'path' } }),
});

export function registerCredentialRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/participation',
      summary: 'Participation list (参与表决名单): house numbers that took part, by building, with channel and time — never a choice',
      security: bearer,
      middleware: [access(Access.estate('any'))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Participation, 'Participation'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await participation(c.var.deps.db, estateId, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/objections',
      summary: '"This was not me" (不是我投的): dispute the ballots cast for my household; an `objection` entry on the log, the words kept for organizers and auditors',
      security: bearer,
      middleware: [access(Access.estate(['owner']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(z.object({ party: z.string().regex(/^p[1-9][0-9]{0,6}$/, 'a party id such as p3').optional(), text: z.string().trim().min(1).max(1000) }).strict()),
      },
      responses: { 201: json(Objection, 'Recorded'), 409: json(z.any(), 'Too many, or the result is final'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const body = c.req.valid('json');
      const out = await fileObjection(deps.db, { estateId, voteId, userId: principal(c).userId, party: body.party, text: body.text, now: deps.now?.() ?? new Date() });
      deps.logger.info({ requestId: c.var.requestId, voteId, seq: out.seq }, 'objection filed');
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/oversight',
      summary: 'Oversight of a vote: owners’ objections with their age, flagged paper pairs, credentials and the issuer report',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'auditor']))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Oversight, 'Oversight'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await oversight(c.var.deps.db, estateId, voteId, c.var.deps.now?.() ?? new Date()), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/estates/{estateId}/users/{userId}/roles/{role}',
      summary: 'Remove a role; a clerk’s or auditor’s credentials in running votes are revoked on their logs, and the person’s sign-ins end',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: { params: RoleParams },
      responses: { 200: json(z.object({ removed: z.literal(true) }), 'Removed'), 409: json(z.any(), 'Refused'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, userId, role } = c.req.valid('param');
      const { deps } = c.var;
      const me = principal(c);
      if (userId === me.userId && role === 'organizer') {
        throw new AppError('CONFLICT', 'role: you cannot remove your own organizer role; another organizer can', [{ field: 'role', message: 'own organizer role' }], '不能移除自己的组织者身份，请由其他组织者操作');
      }
      const now = deps.now?.() ?? new Date();
      const removed = await deps.db.transaction(async (tx) => {
        const t = tx as unknown as Db;
        const rows = await t.delete(roleGrants).where(and(eq(roleGrants.estateId, estateId), eq(roleGrants.userId, userId), eq(roleGrants.role, role))).returning({ id: roleGrants.id });
        if (!rows.length) return false;
        await credentialsForRoleChange(t, deps.keys, { estateId, userId, role, grantedBy: me.userId, removed: true, at: now }, now);
        // Their tokens stop working at once (they sign in again with what they still hold), in the
        // same transaction as the removal: no request can slip between the two.
        await revokeSessionsOf(t, userId, 'role_removed', now);
        return true;
      });
      if (!removed) throw new AppError('NOT_FOUND', `role: this person holds no ${role} role in this estate`, [{ field: 'role', message: 'not held' }], '此人在本小区没有该身份');
      // Open sockets of that person close too (on every node), not only their next connection.
      deps.events?.sessionsEnded?.({ userId });
      deps.logger.info({ requestId: c.var.requestId, estateId, role }, 'role removed');
      return c.json({ removed: true as const }, 200);
    },
  );
}
