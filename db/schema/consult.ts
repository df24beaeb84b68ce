import { sql } from 'drizzle-orm';
import { boolean, check, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth.ts';
import { estates, parts } from './registry.ts';
import { votes } from './votes.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true });
const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** Where a tenant (居民) lives: lets residents answer consultations for their household. */
export const residentParts = pgTable(
  'resident_parts',
  {
    userId: uuid('user_id').notNull().references(() => users.id),
    partId: uuid('part_id').notNull().references(() => parts.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.partId] })],
);

/** An uploaded picture or PDF, stored with its SHA-256; type checked from the bytes. */
export const attachments = pgTable('attachments', {
  id: uuid('id').primaryKey().defaultRandom(),
  estateId: uuid('estate_id').notNull().references(() => estates.id),
  sha256: text('sha256').notNull(),
  size: integer('size').notNull(),
  mime: text('mime').notNull(),
  filename: text('filename').notNull(),
  data: bytea('data').notNull(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
});

/** 备选方案: a plan residents judge during its 公示 period; versions keep every change. */
export const proposals = pgTable(
  'proposals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    status: text('status').notNull().default('draft'),
    publicStart: tstz('public_start'),
    publicEnd: tstz('public_end'),
    supportThreshold: integer('support_threshold').notNull().default(0),
    consultationId: uuid('consultation_id'),
    voteId: uuid('vote_id').references(() => votes.id),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('proposals_estate').on(t.estateId), check('proposals_status', sql`${t.status} in ('draft','published','closed','converted')`)],
);

export const proposalVersions = pgTable(
  'proposal_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    proposalId: uuid('proposal_id').notNull().references(() => proposals.id),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** [{ key, name, colorHex, colorCode, description, attachmentId }] */
    options: jsonb('options').notNull(),
    attachmentIds: jsonb('attachment_ids').notNull().default(sql`'[]'::jsonb`),
    note: text('note').notNull().default(''),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('proposal_versions_n').on(t.proposalId, t.version)],
);

/** 联名: one support per person per proposal. */
export const proposalSupports = pgTable(
  'proposal_supports',
  {
    proposalId: uuid('proposal_id').notNull().references(() => proposals.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.proposalId, t.userId] })],
);

/** 意见征询: a form sent to every household in scope. */
export const consultations = pgTable(
  'consultations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    proposalId: uuid('proposal_id').references(() => proposals.id),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    scope: jsonb('scope'),
    /** [{ key, kind: single|multiple|ranking|text, title, required, options: [{ key, name, colorHex }] }] */
    questions: jsonb('questions').notNull(),
    status: text('status').notNull().default('draft'),
    opensAt: tstz('opens_at'),
    closesAt: tstz('closes_at').notNull(),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('consultations_estate').on(t.estateId), check('consultations_status', sql`${t.status} in ('draft','open','closed')`)],
);

/** One response per household (a residential part), editable until close by its owners or residents. */
export const consultationResponses = pgTable(
  'consultation_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    consultationId: uuid('consultation_id').notNull().references(() => consultations.id),
    partId: uuid('part_id').notNull().references(() => parts.id),
    answers: jsonb('answers').notNull(),
    userId: uuid('user_id').references(() => users.id),
    createdAt: createdAt(),
    updatedAt: tstz('updated_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('consultation_responses_household').on(t.consultationId, t.partId)],
);

/**
 * Opinions and comments on proposals and consultations, in threads. Every opinion flagged as
 * needing a reply carries a status until the organizer answers it (事事有反馈).
 */
export const comments = pgTable(
  'comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    targetType: text('target_type').notNull(),
    targetId: uuid('target_id').notNull(),
    parentId: uuid('parent_id'),
    authorId: uuid('author_id').notNull().references(() => users.id),
    body: text('body').notNull(),
    official: boolean('official').notNull().default(false),
    needsReply: boolean('needs_reply').notNull().default(false),
    status: text('status').notNull().default('received'),
    statusReason: text('status_reason'),
    answeredAt: tstz('answered_at'),
    hidden: boolean('hidden').notNull().default(false),
    hiddenReason: text('hidden_reason'),
    reports: integer('reports').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index('comments_target').on(t.targetType, t.targetId),
    index('comments_open').on(t.estateId, t.needsReply, t.status),
    check('comments_target_type', sql`${t.targetType} in ('proposal','consultation')`),
    check('comments_status', sql`${t.status} in ('received','answered','adopted','not_adopted')`),
  ],
);

export const commentReports = pgTable(
  'comment_reports',
  {
    commentId: uuid('comment_id').notNull().references(() => comments.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    reason: text('reason').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.commentId, t.userId] })],
);

/** The owner's inbox: new publications and answers. Messages also go out through the sender. */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull().references(() => users.id),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    link: text('link').notNull(),
    readAt: tstz('read_at'),
    createdAt: createdAt(),
  },
  (t) => [index('notifications_user').on(t.userId, t.createdAt)],
);
