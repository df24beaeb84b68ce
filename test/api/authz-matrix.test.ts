/**
 * Authorization matrix: every route of the OpenAPI document × every kind of caller → the expected
 * status, table-driven; the same routes called across estates (another estate's id with this
 * estate's resources → 404); token attacks → 401; abuse limits (429), single-use and expiring
 * invites; drafts hidden from owners; security headers on the API and the web pages.
 *
 * The expected sets are written from the product's meaning (docs/*.md, the route summaries) and
 * cross-checked against the code. Cases marked SECURITY pin a fix made with this suite (they failed
 * before it).
 * Each suite runs once per database (PGlite, and PostgreSQL with DATABASE_URL).
 */
import { createSecretKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { SignJWT, UnsecuredJWT, exportJWK } from 'jose';
import { beforeAll, expect, it } from 'vitest';
import { otpChallenges, parts, residentParts, roleGrants, sessions, users } from '../../db/schema/index.ts';
import { createApp, type App } from '../../src/app.ts';
import { sha256Hex } from '../../src/keys.ts';
import { ESTATE_ROLES } from '../../src/modules/auth/roles.ts';
import { createInvite } from '../../src/modules/auth/service.ts';
import { TOKEN_AUDIENCE, issueToken } from '../../src/modules/auth/tokens.ts';
import { act } from '../../src/modules/deliberation/service.ts';
import { optOutToken } from '../../src/modules/votes/outreach.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');
const OTHER_CSV = 'part_id,building,entrance,area,area_source,status,owners\nP-1,1,1,80,register,registered,P1\nP-2,1,1,90,register,registered,P2\n';
/** The estate where callers bind accounts and sign in by phone, away from the matrix estate. */
const BIND_CSV = [
  'part_id,building,area,area_source,status,owners,owner_phones,certificate',
  ...Array.from({ length: 12 }, (_, i) => `Z${i + 1},1,80,register,registered,Q${i + 1},,CERT-${i + 1}`),
  'Z20,1,80,register,registered,Q20,13900000020,CERT-20',
  'Z21,1,80,register,registered,Q21,13900000021,CERT-21',
  'Z22,1,80,register,registered,Q22,13900000022,CERT-22',
].join('\n');
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]);

/** The matrix runs at this time: the open vote's window (17 March – 10 May) is running. */
const NOW = '2026-04-10T10:00:00+08:00';
const SCAN = (n: number) => n.toString(16).padStart(64, '0');

type Actor = 'anonymous' | 'owner_here' | 'owner_elsewhere' | 'resident' | 'volunteer' | 'clerk' | 'organizer' | 'auditor' | 'chair' | 'council_member' | 'admin';
const ACTORS: Actor[] = ['anonymous', 'owner_here', 'owner_elsewhere', 'resident', 'volunteer', 'clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'];
const SIGNED_IN = ACTORS.filter((a) => a !== 'anonymous');
/** Anyone with a role in the estate, and platform admins (who pass every rule but `public`). */
const MEMBERS = SIGNED_IN.filter((a) => a !== 'owner_elsewhere');
const ORGANIZER: Actor[] = ['organizer', 'admin'];
/** Vote staff: organizer, clerk (录入员), auditor. */
const VOTE_STAFF: Actor[] = ['organizer', 'clerk', 'auditor', 'admin'];

interface Input {
  params?: Record<string, string>;
  query?: string;
  body?: unknown;
  raw?: BodyInit;
}

interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path template exactly as in the OpenAPI document. */
  path: string;
  /** Who gets `ok`; every other signed-in caller gets 403, anonymous 401. `public`: everyone gets `ok`. */
  allowed: 'public' | readonly Actor[];
  ok: number;
  /** Signed-in callers who pass the route's rule but get another answer from the handler (e.g. 409 before close). */
  status?: Partial<Record<Actor, number>>;
  /** The request, as the caller would send it (cheap: built for every call). */
  input?: (w: World, actor: Actor) => Input;
  /**
   * A fresh resource in the right state for a state-changing call (a draft to notice, an open vote to
   * close …): built only for callers expected to succeed, and for the cross-estate check.
   */
  fresh?: (w: World, actor: Actor) => Promise<Input>;
  /** Rate-limited route: every call comes from its own client address (limits count per address). */
  limited?: boolean;
  /** The call ends the caller's session: it is made with a fresh token of the actor's, not the world's. */
  ownToken?: boolean;
  /** Why the expectation is what it is, where it is not obvious; SECURITY marks a fixed bug. */
  note?: string;
}

/** The test clock, with what the table's builders need from the context. */
type Clock = ReturnType<typeof clock> & { db: TestContext['db']; keys: TestContext['deps']['keys']; call: TestContext['call'] };

interface World {
  t: Clock;
  estate: string;
  other: string;
  bindEstate: string;
  tokens: Partial<Record<Actor, string>>;
  ids: Partial<Record<Actor, string>>;
  /** A user with every estate role in the other estate (the cross-estate caller). */
  intruder: { id: string; token: string };
  /** Default path parameters: the estate's standing resources. */
  params: Record<string, string>;
  partyOf: Record<string, string>;
  draftVote: string;
  closedVote: string;
  councilId: string;
  receipt: string;
  fresh: {
    draftVote(): Promise<string>;
    noticedVote(): Promise<string>;
    closedVote(): Promise<string>;
    proposal(publish: boolean): Promise<string>;
    consultation(open: boolean): Promise<string>;
    endedSession(): Promise<string>;
  };
}

const idx = (a: Actor) => ACTORS.indexOf(a);
const VOTE_BODY = (title: string) => ({ title, opensAt: '2026-04-30T00:00:00+08:00', closesAt: '2026-05-20T00:00:00+08:00', matters: [{ title: 'renew the property manager', category: '4' }] });
const QUESTIONS = [{ key: 'q1', kind: 'single', title: '外墙颜色 Colour', options: [{ key: 'A', name: '暖米色' }, { key: 'B', name: '浅灰' }] }];
const pngForm = () => {
  const f = new FormData();
  f.set('file', new Blob([PNG as BlobPart], { type: 'image/png' }), 'swatch.png');
  return f;
};
const csvForm = () => {
  const f = new FormData();
  f.set('file', new Blob(['part_id,building,entrance,area,area_source,status,owners\nB-1,1,1,80,register,registered,N1\n'], { type: 'text/csv' }), 'r.csv');
  return f;
};

/**
 * Every route of the OpenAPI document. Keep it in the document's order; the completeness test
 * fails when a route is added to the API without a row here (or a row outlives its route).
 */
