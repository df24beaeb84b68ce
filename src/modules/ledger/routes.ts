import { createRoute, z } from '@hono/zod-openapi';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { App } from '../../app.ts';
import { ballots, ledgerEntries, voteMatters } from '../../../db/schema/index.ts';
import { AppError } from '../../errors.ts';
import { bearer, errorResponses, json } from '../../http/openapi.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { partiesOfUser, voteRow } from '../votes/service.ts';
import { VoteParams } from '../votes/schemas.ts';
import { checkpointAt, consistency, inclusionReceipt, latestCheckpoint, signCheckpoint } from './checkpoints.ts';
import { buildExport } from './export.ts';
import { allVerifierKeys, logSigner, registerLogKey } from './keys.ts';
import { entryByTracker, trackerOf } from './receipts.ts';
import { credentialsOf } from '../credentials/service.ts';

const Any = z.any();
const anyRole = [access(Access.estate('any'))] as [ReturnType<typeof access>];
/** A newly covering checkpoint is signed on demand at most this often per vote. */
const ON_DEMAND_MS = 5000;

/** Log sizes and entry indexes are PostgreSQL integers: a larger number would fail in the query (a 500). */
const INT4 = 2_147_483_647;

export function registerLedgerRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/ledger/keys',
      summary: 'Verifier keys of this deployment’s log signer (all ever used, oldest first)',
      middleware: [access(Access.public)] as const,
      responses: { 200: json(z.object({ keys: z.array(z.string()) }), 'vkeys') },
    }),
    async (c) => {
      const { deps } = c.var;
      await registerLogKey(deps.db, logSigner(deps.keys, deps.env.publicUrl));
      return c.json({ keys: await allVerifierKeys(deps.db) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/ledger/checkpoint',
      summary: 'Latest signed checkpoint of the vote’s log (C2SP tlog-checkpoint note), or of a given size',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams, query: z.object({ size: z.coerce.number().int().min(1).max(INT4).optional() }) },
      responses: { 200: json(Any, 'Checkpoint'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(c.var.deps.db, estateId, voteId);
      const cp = await checkpointAt(c.var.deps.db, voteId, c.req.valid('query').size);
      return c.json({ size: cp.size, root: cp.root, note: cp.note, signedAt: cp.createdAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/ledger/proof',
      summary: 'Inclusion proof of an entry (by index or receipt tracker) as a c2sp.org/tlog-proof@v1 file',
      description: 'With ?download=1 the answer is the .tlog-proof file itself. A not yet covered entry gets a fresh checkpoint (at most one every few seconds per vote) or 409.',
      security: bearer,
      middleware: anyRole,
      request: {
        params: VoteParams,
        query: z.object({
          index: z.coerce.number().int().min(0).max(INT4).optional(),
          tracker: z.string().max(40).optional(),
          size: z.coerce.number().int().min(1).max(INT4).optional(),
          download: z.enum(['0', '1']).optional(),
        }),
      },
      responses: { 200: json(Any, 'Proof'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, voteId } = c.req.valid('param');
      const q = c.req.valid('query');
      await voteRow(deps.db, estateId, voteId);
      let index = q.index;
      if (index === undefined) {
        if (!q.tracker) throw new AppError('VALIDATION_FAILED', 'index: give an entry index or a receipt tracker', [{ field: 'index', message: 'index or tracker required' }], '请提供选票编号或回执码');
        const found = await entryByTracker(deps.db, voteId, q.tracker);
        if (!found) throw new AppError('NOT_FOUND', 'no entry with this tracker in this vote', [{ field: 'tracker', message: 'not found' }], '本次投票中没有这个回执码');
        index = found.seq;
      }
      if (!q.size) {
        const last = await latestCheckpoint(deps.db, voteId);
        const at = deps.now?.() ?? new Date();
        if ((!last || last.size <= index) && (!last || at.getTime() - last.createdAt.getTime() >= ON_DEMAND_MS)) {
          await signCheckpoint(deps.db, logSigner(deps.keys, deps.env.publicUrl), voteId, at);
        }
      }
      const { proof, checkpoint } = await inclusionReceipt(deps.db, voteId, index, q.size);
      if (q.download === '1') {
        return c.body(proof, 200, { 'content-type': 'text/plain; charset=utf-8', 'content-disposition': `attachment; filename="ballot-${index}.tlog-proof"` }) as never;
      }
      return c.json({ index, size: checkpoint.size, proof, bytes: new TextEncoder().encode(proof).length }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/ledger/consistency',
      summary: 'Consistency proof between two checkpointed sizes (RFC 6962 §2.1.2)',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams, query: z.object({ from: z.coerce.number().int().min(1).max(INT4), to: z.coerce.number().int().min(1).max(INT4).optional() }) },
      responses: { 200: json(Any, 'Consistency proof'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(deps.db, estateId, voteId);
      const q = c.req.valid('query');
      const to = q.to ?? (await checkpointAt(deps.db, voteId)).size;
      return c.json(await consistency(deps.db, voteId, q.from, to), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/ledger/export',
      summary: 'Public export of the vote’s log (manifest, roster, entries, checkpoints, tally, keys, SHA256SUMS)',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(z.object({ files: z.record(z.string(), z.string()) }), 'Files by path'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      await voteRow(deps.db, estateId, voteId);
      // An export's last checkpoint must cover the whole log (V7): sign one if the log has grown.
      await signCheckpoint(deps.db, logSigner(deps.keys, deps.env.publicUrl), voteId, deps.now?.() ?? new Date());
      const files = await buildExport(deps.db, estateId, voteId, { openings: false });
      return c.json({ files: Object.fromEntries(files) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/ledger/export/auditor',
      summary: 'Auditor export: the public export plus openings.jsonl (sealed choices); named auditors only',
      security: bearer,
      middleware: [access(Access.estate(['auditor']))] as const,
      request: { params: VoteParams },
      responses: { 200: json(z.object({ files: z.record(z.string(), z.string()) }), 'Files by path'), ...errorResponses },
    }),
    async (c) => {
      const { estateId, voteId } = c.req.valid('param');
      const { deps } = c.var;
      const vote = await voteRow(deps.db, estateId, voteId);
      // Openings reveal choices: never while the vote is still open, and only to the auditors the
      // notice named on the log (an auditor appointed later cannot learn how households voted).
      if (!vote.closedAt) throw new AppError('CONFLICT', 'openings are released after the vote closes', undefined, '投票结束后才提供开封数据');
      if (!(await credentialsOf(deps.db, voteId, principal(c).userId)).some((cr) => cr.kind === 'auditor' && cr.atNotice)) {
        throw new AppError('FORBIDDEN', 'only the auditors named at the notice of this vote receive its openings', undefined, '只有公告时登记的本次表决监票人才能取得开封数据');
      }
      await signCheckpoint(deps.db, logSigner(deps.keys, deps.env.publicUrl), voteId, deps.now?.() ?? new Date());
      const files = await buildExport(deps.db, estateId, voteId, { openings: true });
      deps.logger.info({ requestId: c.var.requestId, voteId, userId: principal(c).userId }, 'auditor export with openings');
      return c.json({ files: Object.fromEntries(files) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/votes/{voteId}/my-receipts',
      summary: 'My ballots in this vote with their trackers and, once checkpointed, proofs (a sealed choice is given only once, in the answer to the cast)',
      security: bearer,
      middleware: anyRole,
      request: { params: VoteParams },
      responses: { 200: json(Any, 'Receipts'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId, voteId } = c.req.valid('param');
      await voteRow(deps.db, estateId, voteId);
      const mine = (await partiesOfUser(deps.db, estateId, voteId, principal(c).userId)).map((p) => p.id);
      if (!mine.length) return c.json({ receipts: [] }, 200);
      const rows = await deps.db
        .select({ seq: ballots.seq, status: ballots.status, matter: voteMatters.key, at: ballots.createdAt })
        .from(ballots)
        .innerJoin(voteMatters, eq(voteMatters.id, ballots.matterId))
        .where(and(eq(ballots.voteId, voteId), inArray(ballots.party, mine)))
        .orderBy(asc(ballots.seq));
      const last = await latestCheckpoint(deps.db, voteId);
      const receipts = [];
      for (const r of rows) {
        const [entry] = await deps.db.select({ leaf: ledgerEntries.leaf }).from(ledgerEntries).where(and(eq(ledgerEntries.voteId, voteId), eq(ledgerEntries.seq, r.seq)));
        const covered = last && r.seq < last.size;
        receipts.push({
          matter: r.matter,
          seq: r.seq,
          status: r.status,
          at: r.at.toISOString(),
          tracker: trackerOf(entry!.leaf),
          // Sealed stays sealed: whoever holds a credential for the household now (a reissued
          // letter, a new account) never learns how it voted. The device that cast keeps its opening.
          opening: null,
          proof: covered ? (await inclusionReceipt(deps.db, voteId, r.seq)).proof : null,
        });
      }
      return c.json({ receipts }, 200);
    },
  );
}
