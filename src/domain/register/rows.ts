/**
 * Validation of an uploaded register (业主名册 / 房屋清册) into exclusive parts (专有部分).
 *
 * The register is the only source of the electorate's denominators (rules.md §2), so every
 * value is checked and every problem is reported with its line and column, in English and in
 * plain Chinese for the organizer. Bad data never throws; all errors are collected (up to
 * {@link MAX_ROW_ERRORS}) so one upload shows everything to fix.
 */

import { AreaFormatError, MAX_AREA_CENTS, parseAreaCents } from './area.ts';
import type { Table } from './csv.ts';

/** Kinds of exclusive part; whether parking/storage count is an estate setting. */
export const PART_KINDS = ['residential', 'commercial', 'parking', 'storage'] as const;
export type PartKind = (typeof PART_KINDS)[number];

/** Where an area came from, in order of precedence: 不动产登记, 测绘, 买卖合同. */
export const AREA_SOURCES = ['register', 'survey', 'contract'] as const;
export type AreaSource = (typeof AREA_SOURCES)[number];

/**
 * `registered` 已登记, `delivered` 已交付未登记, `sold_undelivered` 已售未交付, `unsold` 未售.
 * The last two belong to the developer's single party.
 */
export const PART_STATUSES = ['registered', 'delivered', 'sold_undelivered', 'unsold'] as const;
export type PartStatus = (typeof PART_STATUSES)[number];

/** One validated row of the register. */
export interface RegisterPart {
  partId: string;
  building: string;
  entrance: string | null;
  floor: number | null;
  kind: PartKind;
  /** Hundredths of m². */
  areaCents: number;
  areaSource: AreaSource;
  status: PartStatus;
  /** Person ids, in register order, without duplicates. */
  owners: string[];
  /** Same length as `owners` when present; null entries are unknown names. */
  ownerNames: (string | null)[] | null;
  /** Same length as `owners` when present; normalized to 11 digits. */
  ownerPhones: (string | null)[] | null;
  certificate: string | null;
  /** Physical line in the uploaded file. */
  line: number;
}

/** One problem in the register; `column` is null when it concerns the whole row or file. */
export interface RowError {
  line: number;
  column: string | null;
  message: string;
  messageZh: string;
}

export type RegisterValidation =
  | { ok: true; parts: RegisterPart[] }
  | { ok: false; errors: RowError[] };

/** At most this many errors are reported; a broken file would otherwise flood the organizer. */
export const MAX_ROW_ERRORS = 200;
/**
 * Longest accepted part id, person id, building and entrance, in characters. Buildings and
 * entrances are indexed codes: an unbounded one failed the database index (a 500 on PostgreSQL).
 */
export const MAX_ID_LENGTH = 64;
/** Largest |floor| accepted (deep basements and super-tall towers stay well inside). */
export const MAX_ABS_FLOOR = 200;

export const REQUIRED_COLUMNS = [
  'part_id',
  'building',
  'area',
  'area_source',
  'status',
  'owners',
] as const;
export const OPTIONAL_COLUMNS = [
  'entrance',
  'floor',
  'kind',
  'owner_names',
  'owner_phones',
  'certificate',
] as const;
type Column = (typeof REQUIRED_COLUMNS)[number] | (typeof OPTIONAL_COLUMNS)[number];
const ALL_COLUMNS: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];

/** Chinese labels used in messages so an organizer recognizes the column. */
const COLUMN_ZH: Record<Column, string> = {
  part_id: '房屋编号',
  building: '楼栋',
  entrance: '单元',
  floor: '楼层',
  kind: '房屋类型',
  area: '面积',
  area_source: '面积来源',
  status: '房屋状态',
  owners: '业主',
  owner_names: '业主姓名',
  owner_phones: '业主手机号',
  certificate: '产权证号',
};

const zhCol = (c: Column) => `${COLUMN_ZH[c]}（${c}）`;

/** Collects errors up to the cap; once full, further errors are dropped. */
class ErrorSink {
  readonly errors: RowError[] = [];
  get full(): boolean {
    return this.errors.length >= MAX_ROW_ERRORS;
  }
  add(line: number, column: string | null, message: string, messageZh: string): void {
    if (!this.full) this.errors.push({ line, column, message, messageZh });
  }
}

/**
 * Validates a parsed register table. Header names are matched case-insensitively (the CSV
 * reader lowercases them); cells are trimmed; enum values are matched case-insensitively.
 * Returns all parts in register order, or all errors (at most {@link MAX_ROW_ERRORS}) in
 * line order. Never throws for bad data.
 */
