import { and, asc, count, eq, ilike, inArray, sql } from 'drizzle-orm';
import {
  buildings,
  communities,
  entrances,
  estates,
  ownerships,
  parts,
  persons,
  registerImports,
} from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { deriveParties, electorateTotals, type ElectoratePart, type MergeRule, type Scope } from '../../domain/electorate/parties.ts';
import { formatAreaCents } from '../../domain/register/area.ts';
import type { Table } from '../../domain/register/csv.ts';
import { validateRegister, type PartKind, type PartStatus, type RowError } from '../../domain/register/rows.ts';
import { DEFAULT_RULES, mergeRules, type EstateRules, type EstateRulesPatch } from '../../domain/rules/settings.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Keyring } from '../../keys.ts';

export interface CreateEstateInput {
  name: string;
  address?: string | null;
  developerName?: string | null;
  community?: { name: string; district?: string | null } | null;
  rules?: EstateRulesPatch;
}

/** Creates an estate (小区) with default 议事规则 settings, optionally under a community (社区). */
export async function createEstate(db: Db, input: CreateEstateInput) {
  return db.transaction(async (tx) => {
    let communityId: string | null = null;
    if (input.community) {
      const [c] = await tx.insert(communities).values({ name: input.community.name, district: input.community.district ?? null }).returning({ id: communities.id });
      communityId = c!.id;
    }
    const [estate] = await tx
      .insert(estates)
      .values({
        name: input.name,
        address: input.address ?? null,
        developerName: input.developerName ?? null,
        communityId,
        rules: mergeRules(DEFAULT_RULES, input.rules ?? {}),
      })
      .returning();
    return estate!;
  });
}

export async function getEstate(db: Db, estateId: string) {
  const [estate] = await db.select().from(estates).where(eq(estates.id, estateId));
  if (!estate) throw notFound('estate');
  // Settings added later take their default in estates stored before them.
  return { ...estate, rules: mergeRules(DEFAULT_RULES, estate.rules as EstateRulesPatch) };
}

export async function listEstates(db: Db, onlyIds: string[] | null) {
  if (onlyIds && onlyIds.length === 0) return [];
  const q = db.select({ id: estates.id, name: estates.name, address: estates.address }).from(estates);
  return onlyIds ? q.where(inArray(estates.id, onlyIds)).orderBy(asc(estates.name)) : q.orderBy(asc(estates.name));
}

/** Applies a partial change to the estate's 议事规则 settings. */
export async function updateRules(db: Db, estateId: string, patch: EstateRulesPatch) {
  const estate = await getEstate(db, estateId);
  const rules = mergeRules(estate.rules, patch);
  await db.update(estates).set({ rules }).where(eq(estates.id, estateId));
  return rules;
}

export interface ImportSummary {
  dryRun: boolean;
  importId: string | null;
  rows: number;
  parts: number;
  persons: number;
  buildings: number;
  entrances: number;
  /** Electorate of the whole register after the import, under the estate's merge rule. */
  electorate: { parties: number; area: string; areaCents: number; merge: MergeRule; developerParts: number };
}

const importInvalid = (errors: RowError[]) =>
  new AppError(
    'IMPORT_INVALID',
    `the register has ${errors.length}${errors.length >= 200 ? '+' : ''} error(s); nothing was imported`,
    errors.map((e) => ({ line: e.line, column: e.column, message: e.message, messageZh: e.messageZh })),
    `登记表有 ${errors.length} 处错误，未导入任何数据`,
  );

const BATCH = 500;
async function insertBatched<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>) {
  for (let i = 0; i < rows.length; i += BATCH) await insert(rows.slice(i, i + BATCH));
}

/**
 * Imports a register table into an estate, all or nothing: every row is validated first (all errors
 * reported with line and column), parts already in the estate are refused, and the whole import
 * is one transaction. Certificate numbers are stored only as keyed hashes; phone numbers as a keyed
 * hash (for sign-in look-up) and sealed with AES-GCM (so notices can be sent), never in clear.
 */
