import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { App } from '../../app.ts';
import type { EstateRules } from '../../domain/rules/settings.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { AppError } from '../../errors.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { notify } from '../notifications/service.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { getEstate } from '../registry/service.ts';
import { addComment, answerOpinion, assertTarget, DEFAULT_AUTO_HIDE_REPORTS, moderate, openOpinions, reportComment, threadOf, type TargetType } from './service.ts';

const Any = z.any();
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
const organizer = [access(Access.estate(['organizer']))] as [ReturnType<typeof access>];
const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const staff = (c: Context<AppEnv>) => {
  const me = principal(c);
  return me.isAdmin || (me.roles ?? []).some((r) => r !== 'owner' && r !== 'resident');
};
const TargetParams = EstateIdParam.extend({ targetType: z.enum(['proposals', 'consultations']), targetId: z.string().uuid() });
const CommentParams = EstateIdParam.extend({ commentId: z.string().uuid() });
const typeOf = (t: 'proposals' | 'consultations'): TargetType => (t === 'proposals' ? 'proposal' : 'consultation');

/** Per user and node: ten opinions a minute is plenty for a person. */
const recent = new Map<string, number[]>();
function commentRateLimit(userId: string, at: number) {
  const hits = (recent.get(userId) ?? []).filter((t) => at - t < 60_000);
  if (hits.length >= 10) throw new AppError('RATE_LIMITED', 'too many comments in a minute; please wait', undefined, '发言过于频繁，请稍后再试');
  hits.push(at);
  recent.set(userId, hits);
}

export function registerCommentRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/{targetType}/{targetId}/comments',
      summary: 'Opinions and replies on a proposal or consultation (official answers pinned)',
      security: bearer,
      middleware: anyRole,
      request: { params: TargetParams },
      responses: { 200: json(Any, 'Threads'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, targetType, targetId } = c.req.valid('param');
      const target = await assertTarget(c.var.deps.db, estateId, typeOf(targetType), targetId);
      // As for posting: a draft's thread is for staff only.
      if (target.status === 'draft' && !staff(c)) throw new AppError('NOT_FOUND', `${typeOf(targetType)} not found`, undefined, '未找到');
      return c.json({ threads: await threadOf(c.var.deps.db, typeOf(targetType), targetId, { userId: principal(c).userId, staff: staff(c) }) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/{targetType}/{targetId}/comments',
      summary: 'Give an opinion (it awaits an answer) or reply in a thread; organizers may answer officially',
      security: bearer,
      middleware: anyRole,
      request: {
        params: TargetParams,
        ...jsonBody(z.object({ body: z.string().trim().min(1).max(2000), parentId: z.string().uuid().nullish(), official: z.boolean().default(false), needsReply: z.boolean().optional() }).strict()),
      },
      responses: { 201: json(Any, 'Posted'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, targetType, targetId } = c.req.valid('param');
      const body = c.req.valid('json');
      const me = principal(c);
      const isOrganizer = me.isAdmin || (me.roles ?? []).includes('organizer');
      if (body.official && !isOrganizer) throw new AppError('FORBIDDEN', 'only organizers answer officially', undefined, '只有业委会/组织方可以正式答复');
      const target = await assertTarget(deps.db, estateId, typeOf(targetType), targetId);
      if (target.status === 'draft' && !staff(c)) throw new AppError('NOT_FOUND', `${typeOf(targetType)} not found`, undefined, '未找到');
      commentRateLimit(me.userId, now(c).getTime());
      const row = await addComment(deps.db, {
        estateId,
        type: typeOf(targetType),
        targetId,
        authorId: me.userId,
        body: body.body,
        parentId: body.parentId,
        official: body.official,
        needsReply: body.needsReply ?? (!staff(c) && !body.parentId),
        now: now(c),
      });
      return c.json({ id: row.id, status: row.status, needsReply: row.needsReply }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/comments/{commentId}/answer',
      summary: 'Answer an opinion: a pinned official reply and the status answered / adopted / not adopted (with reason)',
      security: bearer,
      middleware: organizer,
      request: {
        params: CommentParams,
        ...jsonBody(z.object({ status: z.enum(['answered', 'adopted', 'not_adopted']), reason: z.string().trim().max(1000).optional(), answer: z.string().trim().min(1).max(2000) }).strict()),
      },
      responses: { 200: json(Any, 'Answered'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, commentId } = c.req.valid('param');
      const { opinion } = await answerOpinion(deps.db, estateId, commentId, principal(c).userId, c.req.valid('json'), now(c));
      const link = `/estates/${estateId}/${opinion.targetType === 'proposal' ? 'proposals' : 'consultations'}/${opinion.targetId}`;
      await notify(deps, [opinion.authorId], { estateId, kind: 'answer', title: '您的意见已获答复 Your opinion has been answered', body: c.req.valid('json').answer.slice(0, 200), link });
      return c.json({ id: commentId, status: c.req.valid('json').status }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/comments/{commentId}/report',
      summary: 'Report a comment; after several reports it is hidden pending review',
      security: bearer,
      middleware: anyRole,
      request: { params: CommentParams, ...jsonBody(z.object({ reason: z.string().trim().max(200).default('') }).strict()) },
      responses: { 200: json(Any, 'Reported'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, commentId } = c.req.valid('param');
      // Estates created before this setting existed fall back to the default.
      const rules = (await getEstate(deps.db, estateId)).rules as Partial<EstateRules>;
      return c.json(await reportComment(deps.db, estateId, commentId, principal(c).userId, c.req.valid('json').reason, rules.autoHideReports ?? DEFAULT_AUTO_HIDE_REPORTS), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/comments/{commentId}/moderate',
      summary: 'Hide or restore a comment (organizer review)',
      security: bearer,
      middleware: organizer,
      request: { params: CommentParams, ...jsonBody(z.object({ action: z.enum(['hide', 'restore']), reason: z.string().trim().max(200).default('') }).strict()) },
      responses: { 200: json(Any, 'Done'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, commentId } = c.req.valid('param');
      const body = c.req.valid('json');
      await moderate(c.var.deps.db, estateId, commentId, body.action, body.reason);
      return c.json({ id: commentId, hidden: body.action === 'hide' }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/opinions',
      summary: '事事有反馈: opinions awaiting an answer, with their age, and counts by status',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk', 'chair']))] as const,
      request: { params: EstateIdParam },
      responses: { 200: json(Any, 'Dashboard'), ...errorResponses },
    }),
    async (c) => c.json(await openOpinions(c.var.deps.db, c.req.valid('param').estateId, now(c)), 200),
  );
}
