import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { invites, parts, persons, roleGrants, users } from '../../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { access, Access, principal } from './guard.ts';
import { ESTATE_ROLES } from './roles.ts';
import { createInvite, inviteUrl } from './service.ts';

const CreateInviteSchema = z
  .object({
    role: z.enum(ESTATE_ROLES),
    /** Register person id (from the register's owners column); required for owner invites. */
    personRef: z.string().trim().min(1).max(64).optional(),
    /** For resident (tenant) invites: the house number they live in. */
    partRef: z.string().trim().min(1).max(64).optional(),
    label: z.string().trim().min(1).max(100).optional(),
    validDays: z.number().int().min(1).max(90).default(30),
  })
  .strict();

export function registerInviteRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/invites',
      summary: 'Create a single-use invite (code + QR link) for a role in this estate',
      description: 'Owner invites name a register person (personRef) and bind the person who signs in to their parts.',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: { params: EstateIdParam, ...jsonBody(CreateInviteSchema) },
      responses: {
        201: json(z.object({ id: z.string(), code: z.string(), url: z.string(), role: z.string(), label: z.string(), expiresAt: z.string() }), 'Created; the code is shown only now'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { db, env } = c.var.deps;
      const { estateId } = c.req.valid('param');
      const body = c.req.valid('json');
      let personId: string | null = null;
      let label = body.label;
      if (body.role === 'owner' || body.personRef) {
        if (!body.personRef) {
          throw new AppError('VALIDATION_FAILED', 'personRef: an owner invite must name the register person', [{ field: 'personRef', message: 'required for owner invites' }], '业主邀请码需要选择登记表中的业主');
        }
        const [person] = await db.select().from(persons).where(and(eq(persons.estateId, estateId), eq(persons.ref, body.personRef)));
        if (!person) {
          throw new AppError('VALIDATION_FAILED', `personRef: no person ${body.personRef} in this estate's register`, [{ field: 'personRef', message: 'not in the register' }], '登记表中没有该业主');
        }
        personId = person.id;
        label ??= `业主 ${person.ref}`;
      }
      let partId: string | null = null;
      if (body.partRef) {
        if (body.role !== 'resident') throw new AppError('VALIDATION_FAILED', 'partRef: only resident invites name a household', [{ field: 'partRef', message: 'resident invites only' }], '只有居民邀请需要填写房号');
        const [part] = await db.select({ id: parts.id, code: parts.code }).from(parts).where(and(eq(parts.estateId, estateId), eq(parts.code, body.partRef)));
        if (!part) throw new AppError('VALIDATION_FAILED', `partRef: no part ${body.partRef} in this estate's register`, [{ field: 'partRef', message: 'not in the register' }], '登记表中没有该房号');
        partId = part.id;
        label ??= `居民 ${part.code}`;
      }
      if (!label) {
        throw new AppError('VALIDATION_FAILED', 'label: say who the invite is for', [{ field: 'label', message: 'required' }], '请填写邀请对象');
      }
      const inv = await createInvite(db, { estateId, role: body.role, personId, partId, label, validDays: body.validDays, createdBy: principal(c).userId }, c.var.deps.now?.(), c.var.deps.keys);
      return c.json({ id: inv.id, code: inv.code, url: inviteUrl(env.publicUrl, inv.code), role: body.role, label, expiresAt: inv.expiresAt.toISOString() }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/invites',
      summary: 'Invites of this estate (codes are not shown again)',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: { params: EstateIdParam },
      responses: {
        200: json(z.object({ invites: z.array(z.object({ id: z.string(), role: z.string(), label: z.string(), expiresAt: z.string(), usedAt: z.string().nullable() })) }), 'Invites'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const rows = await c.var.deps.db
        .select({ id: invites.id, role: invites.role, label: invites.label, expiresAt: invites.expiresAt, usedAt: invites.usedAt })
        .from(invites)
        .where(eq(invites.estateId, c.req.valid('param').estateId))
        .orderBy(desc(invites.createdAt));
      return c.json({ invites: rows.map((r) => ({ ...r, expiresAt: r.expiresAt.toISOString(), usedAt: r.usedAt?.toISOString() ?? null })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/users',
      summary: 'People with a role in this estate (display names and roles only)',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'chair']))] as const,
      request: { params: EstateIdParam },
      responses: { 200: json(z.object({ users: z.array(z.object({ id: z.string(), displayName: z.string(), roles: z.array(z.string()) })) }), 'Users'), ...errorResponses },
    }),
    async (c) => {
      const rows = await c.var.deps.db
        .select({ id: users.id, displayName: users.displayName, role: roleGrants.role })
        .from(roleGrants)
        .innerJoin(users, eq(users.id, roleGrants.userId))
        .where(eq(roleGrants.estateId, c.req.valid('param').estateId))
        .orderBy(asc(users.displayName));
      const byUser = new Map<string, { id: string; displayName: string; roles: string[] }>();
      for (const r of rows) {
        const u = byUser.get(r.id) ?? { id: r.id, displayName: r.displayName, roles: [] };
        u.roles.push(r.role);
        byUser.set(r.id, u);
      }
      return c.json({ users: [...byUser.values()] }, 200);
    },
  );
}
