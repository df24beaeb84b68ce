import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { App } from '../../app.ts';
import { AppError, forbidden } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { hitLimits, LIMITS, rateLimit } from '../../http/rate-limit.ts';
import { normalizeInviteCode } from '../auth/codes.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { issueToken } from '../auth/tokens.ts';
import { estateAudience, notify } from '../notifications/service.ts';
import { CostPlanInput, costSharesOfVote, costSharingFor } from './costs.ts';
import { extendWindow, issueLetters, listLetters, listProxies, recordProxy, redeemLetter } from './letters.ts';
import { assignOutreach, markContacted, optOut, outreachList, sendReminders } from './outreach.ts';
import { reconciliation } from './reconcile.ts';
import { VoteParams } from './schemas.ts';
import { beijingDate, voteRow } from './service.ts';

const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const Any = z.any();
const STAFF = ['organizer', 'clerk', 'auditor'] as const;

function isStaff(c: Context<AppEnv>, roles: readonly string[] = STAFF): boolean {
  const me = principal(c);
  return me.isAdmin || (me.roles ?? []).some((r) => roles.includes(r));
}

/** Routes for reaching quorum: letters, proxies, extensions, reconciliation, outreach, cost sharing. */
export function registerQuorumRoutes(app: App) {
  const letterLimit = rateLimit(LIMITS.letter);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/letters',
      summary: 'Issue ballot letters (表决票) with sign-in codes; codes are returned only here',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(z.object({ reissue: z.boolean().default(false), parts: z.array(z.string().trim().min(1).max(64)).max(20_000).optional() }).strict()),
      },
      responses: { 201: json(Any, 'Letters to print'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const body = c.req.valid('json');
      const { deps } = c.var;
      const out = await issueLetters(deps.db, deps.keys, { estateId, voteId, userId: principal(c).userId, publicUrl: deps.env.publicUrl, reissue: body.reissue, parts: body.parts, now: now(c) });
      deps.logger.info({ requestId: c.var.requestId, voteId, letters: out.letters.length }, 'ballot letters issued');
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/letters',
      summary: 'Ballot letters issued (no codes)',
      security: bearer,
      middleware: [access(Access.estate([...STAFF]))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Letters'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await listLetters(c.var.deps.db, estateId, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/letter',
      summary: 'Sign in with the code printed on a ballot letter or given to a proxy holder',
      middleware: [letterLimit, access(Access.public)] as const,
      request: jsonBody(z.object({ code: z.string().min(8).max(40).openapi({ example: 'K7QM-2XHP-9RTA' }) }).strict()),
      responses: { 200: json(Any, 'Signed in for one vote'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { code } = c.req.valid('json');
      await hitLimits(c, [{ limit: LIMITS.letterCodeDay, key: normalizeInviteCode(code) }]);
      const out = await redeemLetter(deps.db, code, now(c));
      const { token, expiresAt } = await issueToken(deps.db, deps.keys, deps.env.publicUrl, out.userId, deps.now?.());
      deps.logger.info({ requestId: c.var.requestId, userId: out.userId, voteId: out.voteId }, 'signed in by ballot letter');
      return c.json({ token, expiresAt: expiresAt.toISOString(), estateId: out.estateId, voteId: out.voteId, party: out.party }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/proxies',
      summary: 'Record a written proxy (委托): holder ID kept as a keyed hash, scan as SHA-256; appends a `proxy` entry',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(
          z
            .object({
              partId: z.string().trim().min(1).max(64),
              holderIdNumber: z.string().min(1).max(40),
              authorizationSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256 of the scanned authorization'),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Any, 'Recorded'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const out = await recordProxy(deps.db, deps.keys, { estateId, voteId, userId: principal(c).userId, publicUrl: deps.env.publicUrl, ...c.req.valid('json'), now: now(c) });
      deps.events?.voteChanged(estateId, voteId);
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/proxies',
      summary: 'Proxies of the vote, with the cap per holder',
      security: bearer,
      middleware: [access(Access.estate([...STAFF]))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Proxies'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await listProxies(c.var.deps.db, estateId, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/extension',
      summary: 'Extend the voting window, with a published reason (an `extension` entry)',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(z.object({ closesAt: z.string().datetime({ offset: true }), reason: z.string().trim().min(2).max(500) }).strict()),
      },
      responses: { 201: json(Any, 'Extended'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const body = c.req.valid('json');
      const out = await extendWindow(deps.db, { estateId, voteId, userId: principal(c).userId, closesAt: new Date(body.closesAt), reason: body.reason, now: now(c) });
      deps.events?.voteChanged(estateId, voteId);
      await notify(deps, await estateAudience(deps.db, estateId), {
        estateId,
        kind: 'vote_noticed',
        title: `「${out.title}」投票期延长至 ${beijingDate(new Date(out.closesAt))}：${body.reason}`,
        body: body.reason,
        link: `/estates/${estateId}/votes/${voteId}`,
      }).catch((err: Error) => deps.logger.warn({ err: { message: err.message } }, 'extension notice not sent'));
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/reconciliation',
      summary: 'Reconciliation per building (对账) and the public count sheet (公开计票): staff any time, members after close',
      security: bearer,
      middleware: [access(Access.estate('any'))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Count sheet'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { db } = c.var.deps;
      const vote = await voteRow(db, estateId, voteId);
      if (!isStaff(c) && !vote.closedAt) throw forbidden('the count sheet is public once the vote has closed');
      const out = await reconciliation(db, estateId, voteId);
      if (!out) throw new AppError('CONFLICT', 'the count starts with the notice', undefined, '公告发布后才有计票数据');
      return c.json(out, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/cost-sharing',
      summary: 'Preview the cost sharing of a building or entrance (rules.md §4), exact to the fen',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: {
        params: EstateIdParam,
        ...jsonBody(
          CostPlanInput.extend({ scope: z.object({ building: z.string().trim().min(1).max(64), entrance: z.string().trim().min(1).max(64).nullish() }).strict() }).strict(),
        ),
      },
      responses: { 200: json(Any, 'Shares'), ...errorResponses },
    }),
    async (c) => {
      const { estateId } = c.req.valid('param');
      const { scope, ...plan } = c.req.valid('json');
      return c.json(await costSharingFor(c.var.deps.db, estateId, scope, plan), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/cost-sharing',
      summary: 'The cost sharing of a building vote, per household and floor',
      security: bearer,
      middleware: [access(Access.estate('any'))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Shares'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const vote = await voteRow(c.var.deps.db, estateId, voteId);
      // A draft is for staff only (as GET …/votes/{voteId}): owners and residents do not see its plan.
      const me = principal(c);
      if (vote.status === 'draft' && !me.isAdmin && (me.roles ?? []).every((r) => r === 'owner' || r === 'resident')) {
        throw new AppError('NOT_FOUND', 'vote not found', undefined, '未找到该投票');
      }
      const shares = await costSharesOfVote(c.var.deps.db, vote);
      if (!shares) throw new AppError('NOT_FOUND', 'this vote has no cost plan', undefined, '本次表决没有费用分摊方案');
      const { byPart: _b, floorOf: _f, ...out } = shares;
      return c.json({ plan: vote.costPlan, ...out }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/outreach',
      summary: 'Households that have not voted yet, by building (包户); volunteers see their own',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk', 'volunteer']))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Outreach list'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await outreachList(c.var.deps.db, estateId, voteId, { userId: principal(c).userId, staff: isStaff(c, ['organizer', 'clerk']) }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/outreach/assign',
      summary: 'Assign households (listed, or a whole building) to a volunteer',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(z.object({ assigneeId: z.string().uuid(), parties: z.array(z.string().max(20)).max(20_000).optional(), building: z.string().trim().min(1).max(64).optional() }).strict()),
      },
      responses: { 200: json(Any, 'Assigned'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await assignOutreach(c.var.deps.db, estateId, voteId, principal(c).userId, c.req.valid('json'), now(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/outreach/{party}/contacted',
      summary: 'Note a household as contacted (no names or phone numbers in the note)',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk', 'volunteer']))] as const,
      request: {
        params: VoteParams.extend({ party: z.string().regex(/^p\d{1,7}$/).openapi({ param: { name: 'party', in: 'path' } }) }),
        ...jsonBody(z.object({ note: z.string().trim().max(200).default('') }).strict()),
      },
      responses: { 200: json(Any, 'Noted'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId, party } = c.req.valid('param');
      const { note } = c.req.valid('json');
      if (/\d{7,}/.test(note)) throw new AppError('VALIDATION_FAILED', 'note: no phone or ID numbers, please', [{ field: 'note', message: 'contains a long number' }], '备注中请勿填写电话或证件号码');
      return c.json(await markContacted(c.var.deps.db, estateId, voteId, party, { userId: principal(c).userId, staff: isStaff(c, ['organizer', 'clerk']) }, note, now(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/reminders',
      summary: 'Text a reminder to households that have not voted (once a day at most; opt-outs respected)',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: { params: VoteParams, ...jsonBody(z.object({ building: z.string().trim().min(1).max(64).optional() }).strict()) },
      responses: { 200: json(Any, 'Counts'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      return c.json(await sendReminders({ ...deps, publicUrl: deps.env.publicUrl }, estateId, voteId, c.req.valid('json'), now(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/reminders/opt-out',
      summary: 'Stop vote reminders to the number a reminder was sent to (the link in the message)',
      middleware: [letterLimit, access(Access.public)] as const,
      request: jsonBody(z.object({ token: z.string().min(10).max(200) }).strict()),
      responses: { 200: json(Any, 'Opted out'), ...errorResponses },
    }),
    async (c) => c.json(await optOut(c.var.deps.db, c.var.deps.keys, c.req.valid('json').token, now(c)), 200),
  );
}
