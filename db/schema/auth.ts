import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, unique, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A person who can sign in. Phone only as a keyed hash. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    displayName: text('display_name').notNull(),
    phoneHash: text('phone_hash'),
    isAdmin: boolean('is_admin').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('users_phone_hash').on(t.phoneHash)],
);

/** Roles are scoped per estate. */
export const roleGrants = pgTable(
  'role_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id),
    estateId: uuid('estate_id').notNull(),
    role: text('role').notNull(),
    /** Who granted it (the invite's creator); null when not recorded (seeded, legacy). */
    grantedBy: uuid('granted_by').references((): AnyPgColumn => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    unique('role_grants_unique').on(t.userId, t.estateId, t.role),
    index('role_grants_estate').on(t.estateId),
    check(
      'role_grants_role',
      sql`${t.role} in ('organizer','clerk','chair','council_member','auditor','owner','resident','volunteer')`,
    ),
  ],
);

/**
 * Single-use, expiring invite codes (printed on notice letters as QR). Only the SHA-256 of the
 * code is stored. An invite is for a register person (owner binding), an existing user, or a new
 * user with a role in an estate; `role = 'admin'` makes a platform admin.
 */
export const invites = pgTable(
  'invites',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    codeHash: text('code_hash').notNull(),
    estateId: uuid('estate_id'),
    role: text('role').notNull(),
    personId: uuid('person_id'),
    /** For resident (tenant) invites: the household they live in. */
    partId: uuid('part_id'),
    userId: uuid('user_id').references(() => users.id),
    label: text('label').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedBy: uuid('used_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [unique('invites_code_hash').on(t.codeHash), index('invites_estate').on(t.estateId)],
);

/** Phone one-time codes: hashed, expiring, with an attempt counter. */
export const otpChallenges = pgTable(
  'otp_challenges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    phoneHash: text('phone_hash').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('otp_phone_hash').on(t.phoneHash, t.createdAt)],
);

/**
 * One row per access token issued (keyed by the token's `jti`). The guard and the socket handshake
 * accept a token only while its row is present, unrevoked and unexpired: signing out, or losing a
 * role, ends a token before its `exp`. Rows past `expires_at` may be deleted.
 */
export const sessions = pgTable(
  'sessions',
  {
    jti: uuid('jti').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** Why it was revoked: the holder signed out, or a role of theirs was removed. */
    reason: text('reason'),
  },
  (t) => [
    index('sessions_user').on(t.userId),
    check('sessions_reason', sql`${t.reason} is null or ${t.reason} in ('sign_out','role_removed')`),
    check('sessions_revoked_reason', sql`(${t.revokedAt} is null) = (${t.reason} is null)`),
  ],
);

/**
 * Fixed-window counters for abuse limits, shared by every node and kept across restarts. `key` is
 * a keyed hash (of the client address, phone number, code or house), never the value itself;
 * `window_start` is the start of the window the hit fell in. Rows past `expires_at` may be deleted.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    bucket: text('bucket').notNull(),
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key, t.windowStart] }), index('rate_limits_expires').on(t.expiresAt), check('rate_limits_count', sql`${t.count} >= 0`)],
);
