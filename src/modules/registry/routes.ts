import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../../app.ts';
import { parseCsv, CsvSyntaxError, type Table } from '../../domain/register/csv.ts';
import { AppError } from '../../errors.ts';
import { bearer, errorResponses, json, jsonBody } from '../../http/openapi.ts';
import { sha256Hex } from '../../keys.ts';
import { access, Access, principal } from '../auth/guard.ts';
import { OVERVIEW_READERS, REGISTER_MANAGERS, REGISTER_READERS } from '../auth/roles.ts';
import {
  CreateEstateSchema,
  ElectorateQuery,
  ElectorateSummary,
  EstateIdParam,
  EstateRulesPatchSchema,
  EstateRulesSchema,
  EstateSchema,
  ImportSummarySchema,
  OverviewSchema,
  PartsPageSchema,
} from './schemas.ts';
import { buildingsOverview, createEstate, electoratePreview, getEstate, importRegister, listEstates, listParts, updateRules } from './service.ts';
import { readXlsxTable } from './xlsx.ts';
import { roleGrants } from '../../../db/schema/index.ts';
import { eq } from 'drizzle-orm';
import type { HonoRequest, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import type { EstateRules } from '../../domain/rules/settings.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Register files from Chinese spreadsheets are often GB18030 (GBK) rather than UTF-8: accept both.
 * A file that is mostly UTF-8 with a few broken sequences (a character cut in two) is refused with
 * its line instead of being read as GB18030, which garbled every Chinese character in it; a file
 * that is valid in neither encoding is refused too, instead of storing U+FFFD in place of its text.
 */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    /* not UTF-8 */
  }
  const loose = new TextDecoder('utf-8').decode(bytes);
  const broken = (loose.match(/\uFFFD/g) ?? []).length;
  const wellFormed = (loose.match(/[^\u0000-\u007F\uFFFD]/gu) ?? []).length;
  // GBK text read as UTF-8 is mostly broken sequences; UTF-8 with a cut character is mostly sound.
  if (wellFormed < 2 * broken) {
    try {
      return new TextDecoder('gb18030', { fatal: true }).decode(bytes);
    } catch {
      /* not GB18030 either */
    }
  }
  const line = loose.slice(0, loose.indexOf('\uFFFD')).split(/\r\n|\r|\n/).length;
  throw new AppError(
    'IMPORT_INVALID',
    `line ${line}: the file is neither valid UTF-8 nor valid GB18030 (a character is cut or garbled); save it again as a UTF-8 CSV`,
    [{ line, column: null, message: 'invalid or truncated character encoding', messageZh: `第 ${line} 行有乱码或被截断的字符` }],
    '无法识别文件编码，请另存为 UTF-8 编码的 CSV 文件',
  );
}

/**
 * Turns an uploaded file (multipart, raw CSV or raw xlsx) into a table; format by magic bytes.
 * Reads through HonoRequest, whose body cache survives the OpenAPI validator having parsed the form.
 */
async function readUpload(req: HonoRequest): Promise<{ table: Table; format: 'csv' | 'xlsx'; sha256: string }> {
  const type = (req.header('content-type') ?? '').toLowerCase();
  let bytes: Uint8Array;
  if (type.startsWith('multipart/form-data')) {
    let form: FormData | null = null;
    try {
      form = await req.formData();
    } catch {
      form = null;
    }
    const file = form?.get('file');
    if (!file || typeof file === 'string') {
      throw new AppError('VALIDATION_FAILED', 'file: attach the register as the form field "file"', [{ field: 'file', message: 'missing' }], '请选择要导入的登记表文件');
    }
    bytes = new Uint8Array(await file.arrayBuffer());
  } else if (type.startsWith('text/csv') || type.startsWith('text/plain') || type.startsWith(XLSX_TYPE) || type.startsWith('application/octet-stream')) {
    bytes = new Uint8Array(await req.arrayBuffer());
  } else {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the register as multipart/form-data, text/csv or .xlsx', undefined, '请上传 CSV 或 Excel (.xlsx) 文件');
  }
  if (bytes.length === 0) {
    throw new AppError('IMPORT_INVALID', 'the file is empty', [{ line: 1, column: null, message: 'the file is empty', messageZh: '文件是空的' }], '文件是空的');
  }
  const sha256 = sha256Hex(bytes);
  const isZip = bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (isZip) return { table: await readXlsxTable(Buffer.from(bytes)), format: 'xlsx', sha256 };
  try {
    return { table: parseCsv(decodeText(bytes)), format: 'csv', sha256 };
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      throw new AppError('IMPORT_INVALID', `line ${err.line}: ${err.message}`, [{ line: err.line, column: null, message: err.message, messageZh: `第 ${err.line} 行格式错误（引号不匹配）` }], 'CSV 文件格式错误');
    }
    throw err;
  }
}

const estateRoute = (roles: Parameters<typeof Access.estate>[0]): [MiddlewareHandler<AppEnv>] => [access(Access.estate(roles))];

