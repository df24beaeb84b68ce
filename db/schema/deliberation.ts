import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth.ts';
import { councils, estates } from './registry.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true });

/** A meeting of a council (邻里理事会 / 楼栋议事会): scheduled → live → ended → minutes published. */
export const councilSessions = pgTable(
  'council_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    councilId: uuid('council_id').notNull().references(() => councils.id),
    title: text('title').notNull(),
    scheduledAt: tstz('scheduled_at').notNull(),
    status: text('status').notNull().default('scheduled'),
    /** Agenda items: [{ id, title, description, minutes }] */
    agenda: jsonb('agenda').notNull(),
    minutes: text('minutes'),
    publishedAt: tstz('published_at'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('council_sessions_estate').on(t.estateId), check('council_sessions_status', sql`${t.status} in ('scheduled','live','ended','published')`)],
);

/**
 * Every action of a session, in order: the session's state is the fold of these events, so a late
 * joiner, another node or the minutes all see the same meeting. Appends are serialized per session.
 */
export const sessionEvents = pgTable(
  'session_events',
  {
    sessionId: uuid('session_id').notNull().references(() => councilSessions.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    actorId: uuid('actor_id'),
    payload: jsonb('payload').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.seq] })],
);
