import { count, eq, sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { parts } from '../../db/schema/index.ts';
import { seedDemo } from '../../scripts/demo/seed.ts';
import { describeEachDb } from '../support/app.ts';

describeEachDb('demo estate', (ctx) => {
  it('seeds an estate with what real registers have, and accounts for every role', async () => {
    const demo = await seedDemo(ctx().deps);
    expect(demo.created).toBe(true);
    const [{ n }] = (await ctx().db.select({ n: count() }).from(parts).where(eq(parts.estateId, demo.estateId))) as [{ n: number }];
    expect(Number(n)).toBeGreaterThanOrEqual(120);
    const stats = await ctx().db.execute(sql`
      select
        (select count(distinct building_id) from parts where estate_id = ${demo.estateId}) as buildings,
        (select count(*) from parts where estate_id = ${demo.estateId} and kind = 'parking') as parking,
        (select count(*) from parts where estate_id = ${demo.estateId} and status in ('unsold','sold_undelivered')) as developer,
        (select count(*) from (select part_id from ownerships o join parts p on p.id = o.part_id where p.estate_id = ${demo.estateId} group by part_id having count(*) > 1) x) as co_owned,
        (select count(*) from (select person_id from ownerships o join parts p on p.id = o.part_id where p.estate_id = ${demo.estateId} group by person_id having count(*) > 1) y) as multi`);
    const row = ((stats as any).rows ?? stats)[0];
    expect(Number(row.buildings)).toBeGreaterThanOrEqual(3);
    expect(Number(row.parking)).toBeGreaterThan(0);
    expect(Number(row.developer)).toBeGreaterThan(0);
    expect(Number(row.co_owned)).toBeGreaterThan(0);
    expect(Number(row.multi)).toBeGreaterThan(0);
    const roles = demo.accounts.map((a) => a.role);
    for (const r of ['organizer', 'clerk', 'auditor', 'chair', 'council_member', 'volunteer']) expect(roles).toContain(r);
    expect(demo.accounts.filter((a) => a.kind === 'letter')).toHaveLength(2);
    expect(roles.filter((r) => r === 'owner').length).toBeGreaterThanOrEqual(3);

    // Every demo code signs in and lands where its role belongs.
    for (const account of demo.accounts) {
      if (account.kind === 'letter') {
        const letter = await ctx().call('POST', '/api/auth/letter', { body: { code: account.code } });
        expect(letter.status, account.name).toBe(200);
        const view = await ctx().call('GET', `/api/estates/${demo.estateId}/votes/${letter.body.voteId}`, { token: letter.body.token });
        expect(view.body.me.parties).toEqual([expect.objectContaining({ via: 'letter' })]);
        expect(view.body.me.ballots).toEqual([]);
        continue;
      }
      const res = await ctx().call('POST', '/api/auth/sign-in', { body: { code: account.code } });
      expect(res.status, account.role).toBe(200);
      const me = await ctx().call('GET', '/api/me', { token: res.body.token });
      expect(me.body.roles.map((r: any) => r.role)).toContain(account.role);
      if (account.role === 'owner') expect(me.body.parts.length).toBeGreaterThan(0);
    }
    const council = await ctx().call('GET', `/api/estates/${demo.estateId}/councils`, { token: (await ctx().call('POST', '/api/auth/sign-in', { body: { code: (await seedDemo(ctx().deps)).accounts[0]!.code } })).body.token });
    expect(council.body.councils[0].members.map((m: any) => m.role).sort()).toEqual(['chair', 'member']);
  });

  it('has an open paint-colour vote and a closed, final vote with at least 100 ballots', async () => {
    const demo = await seedDemo(ctx().deps);
    const org = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: demo.accounts.find((a) => a.role === 'organizer')!.code } })).body.token;
    const list = await ctx().call('GET', `/api/estates/${demo.estateId}/votes`, { token: org });
    const phases = list.body.votes.map((v: any) => v.phase).sort();
    expect(phases).toEqual(['final', 'open']);
    const open = list.body.votes.find((v: any) => v.phase === 'open');
    const view = await ctx().call('GET', `/api/estates/${demo.estateId}/votes/${open.id}`, { token: org });
    expect(view.body.matters.some((m: any) => m.kind === 'options' && m.options.every((o: any) => /^#[0-9A-F]{6}$/.test(o.colorHex)))).toBe(true);
    const closed = list.body.votes.find((v: any) => v.phase === 'final');
    const result = await ctx().call('GET', `/api/estates/${demo.estateId}/votes/${closed.id}/result`, { token: org });
    expect(result.body.participants.length).toBeGreaterThanOrEqual(100);
    expect(result.body.matters[0].verdict.zh).toContain('民法典第278条');
    // The demo owners have not voted in the open vote, so they can.
    const owner = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: demo.accounts.find((a) => a.role === 'owner')!.code } })).body.token;
    const mine = await ctx().call('GET', `/api/estates/${demo.estateId}/votes/${open.id}`, { token: owner });
    expect(mine.body.me.parties.length).toBe(1);
    expect(mine.body.me.ballots).toEqual([]);
  });

  it('has a published colour proposal and an open consultation with some coverage', async () => {
    const demo = await seedDemo(ctx().deps);
    const org = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: demo.accounts.find((a) => a.role === 'organizer')!.code } })).body.token;
    const proposals = await ctx().call('GET', `/api/estates/${demo.estateId}/proposals`, { token: org });
    expect(proposals.body.proposals).toEqual([expect.objectContaining({ status: 'published', options: 3 })]);
    const list = await ctx().call('GET', `/api/estates/${demo.estateId}/consultations`, { token: org });
    const open = list.body.consultations.find((c: any) => c.open);
    const cov = await ctx().call('GET', `/api/estates/${demo.estateId}/consultations/${open.id}/coverage`, { token: org });
    expect(cov.body.total.responded).toBeGreaterThan(10);
    expect(cov.body.total.responded).toBeLessThan(cov.body.total.households);
    const opinions = await ctx().call('GET', `/api/estates/${demo.estateId}/opinions`, { token: org });
    expect(opinions.body.open.length).toBeGreaterThanOrEqual(1);
    expect(opinions.body.counts.adopted).toBeGreaterThanOrEqual(1);
  });

  it('has a scheduled council session with an agenda for the demo chair and member', async () => {
    const demo = await seedDemo(ctx().deps);
    const chair = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: demo.accounts.find((a) => a.role === 'chair')!.code } })).body.token;
    const list = await ctx().call('GET', `/api/estates/${demo.estateId}/sessions`, { token: chair });
    expect(list.body.sessions).toEqual([expect.objectContaining({ status: 'scheduled', items: 3 })]);
    const one = await ctx().call('GET', `/api/estates/${demo.estateId}/sessions/${list.body.sessions[0].id}`, { token: chair });
    expect(one.body.myRole).toBe('chair');
    const member = (await ctx().call('POST', '/api/auth/sign-in', { body: { code: demo.accounts.find((a) => a.role === 'council_member')!.code } })).body.token;
    expect((await ctx().call('GET', `/api/estates/${demo.estateId}/sessions/${list.body.sessions[0].id}`, { token: member })).body.myRole).toBe('member');
  });

  it('is idempotent: a second run issues fresh codes without seeding again', async () => {
    const again = await seedDemo(ctx().deps);
    expect(again.created).toBe(false);
    const [{ n }] = (await ctx().db.select({ n: count() }).from(parts).where(eq(parts.estateId, again.estateId))) as [{ n: number }];
    expect(Number(n)).toBe(164);
  });
});
