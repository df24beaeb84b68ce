/**
 * Credentials on the ballot log (rules.md §7, docs/ledger.md §4.5). Anything that can cast a
 * household's ballot — an account bound to its owner, a ballot letter, a proxy code — and the
 * appointments of clerks and auditors are `credential` entries of the vote's log, appended in the
 * same transaction that creates them; ballots name the credential they were cast with. The rows
 * of `vote_credentials` are the only authority on who may cast for which party in a vote.
 */
import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { ballots, invites, ownerAlerts, ownerships, parts, personBindings, persons, roleGrants, voteCredentials, votes } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { CredentialKind, PartyCredentialKind } from '../../domain/ledger/credentials.ts';
import type { Json } from '../../domain/ledger/jcs.ts';
import type { Keyring } from '../../keys.ts';
import { appendEntries, lockLog } from '../ledger/append.ts';
import { loadSnapshot } from '../votes/snapshot.ts';
import { issuerRefs, staffRef } from './refs.ts';

export type Tx = Db;

/** The log of a vote, as credential code needs it. */
export interface VoteLog {
  id: string;
  estateId: string;
  logOrigin: string;
  createdBy: string | null;
  noticedBy: string | null;
}

export interface CredentialSpec {
  kind: CredentialKind;
  /** Roster party; null for clerks and auditors. */
  party: string | null;
  holderId?: string | null;
  bindingId?: string | null;
  inviteId?: string | null;
  letterId?: string | null;
  issuerId: string | null;
  /** When the credential itself was created (before the vote, for those listed at notice). */
  issuedAt: Date;
  /** Seq of the credential this one replaces (a reissued letter, a re-binding). */
  revokes?: number | null;
  /** Proxy credentials: seq of the `proxy` entry. */
  proxySeq?: number;
}

const BINDING_KIND: Record<string, PartyCredentialKind> = { invite: 'invite', phone: 'phone_binding', certificate: 'certificate_binding', legacy: 'invite' };

/**
 * Appends `credential` entries (and their rows) to a vote's log. The caller holds the vote's log
 * lock in `t`. Party credentials created while the vote runs are announced to the household's
 * owners (`alert`); those listed with the notice are not new, so they are not.
 */
export async function appendCredentials(
  t: Tx,
  keys: Keyring,
  vote: VoteLog,
  specs: CredentialSpec[],
  now: Date,
  opts: { atNotice?: boolean; alert?: boolean } = {},
): Promise<number[]> {
  if (!specs.length) return [];
  const refs = await issuerRefs(t, keys, vote.estateId, specs.map((s) => s.issuerId));
  const appended = await appendEntries(
    t,
    vote,
    specs.map((s) => ({
      type: 'credential' as const,
      body: {
        kind: s.kind,
        ...(s.party ? { party: s.party } : { holder: staffRef(keys, vote.estateId, s.holderId!) }),
        issuer: refs.get(s.issuerId ?? null) ?? 'unknown',
        created_at: s.issuedAt.toISOString(),
        ...(s.revokes != null ? { revokes: s.revokes } : {}),
        ...(s.proxySeq != null ? { proxy: s.proxySeq } : {}),
      } as Record<string, Json>,
    })),
    now,
  );
  const rows = specs.map((s, i) => ({
    voteId: vote.id,
    seq: appended[i]!.seq,
    kind: s.kind,
    party: s.party,
    holderId: s.holderId ?? null,
    bindingId: s.bindingId ?? null,
    inviteId: s.inviteId ?? null,
    letterId: s.letterId ?? null,
    issuer: refs.get(s.issuerId ?? null) ?? 'unknown',
    issuerId: s.issuerId,
    atNotice: opts.atNotice ?? false,
    issuedAt: s.issuedAt,
    createdAt: now,
  }));
  for (let i = 0; i < rows.length; i += 1000) await t.insert(voteCredentials).values(rows.slice(i, i + 1000));
  const replaced = specs.map((s, i) => ({ old: s.revokes, by: appended[i]!.seq })).filter((r): r is { old: number; by: number } => r.old != null);
  for (const r of replaced) {
    await t.update(voteCredentials).set({ revokedAt: now, revokedSeq: r.by }).where(and(eq(voteCredentials.voteId, vote.id), eq(voteCredentials.seq, r.old)));
  }
  if (opts.alert) {
    const alerts = specs.flatMap((s, i) => (s.party ? [{ voteId: vote.id, party: s.party, event: 'credential_created', detail: s.kind, seq: appended[i]!.seq, createdAt: now }] : []));
    if (alerts.length) await t.insert(ownerAlerts).values(alerts);
  }
  return appended.map((a) => a.seq);
}