export async function importRegister(
  db: Db,
  keys: Keyring,
  input: { estateId: string; table: Table; format: 'csv' | 'xlsx'; fileSha256: string; importedBy: string | null; dryRun: boolean },
): Promise<ImportSummary> {
  const estate = await getEstate(db, input.estateId);
  const checked = validateRegister(input.table);
  if (!checked.ok) throw importInvalid(checked.errors);
  const rows = checked.parts;

  return db.transaction(async (tx) => {
    // Serialize imports into one estate so two organizers cannot interleave.
    await tx.select({ id: estates.id }).from(estates).where(eq(estates.id, estate.id)).for('update');

    const codes = rows.map((r) => r.partId);
    const clashes: RowError[] = [];
    for (let i = 0; i < codes.length; i += BATCH) {
      const existing = await tx
        .select({ code: parts.code })
        .from(parts)
        .where(and(eq(parts.estateId, estate.id), inArray(parts.code, codes.slice(i, i + BATCH))));
      const taken = new Set(existing.map((e) => e.code));
      for (const r of rows.slice(i, i + BATCH)) {
        if (taken.has(r.partId)) {
          clashes.push({ line: r.line, column: 'part_id', message: `part ${r.partId} is already in this estate's register`, messageZh: `专有部分 ${r.partId} 已在本小区登记表中` });
        }
      }
    }
    // Names are register facts: a person already known under another name is a conflict.
    const newNames = new Map<string, { name: string; line: number }>();
    for (const r of rows) r.owners.forEach((ref, i) => {
      const name = r.ownerNames?.[i];
      if (name && !newNames.has(ref)) newNames.set(ref, { name, line: r.line });
    });
    const refs = [...new Set(rows.flatMap((r) => r.owners))];
    const knownPersons = new Map<string, { id: string; name: string | null }>();
    for (let i = 0; i < refs.length; i += BATCH) {
      const found = await tx
        .select({ id: persons.id, ref: persons.ref, name: persons.name })
        .from(persons)
        .where(and(eq(persons.estateId, estate.id), inArray(persons.ref, refs.slice(i, i + BATCH))));
      for (const p of found) knownPersons.set(p.ref, { id: p.id, name: p.name });
    }
    for (const [ref, { name, line }] of newNames) {
      const known = knownPersons.get(ref);
      if (known?.name && known.name !== name) {
        clashes.push({ line, column: 'owner_names', message: `person ${ref} is already registered under another name`, messageZh: `业主编号 ${ref} 已登记为其他姓名` });
      }
    }
    if (clashes.length) throw importInvalid(clashes.sort((a, b) => a.line - b.line));

    const buildingCodes = [...new Set(rows.map((r) => r.building))];
    const entranceKeys = [...new Set(rows.filter((r) => r.entrance !== null).map((r) => `${r.building}\u0000${r.entrance}`))];

    if (input.dryRun) {
      const all = [...(await loadElectorateParts(tx as unknown as Db, estate.id)), ...rows.map((r) => ({ ...r, owners: r.owners }))];
      return { ...counts(), dryRun: true, importId: null, electorate: electorateSummary(all, estate.rules) };
    }

    await tx.insert(buildings).values(buildingCodes.map((code) => ({ estateId: estate.id, code }))).onConflictDoNothing();
    const bRows = await tx.select({ id: buildings.id, code: buildings.code }).from(buildings).where(eq(buildings.estateId, estate.id));
    const buildingId = new Map(bRows.map((b) => [b.code, b.id]));
    if (entranceKeys.length) {
      await tx
        .insert(entrances)
        .values(entranceKeys.map((k) => {
          const [b, e] = k.split('\u0000') as [string, string];
          return { estateId: estate.id, buildingId: buildingId.get(b)!, code: e };
        }))
        .onConflictDoNothing();
    }
    const eRows = await tx.select({ id: entrances.id, code: entrances.code, buildingId: entrances.buildingId }).from(entrances).where(eq(entrances.estateId, estate.id));
    const entranceId = new Map(eRows.map((e) => [`${e.buildingId}\u0000${e.code}`, e.id]));

    const [imp] = await tx
      .insert(registerImports)
      .values({ estateId: estate.id, format: input.format, fileSha256: input.fileSha256, rows: rows.length, importedBy: input.importedBy })
      .returning({ id: registerImports.id });

    // New persons: phone numbers as a keyed hash for look-up and sealed for sending, never in clear.
    const personRows = new Map<string, { ref: string; name: string | null; phoneHash: string | null; phoneLast4: string | null; phoneEnc: string | null }>();
    for (const r of rows) r.owners.forEach((ref, i) => {
      if (knownPersons.has(ref)) return;
      const prior = personRows.get(ref);
      const phone = r.ownerPhones?.[i] ?? null;
      personRows.set(ref, {
        ref,
        name: prior?.name ?? r.ownerNames?.[i] ?? null,
        phoneHash: prior?.phoneHash ?? (phone ? keys.hash('phone', phone) : null),
        phoneLast4: prior?.phoneLast4 ?? (phone ? phone.slice(-4) : null),
        phoneEnc: prior?.phoneEnc ?? (phone ? keys.seal(phone) : null),
      });
    });
    const newPersons = [...personRows.values()];
    await insertBatched(newPersons, async (chunk) => {
      const ins = await tx.insert(persons).values(chunk.map((p) => ({ ...p, estateId: estate.id }))).returning({ id: persons.id, ref: persons.ref });
      for (const p of ins) knownPersons.set(p.ref, { id: p.id, name: null });
    });

    const partIds = new Map<string, string>();
    await insertBatched(rows, async (chunk) => {
      const ins = await tx
        .insert(parts)
        .values(chunk.map((r) => {
          const bId = buildingId.get(r.building)!;
          return {
            estateId: estate.id,
            buildingId: bId,
            entranceId: r.entrance === null ? null : entranceId.get(`${bId}\u0000${r.entrance}`)!,
            code: r.partId,
            floor: r.floor,
            kind: r.kind,
            areaCents: r.areaCents,
            areaSource: r.areaSource,
            status: r.status,
            certificateHash: r.certificate ? keys.hash('certificate', r.certificate) : null,
            importId: imp!.id,
          };
        }))
        .returning({ id: parts.id, code: parts.code });
      for (const p of ins) partIds.set(p.code, p.id);
    });
    const owns = rows.flatMap((r) => r.owners.map((ref) => ({ partId: partIds.get(r.partId)!, personId: knownPersons.get(ref)!.id })));
    await insertBatched(owns, (chunk) => tx.insert(ownerships).values(chunk));

    const all = await loadElectorateParts(tx as unknown as Db, estate.id);
    return { ...counts(), dryRun: false, importId: imp!.id, electorate: electorateSummary(all, estate.rules) };

    function counts() {
      return { rows: rows.length, parts: rows.length, persons: refs.length, buildings: buildingCodes.length, entrances: entranceKeys.length };
    }
  });
}

