import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { AppError } from '../../errors.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { hitLimits, LIMITS, rateLimit } from '../../http/rate-limit.ts';
import { SendError } from '../../sender.ts';
import { normalizeInviteCode, normalizePhone } from './codes.ts';
import { access, Access, principal } from './guard.ts';
import { bindByCertificate, myLetters, profile, redeemInvite, requestOtp, verifyOtp } from './service.ts';
import { revokeSession } from './sessions.ts';
import { issueToken } from './tokens.ts';
import { myParts } from '../registry/service.ts';
import { registerInviteRoutes } from './invite-routes.ts';

const TokenResponse = z.object({ token: z.string(), expiresAt: z.string() }).openapi('Token');
const Phone = z.string().min(5).max(32).openapi({ example: '13800138000' });


function phoneOrThrow(input: string): string {
  const phone = normalizePhone(input);
  if (!phone) {
    throw new AppError('VALIDATION_FAILED', 'phone: not a mainland mobile number (11 digits starting with 1)', [{ field: 'phone', message: 'not a mainland mobile number' }], '请输入11位手机号码');
  }
  return phone;
}

export function registerAuthRoutes(app: App) {
  // Counted in the database (all nodes, across restarts): guesses of codes from one address are
  // slowed to 20 a minute; daily caps per phone number, code and house are hit in the handlers.
  const signInLimit = rateLimit(LIMITS.signIn);
  // Certificate numbers are guessable in sequence: binding attempts get their own, tighter budget.
  const bindLimit = rateLimit(LIMITS.binding);
  registerInviteRoutes(app);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/sign-in',
      summary: 'Sign in with an invite code (from a notice letter or QR link)',
      middleware: [signInLimit, access(Access.public)] as const,
      request: jsonBody(z.object({ code: z.string().min(4).max(64).openapi({ example: 'K7QXM-2PD9R' }) })),
      responses: { 200: json(TokenResponse, 'Signed in'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { code } = c.req.valid('json');
      await hitLimits(c, [{ limit: LIMITS.inviteCodeDay, key: normalizeInviteCode(code) }]);
      const { userId } = await redeemInvite(deps.db, deps.keys, code, deps.now?.());
      const { token, expiresAt } = await issueToken(deps.db, deps.keys, deps.env.publicUrl, userId, deps.now?.());
      deps.logger.info({ requestId: c.var.requestId, userId }, 'signed in by invite');
      return c.json({ token, expiresAt: expiresAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/otp/request',
      summary: 'Send a one-time code to a phone number in the register',
      description: 'Always answers 202 for a well-formed number, whether or not it is known.',
      middleware: [signInLimit, access(Access.public)] as const,
      request: jsonBody(z.object({ phone: Phone })),
      responses: { 202: json(z.object({ sent: z.literal(true) }), 'Accepted'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const phone = phoneOrThrow(c.req.valid('json').phone);
      await hitLimits(c, [{ limit: LIMITS.otpRequestPhoneDay, key: phone }]);
      try {
        await requestOtp(deps.db, deps.keys, deps.sender, phone, deps.now?.());
      } catch (err) {
        // The same answer as for an unknown number: a failed text must not tell which numbers are
        // known. The delivery row and the sender's warning record the failure.
        if (!(err instanceof SendError)) throw err;
        deps.logger.warn({ requestId: c.var.requestId, delivery: err.deliveryId }, 'one-time code not sent');
      }
      return c.json({ sent: true as const }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/otp/verify',
      summary: 'Sign in with phone and one-time code',
      middleware: [signInLimit, access(Access.public)] as const,
      request: jsonBody(z.object({ phone: Phone, code: z.string().regex(/^\d{6}$/, 'six digits') })),
      responses: { 200: json(TokenResponse, 'Signed in'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const body = c.req.valid('json');
      const phone = phoneOrThrow(body.phone);
      await hitLimits(c, [{ limit: LIMITS.otpVerifyPhoneDay, key: phone }]);
      const { userId } = await verifyOtp(deps.db, deps.keys, phone, body.code, deps.now?.());
      const { token, expiresAt } = await issueToken(deps.db, deps.keys, deps.env.publicUrl, userId, deps.now?.());
      return c.json({ token, expiresAt: expiresAt.toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/auth/sign-out',
      summary: 'Sign out: ends this token’s session at once (a copy of the token no longer works)',
      security: bearer,
      middleware: [access(Access.user)] as const,
      responses: { 204: { description: 'Signed out' }, ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      await revokeSession(deps.db, principal(c).jti, 'sign_out', deps.now?.() ?? new Date());
      deps.events?.sessionsEnded?.({ jti: principal(c).jti });
      deps.logger.info({ requestId: c.var.requestId, userId: principal(c).userId }, 'signed out');
      return c.body(null, 204);
    },
  );

  const Part = z.object({
    estateId: z.string(),
    estateName: z.string(),
    partId: z.string(),
    building: z.string(),
    entrance: z.string().nullable(),
    floor: z.number().nullable(),
    kind: z.string(),
    area: z.string().openapi({ example: '89.50' }),
    areaCents: z.number().int(),
    areaSource: z.string(),
    status: z.string(),
    coOwners: z.number().int(),
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      summary: 'My profile, roles per estate and my parts (我的房产)',
      security: bearer,
      middleware: [access(Access.user)] as const,
      responses: {
        200: json(
          z.object({
            user: z.object({ id: z.string(), displayName: z.string(), isAdmin: z.boolean() }),
            roles: z.array(z.object({ estateId: z.string(), estateName: z.string(), role: z.string() })),
            parts: z.array(Part),
            letters: z.array(
              z.object({
                estateId: z.string(),
                estateName: z.string(),
                voteId: z.string(),
                voteTitle: z.string(),
                party: z.string(),
                kind: z.string(),
                opensAt: z.string(),
                closesAt: z.string(),
              }),
            ).openapi({ description: 'Votes this account may vote in by a ballot letter or proxy code (such an account has no role or home)' }),
          }),
          'Profile',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const { db } = c.var.deps;
      const me = principal(c);
      const [p, parts, letters] = await Promise.all([profile(db, me.userId), myParts(db, me.userId), myLetters(db, me.userId)]);
      return c.json({ ...p, parts, letters }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/me/bind',
      summary: 'Bind my account to my part in the register (house number + property certificate number, and name for co-owned parts)',
      security: bearer,
      middleware: [bindLimit, access(Access.user)] as const,
      request: jsonBody(
        z
          .object({
            estateId: z.string().uuid(),
            partId: z.string().trim().min(1).max(64),
            certificate: z.string().trim().min(4).max(64),
            name: z.string().trim().min(1).max(50).optional(),
          })
          .strict(),
      ),
      responses: { 200: json(z.object({ personRef: z.string() }), 'Bound'), 409: json(z.any(), 'Already bound to another account'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const body = c.req.valid('json');
      await hitLimits(c, [{ limit: LIMITS.bindingPartDay, key: `${body.estateId}:${body.partId}` }]);
      const result = await bindByCertificate(deps.db, deps.keys, principal(c).userId, body);
      return c.json(result, 200);
    },
  );
}
