import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell, FORMULA_PREFIXES, toCsv, UTF8_BOM } from '../../src/domain/consultation/csv-export.ts';
import { parseCsv } from '../../src/domain/register/csv.ts';

describe('csvCell', () => {
  it('FORMULA_PREFIXES is the OWASP list', () => {
    expect([...FORMULA_PREFIXES]).toEqual(['=', '+', '-', '@', '\t', '\r']);
    expect(Object.isFrozen(FORMULA_PREFIXES)).toBe(true);
  });

  it.each<[string, string | number | null, string]>([
    // Formula injection: every prefix is neutralized with a leading quote.
    ['= formula', '=1+1', "'=1+1"],
    ['= HYPERLINK', '=HYPERLINK("http://x","点我")', `"'=HYPERLINK(""http://x"",""点我"")"`],
    ['+ prefix', '+86 138', "'+86 138"],
    ['- prefix', '-2+3', "'-2+3"],
    ['@ prefix', '@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['tab prefix', '\t=1', "'\t=1"],
    ['CR prefix (also quoted: CR is a line break)', '\r=1', `"'\r=1"`],
    ['numeric-looking text stays text', '-5', "'-5"],
    ['prefix plus comma: escaped then quoted', '=A1,B1', `"'=A1,B1"`],
    ['prefix character later in the text is harmless', 'a=b-c+d@e', 'a=b-c+d@e'],
    // RFC 4180 quoting.
    ['plain text', 'abc', 'abc'],
    ['empty string', '', ''],
    ['comma', 'a,b', '"a,b"'],
    ['quote', 'say "hi"', '"say ""hi"""'],
    ['LF', 'l1\nl2', '"l1\nl2"'],
    ['CRLF', 'l1\r\nl2', '"l1\r\nl2"'],
    ['spaces kept unquoted', ' x ', ' x '],
    ['Chinese text', '3号楼 2单元 红色（偏暖）', '3号楼 2单元 红色（偏暖）'],
    ['Chinese with full-width comma (not a separator)', '同意，但是', '同意，但是'],
    ['Chinese with ASCII comma and quote', '他说"好",行', '"他说""好"",行"'],
    // Numbers are written as numbers, never prefixed — negatives included.
    ['integer', 42, '42'],
    ['zero', 0, '0'],
    ['negative number not prefixed', -5, '-5'],
    ['negative zero', -0, '0'],
    ['decimal', 12.5, '12.5'],
    ['large number', 1e21, '1e+21'],
    ['null', null, ''],
  ])('%s', (_name, value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([NaN, Infinity, -Infinity])('refuses %s', (value) => {
    expect(() => csvCell(value)).toThrow(RangeError);
  });
});

describe('toCsv', () => {
  it.each<[string, string[], (string | number | null)[][], { bom?: boolean } | undefined, string]>([
    ['BOM by default, CRLF after every line', ['a', 'b'], [['1', 2], [null, 'x']], undefined,
      '\uFEFFa,b\r\n1,2\r\n,x\r\n'],
    ['BOM can be turned off', ['a'], [['x']], { bom: false }, 'a\r\nx\r\n'],
    ['header only', ['楼栋', '单元'], [], { bom: false }, '楼栋,单元\r\n'],
    ['header cells are escaped too', ['=cmd', 'a,b'], [], { bom: false }, `'=cmd,"a,b"\r\n`],
    ['Chinese consultation export', ['楼栋', '选项', '票数'], [['1号楼', '米黄色', 12], ['10号楼', '浅灰色', -1]], {},
      '\uFEFF楼栋,选项,票数\r\n1号楼,米黄色,12\r\n10号楼,浅灰色,-1\r\n'],
    ['one-column empty record is kept as ""', ['note'], [[null], ['']], { bom: false }, 'note\r\n""\r\n""\r\n'],
    ['embedded newline stays in its quoted cell', ['a', 'b'], [['l1\nl2', '@x']], { bom: false },
      `a,b\r\n"l1\nl2",'@x\r\n`],
  ])('%s', (_name, header, rows, options, expected) => {
    expect(toCsv(header, rows, options)).toBe(expected);
  });

  it('starts with the UTF-8 BOM bytes EF BB BF', () => {
    const bytes = new TextEncoder().encode(toCsv(['名称'], [['红']]));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(UTF8_BOM).toBe('\uFEFF');
  });

  it.each<[string, string[], (string | number | null)[][], RegExp]>([
    ['empty header', [], [], /at least one column/],
    ['short row', ['a', 'b'], [['1']], /row 0 has 1 cells; the header has 2/],
    ['long row', ['a'], [['1'], ['1', '2']], /row 1 has 2 cells/],
    ['non-finite number', ['a'], [[NaN]], /non-finite/],
  ])('refuses: %s', (_name, header, rows, error) => {
    expect(() => toCsv(header, rows)).toThrow(error);
  });

  it('round-trips through the RFC 4180 reader (risky text comes back with its quote)', () => {
    const cell = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ' ', 'a', '楼') }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 10 }), (rows) => {
        const table = parseCsv(toCsv(['x', 'y'], rows.map(([p, q]) => [p, q])));
        const expected = rows.map(([p, q]) =>
          [p, q].map((s) => (FORMULA_PREFIXES.some((f) => s.startsWith(f)) ? `'${s}` : s)),
        );
        expect(table.header).toEqual(['x', 'y']);
        // The reader skips whitespace-only lines; a record of two cells always has a comma.
        expect(table.rows.map((r) => r.cells)).toEqual(expected);
      }),
    );
  });
});