function electorateSummary(all: ElectoratePart[], rules: EstateRules, scope?: Scope | null) {
  const parties = deriveParties(all, { merge: rules.merge, countKinds: rules.countKinds, scope });
  const totals = electorateTotals(parties);
  const developer = parties.find((p) => p.developer);
  return {
    parties: totals.parties,
    areaCents: totals.areaCents,
    area: formatAreaCents(totals.areaCents),
    merge: rules.merge,
    developerParts: developer?.partIds.length ?? 0,
  };
}

/** Every part of an estate with its owners' register ids, as the electorate rules need them. */
export async function loadElectorateParts(db: Db, estateId: string): Promise<ElectoratePart[]> {
  const rows = await db
    .select({
      partId: parts.code,
      building: buildings.code,
      entrance: entrances.code,
      kind: parts.kind,
      areaCents: parts.areaCents,
      status: parts.status,
      owners: sql<string[]>`coalesce(array_agg(${persons.ref} order by ${persons.ref}) filter (where ${persons.ref} is not null), '{}')`,
    })
    .from(parts)
    .innerJoin(buildings, eq(buildings.id, parts.buildingId))
    .leftJoin(entrances, eq(entrances.id, parts.entranceId))
    .leftJoin(ownerships, eq(ownerships.partId, parts.id))
    .leftJoin(persons, eq(persons.id, ownerships.personId))
    .where(eq(parts.estateId, estateId))
    .groupBy(parts.id, buildings.code, entrances.code)
    .orderBy(asc(parts.createdAt), asc(parts.code));
  return rows.map((r) => ({ ...r, kind: r.kind as PartKind, status: r.status as PartStatus, entrance: r.entrance ?? null }));
}

/** Electorate preview (parties and area) for the whole estate or a building/entrance scope. */
export async function electoratePreview(db: Db, estateId: string, opts: { merge?: MergeRule; scope?: Scope | null }) {
  const estate = await getEstate(db, estateId);
  const rules = { ...estate.rules, merge: opts.merge ?? estate.rules.merge };
  return electorateSummary(await loadElectorateParts(db, estateId), rules, opts.scope);
}

