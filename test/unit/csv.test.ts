import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, parseCsv, type Table } from '../../src/domain/register/csv.ts';

describe('parseCsv', () => {
  it.each<[string, string, Table]>([
    ['simple LF', 'a,b\n1,2\n3,4\n', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: ['1', '2'] }, { line: 3, cells: ['3', '4'] }],
    }],
    ['CRLF without trailing newline', 'a,b\r\n1,2\r\n3,4', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: ['1', '2'] }, { line: 3, cells: ['3', '4'] }],
    }],
    ['lone CR line breaks', 'a\r1\r2', {
      header: ['a'],
      rows: [{ line: 2, cells: ['1'] }, { line: 3, cells: ['2'] }],
    }],
    ['BOM stripped, header trimmed and lowercased', '\uFEFF Part_ID , AREA\nx,1', {
      header: ['part_id', 'area'],
      rows: [{ line: 2, cells: ['x', '1'] }],
    }],
    ['cells kept verbatim (not trimmed)', 'a,b\n x , y ', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: [' x ', ' y '] }],
    }],
    ['quoted comma and escaped quote', 'a,b\n"x,y","say ""hi"""', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: ['x,y', 'say "hi"'] }],
    }],
    ['embedded newline: next record line counts physical lines', 'a,b\n"l1\nl2",z\nnext,1\n', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: ['l1\nl2', 'z'] }, { line: 4, cells: ['next', '1'] }],
    }],
    ['embedded CRLF', 'a\r\n"l1\r\nl2\r\nl3"\r\nq\r\n', {
      header: ['a'],
      rows: [{ line: 2, cells: ['l1\r\nl2\r\nl3'] }, { line: 5, cells: ['q'] }],
    }],
    ['blank and whitespace lines ignored, line numbers kept', 'a,b\n\n1,2\n   \r\n\n3,4\n\n', {
      header: ['a', 'b'],
      rows: [{ line: 3, cells: ['1', '2'] }, { line: 6, cells: ['3', '4'] }],
    }],
    ['empty cells', 'a,b,c\n,,\n1,,', {
      header: ['a', 'b', 'c'],
      rows: [{ line: 2, cells: ['', '', ''] }, { line: 3, cells: ['1', '', ''] }],
    }],
    ['a lone empty quoted field is not blank', 'a\n""\n', {
      header: ['a'],
      rows: [{ line: 2, cells: [''] }],
    }],
    ['ragged rows are returned as they are', 'a,b\n1\n1,2,3', {
      header: ['a', 'b'],
      rows: [{ line: 2, cells: ['1'] }, { line: 3, cells: ['1', '2', '3'] }],
    }],
    ['Chinese text', '房号,业主\n3-2-1502,"张三;李四"', {
      header: ['房号', '业主'],
      rows: [{ line: 2, cells: ['3-2-1502', '张三;李四'] }],
    }],
    ['empty text', '', { header: [], rows: [] }],
    ['only a BOM and newlines', '\uFEFF\n\n', { header: [], rows: [] }],
    ['header only', 'a,b\n', { header: ['a', 'b'], rows: [] }],
    ['header after blank lines', '\n\na\n1', { header: ['a'], rows: [{ line: 4, cells: ['1'] }] }],
  ])('%s', (_name, text, expected) => {
    expect(parseCsv(text)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ['unterminated quote (reports the opening line)', 'a,b\n1,2\n3,"open\nmore\n', 3],
    ['unterminated quote at end', 'a\n"', 2],
    ['quote in the middle of an unquoted field', 'a,b\n1,2\n3,ab"c\n', 3],
    ['quote at the end of an unquoted field', 'a\nx"\n', 2],
    ['text after a closing quote', 'a,b\n"x"y,2\n', 2],
    ['space after a closing quote', 'a,b\n"x" ,2\n', 2],
    ['error line counts embedded newlines', 'a,b\n"1\n2",x\n3,b"\n', 4],
  ])('%s → CsvSyntaxError on line %i', (_name, text, line) => {
    let caught: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CsvSyntaxError);
    const err = caught as CsvSyntaxError;
    expect(err.line).toBe(line);
    expect(err.message).not.toBe('');
    expect(err.messageZh).not.toBe('');
  });
});
