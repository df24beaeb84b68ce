import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/domain/register/csv.ts';
import {
  MAX_ROW_ERRORS,
  validateRegister,
  type RegisterPart,
  type RowError,
} from '../../src/domain/register/rows.ts';

const FULL_HEADER = [
  'part_id', 'building', 'entrance', 'floor', 'kind', 'area', 'area_source', 'status',
  'owners', 'owner_names', 'owner_phones', 'certificate',
] as const;
type Col = (typeof FULL_HEADER)[number];

const BASE_ROW: Record<Col, string> = {
  part_id: 'U1', building: '1', entrance: '2', floor: '3', kind: 'residential', area: '80.00',
  area_source: 'register', status: 'registered', owners: 'A', owner_names: '',
  owner_phones: '', certificate: '',
};

/** Quotes a cell when needed so test data can hold commas, quotes and newlines. */
const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** A full-header register whose rows are BASE_ROW patched; row i is on line i + 2. */
function csv(...rows: Partial<Record<Col, string>>[]): string {
  const lines = [FULL_HEADER.join(',')];
  rows.forEach((patch, i) => {
    const row = { ...BASE_ROW, part_id: `U${i + 1}`, ...patch };
    lines.push(FULL_HEADER.map((c) => q(row[c])).join(','));
  });
  return lines.join('\n') + '\n';
}

function validate(text: string) {
  return validateRegister(parseCsv(text));
}

function errorsOf(text: string): RowError[] {
  const result = validate(text);
  if (result.ok) throw new Error('expected errors, register was accepted');
  return result.errors;
}

function partsOf(text: string): RegisterPart[] {
  const result = validate(text);
  if (!result.ok) throw new Error(`unexpected errors: ${JSON.stringify(result.errors)}`);
  return result.parts;
}

