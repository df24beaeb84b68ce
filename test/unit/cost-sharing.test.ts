import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CoefficientError,
  CostSharingError,
  formatFen,
  formatFenPlain,
  parseCoefficient,
  shareCosts,
  type CoefficientReason,
  type CostSharingReason,
  type CostUnit,
  type FloorCoefficients,
} from '../../src/domain/costs/sharing.ts';

const YUAN = 100;

/** |share·W − w·net| < W  ⇔  the share is within one fen of its exact rational value. */
function withinOneFen(shareFen: number, weight: bigint, totalWeight: bigint, netFen: number): boolean {
  const diff = BigInt(shareFen) * totalWeight - weight * BigInt(netFen);
  return (diff < 0n ? -diff : diff) < totalWeight;
}

function expectExactAndClose(result: ReturnType<typeof shareCosts>): void {
  const sum = result.shares.reduce((a, s) => a + s.shareFen, 0);
  expect(sum).toBe(result.netFen);
  expect(result.totalFen).toBe(result.netFen);
  const W = result.shares.reduce((a, s) => a + s.weight, 0n);
  if (W === 0n) return;
  for (const s of result.shares) {
    expect(s.shareFen).toBeGreaterThanOrEqual(0);
    expect(withinOneFen(s.shareFen, s.weight, W, result.netFen), s.partId).toBe(true);
  }
}

describe('T11 (rules.md §6): 6 floors × 2 flats × 60 m², ¥600,000 − ¥200,000', () => {
  const units: CostUnit[] = [];
  for (let floor = 1; floor <= 6; floor++) {
    for (const flat of ['01', '02']) units.push({ partId: `${floor}${flat}`, floor, areaCents: 6000 });
  }
  const coefficients: FloorCoefficients = { 1: '0', 2: '0', 3: '0.7', 4: '0.8', 5: '0.9', 6: '1.0' };
  const result = shareCosts(units, coefficients, 600_000 * YUAN, 200_000 * YUAN);
  const byPart = new Map(result.shares.map((s) => [s.partId, s]));

  // Exact values (¥): F3 41,176.470588… F4 47,058.823529… F5 52,941.176470… F6 58,823.529411…
  // Floors give 39,999,996 fen; the 4 missing fen go to the largest remainders:
  // F6 (.941…) ×2 and F5 (.647…) ×2, so the printed T11 figures are the exact allocation.
  it.each([
    ['101', 1, '0.00', 0n],
    ['102', 1, '0.00', 0n],
    ['201', 2, '0.00', 0n],
    ['202', 2, '0.00', 0n],
    ['301', 3, '41,176.47', 42_000_000n],
    ['302', 3, '41,176.47', 42_000_000n],
    ['401', 4, '47,058.82', 48_000_000n],
    ['402', 4, '47,058.82', 48_000_000n],
    ['501', 5, '52,941.18', 54_000_000n],
    ['502', 5, '52,941.18', 54_000_000n],
    ['601', 6, '58,823.53', 60_000_000n],
    ['602', 6, '58,823.53', 60_000_000n],
  ])('flat %s (F%i) pays %s', (partId, floor, text, weight) => {
    const share = byPart.get(partId)!;
    expect(share.floor).toBe(floor);
    expect(share.weight).toBe(weight);
    expect(formatFen(share.shareFen)).toBe(text);
  });

  it('the rounded-up flats are exactly those of F5 and F6', () => {
    const exactFloor = { 3: 4_117_647, 4: 4_705_882, 5: 5_294_117, 6: 5_882_352 } as Record<number, number>;
    const roundedUp = result.shares.filter((s) => s.floor >= 3 && s.shareFen > exactFloor[s.floor]).map((s) => s.partId);
    expect(roundedUp).toEqual(['501', '502', '601', '602']);
  });

  it('total is exactly 400,000.00 and every share within one fen of exact', () => {
    expect(result.netFen).toBe(40_000_000);
    expect(formatFen(result.totalFen)).toBe('400,000.00');
    expectExactAndClose(result);
  });

  it('shares come back in input order', () => {
    expect(result.shares.map((s) => s.partId)).toEqual(units.map((u) => u.partId));
  });
});

