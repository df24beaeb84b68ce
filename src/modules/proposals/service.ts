import { and, asc, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { attachments, comments, proposalSupports, proposalVersions, proposals } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { diffVersions, type ProposalVersionView } from '../../domain/proposals/diff.ts';
import { AppError, notFound } from '../../errors.ts';
import { createVote } from '../votes/service.ts';
import { assertAttachments } from './attachments.ts';

type Content = { title: string; body: string; options: { key: string; name: string; colorHex?: string | null; colorCode?: string | null; description?: string | null; attachmentId?: string | null }[]; attachmentIds: string[] };

const conflict = (message: string, messageZh: string) => new AppError('CONFLICT', message, undefined, messageZh);

async function checkContent(db: Db, estateId: string, c: Content) {
  await assertAttachments(db, estateId, [...c.attachmentIds, ...c.options.map((o) => o.attachmentId).filter((x): x is string => !!x)]);
}

function normalizeOptions(c: Content) {
  return c.options.map((o) => ({ key: o.key, name: o.name, colorHex: o.colorHex?.toUpperCase() ?? null, colorCode: o.colorCode ?? null, description: o.description ?? null, attachmentId: o.attachmentId ?? null }));
}

/** Creates a draft proposal (备选方案) with its first version. */
export async function createProposal(db: Db, estateId: string, userId: string, input: Content & { supportThreshold: number }) {
  await checkContent(db, estateId, input);
  return db.transaction(async (tx) => {
    const [p] = await tx.insert(proposals).values({ estateId, supportThreshold: input.supportThreshold, createdBy: userId }).returning();
    await tx.insert(proposalVersions).values({ proposalId: p!.id, version: 1, title: input.title, body: input.body, options: normalizeOptions(input), attachmentIds: input.attachmentIds, createdBy: userId });
    return p!;
  });
}

async function proposalRow(db: Db, estateId: string, id: string) {
  const [p] = await db.select().from(proposals).where(and(eq(proposals.id, id), eq(proposals.estateId, estateId)));
  if (!p) throw notFound('proposal');
  return p;
}

/** A new version; every earlier version stays, so residents can see what changed. */
export async function addVersion(db: Db, estateId: string, id: string, userId: string, input: Content & { note: string }) {
  await checkContent(db, estateId, input);
  return db.transaction(async (tx) => {
    const [p] = await tx.select().from(proposals).where(and(eq(proposals.id, id), eq(proposals.estateId, estateId))).for('update');
    if (!p) throw notFound('proposal');
    if (p.status === 'closed' || p.status === 'converted') throw conflict('a closed proposal cannot change', '方案已结束，不能再修改');
    const [{ n }] = (await tx.select({ n: sql<number>`coalesce(max(${proposalVersions.version}), 0)::int` }).from(proposalVersions).where(eq(proposalVersions.proposalId, id))) as [{ n: number }];
    await tx.insert(proposalVersions).values({ proposalId: id, version: Number(n) + 1, title: input.title, body: input.body, options: normalizeOptions(input), attachmentIds: input.attachmentIds, note: input.note, createdBy: userId });
    return Number(n) + 1;
  });
}

export async function versionsOf(db: Db, id: string) {
  return db.select().from(proposalVersions).where(eq(proposalVersions.proposalId, id)).orderBy(asc(proposalVersions.version));
}

const view = (v: { title: string; body: string; options: unknown }): ProposalVersionView => ({ title: v.title, body: v.body, options: v.options as ProposalVersionView['options'] });

export async function versionDiff(db: Db, estateId: string, id: string, from: number, to: number, includeDrafts = true) {
  const p = await proposalRow(db, estateId, id);
  // Drafts are for staff only, like the proposal itself: their versions are not shown to others.
  if (p.status === 'draft' && !includeDrafts) throw notFound('proposal');
  const all = await versionsOf(db, id);
  const a = all.find((v) => v.version === from);
  const b = all.find((v) => v.version === to);
  if (!a || !b) throw new AppError('VALIDATION_FAILED', 'from/to: no such version', [{ field: !a ? 'from' : 'to', message: 'no such version' }], '没有这个版本');
  return { from, to, diff: diffVersions(view(a), view(b)) };
}

/** Publishes for the 公示 period. */
export async function publishProposal(db: Db, estateId: string, id: string, publicStart: Date, publicEnd: Date) {
  if (!(publicEnd > publicStart)) throw new AppError('VALIDATION_FAILED', 'publicEnd: must be after publicStart', [{ field: 'publicEnd', message: 'must be after the start' }], '公示结束时间必须晚于开始时间');
  const p = await proposalRow(db, estateId, id);
  if (p.status !== 'draft') throw conflict('only a draft can be published', '只有草稿可以发布');
  await db.update(proposals).set({ status: 'published', publicStart, publicEnd }).where(eq(proposals.id, id));
}

export async function closeProposal(db: Db, estateId: string, id: string) {
  const p = await proposalRow(db, estateId, id);
  if (p.status !== 'published') throw conflict('only a published proposal can be closed', '只有公示中的方案可以结束');
  await db.update(proposals).set({ status: 'closed' }).where(eq(proposals.id, id));
}

/** 联名 support; residents and owners alike, once each, only while published. */
export async function support(db: Db, estateId: string, id: string, userId: string, on: boolean) {
  const p = await proposalRow(db, estateId, id);
  if (p.status !== 'published') throw conflict('supports are collected while the proposal is published', '方案公示期间才能联名支持');
  if (on) await db.insert(proposalSupports).values({ proposalId: id, userId }).onConflictDoNothing();
  else await db.delete(proposalSupports).where(and(eq(proposalSupports.proposalId, id), eq(proposalSupports.userId, userId)));
}

/**
 * Turns the proposal into a matter of a new draft vote, pre-filled with its options (an option
 * matter when it has two or more, else yes/no); the organizer chooses the legal category.
 */
export async function convertToVote(db: Db, estateId: string, id: string, userId: string, input: { category: string; title?: string; opensAt: string; closesAt: string }) {
  const p = await proposalRow(db, estateId, id);
  if (p.status === 'draft' || p.status === 'converted') throw conflict('publish the proposal first; a converted one cannot be converted again', '方案须先公示，且只能转为一次表决');
  const current = (await versionsOf(db, id)).at(-1)!;
  const options = current.options as { key: string; name: string; colorHex: string | null; colorCode: string | null }[];
  const vote = await createVote(db, estateId, userId, {
    title: input.title ?? current.title,
    description: current.body,
    opensAt: input.opensAt,
    closesAt: input.closesAt,
    matters: [
      {
        title: current.title,
        description: current.body.slice(0, 5000),
        category: input.category as '4',
        kind: options.length >= 2 ? 'options' : 'yes_no',
        options: options.length >= 2 ? options.map((o) => ({ key: o.key, name: o.name, colorHex: o.colorHex, colorCode: o.colorCode })) : [],
      },
    ],
  });
  await db.update(proposals).set({ status: 'converted', voteId: vote.id }).where(eq(proposals.id, id));
  return vote.id;
}

export async function listProposals(db: Db, estateId: string, includeDrafts: boolean) {
  const rows = await db.select().from(proposals).where(eq(proposals.estateId, estateId)).orderBy(desc(proposals.createdAt));
  const out = [];
  for (const p of rows) {
    if (!includeDrafts && p.status === 'draft') continue;
    const v = (await versionsOf(db, p.id)).at(-1)!;
    out.push({ id: p.id, status: p.status, title: v.title, version: v.version, publicEnd: p.publicEnd?.toISOString() ?? null, options: (v.options as unknown[]).length });
  }
  return out;
}

export async function proposalView(db: Db, estateId: string, id: string, userId: string) {
  const p = await proposalRow(db, estateId, id);
  const versions = await versionsOf(db, id);
  const current = versions.at(-1)!;
  const [{ n }] = (await db.select({ n: count() }).from(proposalSupports).where(eq(proposalSupports.proposalId, id))) as [{ n: number }];
  const [mine] = await db.select().from(proposalSupports).where(and(eq(proposalSupports.proposalId, id), eq(proposalSupports.userId, userId)));
  const [{ c }] = (await db.select({ c: count() }).from(comments).where(and(eq(comments.targetType, 'proposal'), eq(comments.targetId, id)))) as [{ c: number }];
  // File facts (type, name, size, hash) so pages can show a PDF card without downloading it.
  const fileIds = [...(current.attachmentIds as string[]), ...(current.options as { attachmentId?: string | null }[]).map((o) => o.attachmentId).filter((x): x is string => !!x)];
  const files = fileIds.length
    ? await db.select({ id: attachments.id, mime: attachments.mime, filename: attachments.filename, size: attachments.size, sha256: attachments.sha256 }).from(attachments).where(inArray(attachments.id, fileIds))
    : [];
  return {
    id: p.id,
    status: p.status,
    publicStart: p.publicStart?.toISOString() ?? null,
    publicEnd: p.publicEnd?.toISOString() ?? null,
    voteId: p.voteId,
    consultationId: p.consultationId,
    current: { version: current.version, title: current.title, body: current.body, options: current.options, attachmentIds: current.attachmentIds, note: current.note, at: current.createdAt.toISOString() },
    versions: versions.map((v) => ({ version: v.version, title: v.title, note: v.note, at: v.createdAt.toISOString() })),
    attachments: files.map((f) => ({ ...f, url: `/api/estates/${estateId}/attachments/${f.id}` })),
    supports: { count: Number(n), threshold: p.supportThreshold, reached: p.supportThreshold > 0 && Number(n) >= p.supportThreshold, mine: !!mine },
    comments: Number(c),
  };
}
