import { and, eq, isNotNull } from 'drizzle-orm';
import { ownerships, parts, persons, users } from '../../db/schema/index.ts';
import type { Deps } from '../../src/http/context.ts';
import { addComment, answerOpinion } from '../../src/modules/comments/service.ts';
import { createConsultation, openConsultation, respond } from '../../src/modules/consultations/service.ts';
import { createProposal, publishProposal, support } from '../../src/modules/proposals/service.ts';
import { PAINT_OPTIONS } from './votes.ts';

const DAY = 86_400_000;

/**
 * A published renovation proposal with three paint colours (with supports and opinions, one
 * answered) and an open consultation with about a third of the households answered, so the
 * coverage and results pages have data. The demo owners have not answered yet.
 */
export async function seedDemoConsultation(deps: Pick<Deps, 'db'>, estateId: string, organizerId: string, skipRefs: string[], now = new Date()) {
  const { db } = deps;
  const t0 = now.getTime();
  const proposal = await createProposal(db, estateId, organizerId, {
    title: '老旧小区改造：外墙翻新方案 Façade renovation plan',
    body: '改造内容：外墙保温层、外墙涂料、雨水管更换。\n资金来源：政府补贴 + 专项维修资金。\n请对三种外墙颜色发表意见，样板贴在各楼栋一层大厅。',
    options: PAINT_OPTIONS.map((o) => ({ ...o, description: null, attachmentId: null })),
    attachmentIds: [],
    supportThreshold: 30,
  });
  await publishProposal(db, estateId, proposal.id, new Date(t0 - 5 * DAY), new Date(t0 + 9 * DAY));
  const consultation = await createConsultation(db, estateId, organizerId, {
    title: '外墙颜色与加装电梯意见征询 Paint colour and lift consultation',
    description: '每户填写一份，截止前可以修改。业主和租户均可填写。',
    scope: null,
    closesAt: new Date(t0 + 10 * DAY).toISOString(),
    proposalId: proposal.id,
    questions: [
      { key: 'colour', kind: 'ranking', title: '请按喜好给三种外墙颜色排序 Rank the colours', required: true, options: PAINT_OPTIONS.map(({ key, name, colorHex }) => ({ key, name, colorHex })) },
      { key: 'lift', kind: 'single', title: '您是否支持本单元加装电梯？ Do you support a lift for your entrance?', required: true, options: [{ key: 'yes', name: '支持 Yes' }, { key: 'no', name: '不支持 No' }, { key: 'unsure', name: '还没想好 Not sure' }] },
      { key: 'extras', kind: 'multiple', title: '还希望一起改造哪些？ What else should be renovated?', required: false, options: [{ key: 'pipes', name: '雨污水管 Pipes' }, { key: 'lights', name: '楼道灯 Stair lights' }, { key: 'bikes', name: '非机动车棚 Bike shed' }] },
      { key: 'note', kind: 'text', title: '其他意见 Other comments', required: false, options: [] },
    ],
  });
  await openConsultation(db, estateId, consultation.id, new Date(t0 - 4 * DAY));
  // Owners answer for their first flat: about a third of the households.
  const owners = await db
    .select({ userId: persons.userId, ref: persons.ref, code: parts.code })
    .from(persons)
    .innerJoin(ownerships, eq(ownerships.personId, persons.id))
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .where(and(eq(persons.estateId, estateId), isNotNull(persons.userId), eq(parts.kind, 'residential')));
  const rankings = [['A', 'B', 'C'], ['B', 'A', 'C'], ['A', 'C', 'B'], ['C', 'A', 'B'], ['B', 'C', 'A']];
  const done = new Set<string>();
  let i = 0;
  for (const o of owners) {
    if (skipRefs.includes(o.ref) || done.has(o.code) || i >= 48) continue;
    done.add(o.code);
    await respond(db, estateId, consultation.id, o.userId!, o.code, { colour: rankings[i % 5]!, lift: ['yes', 'yes', 'no', 'unsure'][i % 4]!, extras: i % 3 ? ['pipes', 'lights'] : ['bikes'] }, new Date(t0 - 3 * DAY + i * 3_600_000));
    if (i < 12) await support(db, estateId, proposal.id, o.userId!, true);
    i++;
  }
  const [a, b] = owners.filter((o) => !skipRefs.includes(o.ref));
  const first = await addComment(db, { estateId, type: 'proposal', targetId: proposal.id, authorId: a!.userId!, body: '砖红色太深，夏天会不会很热？建议选浅色。', official: false, needsReply: true, now: new Date(t0 - 2 * DAY) });
  await answerOpinion(db, estateId, first.id, organizerId, { status: 'adopted', reason: '浅色反射率高', answer: '感谢建议。浅色涂料反射率更高，已请设计单位补充隔热说明。' }, new Date(t0 - DAY));
  await addComment(db, { estateId, type: 'consultation', targetId: consultation.id, authorId: b!.userId!, body: '加装电梯的费用怎么分摊？一楼住户要出钱吗？', official: false, needsReply: true, now: new Date(t0 - 6 * 3_600_000) });
  const [org] = await db.select({ id: users.id }).from(users).where(eq(users.id, organizerId));
  return { proposalId: proposal.id, consultationId: consultation.id, responses: i, organizer: org?.id };
}
