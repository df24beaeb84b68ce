import { expect, it } from 'vitest';
import { describeEachDb, makeUser } from '../support/app.ts';

describeEachDb('API conventions', (ctx, target) => {
  it('reports health with the database kind', async () => {
    const res = await ctx().call('GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', db: target.name });
  });

  it('answers malformed JSON with 400 and the envelope, never a stack trace', async () => {
    const res = await ctx().call('POST', '/api/auth/sign-in', { raw: '{"code": ', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('MALFORMED_JSON');
    expect(res.body.error.requestId).toMatch(/.{8,}/);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
  });

  it('names the field when validation fails', async () => {
    const res = await ctx().call('POST', '/api/auth/sign-in', { body: { code: 5 } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details[0].field).toBe('code');
  });

  it('answers an unknown API route with 404 and the envelope', async () => {
    const res = await ctx().call('GET', '/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'NOT_FOUND' });
    expect(res.headers.get('x-request-id')).toBe(res.body.error.requestId);
  });

  it('refuses bodies over the limit with 413', async () => {
    const res = await ctx().call('POST', '/api/auth/sign-in', { raw: JSON.stringify({ code: 'x'.repeat(300_000) }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('sends security headers', async () => {
    const res = await ctx().call('GET', '/api/health');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBeTruthy();
  });

  it('publishes an OpenAPI document and a reference page listing the routes', async () => {
    const doc = await ctx().call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    for (const p of ['/api/auth/sign-in', '/api/me', '/api/estates/{estateId}/register/import', '/api/estates/{estateId}/buildings']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
    const page = await ctx().call('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('/api/estates/{estateId}/register/import');
  });

  it('maps an unexpected failure to 500 "internal error" without details', async () => {
    const { token } = await makeUser(ctx());
    // A database that has lost a table is an internal fault the client cannot fix.
    const { sql } = await import('drizzle-orm');
    await ctx().db.execute(sql`alter table role_grants rename to role_grants_gone`);
    try {
      const res = await ctx().call('GET', '/api/estates', { token });
      expect(res.status).toBe(500);
      expect(res.body.error).toEqual({ code: 'INTERNAL', message: 'internal error', messageZh: '系统内部错误', requestId: expect.any(String) });
    } finally {
      await ctx().db.execute(sql`alter table role_grants_gone rename to role_grants`);
    }
  });
});
