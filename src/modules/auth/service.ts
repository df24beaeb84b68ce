import { timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { ballotLetters, estates, invites, otpChallenges, ownerships, parts, personBindings, persons, registerImports, residentParts, roleGrants, users, votes } from '../../../db/schema/index.ts';
import { credentialsForBinding, credentialsForInvite, credentialsForRoleChange, partiesOfPerson, runningVotes, votedParties } from '../credentials/service.ts';
import type { Db } from '../../db.ts';
import { AppError, notFound } from '../../errors.ts';
import { sha256Hex, type Keyring } from '../../keys.ts';
import type { Sender } from '../../sender.ts';
import { newInviteCode, newOtpCode, normalizeInviteCode } from './codes.ts';
import type { EstateRole } from './roles.ts';

export type InviteRole = EstateRole | 'admin';

const DAY = 24 * 3600 * 1000;
const OTP_TTL_MS = 5 * 60 * 1000;
const OTP_MAX_ATTEMPTS = 5;
const OTP_MIN_INTERVAL_MS = 60 * 1000;
const OTP_MAX_PER_HOUR = 5;

const invalidCode = () =>
  new AppError('INVALID_CODE', 'this code is not valid, already used, or expired', undefined, '邀请码无效、已使用或已过期');

export interface CreateInviteInput {
  estateId: string | null;
  role: InviteRole;
  /** Register person (业主) the invite binds to; required for owner invites. */
  personId?: string | null;
  /** Existing user the invite signs in (re-issuing access). */
  userId?: string | null;
  /** Resident invites: the household (part) the resident lives in. */
  partId?: string | null;
  label: string;
  validDays?: number;
  createdBy?: string | null;
}

/**
 * Creates a single-use invite; only the code's hash is stored, the code is returned once. An owner
 * invite (for a register person) is a credential of the person's household in every running vote:
 * it is refused for a person already bound to an account (that would sign in as them) and for a
 * household that has voted in a running vote, and otherwise listed on those votes' logs in the
 * same transaction (rules.md §7).
 */
export async function createInvite(db: Db, input: CreateInviteInput, now = new Date(), keys?: Keyring) {
  if (!input.personId) return insertInvite(db, input, now);
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [person] = await t.select({ id: persons.id, estateId: persons.estateId, userId: persons.userId, ref: persons.ref }).from(persons).where(eq(persons.id, input.personId!)).for('update');
    if (!person) throw notFound('person');
    if (person.userId) {
      throw new AppError(
        'CONFLICT',
        `personRef: ${person.ref} is already bound to an account; an invite would sign in as them. The owner can sign in with their phone, or bind again with their property certificate`,
        [{ field: 'personRef', message: 'already bound to an account' }],
        '该业主已绑定账号，不能再为其签发邀请码；业主可用本人手机验证码登录',
      );
    }
    for (const vote of await runningVotes(t, person.estateId)) {
      const voted = await votedParties(t, vote.id, await partiesOfPerson(t, vote.id, person.id));
      if (voted.size) {
        throw new AppError('CONFLICT', `personRef: the household of ${person.ref} has already voted in a running vote; no new invite is issued for it until that vote closes`, [{ field: 'personRef', message: 'household has voted' }], '该户已在进行中的表决中投票，表决结束前不能为其签发新的邀请码');
      }
    }
    const out = await insertInvite(t, input, now);
    if (keys) await credentialsForInvite(t, keys, { id: out.id, estateId: person.estateId, personId: person.id, createdBy: input.createdBy ?? null, at: now }, now);
    return out;
  });
}

async function insertInvite(db: Db, input: CreateInviteInput, now: Date) {
  const code = newInviteCode();
  const expiresAt = new Date(now.getTime() + (input.validDays ?? 30) * DAY);
  const [row] = await db
    .insert(invites)
    .values({
      codeHash: sha256Hex(normalizeInviteCode(code)),
      estateId: input.estateId,
      role: input.role,
      personId: input.personId ?? null,
      partId: input.partId ?? null,
      userId: input.userId ?? null,
      label: input.label,
      createdBy: input.createdBy ?? null,
      expiresAt,
    })
    .returning({ id: invites.id });
  return { id: row!.id, code, expiresAt };
}

/**
 * Link printed on letters and shown as a QR code. The code is in the fragment, which browsers do
 * not send: it never reaches a request log (ours, a proxy's, a CDN's). The join page reads it.
 */
export function inviteUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/join#${encodeURIComponent(code)}`;
}

/**
 * Grants a role (idempotent). A clerk or auditor appointed, or an organizer added, while votes run
 * changes who may enter and audit them: with `keys`, that goes on their logs in the same transaction.
 */
