import { expect, it } from 'vitest';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';

const CSV = 'part_id,building,entrance,area,area_source,status,owners\n1-101,1,1,80,register,registered,P1\n2-101,2,1,90,register,registered,P2\n';

describeEachDb('neighbourhoods and councils', (ctx) => {
  it('groups buildings into a neighbourhood and seats a council with its chair', async () => {
    const estate = await makeEstate(ctx(), CSV);
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const chair = await makeUser(ctx(), { name: '陈理事长', roles: [{ estateId: estate.id, role: 'owner' }] });
    const member = await makeUser(ctx(), { name: '刘代表', roles: [{ estateId: estate.id, role: 'resident' }] });
    const n = await ctx().call('POST', `/api/estates/${estate.id}/neighbourhoods`, { token: org.token, body: { name: '东邻里', buildings: ['1', '2'] } });
    expect(n.status).toBe(201);
    expect(n.body.buildings.sort()).toEqual(['1', '2']);
    const c = await ctx().call('POST', `/api/estates/${estate.id}/councils`, {
      token: org.token,
      body: { name: '东邻里理事会', neighbourhoodId: n.body.id, members: [{ userId: chair.id, role: 'chair' }, { userId: member.id, role: 'member' }] },
    });
    expect(c.status).toBe(201);
    expect(c.body.members.map((m: any) => [m.displayName, m.role]).sort()).toEqual([['刘代表', 'member'], ['陈理事长', 'chair']]);
    // Seating gives the estate roles the council pages need.
    const me = await ctx().call('GET', '/api/me', { token: chair.token });
    expect(me.body.roles.map((r: any) => r.role).sort()).toEqual(['chair', 'owner']);
  });

  it('refuses unknown buildings, unknown members and duplicates, writing nothing', async () => {
    const estate = await makeEstate(ctx(), CSV, 'bad input');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const stranger = await makeUser(ctx());
    const n = await ctx().call('POST', `/api/estates/${estate.id}/neighbourhoods`, { token: org.token, body: { name: 'X', buildings: ['1', '9'] } });
    expect(n.status).toBe(400);
    expect(n.body.error.message).toContain('9');
    const c = await ctx().call('POST', `/api/estates/${estate.id}/councils`, { token: org.token, body: { name: 'C', members: [{ userId: stranger.id, role: 'member' }] } });
    expect(c.status).toBe(400);
    expect(c.body.error.details[0].field).toBe('members');
    const list = await ctx().call('GET', `/api/estates/${estate.id}/councils`, { token: org.token });
    expect(list.body.councils).toEqual([]);
    const ns = await ctx().call('GET', `/api/estates/${estate.id}/neighbourhoods`, { token: org.token });
    expect(ns.body.neighbourhoods).toEqual([]);
  });

  it('creates owner invites only for register persons', async () => {
    const estate = await makeEstate(ctx(), CSV, 'invites');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const missing = await ctx().call('POST', `/api/estates/${estate.id}/invites`, { token: org.token, body: { role: 'owner' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details[0].field).toBe('personRef');
    const unknown = await ctx().call('POST', `/api/estates/${estate.id}/invites`, { token: org.token, body: { role: 'owner', personRef: 'NOPE' } });
    expect(unknown.status).toBe(400);
    const ok = await ctx().call('POST', `/api/estates/${estate.id}/invites`, { token: org.token, body: { role: 'owner', personRef: 'P1' } });
    expect(ok.status).toBe(201);
    expect(ok.body.url).toBe(`http://linli.test/join#${encodeURIComponent(ok.body.code)}`);
    const signIn = await ctx().call('POST', '/api/auth/sign-in', { body: { code: ok.body.code } });
    const me = await ctx().call('GET', '/api/me', { token: signIn.body.token });
    expect(me.body.parts.map((p: any) => p.partId)).toEqual(['1-101']);
    const listed = await ctx().call('GET', `/api/estates/${estate.id}/invites`, { token: org.token });
    expect(listed.body.invites[0]).toMatchObject({ role: 'owner', usedAt: expect.any(String) });
    expect(JSON.stringify(listed.body)).not.toContain(ok.body.code);
  });

  it('slows down code guessing from one address', async () => {
    let last = 0;
    for (let i = 0; i < 25; i++) last = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: `WRONG-${i}AAAA` } })).status;
    expect(last).toBe(429);
  });
});
