import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareNatural,
  coverage,
  notReached,
  type Coverage,
  type Household,
} from '../../src/domain/consultation/coverage.ts';

const h = (id: string, building: string, entrance: string | null = null): Household => ({ id, building, entrance });

describe('compareNatural', () => {
  it.each<[string, string[], string[]]>([
    ['numbers by value', ['10', '2', '1'], ['1', '2', '10']],
    ['numbers inside Chinese names', ['10号楼', '2号楼', '1号楼'], ['1号楼', '2号楼', '10号楼']],
    ['Chinese by pinyin (dong before xi)', ['西区', '东区'], ['东区', '西区']],
    ['numerically equal names still ordered deterministically', ['1', '01'], ['01', '1']],
    ['entrances', ['12单元', '3单元', '1单元'], ['1单元', '3单元', '12单元']],
  ])('%s', (_name, input, expected) => {
    expect([...input].sort(compareNatural)).toEqual(expected);
  });
});

describe('coverage', () => {
  it.each<[string, Household[], string[], Coverage]>([
    ['empty register', [], ['x'], { total: { households: 0, responded: 0 }, buildings: [] }],
    ['buildings and entrances in natural order; null entrance last',
      [
        h('a', '10号楼', '1单元'),
        h('b', '2号楼', '2单元'),
        h('c', '2号楼', '10单元'),
        h('d', '2号楼', null),
        h('e', '2号楼', '2单元'),
        h('f', '10号楼', '1单元'),
      ],
      ['b', 'f', 'd'],
      {
        total: { households: 6, responded: 3 },
        buildings: [
          {
            building: '2号楼', households: 4, responded: 2,
            entrances: [
              { entrance: '2单元', households: 2, responded: 1 },
              { entrance: '10单元', households: 1, responded: 0 },
              { entrance: null, households: 1, responded: 1 },
            ],
          },
          {
            building: '10号楼', households: 2, responded: 1,
            entrances: [{ entrance: '1单元', households: 2, responded: 1 }],
          },
        ],
      }],
    ['responses from ids not in the register are ignored',
      [h('a', '1'), h('b', '1')],
      ['a', 'gone', 'also-gone'],
      {
        total: { households: 2, responded: 1 },
        buildings: [{
          building: '1', households: 2, responded: 1,
          entrances: [{ entrance: null, households: 2, responded: 1 }],
        }],
      }],
    ['Chinese building names by pinyin, digits first',
      [h('x', '西区'), h('y', '东区'), h('z', '3')],
      [],
      {
        total: { households: 3, responded: 0 },
        buildings: [
          { building: '3', households: 1, responded: 0, entrances: [{ entrance: null, households: 1, responded: 0 }] },
          { building: '东区', households: 1, responded: 0, entrances: [{ entrance: null, households: 1, responded: 0 }] },
          { building: '西区', households: 1, responded: 0, entrances: [{ entrance: null, households: 1, responded: 0 }] },
        ],
      }],
  ])('%s', (_name, households, responded, expected) => {
    expect(coverage(households, new Set(responded))).toEqual(expected);
  });

  it('refuses duplicate household ids', () => {
    expect(() => coverage([h('a', '1'), h('a', '2')], new Set())).toThrow(/duplicate household id "a"/);
    expect(() => notReached([h('a', '1'), h('a', '2')], new Set())).toThrow(RangeError);
  });

  it('totals add up and the result does not depend on input order', () => {
    const household = fc.record({
      building: fc.constantFrom('1', '2', '10', '东区', '西区'),
      entrance: fc.constantFrom(null, '1单元', '2单元', '10单元'),
    });
    fc.assert(
      fc.property(fc.array(household, { maxLength: 40 }), fc.array(fc.nat(60)), (rows, picks) => {
        const hs = rows.map((r, i) => ({ id: `h${i}`, ...r }));
        const responded = new Set(picks.map((p) => `h${p}`));
        const c = coverage(hs, responded);
        expect(c.total.households).toBe(hs.length);
        expect(c.total.responded).toBe(hs.filter((x) => responded.has(x.id)).length);
        for (const b of c.buildings) {
          expect(b.households).toBe(b.entrances.reduce((s, e) => s + e.households, 0));
          expect(b.responded).toBe(b.entrances.reduce((s, e) => s + e.responded, 0));
        }
        expect(coverage([...hs].reverse(), responded)).toEqual(c);
        const missing = notReached(hs, responded).flatMap((b) => b.entrances.flatMap((e) => e.households));
        expect(missing).toHaveLength(c.total.households - c.total.responded);
      }),
    );
  });
});

describe('notReached', () => {
  it('groups the households still to visit, keeping register order and extra fields', () => {
    const hs = [
      { id: 'a', building: '10', entrance: '1', room: '101' },
      { id: 'b', building: '2', entrance: '1', room: '101' },
      { id: 'c', building: '10', entrance: '1', room: '201' },
      { id: 'd', building: '10', entrance: null, room: '301' },
      { id: 'e', building: '2', entrance: '2', room: '102' },
      { id: 'f', building: '3', entrance: '1', room: '101' },
    ];
    expect(notReached(hs, new Set(['a', 'e', 'f']))).toEqual([
      { building: '2', entrances: [{ entrance: '1', households: [hs[1]] }] },
      {
        building: '10',
        entrances: [
          { entrance: '1', households: [hs[2]] },
          { entrance: null, households: [hs[3]] },
        ],
      },
    ]);
  });

  it('is empty when everyone responded', () => {
    expect(notReached([h('a', '1'), h('b', '1', '1')], new Set(['a', 'b']))).toEqual([]);
  });
});