export async function grant(db: Db, userId: string, estateId: string, role: EstateRole, opts: { grantedBy?: string | null; keys?: Keyring; now?: Date } = {}) {
  const added = await db.insert(roleGrants).values({ userId, estateId, role, grantedBy: opts.grantedBy ?? null }).onConflictDoNothing().returning({ id: roleGrants.id });
  if (added.length && opts.keys) {
    const now = opts.now ?? new Date();
    await credentialsForRoleChange(db, opts.keys, { estateId, userId, role, grantedBy: opts.grantedBy ?? null, removed: false, at: now }, now);
  }
}

/**
 * Binds a register person (业主) to an account: records how (`via`) and whose act it rests on,
 * grants the owner role, and gives the account credentials in the estate's running votes (see
 * credentialsForBinding). A person bound to another account moves only by the owner's own phone
 * code (`via: 'phone'`), never while their household has voted in a running vote. Run inside the
 * caller's transaction.
 */
export async function bindPerson(
  t: Db,
  keys: Keyring,
  input: { personId: string; userId: string; via: 'invite' | 'phone' | 'certificate'; inviteId?: string | null; issuerId?: string | null; now: Date },
): Promise<'bound' | 'already' | 'voted'> {
  const [person] = await t.select({ id: persons.id, estateId: persons.estateId, userId: persons.userId }).from(persons).where(eq(persons.id, input.personId)).for('update');
  if (!person) throw notFound('person');
  if (person.userId === input.userId) return 'already';
  if (person.userId) {
    if (input.via !== 'phone') throw new Error('only the owner’s own phone code re-binds a person');
    for (const vote of await runningVotes(t, person.estateId)) {
      if ((await votedParties(t, vote.id, await partiesOfPerson(t, vote.id, person.id))).size) return 'voted';
    }
    await t.update(personBindings).set({ revokedAt: input.now }).where(and(eq(personBindings.personId, person.id), isNull(personBindings.revokedAt)));
  }
  // Phone and certificate numbers are register facts: the binding rests on whoever imported them.
  const issuerId = input.issuerId !== undefined ? input.issuerId : await registerImporterOf(t, person.id);
  const [binding] = await t
    .insert(personBindings)
    .values({ personId: person.id, userId: input.userId, via: input.via, inviteId: input.inviteId ?? null, issuerId, createdAt: input.now })
    .returning({ id: personBindings.id });
  await t.update(persons).set({ userId: input.userId }).where(eq(persons.id, person.id));
  await grant(t, input.userId, person.estateId, 'owner', { grantedBy: issuerId });
  await credentialsForBinding(
    t,
    keys,
    { id: binding!.id, estateId: person.estateId, personId: person.id, userId: input.userId, via: input.via, inviteId: input.inviteId ?? null, issuerId, at: input.now, replacesUserId: person.userId },
    input.now,
  );
  return 'bound';
}

/** Who imported the register rows of a person's parts (the latest import that touched them). */
async function registerImporterOf(t: Db, personId: string): Promise<string | null> {
  const [row] = await t
    .select({ by: registerImports.importedBy })
    .from(ownerships)
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .innerJoin(registerImports, eq(registerImports.id, parts.importId))
    .where(eq(ownerships.personId, personId))
    .orderBy(desc(registerImports.createdAt))
    .limit(1);
  return row?.by ?? null;
}

/**
 * Redeems an invite code: marks it used (atomically, so a code works once even under races),
 * creates or finds the user, binds the register person if any, grants the role. One transaction.
 */
export async function redeemInvite(db: Db, keys: Keyring, rawCode: string, now = new Date()): Promise<{ userId: string }> {
  const codeHash = sha256Hex(normalizeInviteCode(rawCode));
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const [invite] = await tx
      .update(invites)
      .set({ usedAt: now })
      .where(and(eq(invites.codeHash, codeHash), isNull(invites.usedAt), gt(invites.expiresAt, now)))
      .returning();
    if (!invite) throw invalidCode();
    let userId = invite.userId;
    if (!userId && invite.personId) {
      const [person] = await tx.select().from(persons).where(eq(persons.id, invite.personId));
      // An owner invite never signs in as an account already bound to the person (it is refused
      // when created; a person bound since then makes the invite void).
      if (!person || person.userId) throw invalidCode();
      const [u] = await tx.insert(users).values({ displayName: person.name ?? invite.label, phoneHash: person.phoneHash }).returning({ id: users.id });
      userId = u!.id;
      await bindPerson(t, keys, { personId: person.id, userId, via: 'invite', inviteId: invite.id, issuerId: invite.createdBy, now });
    }
    if (!userId) {
      const [u] = await tx
        .insert(users)
        .values({ displayName: invite.label, isAdmin: invite.role === 'admin' })
        .returning({ id: users.id });
      userId = u!.id;
    }
    if (invite.partId) await tx.insert(residentParts).values({ userId, partId: invite.partId }).onConflictDoNothing();
    if (invite.role === 'admin') await tx.update(users).set({ isAdmin: true }).where(eq(users.id, userId));
    else if (invite.estateId) await grant(t, userId, invite.estateId, invite.role as EstateRole, { grantedBy: invite.createdBy, keys, now });
    await tx.update(invites).set({ usedBy: userId }).where(eq(invites.id, invite.id));
    return { userId };
  });
}

