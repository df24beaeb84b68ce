import { expect, it } from 'vitest';
import { createCouncil } from '../../src/modules/councils/routes.ts';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';

describeEachDb('council sessions over HTTP', (ctx) => {
  it('schedules a session (organizer or the council’s chair), validates input, and lists it', async () => {
    const estate = await makeEstate(ctx(), undefined, 'sessions');
    const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
    const chair = await makeUser(ctx(), { name: '陈理事长', roles: [{ estateId: estate.id, role: 'owner' }] });
    const member = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'owner' }] });
    const owner = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'owner' }] });
    const councilId = await createCouncil(ctx().db, estate.id, { name: '理事会', members: [{ userId: chair.id, role: 'chair' }, { userId: member.id, role: 'member' }] });
    const url = `/api/estates/${estate.id}/councils/${councilId}/sessions`;
    const body = { title: '月度会议', scheduledAt: '2026-12-01T19:30:00+08:00', agenda: [{ title: '电梯', minutes: 20 }] };
    expect((await ctx().call('POST', url, { token: chair.token, body })).status).toBe(201);
    expect((await ctx().call('POST', url, { token: org.token, body })).status).toBe(201);
    expect((await ctx().call('POST', url, { token: owner.token, body })).status).toBe(403);
    expect((await ctx().call('POST', url, { body })).status).toBe(401);
    for (const [bad, field] of [
      [{ ...body, agenda: [] }, 'agenda'],
      [{ ...body, scheduledAt: 'tonight' }, 'scheduledAt'],
      [{ ...body, agenda: [{ title: '', minutes: 5 }] }, 'agenda.0.title'],
      [{ ...body, agenda: [{ title: 'x', minutes: 999 }] }, 'agenda.0.minutes'],
    ] as const) {
      const res = await ctx().call('POST', url, { token: org.token, body: bad });
      expect(res.status, field).toBe(400);
      expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
    }
    expect((await ctx().call('POST', `/api/estates/${estate.id}/councils/00000000-0000-0000-0000-000000000000/sessions`, { token: org.token, body })).status).toBe(404);
    const list = await ctx().call('GET', `/api/estates/${estate.id}/sessions`, { token: owner.token });
    expect(list.body.sessions).toHaveLength(2);
    const one = await ctx().call('GET', `/api/estates/${estate.id}/sessions/${list.body.sessions[0].id}`, { token: owner.token });
    expect(one.body).toMatchObject({ myRole: 'observer', status: 'scheduled', state: { status: 'scheduled' } });
    // Minutes only after the session ended; only chair or organizer.
    expect((await ctx().call('POST', `/api/estates/${estate.id}/sessions/${list.body.sessions[0].id}/minutes`, { token: owner.token })).status).toBe(403);
    expect((await ctx().call('POST', `/api/estates/${estate.id}/sessions/${list.body.sessions[0].id}/minutes`, { token: chair.token })).status).toBe(409);
  });
});
