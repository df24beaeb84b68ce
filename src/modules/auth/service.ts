import { and, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import { estates, invites, otpChallenges, ownerships, parts, persons, residentParts, roleGrants, users } from '../../../db/schema/index.ts';
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

/** Creates a single-use invite; only the code's hash is stored, the code is returned once. */
export async function createInvite(db: Db, input: CreateInviteInput, now = new Date()) {
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

/** Link printed on letters and shown as a QR code. */
export function inviteUrl(publicUrl: string, code: string): string {
  return `${publicUrl}/join?code=${encodeURIComponent(code)}`;
}

async function grant(db: Db, userId: string, estateId: string, role: EstateRole) {
  await db.insert(roleGrants).values({ userId, estateId, role }).onConflictDoNothing();
}

/**
 * Redeems an invite code: marks it used (atomically, so a code works once even under races),
 * creates or finds the user, binds the register person if any, grants the role. One transaction.
 */
export async function redeemInvite(db: Db, rawCode: string, now = new Date()): Promise<{ userId: string }> {
  const codeHash = sha256Hex(normalizeInviteCode(rawCode));
  return db.transaction(async (tx) => {
    const [invite] = await tx
      .update(invites)
      .set({ usedAt: now })
      .where(and(eq(invites.codeHash, codeHash), isNull(invites.usedAt), gt(invites.expiresAt, now)))
      .returning();
    if (!invite) throw invalidCode();
    let userId = invite.userId;
    if (!userId && invite.personId) {
      const [person] = await tx.select().from(persons).where(eq(persons.id, invite.personId));
      if (!person) throw invalidCode();
      userId = person.userId;
      if (!userId) {
        const [u] = await tx
          .insert(users)
          .values({ displayName: person.name ?? invite.label, phoneHash: person.phoneHash })
          .returning({ id: users.id });
        userId = u!.id;
        await tx.update(persons).set({ userId }).where(eq(persons.id, person.id));
      }
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
    else if (invite.estateId) await grant(tx as unknown as Db, userId, invite.estateId, invite.role as EstateRole);
    await tx.update(invites).set({ usedBy: userId }).where(eq(invites.id, invite.id));
    return { userId };
  });
}

/** On first start (no admin and no pending admin invite) creates a one-time admin invite. */
export async function ensureAdminInvite(db: Db, now = new Date()): Promise<{ code: string } | null> {
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
  const { code } = await createInvite(db, { estateId: null, role: 'admin', label: 'Platform admin 平台管理员', validDays: 7 }, now);
  return { code };
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
    const unbound = people.filter((p) => !p.userId).map((p) => p.id);
    if (unbound.length) await tx.update(persons).set({ userId }).where(inArray(persons.id, unbound));
    for (const estateId of new Set(people.map((p) => p.estateId))) await grant(tx as unknown as Db, userId, estateId, 'owner');
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
    const certificate = input.certificate.replace(/\s+/g, '');
    if (!rows.length || !rows[0]!.certificateHash || rows[0]!.certificateHash !== keys.hash('certificate', certificate)) throw bindRefused();
    const name = input.name?.trim();
    const candidates = rows.length === 1 && !name ? rows : rows.filter((r) => name && r.name === name);
    const person = candidates[0];
    if (!person || candidates.length !== 1) throw bindRefused();
    if (person.boundTo && person.boundTo !== userId) {
      throw new AppError('CONFLICT', 'this owner is already bound to another account; ask the organizer', undefined, '该业主已绑定其他账号，请联系业委会核实');
    }
    await tx.update(persons).set({ userId }).where(eq(persons.id, person.personId));
    await grant(tx as unknown as Db, userId, input.estateId, 'owner');
    return { personRef: person.ref };
  });
}
