import type { MiddlewareHandler } from 'hono';
import { AppError, type ErrorDetail } from '../errors.ts';
import type { AppEnv } from './context.ts';

/** NUL, or a UTF-16 surrogate without its pair. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const JSON_TYPE = /^application\/([\w.-]+\+)?json/i;

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // The router keeps a segment it cannot decode as it is; so does this check.
    return s;
  }
}

/**
 * Refuses text PostgreSQL cannot store exactly, in the path, the query and JSON bodies: the NUL
 * character (PostgreSQL text cannot hold it; the insert fails, which was a 500) and unpaired UTF-16
 * surrogates (UTF-8 cannot encode them; the driver silently replaced them with U+FFFD, so the stored
 * text differed from what was sent, and the ledger's canonical JSON refused them with a 500).
 * Such input answers 400 VALIDATION_FAILED naming the fields, before any handler runs.
 */
export const rejectUnstorableText: MiddlewareHandler<AppEnv> = async (c, next) => {
  const details: ErrorDetail[] = [];
  const add = (field: string) => {
    if (details.length < 20) details.push({ field, message: 'contains a NUL character or an unpaired surrogate', messageZh: '含有无法保存的字符' });
  };
  const url = new URL(c.req.url);
  if (url.pathname.split('/').some((s) => UNSTORABLE.test(decodeSegment(s)))) add('path');
  for (const [k, v] of url.searchParams) if (UNSTORABLE.test(k) || UNSTORABLE.test(v)) add(`query.${k}`);

  const method = c.req.method;
  if (method !== 'GET' && method !== 'HEAD' && JSON_TYPE.test(c.req.header('content-type') ?? '')) {
    let body: unknown;
    try {
      // Cached by HonoRequest: the route's validator reads the same text again.
      body = await c.req.json();
    } catch {
      body = undefined; // malformed JSON: the route's validator answers MALFORMED_JSON
    }
    // Iterative walk: a body may be nested thousands of levels deep.
    const stack: [unknown, string][] = [[body, '']];
    while (stack.length && details.length < 20) {
      const [value, path] = stack.pop()!;
      if (typeof value === 'string') {
        if (UNSTORABLE.test(value)) add(path || 'body');
      } else if (Array.isArray(value)) {
        value.forEach((v, i) => stack.push([v, path ? `${path}.${i}` : String(i)]));
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) {
          const at = path ? `${path}.${k}` : k;
          if (UNSTORABLE.test(k)) add(at);
          stack.push([v, at]);
        }
      }
    }
  }
  if (details.length) {
    throw new AppError(
      'VALIDATION_FAILED',
      `${details.map((d) => d.field).join(', ')}: text contains a NUL character or an unpaired surrogate, which cannot be stored`,
      details,
      '内容中含有无法保存的特殊字符，请删除后重试',
    );
  }
  return next();
};