/** On first start (no admin and no pending admin invite) creates a one-time admin invite. */
export async function ensureAdminInvite(db: Db, now = new Date()): Promise<{ code: string; expiresAt: Date } | null> {
  const [admin] = await db.select({ id: users.id }).from(users).where(eq(users.isAdmin, true)).limit(1);
  if (admin) return null;
  const [pending] = await db
    .select({ id: invites.id })
    .from(invites)
    .where(and(eq(invites.role, 'admin'), isNull(invites.usedAt), gt(invites.expiresAt, now)))
    .limit(1);
  if (pending) {
    // The code itself is unrecoverable (only its hash is stored): replace the pending one.
    await db.delete(invites).where(eq(invites.id, pending.id));
  }
  const { code, expiresAt } = await createInvite(db, { estateId: null, role: 'admin', label: 'Platform admin 平台管理员', validDays: 7 }, now);
  return { code, expiresAt };
}

/**
 * Sends a one-time code to a phone number known to the register or to a user. Unknown numbers get
 * the same answer (no enumeration) but no message. Limited per number: one a minute, five an hour.
 */
export async function requestOtp(db: Db, keys: Keyring, sender: Sender, phone: string, now = new Date()): Promise<void> {
  const phoneHash = keys.hash('phone', phone);
  const recent = await db
    .select({ createdAt: otpChallenges.createdAt })
    .from(otpChallenges)
    .where(and(eq(otpChallenges.phoneHash, phoneHash), gt(otpChallenges.createdAt, new Date(now.getTime() - 3600_000))))
    .orderBy(desc(otpChallenges.createdAt));
  if (recent.length >= OTP_MAX_PER_HOUR || (recent[0] && now.getTime() - recent[0].createdAt.getTime() < OTP_MIN_INTERVAL_MS)) {
    throw new AppError('RATE_LIMITED', 'too many codes requested for this number; please wait and try again', undefined, '验证码请求过于频繁，请稍后再试');
  }
  const code = newOtpCode();
  await db.insert(otpChallenges).values({
    phoneHash,
    codeHash: sha256Hex(`${phoneHash}:${code}`),
    expiresAt: new Date(now.getTime() + OTP_TTL_MS),
    createdAt: now,
  });
  const known =
    (await db.select({ id: persons.id }).from(persons).where(eq(persons.phoneHash, phoneHash)).limit(1)).length > 0 ||
    (await db.select({ id: users.id }).from(users).where(eq(users.phoneHash, phoneHash)).limit(1)).length > 0;
  if (known) await sender.send({ to: phone, purpose: 'otp', text: `【邻里】验证码 ${code}，5分钟内有效。Your linli code: ${code}` });
}

/**
 * Checks a one-time code; on success finds or creates the user of that number, binds every
 * register person with the number and grants them the owner role in those estates.
 */
export async function verifyOtp(db: Db, keys: Keyring, phone: string, code: string, now = new Date()): Promise<{ userId: string }> {
  const phoneHash = keys.hash('phone', phone);
  const wrong = () => new AppError('INVALID_CODE', 'the code is wrong or has expired', undefined, '验证码错误或已过期');
  return db.transaction(async (tx) => {
    const [challenge] = await tx
      .select()
      .from(otpChallenges)
      .where(and(eq(otpChallenges.phoneHash, phoneHash), isNull(otpChallenges.consumedAt), gt(otpChallenges.expiresAt, now)))
      .orderBy(desc(otpChallenges.createdAt))
      .limit(1)
      .for('update');
    if (!challenge) throw wrong();
    if (challenge.attempts >= OTP_MAX_ATTEMPTS) {
      throw new AppError('RATE_LIMITED', 'too many wrong codes; request a new one', undefined, '错误次数过多，请重新获取验证码');
    }
    if (challenge.codeHash !== sha256Hex(`${phoneHash}:${code}`)) {
      await tx.update(otpChallenges).set({ attempts: sql`${otpChallenges.attempts} + 1` }).where(eq(otpChallenges.id, challenge.id));
      return { failed: true as const };
    }
    await tx.update(otpChallenges).set({ consumedAt: now }).where(eq(otpChallenges.id, challenge.id));
    const people = await tx.select().from(persons).where(eq(persons.phoneHash, phoneHash));
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.phoneHash, phoneHash)).limit(1);
    let userId = existing?.id ?? people.find((p) => p.userId)?.userId ?? null;
    if (!userId) {
      if (people.length === 0) throw wrong();
      const [u] = await tx.insert(users).values({ displayName: people[0]!.name ?? `业主 ${people[0]!.ref}`, phoneHash }).returning({ id: users.id });
      userId = u!.id;
    }
    // The owner's own phone code binds every register person with this number to this account —
    // also one bound to another account (a re-binding, revoking that account's credentials),
    // except while their household has voted in a running vote.
    for (const p of people) await bindPerson(tx as unknown as Db, keys, { personId: p.id, userId, via: 'phone', now });
    return { failed: false as const, userId };
  }).then((r) => {
    // The attempt counter must survive a wrong code, so the rejection is thrown after commit.
    if (r.failed) throw wrong();
    return { userId: r.userId };
  });
}

