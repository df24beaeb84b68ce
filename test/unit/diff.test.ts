import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  diffLines,
  diffVersions,
  DiffTooLargeError,
  MAX_DIFF_LINES,
  type DiffLine,
  type ProposalVersionView,
} from '../../src/domain/proposals/diff.ts';

const same = (text: string): DiffLine => ({ op: 'same', text });
const add = (text: string): DiffLine => ({ op: 'add', text });
const del = (text: string): DiffLine => ({ op: 'del', text });

describe('diffLines', () => {
  it.each<[string, string, string, DiffLine[]]>([
    ['both empty', '', '', []],
    ['identical', 'a\nb', 'a\nb', [same('a'), same('b')]],
    ['from empty', '', 'a\nb', [add('a'), add('b')]],
    ['to empty', 'a\nb', '', [del('a'), del('b')]],
    ['one line changed', 'a\nb\nc', 'a\nx\nc', [same('a'), del('b'), add('x'), same('c')]],
    ['block replaced: deletions before additions', 'a\nb', 'c\nd', [del('a'), del('b'), add('c'), add('d')]],
    ['insert in the middle', 'a\nc', 'a\nb\nc', [same('a'), add('b'), same('c')]],
    ['delete at the end', 'a\nb\nc', 'a\nb', [same('a'), same('b'), del('c')]],
    ['insert at the start', 'b', 'a\nb', [add('a'), same('b')]],
    ['CRLF vs LF is not a change', 'a\r\nb\r\n', 'a\nb', [same('a'), same('b')]],
    ['lone CR is a line break', 'a\rb', 'a\nb', [same('a'), same('b')]],
    ['one final line break is ignored', 'a\n', 'a', [same('a')]],
    ['blank lines are lines', 'a\n\nb', 'a\nb', [same('a'), del(''), same('b')]],
    ['a lone line break is one empty line', '\n', '', [del('')]],
    ['whitespace counts', 'a ', 'a', [del('a '), add('a')]],
    ['Chinese text', '第一条：外墙刷米黄色。\n第二条：费用按面积分摊。', '第一条：外墙刷浅灰色。\n第二条：费用按面积分摊。',
      [del('第一条：外墙刷米黄色。'), add('第一条：外墙刷浅灰色。'), same('第二条：费用按面积分摊。')]],
    // Myers' (1986) example: several LCSs of length 4 exist; this one (c b b a) is the
    // deterministic choice (earliest match, deletions first).
    ['moved lines', 'a\nb\nc\na\nb\nb\na', 'c\nb\na\nb\na\nc',
      [del('a'), del('b'), same('c'), del('a'), same('b'), add('a'), same('b'), same('a'), add('c')]],
  ])('%s', (_name, a, b, expected) => {
    expect(diffLines(a, b)).toEqual(expected);
  });

  it('accepts 2,000 distinct lines per side and refuses 2,001', () => {
    const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join('\n');
    const d = diffLines(lines(MAX_DIFF_LINES, 'x'), lines(MAX_DIFF_LINES, 'y'));
    expect(d).toHaveLength(2 * MAX_DIFF_LINES);
    expect(() => diffLines(lines(MAX_DIFF_LINES + 1, 'x'), 'a')).toThrow(DiffTooLargeError);
    expect(() => diffLines('a', lines(MAX_DIFF_LINES + 1, 'x'))).toThrow(
      'cannot diff: the after text has 2001 lines (at most 2000)',
    );
  });

  /** Reference LCS length (plain DP) to check the diff is minimal. */
  function lcsLength(x: string[], y: string[]): number {
    const t = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
    for (let i = 1; i <= x.length; i++) {
      for (let j = 1; j <= y.length; j++) {
        t[i][j] = x[i - 1] === y[j - 1] ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
      }
    }
    return t[x.length][y.length];
  }

  it('rebuilds both texts and keeps a longest common subsequence', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '', '甲'), { maxLength: 25 });
    fc.assert(
      fc.property(lines, lines, (x, y) => {
        const d = diffLines(x.join('\n'), y.join('\n'));
        // join() of [''] is '' (no lines), and a trailing '' is dropped: compare like splitLines.
        const norm = (ls: string[]) => {
          const s = ls.join('\n');
          if (s === '') return [];
          const out = s.split('\n');
          if (out[out.length - 1] === '') out.pop();
          return out;
        };
        expect(d.filter((l) => l.op !== 'add').map((l) => l.text)).toEqual(norm(x));
        expect(d.filter((l) => l.op !== 'del').map((l) => l.text)).toEqual(norm(y));
        expect(d.filter((l) => l.op === 'same')).toHaveLength(lcsLength(norm(x), norm(y)));
      }),
    );
  });
});