export function validateRegister(table: Table): RegisterValidation {
  const sink = new ErrorSink();
  const columns = checkHeader(table.header, sink);
  if (table.rows.length === 0) {
    sink.add(1, null, 'register is empty: no data rows', '名册为空：没有任何房屋数据行');
  }
  // Without a sound header, cells cannot be attributed to columns; stop here.
  if (!columns || sink.errors.length > 0) return { ok: false, errors: sink.errors };

  const firstLineOfPart = new Map<string, number>();
  const knownNames = new Map<string, { name: string; line: number }>();
  const parts: RegisterPart[] = [];

  for (const row of table.rows) {
    if (sink.full) break;
    const part = validateRow(row, table.header.length, columns, sink, firstLineOfPart, knownNames);
    if (part) parts.push(part);
  }
  return sink.errors.length > 0 ? { ok: false, errors: sink.errors } : { ok: true, parts };
}

/** Maps each known column to its cell index, or returns null after reporting header errors. */
function checkHeader(header: string[], sink: ErrorSink): Map<Column, number> | null {
  const index = new Map<Column, number>();
  let bad = false;
  header.forEach((name, i) => {
    if (name === '') {
      bad = true;
      sink.add(1, null, `column ${i + 1} of the header has no name`, `表头第${i + 1}列没有列名`);
    } else if (!ALL_COLUMNS.includes(name)) {
      bad = true;
      sink.add(
        1,
        name,
        `unknown column "${name}"; allowed columns: ${ALL_COLUMNS.join(', ')}`,
        `未知的列“${name}”；允许的列为：${ALL_COLUMNS.join('、')}`,
      );
    } else if (index.has(name as Column)) {
      bad = true;
      sink.add(1, name, `column "${name}" appears more than once`, `列“${name}”重复出现`);
    } else {
      index.set(name as Column, i);
    }
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!index.has(required)) {
      bad = true;
      sink.add(
        1,
        required,
        `missing required column "${required}"`,
        `缺少必填列：${zhCol(required)}`,
      );
    }
  }
  return bad ? null : index;
}

function validateRow(
  row: Table['rows'][number],
  headerLength: number,
  columns: Map<Column, number>,
  sink: ErrorSink,
  firstLineOfPart: Map<string, number>,
  knownNames: Map<string, { name: string; line: number }>,
): RegisterPart | null {
  const { line, cells } = row;
  if (cells.length !== headerLength) {
    // Cells would be attributed to the wrong columns; report only this.
    sink.add(
      line,
      null,
      `row has ${cells.length} cells but the header has ${headerLength} columns`,
      `该行有${cells.length}个单元格，但表头有${headerLength}列（请检查多余或缺少的逗号）`,
    );
    return null;
  }
  const before = sink.errors.length;
  const cell = (c: Column): string => {
    const i = columns.get(c);
    return i === undefined ? '' : cells[i].trim();
  };
  const fail = (column: Column, message: string, messageZh: string): null => {
    sink.add(line, column, message, messageZh);
    return null;
  };

  // NUL cannot be stored in PostgreSQL text; unpaired surrogates (possible in .xlsx) not in UTF-8.
  for (const [column, i] of columns) {
    if (UNSTORABLE.test(cells[i]!)) {
      fail(column, `${column} contains a NUL character or an unpaired surrogate`, `${zhCol(column)}含有无法保存的特殊字符`);
    }
  }
  const partId = checkPartId(cell('part_id'), line, firstLineOfPart, fail);
  const building = cell('building');
  if (building === '') fail('building', 'building is empty', `${zhCol('building')}不能为空`);
  else if (charLength(building) > MAX_ID_LENGTH) fail('building', `building is longer than ${MAX_ID_LENGTH} characters`, `${zhCol('building')}不能超过${MAX_ID_LENGTH}个字符`);
  const entranceText = cell('entrance');
  if (charLength(entranceText) > MAX_ID_LENGTH) fail('entrance', `entrance is longer than ${MAX_ID_LENGTH} characters`, `${zhCol('entrance')}不能超过${MAX_ID_LENGTH}个字符`);
  const floor = checkFloor(cell('floor'), fail);
  const kind = checkEnum(cell('kind') || 'residential', PART_KINDS, 'kind', fail);
  const areaCents = checkArea(cell('area'), fail);
  const areaSource = checkEnum(cell('area_source'), AREA_SOURCES, 'area_source', fail);
  const status = checkEnum(cell('status'), PART_STATUSES, 'status', fail);
  const owners = checkOwners(cell('owners'), status, fail);

  const ownerNames = columns.has('owner_names')
    ? checkParallelList(cell('owner_names'), owners, 'owner_names', fail, (s) => s)
    : null;
  const ownerPhones = columns.has('owner_phones')
    ? checkParallelList(cell('owner_phones'), owners, 'owner_phones', fail, (s) =>
        normalizePhone(s, fail),
      )
    : null;
  if (owners && ownerNames) checkNameConsistency(owners, ownerNames, line, knownNames, fail);

  const certificate = cell('certificate');
  if (sink.errors.length > before) return null;
  // Every checker above returned a value when it added no error.
  return {
    partId: partId!,
    building,
    entrance: entranceText === '' ? null : entranceText,
    floor: floor === undefined ? null : floor,
    kind: kind!,
    areaCents: areaCents!,
    areaSource: areaSource!,
    status: status!,
    owners: owners!,
    ownerNames: ownerNames === undefined ? null : ownerNames,
    ownerPhones: ownerPhones === undefined ? null : ownerPhones,
    certificate: certificate === '' ? null : certificate,
    line,
  };
}

