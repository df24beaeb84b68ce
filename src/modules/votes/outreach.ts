import { and, eq, gt, inArray, isNotNull } from 'drizzle-orm';
import { ballots, outreachAssignments, ownerships, parts, persons, reminderOptOuts, remindersSent, roleGrants, serviceRecords, users } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { AppError, forbidden } from '../../errors.ts';
import type { Keyring } from '../../keys.ts';
import type { Logger } from '../../logger.ts';
import type { Sender } from '../../sender.ts';
import type { EstateRole } from '../auth/roles.ts';
import { beijingDate, voteRow } from './service.ts';
import { loadSnapshot } from './snapshot.ts';

const DAY = 86_400_000;
/** Who can be given households to reach (包户). */
const ASSIGNABLE: EstateRole[] = ['volunteer', 'clerk', 'organizer'];

const invalid = (field: string, message: string, messageZh: string) => new AppError('VALIDATION_FAILED', `${field}: ${message}`, [{ field, message }], messageZh);

async function notVoted(db: Db, voteId: string) {
  const snap = await loadSnapshot(db, voteId);
  if (!snap) return [];
  const voted = new Set(
    (await db.selectDistinct({ party: ballots.party }).from(ballots).where(and(eq(ballots.voteId, voteId), eq(ballots.status, 'accepted')))).map((r) => r.party),
  );
  return snap.roster.filter((p) => !voted.has(p.id) && !p.developer);
}

/**
 * Parties that have not voted yet, by building, with their service state and who is reaching
 * them. A volunteer sees only the households assigned to them. House numbers only, never names.
 */
export async function outreachList(db: Db, estateId: string, voteId: string, viewer: { userId: string; staff: boolean }) {
  const vote = await voteRow(db, estateId, voteId);
  const open = await notVoted(db, vote.id);
  const [assigned, served, staff] = await Promise.all([
    db.select().from(outreachAssignments).where(eq(outreachAssignments.voteId, vote.id)),
    db.selectDistinct({ party: serviceRecords.party }).from(serviceRecords).where(eq(serviceRecords.voteId, vote.id)),
    db
      .selectDistinct({ id: users.id, label: users.displayName })
      .from(roleGrants)
      .innerJoin(users, eq(users.id, roleGrants.userId))
      .where(and(eq(roleGrants.estateId, estateId), inArray(roleGrants.role, ASSIGNABLE))),
  ]);
  const byParty = new Map(assigned.map((a) => [a.party, a]));
  const labels = new Map(staff.map((s) => [s.id, s.label]));
  const servedSet = new Set(served.map((s) => s.party));
  const visible = viewer.staff ? open : open.filter((p) => byParty.get(p.id)?.assigneeId === viewer.userId);
  const groups = new Map<string, unknown[]>();
  for (const p of visible) {
    const a = byParty.get(p.id);
    const row = {
      party: p.id,
      partIds: p.parts.map((x) => x.partId),
      areaCents: p.areaCents,
      served: servedSet.has(p.id),
      assignee: a ? { id: a.assigneeId, label: labels.get(a.assigneeId) ?? '' } : null,
      contactedAt: a?.contactedAt?.toISOString() ?? null,
      note: a?.note ?? '',
    };
    for (const b of new Set(p.parts.map((x) => x.building))) groups.set(b, [...(groups.get(b) ?? []), row]);
  }
  const collator = new Intl.Collator('zh', { numeric: true });
  return {
    vote: { id: vote.id, title: vote.title, closesAt: vote.closesAt.toISOString() },
    buildings: [...groups.entries()].sort(([a], [b]) => collator.compare(a, b)).map(([building, list]) => ({ building, parties: list })),
    assignees: viewer.staff ? staff.map((s) => ({ id: s.id, label: s.label })) : [],
  };
}

/** Assigns not-yet-voted parties (listed, or a whole building) to a volunteer, clerk or organizer. */
export async function assignOutreach(db: Db, estateId: string, voteId: string, by: string, input: { assigneeId: string; parties?: string[]; building?: string }, now: Date) {
  const vote = await voteRow(db, estateId, voteId);
  const [who] = await db
    .select({ id: roleGrants.userId })
    .from(roleGrants)
    .where(and(eq(roleGrants.estateId, estateId), eq(roleGrants.userId, input.assigneeId), inArray(roleGrants.role, ASSIGNABLE)))
    .limit(1);
  if (!who) throw invalid('assigneeId', 'not a volunteer, clerk or organizer of this estate', '该人员不是本小区的楼长、志愿者或工作人员');
  const open = await notVoted(db, vote.id);
  let chosen = open;
  if (input.parties?.length) {
    const ids = new Set(input.parties);
    const unknown = input.parties.filter((id) => !open.some((p) => p.id === id));
    if (unknown.length) throw invalid('parties', `not households that have yet to vote: ${unknown.slice(0, 10).join(', ')}`, '所选住户不在未投票名单中');
    chosen = open.filter((p) => ids.has(p.id));
  } else if (input.building) {
    chosen = open.filter((p) => p.parts.some((x) => x.building === input.building));
    if (!chosen.length) throw invalid('building', `no household of building ${input.building} has yet to vote`, '该楼栋没有未投票的住户');
  } else throw invalid('parties', 'name the households or a building', '请选择住户或楼栋');
  for (let i = 0; i < chosen.length; i += 500) {
    await db
      .insert(outreachAssignments)
      .values(chosen.slice(i, i + 500).map((p) => ({ voteId: vote.id, party: p.id, assigneeId: input.assigneeId, assignedBy: by, createdAt: now })))
      .onConflictDoUpdate({ target: [outreachAssignments.voteId, outreachAssignments.party], set: { assigneeId: input.assigneeId, assignedBy: by } });
  }
  return { assigned: chosen.length };
}

