import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { App } from '../../app.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { notify } from '../notifications/service.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { Answers, ConsultationParams, CreateConsultation } from './schemas.ts';
import {
  closeConsultation,
  consultationRow,
  coverageOf,
  createConsultation,
  exportCsv,
  householdsOf,
  isOpen,
  listConsultations,
  myHouseholds,
  myResponses,
  openConsultation,
  respond,
  resultsOf,
} from './service.ts';
import { and, eq, inArray } from 'drizzle-orm';
import { ownerships, persons, residentParts } from '../../../db/schema/index.ts';

const Any = z.any();
const organizer = [access(Access.estate(['organizer']))] as [ReturnType<typeof access>];
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const staff = (c: Context<AppEnv>) => {
  const me = principal(c);
  return me.isAdmin || (me.roles ?? []).some((r) => r !== 'owner' && r !== 'resident');
};
type Scope = { building: string; entrance?: string | null } | null;

async function view(c: Context<AppEnv>, estateId: string, id: string) {
  const { db } = c.var.deps;
  const row = await consultationRow(db, estateId, id);
  const mine = await myHouseholds(db, estateId, principal(c).userId, row.scope as Scope);
  const responses = await myResponses(db, id, mine.map((h) => h.id));
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    scope: row.scope,
    status: row.status,
    open: isOpen(row, now(c)),
    opensAt: row.opensAt?.toISOString() ?? null,
    closesAt: row.closesAt.toISOString(),
    proposalId: row.proposalId,
    questions: row.questions,
    me: {
      households: mine.map((h) => {
        const r = responses.find((x) => x.partId === h.id);
        return { household: h.code, building: h.building, entrance: h.entrance, answers: r?.answers ?? null, updatedAt: r?.updatedAt.toISOString() ?? null };
      }),
    },
  };
}

export function registerConsultationRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/consultations',
      summary: 'Create a consultation (意见征询) form: single / multiple choice, ranking, free text',
      security: bearer,
      middleware: organizer,
      request: { params: EstateIdParam, ...jsonBody(CreateConsultation) },
      responses: { 201: json(Any, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { estateId } = c.req.valid('param');
      const row = await createConsultation(c.var.deps.db, estateId, principal(c).userId, c.req.valid('json') as never);
      return c.json(await view(c, estateId, row.id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/consultations',
      summary: 'Consultations of the estate (drafts for staff only)',
      security: bearer,
      middleware: anyRole,
      request: { params: EstateIdParam },
      responses: { 200: json(Any, 'List'), ...errorResponses },
    }),
    async (c) => {
      const rows = await listConsultations(c.var.deps.db, c.req.valid('param').estateId, staff(c));
      return c.json({ consultations: rows.map((r) => ({ id: r.id, title: r.title, status: r.status, open: isOpen(r, now(c)), closesAt: r.closesAt.toISOString(), scope: r.scope })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/consultations/{consultationId}',
      summary: 'A consultation with its questions and my households’ answers',
      security: bearer,
      middleware: anyRole,
      request: { params: ConsultationParams },
      responses: { 200: json(Any, 'Consultation'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId } = c.req.valid('param');
      const v = await view(c, estateId, consultationId);
      if (v.status === 'draft' && !staff(c)) throw new AppError('NOT_FOUND', 'consultation not found', undefined, '未找到该征询');
      return c.json(v, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/consultations/{consultationId}/open',
      summary: 'Open the consultation and notify every household in scope',
      security: bearer,
      middleware: organizer,
      request: { params: ConsultationParams },
      responses: { 200: json(Any, 'Opened'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, consultationId } = c.req.valid('param');
      await openConsultation(deps.db, estateId, consultationId, now(c));
      const row = await consultationRow(deps.db, estateId, consultationId);
      const hs = (await householdsOf(deps.db, estateId, row.scope as Scope)).map((h) => h.id);
      const audience = new Set<string>();
      for (let i = 0; i < hs.length; i += 500) {
        const chunk = hs.slice(i, i + 500);
        for (const r of await deps.db.selectDistinct({ u: persons.userId }).from(ownerships).innerJoin(persons, eq(persons.id, ownerships.personId)).where(and(inArray(ownerships.partId, chunk)))) if (r.u) audience.add(r.u);
        for (const r of await deps.db.selectDistinct({ u: residentParts.userId }).from(residentParts).where(inArray(residentParts.partId, chunk))) audience.add(r.u);
      }
      await notify(deps, [...audience], { estateId, kind: 'consultation_opened', title: `意见征询：${row.title}`, link: `/estates/${estateId}/consultations/${consultationId}` });
      return c.json(await view(c, estateId, consultationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/consultations/{consultationId}/close',
      summary: 'Close the consultation',
      security: bearer,
      middleware: organizer,
      request: { params: ConsultationParams },
      responses: { 200: json(Any, 'Closed'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId } = c.req.valid('param');
      await closeConsultation(c.var.deps.db, estateId, consultationId);
      return c.json(await view(c, estateId, consultationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/estates/{estateId}/consultations/{consultationId}/responses/{household}',
      summary: 'Answer for my household (owner or resident), editable until close',
      security: bearer,
      middleware: [access(Access.estate(['owner', 'resident']))] as const,
      request: { params: ConsultationParams.extend({ household: z.string().min(1).max(64) }), ...jsonBody(z.object({ answers: Answers }).strict()) },
      responses: { 200: json(Any, 'Saved'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId, household } = c.req.valid('param');
      const saved = await respond(c.var.deps.db, estateId, consultationId, principal(c).userId, household, c.req.valid('json').answers, now(c));
      return c.json(saved, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/consultations/{consultationId}/coverage',
      summary: 'Responded / total households by building and entrance, and the households not yet reached',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk', 'chair', 'council_member']))] as const,
      request: { params: ConsultationParams },
      responses: { 200: json(Any, 'Coverage'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId } = c.req.valid('param');
      return c.json(await coverageOf(c.var.deps.db, estateId, consultationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/consultations/{consultationId}/results',
      summary: 'Results: counts, rankings by Borda count and instant run-off, free texts (staff any time; everyone after close)',
      security: bearer,
      middleware: anyRole,
      request: { params: ConsultationParams },
      responses: { 200: json(Any, 'Results'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId } = c.req.valid('param');
      const row = await consultationRow(c.var.deps.db, estateId, consultationId);
      if (!staff(c) && row.status !== 'closed') throw new AppError('CONFLICT', 'results are published after the consultation closes', undefined, '征询结束后公布结果');
      return c.json(await resultsOf(c.var.deps.db, estateId, consultationId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/consultations/{consultationId}/export.csv',
      summary: 'CSV of all responses (house numbers, answers; no names; formula cells escaped)',
      security: bearer,
      middleware: organizer,
      request: { params: ConsultationParams },
      responses: { 200: { description: 'CSV' }, ...errorResponses },
    }),
    async (c) => {
      const { estateId, consultationId } = c.req.valid('param');
      const csv = await exportCsv(c.var.deps.db, estateId, consultationId);
      return c.body(csv, 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="consultation-${consultationId}.csv"` }) as never;
    },
  );
}
