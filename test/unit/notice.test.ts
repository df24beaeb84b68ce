import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canOpen, earliestOpening } from '../../src/domain/tally/notice.ts';

describe('notice period (物业管理条例 art. 14, rules.md §3)', () => {
  it('T12: a notice posted on 1 March with 15 days allows opening on 17 March at the earliest', () => {
    expect(earliestOpening('2026-03-01', 15)).toBe('2026-03-17');
    expect(canOpen('2026-03-01', '2026-03-16', 15)).toBe(false);
    expect(canOpen('2026-03-01', '2026-03-17', 15)).toBe(true);
    expect(canOpen('2026-03-01', '2026-04-01', 15)).toBe(true);
    expect(canOpen('2026-03-01', '2026-03-01', 15)).toBe(false);
  });

  it.each([
    ['2026-02-20', 15, '2026-03-08'], // across February of a common year
    ['2028-02-20', 15, '2028-03-07'], // leap year: 29 February exists
    ['2100-02-20', 15, '2100-03-08'], // 2100 is not a leap year
    ['2000-02-20', 15, '2000-03-07'], // 2000 is
    ['2026-12-20', 15, '2027-01-05'], // across the year end
    ['2026-03-01', 0, '2026-03-02'], // even with no notice days, not on the notice day itself
    ['2026-03-01', 7, '2026-03-09'], // a shorter extraordinary notice (setting)
  ])('notice %s + %i days → %s', (notice, days, earliest) => {
    expect(earliestOpening(notice, days)).toBe(earliest);
  });

  it('earliestOpening is the first day canOpen accepts', () => {
    const date = fc
      .record({ y: fc.integer({ min: 1900, max: 2200 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) })
      .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
    fc.assert(
      fc.property(date, fc.integer({ min: 0, max: 400 }), (notice, days) => {
        const earliest = earliestOpening(notice, days);
        expect(canOpen(notice, earliest, days)).toBe(true);
        // The day before is refused (computed independently through UTC midnight, which has no DST).
        const before = new Date(Date.parse(`${earliest}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
        expect(canOpen(notice, before, days)).toBe(false);
        // And the gap is exactly days + 1 calendar days.
        expect((Date.parse(`${earliest}T00:00:00Z`) - Date.parse(`${notice}T00:00:00Z`)) / 86_400_000).toBe(days + 1);
      }),
    );
  });

  it.each([
    ['2026-3-1', 15],
    ['2026-02-30', 15],
    ['2027-02-29', 15],
    ['2026-13-01', 15],
    ['01/03/2026', 15],
    ['2026-03-01', -1],
    ['2026-03-01', 1.5],
  ])('refuses %j with %s days', (notice, days) => {
    expect(() => earliestOpening(notice, days)).toThrow(RangeError);
    expect(() => canOpen(notice, '2026-04-01', days)).toThrow(RangeError);
  });

  it('refuses a malformed opening date', () => {
    expect(() => canOpen('2026-03-01', '2026-04-31', 15)).toThrow(/opening date/);
  });
});
