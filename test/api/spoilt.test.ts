import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDb, makeEstate, makeUser } from '../support/app.ts';
import { bindOwner, clock } from '../support/votes.ts';

const E10 = readFileSync(path.resolve(import.meta.dirname, '../../../shared/vectors/recount/T1/register.csv'), 'utf8');

describeEachDb('spoilt ballots at the close', (ctx) => {
  for (const rule of ['participates', 'excluded'] as const) {
    it(`closes and counts a spoilt ballot under spoilt = ${rule}`, async () => {
      const t = clock(ctx(), '2026-03-01T10:00:00+08:00');
      const estate = await makeEstate(ctx(), E10, `spoilt-${rule}`);
      const org = await makeUser(ctx(), { roles: [{ estateId: estate.id, role: 'organizer' }] });
      await ctx().call('PATCH', `/api/estates/${estate.id}/rules`, { token: org.token, body: { spoilt: rule } });
      const base = `/api/estates/${estate.id}/votes`;
      const id = (await ctx().call('POST', base, { token: org.token, body: { title: 's', opensAt: '2026-03-17T00:00:00+08:00', closesAt: '2026-03-31T00:00:00+08:00', matters: [{ title: 'm', category: '4' }] } })).body.id;
      await ctx().call('POST', `${base}/${id}/notice`, { token: org.token, body: { noticeDate: '2026-03-01' } });
      t.set('2026-03-20T10:00:00+08:00');
      for (const [ref, choice] of [['A', 'yes'], ['B', 'spoilt'], ['E', 'no']] as const) {
        const o = await bindOwner(ctx(), estate.id, ref);
        expect((await ctx().call('POST', `${base}/${id}/ballots`, { token: o.token, body: { choices: [{ matter: 'm1', choice }], nonce: randomUUID() } })).status).toBe(201);
      }
      const closed = await ctx().call('POST', `${base}/${id}/close`, { token: org.token, body: { reason: 'count' } });
      expect(closed.status, JSON.stringify(closed.body)).toBe(200);
      // B (190 m²) spoilt: taking part, or left out of the participation.
      expect(closed.body.matters[0].result.participation).toEqual(rule === 'participates' ? { parties: 3, area: '330.00' } : { parties: 2, area: '140.00' });
    });
  }
});