/** Buildings overview: parts, area, kinds, statuses and entrances per building, plus estate totals. */
export async function buildingsOverview(db: Db, estateId: string) {
  const estate = await getEstate(db, estateId);
  const all = await loadElectorateParts(db, estateId);
  const byBuilding = new Map<string, { building: string; entrances: Set<string>; parts: number; areaCents: number; kinds: Record<string, number>; statuses: Record<string, number>; owned: number }>();
  for (const p of all) {
    let b = byBuilding.get(p.building);
    if (!b) byBuilding.set(p.building, (b = { building: p.building, entrances: new Set(), parts: 0, areaCents: 0, kinds: {}, statuses: {}, owned: 0 }));
    if (p.entrance) b.entrances.add(p.entrance);
    b.parts++;
    b.areaCents += p.areaCents;
    b.kinds[p.kind] = (b.kinds[p.kind] ?? 0) + 1;
    b.statuses[p.status] = (b.statuses[p.status] ?? 0) + 1;
  }
  const collator = new Intl.Collator('zh', { numeric: true });
  const list = [...byBuilding.values()]
    .sort((a, b) => collator.compare(a.building, b.building))
    .map((b) => {
      const scoped = electorateSummary(all, estate.rules, { building: b.building });
      return {
        building: b.building,
        entrances: [...b.entrances].sort(collator.compare),
        parts: b.parts,
        areaCents: b.areaCents,
        area: formatAreaCents(b.areaCents),
        parties: scoped.parties,
        kinds: b.kinds,
        statuses: b.statuses,
      };
    });
  const totalArea = all.reduce((s, p) => s + p.areaCents, 0);
  return {
    estate: { id: estate.id, name: estate.name },
    buildings: list,
    totals: { parts: all.length, areaCents: totalArea, area: formatAreaCents(totalArea), electorate: electorateSummary(all, estate.rules) },
  };
}

/** The public view of a part (joined with buildings and entrances): no names, no numbers. */
const partView = {
  partId: parts.code,
  building: buildings.code,
  entrance: entrances.code,
  floor: parts.floor,
  kind: parts.kind,
  areaCents: parts.areaCents,
  areaSource: parts.areaSource,
  status: parts.status,
};
const ownerCount = sql<number>`(select count(*)::int from ${ownerships} o2 where o2.part_id = ${parts.id})`;

/** One page of the register (house numbers, areas, statuses, owner counts — no names or numbers). */
export async function listParts(db: Db, estateId: string, opts: { building?: string; q?: string; limit: number; offset: number }) {
  const where = and(
    eq(parts.estateId, estateId),
    opts.building ? eq(buildings.code, opts.building) : undefined,
    opts.q ? ilike(parts.code, `%${opts.q.replace(/[%_\\]/g, (m) => `\\${m}`)}%`) : undefined,
  );
  const [{ total }] = (await db.select({ total: count() }).from(parts).innerJoin(buildings, eq(buildings.id, parts.buildingId)).where(where)) as [{ total: number }];
  const items = await db
    .select({ ...partView, owners: ownerCount })
    .from(parts)
    .innerJoin(buildings, eq(buildings.id, parts.buildingId))
    .leftJoin(entrances, eq(entrances.id, parts.entranceId))
    .where(where)
    .orderBy(asc(buildings.code), asc(parts.code))
    .limit(opts.limit)
    .offset(opts.offset);
  return { total: Number(total), items: items.map((i) => ({ ...i, owners: Number(i.owners), area: formatAreaCents(i.areaCents) })) };
}

/** Parts owned by the persons bound to a user (我的房产), with the count of co-owners. */
export async function myParts(db: Db, userId: string) {
  const rows = await db
    .select({
      estateId: estates.id,
      estateName: estates.name,
      ...partView,
      coOwners: ownerCount,
    })
    .from(persons)
    .innerJoin(ownerships, eq(ownerships.personId, persons.id))
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .innerJoin(buildings, eq(buildings.id, parts.buildingId))
    .leftJoin(entrances, eq(entrances.id, parts.entranceId))
    .innerJoin(estates, eq(estates.id, parts.estateId))
    .where(eq(persons.userId, userId))
    .orderBy(asc(estates.name), asc(buildings.code), asc(parts.code));
  return rows.map((r) => ({ ...r, coOwners: Number(r.coOwners), area: formatAreaCents(r.areaCents) }));
}