describe('validateRegister: accepted registers', () => {
  it('reads the Chinese words organizers write for kind, area source and status', () => {
    const parts = partsOf(csv({ kind: '住宅', area_source: '不动产登记', status: '已登记' }, { part_id: 'U2', kind: '车位', area_source: '测绘', status: '未售', owners: '' }, { part_id: 'U3', kind: '商铺', area_source: '买卖合同', status: '已交付' }));
    expect(parts.map((p) => [p.kind, p.areaSource, p.status])).toEqual([
      ['residential', 'register', 'registered'],
      ['parking', 'survey', 'unsold'],
      ['commercial', 'contract', 'delivered'],
    ]);
  });

  it('reads the minimal required columns (shared vector format)', () => {
    const parts = partsOf(
      'part_id,building,entrance,floor,kind,area,area_source,status,owners\n' +
        'U4,1,2,2,residential,120.00,register,registered,C;D\n' +
        'U7,2,2,1,residential,110.00,contract,unsold,\n',
    );
    expect(parts).toEqual<RegisterPart[]>([
      {
        partId: 'U4', building: '1', entrance: '2', floor: 2, kind: 'residential', areaCents: 12000,
        areaSource: 'register', status: 'registered', owners: ['C', 'D'], ownerNames: null,
        ownerPhones: null, certificate: null, line: 2,
      },
      {
        partId: 'U7', building: '2', entrance: '2', floor: 1, kind: 'residential', areaCents: 11000,
        areaSource: 'contract', status: 'unsold', owners: [], ownerNames: null,
        ownerPhones: null, certificate: null, line: 3,
      },
    ]);
  });

  it('accepts headers in any case and order, and only required columns', () => {
    const [part] = partsOf('OWNERS, Status ,Area_Source,AREA,Building,Part_Id\nA,registered,survey,60,7,P1\n');
    expect(part).toMatchObject({
      partId: 'P1', building: '7', entrance: null, floor: null, kind: 'residential',
      areaCents: 6000, areaSource: 'survey', owners: ['A'], ownerNames: null, ownerPhones: null,
    });
  });

  it.each<[string, Partial<Record<Col, string>>, Partial<RegisterPart>]>([
    ['cells are trimmed', { part_id: ' 3-2-1502 ', building: ' 3 ', entrance: ' 2 ' },
      { partId: '3-2-1502', building: '3', entrance: '2' }],
    ['empty entrance → null', { entrance: '' }, { entrance: null }],
    ['empty floor → null', { floor: '' }, { floor: null }],
    ['negative floor', { floor: '-2' }, { floor: -2 }],
    ['floor bounds', { floor: '200' }, { floor: 200 }],
    ['floor -200', { floor: '-200' }, { floor: -200 }],
    ['floor -0 → 0', { floor: '-0' }, { floor: 0 }],
    ['empty kind → residential', { kind: '' }, { kind: 'residential' }],
    ['kind is case-insensitive', { kind: 'Parking' }, { kind: 'parking' }],
    ['storage kind', { kind: 'storage' }, { kind: 'storage' }],
    ['commercial kind', { kind: 'commercial' }, { kind: 'commercial' }],
    ['status delivered', { status: 'delivered' }, { status: 'delivered' }],
    ['sold_undelivered without owners', { status: 'sold_undelivered', owners: '' }, { owners: [] }],
    ['unsold may list owners', { status: 'unsold', owners: 'DEV' }, { owners: ['DEV'] }],
    ['owners trimmed, empty items dropped', { owners: ' A ; ;B;' }, { owners: ['A', 'B'] }],
    ['full-width semicolon separates owners', { owners: 'A；B' }, { owners: ['A', 'B'] }],
    ['owner names aligned with owners', { owners: 'A;B', owner_names: '张三; 李四' },
      { ownerNames: ['张三', '李四'] }],
    ['unknown name kept as null', { owners: 'A;B', owner_names: '张三;' },
      { ownerNames: ['张三', null] }],
    ['phones normalized', { owners: 'A;B;C', owner_phones: '+86 138-0013-8000;13900139000; 139 0013 9001' },
      { ownerPhones: ['13800138000', '13900139000', '13900139001'] }],
    ['unknown phone kept as null', { owners: 'A;B', owner_phones: ';13800138000' },
      { ownerPhones: [null, '13800138000'] }],
    ['empty names / phones cells → null', { owner_names: '', owner_phones: '' },
      { ownerNames: null, ownerPhones: null }],
    ['certificate trimmed', { certificate: ' 京(2020)朝阳区不动产权第0001号 ' },
      { certificate: '京(2020)朝阳区不动产权第0001号' }],
    ['area decimals', { area: '89.3' }, { areaCents: 8930 }],
    ['64-character ids are fine', { part_id: 'p'.repeat(64), owners: 'o'.repeat(64) },
      { partId: 'p'.repeat(64), owners: ['o'.repeat(64)] }],
    ['ids measured in characters, not bytes', { part_id: '楼'.repeat(64) }, { partId: '楼'.repeat(64) }],
    ['quoted cells with commas', { certificate: 'a,b' }, { certificate: 'a,b' }],
  ])('%s', (_name, patch, expected) => {
    const [part] = partsOf(csv(patch));
    expect(part).toMatchObject(expected);
  });

  it('accepts the same person with the same name on several rows', () => {
    const parts = partsOf(csv({ owners: 'A', owner_names: '张三' }, { owners: 'A;B', owner_names: '张三;李四' }));
    expect(parts.map((p) => p.line)).toEqual([2, 3]);
  });

  it('accepts a person named on one row and unnamed on another', () => {
    expect(partsOf(csv({ owners: 'A', owner_names: '张三' }, { owners: 'A' }))).toHaveLength(2);
  });

  it('reports physical lines when blank lines and multi-line cells occur', () => {
    const parts = partsOf(
      'part_id,building,area,area_source,status,owners,certificate\n\n' +
        'U1,1,80,register,registered,A,"line one\nline two"\n' +
        'U2,1,80,register,registered,B,\n',
    );
    expect(parts.map((p) => [p.partId, p.line])).toEqual([['U1', 3], ['U2', 5]]);
  });
});

