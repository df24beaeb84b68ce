import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from './errors.ts';
import type { AppEnv, Deps } from './http/context.ts';
import { errorResponse, onError } from './http/errors.ts';
import { apiReferencePage } from './http/reference.ts';
import { redactPath } from './http/redact-path.ts';
import { rejectUnstorableText } from './http/text-guard.ts';
import { webClient } from './http/static.ts';
import { registerAuthRoutes } from './modules/auth/routes.ts';
import { registerCouncilRoutes } from './modules/councils/routes.ts';
import { registerHealthRoutes } from './modules/health/routes.ts';
import { registerRegistryRoutes } from './modules/registry/routes.ts';
import { registerVoteRoutes } from './modules/votes/routes.ts';
import { registerQuorumRoutes } from './modules/votes/quorum-routes.ts';
import { registerLedgerRoutes } from './modules/ledger/routes.ts';
import { registerCredentialRoutes } from './modules/credentials/routes.ts';
import { registerProposalRoutes } from './modules/proposals/routes.ts';
import { registerNotificationRoutes } from './modules/notifications/routes.ts';
import { registerCommentRoutes } from './modules/comments/routes.ts';
import { registerConsultationRoutes } from './modules/consultations/routes.ts';
import { registerDeliberationRoutes } from './modules/deliberation/routes.ts';

const WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../web/dist');
/** JSON bodies are small; register files may be larger. */
const JSON_LIMIT = 256 * 1024;
export const UPLOAD_LIMIT = 10 * 1024 * 1024;

export type App = OpenAPIHono<AppEnv>;

/** Builds the whole HTTP application; tests call `app.request()` on it, src/index.ts serves it. */
export function createApp(deps: Deps, opts: { webRoot?: string } = {}): App {
  const app = new OpenAPIHono<AppEnv>({
    // zod failures at the edge become one VALIDATION_FAILED envelope naming each field.
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError(
          'VALIDATION_FAILED',
          result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
          result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })),
          '填写的内容有误，请检查后重试',
        );
      }
    },
  });

  app.use('*', requestId({ headerName: 'x-request-id' }));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('principal', null);
    const started = performance.now();
    await next();
    // Only method, path (no query, and code-like segments redacted: old /l/<code> links still
    // arrive), status and timing are logged.
    deps.logger.info(
      { requestId: c.get('requestId'), method: c.req.method, path: redactPath(c.req.path), status: c.res.status, ms: Math.round(performance.now() - started) },
      'request',
    );
  });
  // Uploaded files are served sandboxed; this runs after secureHeaders has set the page policy.
  app.use('/api/estates/*', async (c, next) => {
    await next();
    if (c.req.method === 'GET' && /\/attachments\/[^/]+$/.test(c.req.path) && c.res.ok) {
      c.res.headers.set('content-security-policy', "sandbox; default-src 'none'");
    }
  });
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
      },
      referrerPolicy: 'no-referrer',
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use('/api/*', async (c, next) => {
    const upload = c.req.path.endsWith('/register/import') || (c.req.method === 'POST' && c.req.path.endsWith('/attachments'));
    const limit = upload ? UPLOAD_LIMIT + 64 * 1024 : JSON_LIMIT;
    return bodyLimit({
      maxSize: limit,
      onError: (cc) => errorResponse(cc as never, 'PAYLOAD_TOO_LARGE', 413, `request body larger than ${limit} bytes`, { messageZh: '上传的内容太大' }),
    })(c, next);
  });
  app.use('/api/*', rejectUnstorableText);

  registerHealthRoutes(app);
  registerAuthRoutes(app);
  registerRegistryRoutes(app);
  registerCouncilRoutes(app);
  registerVoteRoutes(app);
  registerQuorumRoutes(app);
  registerLedgerRoutes(app);
  registerCredentialRoutes(app);
  registerProposalRoutes(app);
  registerNotificationRoutes(app);
  registerConsultationRoutes(app);
  registerCommentRoutes(app);
  registerDeliberationRoutes(app);

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'linli API', version: '0.1.0', description: '邻里 — deliberation and e-voting for residential estates' },
    servers: [{ url: deps.env.publicUrl }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.get('/api/docs', (c) => {
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'linli API', version: '0.1.0' } });
    return c.html(apiReferencePage(doc));
  });

  app.all('/api/*', (c) => errorResponse(c, 'NOT_FOUND', 404, `no such route: ${c.req.method} ${c.req.path}`, { messageZh: '未找到该页面' }));
  app.get('*', webClient(opts.webRoot ?? WEB_ROOT));
  app.notFound((c) => errorResponse(c, 'NOT_FOUND', 404, `no such route: ${c.req.method} ${c.req.path}`, { messageZh: '未找到该页面' }));
  app.onError(onError);
  return app;
}
