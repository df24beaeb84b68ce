import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { AppError, type ErrorCode, type ErrorDetail } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** The one error envelope: `{ error: { code, message, messageZh?, details?, requestId } }`. */
export function errorResponse(c: Context<AppEnv>, code: ErrorCode, status: number, message: string, extra?: { details?: ErrorDetail[]; messageZh?: string }) {
  return c.json(
    {
      error: {
        code,
        message,
        ...(extra?.messageZh ? { messageZh: extra.messageZh } : {}),
        ...(extra?.details?.length ? { details: extra.details } : {}),
        requestId: c.get('requestId') ?? 'unknown',
      },
    },
    status as 400,
  );
}

/**
 * Errors that mean the database is out of reach (refused, reset, closed, shutting down, starting
 * up), not that the request was wrong: the answer is 503 and the client may try again.
 */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
]);

function isDbUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && UNAVAILABLE.has(e.code)) return true;
  }
  return false;
}

/** Maps anything thrown to the envelope; unknown errors become 500 without details, logged with the request id. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    return errorResponse(c, err.code, err.status, err.message, { details: err.details, messageZh: err.messageZh });
  }
  if (err instanceof HTTPException) {
    const status = err.status;
    if (status === 413) return errorResponse(c, 'PAYLOAD_TOO_LARGE', 413, 'request body too large', { messageZh: '上传的内容太大' });
    if (status === 415) return errorResponse(c, 'UNSUPPORTED_MEDIA_TYPE', 415, err.message || 'unsupported content type', { messageZh: '不支持的内容格式' });
    const malformed = /malformed json/i.test(err.message);
    return errorResponse(c, malformed ? 'MALFORMED_JSON' : 'BAD_REQUEST', status >= 400 && status < 500 ? status : 400,
      malformed ? 'request body is not valid JSON' : err.message || 'bad request',
      { messageZh: malformed ? '请求内容格式错误' : '请求无效' });
  }
  const deps = c.get('deps');
  if (isDbUnavailable(err)) {
    deps?.logger.warn({ requestId: c.get('requestId'), err: { message: err.message } }, 'database unavailable');
    return errorResponse(c, 'DB_UNAVAILABLE', 503, 'service temporarily unavailable, please try again shortly', { messageZh: '系统暂时不可用，请稍后再试' });
  }
  deps?.logger.error({ requestId: c.get('requestId'), err: { message: err.message, stack: err.stack } }, 'unhandled error');
  return errorResponse(c, 'INTERNAL', 500, 'internal error', { messageZh: '系统内部错误' });
}
