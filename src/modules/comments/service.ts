import { and, asc, eq, inArray } from 'drizzle-orm';
import { commentReports, comments, consultations, proposalVersions, proposals, users } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { AppError, notFound } from '../../errors.ts';

export type TargetType = 'proposal' | 'consultation';
export const DEFAULT_AUTO_HIDE_REPORTS = 3;
const DAY = 86_400_000;

/** The thing being commented on must exist in the estate (and not be a draft for non-staff). */
export async function assertTarget(db: Db, estateId: string, type: TargetType, id: string) {
  const table = type === 'proposal' ? proposals : consultations;
  const [row] = await db.select({ id: table.id, status: table.status }).from(table).where(and(eq(table.id, id), eq(table.estateId, estateId)));
  if (!row) throw notFound(type);
  return row;
}

/** Adds an opinion or a reply. Residents' and owners' opinions await an answer by default. */
export async function addComment(
  db: Db,
  input: { estateId: string; type: TargetType; targetId: string; authorId: string; body: string; parentId?: string | null; official: boolean; needsReply: boolean; now: Date },
) {
  if (input.parentId) {
    const [parent] = await db.select().from(comments).where(and(eq(comments.id, input.parentId), eq(comments.targetId, input.targetId)));
    if (!parent) throw new AppError('VALIDATION_FAILED', 'parentId: no such opinion here', [{ field: 'parentId', message: 'not found' }], '回复的意见不存在');
  }
  const [row] = await db
    .insert(comments)
    .values({ estateId: input.estateId, targetType: input.type, targetId: input.targetId, parentId: input.parentId ?? null, authorId: input.authorId, body: input.body, official: input.official, needsReply: input.needsReply, createdAt: input.now })
    .returning();
  return row!;
}

/**
 * The organizer's answer to an opinion: a pinned official reply, and the opinion's status
 * (answered / adopted / not adopted — the last with a reason).
 */
export async function answerOpinion(db: Db, estateId: string, commentId: string, authorId: string, input: { status: 'answered' | 'adopted' | 'not_adopted'; reason?: string; answer: string }, now: Date) {
  if (input.status === 'not_adopted' && !input.reason?.trim()) {
    throw new AppError('VALIDATION_FAILED', 'reason: say why the opinion is not adopted', [{ field: 'reason', message: 'required when not adopted' }], '不采纳时请说明理由');
  }
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(comments).where(and(eq(comments.id, commentId), eq(comments.estateId, estateId))).for('update');
    if (!c) throw notFound('opinion');
    const [reply] = await tx
      .insert(comments)
      .values({ estateId, targetType: c.targetType, targetId: c.targetId, parentId: c.id, authorId, body: input.answer, official: true, needsReply: false, createdAt: now })
      .returning();
    await tx.update(comments).set({ status: input.status, statusReason: input.reason ?? null, answeredAt: now }).where(eq(comments.id, c.id));
    return { opinion: c, reply: reply! };
  });
}

/** A report; after N distinct reports the comment is hidden pending the organizer's review. */
export async function reportComment(db: Db, estateId: string, commentId: string, userId: string, reason: string, autoHideAfter: number) {
  return db.transaction(async (tx) => {
    const [c] = await tx.select().from(comments).where(and(eq(comments.id, commentId), eq(comments.estateId, estateId))).for('update');
    if (!c) throw notFound('comment');
    const inserted = await tx.insert(commentReports).values({ commentId, userId, reason }).onConflictDoNothing().returning({ c: commentReports.commentId });
    if (!inserted.length) return { reports: c.reports, hidden: c.hidden };
    const reports = c.reports + 1;
    const hide = !c.hidden && !c.official && reports >= autoHideAfter;
    await tx.update(comments).set({ reports, ...(hide ? { hidden: true, hiddenReason: 'reports' } : {}) }).where(eq(comments.id, commentId));
    return { reports, hidden: c.hidden || hide };
  });
}