/** Revokes credentials without a replacement (a clerk's role removed): `revocation` entries. */
export async function revokeCredentials(t: Tx, vote: VoteLog, seqs: number[], reason: string, now: Date): Promise<void> {
  if (!seqs.length) return;
  const appended = await appendEntries(t, vote, seqs.map((s) => ({ type: 'revocation' as const, body: { credential: s, reason } })), now);
  for (const [i, s] of seqs.entries()) {
    await t.update(voteCredentials).set({ revokedAt: now, revokedSeq: appended[i]!.seq }).where(and(eq(voteCredentials.voteId, vote.id), eq(voteCredentials.seq, s)));
  }
}

/** Votes of an estate whose log takes credentials now (noticed, not closed), locked in id order. */
export async function runningVotes(t: Tx, estateId: string): Promise<VoteLog[]> {
  const rows = await t
    .select({ id: votes.id, estateId: votes.estateId, logOrigin: votes.logOrigin, createdBy: votes.createdBy, noticedBy: votes.noticedBy })
    .from(votes)
    .where(and(eq(votes.estateId, estateId), eq(votes.status, 'noticed'), isNull(votes.closedAt)))
    .orderBy(asc(votes.id));
  for (const v of rows) await lockLog(t, v.id);
  return rows.map((v) => ({ ...v, logOrigin: v.logOrigin! }));
}

/** The roster parties of a vote that a register person owns parts of. */
export async function partiesOfPerson(t: Tx, voteId: string, personId: string): Promise<string[]> {
  const snap = await loadSnapshot(t, voteId);
  if (!snap) return [];
  const codes = await t.select({ code: parts.code }).from(ownerships).innerJoin(parts, eq(parts.id, ownerships.partId)).where(eq(ownerships.personId, personId));
  return [...new Set(codes.map((c) => snap.electorate.byPart.get(c.code)?.ref).filter((r): r is string => !!r))];
}

/** The parties of `partyIds` that have an accepted ballot in the vote (the household has voted). */
export async function votedParties(t: Tx, voteId: string, partyIds: string[]): Promise<Set<string>> {
  if (!partyIds.length) return new Set();
  const rows = await t
    .selectDistinct({ party: ballots.party })
    .from(ballots)
    .where(and(eq(ballots.voteId, voteId), inArray(ballots.party, partyIds), eq(ballots.status, 'accepted')));
  return new Set(rows.map((r) => r.party));
}

/** Whether a user may not be a clerk or auditor of a vote: its organizers (creator, publisher, any organizer of the estate). */
async function organizersOf(t: Tx, vote: Pick<VoteLog, 'estateId' | 'createdBy' | 'noticedBy'>): Promise<Set<string>> {
  const orgs = await t.select({ userId: roleGrants.userId }).from(roleGrants).where(and(eq(roleGrants.estateId, vote.estateId), eq(roleGrants.role, 'organizer')));
  return new Set([...orgs.map((o) => o.userId), vote.createdBy, vote.noticedBy].filter((x): x is string => !!x));
}

/**
 * Everything that can already cast a ballot when the notice is published, listed right after
 * the `setup` entry: the clerks and auditors of the estate (never one of the vote's organizers),
 * every owner account bound to a person of the electorate, and every owner invite still waiting
 * to be redeemed for such a person. The caller holds the log lock (publishNotice).
 */