type Fail = (column: Column, message: string, messageZh: string) => null;

/** NUL, or a UTF-16 surrogate without its pair. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Counts characters (code points), so a Chinese id is measured as the user sees it. */
const charLength = (s: string) => [...s].length;

function checkPartId(
  id: string,
  line: number,
  firstLineOfPart: Map<string, number>,
  fail: Fail,
): string | null {
  if (id === '') return fail('part_id', 'part_id is empty', `${zhCol('part_id')}不能为空`);
  if (charLength(id) > MAX_ID_LENGTH) {
    return fail(
      'part_id',
      `part_id is longer than ${MAX_ID_LENGTH} characters`,
      `${zhCol('part_id')}不能超过${MAX_ID_LENGTH}个字符`,
    );
  }
  const first = firstLineOfPart.get(id);
  if (first !== undefined) {
    return fail(
      'part_id',
      `part_id "${id}" is a duplicate of line ${first}`,
      `房屋编号“${id}”与第${first}行重复`,
    );
  }
  firstLineOfPart.set(id, line);
  return id;
}

/** Returns the floor, undefined when empty, or null after reporting an error. */
function checkFloor(text: string, fail: Fail): number | null | undefined {
  if (text === '') return undefined;
  if (!/^-?\d+$/.test(text)) {
    return fail('floor', `floor "${text}" is not a whole number`, `楼层“${text}”必须是整数`);
  }
  const digits = text.replace(/^-?0*/, '');
  const value = digits.length > 3 ? Infinity : Number(digits || '0');
  if (value > MAX_ABS_FLOOR) {
    return fail(
      'floor',
      `floor must be between -${MAX_ABS_FLOOR} and ${MAX_ABS_FLOOR}`,
      `楼层必须在-${MAX_ABS_FLOOR}到${MAX_ABS_FLOOR}之间`,
    );
  }
  // Avoid -0, which would print and compare oddly later.
  return text.startsWith('-') && value !== 0 ? -value : value;
}

/**
 * The Chinese words organizers write in these columns (as on the 不动产登记 record or the
 * property company's list), each for one of the codes. The first word of each code is the one
 * error messages suggest.
 */
export const ENUM_WORDS_ZH: Readonly<Record<'kind' | 'area_source' | 'status', Readonly<Record<string, readonly string[]>>>> = {
  kind: { residential: ['住宅', '住房', '普通住宅'], commercial: ['商铺', '商业', '商业用房', '非住宅', '办公'], parking: ['车位', '停车位', '车库'], storage: ['储藏室', '储物间', '地下室', '杂物间'] },
  area_source: { register: ['不动产登记', '产权登记', '不动产权证', '房产证'], survey: ['测绘', '实测', '测绘报告'], contract: ['买卖合同', '合同', '预售合同'] },
  status: { registered: ['已登记', '已办证'], delivered: ['已交付', '已交房'], sold_undelivered: ['已售未交付', '已售未交房'], unsold: ['未售', '未出售', '开发商未售'] },
};

function checkEnum<T extends string>(
  text: string,
  allowed: readonly T[],
  column: Column,
  fail: Fail,
): T | null {
  const value = text.toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const words = column === 'kind' || column === 'area_source' || column === 'status' ? ENUM_WORDS_ZH[column] : null;
  const byWord = words ? allowed.find((code) => words[code]?.includes(text.replace(/\s+/g, ''))) : undefined;
  if (byWord) return byWord;
  const what = text === '' ? `${column} is empty` : `${column} "${text}" is not allowed`;
  const whatZh = text === '' ? `${zhCol(column)}不能为空` : `${zhCol(column)}“${text}”无效`;
  const choicesZh = allowed.map((code) => (words?.[code]?.[0] ? `${words[code]![0]}（${code}）` : code));
  return fail(
    column,
    `${what}; use one of: ${allowed.join(', ')}${words ? ` (or in Chinese: ${allowed.map((code) => words[code]?.[0]).filter(Boolean).join(', ')})` : ''}`,
    `${whatZh}，应为以下之一：${choicesZh.join('、')}`,
  );
}

