import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { and, asc, eq } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { ballots } from '../../../db/schema/index.ts';
import { formatAreaCents } from '../../domain/register/area.ts';
import type { Category } from '../../domain/tally/tally.ts';
import { categoryText, thresholdText, verdictText } from '../../domain/tally/wording.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/context.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { EstateIdParam } from '../registry/schemas.ts';
import { BallotInput, CloseInput, CreateVoteInput, MatterInput, NoticeInput, VoteParams } from './schemas.ts';
import {
  addMatters,
  beijingDate,
  castBallot,
  closeVote,
  createVote,
  finalizeVote,
  listVotes,
  mattersOf,
  occupiedOf,
  partiesOfUser,
  phase,
  publishNotice,
  recordService,
  enterPaperBallot,
  paperQueue,
  servedPartiesOf,
  turnout,
  voteRow,
} from './service.ts';
import { loadSnapshot } from './snapshot.ts';
import { extensionsOf } from './letters.ts';
import { signCheckpoint } from '../ledger/checkpoints.ts';
import { logSigner } from '../ledger/keys.ts';
import { promiseReceipt, trackerOf } from '../ledger/receipts.ts';
import { myHousehold } from '../credentials/oversight.ts';

const now = (c: Context<AppEnv>) => c.var.deps.now?.() ?? new Date();
const organizer = [access(Access.estate(['organizer']))] as [ReturnType<typeof access>];
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
const Any = z.any();

function categoryOf(c: string): Category {
  return (c === 'consultation' ? 'consultation' : Number(c)) as Category;
}

/** The vote as pages need it: matters with plain-language thresholds, options with swatches, phase. */
async function voteView(c: Context<AppEnv>, estateId: string, voteId: string) {
  const { db } = c.var.deps;
  const vote = await voteRow(db, estateId, voteId);
  const matters = await mattersOf(db, voteId);
  const snap = await loadSnapshot(db, voteId);
  const me = principal(c);
  const [myParties, household] = await Promise.all([partiesOfUser(db, estateId, voteId, me.userId), myHousehold(db, estateId, voteId, me.userId)]);
  const mineSet = new Set(myParties.map((p) => p.id));
  const p = phase(vote, now(c));
  return {
    id: vote.id,
    estateId: vote.estateId,
    title: vote.title,
    description: vote.description,
    scope: vote.scope,
    phase: p,
    status: vote.status,
    noticeDate: vote.noticeDate,
    opensAt: vote.opensAt.toISOString(),
    closesAt: vote.closesAt.toISOString(),
    closedAt: vote.closedAt?.toISOString() ?? null,
    closeReason: vote.closeReason,
    objectionEndsAt: vote.objectionEndsAt?.toISOString() ?? null,
    finalizedAt: vote.finalizedAt?.toISOString() ?? null,
    rules: vote.rules,
    occupiedParts: occupiedOf(vote),
    costPlan: vote.costPlan ?? null,
    extensions: await extensionsOf(db, voteId),
    electorate: snap ? { parties: snap.roster.length, areaCents: snap.electorate.totals.areaCents, area: formatAreaCents(snap.electorate.totals.areaCents) } : null,
    matters: matters.map((m) => ({
      key: m.key,
      title: m.title,
      description: m.description,
      category: m.category,
      categoryName: { zh: categoryText(categoryOf(m.category), 'zh'), en: categoryText(categoryOf(m.category), 'en') },
      threshold: { zh: thresholdText(categoryOf(m.category), 'zh'), en: thresholdText(categoryOf(m.category), 'en') },
      kind: m.kind,
      options: m.options.map((o) => ({ key: o.key, name: o.name, colorHex: o.colorHex, colorCode: o.colorCode, pictureUrl: o.pictureUrl })),
    })),
    me: {
      parties: myParties.map((x) => ({ id: x.id, parts: x.parts.map((y) => y.partId), area: formatAreaCents(x.areaCents), via: x.via })),
      ballots: household
        .filter((h) => mineSet.has(h.party))
        .flatMap((h) => h.ballots.map((b) => ({ matter: b.matter, seq: b.seq, status: b.status, at: b.at }))),
      // Every ballot cast for my households (by anyone), channel and time: "your household voted on … via …".
      household,
    },
  };
}