export async function listCredentialsAtNotice(t: Tx, keys: Keyring, vote: VoteLog, now: Date): Promise<number> {
  const snap = (await loadSnapshot(t, vote.id))!;
  const organizers = await organizersOf(t, vote);
  const staff = await t
    .select({ userId: roleGrants.userId, role: roleGrants.role, grantedBy: roleGrants.grantedBy, at: roleGrants.createdAt })
    .from(roleGrants)
    .where(and(eq(roleGrants.estateId, vote.estateId), inArray(roleGrants.role, ['clerk', 'auditor'])))
    .orderBy(asc(roleGrants.createdAt), asc(roleGrants.userId));
  const specs: CredentialSpec[] = staff
    .filter((s) => !organizers.has(s.userId))
    .map((s) => ({ kind: s.role as 'clerk' | 'auditor', party: null, holderId: s.userId, issuerId: s.grantedBy, issuedAt: s.at }));
  // Owner accounts and pending invites of the electorate's persons, each once per party.
  const owned = await t
    .select({ personId: ownerships.personId, code: parts.code })
    .from(ownerships)
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .where(eq(parts.estateId, vote.estateId));
  const partiesOf = new Map<string, Set<string>>();
  for (const o of owned) {
    const ref = snap.electorate.byPart.get(o.code)?.ref;
    if (ref) partiesOf.set(o.personId, (partiesOf.get(o.personId) ?? new Set()).add(ref));
  }
  const personIds = [...partiesOf.keys()];
  const bound = personIds.length
    ? await t
        .select({ id: personBindings.id, personId: personBindings.personId, userId: personBindings.userId, via: personBindings.via, inviteId: personBindings.inviteId, issuerId: personBindings.issuerId, at: personBindings.createdAt })
        .from(personBindings)
        .innerJoin(persons, and(eq(persons.id, personBindings.personId), eq(persons.userId, personBindings.userId)))
        .where(and(eq(persons.estateId, vote.estateId), isNull(personBindings.revokedAt)))
        .orderBy(asc(personBindings.createdAt), asc(personBindings.id))
    : [];
  const pending = personIds.length
    ? await t
        .select({ id: invites.id, personId: invites.personId, createdBy: invites.createdBy, at: invites.createdAt })
        .from(invites)
        .innerJoin(persons, eq(persons.id, invites.personId))
        .where(and(eq(invites.estateId, vote.estateId), isNull(invites.usedAt), gt(invites.expiresAt, now), isNull(persons.userId)))
        .orderBy(asc(invites.createdAt), asc(invites.id))
    : [];
  const seen = new Set<string>();
  const owner: { party: string; spec: CredentialSpec }[] = [];
  for (const b of bound) {
    for (const party of partiesOf.get(b.personId) ?? []) {
      if (seen.has(`${b.userId}:${party}`)) continue;
      seen.add(`${b.userId}:${party}`);
      owner.push({ party, spec: { kind: BINDING_KIND[b.via]!, party, holderId: b.userId, bindingId: b.id, inviteId: b.inviteId, issuerId: b.issuerId, issuedAt: b.at } });
    }
  }
  for (const inv of pending) {
    for (const party of partiesOf.get(inv.personId!) ?? []) owner.push({ party, spec: { kind: 'invite', party, inviteId: inv.id, issuerId: inv.createdBy, issuedAt: inv.at } });
  }
  // Roster order, so the notice's listing reads like the roster.
  const order = new Map(snap.roster.map((p, i) => [p.id, i]));
  owner.sort((a, b) => order.get(a.party)! - order.get(b.party)!);
  specs.push(...owner.map((o) => o.spec));
  await appendCredentials(t, keys, vote, specs, now, { atNotice: true });
  return specs.length;
}

/**
 * A person was bound to an account (invite, phone code, certificate): in every running vote of
 * the estate, the account gets a credential for the person's parties — unless the household has
 * voted there already (a new credential for a household that voted is never issued). A binding
 * by invite takes over the invite's credential if the notice listed it. A re-binding revokes the
 * previous account's credential in the same entry (`revokes`).
 */
