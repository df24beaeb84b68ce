import { sql } from 'drizzle-orm';
import { bigint, boolean, check, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth.ts';
import { estates } from './registry.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/**
 * An owners' assembly vote (业主大会表决). Its 议事规则 settings are copied in at creation; its
 * electorate is frozen at notice. Status: draft → noticed (公告; matters fixed, snapshot frozen)
 * → closed → preliminary (result posted, objection period) → final. "Open" is not stored: it is the
 * window [opens_at, closes_at) of a noticed vote.
 */
export const votes = pgTable(
  'votes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    estateId: uuid('estate_id').notNull().references(() => estates.id),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    /** null = whole estate; else { building, entrance? } */
    scope: jsonb('scope'),
    rules: jsonb('rules').notNull(),
    status: text('status').notNull().default('draft'),
    noticeDate: date('notice_date', { mode: 'string' }),
    opensAt: timestamptz('opens_at').notNull(),
    closesAt: timestamptz('closes_at').notNull(),
    noticedAt: timestamptz('noticed_at'),
    closedAt: timestamptz('closed_at'),
    closeReason: text('close_reason'),
    objectionEndsAt: timestamptz('objection_ends_at'),
    finalizedAt: timestamptz('finalized_at'),
    /** Origin (log name) of the vote's ballot log; set at notice. */
    logOrigin: text('log_origin'),
    /** Canonical JSON of the manifest whose hash the `setup` entry carries. */
    manifest: text('manifest'),
    /** Engine result at close (contract JSON with cents), for pages and publication. */
    result: jsonb('result'),
    /** Building votes: part ids whose own part the works occupy; their owners must consent. */
    occupiedParts: jsonb('occupied_parts'),
    /** Building votes: { costFen, subsidyFen, coefficients } of the cost sharing (rules.md §4). */
    costPlan: jsonb('cost_plan'),
    /** Building votes at close: per matter { required, given, satisfied } consent of occupied parts' owners. */
    consent: jsonb('consent'),
    createdBy: uuid('created_by').references(() => users.id),
    /** Who published the notice: with the creator, the vote's organizers, never its clerks or auditors. */
    noticedBy: uuid('noticed_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    index('votes_estate').on(t.estateId),
    check('votes_status', sql`${t.status} in ('draft','noticed','closed','preliminary','final')`),
    check('votes_window', sql`${t.closesAt} > ${t.opensAt}`),
  ],
);

function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true });
}

/** A matter (议题) of a vote with its Civil Code art. 278 category, or 'consultation'. */
export const voteMatters = pgTable(
  'vote_matters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    position: integer('position').notNull(),
    /** Short key used in the ledger (m1, m2, …). */
    key: text('key').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    category: text('category').notNull(),
    kind: text('kind').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('vote_matters_key').on(t.voteId, t.key),
    check('vote_matters_kind', sql`${t.kind} in ('yes_no','options')`),
    check('vote_matters_category', sql`${t.category} in ('1','2','3','4','5','6','7','8','9','consultation')`),
  ],
);

/** An option of an option matter, e.g. a paint colour with its swatch. */
export const voteOptions = pgTable(
  'vote_options',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    matterId: uuid('matter_id').notNull().references(() => voteMatters.id),
    position: integer('position').notNull(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    colorHex: text('color_hex'),
    colorCode: text('color_code'),
    pictureUrl: text('picture_url'),
  },
  (t) => [uniqueIndex('vote_options_key').on(t.matterId, t.key)],
);

/**
 * The frozen electorate (选民名册快照): parties with their parts and weights, totals, the rules
 * that built it, and the SHA-256 of its canonical roster. The only source of denominators.
 */
export const electorateSnapshots = pgTable('electorate_snapshots', {
  voteId: uuid('vote_id').primaryKey().references(() => votes.id),
  merge: text('merge').notNull(),
  parties: integer('parties').notNull(),
  areaCents: bigint('area_cents', { mode: 'number' }).notNull(),
  /** [{ id, parts: [{ partId, building, entrance, areaCents }], areaCents, developer, personRefs }] */
  roster: jsonb('roster').notNull(),
  rosterSha256: text('roster_sha256').notNull(),
  createdAt: createdAt(),
});