export function registerVoteRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes',
      summary: 'Create a draft owners’ assembly vote (议事规则 copied in)',
      security: bearer,
      middleware: organizer,
      request: { params: EstateIdParam, ...jsonBody(CreateVoteInput) },
      responses: { 201: json(Any, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const { estateId } = c.req.valid('param');
      const vote = await createVote(c.var.deps.db, estateId, principal(c).userId, c.req.valid('json'));
      return c.json(await voteView(c, estateId, vote.id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes',
      summary: 'Votes of the estate',
      security: bearer,
      middleware: anyRole,
      request: { params: EstateIdParam },
      responses: { 200: json(Any, 'Votes'), ...errorResponses },
    }),
    async (c) => {
      const { estateId } = c.req.valid('param');
      const me = principal(c);
      const list = await listVotes(c.var.deps.db, estateId);
      const staff = me.isAdmin || (me.roles ?? []).some((r) => r !== 'owner' && r !== 'resident');
      const visible = list.filter((v) => staff || v.status !== 'draft');
      return c.json(
        { votes: visible.map((v) => ({ id: v.id, title: v.title, phase: phase(v, now(c)), opensAt: v.opensAt.toISOString(), closesAt: v.closesAt.toISOString(), scope: v.scope })) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}',
      summary: 'A vote with its matters, thresholds in plain words, options and my ballots',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Vote'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const view = await voteView(c, estateId, voteId);
      const me = principal(c);
      const staff = me.isAdmin || (me.roles ?? []).some((r) => r !== 'owner' && r !== 'resident');
      if (view.status === 'draft' && !staff) throw new AppError('NOT_FOUND', 'vote not found', undefined, '未找到该投票');
      return c.json(view, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/matters',
      summary: 'Add a matter to a draft (refused after the notice)',
      security: bearer,
      middleware: organizer,
      request: { params: VoteParams, ...jsonBody(MatterInput) },
      responses: { 201: json(Any, 'Added'), 409: json(Any, 'Notice already published'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await addMatters(c.var.deps.db, estateId, voteId, [c.req.valid('json')]);
      return c.json(await voteView(c, estateId, voteId), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/notice',
      summary: 'Publish the notice (公告): freeze matters and electorate; refuses too short a notice period',
      security: bearer,
      middleware: organizer,
      request: { params: VoteParams, ...jsonBody(NoticeInput) },
      responses: { 200: json(Any, 'Published'), 409: json(Any, 'Refused'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const at = now(c);
      const noticeDate = c.req.valid('json').noticeDate ?? beijingDate(at);
      if (noticeDate > beijingDate(at)) {
        throw new AppError('VALIDATION_FAILED', 'noticeDate: a notice cannot be dated in the future', [{ field: 'noticeDate', message: 'in the future' }], '公告日期不能晚于今天');
      }
      const signer = logSigner(deps.keys, deps.env.publicUrl);
      const out = await publishNotice(deps.db, { publicUrl: deps.env.publicUrl, vkey: signer.vkey, keys: deps.keys, userId: principal(c).userId }, estateId, voteId, noticeDate, at);
      // The log is checkpointed at open (its setup entry), while voting, and at close.
      await signCheckpoint(deps.db, signer, voteId, at);
      deps.events?.voteChanged(estateId, voteId);
      return c.json({ ...out, vote: await voteView(c, estateId, voteId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/electorate',
      summary: 'The frozen electorate as published: house numbers, areas and totals (no names)',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Electorate'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(c.var.deps.db, estateId, voteId);
      const snap = await loadSnapshot(c.var.deps.db, voteId);
      if (!snap) throw new AppError('NOT_FOUND', 'the electorate is frozen when the notice is published', undefined, '公告发布后才公布选民名册');
      return c.json(
        {
          parties: snap.roster.length,
          area: formatAreaCents(snap.electorate.totals.areaCents),
          areaCents: snap.electorate.totals.areaCents,
          rosterSha256: snap.rosterSha256,
          roster: snap.roster.map((p) => ({ party: p.id, parts: p.parts.map((x) => ({ partId: x.partId, building: x.building, area: formatAreaCents(x.areaCents) })), area: formatAreaCents(p.areaCents), developer: p.developer })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/ballots',
      summary: 'Cast my ballot online (final on submission unless the 议事规则 say the last one counts)',
      description: 'Accepted ballots answer 201 with the ledger positions. A rejected submission that reached the ballot box is recorded with its reason and answers 409.',
      security: bearer,
      middleware: [access(Access.estate(['owner']))] as const,
      request: { params: VoteParams, ...jsonBody(BallotInput) },
      responses: { 201: json(Any, 'Recorded'), 409: json(Any, 'Rejected (recorded) or outside the window'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const me = principal(c);
      const body = c.req.valid('json');
      const out = await castBallot(deps.db, { estateId, voteId, userId: me.userId, tokenId: me.jti, party: body.party, nonce: body.nonce, choices: body.choices, now: now(c) });
      deps.events?.voteChanged(estateId, voteId);
      if (!out.accepted) {
        const reasons = out.outcomes.map((o) => o.reason).filter(Boolean) as string[];
        const already = reasons.includes('party already voted') && !reasons.includes('replayed submission');
        throw new AppError(
          'CONFLICT',
          already ? 'you have already voted on this matter; the first ballot counts (recorded as rejected)' : `ballot not accepted: ${reasons.join('; ')} (recorded as rejected)`,
          out.outcomes.map((o) => ({ field: `choices.${o.matter}`, message: o.reason ?? 'rejected' })),
          already ? '您已经投过票了，以第一次投票为准（本次已记录为无效票）' : '选票无效，未被计入（已记录），请检查后重新提交',
        );
      }
      // Receipts: at once a signed promise with a short tracker (and, sealed, the opening the owner
      // keeps); the inclusion proof follows once a checkpoint covers the entry.
      const at = now(c).toISOString();
      const receipts = await Promise.all(
        out.outcomes.map(async (o) => {
          // Accepted ballots are always on the log (only refusals can be kept off it).
          const tracker = trackerOf(o.leaf!);
          const promise = await promiseReceipt(deps.keys, { log: out.log, seq: o.seq!, leaf: o.leaf!, tracker, at });
          return { ...o, tracker, receipt: promise, ...(o.opening ? { opening: o.opening } : {}) };
        }),
      );
      return c.json({ party: out.party, ballots: receipts }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/paper',
      summary: 'Enter a paper ballot (two-person entry: a second clerk enters the same letter independently)',
      description: '202 while waiting for the second entry; 201 when both agree and the ballot is in the box; 409 when the two entries differ (flagged, nothing counted) or the box refused it (recorded with its reason).',
      security: bearer,
      middleware: [access(Access.estate(['clerk']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(
          z
            .object({
              partId: z.string().trim().min(1).max(64),
              choices: z.array(z.object({ matter: z.string().min(1).max(40), choice: z.string().min(1).max(40) }).strict()).min(1).max(30),
              scanSha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'hex SHA-256 of the scanned ballot'),
              receivedAt: z.string().datetime({ offset: true }),
              /** The letter's proxy block was signed by the party's registered proxy holder. */
              proxy: z.boolean().optional(),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Any, 'Recorded'), 202: json(Any, 'Awaiting the second entry'), 409: json(Any, 'Mismatch or refused'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const body = c.req.valid('json');
      const out = await enterPaperBallot(deps.db, deps.keys, { estateId, voteId, clerkId: principal(c).userId, partId: body.partId, choices: body.choices, scanSha256: body.scanSha256, receivedAt: new Date(body.receivedAt), proxy: body.proxy ?? false, now: now(c) });
      if (out.status === 'awaiting_second_entry') return c.json(out, 202);
      if (out.status === 'mismatch') {
        // Which parts differ (matter keys, scanSha256, receivedAt, proxy), so the clerks know where to look.
        throw new AppError(
          'CONFLICT',
          `the two clerks’ entries differ (${out.differs.join(', ')}): flagged for review, nothing counted; two clerks must enter this letter again`,
          [{ field: 'entry', message: 'mismatch' }, ...out.differs.map((d) => ({ field: `entry.${d}`, message: 'differs' }))],
          '两位录入员的录入结果不一致，已标记待核查，未计入。请重新由两人录入',
        );
      }
      deps.events?.voteChanged(estateId, voteId);
      if (out.status === 'rejected') {
        const reasons = (out.ballots ?? []).map((b) => b.reason).filter(Boolean) as string[];
        throw new AppError('CONFLICT', `paper ballot not counted: ${reasons.join('; ')} (recorded as rejected)`, (out.ballots ?? []).map((b) => ({ field: `choices.${b.matter}`, message: b.reason ?? 'rejected' })), reasons.includes('party already voted') ? '该户已经投过票（以第一张有效选票为准），本张纸质选票已记录为无效' : '纸质选票无效，已记录');
      }
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/paper',
      summary: 'Paper entries: waiting for a second entry, matched, and flagged mismatches',
      security: bearer,
      middleware: [access(Access.estate(['clerk', 'organizer', 'auditor']))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Entries'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(c.var.deps.db, estateId, voteId);
      return c.json({ entries: await paperQueue(c.var.deps.db, voteId) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/service',
      summary: 'Record that the ballot letter was served on a party (送达): channel, time, proof scan SHA-256',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk']))] as const,
      request: {
        params: VoteParams,
        ...jsonBody(
          z
            .object({
              partId: z.string().trim().min(1).max(64),
              channel: z.enum(['hand', 'mail', 'posting', 'online']),
              servedAt: z.string().datetime({ offset: true }),
              proofSha256: z.string().regex(/^[0-9a-f]{64}$/, 'hex SHA-256 of the scan').nullish(),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Any, 'Recorded'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const body = c.req.valid('json');
      const out = await recordService(c.var.deps.db, estateId, voteId, principal(c).userId, { ...body, servedAt: new Date(body.servedAt) }, now(c));
      return c.json(out, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/service',
      summary: 'Parties served with the ballot letter, against the electorate',
      security: bearer,
      middleware: [access(Access.estate(['organizer', 'clerk', 'auditor']))] as const,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Served parties'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(c.var.deps.db, estateId, voteId);
      const served = await servedPartiesOf(c.var.deps.db, voteId);
      const snap = await loadSnapshot(c.var.deps.db, voteId);
      return c.json({ served: served.length, parties: snap?.roster.length ?? 0, servedParties: served }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/turnout',
      summary: 'Live turnout: parties and area taking part, overall and per building (never yes/no during voting)',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Turnout'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(c.var.deps.db, estateId, voteId);
      return c.json(await turnout(c.var.deps.db, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/close',
      summary: 'Close the vote now, with a reason that is logged; the engine tallies it',
      security: bearer,
      middleware: organizer,
      request: { params: VoteParams, ...jsonBody(CloseInput) },
      responses: { 200: json(Any, 'Closed'), 409: json(Any, 'Not closable'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      await closeVote(deps.db, estateId, voteId, { reason: c.req.valid('json').reason, manual: true, userId: principal(c).userId, now: now(c) });
      await signCheckpoint(deps.db, logSigner(deps.keys, deps.env.publicUrl), voteId, now(c));
      deps.events?.voteChanged(estateId, voteId);
      return c.json(await resultView(c, estateId, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/votes/{voteId}/finalize',
      summary: 'Publish the final result after the objection period',
      security: bearer,
      middleware: organizer,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Final'), 409: json(Any, 'Objection period still running'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      await finalizeVote(deps.db, estateId, voteId, now(c));
      await signCheckpoint(deps.db, logSigner(deps.keys, deps.env.publicUrl), voteId, now(c));
      deps.events?.voteChanged(estateId, voteId);
      return c.json(await resultView(c, estateId, voteId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/result',
      summary: 'The result after close: bars by area and headcount, the verdict in legal words, the 公告 participants list',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Result'), 409: json(Any, 'Still voting'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      return c.json(await resultView(c, estateId, voteId), 200);
    },
  );
}

/** A passed verdict without the consent of every occupied part's owner does not stand (rules.md §4). */
function withConsent(
  verdict: { zh: string; en: string },
  result: { outcome?: string } | undefined,
  consent: { required: string[]; given: string[]; satisfied: boolean } | undefined,
  partsOf: Map<string, string[]>,
) {
  if (!consent || consent.satisfied || result?.outcome !== 'passed') return verdict;
  const missing = consent.required.filter((id) => !consent.given.includes(id)).flatMap((id) => partsOf.get(id) ?? []);
  return {
    zh: `${verdict.zh}；但房屋被占用的业主（${missing.join('、')}）未表示同意，本事项不能通过`,
    en: `${verdict.en}; but the owners whose parts are occupied (${missing.join(', ')}) have not consented, so the matter does not pass`,
  };
}

/** Result page data. Before close there is none: running yes/no totals are never published. */
async function resultView(c: Context<AppEnv>, estateId: string, voteId: string) {
  const { db } = c.var.deps;
  const vote = await voteRow(db, estateId, voteId);
  if (!vote.result) throw new AppError('CONFLICT', 'results are published only after the vote closes', undefined, '投票结束后才公布结果');
  const matters = await mattersOf(db, voteId);
  const snap = (await loadSnapshot(db, voteId))!;
  const results = vote.result as Record<string, any>;
  const consent = (vote.consent as Record<string, { required: string[]; given: string[]; satisfied: boolean }> | null) ?? null;
  const partsOf = new Map(snap.roster.map((p) => [p.id, p.parts.map((x) => x.partId)]));
  const accepted = await db
    .select({ party: ballots.party, channel: ballots.channel })
    .from(ballots)
    .where(and(eq(ballots.voteId, voteId), eq(ballots.status, 'accepted')));
  const channelOf = new Map<string, string>();
  for (const a of accepted) if (!channelOf.has(a.party)) channelOf.set(a.party, a.channel);
  const showUnits = (vote.rules as { publicationDetail?: string }).publicationDetail !== 'totals_only';
  return {
    id: vote.id,
    title: vote.title,
    status: vote.status,
    closedAt: vote.closedAt?.toISOString() ?? null,
    closeReason: vote.closeReason,
    objectionEndsAt: vote.objectionEndsAt?.toISOString() ?? null,
    finalizedAt: vote.finalizedAt?.toISOString() ?? null,
    electorate: { parties: snap.roster.length, area: formatAreaCents(snap.electorate.totals.areaCents) },
    matters: matters.map((m) => {
      const r = results[m.key];
      const cat = categoryOf(m.category);
      // The verdict names an adopted option by its key and name ("A 暖米色"), as owners know it.
      const adopted = m.options.find((o) => o.key === r?.adopted);
      const named = adopted ? { ...r, adopted: `${adopted.key} ${adopted.name}` } : r;
      return {
        key: m.key,
        title: m.title,
        category: m.category,
        kind: m.kind,
        options: m.options.map((o) => ({ key: o.key, name: o.name, colorHex: o.colorHex, colorCode: o.colorCode })),
        result: r,
        verdict: withConsent({ zh: verdictText(named, cat, 'zh'), en: verdictText(named, cat, 'en') }, r, consent?.[m.key], partsOf),
        // Building votes: the owners of occupied parts must consent (their own yes); house numbers only.
        consent: consent?.[m.key]
          ? {
              satisfied: consent[m.key]!.satisfied,
              required: consent[m.key]!.required.flatMap((id) => partsOf.get(id) ?? []),
              given: consent[m.key]!.given.flatMap((id) => partsOf.get(id) ?? []),
              passed: r?.outcome === 'passed' && consent[m.key]!.satisfied,
            }
          : null,
      };
    }),
    // 公告: house numbers, areas and channel of participants; never names.
    participants: showUnits
      ? snap.roster
          .filter((p) => channelOf.has(p.id))
          .map((p) => ({ parts: p.parts.map((x) => x.partId), area: formatAreaCents(p.areaCents), channel: channelOf.get(p.id)! }))
      : [],
  };
}
