import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';
import {
  brief,
  changedTables,
  envelopeProblem,
  fingerprint,
  hostileFitting,
  invalidArb,
  malform,
  MALFORMED_KINDS,
  send,
  deepStorable,
  storable,
  validArb,
  type Answer,
  type Doc,
  type GenOptions,
  type JsonSchema,
} from '../support/fuzz.ts';

/**
 * Hostile input against every operation of the OpenAPI document (issue 9): malformed JSON, wrong
 * content types, huge and deeply nested bodies, bodies that break the schema, bad path and query
 * parameters, hostile strings in valid-shaped bodies. Every answer is below 500 and every 4xx
 * carries the error envelope with its request id; invalid input answers the expected 4xx and
 * writes nothing (a fingerprint of every table is compared around each batch).
 */

const SEED = 20260309;
/** Runs per operation for the generated categories; the fixed cases come on top. */
const RUNS = { malformed: 12, invalid: 30, query: 20, hostile: 30, roundTrip: 25 };
const OPEN = '2026-03-17T00:00:00+08:00';
const CLOSE = '2026-03-31T00:00:00+08:00';
const NOW = '2026-03-20T10:00:00+08:00';
const REGISTER = [
  'part_id,building,entrance,floor,kind,area,area_source,status,owners',
  'U1,1,1,1,residential,80.00,register,registered,A',
  'U2,1,1,2,residential,90.00,register,registered,B',
  'U3,1,2,1,residential,100.00,register,registered,B',
  'U4,1,2,2,residential,120.00,register,registered,C;D',
  'U5,2,1,1,residential,60.00,register,registered,E',
  'U6,2,1,2,residential,70.00,survey,delivered,F',
  'U7,2,2,1,residential,110.00,contract,unsold,',
  'U8,2,2,2,residential,95.00,contract,sold_undelivered,',
  'U9,3,1,1,residential,85.00,register,registered,G',
  'U10,3,1,2,residential,90.00,register,registered,H',
  '',
].join('\n');
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

type User = { id: string; token: string };
type Caller = { name: 'admin' | 'organizer' | 'owner' | 'clerk' | 'volunteer' | 'auditor' | 'anonymous'; token?: string };

interface Fixture {
  users: Record<Exclude<Caller['name'], 'anonymous'>, User>;
  /** Path parameter values of estate A (the estate under test). */
  params: Record<string, string>;
  /** The same kind of ids in estate B (another estate). */
  other: Record<string, string>;
  A: string;
  B: string;
  t: ReturnType<typeof clock>;
}

interface Op {
  method: string;
  path: string;
  key: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema; required: boolean }[];
  json?: JsonSchema;
  bodyTypes: string[];
  public: boolean;
}