/**
 * Every ballot event. `status`: accepted, rejected (with reason) or superseded. The choice is kept
 * for the tally even in sealed mode (the ledger carries only the commitment); `salt` opens it.
 */
export const ballots = pgTable(
  'ballots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    matterId: uuid('matter_id').notNull().references(() => voteMatters.id),
    party: text('party').notNull(),
    seq: integer('seq').notNull(),
    channel: text('channel').notNull(),
    choice: text('choice').notNull(),
    salt: text('salt'),
    /** The client nonce of the submission: a replayed submission reuses it and is refused. */
    nonce: text('nonce').notNull().default(''),
    status: text('status').notNull(),
    reason: text('reason'),
    userId: uuid('user_id').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [
    // The database itself refuses a second accepted ballot of one party on one matter.
    uniqueIndex('ballots_one_accepted').on(t.voteId, t.matterId, t.party).where(sql`${t.status} = 'accepted'`),
    index('ballots_vote').on(t.voteId, t.seq),
    index('ballots_nonce').on(t.voteId, t.nonce),
    check('ballots_status', sql`${t.status} in ('accepted','rejected','superseded')`),
    check('ballots_channel', sql`${t.channel} in ('online','paper','proxy')`),
  ],
);

/**
 * The append-only ballot log of each vote (hash chain; Merkle tree over the leaves). `body` holds
 * the exact canonical bytes that are hashed and exported. A trigger refuses UPDATE and DELETE.
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    body: text('body').notNull(),
    leaf: text('leaf').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.voteId, t.seq] }),
    check('ledger_seq_nonneg', sql`${t.seq} >= 0`),
    // Receipt trackers are a prefix of the leaf hash: find an entry by them without a scan.
    index('ledger_leaf_prefix').on(t.voteId, t.leaf.op('text_pattern_ops')),
  ],
);

/**
 * Signed checkpoints (C2SP tlog-checkpoint notes) of each vote's log. One per size; append-only
 * like the log, so a signed tree head can never be replaced by an inconsistent one.
 */
export const checkpoints = pgTable(
  'checkpoints',
  {
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    size: integer('size').notNull(),
    root: text('root').notNull(),
    note: text('note').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.voteId, t.size] }), check('checkpoints_size_pos', sql`${t.size} > 0`)],
);

/**
 * Log signing keys of the deployment, oldest first. Rotation adds a row; the public part of every
 * key ever used stays here so old checkpoints keep verifying.
 */
export const logKeys = pgTable('log_keys', {
  keyId: text('key_id').primaryKey(),
  name: text('name').notNull(),
  vkey: text('vkey').notNull(),
  createdAt: createdAt(),
});

/**
 * 送达: proof that a vote's ballot letter reached a party (hand delivery with signature, registered
 * mail, posting where delivery was impossible, online). Only served parties can be deemed to follow
 * the majority under the non-voter rule. Corrections are new rows; the latest row counts.
 */
export const serviceRecords = pgTable(
  'service_records',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    channel: text('channel').notNull(),
    servedAt: timestamp('served_at', { withTimezone: true }).notNull(),
    proofSha256: text('proof_sha256'),
    recordedBy: uuid('recorded_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [index('service_records_vote').on(t.voteId, t.party), check('service_records_channel', sql`${t.channel} in ('hand','mail','posting','online')`)],
);

/**
 * Two-person entry of paper ballots: each clerk enters the letter independently. When the second
 * entry (by another clerk) matches the first, the ballot goes into the box as a `paper_ballot`;
 * when it differs, both are flagged `mismatch` and nothing is counted until two clerks agree.
 */
export const paperEntries = pgTable(
  'paper_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    partId: text('part_id').notNull(),
    choices: jsonb('choices').notNull(),
    scanSha256: text('scan_sha256').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    clerkId: uuid('clerk_id').notNull().references(() => users.id),
    /** Signed by the party's registered proxy holder (委托书 block filled in). */
    proxy: boolean('proxy').notNull().default(false),
    status: text('status').notNull().default('pending'),
    pairId: uuid('pair_id'),
    /** Set on a matched pair whose two clerks were appointed by one issuer after the window opened. */
    flag: text('flag'),
    createdAt: createdAt(),
  },
  (t) => [index('paper_entries_vote').on(t.voteId, t.party, t.status), check('paper_entries_status', sql`${t.status} in ('pending','matched','mismatch')`)],
);

