import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { sessions } from '../../../db/schema/index.ts';
import type { Db } from '../../db.ts';
import type { Keyring } from '../../keys.ts';
import { AppError } from '../../errors.ts';

export const TOKEN_AUDIENCE = 'linli-api';
export const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Claims a token must carry; a token without any of them is refused, however well signed. */
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub', 'jti'];

export interface TokenClaims {
  userId: string;
  jti: string;
}

/**
 * Issues an EdDSA-signed JWT for a user and records its session (jti, user, expiry) in the same
 * call: a token is accepted only while that row is there and unrevoked (see guard.ts). Roles are
 * not in the token (they are read per request).
 */
export async function issueToken(
  db: Db,
  keys: Keyring,
  issuer: string,
  userId: string,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date; jti: string }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + TOKEN_TTL_SECONDS;
  const jti = randomUUID();
  const expiresAt = new Date(exp * 1000);
  await db.insert(sessions).values({ jti, userId, createdAt: now, expiresAt });
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(userId)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(keys.privateKey);
  return { token, expiresAt, jti };
}

/**
 * Verifies signature (EdDSA only: no `none`, no HS confusion), audience, issuer, expiry, and that
 * `exp`, `iat`, `sub` and `jti` are all present (sub and jti UUIDs). The session is checked by the
 * caller, in the same query that loads the user.
 */
export async function verifyToken(keys: Keyring, issuer: string, token: string, now?: Date): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['EdDSA'],
      audience: TOKEN_AUDIENCE,
      issuer,
      requiredClaims: REQUIRED_CLAIMS,
      ...(now ? { currentDate: now } : {}),
    });
    // Subjects are user ids and jtis session ids (UUIDs): anything else is refused here rather than reaching a uuid column.
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub) || typeof payload.jti !== 'string' || !UUID.test(payload.jti)) throw new Error('claims');
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') throw new Error('claims');
    return { userId: payload.sub, jti: payload.jti };
  } catch (err) {
    const expired = err instanceof joseErrors.JWTExpired;
    throw new AppError(
      'UNAUTHENTICATED',
      expired ? 'your sign-in has expired; please sign in again' : 'invalid token',
      undefined,
      expired ? '登录已过期，请重新登录' : '登录信息无效，请重新登录',
    );
  }
}
