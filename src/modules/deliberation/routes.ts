import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { App } from '../../app.ts';
import type { AgendaItem } from '../../domain/deliberation/session.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { createSession, displayNames, listSessions, membersOf, motionToProposal, publishMinutes, roleIn, sessionRow, stateOf } from './service.ts';

const Any = z.any();
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const SessionParams = EstateIdParam.extend({ sessionId: z.string().uuid() });

async function chairOrOrganizer(c: Context<AppEnv>, estateId: string, sessionId: string) {
  const me = principal(c);
  const session = await sessionRow(c.var.deps.db, estateId, sessionId);
  const role = await roleIn(c.var.deps.db, session, me.userId, me.isAdmin);
  if (!(role === 'chair' || me.isAdmin || (me.roles ?? []).includes('organizer'))) throw new AppError('FORBIDDEN', 'only the chair or the organizer can do this', undefined, '只有主持人或组织方可以操作');
  return session;
}

export function registerDeliberationRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/councils/{councilId}/sessions',
      summary: 'Schedule a council session with its agenda (organizer or the council’s chair)',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'chair']))] as const,
      request: {
        params: EstateIdParam.extend({ councilId: z.string().uuid() }),
        ...jsonBody(
          z
            .object({
              title: z.string().trim().min(1).max(200),
              scheduledAt: z.string().datetime({ offset: true }),
              agenda: z.array(z.object({ title: z.string().trim().min(1).max(200), description: z.string().trim().max(2000).default(''), minutes: z.number().int().min(1).max(240).default(15) }).strict()).min(1).max(30),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Any, 'Scheduled'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, councilId } = c.req.valid('param');
      const me = principal(c);
      const row = await createSession(c.var.deps.db, estateId, councilId, me.userId, me.isAdmin || (me.roles ?? []).includes('organizer'), c.req.valid('json'));
      return c.json({ id: row.id, title: row.title, scheduledAt: row.scheduledAt.toISOString(), agenda: row.agenda, status: row.status }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/sessions',
      summary: 'Council sessions of the estate',
      security: bearer,
      middleware: anyRole,
      request: { params: EstateIdParam },
      responses: { 200: json(Any, 'Sessions'), ...errorResponses },
    }),
    async (c) => {
      const rows = await listSessions(c.var.deps.db, c.req.valid('param').estateId);
      return c.json({ sessions: rows.map((r) => ({ id: r.id, councilId: r.councilId, title: r.title, scheduledAt: r.scheduledAt.toISOString(), status: r.status, items: (r.agenda as AgendaItem[]).length })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/sessions/{sessionId}',
      summary: 'A session: agenda, state replayed from its events, members, minutes when published',
      security: bearer,
      middleware: anyRole,
      request: { params: SessionParams },
      responses: { 200: json(Any, 'Session'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, sessionId } = c.req.valid('param');
      const { db } = c.var.deps;
      const me = principal(c);
      const session = await sessionRow(db, estateId, sessionId);
      const members = await membersOf(db, session.councilId);
      const state = await stateOf(db, session);
      return c.json(
        {
          id: session.id,
          councilId: session.councilId,
          title: session.title,
          scheduledAt: session.scheduledAt.toISOString(),
          status: session.status,
          agenda: session.agenda,
          members: members.map((m) => ({ userId: m.userId, role: m.role, name: m.name })),
          myRole: await roleIn(db, session, me.userId, me.isAdmin),
          state,
          people: await displayNames(db, [...members.map((m) => m.userId), ...Object.keys(state.attendance)]),
          minutes: session.minutes,
          publishedAt: session.publishedAt?.toISOString() ?? null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/sessions/{sessionId}/minutes',
      summary: 'Publish the minutes (built from the events and the chair’s notes) after the session ended',
      security: bearer,
      middleware: anyRole,
      request: { params: SessionParams },
      responses: { 200: json(z.object({ minutes: z.string() }), 'Published'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, sessionId } = c.req.valid('param');
      await chairOrOrganizer(c, estateId, sessionId);
      return c.json({ minutes: await publishMinutes(c.var.deps.db, estateId, sessionId, now(c)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/sessions/{sessionId}/motions/{motionId}/proposal',
      summary: 'Turn a carried motion into a draft proposal for the owners',
      security: bearer,
      middleware: anyRole,
      request: { params: SessionParams.extend({ motionId: z.string().uuid() }) },
      responses: { 201: json(z.object({ proposalId: z.string() }), 'Draft proposal'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, sessionId, motionId } = c.req.valid('param');
      await chairOrOrganizer(c, estateId, sessionId);
      return c.json({ proposalId: await motionToProposal(c.var.deps.db, estateId, sessionId, motionId, principal(c).userId, now(c)) }, 201);
    },
  );
}
