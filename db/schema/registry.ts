import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './auth.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** 社区 — the residents' community an estate belongs to. */
export const communities = pgTable('communities', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  district: text('district'),
  createdAt: createdAt(),
});

/** 小区 — an estate; `rules` holds its 议事规则 settings (EstateRules). */
export const estates = pgTable('estates', {
  id: uuid('id').primaryKey().defaultRandom(),
  communityId: uuid('community_id').references(() => communities.id),
  name: text('name').notNull(),
  address: text('address'),
  developerName: text('developer_name'),
  rules: jsonb('rules').notNull(),
  createdAt: createdAt(),
});

/** 楼栋 */
export const buildings = pgTable(
  'buildings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    code: text('code').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('buildings_estate_code').on(t.estateId, t.code)],
);

/** 单元 */
export const entrances = pgTable(
  'entrances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    buildingId: uuid('building_id').notNull().references(() => buildings.id),
    code: text('code').notNull(),
  },
  (t) => [unique('entrances_building_code').on(t.buildingId, t.code)],
);

/** One register import: what file (by hash), by whom, how many rows. */
export const registerImports = pgTable('register_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  estateId: uuid('estate_id').notNull().references(() => estates.id),
  format: text('format').notNull(),
  fileSha256: text('file_sha256').notNull(),
  rows: integer('rows').notNull(),
  importedBy: uuid('imported_by').references(() => users.id),
  createdAt: createdAt(),
});

/**
 * 专有部分 — an exclusive part (flat, shop, parking space, storeroom).
 * Area in hundredths of a m² (integer); the property certificate number is kept only as a keyed hash.
 */
export const parts = pgTable(
  'parts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    buildingId: uuid('building_id').notNull().references(() => buildings.id),
    entranceId: uuid('entrance_id').references(() => entrances.id),
    code: text('code').notNull(),
    floor: integer('floor'),
    kind: text('kind').notNull(),
    areaCents: bigint('area_cents', { mode: 'number' }).notNull(),
    areaSource: text('area_source').notNull(),
    status: text('status').notNull(),
    certificateHash: text('certificate_hash'),
    importId: uuid('import_id').references(() => registerImports.id),
    createdAt: createdAt(),
  },
  (t) => [
    unique('parts_estate_code').on(t.estateId, t.code),
    index('parts_building').on(t.buildingId),
    check('parts_area_positive', sql`${t.areaCents} > 0`),
    check('parts_kind', sql`${t.kind} in ('residential','commercial','parking','storage')`),
    check('parts_area_source', sql`${t.areaSource} in ('register','survey','contract')`),
    check('parts_status', sql`${t.status} in ('registered','delivered','sold_undelivered','unsold')`),
  ],
);

/**
 * A person named in the register (业主). `ref` is the register's person id. Name is kept for the
 * organizer's own lists and letters, never published; phone only as a keyed hash plus last 4 digits.
 */
export const persons = pgTable(
  'persons',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    ref: text('ref').notNull(),
    name: text('name'),
    phoneHash: text('phone_hash'),
    phoneLast4: text('phone_last4'),
    /** The phone number encrypted (AES-256-GCM, deployment secret) so notices can be sent; never logged or exported. */
    phoneEnc: text('phone_enc'),
    userId: uuid('user_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    unique('persons_estate_ref').on(t.estateId, t.ref),
    index('persons_phone_hash').on(t.phoneHash),
    index('persons_user').on(t.userId),
  ],
);

/** Ownership of a part; several rows for one part = 共有人 (co-owners). */
export const ownerships = pgTable(
  'ownerships',
  {
    partId: uuid('part_id').notNull().references(() => parts.id),
    personId: uuid('person_id').notNull().references(() => persons.id),
  },
  (t) => [primaryKey({ columns: [t.partId, t.personId] }), index('ownerships_person').on(t.personId)],
);

/** 邻里 — a neighbourhood unit, a group of buildings (~300 households). */
export const neighbourhoods = pgTable('neighbourhoods', {
  id: uuid('id').primaryKey().defaultRandom(),
  estateId: uuid('estate_id').notNull().references(() => estates.id),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const neighbourhoodBuildings = pgTable(
  'neighbourhood_buildings',
  {
    neighbourhoodId: uuid('neighbourhood_id').notNull().references(() => neighbourhoods.id),
    buildingId: uuid('building_id').notNull().references(() => buildings.id),
  },
  (t) => [primaryKey({ columns: [t.neighbourhoodId, t.buildingId] })],
);

/** 邻里理事会 / 楼栋议事会 */
export const councils = pgTable('councils', {
  id: uuid('id').primaryKey().defaultRandom(),
  estateId: uuid('estate_id').notNull().references(() => estates.id),
  neighbourhoodId: uuid('neighbourhood_id').references(() => neighbourhoods.id),
  name: text('name').notNull(),
  createdAt: createdAt(),
});

export const councilMembers = pgTable(
  'council_members',
  {
    councilId: uuid('council_id').notNull().references(() => councils.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    role: text('role').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.councilId, t.userId] }),
    check('council_members_role', sql`${t.role} in ('chair','member')`),
  ],
);
