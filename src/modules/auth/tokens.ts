import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Keyring } from '../../keys.ts';
import { AppError } from '../../errors.ts';

export const TOKEN_AUDIENCE = 'linli-api';
const TOKEN_TTL_SECONDS = 7 * 24 * 3600;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TokenClaims {
  userId: string;
  jti: string;
}

/** Issues an EdDSA-signed JWT for a user; roles are not in the token (they are read per request). */
export async function issueToken(
  keys: Keyring,
  issuer: string,
  userId: string,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + TOKEN_TTL_SECONDS;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(userId)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(keys.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}

/** Verifies signature (EdDSA only: no `none`, no HS confusion), audience, issuer and expiry. */
export async function verifyToken(keys: Keyring, issuer: string, token: string, now?: Date): Promise<TokenClaims> {
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['EdDSA'],
      audience: TOKEN_AUDIENCE,
      issuer,
      ...(now ? { currentDate: now } : {}),
    });
    // Subjects are user ids (UUIDs): anything else is refused here rather than reaching a uuid column.
    if (typeof payload.sub !== 'string' || !UUID.test(payload.sub) || typeof payload.jti !== 'string') throw new Error('claims');
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