function checkArea(text: string, fail: Fail): number | null {
  if (text === '') return fail('area', 'area is empty', `${zhCol('area')}不能为空`);
  try {
    return parseAreaCents(text);
  } catch (e) {
    if (!(e instanceof AreaFormatError)) throw e;
    switch (e.reason) {
      case 'not_positive':
        return fail('area', 'area must be greater than 0', '面积必须大于0');
      case 'too_large':
        return fail(
          'area',
          `area must not exceed ${MAX_AREA_CENTS / 100} m²`,
          `面积不能超过${MAX_AREA_CENTS / 100}平方米`,
        );
      case 'malformed':
        return fail(
          'area',
          `area "${text}" is malformed; write square metres with at most 2 decimals, e.g. 89.35`,
          `面积“${text}”格式不对，应为平方米数，最多两位小数，例如 89.35`,
        );
    }
  }
}

/**
 * Splits a `;`-separated list. The full-width `；` is accepted as well: organizers type
 * registers with Chinese input methods, and reading "A；B" as one person id would silently
 * give two owners a single, unknown identity.
 */
const splitList = (text: string) => text.split(/[;；]/).map((s) => s.trim());

function checkOwners(text: string, status: PartStatus | null, fail: Fail): string[] | null {
  const owners = splitList(text).filter((s) => s !== '');
  let ok = true;
  const seen = new Set<string>();
  for (const id of owners) {
    if (seen.has(id)) {
      ok = false;
      fail('owners', `owner "${id}" is listed twice`, `业主“${id}”在同一行重复出现`);
    }
    seen.add(id);
    if (charLength(id) > MAX_ID_LENGTH) {
      ok = false;
      fail(
        'owners',
        `owner id "${id}" is longer than ${MAX_ID_LENGTH} characters`,
        `业主编号“${id}”不能超过${MAX_ID_LENGTH}个字符`,
      );
    }
    // "+" joins person ids in party references ("o:A+B"); allowing it would let the sets
    // {"A+B"} and {"A","B"} share a reference.
    if (id.includes('+')) {
      ok = false;
      fail('owners', `owner id "${id}" must not contain "+"`, `业主编号“${id}”不能包含“+”`);
    }
  }
  if (owners.length === 0 && status !== null && status !== 'unsold' && status !== 'sold_undelivered') {
    ok = false;
    fail(
      'owners',
      `owners is empty; only unsold or sold_undelivered parts may have no owners`,
      `${zhCol('owners')}不能为空（只有未售或已售未交付的房屋可以不填业主）`,
    );
  }
  return ok ? owners : null;
}

/**
 * Reads owner_names / owner_phones: one entry per owner, positions kept so an empty entry
 * (unknown name or phone) stays aligned with its owner. Returns undefined for an empty cell,
 * null after an error.
 */
function checkParallelList(
  text: string,
  owners: string[] | null,
  column: 'owner_names' | 'owner_phones',
  fail: Fail,
  normalize: (item: string) => string | null,
): (string | null)[] | null | undefined {
  if (text === '') return undefined;
  const items = splitList(text);
  // Owner errors are already reported; a count comparison against them would only add noise.
  if (owners === null) return null;
  if (items.length !== owners.length) {
    return fail(
      column,
      `${column} has ${items.length} entries but owners has ${owners.length}; separate them with ";" in the same order`,
      `${zhCol(column)}有${items.length}项，但业主有${owners.length}人；请用“;”分隔并与业主一一对应`,
    );
  }
  let ok = true;
  const values = items.map((item) => {
    if (item === '') return null;
    const value = normalize(item);
    if (value === null) ok = false;
    return value;
  });
  return ok ? values : null;
}

/** Mainland mobile numbers: 11 digits starting with 1, optionally written "+86 138-0013-8000". */
function normalizePhone(text: string, fail: Fail): string | null {
  let digits = text.replace(/[\s-]/g, '');
  if (digits.startsWith('+86')) digits = digits.slice(3);
  if (/^1\d{10}$/.test(digits)) return digits;
  return fail(
    'owner_phones',
    `phone "${text}" is not a mainland mobile number (11 digits starting with 1)`,
    `手机号“${text}”格式不对，应为以1开头的11位手机号`,
  );
}

/** A person id names one person: the register may not give it two different names. */
function checkNameConsistency(
  owners: string[],
  names: (string | null)[],
  line: number,
  knownNames: Map<string, { name: string; line: number }>,
  fail: Fail,
): void {
  owners.forEach((id, i) => {
    const name = names[i];
    if (name === null) return;
    const known = knownNames.get(id);
    if (!known) {
      knownNames.set(id, { name, line });
    } else if (known.name !== name) {
      fail(
        'owner_names',
        `owner "${id}" is named "${name}" here but "${known.name}" on line ${known.line}`,
        `业主“${id}”在此行的姓名为“${name}”，但在第${known.line}行为“${known.name}”`,
      );
    }
  });
}
