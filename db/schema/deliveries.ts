import { sql } from 'drizzle-orm';
import { check, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per outgoing text message sent through the HTTP sender, updated after every attempt.
 * Holds no phone number (only its keyed hash, as elsewhere) and never the message text, which may
 * carry a one-time code.
 */
export const messageDeliveries = pgTable(
  'message_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    purpose: text('purpose').notNull(),
    phoneHash: text('phone_hash').notNull(),
    status: text('status').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** The provider's answer or the network error of the last failed attempt (no message text). */
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    check('message_deliveries_status', sql`${t.status} in ('queued','sent','failed')`),
    check('message_deliveries_purpose', sql`${t.purpose} in ('otp','notice','reminder')`),
    index('message_deliveries_phone').on(t.phoneHash, t.createdAt),
    index('message_deliveries_status').on(t.status, t.createdAt),
  ],
);