export async function moderate(db: Db, estateId: string, commentId: string, action: 'hide' | 'restore', reason: string) {
  const rows = await db
    .update(comments)
    .set(action === 'hide' ? { hidden: true, hiddenReason: reason || 'moderator' } : { hidden: false, hiddenReason: null })
    .where(and(eq(comments.id, commentId), eq(comments.estateId, estateId)))
    .returning({ id: comments.id });
  if (!rows.length) throw notFound('comment');
}

/** Threads of a target: official answers pinned first; hidden text shown only to staff. */
export async function threadOf(db: Db, type: TargetType, targetId: string, viewer: { userId: string; staff: boolean }) {
  const rows = await db
    .select({ c: comments, author: users.displayName })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(eq(comments.targetType, type), eq(comments.targetId, targetId)))
    .orderBy(asc(comments.createdAt));
  const shape = (r: (typeof rows)[number]) => ({
    id: r.c.id,
    parentId: r.c.parentId,
    author: r.c.official ? '业委会 / Organizer' : r.author,
    mine: r.c.authorId === viewer.userId,
    body: r.c.hidden && !viewer.staff && r.c.authorId !== viewer.userId ? null : r.c.body,
    hidden: r.c.hidden,
    hiddenReason: r.c.hidden ? r.c.hiddenReason : null,
    official: r.c.official,
    needsReply: r.c.needsReply,
    status: r.c.status,
    statusReason: r.c.statusReason,
    reports: viewer.staff ? r.c.reports : undefined,
    at: r.c.createdAt.toISOString(),
  });
  const all = rows.map(shape);
  const top = all.filter((x) => !x.parentId);
  const pinned = [...top.filter((x) => x.official), ...top.filter((x) => !x.official)];
  return pinned.map((t) => ({ ...t, replies: all.filter((x) => x.parentId === t.id).sort((a, b) => Number(b.official) - Number(a.official)) }));
}

/** The 事事有反馈 dashboard: every opinion awaiting an answer with its age, oldest first. */
export async function openOpinions(db: Db, estateId: string, now: Date) {
  const rows = await db
    .select({ c: comments, author: users.displayName })
    .from(comments)
    .innerJoin(users, eq(users.id, comments.authorId))
    .where(and(eq(comments.estateId, estateId), eq(comments.needsReply, true)))
    .orderBy(asc(comments.createdAt));
  const titles = new Map<string, string>();
  const proposalIds = [...new Set(rows.filter((r) => r.c.targetType === 'proposal').map((r) => r.c.targetId))];
  if (proposalIds.length) {
    const vs = await db.select({ id: proposalVersions.proposalId, title: proposalVersions.title, v: proposalVersions.version }).from(proposalVersions).where(inArray(proposalVersions.proposalId, proposalIds)).orderBy(asc(proposalVersions.version));
    for (const v of vs) titles.set(v.id, v.title);
  }
  const consultationIds = [...new Set(rows.filter((r) => r.c.targetType === 'consultation').map((r) => r.c.targetId))];
  if (consultationIds.length) {
    for (const c of await db.select({ id: consultations.id, title: consultations.title }).from(consultations).where(inArray(consultations.id, consultationIds))) titles.set(c.id, c.title);
  }
  const counts = { received: 0, answered: 0, adopted: 0, not_adopted: 0 } as Record<string, number>;
  for (const r of rows) counts[r.c.status] = (counts[r.c.status] ?? 0) + 1;
  return {
    counts,
    open: rows
      .filter((r) => r.c.status === 'received')
      .map((r) => ({
        id: r.c.id,
        targetType: r.c.targetType,
        targetId: r.c.targetId,
        targetTitle: titles.get(r.c.targetId) ?? '',
        author: r.author,
        body: r.c.body,
        hidden: r.c.hidden,
        ageDays: Math.floor((now.getTime() - r.c.createdAt.getTime()) / DAY),
        at: r.c.createdAt.toISOString(),
      })),
  };
}

