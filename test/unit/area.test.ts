import { describe, expect, it } from 'vitest';
import {
  AreaFormatError,
  MAX_AREA_CENTS,
  formatAreaCents,
  parseAreaCents,
  type AreaFormatReason,
} from '../../src/domain/register/area.ts';

describe('parseAreaCents', () => {
  it.each([
    ['80', 8000],
    ['80.5', 8050],
    ['80.50', 8050],
    ['80.05', 8005],
    ['0.01', 1],
    ['0.1', 10],
    ['007.25', 725],
    [' 89.35 ', 8935],
    ['10000000', MAX_AREA_CENTS],
    ['10000000.00', MAX_AREA_CENTS],
    ['9999999.99', MAX_AREA_CENTS - 1],
    // Classic float traps: 0.1 + 0.2 style values must come out exact.
    ['1.15', 115],
    ['4.35', 435],
  ])('%j → %i', (text, cents) => {
    expect(parseAreaCents(text)).toBe(cents);
  });

  it.each<[string, AreaFormatReason]>([
    ['', 'malformed'],
    ['   ', 'malformed'],
    ['abc', 'malformed'],
    ['1.234', 'malformed'],
    ['1e3', 'malformed'],
    ['+5', 'malformed'],
    ['5.', 'malformed'],
    ['.5', 'malformed'],
    ['1,000', 'malformed'],
    ['1 000', 'malformed'],
    ['８０', 'malformed'],
    ['NaN', 'malformed'],
    ['Infinity', 'malformed'],
    ['-5', 'not_positive'],
    ['-0.01', 'not_positive'],
    ['0', 'not_positive'],
    ['0.00', 'not_positive'],
    ['000.0', 'not_positive'],
    ['-0', 'not_positive'],
    ['10000000.01', 'too_large'],
    ['99999999', 'too_large'],
    ['1'.repeat(400), 'too_large'],
  ])('%j is refused as %s', (text, reason) => {
    let caught: unknown;
    try {
      parseAreaCents(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AreaFormatError);
    expect((caught as AreaFormatError).reason).toBe(reason);
    expect((caught as AreaFormatError).input).toBe(text);
  });
});

describe('formatAreaCents', () => {
  it.each([
    [90000, '900.00'],
    [5, '0.05'],
    [50, '0.50'],
    [0, '0.00'],
    [-0, '0.00'],
    [1, '0.01'],
    [8050, '80.50'],
    [MAX_AREA_CENTS, '10000000.00'],
    [-5, '-0.05'],
    [-150, '-1.50'],
    [-90000, '-900.00'],
  ])('%i → %s', (cents, text) => {
    expect(formatAreaCents(cents)).toBe(text);
  });

  it.each([0.5, NaN, Infinity, 2 ** 53])('refuses %d', (cents) => {
    expect(() => formatAreaCents(cents)).toThrow(RangeError);
  });

  it.each(['0.01', '80', '80.5', '123.45', '10000000'])('round-trips %s', (text) => {
    expect(parseAreaCents(formatAreaCents(parseAreaCents(text)))).toBe(parseAreaCents(text));
  });
});
