import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { App } from '../../app.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { estateAudience, notify } from '../notifications/service.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { readAttachment, storeAttachment } from './attachments.ts';
import { ConvertProposal, CreateProposal, NewVersion, ProposalParams, PublishProposal } from './schemas.ts';
import { addVersion, closeProposal, convertToVote, createProposal, listProposals, proposalView, publishProposal, support, versionDiff } from './service.ts';

const Any = z.any();
const organizer = [access(Access.estate(['organizer']))] as [ReturnType<typeof access>];
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const isStaff = (c: Context<AppEnv>) => {
  const me = principal(c);
  return me.isAdmin || (me.roles ?? []).some((r) => r !== 'owner' && r !== 'resident');
};

export function registerProposalRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/attachments',
      summary: 'Upload a picture (PNG, JPEG, WebP ≤ 5 MB) or PDF (≤ 10 MB); stored with its SHA-256',
      security: bearer,
      middleware: organizer,
      request: { params: EstateIdParam, body: { content: { 'multipart/form-data': { schema: z.object({ file: z.any().openapi({ type: 'string', format: 'binary' }) }) } } } },
      responses: { 201: json(Any, 'Stored'), 413: json(Any, 'Too large'), 415: json(Any, 'Type not allowed'), ...errorResponses },
    }),
    async (c) => {
      let form: FormData | null = null;
      try {
        form = await c.req.formData();
      } catch {
        form = null;
      }
      const file = form?.get('file');
      if (!file || typeof file === 'string') throw new AppError('VALIDATION_FAILED', 'file: attach the file as the form field "file"', [{ field: 'file', message: 'missing' }], '请选择文件');
      const stored = await storeAttachment(c.var.deps.db, c.req.valid('param').estateId, principal(c).userId, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
      return c.json({ ...stored, url: `/api/estates/${c.req.valid('param').estateId}/attachments/${stored.id}` }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/attachments/{attachmentId}',
      summary: 'An attachment, served with its checked type (never sniffed, sandboxed)',
      security: bearer,
      middleware: anyRole,
      request: { params: EstateIdParam.extend({ attachmentId: z.string().uuid() }) },
      responses: { 200: { description: 'The file' }, ...errorResponses },
    }),
    async (c) => {
      const { estateId, attachmentId } = c.req.valid('param');
      const a = await readAttachment(c.var.deps.db, estateId, attachmentId);
      return c.body(Buffer.from(a.data), 200, {
        'content-type': a.mime,
        'content-disposition': `${a.mime === 'application/pdf' ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
        'content-security-policy': "sandbox; default-src 'none'",
        'x-content-sha256': a.sha256,
        'cache-control': 'private, max-age=3600',
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/proposals',
      summary: 'Create a draft proposal (备选方案) with options and swatches',
      security: bearer,
      middleware: organizer,
      request: { params: EstateIdParam, ...jsonBody(CreateProposal) },
      responses: { 201: json(Any, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { estateId } = c.req.valid('param');
      const p = await createProposal(c.var.deps.db, estateId, principal(c).userId, c.req.valid('json'));
      return c.json(await proposalView(c.var.deps.db, estateId, p.id, principal(c).userId), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/proposals',
      summary: 'Proposals of the estate (drafts for staff only)',
      security: bearer,
      middleware: anyRole,
      request: { params: EstateIdParam },
      responses: { 200: json(Any, 'Proposals'), ...errorResponses },
    }),
    async (c) => c.json({ proposals: await listProposals(c.var.deps.db, c.req.valid('param').estateId, isStaff(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/proposals/{proposalId}',
      summary: 'A proposal: current version, version list, supports',
      security: bearer,
      middleware: anyRole,
      request: { params: ProposalParams },
      responses: { 200: json(Any, 'Proposal'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      const v = await proposalView(c.var.deps.db, estateId, proposalId, principal(c).userId);
      if (v.status === 'draft' && !isStaff(c)) throw new AppError('NOT_FOUND', 'proposal not found', undefined, '未找到该方案');
      return c.json(v, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/proposals/{proposalId}/versions',
      summary: 'Publish a new version (earlier versions stay visible with a diff)',
      security: bearer,
      middleware: organizer,
      request: { params: ProposalParams, ...jsonBody(NewVersion) },
      responses: { 201: json(Any, 'Version added'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      await addVersion(c.var.deps.db, estateId, proposalId, principal(c).userId, c.req.valid('json'));
      return c.json(await proposalView(c.var.deps.db, estateId, proposalId, principal(c).userId), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/proposals/{proposalId}/diff',
      summary: 'What changed between two versions',
      security: bearer,
      middleware: anyRole,
      request: { params: ProposalParams, query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }) },
      responses: { 200: json(Any, 'Diff'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      const q = c.req.valid('query');
      return c.json(await versionDiff(c.var.deps.db, estateId, proposalId, q.from, q.to, isStaff(c)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/proposals/{proposalId}/publish',
      summary: 'Publish for the 公示 period and notify everyone in the estate',
      security: bearer,
      middleware: organizer,
      request: { params: ProposalParams, ...jsonBody(PublishProposal) },
      responses: { 200: json(Any, 'Published'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      const { deps } = c.var;
      const body = c.req.valid('json');
      await publishProposal(deps.db, estateId, proposalId, body.publicStart ? new Date(body.publicStart) : now(c), new Date(body.publicEnd));
      const v = await proposalView(deps.db, estateId, proposalId, principal(c).userId);
      await notify(deps, await estateAudience(deps.db, estateId), { estateId, kind: 'proposal_published', title: `方案公示：${v.current.title}`, link: `/estates/${estateId}/proposals/${proposalId}` });
      return c.json(v, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/proposals/{proposalId}/close',
      summary: 'End the 公示 period',
      security: bearer,
      middleware: organizer,
      request: { params: ProposalParams },
      responses: { 200: json(Any, 'Closed'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      await closeProposal(c.var.deps.db, estateId, proposalId);
      return c.json(await proposalView(c.var.deps.db, estateId, proposalId, principal(c).userId), 200);
    },
  );

  for (const [method, on] of [['post', true], ['delete', false]] as const) {
    app.openapi(
      createRoute({
        method,
        path: '/api/estates/{estateId}/proposals/{proposalId}/support',
        summary: on ? 'Support (联名) the proposal' : 'Withdraw my support',
        security: bearer,
        middleware: anyRole,
        request: { params: ProposalParams },
        responses: { 200: json(Any, 'Supports'), ...errorResponses },
      }),
      async (c) => {
        const { estateId, proposalId } = c.req.valid('param');
        await support(c.var.deps.db, estateId, proposalId, principal(c).userId, on);
        return c.json((await proposalView(c.var.deps.db, estateId, proposalId, principal(c).userId)).supports, 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/proposals/{proposalId}/convert',
      summary: 'Turn the proposal into a matter of a new draft vote (category chosen by the organizer)',
      security: bearer,
      middleware: organizer,
      request: { params: ProposalParams, ...jsonBody(ConvertProposal) },
      responses: { 201: json(z.object({ voteId: z.string() }), 'Draft vote created'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, proposalId } = c.req.valid('param');
      const voteId = await convertToVote(c.var.deps.db, estateId, proposalId, principal(c).userId, c.req.valid('json'));
      return c.json({ voteId }, 201);
    },
  );
}