const ROUTES: Row[] = [
  { method: 'GET', path: '/api/health', allowed: 'public', ok: 200 },

  // ── invites and people ──
  { method: 'POST', path: '/api/estates/{estateId}/invites', allowed: ORGANIZER, ok: 201, input: () => ({ body: { role: 'clerk', label: 'New clerk' } }) },
  { method: 'GET', path: '/api/estates/{estateId}/invites', allowed: ORGANIZER, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/users', allowed: ['organizer', 'chair', 'admin'], ok: 200 },

  // ── sign-in (public, rate limited) and the signed-in person ──
  {
    method: 'POST',
    path: '/api/auth/sign-in',
    allowed: 'public',
    ok: 200,
    limited: true,
    input: () => ({ body: { code: 'AAAAA-BBBBB' } }),
    fresh: async (w) => ({ body: { code: (await createInvite(w.t.db, { estateId: w.bindEstate, role: 'resident', label: 'matrix sign-in' }, w.t.now)).code } }),
  },
  { method: 'POST', path: '/api/auth/otp/request', allowed: 'public', ok: 202, limited: true, input: (_w, a) => ({ body: { phone: `1370000${String(idx(a)).padStart(4, '0')}` } }) },
  {
    method: 'POST',
    path: '/api/auth/otp/verify',
    allowed: 'public',
    ok: 200,
    limited: true,
    input: () => ({ body: { phone: '13900000020', code: '000000' } }),
    fresh: async (w) => {
      // A code as if sent by SMS to a register number of the bind estate.
      const phoneHash = w.t.keys.hash('phone', '13900000020');
      await w.t.db.insert(otpChallenges).values({ phoneHash, codeHash: sha256Hex(`${phoneHash}:424242`), expiresAt: new Date(w.t.now.getTime() + 60_000), createdAt: w.t.now });
      return { body: { phone: '13900000020', code: '424242' } };
    },
  },
  { method: 'GET', path: '/api/me', allowed: SIGNED_IN, ok: 200 },
  { method: 'POST', path: '/api/auth/sign-out', allowed: SIGNED_IN, ok: 204, ownToken: true, note: 'ends the session of the token it is called with' },
  {
    method: 'POST',
    path: '/api/me/bind',
    allowed: SIGNED_IN,
    ok: 200,
    limited: true,
    note: 'any signed-in person may claim a register part with its certificate number (here: in the bind estate)',
    input: (w, a) => ({ body: { estateId: w.bindEstate, partId: `Z${idx(a)}`, certificate: `CERT-${idx(a)}` } }),
  },

  // ── estates and the register ──
  { method: 'POST', path: '/api/estates', allowed: ['admin'], ok: 201, input: () => ({ body: { name: '新小区 New estate' } }) },
  { method: 'GET', path: '/api/estates', allowed: SIGNED_IN, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}', allowed: MEMBERS, ok: 200 },
  { method: 'PATCH', path: '/api/estates/{estateId}/rules', allowed: ORGANIZER, ok: 200, input: () => ({ body: { objectionDays: 7 } }) },
  { method: 'POST', path: '/api/estates/{estateId}/register/import', allowed: ORGANIZER, ok: 200, input: () => ({ query: 'dryRun=true', raw: csvForm() }) },
  { method: 'GET', path: '/api/estates/{estateId}/buildings', allowed: ['clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'], ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/parts', allowed: ['clerk', 'organizer', 'auditor', 'admin'], ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/electorate', allowed: ['organizer', 'auditor', 'admin'], ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/neighbourhoods', allowed: ORGANIZER, ok: 201, input: () => ({ body: { name: 'N', buildings: ['1'] } }) },
  { method: 'GET', path: '/api/estates/{estateId}/neighbourhoods', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/councils', allowed: ORGANIZER, ok: 201, input: () => ({ body: { name: 'C' } }) },
  { method: 'GET', path: '/api/estates/{estateId}/councils', allowed: MEMBERS, ok: 200 },

  // ── votes ──
  { method: 'POST', path: '/api/estates/{estateId}/votes', allowed: ORGANIZER, ok: 201, input: () => ({ body: VOTE_BODY('matrix vote') }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes', allowed: MEMBERS, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/matters', allowed: ORGANIZER, ok: 201, input: (w) => ({ params: { voteId: w.draftVote }, body: { title: 'an extra matter', category: '4' } }) },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/notice', allowed: ORGANIZER, ok: 200, input: () => ({ body: {} }), fresh: async (w) => ({ params: { voteId: await w.fresh.draftVote() } }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/electorate', allowed: MEMBERS, ok: 200 },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/ballots',
    allowed: ['owner_here'],
    ok: 201,
    note: 'owners in the electorate only: an admin passes the rule but is no party (403 from the box)',
    input: () => ({ body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } }),
  },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/paper',
    allowed: ['clerk', 'admin'],
    ok: 202,
    status: { admin: 403 },
    note: 'the clerks of this vote only (two-person entry; credentials on its log): an admin passes the rule but is no clerk of the vote; the organizer does not enter paper ballots',
    input: (_w, a) => ({ body: { partId: a === 'admin' ? 'U5' : 'U4', choices: [{ matter: 'm1', choice: 'yes' }], scanSha256: SCAN(idx(a)), receivedAt: '2026-04-09T10:00:00+08:00' } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/paper', allowed: VOTE_STAFF, ok: 200 },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/service',
    allowed: ['organizer', 'clerk', 'admin'],
    ok: 201,
    input: (_w, a) => ({ body: { partId: a === 'organizer' ? 'U2' : a === 'clerk' ? 'U4' : 'U5', channel: 'hand', servedAt: '2026-04-09T10:00:00+08:00' } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/service', allowed: VOTE_STAFF, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/turnout', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/close', allowed: ORGANIZER, ok: 200, note: 'a clerk or auditor never closes a vote', input: () => ({ body: { reason: 'matrix close' } }), fresh: async (w) => ({ params: { voteId: await w.fresh.noticedVote() } }) },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/finalize', allowed: ORGANIZER, ok: 200, fresh: async (w) => ({ params: { voteId: await w.fresh.closedVote() } }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/result', allowed: MEMBERS, ok: 200, input: (w) => ({ params: { voteId: w.closedVote } }) },

  // ── reaching quorum ──
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/letters', allowed: ORGANIZER, ok: 201, input: () => ({ body: {} }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/letters', allowed: VOTE_STAFF, ok: 200 },
  {
    method: 'POST',
    path: '/api/auth/letter',
    allowed: 'public',
    ok: 200,
    limited: true,
    input: () => ({ body: { code: 'AAAA-BBBB-CCCC' } }),
    fresh: async (w) => {
      const res = await w.t.call('POST', `/api/estates/${w.estate}/votes/${w.params.voteId}/letters`, { token: w.tokens.organizer, body: { reissue: true, parts: ['U10'] } });
      expect(res.status).toBe(201);
      return { body: { code: res.body.letters[0].code } };
    },
  },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/proxies',
    allowed: ['organizer', 'clerk', 'admin'],
    ok: 201,
    input: (_w, a) => ({ body: { partId: a === 'organizer' ? 'U6' : a === 'clerk' ? 'U9' : 'U10', holderIdNumber: `H${String(idx(a)).padStart(6, '0')}`, authorizationSha256: SCAN(100 + idx(a)) } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/proxies', allowed: VOTE_STAFF, ok: 200 },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/extension',
    allowed: ORGANIZER,
    ok: 201,
    input: () => ({ body: { closesAt: '2026-05-25T00:00:00+08:00', reason: 'matrix extension' } }),
    fresh: async (w) => ({ params: { voteId: await w.fresh.noticedVote() } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/reconciliation', allowed: VOTE_STAFF, ok: 200, note: 'staff any time; other members only after close (403 from the handler while open)' },
  { method: 'POST', path: '/api/estates/{estateId}/cost-sharing', allowed: ORGANIZER, ok: 200, input: () => ({ body: { scope: { building: '1' }, costFen: 120_000, coefficients: { '1': '1', '2': '1.1' } } }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/cost-sharing', allowed: MEMBERS, ok: 200, input: (w) => ({ params: { voteId: w.params.costVote! } }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/outreach', allowed: ['organizer', 'clerk', 'volunteer', 'admin'], ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/outreach/assign', allowed: ORGANIZER, ok: 200, input: (w) => ({ body: { assigneeId: w.ids.volunteer, building: '3' } }) },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/outreach/{party}/contacted',
    allowed: ['organizer', 'clerk', 'volunteer', 'admin'],
    ok: 200,
    note: 'the assigned volunteer and staff (the docs name the assignee and the organizer; clerks may too)',
    input: () => ({ body: { note: '周末回来 back at the weekend' } }),
  },
  { method: 'POST', path: '/api/estates/{estateId}/votes/{voteId}/reminders', allowed: ORGANIZER, ok: 200, input: () => ({ body: {} }) },
  { method: 'POST', path: '/api/reminders/opt-out', allowed: 'public', ok: 200, limited: true, input: (w) => ({ body: { token: optOutToken(w.t.keys, w.t.keys.hash('phone', '13900000099')) } }) },

  // ── ledger ──
  { method: 'GET', path: '/api/ledger/keys', allowed: 'public', ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/ledger/checkpoint', allowed: MEMBERS, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/ledger/proof', allowed: MEMBERS, ok: 200, input: () => ({ query: 'index=0' }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/ledger/consistency', allowed: MEMBERS, ok: 200, input: (w) => ({ query: `from=${w.params.noticeSize}` }) },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/ledger/export', allowed: MEMBERS, ok: 200 },
  {
    method: 'GET',
    path: '/api/estates/{estateId}/votes/{voteId}/ledger/export/auditor',
    allowed: ['auditor', 'admin'],
    ok: 200,
    status: { admin: 403 },
    note: 'openings: the auditors named at the notice only (on the log), never the organizer; an admin passes the rule but is none of them',
    input: (w) => ({ params: { voteId: w.closedVote } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/my-receipts', allowed: MEMBERS, ok: 200 },

  // ── who voted in whose name (rules.md §7) ──
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/participation', allowed: MEMBERS, ok: 200, note: 'the participation list is public to the estate while voting' },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/votes/{voteId}/objections',
    allowed: ['owner_here', 'admin'],
    ok: 201,
    status: { admin: 403 },
    note: 'an owner of a household in the vote ("this was not me"); an admin passes the rule but has no household',
    input: () => ({ body: { text: 'matrix: this was not me' } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/votes/{voteId}/oversight', allowed: ['organizer', 'auditor', 'admin'], ok: 200 },
  {
    method: 'DELETE',
    path: '/api/estates/{estateId}/users/{userId}/roles/{role}',
    allowed: ORGANIZER,
    ok: 200,
    fresh: async (w) => {
      const [u] = await w.t.db.insert(users).values({ displayName: 'matrix helper' }).returning({ id: users.id });
      await w.t.db.insert(roleGrants).values({ userId: u!.id, estateId: w.estate, role: 'volunteer' });
      return { params: { userId: u!.id, role: 'volunteer' } };
    },
  },

  // ── proposals and attachments ──
  { method: 'POST', path: '/api/estates/{estateId}/attachments', allowed: ORGANIZER, ok: 201, input: () => ({ raw: pngForm() }) },
  { method: 'GET', path: '/api/estates/{estateId}/attachments/{attachmentId}', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/proposals', allowed: ORGANIZER, ok: 201, input: () => ({ body: { title: '外墙方案', options: [{ key: 'A', name: '暖米色', colorHex: '#D8C3A5' }] } }) },
  { method: 'GET', path: '/api/estates/{estateId}/proposals', allowed: MEMBERS, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/proposals/{proposalId}', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/proposals/{proposalId}/versions', allowed: ORGANIZER, ok: 201, input: () => ({ body: { title: '外墙方案（修订）', body: 'v', note: 'matrix' } }) },
  { method: 'GET', path: '/api/estates/{estateId}/proposals/{proposalId}/diff', allowed: MEMBERS, ok: 200, input: () => ({ query: 'from=1&to=2' }) },
  { method: 'POST', path: '/api/estates/{estateId}/proposals/{proposalId}/publish', allowed: ORGANIZER, ok: 200, input: () => ({ body: { publicEnd: '2026-06-01T00:00:00+08:00' } }), fresh: async (w) => ({ params: { proposalId: await w.fresh.proposal(false) } }) },
  { method: 'POST', path: '/api/estates/{estateId}/proposals/{proposalId}/close', allowed: ORGANIZER, ok: 200, fresh: async (w) => ({ params: { proposalId: await w.fresh.proposal(true) } }) },
  { method: 'POST', path: '/api/estates/{estateId}/proposals/{proposalId}/support', allowed: MEMBERS, ok: 200, note: 'the docs say owners and residents support; the code lets every member (one support each)' },
  { method: 'DELETE', path: '/api/estates/{estateId}/proposals/{proposalId}/support', allowed: MEMBERS, ok: 200 },
  {
    method: 'POST',
    path: '/api/estates/{estateId}/proposals/{proposalId}/convert',
    allowed: ORGANIZER,
    ok: 201,
    input: () => ({ body: { category: '7', opensAt: '2026-05-01T00:00:00+08:00', closesAt: '2026-05-20T00:00:00+08:00' } }),
    fresh: async (w) => ({ params: { proposalId: await w.fresh.proposal(true) } }),
  },

  // ── inbox ──
  { method: 'GET', path: '/api/me/inbox', allowed: SIGNED_IN, ok: 200 },
  { method: 'POST', path: '/api/me/inbox/{id}/read', allowed: SIGNED_IN, ok: 200 },

  // ── consultations ──
  { method: 'POST', path: '/api/estates/{estateId}/consultations', allowed: ORGANIZER, ok: 201, input: () => ({ body: { title: '意见征询', closesAt: '2026-06-01T00:00:00+08:00', questions: QUESTIONS } }) },
  { method: 'GET', path: '/api/estates/{estateId}/consultations', allowed: MEMBERS, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/consultations/{consultationId}', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/consultations/{consultationId}/open', allowed: ORGANIZER, ok: 200, fresh: async (w) => ({ params: { consultationId: await w.fresh.consultation(false) } }) },
  { method: 'POST', path: '/api/estates/{estateId}/consultations/{consultationId}/close', allowed: ORGANIZER, ok: 200, fresh: async (w) => ({ params: { consultationId: await w.fresh.consultation(true) } }) },
  {
    method: 'PUT',
    path: '/api/estates/{estateId}/consultations/{consultationId}/responses/{household}',
    allowed: ['owner_here', 'resident'],
    ok: 200,
    note: 'for one\'s own household only: an admin passes the rule but has no household (403 from the handler)',
    input: (_w, a) => ({ params: { household: a === 'resident' ? 'U2' : 'U1' }, body: { answers: { q1: 'A' } } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/consultations/{consultationId}/coverage', allowed: ['organizer', 'clerk', 'chair', 'council_member', 'admin'], ok: 200 },
  {
    method: 'GET',
    path: '/api/estates/{estateId}/consultations/{consultationId}/results',
    allowed: MEMBERS,
    ok: 200,
    status: { owner_here: 409, resident: 409 },
    note: 'staff any time; owners and residents after close (the consultation is open)',
  },
  { method: 'GET', path: '/api/estates/{estateId}/consultations/{consultationId}/export.csv', allowed: ORGANIZER, ok: 200 },

  // ── opinions and comments ──
  { method: 'GET', path: '/api/estates/{estateId}/{targetType}/{targetId}/comments', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/{targetType}/{targetId}/comments', allowed: MEMBERS, ok: 201, input: (_w, a) => ({ body: { body: `opinion from ${a}` } }) },
  { method: 'POST', path: '/api/estates/{estateId}/comments/{commentId}/answer', allowed: ORGANIZER, ok: 200, input: () => ({ body: { status: 'answered', answer: '谢谢 Thank you' } }) },
  { method: 'POST', path: '/api/estates/{estateId}/comments/{commentId}/report', allowed: MEMBERS, ok: 200, input: () => ({ body: { reason: 'matrix' } }) },
  { method: 'POST', path: '/api/estates/{estateId}/comments/{commentId}/moderate', allowed: ORGANIZER, ok: 200, input: () => ({ body: { action: 'restore' } }) },
  { method: 'GET', path: '/api/estates/{estateId}/opinions', allowed: ['organizer', 'clerk', 'chair', 'admin'], ok: 200 },

  // ── council sessions ──
  {
    method: 'POST',
    path: '/api/estates/{estateId}/councils/{councilId}/sessions',
    allowed: ['organizer', 'chair', 'admin'],
    ok: 201,
    note: 'the chair of this council (a chair of another council is refused: see below)',
    input: () => ({ body: { title: 'matrix session', scheduledAt: '2026-04-20T19:30:00+08:00', agenda: [{ title: '电梯 Lift', minutes: 10 }] } }),
  },
  { method: 'GET', path: '/api/estates/{estateId}/sessions', allowed: MEMBERS, ok: 200 },
  { method: 'GET', path: '/api/estates/{estateId}/sessions/{sessionId}', allowed: MEMBERS, ok: 200 },
  { method: 'POST', path: '/api/estates/{estateId}/sessions/{sessionId}/minutes', allowed: ['organizer', 'chair', 'admin'], ok: 200, fresh: async (w) => ({ params: { sessionId: await w.fresh.endedSession() } }) },
  { method: 'POST', path: '/api/estates/{estateId}/sessions/{sessionId}/motions/{motionId}/proposal', allowed: ['organizer', 'chair', 'admin'], ok: 201, input: (w) => ({ params: { sessionId: w.params.motionSessionId! } }) },
];

const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;

function expected(row: Row, actor: Actor): number {
  if (row.allowed === 'public') return row.ok;
  if (actor === 'anonymous') return 401;
  return row.status?.[actor] ?? (row.allowed.includes(actor) ? row.ok : 403);
}

function fill(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(v);
  });
}

async function send(app: App, method: string, url: string, opts: { token?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: BodyInit | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await app.request(url, { method, headers, body });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * A client from an address of its own: limits are counted in the database per client address, so
 * a new address (not a new app instance) starts a fresh short-window budget. The address is the
 * socket's peer, as @hono/node-server gives it.
 */
let nextAddress = 0;
const freshApp = (c: TestContext): App => {
  const remoteAddress = `198.51.${Math.floor(nextAddress / 250) % 250}.${(nextAddress++ % 250) + 1}`;
  return { request: (url: string, init?: RequestInit) => c.app.request(url, init, { incoming: { socket: { remoteAddress } } }) } as unknown as App;
};

describeEachDb('authorization matrix, token attacks, abuse limits, security headers', (ctx) => {
  let w: World;

  beforeAll(async () => {
    const c = ctx();
    const t0 = clock(c, '2026-03-01T10:00:00+08:00');
    const t: Clock = Object.assign(t0, { db: c.db, keys: c.deps.keys, call: c.call.bind(c) });
    const ok = async (p: Promise<{ status: number; body: any }>, status: number) => {
      const res = await p;
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(status);
      return res.body;
    };

    const estate = (await makeEstate(c, E10, 'Matrix estate')).id;
    const other = (await makeEstate(c, OTHER_CSV, 'Other estate')).id;
    const bindEstate = (await makeEstate(c, `${BIND_CSV}\n`, 'Bind estate')).id;
    const role = async (r: (typeof ESTATE_ROLES)[number]) => makeUser(c, { name: r, roles: [{ estateId: estate, role: r }] });
    const users_: Partial<Record<Actor, { id: string; token: string }>> = {};
    users_.owner_here = await bindOwner(c, estate, 'A');
    users_.owner_elsewhere = await bindOwner(c, other, 'P1');
    for (const r of ['volunteer', 'clerk', 'organizer', 'auditor', 'chair', 'council_member'] as const) users_[r] = await role(r);
    users_.admin = await makeUser(c, { name: 'admin', isAdmin: true });
    const org = users_.organizer!.token;
    const base = `/api/estates/${estate}`;

    // A tenant of U2, invited and signed in the way tenants are.
    const invite = await ok(c.call('POST', `${base}/invites`, { token: org, body: { role: 'resident', partRef: 'U2' } }), 201);
    const residentToken = (await ok(c.call('POST', '/api/auth/sign-in', { body: { code: invite.code } }), 200)).token as string;
    const residentId = (await ok(c.call('GET', '/api/me', { token: residentToken }), 200)).user.id as string;
    // That token was issued on 1 March (the test clock) and has expired by NOW: a fresh one, as makeUser does.
    users_.resident = { id: residentId, token: (await issueToken(c.db, c.deps.keys, c.deps.env.publicUrl, residentId)).token };
    const intruder = await makeUser(c, { name: 'intruder', roles: ESTATE_ROLES.map((r) => ({ estateId: other, role: r })) });

    // The council: its chair and a member hold those roles.
    const council = await ok(
      c.call('POST', `${base}/councils`, { token: org, body: { name: '理事会', members: [{ userId: users_.chair!.id, role: 'chair' }, { userId: users_.council_member!.id, role: 'member' }] } }),
      201,
    );

    // Votes: a draft, an open one, a building vote with a cost plan, and one to close on 20 March.
    const newVote = async (body: Record<string, unknown>, notice: boolean) => {
      const id = (await ok(c.call('POST', `${base}/votes`, { token: org, body }), 201)).id as string;
      if (notice) await ok(c.call('POST', `${base}/votes/${id}/notice`, { token: org, body: { noticeDate: '2026-03-01' } }), 200);
      return id;
    };
    const matters = [{ title: 'renew the property manager', category: '4' }];
    const draftVote = await newVote({ title: 'draft', opensAt: '2026-04-30T00:00:00+08:00', closesAt: '2026-05-20T00:00:00+08:00', matters }, false);
    const openVote = await newVote({ title: 'open', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-05-10T00:00:00+08:00', matters }, true);
    const costVote = await newVote(
      { title: 'lift', scope: { building: '1' }, opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-05-10T00:00:00+08:00', matters, costPlan: { costFen: 120_000, coefficients: { '1': '1', '2': '1.1' } } },
      true,
    );
    const closedVote = await newVote({ title: 'closed', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-04-30T00:00:00+08:00', matters }, true);
    await ok(c.call('POST', `${base}/votes/${openVote}/letters`, { token: org, body: {} }), 201);
    // The notice's checkpoint covers the setup entry and the credentials listed with it.
    const exported = (await ok(c.call('GET', `${base}/votes/${openVote}/ledger/export`, { token: org }), 200)).files as Record<string, string>;
    const noticeSize = String(Math.min(...Object.keys(exported).flatMap((f) => (/^checkpoints\/(\d+)\.note$/.exec(f) ? [Number(/^checkpoints\/(\d+)\.note$/.exec(f)![1])] : []))));
    const roster = (await ok(c.call('GET', `${base}/votes/${openVote}/electorate`, { token: org }), 200)).roster as { party: string; parts: { partId: string }[] }[];
    const partyOf = Object.fromEntries(roster.flatMap((p) => p.parts.map((x) => [x.partId, p.party])));
    await ok(c.call('POST', `${base}/votes/${openVote}/outreach/assign`, { token: org, body: { assigneeId: users_.volunteer!.id, building: '3' } }), 200);
    t.set('2026-03-20T10:00:00+08:00');
    const ballot = await ok(c.call('POST', `${base}/votes/${closedVote}/ballots`, { token: users_.owner_here!.token, body: { choices: [{ matter: 'm1', choice: 'yes' }], nonce: randomUUID() } }), 201);
    await ok(c.call('POST', `${base}/votes/${closedVote}/close`, { token: org, body: { reason: 'matrix' } }), 200);

    // A published proposal with two versions, an opinion on it, an attachment.
    const attachment = await ok(c.call('POST', `${base}/attachments`, { token: org, raw: pngForm() }), 201);
    const newProposal = async (publish: boolean) => {
      const id = (await ok(c.call('POST', `${base}/proposals`, { token: org, body: { title: '外墙方案', body: 'v1', options: [{ key: 'A', name: '暖米色' }, { key: 'B', name: '浅灰' }] } }), 201)).id as string;
      if (publish) await ok(c.call('POST', `${base}/proposals/${id}/publish`, { token: org, body: { publicEnd: '2026-06-01T00:00:00+08:00' } }), 200);
      return id;
    };
    const proposal = (await ok(c.call('POST', `${base}/proposals`, { token: org, body: { title: '外墙方案', body: 'v1', options: [{ key: 'A', name: '暖米色' }] } }), 201)).id as string;
    await ok(c.call('POST', `${base}/proposals/${proposal}/versions`, { token: org, body: { title: '外墙方案（修订）', body: 'v2' } }), 201);
    await ok(c.call('POST', `${base}/proposals/${proposal}/publish`, { token: org, body: { publicEnd: '2026-06-01T00:00:00+08:00' } }), 200);
    const opinion = await ok(c.call('POST', `${base}/proposals/${proposal}/comments`, { token: users_.owner_here!.token, body: { body: '颜色太深 too dark' } }), 201);

    // An open consultation.
    const newConsultation = async (open: boolean) => {
      const id = (await ok(c.call('POST', `${base}/consultations`, { token: org, body: { title: '意见征询', closesAt: '2026-06-01T00:00:00+08:00', questions: QUESTIONS } }), 201)).id as string;
      if (open) await ok(c.call('POST', `${base}/consultations/${id}/open`, { token: org }), 200);
      return id;
    };
    const consultation = await newConsultation(true);

    // Sessions: a scheduled one, and one with a carried motion.
    const sessionBody = { title: '月度会议', scheduledAt: '2026-04-20T19:30:00+08:00', agenda: [{ title: '电梯 Lift', minutes: 20 }] };
    const newSession = async () => (await ok(c.call('POST', `${base}/councils/${council.id}/sessions`, { token: org, body: sessionBody }), 201)).id as string;
    const session = await newSession();
    const motionSession = await newSession();
    const chairAct = (sessionId: string, action: Parameters<typeof act>[1]['action'], who: 'chair' | 'council_member' = 'chair') =>
      act(c.db, { estateId: estate, sessionId, userId: users_[who]!.id, role: who === 'chair' ? 'chair' : 'member', present: true, action, now: t.now });
    await chairAct(motionSession, { type: 'session.start' });
    const proposed = await chairAct(motionSession, { type: 'motion.propose', text: '加装电梯 Add a lift' }, 'council_member');
    const motionId = proposed.motions.at(-1)!.id;
    await chairAct(motionSession, { type: 'motion.second', motionId });
    await chairAct(motionSession, { type: 'motion.vote', motionId, choice: 'yes' }, 'council_member');
    const closed = await chairAct(motionSession, { type: 'motion.close', motionId });
    expect(closed.motions.find((m) => m.id === motionId)!.status).toBe('carried');

    t.set(NOW);
    w = {
      t,
      estate,
      other,
      bindEstate,
      tokens: Object.fromEntries(Object.entries(users_).map(([k, v]) => [k, v!.token])),
      ids: Object.fromEntries(Object.entries(users_).map(([k, v]) => [k, v!.id])),
      intruder,
      partyOf,
      draftVote,
      closedVote,
      councilId: council.id,
      receipt: ballot.ballots[0].receipt,
      params: {
        estateId: estate,
        voteId: openVote,
        costVote,
        proposalId: proposal,
        targetType: 'proposals',
        targetId: proposal,
        attachmentId: attachment.id,
        commentId: opinion.id,
        consultationId: consultation,
        household: 'U1',
        party: partyOf.U9!,
        councilId: council.id,
        sessionId: session,
        motionSessionId: motionSession,
        motionId,
        id: randomUUID(),
        noticeSize,
        userId: randomUUID(),
        role: 'volunteer',
      },
      fresh: {
        draftVote: async () => (await ok(c.call('POST', `${base}/votes`, { token: org, body: VOTE_BODY('fresh') }), 201)).id,
        noticedVote: async () => {
          const id = (await ok(c.call('POST', `${base}/votes`, { token: org, body: VOTE_BODY('fresh') }), 201)).id as string;
          await ok(c.call('POST', `${base}/votes/${id}/notice`, { token: org, body: {} }), 200);
          return id;
        },
        // Closed on 1 April, so its objection period (7 days) is over by NOW.
        closedVote: async () => {
          t.set('2026-04-01T10:00:00+08:00');
          try {
            const id = (await ok(c.call('POST', `${base}/votes`, { token: org, body: VOTE_BODY('fresh') }), 201)).id as string;
            await ok(c.call('POST', `${base}/votes/${id}/notice`, { token: org, body: {} }), 200);
            await ok(c.call('POST', `${base}/votes/${id}/close`, { token: org, body: { reason: 'fresh' } }), 200);
            return id;
          } finally {
            t.set(NOW);
          }
        },
        proposal: newProposal,
        consultation: newConsultation,
        endedSession: async () => {
          const id = await newSession();
          await chairAct(id, { type: 'session.start' });
          await chairAct(id, { type: 'session.end' });
          return id;
        },
      },
    };
  });

  // ───────────────────────── completeness ─────────────────────────

  it('lists every route of the OpenAPI document exactly once, and no route the document lacks', async () => {
    const doc = (await ctx().call('GET', '/api/openapi.json')).body;
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => key({ method: m, path: p })));
    const listed = ROUTES.map(key);
    expect(listed.filter((k, i) => listed.indexOf(k) !== i), 'listed twice').toEqual([]);
    expect(documented.filter((k) => !listed.includes(k)), 'routes without a row in the matrix: add them').toEqual([]);
    expect(listed.filter((k) => !documented.includes(k)), 'rows for routes the API no longer has').toEqual([]);
    expect(ROUTES.length).toBe(documented.length);
  });

  it('documents a bearer token on exactly the routes that are not public', async () => {
    const doc = (await ctx().call('GET', '/api/openapi.json')).body;
    for (const row of ROUTES) {
      const op = doc.paths[row.path][row.method.toLowerCase()];
      expect(Boolean(op.security?.length), key(row)).toBe(row.allowed !== 'public');
    }
  });

  // ───────────────────────── the matrix ─────────────────────────

  const cases = ROUTES.flatMap((row) => ACTORS.map((actor) => ({ row, actor })));
  it.each(cases.map((x) => [`${key(x.row)} as ${x.actor} → ${expected(x.row, x.actor)}`, x] as const))('%s', async (_label, { row, actor }) => {
    const want = expected(row, actor);
    const input = row.input?.(w, actor) ?? {};
    const succeeds = row.allowed === 'public' || (actor !== 'anonymous' && row.allowed.includes(actor) && row.status?.[actor] === undefined);
    const fresh = row.fresh && succeeds ? await row.fresh(w, actor) : {};
    const params = { ...w.params, ...input.params, ...fresh.params };
    const query = fresh.query ?? input.query;
    const url = fill(row.path, params) + (query ? `?${query}` : '');
    const app = row.limited ? freshApp(ctx()) : ctx().app;
    const id = w.ids[actor];
    const token = row.ownToken ? (id ? (await issueToken(ctx().db, ctx().deps.keys, ctx().deps.env.publicUrl, id, w.t.now)).token : undefined) : w.tokens[actor];
    const res = await send(app, row.method, url, { token, body: fresh.body ?? input.body, raw: fresh.raw ?? input.raw });
    expect(res.status, `${row.method} ${url}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(want);
    if (want === 401 && row.allowed !== 'public') expect(res.body.error.code).toBe('UNAUTHENTICATED');
    if (want === 403) expect(res.body.error.code).toBe('FORBIDDEN');
    if (want >= 400) expect(res.body.error.requestId).toBe(res.headers.get('x-request-id'));
  });

  // ───────────────────────── across estates ─────────────────────────

  // A caller with every role in the other estate names their own estate and this estate's resources:
  // every route finds nothing (404), never this estate's data.
  const crossEstate = ROUTES.filter((r) => r.path.startsWith('/api/estates/{estateId}/') && /\{(?!estateId\})\w+\}/.test(r.path.replace('{targetType}', 'proposals')));
  it.each(crossEstate.map((row) => [key(row), row] as const))('cross-estate: %s with another estate’s id → 404', async (_label, row) => {
    const as = row.allowed === 'public' ? 'organizer' : (row.allowed.find((a) => a !== 'admin') ?? 'organizer');
    const input = row.input?.(w, as) ?? {};
    const fresh = row.fresh ? await row.fresh(w, as) : {};
    const params = { ...w.params, ...input.params, ...fresh.params, estateId: w.other };
    const query = fresh.query ?? input.query;
    const url = fill(row.path, params) + (query ? `?${query}` : '');
    const res = await send(ctx().app, row.method, url, { token: w.intruder.token, body: fresh.body ?? input.body, raw: fresh.raw ?? input.raw });
    expect(res.status, `${row.method} ${url}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it('cross-estate: bodies naming this estate’s files, proposals or people are refused', async () => {
    const ob = `/api/estates/${w.other}`;
    const tok = w.intruder.token;
    const pic = await send(ctx().app, 'POST', `${ob}/proposals`, { token: tok, body: { title: 'x', attachmentIds: [w.params.attachmentId] } });
    expect(pic.status).toBe(400);
    expect(pic.body.error.details[0].field).toBe('attachmentIds');
    const cons = await send(ctx().app, 'POST', `${ob}/consultations`, { token: tok, body: { title: 'x', closesAt: '2026-06-01T00:00:00+08:00', proposalId: w.params.proposalId, questions: QUESTIONS } });
    expect(cons.status).toBe(400);
    expect(cons.body.error.details[0].field).toBe('proposalId');
    const council = await send(ctx().app, 'POST', `${ob}/councils`, { token: tok, body: { name: 'x', members: [{ userId: w.ids.clerk, role: 'member' }] } });
    expect(council.status).toBe(400);
    expect(council.body.error.details[0].field).toBe('members');
    const reply = await send(ctx().app, 'POST', `/api/estates/${w.estate}/proposals/${w.params.proposalId}/comments`, { token: w.tokens.organizer, body: { body: 'x', parentId: randomUUID() } });
    expect(reply.status).toBe(400);
  });

  // ───────────────────────── inside one estate ─────────────────────────

  it('owners and residents answer only for their own household; nobody marks another person’s inbox item', async () => {
    const url = (h: string) => `/api/estates/${w.estate}/consultations/${w.params.consultationId}/responses/${h}`;
    expect((await send(ctx().app, 'PUT', url('U2'), { token: w.tokens.owner_here, body: { answers: { q1: 'B' } } })).status).toBe(403);
    expect((await send(ctx().app, 'PUT', url('U1'), { token: w.tokens.resident, body: { answers: { q1: 'B' } } })).status).toBe(403);
    const inbox = await send(ctx().app, 'GET', '/api/me/inbox', { token: w.tokens.resident });
    const item = inbox.body.items.find((i: any) => !i.read);
    expect(item, 'the resident has an unread notice (the proposal was published)').toBeTruthy();
    const theirs = await send(ctx().app, 'POST', `/api/me/inbox/${item.id}/read`, { token: w.tokens.owner_here });
    expect(theirs.body).toEqual({ read: false });
    expect((await send(ctx().app, 'GET', '/api/me/inbox', { token: w.tokens.resident })).body.items.find((i: any) => i.id === item.id).read).toBe(false);
  });

  it('a chair of another council neither schedules this council’s sessions nor publishes their minutes', async () => {
    const chair2 = await makeUser(ctx(), { name: 'other chair', roles: [{ estateId: w.estate, role: 'chair' }] });
    await send(ctx().app, 'POST', `/api/estates/${w.estate}/councils`, { token: w.tokens.organizer, body: { name: '二号理事会', members: [{ userId: chair2.id, role: 'chair' }] } });
    const body = { title: 'x', scheduledAt: '2026-04-20T19:30:00+08:00', agenda: [{ title: 'x', minutes: 5 }] };
    const res = await send(ctx().app, 'POST', `/api/estates/${w.estate}/councils/${w.councilId}/sessions`, { token: chair2.token, body });
    expect(res.status).toBe(403);
    const ended = await w.fresh.endedSession();
    expect((await send(ctx().app, 'POST', `/api/estates/${w.estate}/sessions/${ended}/minutes`, { token: chair2.token })).status).toBe(403);
    expect((await send(ctx().app, 'POST', `/api/estates/${w.estate}/sessions/${w.params.motionSessionId}/motions/${w.params.motionId}/proposal`, { token: chair2.token })).status).toBe(403);
  });

  it('members see the count sheet once the vote has closed', async () => {
    for (const actor of MEMBERS) {
      const res = await send(ctx().app, 'GET', `/api/estates/${w.estate}/votes/${w.closedVote}/reconciliation`, { token: w.tokens[actor] });
      expect(res.status, actor).toBe(200);
    }
  });

  it('a revoked role takes effect at once: the same token gets 403', async () => {
    const u = await makeUser(ctx(), { roles: [{ estateId: w.estate, role: 'organizer' }] });
    const url = `/api/estates/${w.estate}/electorate`;
    expect((await send(ctx().app, 'GET', url, { token: u.token })).status).toBe(200);
    await ctx().db.delete(roleGrants).where(eq(roleGrants.userId, u.id));
    const res = await send(ctx().app, 'GET', url, { token: u.token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  });

  // SECURITY: drafts are for staff only. Before this suite the diff of a draft proposal, the thread
  // of a draft proposal or consultation, and a draft building vote's cost plan were readable by any
  // owner or resident who had the id (GET of the draft itself was already 404).
  let drafts: { proposal: string; consultation: string; vote: string } | undefined;
  async function makeDrafts() {
    if (drafts) return drafts;
    const e = `/api/estates/${w.estate}`;
    const org = w.tokens.organizer;
    const proposal = await w.fresh.proposal(false);
    expect((await send(ctx().app, 'POST', `${e}/proposals/${proposal}/versions`, { token: org, body: { title: 'secret v2' } })).status).toBe(201);
    expect((await send(ctx().app, 'POST', `${e}/proposals/${proposal}/comments`, { token: org, body: { body: 'internal note' } })).status).toBe(201);
    const consultation = await w.fresh.consultation(false);
    expect((await send(ctx().app, 'POST', `${e}/consultations/${consultation}/comments`, { token: org, body: { body: 'internal note' } })).status).toBe(201);
    const vote = await send(ctx().app, 'POST', `${e}/votes`, { token: org, body: { ...VOTE_BODY('secret lift'), scope: { building: '1' }, costPlan: { costFen: 999_900, coefficients: { '1': '1', '2': '1.2' } } } });
    expect(vote.status).toBe(201);
    drafts = { proposal, consultation, vote: vote.body.id };
    return drafts;
  }
  const DRAFT_VIEWS: [string, (d: NonNullable<typeof drafts>) => string][] = [
    ['a draft proposal', (d) => `proposals/${d.proposal}`],
    ['the diff of a draft proposal (SECURITY: was 200)', (d) => `proposals/${d.proposal}/diff?from=1&to=2`],
    ['the thread of a draft proposal (SECURITY: was 200)', (d) => `proposals/${d.proposal}/comments`],
    ['a draft consultation', (d) => `consultations/${d.consultation}`],
    ['the thread of a draft consultation (SECURITY: was 200)', (d) => `consultations/${d.consultation}/comments`],
    ['a draft vote', (d) => `votes/${d.vote}`],
    ['the cost plan of a draft building vote (SECURITY: was 200)', (d) => `votes/${d.vote}/cost-sharing`],
  ];
  const draftCases = DRAFT_VIEWS.flatMap(([what, url]) => (['owner_here', 'resident', 'organizer', 'clerk'] as const).map((actor) => ({ what, url, actor })));
  it.each(draftCases.map((x) => [`${x.what} as ${x.actor} → ${x.actor === 'owner_here' || x.actor === 'resident' ? 404 : 200}`, x] as const))('drafts: %s', async (_label, { url, actor }) => {
    const d = await makeDrafts();
    const res = await send(ctx().app, 'GET', `/api/estates/${w.estate}/${url(d)}`, { token: w.tokens[actor] });
    if (actor === 'owner_here' || actor === 'resident') {
      expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
      expect(JSON.stringify(res.body)).not.toMatch(/secret|internal note|999900/);
    } else {
      expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(200);
    }
  });

  it('drafts: the lists owners and residents see leave drafts out', async () => {
    const d = await makeDrafts();
    for (const actor of ['owner_here', 'resident'] as const) {
      const lists = await Promise.all(['proposals', 'consultations', 'votes'].map((u) => send(ctx().app, 'GET', `/api/estates/${w.estate}/${u}`, { token: w.tokens[actor] })));
      expect(lists.map((l) => l.status)).toEqual([200, 200, 200]);
      const text = JSON.stringify(lists.map((l) => l.body));
      for (const id of Object.values(d)) expect(text, actor).not.toContain(id);
    }
  });

  // A letter or proxy code admits its holder to that one vote as its owner party, nowhere else: a
  // neighbour's relative holding one proxy must not read or post in the member-only parts of the estate.
  it('a proxy holder signed in by code reaches only the vote, not the estate', async () => {
    const e = `/api/estates/${w.estate}`;
    const proxy = await send(ctx().app, 'POST', `${e}/votes/${w.params.voteId}/proxies`, { token: w.tokens.organizer, body: { partId: 'U2', holderIdNumber: 'R123456', authorizationSha256: SCAN(777) } });
    expect(proxy.status, JSON.stringify(proxy.body)).toBe(201);
    const signIn = await send(freshApp(ctx()), 'POST', '/api/auth/letter', { body: { code: proxy.body.code } });
    expect(signIn.status).toBe(200);
    const holder = signIn.body.token as string;
    // What the code is for works …
    expect((await send(ctx().app, 'GET', `${e}/votes/${w.params.voteId}`, { token: holder })).status).toBe(200);
    // … but the rest of the estate should stay closed to a one-vote delegate.
    for (const url of [`${e}/proposals`, `${e}/consultations`, `${e}/sessions`, `${e}/councils`]) {
      expect((await send(ctx().app, 'GET', url, { token: holder })).status, url).toBe(403);
    }
  });

  // ───────────────────────── tokens ─────────────────────────

  const ATTACKS: { name: string; header: (x: Attack) => Promise<string> | string }[] = [
    { name: 'expired (right key, exp in the past)', header: async (x) => `Bearer ${await x.sign((j) => j.setIssuedAt(x.iat - 8 * 86400).setExpirationTime(x.iat - 86400))}` },
    { name: 'not yet valid (nbf in the future)', header: async (x) => `Bearer ${await x.sign((j) => j.setNotBefore(x.iat + 3600))}` },
    { name: 'for another audience', header: async (x) => `Bearer ${await x.sign((j) => j.setAudience('linli-admin'))}` },
    { name: 'without an audience', header: async (x) => `Bearer ${await x.sign((j) => j, { aud: false })}` },
    { name: 'from another issuer', header: async (x) => `Bearer ${await x.sign((j) => j.setIssuer('https://evil.example'))}` },
    { name: 'alg none (unsigned)', header: (x) => `Bearer ${new UnsecuredJWT({}).setSubject(x.userId).setAudience(TOKEN_AUDIENCE).setIssuer(x.issuer).setIssuedAt(x.iat).setExpirationTime(x.iat + 3600).setJti('none').encode()}` },
    { name: 'alg none header on the real token, signature dropped', header: (x) => `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${x.real.split('.')[1]}.` },
    { name: 'HS256 keyed with the Ed25519 public key bytes (algorithm confusion)', header: async (x) => `Bearer ${await x.hs(x.publicRaw)}` },
    { name: 'HS256 keyed with the public key as PEM text', header: async (x) => `Bearer ${await x.hs(Buffer.from(x.publicPem))}` },
    { name: 'HS256 keyed with the public key as DER', header: async (x) => `Bearer ${await x.hs(x.publicDer)}` },
    { name: 'header switched to HS256, original signature kept', header: (x) => `Bearer ${b64({ alg: 'HS256', typ: 'JWT' })}.${x.real.split('.').slice(1).join('.')}` },
    { name: 'payload tampered (sub → an admin), original signature', header: (x) => `Bearer ${x.real.split('.')[0]}.${b64({ ...x.claims, sub: x.adminId })}.${x.real.split('.')[2]}` },
    { name: 'signature with one bit flipped', header: (x) => `Bearer ${flipLastBit(x.real)}` },
    { name: 'signed by another Ed25519 key', header: async (x) => `Bearer ${await x.sign((j) => j, { key: x.otherKey })}` },
    { name: 'signed by another key that is embedded in the header (jwk)', header: async (x) => `Bearer ${await x.sign((j) => j, { key: x.otherKey, jwk: x.otherJwk })}` },
    { name: 'ES256 from another key', header: async (x) => `Bearer ${await x.sign((j) => j, { key: x.ecKey, alg: 'ES256' })}` },
    { name: 'right key, unknown user', header: async (x) => `Bearer ${await x.sign((j) => j.setSubject(randomUUID()))}` },
    { name: 'right key, deleted user', header: async (x) => `Bearer ${x.deletedUserToken}` },
    { name: 'right key, subject not a user id (SECURITY: was a 500)', header: async (x) => `Bearer ${await x.sign((j) => j.setSubject('admin'))}` },
    { name: 'right key, no subject', header: async (x) => `Bearer ${await x.sign((j) => j, { sub: false })}` },
    { name: 'right key, no jti', header: async (x) => `Bearer ${await x.sign((j) => j, { jti: false })}` },
    { name: 'right key, unknown critical header', header: async (x) => `Bearer ${await x.sign((j) => j, { crit: true })}` },
    { name: 'a ballot receipt (a JWS signed by the same key, not a token)', header: (x) => `Bearer ${x.receipt}` },
    { name: 'garbage', header: () => 'Bearer not-a-token' },
    { name: 'five segments (JWE shape)', header: (x) => `Bearer ${x.real}.AAAA.BBBB` },
    { name: '"Bearer" without a token', header: () => 'Bearer' },
    { name: '"Bearer " with only a space', header: () => 'Bearer ' },
    { name: 'two tokens', header: (x) => `Bearer ${x.real} ${x.real}` },
    { name: 'lowercase scheme with a garbage token', header: () => 'bearer not-a-token' },
    { name: 'Basic scheme', header: () => `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    { name: 'token without a scheme', header: (x) => x.real },
    { name: 'another scheme carrying the real token', header: (x) => `Token ${x.real}` },
    { name: 'a 64 KB token', header: () => `Bearer ${'A'.repeat(65_536)}.${'B'.repeat(10)}.${'C'.repeat(10)}` },
  ];
  interface Attack {
    userId: string;
    adminId: string;
    issuer: string;
    iat: number;
    real: string;
    claims: Record<string, unknown>;
    publicRaw: Uint8Array;
    publicPem: string;
    publicDer: Uint8Array;
    otherKey: import('node:crypto').KeyObject;
    otherJwk: Record<string, unknown>;
    ecKey: import('node:crypto').KeyObject;
    deletedUserToken: string;
    receipt: string;
    sign(edit: (j: SignJWT) => SignJWT, opts?: { key?: any; alg?: string; jwk?: Record<string, unknown>; aud?: false; sub?: false; jti?: false; crit?: true }): Promise<string>;
    hs(secret: Uint8Array): Promise<string>;
  }
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const flipLastBit = (jwt: string) => {
    const [h, p, s] = jwt.split('.');
    const sig = Buffer.from(s!, 'base64url');
    sig[sig.length - 1] ^= 1;
    return `${h}.${p}.${sig.toString('base64url')}`;
  };
  let attack: Attack | undefined;
  async function attackKit(): Promise<Attack> {
    if (attack) return attack;
    const c = ctx();
    const issuer = c.deps.env.publicUrl;
    const iat = Math.floor(w.t.now.getTime() / 1000);
    const userId = w.ids.organizer!;
    const real = w.tokens.organizer!;
    const claims = JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString());
    const pub = c.deps.keys.publicKey;
    const publicRaw = Buffer.from((pub.export({ format: 'jwk' }) as { x: string }).x, 'base64url');
    const other = generateKeyPairSync('ed25519');
    const otherKey = other.privateKey;
    const otherJwk = await exportJWK(other.publicKey);
    const ecKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const gone = await makeUser(c, { name: 'gone' });
    const deletedUserToken = gone.token;
    await c.db.delete(users).where(eq(users.id, gone.id));
    const sign: Attack['sign'] = async (edit, o = {}) => {
      let j = new SignJWT({}).setProtectedHeader({ alg: o.alg ?? 'EdDSA', typ: 'JWT', ...(o.jwk ? { jwk: o.jwk } : {}), ...(o.crit ? { crit: ['x-linli'], 'x-linli': 1 } : {}) } as never);
      if (o.sub !== false) j = j.setSubject(userId);
      if (o.aud !== false) j = j.setAudience(TOKEN_AUDIENCE);
      const jti = randomUUID();
      if (o.jti !== false) j = j.setJti(jti);
      j = j.setIssuer(issuer).setIssuedAt(iat).setExpirationTime(iat + 3600);
      // Each hand-signed token gets a live session, so every attack is refused for its one defect,
      // not merely for lacking a session.
      if (o.jti !== false) await c.db.insert(sessions).values({ jti, userId, expiresAt: new Date((iat + 3600) * 1000) });
      return edit(j).sign(o.key ?? c.deps.keys.privateKey, o.crit ? ({ crit: { 'x-linli': true } } as never) : undefined);
    };
    const hs: Attack['hs'] = (secret) => new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(userId).setAudience(TOKEN_AUDIENCE).setIssuer(issuer).setIssuedAt(iat).setExpirationTime(iat + 3600).setJti(randomUUID()).sign(createSecretKey(Buffer.from(secret)));
    attack = {
      userId,
      adminId: w.ids.admin!,
      issuer,
      iat,
      real,
      claims,
      publicRaw,
      publicPem: pub.export({ format: 'pem', type: 'spki' }) as string,
      publicDer: pub.export({ format: 'der', type: 'spki' }),
      otherKey,
      otherJwk,
      ecKey,
      deletedUserToken,
      receipt: w.receipt,
      sign,
      hs,
    };
    return attack;
  }
  const protectedRoutes = () => ['/api/me', `/api/estates/${w.estate}/electorate`, `/api/estates/${w.estate}/votes/${w.params.voteId}/ledger/checkpoint`];

  it('the organizer’s own token, and a correctly signed fresh one, open the protected routes (the control)', async () => {
    const x = await attackKit();
    for (const url of protectedRoutes()) {
      expect((await send(ctx().app, 'GET', url, { headers: { authorization: `Bearer ${x.real}` } })).status, url).toBe(200);
      expect((await send(ctx().app, 'GET', url, { headers: { authorization: `Bearer ${await x.sign((j) => j)}` } })).status, url).toBe(200);
      // RFC 7235 §2.1: the scheme is case-insensitive, so `bearer` with a valid token is accepted.
      expect((await send(ctx().app, 'GET', url, { headers: { authorization: `bearer ${x.real}` } })).status, url).toBe(200);
    }
  });

  it.each(ATTACKS.map((a) => [a.name, a] as const))('token attack → 401: %s', async (_name, a) => {
    const x = await attackKit();
    const header = await a.header(x);
    for (const url of protectedRoutes()) {
      const res = await send(ctx().app, 'GET', url, { headers: { authorization: header } });
      expect(res.status, `${url}: ${JSON.stringify(res.body).slice(0, 200)}`).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('tokens in the query string or a cookie are ignored (401)', async () => {
    const x = await attackKit();
    for (const url of protectedRoutes()) {
      expect((await send(ctx().app, 'GET', `${url}${url.includes('?') ? '&' : '?'}access_token=${x.real}&token=${x.real}`)).status).toBe(401);
      expect((await send(ctx().app, 'GET', url, { headers: { cookie: `token=${x.real}; authorization=Bearer ${x.real}` } })).status).toBe(401);
    }
  });

  it('an expired token says so in plain words', async () => {
    const x = await attackKit();
    const res = await send(ctx().app, 'GET', '/api/me', { headers: { authorization: `Bearer ${await x.sign((j) => j.setIssuedAt(x.iat - 9 * 86400).setExpirationTime(x.iat - 2 * 86400))}` } });
    expect(res.status).toBe(401);
    expect(res.body.error.messageZh).toContain('过期');
    // A token issued by the server expires after seven days on the server's clock.
    const { token } = await issueToken(ctx().db, ctx().deps.keys, ctx().deps.env.publicUrl, w.ids.organizer!, new Date(w.t.now.getTime() - 8 * 86400_000));
    expect((await send(ctx().app, 'GET', '/api/me', { token })).status).toBe(401);
  });

  // ───────────────────────── abuse ─────────────────────────

  it('sign-in code guessing from one address hits the limit (429 with the envelope); the limit covers one-time codes too', async () => {
    const app = freshApp(ctx());
    for (let i = 0; i < 20; i++) {
      const res = await send(app, 'POST', '/api/auth/sign-in', { body: { code: `GUESS-${String(i).padStart(5, '2')}` } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_CODE');
    }
    const limited = await send(app, 'POST', '/api/auth/sign-in', { body: { code: 'GUESS-99999' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error).toMatchObject({ code: 'RATE_LIMITED', messageZh: expect.any(String), requestId: limited.headers.get('x-request-id') });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Even a good code waits: guessing cannot be mixed with real attempts.
    const good = await createInvite(ctx().db, { estateId: w.bindEstate, role: 'resident', label: 'limited' }, w.t.now);
    expect((await send(app, 'POST', '/api/auth/sign-in', { body: { code: good.code } })).status).toBe(429);
    expect((await send(app, 'POST', '/api/auth/otp/verify', { body: { phone: '13900000021', code: '123456' } })).status).toBe(429);
    expect((await send(app, 'POST', '/api/auth/otp/request', { body: { phone: '13900000021' } })).status).toBe(429);
    // The code was not spent by the refused attempt.
    expect((await send(freshApp(ctx()), 'POST', '/api/auth/sign-in', { body: { code: good.code } })).status).toBe(200);
  });

  it('ballot-letter code guessing is rate limited, and the opt-out link shares that budget', async () => {
    const app = freshApp(ctx());
    for (let i = 0; i < 20; i++) {
      const res = await send(app, 'POST', '/api/auth/letter', { body: { code: `GUES-${String(i).padStart(4, '2')}-AAAA` } });
      expect(res.status).toBe(401);
    }
    const limited = await send(app, 'POST', '/api/auth/letter', { body: { code: 'GUES-9999-AAAA' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect((await send(app, 'POST', '/api/reminders/opt-out', { body: { token: 'x'.repeat(20) } })).status).toBe(429);
  });

  it('certificate-number guessing when binding is limited to ten attempts a minute', async () => {
    const app = freshApp(ctx());
    const u = await makeUser(ctx(), { name: 'guesser' });
    for (let i = 0; i < 10; i++) {
      const res = await send(app, 'POST', '/api/me/bind', { token: u.token, body: { estateId: w.bindEstate, partId: 'Z11', certificate: `CERT-9${i}` } });
      expect(res.status).toBe(403);
    }
    const limited = await send(app, 'POST', '/api/me/bind', { token: u.token, body: { estateId: w.bindEstate, partId: 'Z11', certificate: 'CERT-11' } });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
  });

  it('one-time codes: one a minute and five an hour per number, whatever the address', async () => {
    const phone = '13900000021';
    const start = w.t.now.getTime();
    try {
      for (let i = 0; i < 5; i++) {
        w.t.set(new Date(start + i * 61_000).toISOString());
        expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } })).status, `request ${i + 1}`).toBe(202);
      }
      expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(429);
      w.t.set(new Date(start + 5 * 61_000 + 61_000).toISOString());
      const sixth = await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } });
      expect(sixth.status).toBe(429);
      expect(sixth.body.error.code).toBe('RATE_LIMITED');
      w.t.set(new Date(start + 3600_000 + 61_000).toISOString());
      expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(202);
    } finally {
      w.t.set(NOW);
    }
  });

  it('five wrong one-time codes lock the code even when the guesses arrive together; a new code works', async () => {
    const phone = '13900000022';
    const start = w.t.now.getTime();
    try {
      w.t.set(new Date(start + 2 * 3600_000).toISOString());
      expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(202);
      const code = /(\d{6})/.exec(ctx().sender.lastTo(phone)!.text)![1]!;
      const wrong = Array.from({ length: 8 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
      const app = freshApp(ctx());
      const answers = await Promise.all(wrong.map((guess) => send(app, 'POST', '/api/auth/otp/verify', { body: { phone, code: guess } })));
      expect(answers.every((a) => a.status === 401 || a.status === 429), JSON.stringify(answers.map((a) => a.status))).toBe(true);
      expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(5);
      const [row] = await ctx().db.select().from(otpChallenges).where(eq(otpChallenges.phoneHash, ctx().deps.keys.hash('phone', phone)));
      expect(row!.attempts).toBe(5);
      const right = await send(freshApp(ctx()), 'POST', '/api/auth/otp/verify', { body: { phone, code } });
      expect(right.status).toBe(429);
      // Locked means this code, not the person: a new code (a minute later) signs in.
      w.t.set(new Date(start + 2 * 3600_000 + 61_000).toISOString());
      expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/request', { body: { phone } })).status).toBe(202);
      const fresh = /(\d{6})/.exec(ctx().sender.lastTo(phone)!.text)![1]!;
      expect((await send(freshApp(ctx()), 'POST', '/api/auth/otp/verify', { body: { phone, code: fresh } })).status).toBe(200);
    } finally {
      w.t.set(NOW);
    }
  });

  it('an invite code works once even when redeemed five times at the same moment', async () => {
    const invite = await send(ctx().app, 'POST', `/api/estates/${w.estate}/invites`, { token: w.tokens.organizer, body: { role: 'volunteer', label: 'race' } });
    expect(invite.status).toBe(201);
    const app = freshApp(ctx());
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(app, 'POST', '/api/auth/sign-in', { body: { code: invite.body.code } })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401]);
    expect(answers.filter((a) => a.status === 401).every((a) => a.body.error.code === 'INVALID_CODE')).toBe(true);
  });

  it('an invite code expires after its validity on the server’s clock', async () => {
    const invite = await send(ctx().app, 'POST', `/api/estates/${w.estate}/invites`, { token: w.tokens.organizer, body: { role: 'volunteer', label: 'expiring', validDays: 1 } });
    expect(invite.body.expiresAt).toBe(new Date(w.t.now.getTime() + 86400_000).toISOString());
    try {
      w.t.set(new Date(w.t.now.getTime() + 86400_000 + 1000).toISOString());
      const res = await send(freshApp(ctx()), 'POST', '/api/auth/sign-in', { body: { code: invite.body.code } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_CODE');
    } finally {
      w.t.set(NOW);
    }
    const listed = await send(ctx().app, 'GET', `/api/estates/${w.estate}/invites`, { token: w.tokens.organizer });
    expect(listed.body.invites.find((i: any) => i.id === invite.body.id).usedAt).toBeNull();
  });

  // ───────────────────────── headers ─────────────────────────

  function expectSecurityHeaders(h: Headers, what: string) {
    const csp = h.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
    expect(directive('script-src'), `${what}: script-src`).toBe("script-src 'self'");
    expect(directive('default-src'), what).toBe("default-src 'self'");
    expect(directive('object-src'), what).toBe("object-src 'none'");
    expect(directive('frame-ancestors'), what).toBe("frame-ancestors 'none'");
    expect(directive('base-uri'), what).toBe("base-uri 'self'");
    expect(csp, what).not.toMatch(/unsafe-eval|\*/);
    expect(h.get('x-content-type-options'), what).toBe('nosniff');
    expect(['DENY', 'SAMEORIGIN'], what).toContain(h.get('x-frame-options'));
    expect(h.get('referrer-policy'), what).toBe('no-referrer');
    expect(h.get('strict-transport-security'), what).toMatch(/max-age=\d{7,}/);
    expect(h.get('x-powered-by'), what).toBeNull();
    expect(h.get('server'), what).toBeNull();
  }

  it('sends the security headers on API answers, errors included, and on the API reference page', async () => {
    const app = ctx().app;
    const answers: [string, Awaited<ReturnType<typeof send>>][] = [
      ['health', await send(app, 'GET', '/api/health')],
      ['401', await send(app, 'GET', '/api/me')],
      ['403', await send(app, 'GET', `/api/estates/${w.estate}/electorate`, { token: w.tokens.owner_here })],
      ['404', await send(app, 'GET', '/api/nothing-here')],
      ['400', await send(app, 'POST', '/api/auth/sign-in', { raw: '{"code": ', headers: { 'content-type': 'application/json' } })],
      ['openapi', await send(app, 'GET', '/api/openapi.json')],
      ['docs', await send(app, 'GET', '/api/docs')],
    ];
    for (const [what, res] of answers) expectSecurityHeaders(res.headers, what);
    const docs = answers.find(([w_]) => w_ === 'docs')![1];
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(String(docs.body)).not.toMatch(/<script/i);
    // Uploaded files are served with their checked type, sandboxed.
    const file = await send(app, 'GET', `/api/estates/${w.estate}/attachments/${w.params.attachmentId}`, { token: w.tokens.owner_here });
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(file.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends the security headers on the web pages, serves no file outside the web root, and answers a malformed URL with 400 (SECURITY: was a 500)', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'linli-web-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>linli</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-secret.txt`), 'secret');
    const app = createApp(ctx().deps, { webRoot: root });
    for (const url of ['/', '/join?code=K7QXM-2PD9R', '/l/K7QM-2XHP-9RTA', '/estates/x/votes/y', '/assets/app.js', '/optout/abc']) {
      const res = await send(app, 'GET', url);
      expect(res.status, url).toBe(200);
      expectSecurityHeaders(res.headers, url);
    }
    for (const url of [`/..%2f${path.basename(root)}-secret.txt`, `/%2e%2e/${path.basename(root)}-secret.txt`, '/assets/..%2f..%2fetc%2fpasswd', '/index.html%00.js']) {
      const res = await send(app, 'GET', url);
      expect(res.status, url).toBe(200);
      expect(String(res.body), url).toContain('<title>linli</title>');
    }
    for (const url of ['/%E0%A4%A', '/foo%', '/assets/%zz']) {
      const res = await send(app, 'GET', url);
      expect(res.status, url).toBe(400);
      expectSecurityHeaders(res.headers, url);
    }
  });

  // ───────────────────────── from the earlier register matrix ─────────────────────────

  it('only a platform admin creates estates, with the default 议事规则', async () => {
    expect((await send(ctx().app, 'POST', '/api/estates', { body: { name: 'X' } })).status).toBe(401);
    expect((await send(ctx().app, 'POST', '/api/estates', { token: w.tokens.organizer, body: { name: 'X' } })).status).toBe(403);
    const created = await send(ctx().app, 'POST', '/api/estates', { token: w.tokens.admin, body: { name: '新小区', community: { name: '新社区' } } });
    expect(created.status).toBe(201);
    expect(created.body.rules.noticeDays).toBe(15);
  });

  it('lists only the estates a user has a role in', async () => {
    const u = await makeUser(ctx(), { roles: [{ estateId: w.estate, role: 'owner' }] });
    const mine = await send(ctx().app, 'GET', '/api/estates', { token: u.token });
    expect(mine.body.estates.map((e: any) => e.name)).toEqual(['Matrix estate']);
  });

  it('treats a malformed estate id as not found, after the token check', async () => {
    expect((await send(ctx().app, 'GET', '/api/estates/not-a-uuid/buildings', { token: w.tokens.organizer })).status).toBe(404);
    expect((await send(ctx().app, 'GET', '/api/estates/not-a-uuid/buildings')).status).toBe(401);
  });

  it('binds the resident to the household they were invited for', async () => {
    const [row] = await ctx().db.select({ code: parts.code }).from(residentParts).innerJoin(parts, eq(parts.id, residentParts.partId)).where(eq(residentParts.userId, w.ids.resident!));
    expect(row!.code).toBe('U2');
  });
});
