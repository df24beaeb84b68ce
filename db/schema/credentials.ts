import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { invites, users } from './auth.ts';
import { persons } from './registry.ts';
import { votes } from './votes.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const tstz = (name: string) => timestamp(name, { withTimezone: true });

/**
 * How a register person (业主) came to be bound to an account, newest last. A binding is what lets
 * an owner vote online, so every binding names how it was made and who issued what it rests on:
 * the organizer who created the invite, or the organizer whose register import supplied the phone
 * or certificate number. A re-binding revokes the previous row; rows are never deleted.
 */
export const personBindings = pgTable(
  'person_bindings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    personId: uuid('person_id').notNull().references(() => persons.id),
    userId: uuid('user_id').notNull().references(() => users.id),
    via: text('via').notNull(),
    inviteId: uuid('invite_id').references(() => invites.id),
    /** Staff whose act the binding rests on (invite creator, register importer); null = not recorded. */
    issuerId: uuid('issuer_id').references(() => users.id),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('person_bindings_person').on(t.personId),
    index('person_bindings_user').on(t.userId),
    check('person_bindings_via', sql`${t.via} in ('invite','phone','certificate','legacy')`),
  ],
);

/**
 * Every credential that can cast a ballot in a vote (rules.md §7), one row per `credential` entry
 * of the vote's log (`seq`). The entry is the public, immutable record; this row is the server's
 * working copy: who holds it (an account, once known), where it came from, whether it still works.
 * Only a live row lets its holder cast: the table is the authority on who may vote for a party.
 */
export const voteCredentials = pgTable(
  'vote_credentials',
  {
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    /** Roster party id; null for staff (clerk, auditor). */
    party: text('party'),
    /** The account that can use it: known at once for bindings and staff, at first sign-in for letters. */
    holderId: uuid('holder_id').references(() => users.id),
    bindingId: uuid('binding_id').references(() => personBindings.id),
    inviteId: uuid('invite_id').references(() => invites.id),
    letterId: uuid('letter_id'),
    /** The opaque issuer reference written on the log (`organizer:…`). */
    issuer: text('issuer').notNull(),
    issuerId: uuid('issuer_id').references(() => users.id),
    /** Listed with the notice (setup): auditors named at notice receive the openings. */
    atNotice: boolean('at_notice').notNull().default(false),
    issuedAt: tstz('issued_at').notNull(),
    revokedAt: tstz('revoked_at'),
    /** The entry that revoked it (a reissue, a re-binding, a `revocation`). */
    revokedSeq: integer('revoked_seq'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.voteId, t.seq] }),
    index('vote_credentials_holder').on(t.voteId, t.holderId),
    index('vote_credentials_party').on(t.voteId, t.party),
    index('vote_credentials_invite').on(t.inviteId),
    index('vote_credentials_letter').on(t.letterId),
    check(
      'vote_credentials_kind',
      sql`${t.kind} in ('invite','phone_binding','certificate_binding','letter','letter_reissue','proxy','clerk','auditor')`,
    ),
  ],
);

/**
 * "This was not me" (不是我投的): an owner disputes the participation of their household. The
 * `objection` entry on the log carries the party and the disputed ballots; the free text stays
 * here, for the organizers and auditors only.
 */
export const objections = pgTable(
  'objections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    userId: uuid('user_id').notNull().references(() => users.id),
    text: text('text').notNull(),
    seq: integer('seq').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('objections_vote').on(t.voteId, t.createdAt)],
);

/**
 * Outbox of what an owner must be told about their household (a credential created or used, a
 * ballot cast): written in the same transaction as the event, turned into inbox messages and
 * texts after commit by the dispatcher, so a crash between the two loses nothing.
 */
export const ownerAlerts = pgTable(
  'owner_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    event: text('event').notNull(),
    /** Credential kind, or the ballot's channel. */
    detail: text('detail').notNull(),
    seq: integer('seq'),
    dispatchedAt: tstz('dispatched_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('owner_alerts_pending').on(t.createdAt).where(sql`${t.dispatchedAt} is null`),
    check('owner_alerts_event', sql`${t.event} in ('credential_created','credential_used','ballot_cast')`),
  ],
);

/**
 * Rejected submissions of a household beyond the first few that reached the public log: kept
 * here, so that a script hammering one household's ballot cannot flood the log.
 */
export const quietRejections = pgTable(
  'quiet_rejections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    matter: text('matter').notNull(),
    channel: text('channel').notNull(),
    reason: text('reason').notNull(),
    nonce: text('nonce').notNull(),
    userId: uuid('user_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('quiet_rejections_vote').on(t.voteId, t.party)],
);