describe('rounding edge cases', () => {
  const one = { 1: '1' };
  const unit = (partId: string, areaCents = 10_000, floor = 1): CostUnit => ({ partId, floor, areaCents });

  it.each<[string, CostUnit[], FloorCoefficients, number, number, Record<string, number>]>([
    // Equal remainders, equal weights → partId order decides.
    ['1 fen among 3 equal units', [unit('c'), unit('a'), unit('b')], one, 1, 0, { a: 1, b: 0, c: 0 }],
    ['2 fen among 3 equal units', [unit('c'), unit('a'), unit('b')], one, 2, 0, { a: 1, b: 1, c: 0 }],
    ['3 fen among 3 equal units', [unit('c'), unit('a'), unit('b')], one, 3, 0, { a: 1, b: 1, c: 1 }],
    ['¥100 among 3 equal units', [unit('x'), unit('y'), unit('z')], one, 10_000, 0, { x: 3334, y: 3333, z: 3333 }],
    // Equal remainders, different weights → larger weight first: 2 fen over areas 1:3 are
    // exactly 0.5 and 1.5, both with remainder ½; the extra fen goes to the larger weight.
    ['tie: larger weight wins', [unit('a', 100), unit('b', 300)], one, 2, 0, { a: 0, b: 2 }],
    ['tie: larger weight wins over partId', [unit('a', 300), unit('b', 100)], one, 2, 0, { a: 2, b: 0 }],
    // Larger remainder wins regardless of weight: 10 fen over 1:2 → 3.33 / 6.67.
    ['largest remainder first', [unit('big', 200), unit('small', 100)], one, 10, 0, { big: 7, small: 3 }],
    ['zero subsidy', [unit('a'), unit('b')], one, 1001, 0, { a: 501, b: 500 }],
    ['subsidy equals cost', [unit('a'), unit('b')], one, 1000, 1000, { a: 0, b: 0 }],
    [
      'all coefficients 1 = pure area share',
      [unit('a', 8935, 1), unit('b', 12000, 2), unit('c', 6065, 3)],
      { 1: '1', 2: '1.0', 3: '1.0000' },
      27_000_00,
      0,
      { a: 893_500, b: 1_200_000, c: 606_500 },
    ],
    [
      'uniform coefficient 0.5 = same as 1',
      [unit('a', 8935, 1), unit('b', 12000, 2), unit('c', 6065, 3)],
      { 1: '.5', 2: '0.5', 3: '0.50' },
      27_000_00,
      0,
      { a: 893_500, b: 1_200_000, c: 606_500 },
    ],
    ['zero-weight units never get an extra fen', [unit('a', 100, 1), unit('b', 100, 2), unit('c', 100, 2)], { 1: '0', 2: '1' }, 1, 0, { a: 0, b: 1, c: 0 }],
    ['net 0 with all weights 0', [unit('a', 100, 1)], { 1: '0' }, 500, 500, { a: 0 }],
    ['no units and net 0', [], {}, 0, 0, {}],
  ])('%s', (_, units, coefficients, cost, subsidy, expected) => {
    const result = shareCosts(units, coefficients, cost, subsidy);
    expect(Object.fromEntries(result.shares.map((s) => [s.partId, s.shareFen]))).toEqual(expected);
    expect(result.netFen).toBe(cost - subsidy);
    expectExactAndClose(result);
  });

  it('result does not depend on the order of the units', () => {
    const units = [unit('c', 123), unit('a', 123), unit('b', 456), unit('d', 789, 2)];
    const coefficients = { 1: '0.7', 2: '1.3' };
    const forward = shareCosts(units, coefficients, 99_99, 0).shares;
    const backward = shareCosts([...units].reverse(), coefficients, 99_99, 0).shares;
    const key = (s: { partId: string; shareFen: number }) => `${s.partId}:${s.shareFen}`;
    expect(backward.map(key).sort()).toEqual(forward.map(key).sort());
  });
});

