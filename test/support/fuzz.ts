import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db.ts';
import type { TestContext } from './app.ts';

/**
 * Helpers for the hostile-input suites: arbitraries derived from the OpenAPI document's JSON
 * schemas (valid-shaped and certainly-invalid bodies), hostile strings, a database fingerprint to
 * prove that nothing was written, and a request helper that checks the error envelope.
 */

// ---------------------------------------------------------------------------------------------
// Hostile strings

/** Injection payloads, odd Unicode and spreadsheet formulas; each is a plausible field value. */
export const PAYLOADS: readonly string[] = [
  "'; drop table votes; --",
  "Robert'); DROP TABLE persons;--",
  "' OR '1'='1",
  '1; select pg_sleep(5)',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg/onload=alert(1)>',
  'javascript:alert(1)',
  '${7*7}',
  '{{7*7}}',
  '#{7*7}',
  '%s%s%s%n',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  '\\',
  '"',
  "'",
  '`whoami`',
  '$(reboot)',
  '=cmd|\' /C calc\'!A0',
  '=HYPERLINK("http://evil.example","点我")',
  '+1+1',
  '-2',
  '@SUM(1)',
  '\t=1+1',
  '\r=1+1',
  '\u202Etxt.exe',
  '\u202Bمرحبا\u202C',
  '👩‍👩‍👧‍👦',
  '😀🏳️‍🌈🇨🇳',
  '\u{1F600}\u{10FFFF}',
  'e\u0301\u0302\u0303\u0304\u0305\u0306\u0307',
  'Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035ao\u0319\u0314\u036e',
  '\u200B\u200C\u200D\u2060',
  '\uFEFFbom',
  'ＡＢＣ１２３',
  '业主委员会（筹备组）',
  '\u3000全角空格\u3000',
  '\u2028line\u2029para',
  'null',
  'undefined',
  'true',
  'NaN',
  '1e309',
  '-0',
  '__proto__',
  'constructor',
  'toString',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\uDBFF\uDFFF',
  '\u0007\u001b[31mred\u001b[0m',
  'line1\nline2\r\nline3',
];

/** Whether PostgreSQL can store the text exactly (no NUL, no unpaired surrogate). */
export function storable(s: string): boolean {
  return !s.includes('\u0000') && s.isWellFormed();
}

/** Whether every string (and key) inside a JSON value is storable. */
export function deepStorable(v: unknown): boolean {
  if (typeof v === 'string') return storable(v);
  if (Array.isArray(v)) return v.every(deepStorable);
  if (v && typeof v === 'object') return Object.entries(v).every(([k, x]) => storable(k) && deepStorable(x));
  return true;
}

/** Hostile strings: payloads, their combinations, random graphemes and code points, long texts. */
export function hostileString(maxLength = 4000): fc.Arbitrary<string> {
  const pick = fc.constantFrom(...PAYLOADS);
  return fc
    .oneof(
      { weight: 6, arbitrary: pick },
      { weight: 2, arbitrary: fc.tuple(pick, pick).map(([a, b]) => `${a} ${b}`) },
      { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
      { weight: 1, arbitrary: fc.tuple(pick, fc.integer({ min: 50, max: 3000 })).map(([p, n]) => p.repeat(Math.ceil(n / Math.max(1, p.length))).slice(0, n)) },
    )
    .map((s) => s.slice(0, maxLength));
}

/** A hostile string that fits `[min, max]` UTF-16 units after trimming (zod trims, then checks). */
export function hostileFitting(min = 0, max = 4000): fc.Arbitrary<string> {
  return hostileString(max).map((s) => {
    let t = s.slice(0, max);
    // Do not split a surrogate pair at the cut: that would make the string unstorable by accident.
    if (t.length && /[\uD800-\uDBFF]$/.test(t) && s.isWellFormed()) t = t.slice(0, -1);
    if (t.trim().length < min) t = `${t}${'x'.repeat(min)}`.slice(0, Math.max(max, min));
    return t;
  });
}

// ---------------------------------------------------------------------------------------------
// JSON Schema (from the OpenAPI document) to arbitraries

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  $ref?: string;
}