export async function credentialsForBinding(
  t: Tx,
  keys: Keyring,
  binding: { id: string; estateId: string; personId: string; userId: string; via: 'invite' | 'phone' | 'certificate'; inviteId: string | null; issuerId: string | null; at: Date; replacesUserId?: string | null },
  now: Date,
): Promise<void> {
  for (const vote of await runningVotes(t, binding.estateId)) {
    const partyIds = await partiesOfPerson(t, vote.id, binding.personId);
    if (!partyIds.length) continue;
    const voted = await votedParties(t, vote.id, partyIds);
    const live = await t
      .select()
      .from(voteCredentials)
      .where(and(eq(voteCredentials.voteId, vote.id), inArray(voteCredentials.party, partyIds), isNull(voteCredentials.revokedAt)));
    const specs: CredentialSpec[] = [];
    for (const party of partyIds) {
      const viaInvite = binding.inviteId ? live.find((c) => c.party === party && c.inviteId === binding.inviteId && !c.holderId) : undefined;
      if (viaInvite) {
        await t.update(voteCredentials).set({ holderId: binding.userId, bindingId: binding.id }).where(and(eq(voteCredentials.voteId, vote.id), eq(voteCredentials.seq, viaInvite.seq)));
        await t.insert(ownerAlerts).values({ voteId: vote.id, party, event: 'credential_used', detail: viaInvite.kind, seq: viaInvite.seq, createdAt: now });
        continue;
      }
      if (live.some((c) => c.party === party && c.holderId === binding.userId)) continue;
      if (voted.has(party)) continue;
      const previous = binding.replacesUserId ? live.find((c) => c.party === party && c.holderId === binding.replacesUserId && c.bindingId) : undefined;
      specs.push({ kind: BINDING_KIND[binding.via]!, party, holderId: binding.userId, bindingId: binding.id, inviteId: binding.inviteId, issuerId: binding.issuerId, issuedAt: binding.at, revokes: previous?.seq ?? null });
    }
    await appendCredentials(t, keys, vote, specs, now, { alert: true });
  }
}

/** An owner invite was created for a person: a credential in every running vote where the household has not voted. */
export async function credentialsForInvite(t: Tx, keys: Keyring, invite: { id: string; estateId: string; personId: string; createdBy: string | null; at: Date }, now: Date): Promise<void> {
  for (const vote of await runningVotes(t, invite.estateId)) {
    const partyIds = await partiesOfPerson(t, vote.id, invite.personId);
    const voted = await votedParties(t, vote.id, partyIds);
    const specs = partyIds.filter((p) => !voted.has(p)).map((party): CredentialSpec => ({ kind: 'invite', party, inviteId: invite.id, issuerId: invite.createdBy, issuedAt: invite.at }));
    await appendCredentials(t, keys, vote, specs, now, { alert: true });
  }
}

/**
 * Staff roles changed in an estate: a clerk or auditor appointed while votes run gets a credential
 * in each (never in a vote they organize); a removed one, or one who became an organizer, loses
 * theirs (`revocation` entries).
 */
export async function credentialsForRoleChange(
  t: Tx,
  keys: Keyring,
  change: { estateId: string; userId: string; role: string; grantedBy: string | null; removed: boolean; at: Date },
  now: Date,
): Promise<void> {
  const staffRole = change.role === 'clerk' || change.role === 'auditor';
  if (!staffRole && change.role !== 'organizer') return;
  for (const vote of await runningVotes(t, change.estateId)) {
    const mine = await t
      .select({ seq: voteCredentials.seq, kind: voteCredentials.kind })
      .from(voteCredentials)
      .where(and(eq(voteCredentials.voteId, vote.id), eq(voteCredentials.holderId, change.userId), isNull(voteCredentials.party), isNull(voteCredentials.revokedAt)));
    if (change.role === 'organizer') {
      if (!change.removed) await revokeCredentials(t, vote, mine.map((m) => m.seq), 'an organizer of the vote cannot be its clerk or auditor', now);
      continue;
    }
    if (change.removed) {
      await revokeCredentials(t, vote, mine.filter((m) => m.kind === change.role).map((m) => m.seq), `${change.role} role removed`, now);
      continue;
    }
    if (mine.some((m) => m.kind === change.role) || (await organizersOf(t, vote)).has(change.userId)) continue;
    await appendCredentials(t, keys, vote, [{ kind: change.role as 'clerk' | 'auditor', party: null, holderId: change.userId, issuerId: change.grantedBy, issuedAt: change.at }], now);
  }
}

