import { and, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import { notifications, persons, roleGrants } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { Keyring } from '../../keys.ts';
import type { Logger } from '../../logger.ts';
import type { Sender } from '../../sender.ts';

export interface Notice {
  estateId: string;
  kind: 'proposal_published' | 'consultation_opened' | 'answer' | 'vote_noticed';
  title: string;
  body?: string;
  link: string;
}

/**
 * Puts a notice in each user's inbox and sends it as a text message to the phone numbers the
 * register holds for them (sealed; opened only here). Sending is best effort after the inbox rows
 * are written: a failed message never loses the notice.
 */
export async function notify(deps: { db: Db; keys: Keyring; sender: Sender; logger: Logger }, userIds: string[], notice: Notice): Promise<number> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return 0;
  const { db } = deps;
  for (let i = 0; i < ids.length; i += 500) {
    await db.insert(notifications).values(ids.slice(i, i + 500).map((userId) => ({ userId, estateId: notice.estateId, kind: notice.kind, title: notice.title, body: notice.body ?? '', link: notice.link })));
  }
  const phones = await db
    .select({ userId: persons.userId, phoneEnc: persons.phoneEnc })
    .from(persons)
    .where(and(inArray(persons.userId, ids), eq(persons.estateId, notice.estateId), isNotNull(persons.phoneEnc)));
  const sent = new Set<string>();
  for (const p of phones) {
    const phone = p.phoneEnc ? deps.keys.open(p.phoneEnc) : null;
    if (!phone || sent.has(phone)) continue;
    sent.add(phone);
    await deps.sender.send({ to: phone, purpose: 'notice', text: `【邻里】${notice.title}` }).catch((err: Error) => deps.logger.warn({ err: { message: err.message } }, 'notice not sent'));
  }
  return ids.length;
}

/** Everyone with a role in the estate (for publications). */
export async function estateAudience(db: Db, estateId: string): Promise<string[]> {
  return (await db.selectDistinct({ id: roleGrants.userId }).from(roleGrants).where(eq(roleGrants.estateId, estateId))).map((r) => r.id);
}

export async function inbox(db: Db, userId: string) {
  return db.select().from(notifications).where(eq(notifications.userId, userId)).orderBy(desc(notifications.createdAt)).limit(200);
}

export async function markRead(db: Db, userId: string, id: string, now: Date) {
  const rows = await db.update(notifications).set({ readAt: now }).where(and(eq(notifications.id, id), eq(notifications.userId, userId), isNull(notifications.readAt))).returning({ id: notifications.id });
  return rows.length > 0;
}