export type Doc = { paths: Record<string, Record<string, any>>; components?: { schemas?: Record<string, JsonSchema> } };

/** Resolves `$ref` and flattens `allOf` into one object schema (extra keys forbidden only if every branch forbids them). */
export function norm(s: JsonSchema, doc: Doc): JsonSchema {
  let out = s;
  while (out.$ref) {
    const name = out.$ref.replace('#/components/schemas/', '');
    out = doc.components?.schemas?.[name] ?? {};
  }
  if (out.allOf) {
    const parts = out.allOf.map((b) => norm(b, doc));
    return {
      type: 'object',
      properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
      required: [...new Set(parts.flatMap((p) => p.required ?? []))],
      additionalProperties: parts.every((p) => p.additionalProperties === false) ? false : undefined,
    };
  }
  return out;
}

function typesOf(s: JsonSchema): string[] {
  if (s.type) return Array.isArray(s.type) ? s.type : [s.type];
  if (s.enum) return [...new Set(s.enum.map((v) => (v === null ? 'null' : typeof v)))];
  if ('const' in s) return [s.const === null ? 'null' : typeof s.const];
  if (s.properties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

export interface GenOptions {
  doc: Doc;
  /** Strings for free-text fields, fitted to the field's length bounds. */
  text: (min: number, max: number) => fc.Arbitrary<string>;
  /** Valid values by property name, to get past business checks (real part ids, dates…). */
  hints?: Record<string, fc.Arbitrary<unknown>>;
}

const I32 = 2 ** 31 - 1;

/** Values that match the schema's shape (types, bounds, patterns, formats, required keys). */
export function validArb(schema: JsonSchema, o: GenOptions, key?: string): fc.Arbitrary<unknown> {
  const s = norm(schema, o.doc);
  if (key && o.hints?.[key]) return o.hints[key]!;
  if ('const' in s) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map((b) => validArb(b, o)));
  const types = typesOf(s);
  if (!types.length) return fc.constantFrom('any', 1, null);
  const nonNull = types.filter((t) => t !== 'null');
  const arbs = nonNull.map((t) => ofType(t, s, o));
  const main = arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
  if (!types.includes('null')) return main;
  if (!nonNull.length) return fc.constant(null);
  return fc.oneof({ weight: 5, arbitrary: main }, { weight: 1, arbitrary: fc.constant(null) });
}

function ofType(t: string, s: JsonSchema, o: GenOptions): fc.Arbitrary<unknown> {
  switch (t) {
    case 'string': {
      if (s.format === 'uuid') return fc.uuid({ version: 4 });
      if (s.format === 'date-time') return fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2027-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
      if (s.format === 'uri') return fc.constantFrom('https://example.com/pic.png', 'http://linli.test/a.jpg');
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        return fc.stringMatching(re).filter((x) => x.length >= (s.minLength ?? 0) && x.length <= (s.maxLength ?? Infinity));
      }
      return o.text(s.minLength ?? 0, s.maxLength ?? 4000);
    }
    case 'integer': {
      const min = Math.max(-I32, Math.ceil(s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000)));
      const max = Math.min(I32, Math.floor(s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000)));
      const inRange = fc.integer({ min, max: Math.max(min, max) });
      // The bounds themselves, and very large values the schema still admits (beyond 32 bits).
      const edges = [s.minimum, s.maximum, ...(s.maximum === undefined ? [2 ** 31, Number.MAX_SAFE_INTEGER] : [])].filter((x): x is number => x !== undefined);
      return edges.length ? fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(...edges) }) : inRange;
    }
    case 'number': {
      const min = s.minimum ?? -1e6;
      const max = s.maximum ?? 1e6;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const minLength = s.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(s.maxItems ?? 3, 3));
      return fc.array(s.items ? validArb(s.items, o) : fc.constant(1), { minLength, maxLength });
    }
    case 'object': {
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = validArb(v, o, k);
      if (!Object.keys(props).length && typeof s.additionalProperties === 'object') {
        return fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), validArb(s.additionalProperties, o), { maxKeys: 3 });
      }
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    default:
      return fc.constant(null);
  }
}