export interface LiveCredential {
  seq: number;
  kind: CredentialKind;
  party: string | null;
  issuer: string;
  issuedAt: Date;
  atNotice: boolean;
  letterId: string | null;
}

const liveColumns = {
  seq: voteCredentials.seq,
  kind: voteCredentials.kind,
  party: voteCredentials.party,
  issuer: voteCredentials.issuer,
  issuedAt: voteCredentials.issuedAt,
  atNotice: voteCredentials.atNotice,
  letterId: voteCredentials.letterId,
};

/** The live credentials an account holds in a vote (party ones and staff ones), oldest first. */
export async function credentialsOf(db: Db, voteId: string, userId: string): Promise<LiveCredential[]> {
  const rows = await db
    .select(liveColumns)
    .from(voteCredentials)
    .where(and(eq(voteCredentials.voteId, voteId), eq(voteCredentials.holderId, userId), isNull(voteCredentials.revokedAt)))
    .orderBy(asc(voteCredentials.seq));
  return rows as LiveCredential[];
}

/** The live credentials of given kinds for a party (a letter for paper ballots, a proxy). */
export async function partyCredentials(db: Db, voteId: string, party: string, kinds: readonly CredentialKind[]): Promise<LiveCredential[]> {
  const rows = await db
    .select(liveColumns)
    .from(voteCredentials)
    .where(and(eq(voteCredentials.voteId, voteId), eq(voteCredentials.party, party), inArray(voteCredentials.kind, [...kinds]), isNull(voteCredentials.revokedAt)))
    .orderBy(asc(voteCredentials.seq));
  return rows as LiveCredential[];
}

/** The live credentials of given kinds of every party of a vote. */
export async function partyCredentialsOfVote(db: Db, voteId: string, kinds: readonly CredentialKind[]): Promise<LiveCredential[]> {
  const rows = await db
    .select(liveColumns)
    .from(voteCredentials)
    .where(and(eq(voteCredentials.voteId, voteId), inArray(voteCredentials.kind, [...kinds]), isNull(voteCredentials.revokedAt)))
    .orderBy(asc(voteCredentials.seq));
  return rows as LiveCredential[];
}

/** A letter or proxy code was used to sign in for the first time: its credential gets its holder. */
export async function letterRedeemed(t: Tx, letterId: string, userId: string, now: Date): Promise<void> {
  const rows = await t
    .update(voteCredentials)
    .set({ holderId: userId })
    .where(and(eq(voteCredentials.letterId, letterId), isNull(voteCredentials.holderId), isNull(voteCredentials.revokedAt)))
    .returning({ voteId: voteCredentials.voteId, party: voteCredentials.party, seq: voteCredentials.seq, kind: voteCredentials.kind });
  const alerts = rows.filter((r) => r.party).map((r) => ({ voteId: r.voteId, party: r.party!, event: 'credential_used', detail: r.kind, seq: r.seq, createdAt: now }));
  if (alerts.length) await t.insert(ownerAlerts).values(alerts);
}

/** Counts of credentials per kind in a vote (for the organizer's overview). */
export async function credentialCounts(db: Db, voteId: string) {
  return db
    .select({ kind: voteCredentials.kind, n: sql<number>`count(*)::int`, revoked: sql<number>`count(${voteCredentials.revokedAt})::int` })
    .from(voteCredentials)
    .where(eq(voteCredentials.voteId, voteId))
    .groupBy(voteCredentials.kind);
}