/** The assignee (or staff) notes a household as contacted. */
export async function markContacted(db: Db, estateId: string, voteId: string, party: string, viewer: { userId: string; staff: boolean }, note: string, now: Date) {
  const vote = await voteRow(db, estateId, voteId);
  const [a] = await db.select().from(outreachAssignments).where(and(eq(outreachAssignments.voteId, vote.id), eq(outreachAssignments.party, party)));
  if (!a) throw new AppError('NOT_FOUND', 'this household is not on the outreach list', undefined, '该住户不在包户名单中');
  if (!viewer.staff && a.assigneeId !== viewer.userId) throw forbidden('this household is assigned to someone else');
  await db.update(outreachAssignments).set({ contactedAt: now, note }).where(and(eq(outreachAssignments.voteId, vote.id), eq(outreachAssignments.party, party)));
  return { party, contactedAt: now.toISOString(), note };
}

/** The opt-out token in a reminder: the number's keyed hash and a check on it (no login needed). */
export function optOutToken(keys: Keyring, phoneHash: string): string {
  return `${Buffer.from(phoneHash, 'hex').toString('base64url')}.${keys.hash('opt-out', phoneHash).slice(0, 20)}`;
}

export async function optOut(db: Db, keys: Keyring, token: string, now: Date) {
  const [head, check] = token.split('.');
  const phoneHash = head ? Buffer.from(head, 'base64url').toString('hex') : '';
  if (phoneHash.length !== 64 || !check || keys.hash('opt-out', phoneHash).slice(0, 20) !== check) {
    throw invalid('token', 'this link is not valid', '链接无效');
  }
  await db.insert(reminderOptOuts).values({ phoneHash, createdAt: now }).onConflictDoNothing();
  return { optedOut: true as const };
}

/**
 * Sends a reminder to the phones the register holds for not-yet-voted parties (optionally of one
 * building): at most one a day per party, never to numbers that opted out. Counts only are
 * returned and logged; numbers never leave the sender.
 */
export async function sendReminders(
  deps: { db: Db; keys: Keyring; sender: Sender; logger: Logger; publicUrl: string },
  estateId: string,
  voteId: string,
  input: { building?: string },
  now: Date,
) {
  const { db, keys } = deps;
  const vote = await voteRow(db, estateId, voteId);
  if (vote.status !== 'noticed' || now >= vote.closesAt) throw new AppError('CONFLICT', 'reminders are sent while the vote is open', undefined, '只能在投票期间发送提醒');
  if (now < vote.opensAt) throw new AppError('CONFLICT', 'voting has not started yet', undefined, '投票尚未开始');
  let open = await notVoted(db, vote.id);
  if (input.building) open = open.filter((p) => p.parts.some((x) => x.building === input.building));
  const recent = new Set(
    (await db.selectDistinct({ party: remindersSent.party }).from(remindersSent).where(and(eq(remindersSent.voteId, vote.id), gt(remindersSent.createdAt, new Date(now.getTime() - DAY))))).map((r) => r.party),
  );
  const due = open.filter((p) => !recent.has(p.id));
  const codes = [...new Set(due.flatMap((p) => p.parts.map((x) => x.partId)))];
  const phones = codes.length
    ? await db
        .select({ code: parts.code, phoneHash: persons.phoneHash, phoneEnc: persons.phoneEnc })
        .from(parts)
        .innerJoin(ownerships, eq(ownerships.partId, parts.id))
        .innerJoin(persons, eq(persons.id, ownerships.personId))
        .where(and(eq(parts.estateId, estateId), inArray(parts.code, codes), isNotNull(persons.phoneEnc)))
    : [];
  const optedOutSet = new Set((await db.select({ h: reminderOptOuts.phoneHash }).from(reminderOptOuts)).map((r) => r.h));
  const result = { parties: open.length, sent: 0, optedOut: 0, noPhone: 0, skippedRecent: open.length - due.length };
  const base = deps.publicUrl.replace(/\/$/, '');
  for (const p of due) {
    const mine = new Set(p.parts.map((x) => x.partId));
    const numbers = phones.filter((r) => mine.has(r.code) && r.phoneEnc && r.phoneHash);
    if (!numbers.length) {
      result.noPhone++;
      continue;
    }
    const reachable = numbers.filter((r) => !optedOutSet.has(r.phoneHash!));
    if (!reachable.length) {
      result.optedOut++;
      continue;
    }
    const sentTo = new Set<string>();
    for (const r of reachable) {
      const phone = keys.open(r.phoneEnc!);
      if (!phone || sentTo.has(phone)) continue;
      sentTo.add(phone);
      const text = `【邻里】您家（${p.parts[0]!.partId}）尚未参加「${vote.title}」表决，${beijingDate(vote.closesAt)} 截止。请凭表决票上的号码或登录投票：${base}/estates/${estateId}/votes/${vote.id} 不再提醒：${base}/optout/${optOutToken(keys, r.phoneHash!)}`;
      await deps.sender.send({ to: phone, purpose: 'reminder', text }).catch((err: Error) => deps.logger.warn({ err: { message: err.message } }, 'reminder not sent'));
    }
    if (sentTo.size) {
      result.sent++;
      await db.insert(remindersSent).values({ voteId: vote.id, party: p.id, createdAt: now });
    }
  }
  deps.logger.info({ voteId: vote.id, ...result }, 'reminders sent');
  return result;
}