describe('bad input', () => {
  const units: CostUnit[] = [
    { partId: 'a', floor: 1, areaCents: 100 },
    { partId: 'b', floor: 2, areaCents: 100 },
  ];
  const coefficients = { 1: '0.5', 2: '1' };

  it.each<[string, CostUnit[], FloorCoefficients, number, number, CostSharingReason]>([
    ['negative cost', units, coefficients, -1, 0, 'invalid_amount'],
    ['negative subsidy', units, coefficients, 100, -1, 'invalid_amount'],
    ['fractional cost', units, coefficients, 100.5, 0, 'invalid_amount'],
    ['unsafe cost', units, coefficients, Number.MAX_SAFE_INTEGER + 1, 0, 'invalid_amount'],
    ['NaN subsidy', units, coefficients, 100, Number.NaN, 'invalid_amount'],
    ['subsidy > cost', units, coefficients, 100, 101, 'subsidy_exceeds_cost'],
    ['all weights zero while net > 0', units, { 1: '0', 2: '0.0000' }, 100, 0, 'no_weight'],
    ['no units while net > 0', [], coefficients, 100, 0, 'no_weight'],
    ['duplicate partId', [...units, { partId: 'a', floor: 2, areaCents: 50 }], coefficients, 100, 0, 'duplicate_part'],
    ['empty partId', [{ partId: '', floor: 1, areaCents: 100 }], coefficients, 100, 0, 'invalid_unit'],
    ['zero area', [{ partId: 'a', floor: 1, areaCents: 0 }], coefficients, 100, 0, 'invalid_unit'],
    ['fractional area', [{ partId: 'a', floor: 1, areaCents: 1.5 }], coefficients, 100, 0, 'invalid_unit'],
    ['fractional floor', [{ partId: 'a', floor: 1.5, areaCents: 100 }], coefficients, 100, 0, 'invalid_unit'],
  ])('%s → %s', (_, u, c, cost, subsidy, reason) => {
    let thrown: unknown;
    try {
      shareCosts(u, c, cost, subsidy);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CostSharingError);
    expect((thrown as CostSharingError).reason).toBe(reason);
  });

  it.each<[string, FloorCoefficients, CoefficientReason, number | string, RegExp]>([
    ['floor without coefficient', { 1: '0.5' }, 'missing', 2, /no coefficient for floor 2/],
    ['negative coefficient', { 1: '0.5', 2: '-1' }, 'malformed', 2, /floor 2 \("-1"\)/],
    ['five decimals', { 1: '0.50001', 2: '1' }, 'malformed', 1, /floor 1/],
    ['exponent', { 1: '1e-1', 2: '1' }, 'malformed', 1, /floor 1/],
    ['trailing dot', { 1: '1.', 2: '1' }, 'malformed', 1, /floor 1/],
    ['empty text', { 1: '', 2: '1' }, 'malformed', 1, /floor 1/],
    ['Chinese comma decimal', { 1: '0，7', 2: '1' }, 'malformed', 1, /floor 1/],
    ['unused floor malformed too', { 1: '1', 2: '1', 9: 'x' }, 'malformed', 9, /floor 9/],
    ['too many digits', { 1: '1234567890', 2: '1' }, 'too_large', 1, /floor 1/],
    ['non-integer key', { 1: '1', 2: '1', ['1.5' as unknown as number]: '1' }, 'bad_floor', '1.5', /"1\.5"/],
  ])('%s → CoefficientError %s', (_, c, reason, floor, message) => {
    let thrown: unknown;
    try {
      shareCosts(units, c, 100, 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CoefficientError);
    const error = thrown as CoefficientError;
    expect(error.reason).toBe(reason);
    expect(error.floor).toBe(floor);
    expect(error.message).toMatch(message);
  });
});

describe('parseCoefficient', () => {
  it.each([
    ['0', 0],
    ['1', 10_000],
    ['1.0', 10_000],
    ['0.7', 7000],
    ['.7', 7000],
    ['0.0001', 1],
    ['0.8500', 8500],
    [' 1.25 ', 12_500],
    ['007', 70_000],
    ['999999999.9999', 9_999_999_999_999],
  ])('%j → %i', (text, value) => {
    expect(parseCoefficient(text, 3)).toBe(value);
  });
});

describe('formatFen', () => {
  it.each([
    [0, '0.00', '0.00'],
    [5, '0.05', '0.05'],
    [99, '0.99', '0.99'],
    [100, '1.00', '1.00'],
    [123_456, '1,234.56', '1234.56'],
    [4_117_647, '41,176.47', '41176.47'],
    [40_000_000, '400,000.00', '400000.00'],
    [100_000_000, '1,000,000.00', '1000000.00'],
    [-123_456, '-1,234.56', '-1234.56'],
    [-5, '-0.05', '-0.05'],
    [Number.MAX_SAFE_INTEGER, '90,071,992,547,409.91', '90071992547409.91'],
  ])('%i → %s / %s', (fen, grouped, plain) => {
    expect(formatFen(fen)).toBe(grouped);
    expect(formatFenPlain(fen)).toBe(plain);
  });

  it.each([1.5, Number.NaN, Infinity])('%s is refused', (fen) => {
    expect(() => formatFen(fen)).toThrow(RangeError);
    expect(() => formatFenPlain(fen)).toThrow(/fen/);
  });
});

describe('properties', () => {
  const coefficientText = fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 4 }))
    .map(([i, f, decimals]) => {
      if (decimals === 0) return { text: String(i), value: i * 10_000 };
      const frac = String(f).padStart(4, '0').slice(0, decimals);
      return { text: `${i}.${frac}`, value: i * 10_000 + Number(frac.padEnd(4, '0')) };
    });

  const scenario = fc
    .record({
      table: fc.array(coefficientText, { minLength: 1, maxLength: 8 }),
      units: fc.uniqueArray(
        fc.record({
          partId: fc.string({ minLength: 1, maxLength: 4 }),
          floorIndex: fc.nat(),
          areaCents: fc.oneof(fc.integer({ min: 1, max: 20_000 }), fc.constant(6000), fc.integer({ min: 1, max: 1_000_000_000 })),
        }),
        { minLength: 1, maxLength: 30, selector: (u) => u.partId },
      ),
      cost: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      subsidyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ table, units, cost, subsidyShare }) => ({
      coefficients: Object.fromEntries(table.map((c, i) => [i + 1, c.text])) as FloorCoefficients,
      values: table.map((c) => c.value),
      units: units.map((u) => ({ partId: u.partId, floor: (u.floorIndex % table.length) + 1, areaCents: u.areaCents })),
      cost,
      subsidy: Math.floor(cost * subsidyShare),
    }));

  it('shares sum exactly to net and each is within one fen of its exact value', () => {
    fc.assert(
      fc.property(scenario, ({ coefficients, values, units, cost, subsidy }) => {
        const net = cost - subsidy;
        const weights = units.map((u) => BigInt(values[u.floor - 1]) * BigInt(u.areaCents));
        const W = weights.reduce((a, b) => a + b, 0n);
        if (W === 0n && net > 0) {
          expect(() => shareCosts(units, coefficients, cost, subsidy)).toThrow(CostSharingError);
          return;
        }
        const result = shareCosts(units, coefficients, cost, subsidy);
        expect(result.netFen).toBe(net);
        expect(result.shares.map((s) => s.weight)).toEqual(weights);
        // Exact sum, in BigInt so that even a wrong large sum could not hide in float rounding.
        expect(result.shares.reduce((a, s) => a + BigInt(s.shareFen), 0n)).toBe(BigInt(net));
        expect(result.totalFen).toBe(net);
        for (const s of result.shares) {
          expect(Number.isSafeInteger(s.shareFen)).toBe(true);
          if (W > 0n) expect(withinOneFen(s.shareFen, s.weight, W, net)).toBe(true);
          else expect(s.shareFen).toBe(0);
        }
        // Largest remainder: every rounded-up share had a remainder ≥ every rounded-down one.
        if (W > 0n) {
          const n = BigInt(net);
          const up = result.shares.filter((s) => BigInt(s.shareFen) * W > s.weight * n).map((s) => (s.weight * n) % W);
          const down = result.shares.filter((s) => BigInt(s.shareFen) * W <= s.weight * n).map((s) => (s.weight * n) % W);
          if (up.length > 0 && down.length > 0) {
            const minUp = up.reduce((a, b) => (a < b ? a : b));
            const maxDown = down.reduce((a, b) => (a > b ? a : b));
            expect(minUp >= maxDown).toBe(true);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
