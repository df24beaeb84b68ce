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
    for (const r of ['organizer', 'clerk', 'auditor', 'chair', 'council_member']) expect(roles).toContain(r);
    expect(roles.filter((r) => r === 'owner').length).toBeGreaterThanOrEqual(3);

    // Every demo code signs in and lands where its role belongs.
    for (const account of demo.accounts) {
      const res = await ctx().call('POST', '/api/auth/sign-in', { body: { code: account.code } });
      expect(res.status, account.role).toBe(200);
      const me = await ctx().call('GET', '/api/me', { token: res.body.token });
      expect(me.body.roles.map((r: any) => r.role)).toContain(account.role);
      if (account.role === 'owner') expect(me.body.parts.length).toBeGreaterThan(0);
    }
    const council = await ctx().call('GET', `/api/estates/${demo.estateId}/councils`, { token: (await ctx().call('POST', '/api/auth/sign-in', { body: { code: (await seedDemo(ctx().deps)).accounts[0]!.code } })).body.token });
    expect(council.body.councils[0].members.map((m: any) => m.role).sort()).toEqual(['chair', 'member']);
  });

  it('is idempotent: a second run issues fresh codes without seeding again', async () => {
    const again = await seedDemo(ctx().deps);
    expect(again.created).toBe(false);
    const [{ n }] = (await ctx().db.select({ n: count() }).from(parts).where(eq(parts.estateId, again.estateId))) as [{ n: number }];
    expect(Number(n)).toBe(164);
  });
});
