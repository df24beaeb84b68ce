import { and, asc, eq, inArray } from 'drizzle-orm';
import { buildings, consultationResponses, consultations, entrances, ownerships, parts, persons, proposals, residentParts } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import { coverage, notReached } from '../../domain/consultation/coverage.ts';
import { toCsv } from '../../domain/consultation/csv-export.ts';
import { bordaCount, instantRunoff, validateRanking } from '../../domain/consultation/ranking.ts';
import { AppError, notFound } from '../../errors.ts';
import type { QuestionT } from './schemas.ts';

const conflict = (message: string, messageZh: string) => new AppError('CONFLICT', message, undefined, messageZh);
type Scope = { building: string; entrance?: string | null } | null;

export async function consultationRow(db: Db, estateId: string, id: string) {
  const [c] = await db.select().from(consultations).where(and(eq(consultations.id, id), eq(consultations.estateId, estateId)));
  if (!c) throw notFound('consultation');
  return c;
}

/** Households (户) in scope: the residential parts of the register. */
export async function householdsOf(db: Db, estateId: string, scope: Scope) {
  const rows = await db
    .select({ id: parts.id, code: parts.code, building: buildings.code, entrance: entrances.code, floor: parts.floor })
    .from(parts)
    .innerJoin(buildings, eq(buildings.id, parts.buildingId))
    .leftJoin(entrances, eq(entrances.id, parts.entranceId))
    .where(and(eq(parts.estateId, estateId), eq(parts.kind, 'residential')))
    .orderBy(asc(parts.code));
  return rows
    .map((r) => ({ ...r, entrance: r.entrance ?? null }))
    .filter((h) => !scope || (h.building === scope.building && (!scope.entrance || h.entrance === scope.entrance)));
}

export async function createConsultation(db: Db, estateId: string, userId: string, input: { title: string; description: string; scope?: Scope; closesAt: string; proposalId?: string | null; questions: QuestionT[] }) {
  if (input.proposalId) {
    const [p] = await db.select({ id: proposals.id }).from(proposals).where(and(eq(proposals.id, input.proposalId), eq(proposals.estateId, estateId)));
    if (!p) throw new AppError('VALIDATION_FAILED', 'proposalId: no such proposal in this estate', [{ field: 'proposalId', message: 'not found' }], '方案不存在');
  }
  if (input.scope && !(await householdsOf(db, estateId, input.scope)).length) {
    throw new AppError('VALIDATION_FAILED', 'scope: no households in this building/entrance', [{ field: 'scope', message: 'no households' }], '该范围内没有住户');
  }
  const [row] = await db
    .insert(consultations)
    .values({ estateId, title: input.title, description: input.description, scope: input.scope ?? null, closesAt: new Date(input.closesAt), proposalId: input.proposalId ?? null, questions: input.questions, createdBy: userId })
    .returning();
  if (input.proposalId) await db.update(proposals).set({ consultationId: row!.id }).where(eq(proposals.id, input.proposalId));
  return row!;
}

export async function openConsultation(db: Db, estateId: string, id: string, now: Date) {
  const c = await consultationRow(db, estateId, id);
  if (c.status !== 'draft') throw conflict('only a draft can be opened', '只有草稿可以开始征询');
  if (c.closesAt <= now) throw new AppError('VALIDATION_FAILED', 'closesAt: already past; set a later close', [{ field: 'closesAt', message: 'in the past' }], '截止时间已过');
  await db.update(consultations).set({ status: 'open', opensAt: now }).where(eq(consultations.id, id));
}

export async function closeConsultation(db: Db, estateId: string, id: string) {
  const c = await consultationRow(db, estateId, id);
  if (c.status !== 'open') throw conflict('only an open consultation can be closed', '只有进行中的征询可以结束');
  await db.update(consultations).set({ status: 'closed' }).where(eq(consultations.id, id));
}

/** Open means: opened, not closed, before its close time. */
export function isOpen(c: { status: string; closesAt: Date }, now: Date) {
  return c.status === 'open' && now < c.closesAt;
}

/** The households a user may answer for: parts they own (bound persons) or live in (residents). */
export async function myHouseholds(db: Db, estateId: string, userId: string, scope: Scope) {
  const owned = await db
    .select({ id: parts.id })
    .from(persons)
    .innerJoin(ownerships, eq(ownerships.personId, persons.id))
    .innerJoin(parts, eq(parts.id, ownerships.partId))
    .where(and(eq(persons.userId, userId), eq(persons.estateId, estateId)));
  const lived = await db.select({ id: residentParts.partId }).from(residentParts).where(eq(residentParts.userId, userId));
  const ids = new Set([...owned, ...lived].map((r) => r.id));
  return (await householdsOf(db, estateId, scope)).filter((h) => ids.has(h.id));
}

