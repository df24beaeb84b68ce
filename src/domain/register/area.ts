/**
 * Areas of exclusive parts (专有部分面积).
 *
 * Every area in linli is an integer number of hundredths of a square metre ("cents" of m²).
 * Thresholds of Civil Code art. 278 are compared by multiplying integers, so a float rounding
 * error could flip an outcome at the boundary; that is why parsing works on the digit string
 * and never goes through a JavaScript float.
 */

/** Largest accepted area of one part: 10,000,000 m², in hundredths. */
export const MAX_AREA_CENTS = 1_000_000_000;

/** Why an area text was refused. */
export type AreaFormatReason = 'malformed' | 'not_positive' | 'too_large';

/** Thrown by {@link parseAreaCents}; `reason` lets callers word the problem for the user. */
export class AreaFormatError extends Error {
  readonly reason: AreaFormatReason;
  /** The text as given (untrimmed), for error messages. */
  readonly input: string;

  constructor(reason: AreaFormatReason, input: string) {
    super(AREA_ERROR_TEXT[reason](input));
    this.name = 'AreaFormatError';
    this.reason = reason;
    this.input = input;
  }
}

const AREA_ERROR_TEXT: Record<AreaFormatReason, (input: string) => string> = {
  malformed: (input) => `area "${input}" is not a decimal number with at most 2 decimal places`,
  not_positive: (input) => `area "${input}" must be greater than 0`,
  too_large: (input) => `area "${input}" exceeds ${MAX_AREA_CENTS / 100} m²`,
};

// Optional minus sign is matched only so that "-5" is reported as "not positive" (what the
// organizer needs to hear) rather than as "malformed". No exponent, no "+", no bare "." forms.
const DECIMAL_AREA = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Parses an area in m² ("80", "80.5", "0.01") into integer hundredths (8000, 8050, 1).
 * Surrounding whitespace is ignored. Only ASCII digits, at most two decimal places.
 *
 * @throws AreaFormatError with reason `malformed` (not such a decimal), `not_positive`
 *   (zero or negative) or `too_large` (above {@link MAX_AREA_CENTS}).
 */
export function parseAreaCents(text: string): number {
  const match = DECIMAL_AREA.exec(text.trim());
  if (!match) throw new AreaFormatError('malformed', text);
  const [, sign, intDigits, fracDigits = ''] = match;

  const intPart = intDigits.replace(/^0+/, '');
  const fracPart = fracDigits.padEnd(2, '0');
  const isZero = intPart === '' && fracPart === '00';
  if (sign === '-' || isZero) throw new AreaFormatError('not_positive', text);

  // Decide "too large" on the digit count first so that a 400-digit string never reaches
  // Number(); 8 integer digits keep the value far below 2^53.
  if (intPart.length > 8) throw new AreaFormatError('too_large', text);
  const cents = Number(intPart + fracPart);
  if (cents > MAX_AREA_CENTS) throw new AreaFormatError('too_large', text);
  return cents;
}

/**
 * Formats integer hundredths of m² with exactly two decimals: 90000 → "900.00", 5 → "0.05",
 * -150 → "-1.50" (negative values occur for differences between two totals).
 *
 * @throws RangeError when `cents` is not a safe integer.
 */
export function formatAreaCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) {
    throw new RangeError(`area must be an integer number of hundredths, got ${cents}`);
  }
  const sign = cents < 0 ? '-' : '';
  const digits = String(Math.abs(cents)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
