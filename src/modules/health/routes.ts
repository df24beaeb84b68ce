import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { AppError } from '../../errors.ts';
import { json } from '../../http/openapi.ts';
import { access, Access } from '../auth/guard.ts';

export function registerHealthRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Liveness and database reachability',
      middleware: [access(Access.public)] as const,
      responses: {
        200: json(z.object({ status: z.literal('ok'), db: z.enum(['pglite', 'postgres']) }), 'Healthy'),
        503: json(z.any(), 'Database unreachable'),
      },
    }),
    async (c) => {
      const { db, dbKind } = c.var.deps;
      try {
        await db.execute(sql`select 1`);
      } catch {
        throw new AppError('DB_UNAVAILABLE', 'database unreachable', undefined, '数据库暂时不可用');
      }
      return c.json({ status: 'ok' as const, db: dbKind }, 200);
    },
  );
}
