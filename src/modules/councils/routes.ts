import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { buildings, councilMembers, councils, neighbourhoodBuildings, neighbourhoods, roleGrants, users } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { AppError, notFound } from '../../errors.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access } from '../auth/guard.ts';
import { EstateIdParam } from '../registry/schemas.ts';

const Neighbourhood = z.object({ id: z.string(), name: z.string(), buildings: z.array(z.string()) }).openapi('Neighbourhood');
const Council = z
  .object({
    id: z.string(),
    name: z.string(),
    neighbourhoodId: z.string().nullable(),
    members: z.array(z.object({ userId: z.string(), displayName: z.string(), role: z.enum(['chair', 'member']) })),
  })
  .openapi('Council');

/** Creates a neighbourhood (邻里) from building codes of the estate's register. */
export async function createNeighbourhood(db: Db, estateId: string, name: string, buildingCodes: string[]) {
  return db.transaction(async (tx) => {
    const found = buildingCodes.length
      ? await tx.select({ id: buildings.id, code: buildings.code }).from(buildings).where(and(eq(buildings.estateId, estateId), inArray(buildings.code, buildingCodes)))
      : [];
    const missing = buildingCodes.filter((b) => !found.some((f) => f.code === b));
    if (missing.length) {
      throw new AppError('VALIDATION_FAILED', `buildings: not in this estate's register: ${missing.join(', ')}`, missing.map((m) => ({ field: 'buildings', message: `unknown building ${m}` })), '所选楼栋不在本小区登记表中');
    }
    const [n] = await tx.insert(neighbourhoods).values({ estateId, name }).returning();
    if (found.length) await tx.insert(neighbourhoodBuildings).values(found.map((b) => ({ neighbourhoodId: n!.id, buildingId: b.id })));
    return { id: n!.id, name: n!.name, buildings: found.map((b) => b.code) };
  });
}

/** Creates a council (邻里理事会 / 楼栋议事会); members must hold a role in the estate; the chair also gets the chair role. */
export async function createCouncil(db: Db, estateId: string, input: { name: string; neighbourhoodId?: string | null; members: { userId: string; role: 'chair' | 'member' }[] }) {
  return db.transaction(async (tx) => {
    if (input.neighbourhoodId) {
      const [n] = await tx.select().from(neighbourhoods).where(and(eq(neighbourhoods.id, input.neighbourhoodId), eq(neighbourhoods.estateId, estateId)));
      if (!n) throw new AppError('VALIDATION_FAILED', 'neighbourhoodId: not a neighbourhood of this estate', [{ field: 'neighbourhoodId', message: 'unknown' }], '邻里不存在');
    }
    const ids = [...new Set(input.members.map((m) => m.userId))];
    if (ids.length !== input.members.length) throw new AppError('VALIDATION_FAILED', 'members: a person is listed twice', [{ field: 'members', message: 'duplicate' }], '成员重复');
    const known = ids.length ? await tx.selectDistinct({ id: roleGrants.userId }).from(roleGrants).where(and(eq(roleGrants.estateId, estateId), inArray(roleGrants.userId, ids))) : [];
    const unknown = ids.filter((id) => !known.some((k) => k.id === id));
    if (unknown.length) throw new AppError('VALIDATION_FAILED', 'members: every member must already have a role in this estate', unknown.map((u) => ({ field: 'members', message: `user ${u} has no role here` })), '成员必须是本小区已登记的用户');
    const [council] = await tx.insert(councils).values({ estateId, name: input.name, neighbourhoodId: input.neighbourhoodId ?? null }).returning();
    if (input.members.length) {
      await tx.insert(councilMembers).values(input.members.map((m) => ({ councilId: council!.id, userId: m.userId, role: m.role })));
      await tx
        .insert(roleGrants)
        .values(input.members.map((m) => ({ userId: m.userId, estateId, role: m.role === 'chair' ? 'chair' : 'council_member' })))
        .onConflictDoNothing();
    }
    return council!.id;
  });
}

export async function listCouncils(db: Db, estateId: string) {
  const list = await db.select().from(councils).where(eq(councils.estateId, estateId)).orderBy(asc(councils.name));
  if (!list.length) return [];
  const members = await db
    .select({ councilId: councilMembers.councilId, userId: councilMembers.userId, role: councilMembers.role, displayName: users.displayName })
    .from(councilMembers)
    .innerJoin(users, eq(users.id, councilMembers.userId))
    .where(inArray(councilMembers.councilId, list.map((c) => c.id)));
  return list.map((c) => ({
    id: c.id,
    name: c.name,
    neighbourhoodId: c.neighbourhoodId,
    members: members.filter((m) => m.councilId === c.id).map((m) => ({ userId: m.userId, displayName: m.displayName, role: m.role as 'chair' | 'member' })),
  }));
}

export function registerCouncilRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/neighbourhoods',
      summary: 'Create a neighbourhood (邻里) as a group of buildings',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: { params: EstateIdParam, ...jsonBody(z.object({ name: z.string().trim().min(1).max(100), buildings: z.array(z.string().min(1).max(64)).max(500) }).strict()) },
      responses: { 201: json(Neighbourhood, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(await createNeighbourhood(c.var.deps.db, c.req.valid('param').estateId, body.name, [...new Set(body.buildings)]), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/neighbourhoods',
      summary: 'Neighbourhoods of the estate',
      security: bearer,
      middleware: [access(Access.estate('any'))] as const,
      request: { params: EstateIdParam },
      responses: { 200: json(z.object({ neighbourhoods: z.array(Neighbourhood) }), 'Neighbourhoods'), ...errorResponses },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const estateId = c.req.valid('param').estateId;
      const list = await db.select().from(neighbourhoods).where(eq(neighbourhoods.estateId, estateId)).orderBy(asc(neighbourhoods.name));
      const links = list.length
        ? await db.select({ n: neighbourhoodBuildings.neighbourhoodId, code: buildings.code }).from(neighbourhoodBuildings).innerJoin(buildings, eq(buildings.id, neighbourhoodBuildings.buildingId)).where(inArray(neighbourhoodBuildings.neighbourhoodId, list.map((n) => n.id)))
        : [];
      return c.json({ neighbourhoods: list.map((n) => ({ id: n.id, name: n.name, buildings: links.filter((l) => l.n === n.id).map((l) => l.code) })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/councils',
      summary: 'Create a council (邻里理事会) with its chair and members',
      security: bearer,
      middleware: [access(Access.estate(['organizer']))] as const,
      request: {
        params: EstateIdParam,
        ...jsonBody(
          z
            .object({
              name: z.string().trim().min(1).max(100),
              neighbourhoodId: z.string().uuid().nullish(),
              members: z.array(z.object({ userId: z.string().uuid(), role: z.enum(['chair', 'member']) })).max(200).default([]),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Council, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const estateId = c.req.valid('param').estateId;
      const id = await createCouncil(db, estateId, c.req.valid('json'));
      const council = (await listCouncils(db, estateId)).find((x) => x.id === id);
      if (!council) throw notFound('council');
      return c.json(council, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/councils',
      summary: 'Councils of the estate with their members',
      security: bearer,
      middleware: [access(Access.estate('any'))] as const,
      request: { params: EstateIdParam },
      responses: { 200: json(z.object({ councils: z.array(Council) }), 'Councils'), ...errorResponses },
    }),
    async (c) => c.json({ councils: await listCouncils(c.var.deps.db, c.req.valid('param').estateId) }, 200),
  );
}