/** Whether a JSON value has a type the schema admits (enum/const: is one of the values). */
function admits(s: JsonSchema, v: unknown, doc: Doc): boolean {
  const n = norm(s, doc);
  if (n.enum) return n.enum.some((e) => e === v);
  if ('const' in n) return n.const === v;
  const union = n.anyOf ?? n.oneOf;
  if (union) return union.some((b) => admits(b, v, doc));
  const types = typesOf(n);
  if (!types.length) return true;
  const t = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return types.some((x) => x === t || (x === 'integer' && t === 'number' && Number.isInteger(v)) || (x === 'number' && t === 'number'));
}

const WRONG_TYPED: unknown[] = [42, 4.5, 'str', true, null, [], {}];

/** Candidate values that break one rule of the schema (other than its type). */
function breaking(s: JsonSchema, value: unknown, doc: Doc): { value: unknown; why: string }[] {
  const n = norm(s, doc);
  const out: { value: unknown; why: string }[] = [];
  for (const w of WRONG_TYPED) if (!admits(n, w, doc)) out.push({ value: w, why: `wrong type ${JSON.stringify(w)}` });
  if (n.enum) out.push({ value: `${String(n.enum[0])}_NOT_ALLOWED`, why: 'not in enum' });
  const types = typesOf(n);
  if (types.includes('integer') || types.includes('number')) {
    if (n.maximum !== undefined) out.push({ value: n.maximum + 1, why: 'above maximum' }, { value: 1e300, why: 'huge number' });
    if (n.minimum !== undefined) out.push({ value: n.minimum - 1, why: 'below minimum' }, { value: -1e300, why: 'huge negative number' });
    if (types.includes('integer') && !types.includes('number')) out.push({ value: 0.5, why: 'not an integer' });
  }
  if (types.includes('string') && !n.enum) {
    if (n.maxLength !== undefined) out.push({ value: 'x'.repeat(n.maxLength + 1), why: 'too long' });
    if ((n.minLength ?? 0) > 0) out.push({ value: '', why: 'empty' });
    if (n.pattern) {
      const re = new RegExp(n.pattern);
      const bad = ['!', '', ' 0', '<script>alert(1)</script>', "'; drop table votes; --"].find((x) => !re.test(x));
      if (bad !== undefined) out.push({ value: bad, why: 'pattern mismatch' });
    }
    if (n.format === 'uuid') out.push({ value: 'not-a-uuid', why: 'not a uuid' }, { value: "00000000-0000-0000-0000-00000000000'", why: 'not a uuid' });
    if (n.format === 'date-time') out.push({ value: 'yesterday', why: 'not a date-time' }, { value: '2026-02-30T25:61:00', why: 'not a date-time' });
    if (n.format === 'uri') out.push({ value: 'not a url', why: 'not a uri' });
  }
  if (types.includes('array')) {
    if (n.maxItems !== undefined) {
      const item = Array.isArray(value) && value.length ? value[0] : null;
      out.push({ value: Array.from({ length: n.maxItems + 1 }, () => item), why: 'too many items' });
    }
    if ((n.minItems ?? 0) > 0) out.push({ value: [], why: 'too few items' });
  }
  // Keep only values the schema really refuses.
  return out.filter((c) => !admits(n, c.value, doc) || !fitsScalar(n, c.value));
}

/** Scalar constraints (length, range, pattern, format) of a value whose type the schema admits. */
function fitsScalar(n: JsonSchema, v: unknown): boolean {
  if (typeof v === 'string') {
    if (n.maxLength !== undefined && v.length > n.maxLength) return false;
    if (n.minLength !== undefined && v.length < n.minLength) return false;
    if (n.pattern && !new RegExp(n.pattern).test(v)) return false;
    if (n.format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(v)) return false;
    if (n.format === 'date-time' && (Number.isNaN(Date.parse(v)) || !/T\d{2}:\d{2}/.test(v) || v.startsWith('2026-02-30'))) return false;
    if (n.format === 'uri' && !URL.canParse(v)) return false;
    return true;
  }
  if (typeof v === 'number') {
    if (n.maximum !== undefined && v > n.maximum) return false;
    if (n.minimum !== undefined && v < n.minimum) return false;
    if (typesOf(n).includes('integer') && !typesOf(n).includes('number') && !Number.isInteger(v)) return false;
    return true;
  }
  if (Array.isArray(v)) {
    if (n.maxItems !== undefined && v.length > n.maxItems) return false;
    if (n.minItems !== undefined && v.length < n.minItems) return false;
    return true;
  }
  return true;
}

