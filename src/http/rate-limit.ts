import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { AppError } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** The client address as the socket saw it (app.request() in tests has none: "local"). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'local';
  } catch {
    return 'local';
  }
}

/**
 * Fixed-window limiter per client address and route, in process memory. It slows guessing on one
 * node; limits that must hold across nodes (one-time codes per number) live in the database.
 */
export function rateLimit(opts: { windowMs: number; max: number; name: string }): MiddlewareHandler<AppEnv> {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return async (c, next) => {
    const now = Date.now();
    const key = clientAddress(c);
    let entry = hits.get(key);
    if (!entry || entry.resetAt <= now) {
      if (hits.size > 10_000) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
      entry = { count: 0, resetAt: now + opts.windowMs };
      hits.set(key, entry);
    }
    entry.count++;
    if (entry.count > opts.max) {
      c.header('retry-after', String(Math.ceil((entry.resetAt - now) / 1000)));
      throw new AppError('RATE_LIMITED', `too many ${opts.name} attempts; please wait a minute`, undefined, '尝试次数过多，请稍后再试');
    }
    return next();
  };
}