export function registerRegistryRoutes(app: App) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates',
      summary: 'Create an estate (小区) with default 议事规则 settings',
      security: bearer,
      middleware: [access(Access.admin)] as const,
      request: jsonBody(CreateEstateSchema),
      responses: { 201: json(EstateSchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const estate = await createEstate(c.var.deps.db, c.req.valid('json'));
      return c.json({ id: estate.id, name: estate.name, address: estate.address, developerName: estate.developerName, rules: estate.rules as EstateRules }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates',
      summary: 'Estates I have a role in (all of them for a platform admin)',
      security: bearer,
      middleware: [access(Access.user)] as const,
      responses: { 200: json(z.object({ estates: z.array(z.object({ id: z.string(), name: z.string(), address: z.string().nullable() })) }), 'Estates'), ...errorResponses },
    }),
    async (c) => {
      const me = principal(c);
      const { db } = c.var.deps;
      let ids: string[] | null = null;
      if (!me.isAdmin) ids = [...new Set((await db.select({ e: roleGrants.estateId }).from(roleGrants).where(eq(roleGrants.userId, me.userId))).map((r) => r.e))];
      return c.json({ estates: await listEstates(db, ids) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}',
      summary: 'One estate with its 议事规则 settings',
      security: bearer,
      middleware: estateRoute('any'),
      request: { params: EstateIdParam },
      responses: { 200: json(EstateSchema, 'Estate'), ...errorResponses },
    }),
    async (c) => {
      const e = await getEstate(c.var.deps.db, c.req.valid('param').estateId);
      return c.json({ id: e.id, name: e.name, address: e.address, developerName: e.developerName, rules: e.rules }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/api/estates/{estateId}/rules',
      summary: 'Change the estate’s 议事规则 settings (copied into each vote when it is created)',
      security: bearer,
      middleware: estateRoute(REGISTER_MANAGERS),
      request: { params: EstateIdParam, ...jsonBody(EstateRulesPatchSchema) },
      responses: { 200: json(EstateRulesSchema, 'Updated settings'), ...errorResponses },
    }),
    async (c) => {
      const rules = await updateRules(c.var.deps.db, c.req.valid('param').estateId, c.req.valid('json'));
      return c.json(rules, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/estates/{estateId}/register/import',
      summary: 'Import the owner register from CSV or .xlsx (all or nothing)',
      description:
        'Columns as in the recount contract (part_id, building, entrance, floor, kind, area, area_source, status, owners) plus optional owner_names, owner_phones, certificate. ' +
        'Send multipart/form-data with a "file" field, or the raw file as text/csv or .xlsx. With ?dryRun=true nothing is written. ' +
        'A bad file answers 422 IMPORT_INVALID with every error (line, column) in details.',
      security: bearer,
      middleware: estateRoute(REGISTER_MANAGERS),
      request: {
        params: EstateIdParam,
        query: z.object({ dryRun: z.enum(['true', 'false', '1', '0']).optional() }),
        body: {
          content: {
            'multipart/form-data': { schema: z.object({ file: z.any().openapi({ type: 'string', format: 'binary' }) }) },
            'text/csv': { schema: z.string() },
            [XLSX_TYPE]: { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
          },
        },
      },
      responses: { 200: json(ImportSummarySchema, 'Imported (or checked, on a dry run)'), 422: json(z.any(), 'Rows with errors; nothing stored'), ...errorResponses },
    }),
    async (c) => {
      const { deps } = c.var;
      const { estateId } = c.req.valid('param');
      const dry = c.req.valid('query').dryRun;
      const upload = await readUpload(c.req);
      const summary = await importRegister(deps.db, deps.keys, {
        estateId,
        table: upload.table,
        format: upload.format,
        fileSha256: upload.sha256,
        importedBy: principal(c).userId,
        dryRun: dry === 'true' || dry === '1',
      });
      deps.logger.info({ requestId: c.var.requestId, estateId, rows: summary.rows, dryRun: summary.dryRun, sha256: upload.sha256 }, 'register import');
      return c.json(summary, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/buildings',
      summary: 'Buildings overview: parts, areas, kinds, statuses and owner parties per building',
      security: bearer,
      middleware: estateRoute(OVERVIEW_READERS),
      request: { params: EstateIdParam },
      responses: { 200: json(OverviewSchema, 'Overview'), ...errorResponses },
    }),
    async (c) => c.json(await buildingsOverview(c.var.deps.db, c.req.valid('param').estateId), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/parts',
      summary: 'The register, one page at a time (house numbers and areas; no names or numbers)',
      security: bearer,
      middleware: estateRoute(REGISTER_READERS),
      request: {
        params: EstateIdParam,
        query: z.object({
          building: z.string().max(64).optional(),
          q: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: { 200: json(PartsPageSchema, 'Parts'), ...errorResponses },
    }),
    async (c) => c.json(await listParts(c.var.deps.db, c.req.valid('param').estateId, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/estates/{estateId}/electorate',
      summary: 'Owner parties and area (art. 278 denominators) for the estate, a building or an entrance',
      security: bearer,
      middleware: estateRoute(['organizer', 'auditor']),
      request: { params: EstateIdParam, query: ElectorateQuery },
      responses: { 200: json(ElectorateSummary, 'Electorate'), ...errorResponses },
    }),
    async (c) => {
      const q = c.req.valid('query');
      if (q.entrance && !q.building) {
        throw new AppError('VALIDATION_FAILED', 'entrance: give the building too', [{ field: 'entrance', message: 'requires building' }], '请同时选择楼栋');
      }
      const scope = q.building ? { building: q.building, entrance: q.entrance ?? null } : null;
      return c.json(await electoratePreview(c.var.deps.db, c.req.valid('param').estateId, { merge: q.merge, scope }), 200);
    },
  );
}