interface Site {
  path: (string | number)[];
  schema: JsonSchema;
  value: unknown;
}

/** Every place of a value (with its schema) where one mutation can be applied. */
function sitesOf(value: unknown, schema: JsonSchema, doc: Doc, path: (string | number)[] = [], out: Site[] = []): Site[] {
  const s = norm(schema, doc);
  out.push({ path, schema: s, value });
  if (value && typeof value === 'object' && !Array.isArray(value) && s.properties) {
    for (const [k, v] of Object.entries(value)) if (s.properties[k]) sitesOf(v, s.properties[k]!, doc, [...path, k], out);
  } else if (Array.isArray(value) && s.items) {
    value.forEach((v, i) => sitesOf(v, s.items!, doc, [...path, i], out));
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], v: unknown | typeof DELETE): unknown {
  if (!path.length) return v;
  const copy: any = structuredClone(root);
  let cur = copy;
  for (const p of path.slice(0, -1)) cur = cur[p];
  const last = path.at(-1)!;
  if (v === DELETE) delete cur[last];
  else cur[last] = v;
  return copy;
}
const DELETE = Symbol('delete');

/** All single mutations of `base` that the schema certainly refuses. */
export function invalidVariants(base: unknown, schema: JsonSchema, doc: Doc): { body: unknown; why: string }[] {
  const out: { body: unknown; why: string }[] = [];
  const top = norm(schema, doc);
  if (typesOf(top).includes('object')) for (const v of [[], 'x', 0, null, true]) out.push({ body: v, why: `body is ${JSON.stringify(v)}` });
  for (const site of sitesOf(base, schema, doc)) {
    const at = site.path.join('.') || 'body';
    for (const b of breaking(site.schema, site.value, doc)) out.push({ body: setAt(base, site.path, b.value), why: `${at}: ${b.why}` });
    const n = site.schema;
    if (site.value && typeof site.value === 'object' && !Array.isArray(site.value)) {
      for (const r of n.required ?? []) if (r in (site.value as object)) out.push({ body: setAt(base, [...site.path, r], DELETE), why: `${at}: missing ${r}` });
      if (n.additionalProperties === false) {
        for (const extra of ['zzUnknown', 'isAdmin', 'constructor']) {
          if (n.properties?.[extra]) continue;
          out.push({ body: setAt(base, [...site.path, extra], true), why: `${at}: unknown key ${extra}` });
        }
      }
    }
  }
  return out;
}

