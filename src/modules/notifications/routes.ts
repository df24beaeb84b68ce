import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { bearer, errorResponses, json } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { inbox, markRead } from './service.ts';

export function registerNotificationRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/me/inbox',
      summary: 'My inbox: new publications and answers to my opinions',
      security: bearer,
      middleware: [access(Access.user)] as const,
      responses: { 200: json(z.any(), 'Inbox'), ...errorResponses },
    }),
    async (c) => {
      const rows = await inbox(c.var.deps.db, principal(c).userId);
      return c.json(
        {
          unread: rows.filter((r) => !r.readAt).length,
          items: rows.map((r) => ({ id: r.id, estateId: r.estateId, kind: r.kind, title: r.title, body: r.body, link: r.link, read: !!r.readAt, at: r.createdAt.toISOString() })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/me/inbox/{id}/read',
      summary: 'Mark an inbox item read',
      security: bearer,
      middleware: [access(Access.user)] as const,
      request: { params: z.object({ id: z.string().uuid() }) },
      responses: { 200: json(z.object({ read: z.boolean() }), 'Marked'), ...errorResponses },
    }),
    async (c) => c.json({ read: await markRead(c.var.deps.db, principal(c).userId, c.req.valid('param').id, c.var.deps.now?.() ?? new Date()) }, 200),
  );
}