async function ok(ctx: TestContext, method: string, path: string, token: string, body?: unknown) {
  const r = await ctx.call(method, path, { token, body });
  if (r.status >= 300) throw new Error(`setup ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A small world for every route: two estates with votes, proposals, consultations, councils, sessions, comments, attachments. */
async function setup(ctx: TestContext): Promise<Fixture> {
  const t = clock(ctx, '2026-03-01T10:00:00+08:00');
  const admin = await makeUser(ctx, { name: 'admin', isAdmin: true });
  const world = async (name: string) => {
    const estate = await makeEstate(ctx, REGISTER, name);
    const role = (r: 'organizer' | 'clerk' | 'auditor' | 'volunteer') => makeUser(ctx, { name: `${name} ${r}`, roles: [{ estateId: estate.id, role: r }] });
    const org = await role('organizer');
    const base = `/api/estates/${estate.id}`;
    const vote = async (notice: boolean) => {
      const v = await ok(ctx, 'POST', `${base}/votes`, org.token, { title: `${name} vote`, opensAt: OPEN, closesAt: CLOSE, matters: [{ title: 'renew the property manager', category: '4' }] });
      if (notice) await ok(ctx, 'POST', `${base}/votes/${v.id}/notice`, org.token, { noticeDate: '2026-03-01' });
      return v.id as string;
    };
    const v1 = await vote(true);
    const v2 = await vote(false);
    const v3 = await vote(true);
    await ok(ctx, 'POST', `${base}/votes/${v1}/letters`, org.token, {});
    const proposal = async () => (await ok(ctx, 'POST', `${base}/proposals`, org.token, { title: `${name} proposal`, options: [{ key: 'A', name: '暖米色' }, { key: 'B', name: '浅灰' }] })).id as string;
    const p1 = await proposal();
    const p2 = await proposal();
    const consultation = async () =>
      (
        await ok(ctx, 'POST', `${base}/consultations`, org.token, {
          title: `${name} consultation`,
          closesAt: '2026-04-30T18:00:00+08:00',
          questions: [
            { key: 'q1', kind: 'single', title: '颜色', options: [{ key: 'A', name: '暖米色' }, { key: 'B', name: '浅灰' }] },
            { key: 'q2', kind: 'text', title: '意见', required: false },
          ],
        })
      ).id as string;
    const c1 = await consultation();
    const c2 = await consultation();
    const owner = await bindOwner(ctx, estate.id, 'A');
    await ok(ctx, 'POST', `${base}/consultations/${c1}/open`, org.token);
    const council = await ok(ctx, 'POST', `${base}/councils`, org.token, { name: `${name} council`, members: [{ userId: org.id, role: 'chair' }] });
    const session = await ok(ctx, 'POST', `${base}/councils/${council.id}/sessions`, org.token, { title: 'first session', scheduledAt: '2026-03-25T19:00:00+08:00', agenda: [{ title: 'item one' }] });
    const comment = await ok(ctx, 'POST', `${base}/proposals/${p1}/comments`, org.token, { body: 'first opinion' });
    const form = new FormData();
    form.set('file', new Blob([PNG]), 'swatch.png');
    const attachment = (await ctx.call('POST', `${base}/attachments`, { token: org.token, raw: form })).body;
    const inbox = (await ctx.call('GET', '/api/me/inbox', { token: owner.token })).body.items as { id: string }[];
    return {
      estate: estate.id,
      users: { organizer: org, owner, clerk: await role('clerk'), volunteer: await role('volunteer'), auditor: await role('auditor') },
      ids: { voteId: v1, draftVoteId: v2, closableVoteId: v3, proposalId: p1, closableProposalId: p2, consultationId: c1, closableConsultationId: c2, councilId: council.id, sessionId: session.id, commentId: comment.id, attachmentId: attachment.id, notificationId: inbox[0]!.id },
    };
  };
  const a = await world('Estate A');
  const b = await world('Estate B');
  const importEstate = await makeEstate(ctx, undefined, 'Import target');
  t.set(NOW);
  const common = (w: typeof a) => ({
    estateId: w.estate,
    voteId: w.ids.voteId,
    proposalId: w.ids.proposalId,
    consultationId: w.ids.consultationId,
    councilId: w.ids.councilId,
    sessionId: w.ids.sessionId,
    commentId: w.ids.commentId,
    attachmentId: w.ids.attachmentId,
    targetId: w.ids.proposalId,
    id: w.ids.notificationId,
    motionId: '6f1c1a52-3c1e-4c8e-9d2a-2b7d3f0c9e11',
  });
  return {
    users: { admin, ...a.users },
    params: {
      ...common(a),
      targetType: 'proposals',
      party: 'p1',
      household: 'U1',
      // Nobody: removing a role here would change the fixture for the other cases.
      userId: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a',
      role: 'volunteer',
      draftVoteId: a.ids.draftVoteId,
      closableVoteId: a.ids.closableVoteId,
      closableProposalId: a.ids.closableProposalId,
      closableConsultationId: a.ids.closableConsultationId,
      importEstateId: importEstate.id,
    },
    other: { ...common(b), targetType: 'votes', party: 'p9999999', household: 'U99', userId: b.users.volunteer.id, role: 'resident' },
    A: a.estate,
    B: b.estate,
    t,
  };
}

function listOps(doc: Doc): Op[] {
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const params = (op.parameters ?? []) as { name: string; in: string; schema: JsonSchema; required?: boolean }[];
      const content = (op.requestBody?.content ?? {}) as Record<string, { schema?: JsonSchema }>;
      ops.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        pathParams: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: !!p.required })),
        json: content['application/json']?.schema,
        bodyTypes: Object.keys(content),
        public: !op.security,
      });
    }
  }
  return ops;
}

/** Routes that change a resource's state for good use their own resource, so the others stay usable. */
const PARAM_OVERRIDES: Record<string, Record<string, string>> = {
  'POST /api/estates/{estateId}/votes/{voteId}/matters': { voteId: 'draftVoteId' },
  'POST /api/estates/{estateId}/votes/{voteId}/close': { voteId: 'closableVoteId' },
  'POST /api/estates/{estateId}/votes/{voteId}/finalize': { voteId: 'closableVoteId' },
  'POST /api/estates/{estateId}/proposals/{proposalId}/close': { proposalId: 'closableProposalId' },
  'POST /api/estates/{estateId}/consultations/{consultationId}/open': { consultationId: 'closableConsultationId' },
  'POST /api/estates/{estateId}/consultations/{consultationId}/close': { consultationId: 'closableConsultationId' },
  'POST /api/estates/{estateId}/register/import': { estateId: 'importEstateId' },
};

/** The caller that can do the most on a route besides the admin and the organizer. */
const BEST: Record<string, Caller['name']> = {
  'POST /api/estates/{estateId}/votes/{voteId}/ballots': 'owner',
  'PUT /api/estates/{estateId}/consultations/{consultationId}/responses/{household}': 'owner',
  'POST /api/estates/{estateId}/votes/{voteId}/paper': 'clerk',
  'POST /api/estates/{estateId}/votes/{voteId}/outreach/{party}/contacted': 'volunteer',
  'GET /api/estates/{estateId}/votes/{voteId}/ledger/export/auditor': 'auditor',
  'POST /api/me/bind': 'owner',
};

const UPLOAD = (op: Op) => op.bodyTypes.includes('multipart/form-data');

describeEachDb('hostile input on every route of the OpenAPI document', (ctx) => {
  let f: Fixture;
  let doc: Doc;
  let ops: Op[];
  let gen: GenOptions;
  const failures: string[] = [];
  const counts: Record<string, number> = {};

  beforeAll(async () => {
    f = await setup(ctx());
    doc = (await ctx().call('GET', '/api/openapi.json')).body;
    ops = listOps(doc);
    const u = f.users;
    gen = {
      doc,
      text: (min, max) => hostileFitting(min, Math.min(max, 1500)),
      hints: {
        partId: fc.constantFrom('U1', 'U2', 'U4', 'U5', 'U6', 'U9', 'U10', 'U99'),
        partRef: fc.constantFrom('U1', 'U2'),
        personRef: fc.constantFrom('A', 'B', 'Z'),
        building: fc.constantFrom('1', '2', '3', '9'),
        matter: fc.constantFrom('m1', 'm1', 'm1', 'm2'),
        choice: fc.constantFrom('yes', 'no', 'abstain', 'maybe'),
        opensAt: fc.constantFrom('2026-04-20T00:00:00+08:00', OPEN),
        closesAt: fc.constantFrom('2026-04-10T00:00:00+08:00', '2026-05-05T00:00:00+08:00'),
        noticeDate: fc.constantFrom('2026-03-01', '2026-03-20'),
        servedAt: fc.constant('2026-03-19T16:00:00+08:00'),
        receivedAt: fc.constant('2026-03-19T16:00:00+08:00'),
        scheduledAt: fc.constant('2026-04-01T19:00:00+08:00'),
        publicStart: fc.constant(NOW),
        publicEnd: fc.constant('2026-04-10T18:00:00+08:00'),
        assigneeId: fc.constantFrom(u.volunteer.id, u.auditor.id),
        userId: fc.constantFrom(u.organizer.id, u.clerk.id),
        parentId: fc.constant(null),
        attachmentId: fc.constantFrom(null, f.params.attachmentId!),
        attachmentIds: fc.constantFrom([], [f.params.attachmentId!]),
        neighbourhoodId: fc.constant(null),
        proposalId: fc.constant(null),
        estateId: fc.constant(f.A),
        nonce: fc.uuid(),
        party: fc.constantFrom('p1', 'p2'),
        holderIdNumber: fc.constantFrom('110101199001011234', 'X123456', '1101 0119 9001 0112 34'),
        coefficients: fc.constant({ '1': '1.0', '2': '1.1' }),
        category: fc.constantFrom('4', '7', 'consultation'),
        answers: fc.record({ q1: fc.constantFrom('A', 'B', 'C'), q2: hostileFitting(0, 2000) }, { requiredKeys: ['q1'] }),
      },
    };
  }, 180_000);

  const callersOf = (op: Op): Caller[] => {
    if (op.public) return [{ name: 'anonymous' }];
    const list: Caller[] = [{ name: 'admin', token: f.users.admin.token }, { name: 'organizer', token: f.users.organizer.token }];
    const best = BEST[op.key];
    if (best && best !== 'anonymous') list.push({ name: best, token: f.users[best].token });
    return list;
  };

  const valueOf = (op: Op, name: string) => {
    const override = PARAM_OVERRIDES[op.key]?.[name];
    const v = f.params[override ?? name];
    if (v === undefined) throw new Error(`no value for path parameter {${name}} of ${op.key}: add one to the fixture`);
    return v;
  };

  const pathOf = (op: Op, replace: Record<string, string | { raw: string }> = {}) =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const r = replace[name];
      if (r === undefined) return encodeURIComponent(valueOf(op, name));
      return typeof r === 'string' ? encodeURIComponent(r) : r.raw;
    });

  const validQuery = (op: Op) => {
    const q = new URLSearchParams();
    for (const p of op.query) if (p.required) q.set(p.name, '1');
    return q;
  };
  const withQuery = (path: string, q: URLSearchParams) => (q.size ? `${path}?${q}` : path);

  /** Status sets a category of invalid input may answer with, per caller. */
  const allowed = (op: Op, caller: Caller, kind: 'malformed' | 'ctype' | 'huge' | 'invalid' | 'path' | 'query'): number[] => {
    const base = { malformed: [400], ctype: [415], huge: [413], invalid: [400], path: [400, 404], query: [400] }[kind];
    if (kind === 'huge') return base;
    // Role checks run before the body and the parameters are read.
    if (caller.name !== 'admin' && !op.public) base.push(403);
    // Marking an inbox item read is idempotent: an unknown id answers { read: false }.
    if (kind === 'path' && op.key === 'POST /api/me/inbox/{id}/read') base.push(200);
    // A household that is not the caller's is refused whether or not it exists (existence is not revealed).
    if (kind === 'path' && op.key.endsWith('/responses/{household}')) base.push(403);
    return base;
  };

  const check = (label: string, a: Answer, expected?: number[]): string | null => {
    counts[String(a.status)] = (counts[String(a.status)] ?? 0) + 1;
    const p = envelopeProblem(a);
    if (p) return `${label}: ${p}`;
    if (expected && !expected.includes(a.status)) return `${label}: status ${a.status}, expected ${expected.join('/')}: ${a.text.slice(0, 200)}`;
    return null;
  };

  /**
   * Runs a batch of requests that must not write: fingerprints every table before and after; on a
   * change, replays the batch one request at a time to name the request that wrote.
   */
  async function noWrites(label: string, requests: (() => Promise<string | null>)[]) {
    const before = await fingerprint(ctx().db);
    for (const r of requests) {
      const problem = await r();
      if (problem) failures.push(problem);
    }
    const after = await fingerprint(ctx().db);
    const changed = changedTables(before, after);
    if (!changed.length) return;
    failures.push(`${label}: invalid input wrote to ${changed.join(', ')}`);
    for (const [i, r] of requests.entries()) {
      const b = await fingerprint(ctx().db);
      await r();
      const c = changedTables(b, await fingerprint(ctx().db));
      if (c.length) failures.push(`${label}: request #${i} wrote to ${c.join(', ')}`);
    }
  }

  /** fast-check over one operation: the property fails on the first problem; its input is reported. */
  async function property<T>(label: string, arb: fc.Arbitrary<T>, numRuns: number, run: (x: T) => Promise<string | null>) {
    let seed = SEED;
    for (const ch of label) seed = (seed * 31 + ch.charCodeAt(0)) | 0;
    const details = await fc.check(
      fc.asyncProperty(arb, async (x) => {
        const problem = await run(x);
        if (problem) throw new Error(problem);
      }),
      { seed, numRuns, endOnFailure: true },
    );
    if (details.failed) failures.push(`${(details.errorInstance as Error | undefined)?.message ?? 'property failed'} — input ${brief(details.counterexample?.[0], 300)}`);
  }

  const report = () => {
    const out = failures.splice(0);
    expect(out, out.join('\n')).toEqual([]);
  };

  it('knows a real value for every path parameter of every operation', () => {
    expect(ops.length).toBeGreaterThan(80);
    for (const op of ops) for (const p of op.pathParams) expect(() => valueOf(op, p), op.key).not.toThrow();
    expect(ops.filter((o) => o.json).length).toBeGreaterThan(30);
  });

  it('malformed JSON, wrong content types, huge and 10k-deep bodies: 4xx envelope, nothing written', async () => {
    for (const op of ops.filter((o) => o.method !== 'GET' && (o.json || UPLOAD(o)))) {
      const callers = callersOf(op);
      const path = withQuery(pathOf(op), validQuery(op));
      const batch: (() => Promise<string | null>)[] = [];
      const huge = UPLOAD(op) ? 10 * 1024 * 1024 + 128 * 1024 : 2 * 1024 * 1024 + 17;
      for (const caller of callers) {
        const go = (label: string, body: BodyInit, contentType: string | null, kind: Parameters<typeof allowed>[2]) => () =>
          send(ctx(), op.method, path, { token: caller.token, body, contentType }).then((a) => check(`${op.key} as ${caller.name}, ${label}`, a, allowed(op, caller, kind)));
        batch.push(go('huge body', JSON.stringify({ title: 'x'.repeat(huge) }), 'application/json', 'huge'));
        if (op.json) {
          batch.push(go('10k-deep arrays', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, 'application/json', 'invalid'));
          for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', null]) {
            batch.push(go(`content-type ${ct}`, '{"title":"x"}', ct, 'ctype'));
          }
        } else {
          batch.push(go('JSON to an upload route', '{"file":"x"}', 'application/json', 'ctype'));
          batch.push(go('broken multipart', '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc', 'multipart/form-data; boundary=y', 'invalid'));
        }
      }
      await noWrites(`${op.key} fixed malformed cases`, batch);
      if (!op.json) continue;
      const arb = fc.record({ base: validArb(op.json, gen), kind: fc.constantFrom(...MALFORMED_KINDS), cut: fc.nat(), caller: fc.constantFrom(...callers) });
      const before = await fingerprint(ctx().db);
      await property(`${op.key} malformed JSON`, arb, RUNS.malformed, async ({ base, kind, cut, caller }) => {
        const text = malform(JSON.stringify(base), kind, cut);
        const a = await send(ctx(), op.method, path, { token: caller.token, body: text, contentType: 'application/json' });
        return check(`${op.key} as ${caller.name}, malformed (${kind})`, a, allowed(op, caller, 'malformed'));
      });
      const changed = changedTables(before, await fingerprint(ctx().db));
      if (changed.length) failures.push(`${op.key} malformed JSON wrote to ${changed.join(', ')}`);
    }
    report();
  }, 300_000);

  it('bodies that break the schema (wrong types, missing or unknown fields, out of range, too long, bad patterns): 400, nothing written', async () => {
    for (const op of ops.filter((o) => o.json)) {
      const callers = callersOf(op);
      const path = withQuery(pathOf(op), validQuery(op));
      const before = await fingerprint(ctx().db);
      await property(`${op.key} invalid body`, fc.record({ bad: invalidArb(op.json!, gen), caller: fc.constantFrom(...callers) }), RUNS.invalid, async ({ bad, caller }) => {
        const a = await send(ctx(), op.method, path, { token: caller.token, body: JSON.stringify(bad.body), contentType: 'application/json' });
        const problem = check(`${op.key} as ${caller.name}, ${bad.why}`, a, allowed(op, caller, 'invalid'));
        if (problem) return problem;
        if (a.status === 400 && a.body.error.code !== 'VALIDATION_FAILED') return `${op.key}, ${bad.why}: code ${a.body.error.code}`;
        return null;
      });
      const changed = changedTables(before, await fingerprint(ctx().db));
      if (changed.length) failures.push(`${op.key} invalid bodies wrote to ${changed.join(', ')}`);
    }
    report();
  }, 300_000);

  it('bad path parameters (not a uuid, injections, NUL, bad escapes, unknown and other-estate ids): 4xx, nothing written', async () => {
    const generic: (string | { raw: string })[] = [
      'not-a-uuid',
      "'; drop table votes; --",
      '../../etc/passwd',
      '<script>alert(1)</script>',
      '${7*7}',
      '\u0000',
      'x'.repeat(3000),
      '00000000-0000-4000-8000-000000000000',
      { raw: '%E0%A4%A' },
      { raw: '%ED%A0%80' },
    ];
    for (const op of ops.filter((o) => o.pathParams.length)) {
      const callers = callersOf(op);
      const json = op.json ? JSON.stringify(fc.sample(validArb(op.json, gen).filter(deepStorable), { seed: SEED, numRuns: 1 })[0]) : undefined;
      // Every request carries a good body, so the path is the only thing wrong with it.
      const bodyOf = (): { body?: BodyInit; contentType: string | null } => {
        if (op.method === 'GET') return { contentType: null };
        if (json !== undefined) return { body: json, contentType: 'application/json' };
        if (op.bodyTypes.includes('text/csv')) return { body: REGISTER.replaceAll('U', 'P'), contentType: 'text/csv' };
        if (UPLOAD(op)) {
          const form = new FormData();
          form.set('file', new Blob([PNG]), 'p.png');
          return { body: form, contentType: null };
        }
        return { contentType: null };
      };
      const batch: (() => Promise<string | null>)[] = [];
      for (const name of op.pathParams) {
        const values = [...generic];
        // Another estate's id is wrong only next to this estate's ids, or for the organizer of this estate.
        const otherValid = name === 'estateId' && op.pathParams.length === 1;
        if (!otherValid) values.push(f.other[name] ?? 'missing');
        for (const v of values) {
          for (const caller of callers) {
            batch.push(() =>
              send(ctx(), op.method, withQuery(pathOf(op, { [name]: v }), validQuery(op)), { token: caller.token, ...bodyOf() }).then((a) => check(`${op.key} as ${caller.name}, {${name}}=${brief(v, 40)}`, a, allowed(op, caller, 'path'))),
            );
          }
        }
        if (otherValid) {
          const org = callers.find((c) => c.name === 'organizer')!;
          batch.push(() =>
            send(ctx(), op.method, withQuery(pathOf(op, { estateId: f.B }), validQuery(op)), { token: org.token, ...bodyOf() }).then((a) => check(`${op.key} as organizer of A on estate B`, a, [403])),
          );
        }
      }
      await noWrites(`${op.key} bad path parameters`, batch);
    }
    report();
  }, 300_000);

  it('bad query parameters: 400, nothing written; hostile but well-typed values never answer 5xx', async () => {
    for (const op of ops.filter((o) => o.query.length)) {
      const callers = callersOf(op);
      const batch: (() => Promise<string | null>)[] = [];
      for (const p of op.query) {
        const types = Array.isArray(p.schema.type) ? p.schema.type : [p.schema.type];
        const bad: (string | string[] | null)[] = [];
        if (types.includes('integer') || types.includes('number')) {
          bad.push('abc', 'NaN', 'Infinity', '1.5', ['1', '2']);
          if (p.schema.minimum !== undefined) bad.push(String(p.schema.minimum - 1));
          if (p.schema.maximum !== undefined) bad.push(String(p.schema.maximum + 1));
        }
        if (p.schema.enum) bad.push('nope', ['nope', 'nope']);
        if (p.schema.maxLength !== undefined) bad.push('x'.repeat(p.schema.maxLength + 1));
        if (types.includes('string') && !p.schema.enum) bad.push(['a', 'b']);
        if (p.required) bad.push(null);
        for (const v of bad) {
          const q = validQuery(op);
          if (v === null) q.delete(p.name);
          else if (Array.isArray(v)) {
            q.delete(p.name);
            for (const x of v) q.append(p.name, x);
          } else q.set(p.name, v);
          for (const caller of callers) {
            batch.push(() =>
              send(ctx(), op.method, withQuery(pathOf(op), q), { token: caller.token }).then((a) => check(`${op.key} as ${caller.name}, ?${p.name}=${brief(v, 40)}`, a, allowed(op, caller, 'query'))),
            );
          }
        }
      }
      if (op.method === 'GET') await noWrites(`${op.key} bad query parameters`, batch);
      else {
        // A valid query on an upload route still needs a file: send none, so the answer is 4xx anyway.
        await noWrites(`${op.key} bad query parameters`, batch);
      }
      // Well-typed values, including hostile strings and integers far beyond 32 bits.
      const value = (s: JsonSchema): fc.Arbitrary<string> => {
        const types = Array.isArray(s.type) ? s.type : [s.type];
        if (s.enum) return fc.constantFrom(...(s.enum as string[]));
        if (types.includes('integer')) {
          const min = s.minimum ?? 0;
          const max = s.maximum ?? Number.MAX_SAFE_INTEGER;
          const big = [2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1].filter((n) => n >= min && n <= max);
          const small = fc.integer({ min, max: Math.min(max, 50) });
          return (big.length ? fc.oneof(small, fc.constantFrom(...big)) : small).map(String);
        }
        return hostileFitting(0, s.maxLength ?? 200).filter((x) => x.isWellFormed());
      };
      const model: Record<string, fc.Arbitrary<string>> = {};
      for (const p of op.query) model[p.name] = value(p.schema);
      await property(
        `${op.key} hostile query`,
        fc.record({ q: fc.record(model, { requiredKeys: op.query.filter((p) => p.required).map((p) => p.name) }), caller: fc.constantFrom(...callers) }),
        RUNS.query,
        async ({ q, caller }) => {
          const a = await send(ctx(), op.method, withQuery(pathOf(op), new URLSearchParams(q as Record<string, string>)), { token: caller.token });
          return check(`${op.key} as ${caller.name}, ?${brief(q, 120)}`, a);
        },
      );
    }
    report();
  }, 300_000);

  it('valid-shaped bodies with hostile strings (injections, odd Unicode, long texts) never answer 5xx', async () => {
    for (const op of ops.filter((o) => o.json)) {
      const callers = callersOf(op);
      const path = withQuery(pathOf(op), validQuery(op));
      await property(`${op.key} hostile strings`, fc.record({ body: validArb(op.json!, gen), caller: fc.constantFrom(...callers) }), RUNS.hostile, async ({ body, caller }) => {
        const a = await send(ctx(), op.method, path, { token: caller.token, body: JSON.stringify(body), contentType: 'application/json' });
        const problem = check(`${op.key} as ${caller.name}, hostile body`, a);
        if (problem) return problem;
        if (a.status === 401 && !op.public) return `${op.key}: 401 for a signed-in caller`;
        if (a.status === 413 || a.status === 415) return `${op.key}: ${a.status} for a well-formed JSON body`;
        return null;
      });
    }
    // Own "__proto__" keys in JSON must not reach Object.prototype.
    for (const op of ops.filter((o) => o.json)) {
      const base = fc.sample(validArb(op.json!, gen), { seed: SEED, numRuns: 1 })[0];
      const text = JSON.stringify(base);
      if (!text.startsWith('{')) continue;
      const polluted = `{"__proto__":{"isAdmin":true,"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},${text.slice(1)}`.replace(',}', '}');
      const caller = callersOf(op)[0]!;
      const a = await send(ctx(), op.method, pathOf(op), { token: caller.token, body: polluted, contentType: 'application/json' });
      const problem = check(`${op.key} __proto__ body`, a);
      if (problem) failures.push(problem);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    report();
  }, 300_000);

  it('hostile text is stored inertly and reads back exactly; unstorable text (NUL, lone surrogates) is refused with 400', async () => {
    const { organizer: org, owner } = f.users;
    const base = `/api/estates/${f.A}`;
    /** Expected answer for a text field: the trimmed value when it fits and can be stored, else 400. */
    const fate = (s: string, min: number, max: number) => {
      const t = s.trim();
      return storable(s) && t.length >= min && t.length <= max ? { ok: true as const, value: t } : { ok: false as const };
    };
    const text = (max: number) => hostileFitting(0, max + 5);
    type Case = { label: string; fields: Record<string, [number, number]>; write: (v: Record<string, string>) => Promise<Answer>; read: (a: Answer, v: Record<string, string>) => Promise<Record<string, unknown>> };
    // Earlier fuzzing may have extended the vote already: extend from its current close.
    let nextClose = Date.parse((await ctx().call('GET', `${base}/votes/${f.params.voteId}`, { token: org.token })).body.closesAt);
    const get = async (path: string, token = org.token) => (await send(ctx(), 'GET', path, { token })).body;
    const post = (path: string, body: unknown, token = org.token, method = 'POST') => send(ctx(), method, path, { token, body: JSON.stringify(body), contentType: 'application/json' });
    const cases: Case[] = [
      {
        label: 'estate name, address, developer',
        fields: { name: [1, 100], address: [0, 200], developerName: [0, 100] },
        write: (v) => post('/api/estates', v, f.users.admin.token),
        read: async (a) => {
          const e = await get(`/api/estates/${a.body.id}`, f.users.admin.token);
          return { name: e.name, address: e.address, developerName: e.developerName };
        },
      },
      {
        label: 'proposal title, body, option name',
        fields: { title: [1, 200], body: [0, 20000], option: [1, 100] },
        write: (v) => post(`${base}/proposals`, { title: v.title, body: v.body, options: [{ key: 'A', name: v.option }] }),
        read: async (a) => {
          const p = await get(`${base}/proposals/${a.body.id}`);
          return { title: p.current.title, body: p.current.body, option: p.current.options[0].name };
        },
      },
      {
        label: 'vote title, description, matter title',
        fields: { title: [1, 200], description: [0, 5000], matter: [1, 200] },
        write: (v) => post(`${base}/votes`, { title: v.title, description: v.description, opensAt: '2026-04-20T00:00:00+08:00', closesAt: '2026-05-05T00:00:00+08:00', matters: [{ title: v.matter, category: '4' }] }),
        read: async (a) => {
          const vote = await get(`${base}/votes/${a.body.id}`);
          return { title: vote.title, description: vote.description, matter: vote.matters[0].title };
        },
      },
      {
        label: 'consultation title and question',
        fields: { title: [1, 200], question: [1, 300] },
        write: (v) => post(`${base}/consultations`, { title: v.title, closesAt: '2026-04-30T18:00:00+08:00', questions: [{ key: 'q1', kind: 'text', title: v.question }] }),
        read: async (a) => {
          const c = await get(`${base}/consultations/${a.body.id}`);
          return { title: c.title, question: c.questions[0].title };
        },
      },
      {
        label: 'consultation answer (free text)',
        fields: { answer: [0, 2000] },
        write: (v) => post(`${base}/consultations/${f.params.consultationId}/responses/U1`, { answers: { q1: 'A', q2: v.answer } }, owner.token, 'PUT'),
        read: async () => {
          const c = await get(`${base}/consultations/${f.params.consultationId}`, owner.token);
          return { answer: c.me.households[0].answers.q2 };
        },
      },
      {
        label: 'opinion on a proposal',
        fields: { body: [1, 2000] },
        write: (v) => {
          f.t.set(new Date(f.t.now.getTime() + 61_000).toISOString());
          return post(`${base}/proposals/${f.params.proposalId}/comments`, { body: v.body });
        },
        read: async (a) => {
          const threads = (await get(`${base}/proposals/${f.params.proposalId}/comments`)).threads as any[];
          const all = threads.flatMap((t) => [t, ...(t.replies ?? [])]);
          return { body: all.find((c) => c.id === a.body.id)?.body };
        },
      },
      {
        label: 'neighbourhood name',
        fields: { name: [1, 100] },
        write: (v) => post(`${base}/neighbourhoods`, { name: v.name, buildings: ['1'] }),
        read: async (a) => ({ name: (await get(`${base}/neighbourhoods`)).neighbourhoods.find((n: any) => n.id === a.body.id)?.name }),
      },
      {
        label: 'council name',
        fields: { name: [1, 100] },
        write: (v) => post(`${base}/councils`, { name: v.name }),
        read: async (a) => ({ name: (await get(`${base}/councils`)).councils.find((n: any) => n.id === a.body.id)?.name }),
      },
      {
        label: 'session title and agenda item',
        fields: { title: [1, 200], item: [1, 200], description: [0, 2000] },
        write: (v) => post(`${base}/councils/${f.params.councilId}/sessions`, { title: v.title, scheduledAt: '2026-04-02T19:00:00+08:00', agenda: [{ title: v.item, description: v.description }] }),
        read: async (a) => {
          const s = await get(`${base}/sessions/${a.body.id}`);
          return { title: s.title, item: s.agenda[0].title, description: s.agenda[0].description };
        },
      },
      {
        label: 'invite label',
        fields: { label: [1, 100] },
        write: (v) => post(`${base}/invites`, { role: 'clerk', label: v.label }),
        read: async (a) => ({ label: (await get(`${base}/invites`)).invites.find((i: any) => i.id === a.body.id)?.label }),
      },
      {
        label: 'extension reason',
        fields: { reason: [2, 500] },
        write: (v) => {
          nextClose += 3_600_000;
          return post(`${base}/votes/${f.params.voteId}/extension`, { closesAt: new Date(nextClose).toISOString(), reason: v.reason });
        },
        read: async (a) => ({ reason: (await get(`${base}/votes/${f.params.voteId}`)).extensions.find((e: any) => e.seq === a.body.seq)?.reason }),
      },
    ];
    for (const c of cases) {
      const arb = fc.record(Object.fromEntries(Object.entries(c.fields).map(([k, [, max]]) => [k, text(max)])));
      await property(`round trip: ${c.label}`, arb, RUNS.roundTrip, async (v) => {
        const fates = Object.fromEntries(Object.entries(c.fields).map(([k, [min, max]]) => [k, fate(v[k]!, min, max)]));
        const a = await c.write(v);
        const problem = check(`${c.label}`, a);
        if (problem) return problem;
        const storableAll = Object.values(fates).every((x) => x.ok);
        if (!storableAll) {
          return a.status === 400 ? null : `${c.label}: expected 400 for ${brief(v)}, got ${a.status}`;
        }
        if (a.status !== 200 && a.status !== 201) return `${c.label}: expected 2xx for ${brief(v)}, got ${a.status} ${a.text.slice(0, 200)}`;
        const back = await c.read(a, v);
        for (const [k, x] of Object.entries(fates)) {
          const want = x.ok ? x.value : undefined;
          if (back[k] !== want) return `${c.label}: ${k} stored as ${brief(back[k])}, sent ${brief(want)}`;
        }
        return null;
      });
    }
    // Closing a vote with a hostile reason: the result carries it verbatim. A fresh estate, since
    // the fuzzing above may have changed estate A's 议事规则.
    const closeArb = text(500).filter((s) => fate(s, 2, 500).ok);
    const fresh = `/api/estates/${(await makeEstate(ctx(), REGISTER, 'close reasons')).id}`;
    const admin = f.users.admin.token;
    for (const reason of fc.sample(closeArb, { seed: SEED, numRuns: 3 })) {
      f.t.set('2026-03-02T10:00:00+08:00');
      const v = (await post(`${fresh}/votes`, { title: 'to close', opensAt: '2026-03-20T00:00:00+08:00', closesAt: '2026-04-10T00:00:00+08:00', matters: [{ title: 'm', category: '4' }] }, admin)).body;
      const noticed = await post(`${fresh}/votes/${v.id}/notice`, { noticeDate: '2026-03-02' }, admin);
      f.t.set(NOW);
      if (noticed.status !== 200) failures.push(`close-reason setup: notice ${noticed.status} ${noticed.text.slice(0, 200)}`);
      const closed = await post(`${fresh}/votes/${v.id}/close`, { reason }, admin);
      const problem = check('close reason', closed, [200]);
      if (problem) failures.push(problem);
      else if ((await get(`${fresh}/votes/${v.id}/result`, admin)).closeReason !== reason.trim()) failures.push(`close reason altered: ${brief(reason)}`);
    }
    // Script URLs are not picture URLs: the vote page links to them.
    for (const pictureUrl of ['javascript:alert(1)', 'JaVaScRiPt:alert(document.cookie)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd']) {
      const before = await fingerprint(ctx().db);
      const a = await post(`${base}/votes/${f.params.draftVoteId}/matters`, { title: 'colour', category: '7', kind: 'options', options: [{ name: 'A', pictureUrl }, { name: 'B' }] });
      const problem = check(`pictureUrl ${pictureUrl}`, a, [400]);
      if (problem) failures.push(problem);
      if (changedTables(before, await fingerprint(ctx().db)).length) failures.push(`pictureUrl ${pictureUrl} was stored`);
    }
    report();
  }, 300_000);

  it('answered every request below 500', () => {
    console.info(`fuzz statuses: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).filter((s) => Number(s) >= 500)).toEqual([]);
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(3000);
  });
});
