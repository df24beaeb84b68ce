import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { lt, sql } from 'drizzle-orm';
import { rateLimits } from '../../db/schema/index.ts';
import type { TrustProxy } from '../env.ts';
import { AppError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const MINUTE = 60;
const DAY = 24 * 3600;
/** Windows are aligned to Beijing time (UTC+8), so a daily cap resets at Beijing midnight. */
const BEIJING_OFFSET_MS = 8 * 3600_000;

/**
 * One abuse limit: at most `max` hits per `windowSeconds` for one key in `bucket`. `subject` says
 * in plain words what the key is (shown in the 429 answer), and `field` names the request field
 * it comes from when it is one.
 */
export interface Limit {
  bucket: string;
  windowSeconds: number;
  max: number;
  subject: { en: string; zh: string };
  field?: string;
}

const fromAddress = { en: 'from this address', zh: '来自同一网络地址的' };

/**
 * Every limit in one place (docs/operations.md §9 lists them). Short windows are per client
 * address and slow guessing; daily caps are per phone number, per code and per house, and hold
 * whatever address the attempts come from.
 */
export const LIMITS = {
  /** Invite sign-in, one-time code request and check share one budget per address. */
  signIn: { bucket: 'sign-in', windowSeconds: MINUTE, max: 20, subject: fromAddress },
  /** Ballot-letter and proxy-code sign-in, and the reminder opt-out link. */
  letter: { bucket: 'letter', windowSeconds: MINUTE, max: 20, subject: fromAddress },
  /** Property-certificate binding (certificate numbers are guessable in sequence). */
  binding: { bucket: 'binding', windowSeconds: MINUTE, max: 10, subject: fromAddress },
  /** One-time codes requested for one phone number in a day (besides 1 a minute, 5 an hour). */
  otpRequestPhoneDay: { bucket: 'otp-request:phone:day', windowSeconds: DAY, max: 10, subject: { en: 'for this phone number today', zh: '该手机号今日' }, field: 'phone' },
  /** One-time code checks for one phone number in a day (besides 5 wrong tries per code). */
  otpVerifyPhoneDay: { bucket: 'otp-verify:phone:day', windowSeconds: DAY, max: 20, subject: { en: 'for this phone number today', zh: '该手机号今日' }, field: 'phone' },
  /** Sign-ins with one invite code in a day (it works once; the rest are retries or guesses). */
  inviteCodeDay: { bucket: 'invite:code:day', windowSeconds: DAY, max: 10, subject: { en: 'with this code today', zh: '该号码今日' }, field: 'code' },
  /** Sign-ins with one ballot-letter or proxy code in a day (a letter code signs in again and again). */
  letterCodeDay: { bucket: 'letter:code:day', windowSeconds: DAY, max: 20, subject: { en: 'with this code today', zh: '该号码今日' }, field: 'code' },
  /** Certificate-binding attempts for one house in a day, from any address or account. */
  bindingPartDay: { bucket: 'binding:part:day', windowSeconds: DAY, max: 20, subject: { en: 'for this house today', zh: '该房屋今日' }, field: 'partId' },
} as const satisfies Record<string, Limit>;

/** Strips the IPv4-mapped IPv6 prefix Node puts on IPv4 peers (`::ffff:10.0.0.1`). */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The peer address of the TCP connection (app.request() in tests has none: "local"). */
export function socketAddress(c: Context): string {
  try {
    const address = getConnInfo(c).remote.address;
    return address ? plainAddress(address) : 'local';
  } catch {
    return 'local';
  }
}

/**
 * The client address a limit is keyed on. Without LINLI_TRUST_PROXY it is the socket's peer and
 * X-Forwarded-For is ignored (anyone can write it). With it, the X-Forwarded-For chain is read from
 * the right, past the trusted proxies: a count of hops, or only the listed proxy addresses.
 */
export function clientAddress(c: Context, trust: TrustProxy): string {
  const peer = socketAddress(c);
  if (trust.kind === 'none') return peer;
  const forwarded = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((s) => plainAddress(s.trim()))
    .filter((s) => s.length > 0);
  // The chain as the last proxy saw it: the client first, the peer (nearest proxy) last.
  const chain = [...forwarded, peer];
  let i = chain.length - 1;
  if (trust.kind === 'hops') {
    i = Math.max(0, chain.length - 1 - trust.hops);
  } else {
    while (i > 0 && trust.addresses.includes(chain[i]!)) i--;
  }
  const picked = chain[i]!;
  // A malformed entry (not an IP) is never a key: fall back to the peer, which cannot be forged.
  return i === chain.length - 1 || isIP(picked) ? picked : peer;
}

let hitsSincePrune = 0;
const PRUNE_EVERY = 500;

/**
 * Counts one hit on each (limit, key) in a single statement and refuses with 429 when any is over
 * its limit. Keys are stored as keyed hashes only. Refused attempts count too (a fixed window).
 */
export async function hitLimits(c: Context<AppEnv>, hits: { limit: Limit; key: string }[]): Promise<void> {
  if (!hits.length) return;
  const { db, keys, logger } = c.var.deps;
  const now = c.var.deps.now?.() ?? new Date();
  const rows = hits.map(({ limit, key }) => {
    const ms = limit.windowSeconds * 1000;
    const start = Math.floor((now.getTime() + BEIJING_OFFSET_MS) / ms) * ms - BEIJING_OFFSET_MS;
    return {
      bucket: limit.bucket,
      key: keys.hash('rate-limit', `${limit.bucket}:${key}`),
      windowStart: new Date(start),
      count: 1,
      expiresAt: new Date(start + ms),
    };
  });
  const counted = await db
    .insert(rateLimits)
    .values(rows)
    .onConflictDoUpdate({ target: [rateLimits.bucket, rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
    .returning({ bucket: rateLimits.bucket, count: rateLimits.count, expiresAt: rateLimits.expiresAt });
  if (++hitsSincePrune >= PRUNE_EVERY) {
    hitsSincePrune = 0;
    db.delete(rateLimits)
      .where(lt(rateLimits.expiresAt, now))
      .catch((err: Error) => logger.warn({ err: { message: err.message } }, 'rate limit pruning failed'));
  }
  const over = counted
    .map((r) => ({ row: r, limit: hits.find((h) => h.limit.bucket === r.bucket)!.limit }))
    .filter(({ row, limit }) => row.count > limit.max)
    .sort((a, b) => b.row.expiresAt.getTime() - a.row.expiresAt.getTime())[0];
  if (!over) return;
  const { limit, row } = over;
  c.header('retry-after', String(Math.max(1, Math.ceil((row.expiresAt.getTime() - now.getTime()) / 1000))));
  const daily = limit.windowSeconds >= DAY;
  throw new AppError(
    'RATE_LIMITED',
    daily
      ? `too many attempts ${limit.subject.en}; please try again tomorrow`
      : `too many attempts ${limit.subject.en}; please wait a minute and try again`,
    limit.field ? [{ field: limit.field, message: daily ? 'daily limit reached' : 'too many attempts' }] : undefined,
    daily ? `${limit.subject.zh}尝试次数过多，请明天再试` : `${limit.subject.zh}尝试次数过多，请稍等一分钟再试`,
  );
}

/** Middleware: one hit on `limit` keyed on the client address (see clientAddress). */
export function rateLimit(limit: Limit): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await hitLimits(c, [{ limit, key: clientAddress(c, c.var.deps.env.trustProxy) }]);
    return next();
  };
}
