import { expect, it } from 'vitest';
import type { EstateRole } from '../../src/modules/auth/roles.ts';
import { describeEachDb, makeEstate, makeUser, type TestContext } from '../support/app.ts';

const CSV = 'part_id,building,entrance,area,area_source,status,owners\nA-1,1,1,80,register,registered,P1\nA-2,1,1,90,register,registered,P2\n';

type Actor = 'anonymous' | 'owner_here' | 'owner_elsewhere' | 'resident' | 'clerk' | 'organizer' | 'auditor' | 'chair' | 'council_member' | 'admin';
const ACTORS: Actor[] = ['anonymous', 'owner_here', 'owner_elsewhere', 'resident', 'clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'];

interface RouteCase {
  name: string;
  method: string;
  path: (estateId: string) => string;
  body?: () => unknown;
  raw?: () => BodyInit;
  /** Actors allowed; everyone else signed in gets 403, anonymous 401. */
  allowed: Actor[];
  ok: number;
}

const csvForm = () => {
  const f = new FormData();
  f.set('file', new Blob([CSV.replace(/A-/g, 'B-')], { type: 'text/csv' }), 'r.csv');
  return f;
};

/** Every register route × every kind of caller → the expected status. */
const ROUTES: RouteCase[] = [
  { name: 'read estate', method: 'GET', path: (e) => `/api/estates/${e}`, allowed: ['owner_here', 'resident', 'clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'], ok: 200 },
  { name: 'change rules', method: 'PATCH', path: (e) => `/api/estates/${e}/rules`, body: () => ({ objectionDays: 7 }), allowed: ['organizer', 'admin'], ok: 200 },
  { name: 'import register (dry run)', method: 'POST', path: (e) => `/api/estates/${e}/register/import?dryRun=true`, raw: csvForm, allowed: ['organizer', 'admin'], ok: 200 },
  { name: 'buildings overview', method: 'GET', path: (e) => `/api/estates/${e}/buildings`, allowed: ['clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'], ok: 200 },
  { name: 'list parts', method: 'GET', path: (e) => `/api/estates/${e}/parts`, allowed: ['clerk', 'organizer', 'auditor', 'admin'], ok: 200 },
  { name: 'electorate preview', method: 'GET', path: (e) => `/api/estates/${e}/electorate`, allowed: ['organizer', 'auditor', 'admin'], ok: 200 },
  { name: 'create invite', method: 'POST', path: (e) => `/api/estates/${e}/invites`, body: () => ({ role: 'clerk', label: 'New clerk' }), allowed: ['organizer', 'admin'], ok: 201 },
  { name: 'list invites', method: 'GET', path: (e) => `/api/estates/${e}/invites`, allowed: ['organizer', 'admin'], ok: 200 },
  { name: 'list users', method: 'GET', path: (e) => `/api/estates/${e}/users`, allowed: ['organizer', 'chair', 'admin'], ok: 200 },
  { name: 'create neighbourhood', method: 'POST', path: (e) => `/api/estates/${e}/neighbourhoods`, body: () => ({ name: 'N', buildings: ['1'] }), allowed: ['organizer', 'admin'], ok: 201 },
  { name: 'list neighbourhoods', method: 'GET', path: (e) => `/api/estates/${e}/neighbourhoods`, allowed: ['owner_here', 'resident', 'clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'], ok: 200 },
  { name: 'create council', method: 'POST', path: (e) => `/api/estates/${e}/councils`, body: () => ({ name: 'C' }), allowed: ['organizer', 'admin'], ok: 201 },
  { name: 'list councils', method: 'GET', path: (e) => `/api/estates/${e}/councils`, allowed: ['owner_here', 'resident', 'clerk', 'organizer', 'auditor', 'chair', 'council_member', 'admin'], ok: 200 },
];

describeEachDb('authorization matrix (register routes)', (ctx) => {
  const tokens = new Map<Actor, string | undefined>();
  let estateId = '';

  async function setup(c: TestContext) {
    const estate = await makeEstate(c, CSV, 'Matrix estate');
    const other = await makeEstate(c, CSV, 'Other estate');
    estateId = estate.id;
    const role = async (r: EstateRole, e = estate.id) => (await makeUser(c, { roles: [{ estateId: e, role: r }] })).token;
    tokens.set('anonymous', undefined);
    tokens.set('owner_here', await role('owner'));
    tokens.set('owner_elsewhere', await role('owner', other.id));
    tokens.set('resident', await role('resident'));
    for (const r of ['clerk', 'organizer', 'auditor', 'chair', 'council_member'] as const) tokens.set(r, await role(r));
    tokens.set('admin', (await makeUser(c, { isAdmin: true })).token);
  }

  const cases = ROUTES.flatMap((route) => ACTORS.map((actor) => ({ route, actor })));
  it.each(cases.map((x) => [`${x.route.name} as ${x.actor}`, x] as const))('%s', async (_label, { route, actor }) => {
    if (!estateId) await setup(ctx());
    const expected = route.allowed.includes(actor) ? route.ok : actor === 'anonymous' ? 401 : 403;
    const res = await ctx().call(route.method, route.path(estateId), { token: tokens.get(actor), body: route.body?.(), raw: route.raw?.() });
    expect(res.status, JSON.stringify(res.body).slice(0, 200)).toBe(expected);
    if (expected >= 400) expect(res.body.error.code).toBe(expected === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN');
  });

  it('only a platform admin creates estates', async () => {
    if (!estateId) await setup(ctx());
    expect((await ctx().call('POST', '/api/estates', { body: { name: 'X' } })).status).toBe(401);
    expect((await ctx().call('POST', '/api/estates', { token: tokens.get('organizer'), body: { name: 'X' } })).status).toBe(403);
    const ok = await ctx().call('POST', '/api/estates', { token: tokens.get('admin'), body: { name: '新小区', community: { name: '新社区' } } });
    expect(ok.status).toBe(201);
    expect(ok.body.rules.noticeDays).toBe(15);
  });

  it('lists only the estates a user has a role in', async () => {
    if (!estateId) await setup(ctx());
    const mine = await ctx().call('GET', '/api/estates', { token: tokens.get('owner_here') });
    expect(mine.body.estates.map((e: any) => e.name)).toEqual(['Matrix estate']);
  });

  it('treats a malformed estate id as not found', async () => {
    if (!estateId) await setup(ctx());
    const res = await ctx().call('GET', '/api/estates/not-a-uuid/buildings', { token: tokens.get('organizer') });
    expect(res.status).toBe(404);
  });
});