describe('diffVersions', () => {
  const v1: ProposalVersionView = {
    title: '外墙粉刷方案',
    body: '外墙统一粉刷。\n费用按面积分摊。',
    options: [
      { key: 'beige', name: '米黄色', colorHex: '#F5DEB3', colorCode: 'NCS S 1010-Y10R' },
      { key: 'grey', name: '浅灰色', colorHex: '#D3D3D3', description: null },
      { key: 'white', name: '白色', colorHex: '#FFFFFF' },
    ],
  };

  it('reports nothing for identical versions (null and missing fields are equal)', () => {
    const copy: ProposalVersionView = {
      ...v1,
      options: v1.options.map((o) => ({ ...o, description: o.description ?? undefined, colorCode: o.colorCode ?? null })),
    };
    expect(diffVersions(v1, copy)).toEqual({
      title: null,
      body: [same('外墙统一粉刷。'), same('费用按面积分摊。')],
      options: { added: [], removed: [], changed: [], reordered: false },
    });
  });

  it('reports title, body and option changes', () => {
    const v2: ProposalVersionView = {
      title: '外墙粉刷方案（修订）',
      body: '外墙统一粉刷。\n费用由维修资金支出。',
      options: [
        { key: 'green', name: '浅绿色', colorHex: '#90EE90' },
        { key: 'grey', name: '浅灰色', colorHex: '#d3d3d3', description: null },
        { key: 'beige', name: '米黄色', colorHex: '#F5DEB3', colorCode: 'NCS S 1010-Y10R', description: '暖色调' },
      ],
    };
    expect(diffVersions(v1, v2)).toEqual({
      title: { before: '外墙粉刷方案', after: '外墙粉刷方案（修订）' },
      body: [same('外墙统一粉刷。'), del('费用按面积分摊。'), add('费用由维修资金支出。')],
      options: {
        added: [v2.options[0]],
        removed: [v1.options[2]],
        // New version's order; a hex case change counts as a change.
        changed: [
          { key: 'grey', before: v1.options[1], after: v2.options[1] },
          { key: 'beige', before: v1.options[0], after: v2.options[2] },
        ],
        reordered: true,
      },
    });
  });

  it.each<[string, string[], string[], boolean]>([
    ['same order', ['a', 'b', 'c'], ['a', 'b', 'c'], false],
    ['only additions and removals', ['a', 'b', 'c'], ['x', 'a', 'c', 'y'], false],
    ['swap', ['a', 'b'], ['b', 'a'], true],
    ['swap among kept after a removal', ['a', 'b', 'c'], ['c', 'b'], true],
  ])('reordered: %s', (_name, before, after, reordered) => {
    const view = (keys: string[]): ProposalVersionView => ({
      title: 't',
      body: '',
      options: keys.map((key) => ({ key, name: key })),
    });
    expect(diffVersions(view(before), view(after)).options.reordered).toBe(reordered);
  });

  it('refuses duplicate option keys', () => {
    const dup: ProposalVersionView = { ...v1, options: [...v1.options, { key: 'grey', name: '灰' }] };
    expect(() => diffVersions(v1, dup)).toThrow(/new version has duplicate option key "grey"/);
    expect(() => diffVersions(dup, v1)).toThrow(/old version/);
  });
});