/** The signed-in user's profile and roles. */
export async function profile(db: Db, userId: string) {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  if (!user) throw notFound('user');
  const roles = await db
    .select({ estateId: roleGrants.estateId, role: roleGrants.role, estateName: estates.name })
    .from(roleGrants)
    .innerJoin(estates, eq(estates.id, roleGrants.estateId))
    .where(eq(roleGrants.userId, userId));
  return { user: { id: user.id, displayName: user.displayName, isAdmin: user.isAdmin }, roles };
}

/**
 * The votes an account signed in by a ballot letter (or a proxy holder's code) may vote in: such
 * an account has no role and no home, only its letters. Revoked letters are left out.
 */
export async function myLetters(db: Db, userId: string) {
  const rows = await db
    .select({
      estateId: votes.estateId,
      estateName: estates.name,
      voteId: votes.id,
      voteTitle: votes.title,
      party: ballotLetters.party,
      kind: ballotLetters.kind,
      opensAt: votes.opensAt,
      closesAt: votes.closesAt,
    })
    .from(ballotLetters)
    .innerJoin(votes, eq(votes.id, ballotLetters.voteId))
    .innerJoin(estates, eq(estates.id, votes.estateId))
    .where(and(eq(ballotLetters.userId, userId), isNull(ballotLetters.revokedAt)))
    .orderBy(desc(votes.closesAt));
  return rows.map((r) => ({ ...r, opensAt: r.opensAt.toISOString(), closesAt: r.closesAt.toISOString() }));
}

const bindRefused = () =>
  new AppError('FORBIDDEN', 'the register does not match what you entered', undefined, '您填写的信息与业主名册不一致，请核对房号、不动产权证号和姓名');

/**
 * Binds a signed-in person to a register owner by facts only a real owner holds: the part's
 * property certificate number (compared by keyed hash) and, for co-owned parts, their registered
 * name. Grants the owner role in that estate. The same vague answer for every mismatch.
 */
export async function bindByCertificate(
  db: Db,
  keys: Keyring,
  userId: string,
  input: { estateId: string; partId: string; certificate: string; name?: string },
): Promise<{ personRef: string }> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ certificateHash: parts.certificateHash, personId: persons.id, ref: persons.ref, name: persons.name, boundTo: persons.userId })
      .from(parts)
      .innerJoin(ownerships, eq(ownerships.partId, parts.id))
      .innerJoin(persons, eq(persons.id, ownerships.personId))
      .where(and(eq(parts.estateId, input.estateId), eq(parts.code, input.partId)));
    // Every refusal does the same work and gives the same answer — no such house, a wrong number,
    // another house's number, a wrong name, or the right number of a person bound to someone else —
    // so a guess learns nothing, not even from the time it takes. The certificate number passed
    // through the register import, so it never moves a binding; the owner's own phone code does.
    const given = Buffer.from(keys.hash('certificate', input.certificate.replace(/\s+/g, '')), 'hex');
    const stored = Buffer.from(rows[0]?.certificateHash ?? '00'.repeat(32), 'hex');
    const numberOk = stored.length === given.length && timingSafeEqual(stored, given) && !!rows[0]?.certificateHash;
    const name = input.name?.trim();
    const candidates = rows.length === 1 && !name ? rows : rows.filter((r) => name && r.name === name);
    const person = candidates.length === 1 ? candidates[0]! : null;
    const free = !!person && (!person.boundTo || person.boundTo === userId);
    if (!numberOk || !person || !free) throw bindRefused();
    await bindPerson(tx as unknown as Db, keys, { personId: person.personId, userId, via: 'certificate', now: new Date() });
    return { personRef: person.ref };
  });
}
