import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { dbTargets } from '../support/db.ts';
import { makeEstate, makeTestContext, makeUser } from '../support/app.ts';
import { createInvite } from '../../src/modules/auth/service.ts';

describe('privacy of logs', () => {
  it('never writes phone numbers, codes, tokens, certificate numbers or names to the log', async () => {
    const lines: string[] = [];
    const ctx = await makeTestContext(dbTargets[0]!);
    ctx.deps.logger = createLogger('trace', { write: (s: string) => lines.push(s) });
    try {
      const csv = 'part_id,building,area,area_source,status,owners,owner_names,owner_phones,certificate\nC-1,1,80,register,registered,R1,欧阳娜娜,13955556666,苏2021不动产权第0077889号\n';
      const estate = await makeEstate(ctx, undefined, 'Privacy');
      const org = await makeUser(ctx, { roles: [{ estateId: estate.id, role: 'organizer' }] });
      const form = new FormData();
      form.set('file', new Blob([csv], { type: 'text/csv' }), 'r.csv');
      expect((await ctx.call('POST', `/api/estates/${estate.id}/register/import`, { token: org.token, raw: form })).status).toBe(200);
      await ctx.call('POST', '/api/auth/otp/request', { body: { phone: '13955556666' } });
      const otp = /(\d{6})/.exec(ctx.sender.lastTo('13955556666')!.text)![1]!;
      const signed = await ctx.call('POST', '/api/auth/otp/verify', { body: { phone: '13955556666', code: otp } });
      expect(signed.status).toBe(200);
      const { code } = await createInvite(ctx.db, { estateId: estate.id, role: 'clerk', label: 'clerk' });
      const byCode = await ctx.call('POST', '/api/auth/sign-in', { body: { code } });
      await ctx.call('GET', `/api/me?code=${code}`, { token: byCode.body.token });
      await ctx.call('POST', '/api/auth/sign-in', { raw: '{"code":"13955556666"', headers: { 'content-type': 'application/json' } });
      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(5);
      for (const secret of ['13955556666', '5556666', otp, code, code.replace('-', ''), signed.body.token, byCode.body.token, '0077889', '欧阳娜娜']) {
        expect(log, `log contains ${secret.slice(0, 12)}`).not.toContain(secret);
      }
    } finally {
      await ctx.close();
    }
  });
});