/** Checks answers against the questions; returns them normalized or throws naming the question. */
export function checkAnswers(questions: QuestionT[], answers: Record<string, string | string[]>) {
  const out: Record<string, string | string[]> = {};
  const bad = (key: string, message: string, messageZh: string) => new AppError('VALIDATION_FAILED', `answers.${key}: ${message}`, [{ field: `answers.${key}`, message }], messageZh);
  for (const key of Object.keys(answers)) if (!questions.some((q) => q.key === key)) throw bad(key, 'no such question', '没有这个问题');
  for (const q of questions) {
    const a = answers[q.key];
    const keys = q.options.map((o) => o.key);
    if (a === undefined || a === '' || (Array.isArray(a) && a.length === 0)) {
      if (q.required) throw bad(q.key, 'this question needs an answer', `请回答：${q.title}`);
      continue;
    }
    if (q.kind === 'text') {
      if (typeof a !== 'string') throw bad(q.key, 'write text', '请填写文字');
      out[q.key] = a.trim();
    } else if (q.kind === 'single') {
      if (typeof a !== 'string' || !keys.includes(a)) throw bad(q.key, 'choose one of the options', '请从选项中选择一项');
      out[q.key] = a;
    } else if (q.kind === 'multiple') {
      if (!Array.isArray(a) || a.some((x) => !keys.includes(x)) || new Set(a).size !== a.length) throw bad(q.key, 'choose among the options, each once', '请从选项中选择（不可重复）');
      out[q.key] = a;
    } else {
      const problem = Array.isArray(a) ? validateRanking(a, keys) : 'not a list';
      if (problem) throw bad(q.key, `ranking: ${problem}`, '排序有误：每个选项最多排一次');
      out[q.key] = a;
    }
  }
  return out;
}

/** One response per household, editable until close (the last edit wins, by whoever answers for it). */
export async function respond(db: Db, estateId: string, id: string, userId: string, partCode: string, answers: Record<string, string | string[]>, now: Date) {
  const c = await consultationRow(db, estateId, id);
  if (!isOpen(c, now)) throw conflict('the consultation is not open', '征询未开始或已结束');
  const mine = await myHouseholds(db, estateId, userId, c.scope as Scope);
  const household = mine.find((h) => h.code === partCode);
  if (!household) throw new AppError('FORBIDDEN', 'you can answer only for your own household', undefined, '只能为自己的住户填写');
  const clean = checkAnswers(c.questions as QuestionT[], answers);
  await db
    .insert(consultationResponses)
    .values({ consultationId: id, partId: household.id, answers: clean, userId, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: [consultationResponses.consultationId, consultationResponses.partId], set: { answers: clean, userId, updatedAt: now } });
  return { household: household.code, answers: clean };
}

async function responsesOf(db: Db, id: string) {
  return db.select().from(consultationResponses).where(eq(consultationResponses.consultationId, id));
}

/** Coverage by building and entrance, and the households not yet reached (house numbers only). */
export async function coverageOf(db: Db, estateId: string, id: string) {
  const c = await consultationRow(db, estateId, id);
  const hs = await householdsOf(db, estateId, c.scope as Scope);
  const responded = new Set((await responsesOf(db, id)).map((r) => r.partId));
  return {
    ...coverage(hs, responded),
    notReached: notReached(hs, responded).map((b) => ({ building: b.building, entrances: b.entrances.map((e) => ({ entrance: e.entrance, households: e.households.map((h) => h.code) })) })),
  };
}

/** Results per question: counts, rankings by Borda and by instant run-off side by side, texts. */
export async function resultsOf(db: Db, estateId: string, id: string) {
  const c = await consultationRow(db, estateId, id);
  const questions = c.questions as QuestionT[];
  const rows = await responsesOf(db, id);
  return {
    id: c.id,
    title: c.title,
    status: c.status,
    responses: rows.length,
    questions: questions.map((q) => {
      const answers = rows.map((r) => (r.answers as Record<string, string | string[]>)[q.key]).filter((a) => a !== undefined);
      const keys = q.options.map((o) => o.key);
      if (q.kind === 'text') return { key: q.key, kind: q.kind, title: q.title, texts: answers.filter((a): a is string => typeof a === 'string' && a.length > 0) };
      if (q.kind === 'ranking') {
        const rankings = answers.filter(Array.isArray) as string[][];
        return { key: q.key, kind: q.kind, title: q.title, options: q.options, borda: bordaCount(rankings, keys), irv: instantRunoff(rankings, keys), ballots: rankings.length };
      }
      const counts = Object.fromEntries(keys.map((k) => [k, 0]));
      for (const a of answers) for (const k of Array.isArray(a) ? a : [a]) if (k in counts) counts[k]!++;
      return { key: q.key, kind: q.kind, title: q.title, options: q.options, counts, answered: answers.length };
    }),
  };
}

/** CSV for the organizer: one row per household (building, entrance, house number, answers). No names. */
export async function exportCsv(db: Db, estateId: string, id: string) {
  const c = await consultationRow(db, estateId, id);
  const questions = c.questions as QuestionT[];
  const hs = new Map((await householdsOf(db, estateId, c.scope as Scope)).map((h) => [h.id, h]));
  const rows = (await responsesOf(db, id)).filter((r) => hs.has(r.partId)).sort((a, b) => hs.get(a.partId)!.code.localeCompare(hs.get(b.partId)!.code, 'zh', { numeric: true }));
  const header = ['building', 'entrance', 'household', 'updated_at', ...questions.map((q) => q.key)];
  const body = rows.map((r) => {
    const h = hs.get(r.partId)!;
    const a = r.answers as Record<string, string | string[]>;
    return [h.building, h.entrance, h.code, r.updatedAt.toISOString(), ...questions.map((q) => {
      const v = a[q.key];
      return v === undefined ? null : Array.isArray(v) ? v.join('>') : v;
    })];
  });
  return toCsv(header, body, { bom: true });
}

export async function listConsultations(db: Db, estateId: string, includeDrafts: boolean) {
  const rows = await db.select().from(consultations).where(eq(consultations.estateId, estateId)).orderBy(asc(consultations.createdAt));
  return rows.filter((r) => includeDrafts || r.status !== 'draft');
}

export async function myResponses(db: Db, id: string, partIds: string[]) {
  if (!partIds.length) return [];
  return db.select().from(consultationResponses).where(and(eq(consultationResponses.consultationId, id), inArray(consultationResponses.partId, partIds)));
}