/**
 * Ballot letters (表决票) and proxy codes: a one-time-printed code that signs its holder in to vote
 * online for one party of one vote. Only the keyed hash of the code is stored. A letter code acts
 * for the owner party; a proxy code for the registered proxy holder (ballots carry channel `proxy`).
 * Reissuing revokes the earlier code. The first sign-in creates a user bound to this row.
 */
export const ballotLetters = pgTable(
  'ballot_letters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    kind: text('kind').notNull(),
    codeHash: text('code_hash').notNull(),
    proxyId: uuid('proxy_id'),
    userId: uuid('user_id').references(() => users.id),
    issuedBy: uuid('issued_by').references(() => users.id),
    issuedAt: timestamp('issued_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('ballot_letters_code').on(t.codeHash),
    index('ballot_letters_vote').on(t.voteId, t.party),
    index('ballot_letters_user').on(t.userId),
    check('ballot_letters_kind', sql`${t.kind} in ('letter','proxy')`),
  ],
);

/**
 * 委托: a written proxy authorization for one party of one vote. The holder's ID number is kept only
 * as a keyed hash (to count the cap per holder); `holderRef` is the opaque id the ledger shows.
 */
export const proxies = pgTable(
  'proxies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    holderHash: text('holder_hash').notNull(),
    holderRef: text('holder_ref').notNull(),
    authorizationSha256: text('authorization_sha256').notNull(),
    seq: integer('seq').notNull(),
    recordedBy: uuid('recorded_by').references(() => users.id),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('proxies_party').on(t.voteId, t.party), index('proxies_holder').on(t.voteId, t.holderHash)],
);

/** A published extension of a vote's window, with its reason (also an `extension` ledger entry). */
export const voteExtensions = pgTable('vote_extensions', {
  id: uuid('id').primaryKey().defaultRandom(),
  voteId: uuid('vote_id').notNull().references(() => votes.id),
  previousClosesAt: timestamp('previous_closes_at', { withTimezone: true }).notNull(),
  closesAt: timestamp('closes_at', { withTimezone: true }).notNull(),
  reason: text('reason').notNull(),
  seq: integer('seq').notNull(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
});

/** 包户: a not-yet-voted party assigned to a building head or volunteer, with their contact log. */
export const outreachAssignments = pgTable(
  'outreach_assignments',
  {
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    assigneeId: uuid('assignee_id').notNull().references(() => users.id),
    assignedBy: uuid('assigned_by').references(() => users.id),
    contactedAt: timestamp('contacted_at', { withTimezone: true }),
    note: text('note').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.voteId, t.party] }), index('outreach_assignee').on(t.voteId, t.assigneeId)],
);

/** Reminders sent per party (at most one a day), for the limit and the organizer's figures. */
export const remindersSent = pgTable(
  'reminders_sent',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    voteId: uuid('vote_id').notNull().references(() => votes.id),
    party: text('party').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('reminders_sent_vote').on(t.voteId, t.party, t.createdAt)],
);

/** Phone numbers (keyed hash) that asked for no more vote reminders. Legal notices still go to the inbox. */
export const reminderOptOuts = pgTable('reminder_opt_outs', {
  phoneHash: text('phone_hash').primaryKey(),
  createdAt: createdAt(),
});