describe('validateRegister: refused registers', () => {
  // [name, csv text, expected line, expected column, fragment of the English message, of the Chinese one]
  it.each<[string, string, number, string | null, string, string]>([
    ['missing required column', 'part_id,building,area,area_source,status\nU1,1,80,register,registered\n',
      1, 'owners', 'missing required column "owners"', '缺少必填列'],
    ['unknown column lists the allowed ones', csv({ certificate: 'x' }).replace('certificate\n', 'certificate,colour\n').replace(/x\n$/, 'x,red\n'),
      1, 'colour', 'allowed columns: part_id, building', '未知的列'],
    ['duplicate column', 'part_id,building,area,area_source,status,owners,Area\nU1,1,80,register,registered,A,80\n',
      1, 'area', 'more than once', '重复'],
    ['column without a name', 'part_id,building,area,area_source,status,owners,\nU1,1,80,register,registered,A,\n',
      1, null, 'column 7 of the header has no name', '没有列名'],
    ['empty register', `${FULL_HEADER.join(',')}\n\n`, 1, null, 'register is empty', '名册为空'],
    ['too few cells', `${FULL_HEADER.join(',')}\nU1,1,2,3\n`, 2, null, 'row has 4 cells but the header has 12', '该行有4个单元格'],
    ['too many cells', csv({ certificate: 'x' }).replace(/x\n$/, 'x,extra\n'), 2, null,
      'row has 13 cells', '表头有12列'],
    ['empty part_id', csv({ part_id: ' ' }), 2, 'part_id', 'part_id is empty', '房屋编号'],
    ['part_id too long', csv({ part_id: 'p'.repeat(65) }), 2, 'part_id', 'longer than 64', '64'],
    ['duplicate part_id names the first line', csv({ part_id: 'X' }, {}, { part_id: 'X' }),
      4, 'part_id', 'duplicate of line 2', '与第2行重复'],
    ['empty building', csv({ building: '' }), 2, 'building', 'building is empty', '楼栋'],
    ['floor not an integer', csv({ floor: '3.5' }), 2, 'floor', 'not a whole number', '整数'],
    ['floor with letters', csv({ floor: 'B1' }), 2, 'floor', 'not a whole number', '整数'],
    ['floor too high', csv({ floor: '201' }), 2, 'floor', 'between -200 and 200', '之间'],
    ['floor too deep', csv({ floor: '-201' }), 2, 'floor', 'between -200 and 200', '之间'],
    ['floor with many digits', csv({ floor: '99999999999999999999' }), 2, 'floor', 'between', '之间'],
    ['unknown kind', csv({ kind: 'villa' }), 2, 'kind', 'kind "villa" is not allowed; use one of: residential, commercial, parking, storage', '房屋类型'],
    ['unknown kind in Chinese names the Chinese words', csv({ kind: '别墅' }), 2, 'kind', 'or in Chinese: 住宅, 商铺, 车位, 储藏室', '应为以下之一：住宅（residential）、商铺（commercial）'],
    ['empty area', csv({ area: '' }), 2, 'area', 'area is empty', '不能为空'],
    ['malformed area', csv({ area: '1.234' }), 2, 'area', 'malformed', '格式不对'],
    ['exponent area', csv({ area: '1e3' }), 2, 'area', 'malformed', '格式不对'],
    ['zero area', csv({ area: '0' }), 2, 'area', 'area must be greater than 0', '面积必须大于0'],
    ['negative area', csv({ area: '-5' }), 2, 'area', 'area must be greater than 0', '面积必须大于0'],
    ['huge area', csv({ area: '10000000.01' }), 2, 'area', 'must not exceed 10000000', '不能超过'],
    ['empty area_source', csv({ area_source: '' }), 2, 'area_source', 'area_source is empty', '面积来源'],
    ['unknown area_source', csv({ area_source: 'guess' }), 2, 'area_source', 'register, survey, contract', '面积来源'],
    ['empty status', csv({ status: '' }), 2, 'status', 'status is empty', '房屋状态'],
    ['unknown status', csv({ status: 'sold' }), 2, 'status', 'registered, delivered, sold_undelivered, unsold', '房屋状态'],
    ['registered part without owners', csv({ owners: ' ; ' }), 2, 'owners', 'only unsold or sold_undelivered', '业主'],
    ['delivered part without owners', csv({ status: 'delivered', owners: '' }), 2, 'owners', 'owners is empty', '不能为空'],
    ['duplicate owner in a row', csv({ owners: 'A;B;A' }), 2, 'owners', 'owner "A" is listed twice', '重复'],
    ['owner id too long', csv({ owners: 'o'.repeat(65) }), 2, 'owners', 'longer than 64', '64'],
    ['owner id with +', csv({ owners: 'A+B' }), 2, 'owners', 'must not contain "+"', '不能包含'],
    ['fewer names than owners', csv({ owners: 'A;B', owner_names: '张三' }), 2, 'owner_names',
      'owner_names has 1 entries but owners has 2', '业主姓名'],
    ['more names than owners', csv({ owners: 'A', owner_names: '张三;李四' }), 2, 'owner_names',
      'has 2 entries', '有2项'],
    ['names for a part without owners', csv({ status: 'unsold', owners: '', owner_names: '张三' }), 2,
      'owner_names', 'owners has 0', '业主有0人'],
    ['phone count mismatch', csv({ owners: 'A;B', owner_phones: '13800138000' }), 2, 'owner_phones',
      'owner_phones has 1 entries', '业主手机号'],
    ['landline phone', csv({ owner_phones: '010-12345678' }), 2, 'owner_phones', 'not a mainland mobile number', '手机号'],
    ['phone too short', csv({ owner_phones: '1380013800' }), 2, 'owner_phones', 'not a mainland mobile number', '11位'],
    ['phone not starting with 1', csv({ owner_phones: '23800138000' }), 2, 'owner_phones', 'mobile', '以1开头'],
    ['foreign prefix', csv({ owner_phones: '+85213800138000' }), 2, 'owner_phones', 'mobile', '手机号'],
    ['same person, two names', csv({ owners: 'A', owner_names: '张三' }, { owners: 'B' }, { owners: 'A;C', owner_names: '张山;王五' }),
      4, 'owner_names', 'named "张山" here but "张三" on line 2', '第2行'],
  ])('%s', (_name, text, line, column, message, messageZh) => {
    const errors = errorsOf(text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line, column });
    expect(errors[0].message).toContain(message);
    expect(errors[0].messageZh).toContain(messageZh);
  });

  it('names every missing required column on line 1', () => {
    const errors = errorsOf('part_id,building\nU1,1\n');
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [1, 'area'], [1, 'area_source'], [1, 'status'], [1, 'owners'],
    ]);
  });

  it('reports a header-only file as empty with no other error', () => {
    expect(errorsOf('part_id,building,area,area_source,status,owners')).toEqual([
      expect.objectContaining({ line: 1, column: null, message: expect.stringContaining('register is empty') }),
    ]);
  });

  it('reports a file without any header as missing columns and empty', () => {
    const errors = errorsOf('');
    expect(errors.every((e) => e.line === 1)).toBe(true);
    expect(errors.map((e) => e.column)).toEqual([
      'part_id', 'building', 'area', 'area_source', 'status', 'owners', null,
    ]);
  });

  it('collects all errors of a row and of all rows, in line order', () => {
    const errors = errorsOf(csv({ area: '0', status: 'x' }, {}, { building: '', floor: 'x' }));
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, 'area'], [2, 'status'], [4, 'building'], [4, 'floor'],
    ]);
  });

  it('still detects duplicates of a row that had other errors', () => {
    const errors = errorsOf(csv({ part_id: 'X', area: 'x' }, { part_id: 'X' }));
    expect(errors.map((e) => [e.line, e.column])).toEqual([[2, 'area'], [3, 'part_id']]);
  });

  it(`caps the error list at ${MAX_ROW_ERRORS}`, () => {
    const rows = Array.from({ length: 300 }, () => ({ area: '0' }));
    const errors = errorsOf(csv(...rows));
    expect(errors).toHaveLength(MAX_ROW_ERRORS);
    expect(errors[0].line).toBe(2);
    expect(errors[MAX_ROW_ERRORS - 1].line).toBe(MAX_ROW_ERRORS + 1);
  });

  it('never throws on arbitrary cell content', () => {
    const nasty = ['', ' ', '"', ';;;', '\u0000', 'NaN', '-', '+86', '１２３', '\n'];
    for (const value of nasty) {
      for (const col of FULL_HEADER) {
        expect(() => validate(csv({ [col]: value }))).not.toThrow();
      }
    }
  });
});