/** Arbitrary of a certainly-invalid body: a valid-shaped base with one mutation. */
export function invalidArb(schema: JsonSchema, o: GenOptions): fc.Arbitrary<{ body: unknown; why: string }> {
  return fc
    .tuple(validArb(schema, o), fc.nat())
    .map(([base, i]) => {
      const variants = invalidVariants(base, schema, o.doc);
      return variants[i % variants.length]!;
    })
    .filter((x) => x !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON

export const MALFORMED_KINDS = ['truncate', 'trailing-comma', 'nan', 'infinity', 'single-quotes', 'comment', 'unquoted-key', 'undefined', 'hex', 'raw-newline', 'bad-escape', 'short-unicode-escape', 'garbage-tail', 'empty', 'just-brace', 'two-documents'] as const;

/** Turns the JSON text of a body into text no JSON parser accepts. */
export function malform(text: string, kind: (typeof MALFORMED_KINDS)[number], cut: number): string {
  const inner = text.slice(1, -1);
  const sep = inner.length ? ',' : '';
  switch (kind) {
    case 'truncate':
      return text.slice(0, Math.max(1, cut % text.length));
    case 'trailing-comma':
      return `{${inner},}`;
    case 'nan':
      return `{${inner}${sep}"n":NaN}`;
    case 'infinity':
      return `{${inner}${sep}"n":-Infinity}`;
    case 'single-quotes':
      return `{${inner}${sep}'k':'v'}`;
    case 'comment':
      return `{/* c */${inner}}`;
    case 'unquoted-key':
      return `{${inner}${sep}k:1}`;
    case 'undefined':
      return `{${inner}${sep}"u":undefined}`;
    case 'hex':
      return `{${inner}${sep}"h":0x10}`;
    case 'raw-newline':
      return `{${inner}${sep}"s":"a\nb"}`;
    case 'bad-escape':
      return `{${inner}${sep}"s":"\\x41"}`;
    case 'short-unicode-escape':
      return `{${inner}${sep}"s":"\\u12"}`;
    case 'garbage-tail':
      return `${text}}`;
    case 'empty':
      return '';
    case 'just-brace':
      return '{';
    case 'two-documents':
      return `${text}${text}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Database fingerprint

const tableQuery = new WeakMap<object, string>();

function rowsOf<T>(r: unknown): T[] {
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

/** Row count and an order-independent content hash of every table but the rate-limit counters: any insert, update or delete changes it. */
export async function fingerprint(db: Db): Promise<Map<string, string>> {
  let q = tableQuery.get(db);
  if (!q) {
    const tables = rowsOf<{ t: string }>(
      await db.execute(sql`select table_name as t from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`),
    )
      .map((r) => r.t)
      // Attempt counters change on every attempt to a limited route, valid or not, by design: they count abuse, they hold no data.
      .filter((t) => t !== 'rate_limits');
    if (tables.length < 20) throw new Error(`expected the schema's tables, found ${tables.join(', ')}`);
    q = tables
      .map((t) => `select '${t}' as t, count(*)::text || ':' || coalesce(sum(hashtext(x::text)::bigint), 0)::text as f from "${t}" x`)
      .join(' union all ');
    tableQuery.set(db, q);
  }
  const rows = rowsOf<{ t: string; f: string }>(await db.execute(sql.raw(q)));
  return new Map(rows.map((r) => [r.t, r.f]));
}

/** Tables whose fingerprint differs. */
export function changedTables(a: Map<string, string>, b: Map<string, string>): string[] {
  return [...a.keys()].filter((t) => a.get(t) !== b.get(t));
}

// ---------------------------------------------------------------------------------------------
// Requests

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

let client = 0;

/**
 * Sends a request through app.request() from a fresh client address, so per-address rate limits
 * (sign-in, letters, binding) do not turn the fuzz into a wall of 429s.
 */
export async function send(ctx: TestContext, method: string, path: string, opts: { token?: string; body?: BodyInit | null; contentType?: string | null } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.contentType) headers['content-type'] = opts.contentType;
  client++;
  const incoming = { socket: { remoteAddress: `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`, remotePort: 40000, remoteFamily: 'IPv4' } };
  const res = await ctx.app.request(path, { method, headers, body: opts.body ?? undefined }, { incoming });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** Null when the answer is acceptable: below 500, and a 4xx carries the one error envelope with its request id. */
export function envelopeProblem(a: Answer): string | null {
  if (a.status >= 500) return `status ${a.status}: ${a.text.slice(0, 200)}`;
  if (a.status < 400) return null;
  const e = a.body?.error;
  if (!e || typeof e !== 'object') return `status ${a.status} without the error envelope: ${a.text.slice(0, 200)}`;
  if (typeof e.code !== 'string' || typeof e.message !== 'string') return `status ${a.status}: envelope without code/message`;
  if (typeof e.requestId !== 'string' || !e.requestId) return `status ${a.status}: envelope without requestId`;
  if (a.headers.get('x-request-id') !== e.requestId) return `status ${a.status}: requestId differs from the x-request-id header`;
  if (e.details !== undefined && !Array.isArray(e.details)) return `status ${a.status}: details is not an array`;
  return null;
}

/** Short printable form of a value for failure messages. */
export function brief(v: unknown, n = 160): string {
  let s: string;
  try {
    s = typeof v === 'string' ? v : JSON.stringify(v);
  } catch {
    s = String(v);
  }
  s = s ?? String(v);
  return s.length > n ? `${s.slice(0, n)}…(${s.length})` : s;
}
