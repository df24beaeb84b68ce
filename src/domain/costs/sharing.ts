/**
 * Cost sharing of an elevator retrofit (加装电梯费用分摊), rules.md §4:
 *
 *   share_i = coef(floor_i) · area_i / Σ(coef · area) · (cost − subsidy)
 *
 * rounded to whole fen by the largest remainder method so that the shares add up exactly to
 * cost − subsidy (worked example T11 in rules.md §6).
 *
 * Everything is integer arithmetic: money is integer fen (分), areas integer hundredths of m²,
 * and the per-floor coefficients are parsed from their decimal text into integer
 * ten-thousandths. A unit's weight coef·area, and weight·net, are computed in BigInt, so no
 * product can overflow and no float ever enters the computation.
 */

import { formatAreaCents } from '../register/area.ts';

/** One exclusive part that pays a share: its floor and its area in hundredths of m². */
export interface CostUnit {
  partId: string;
  floor: number;
  areaCents: number;
}

/**
 * The editable per-floor table: floor → coefficient as a decimal string with at most four
 * decimals, e.g. `{ 1: '0', 2: '0', 3: '0.7', 4: '0.8', 5: '0.9', 6: '1.0' }`.
 */
export type FloorCoefficients = Record<number, string>;

/** One unit's result. `weight` is coef × 10⁴ × areaCents (the exact integer weight). */
export interface CostShare {
  partId: string;
  floor: number;
  weight: bigint;
  shareFen: number;
}

export interface CostSharingResult {
  /** In the order of the input units. */
  shares: CostShare[];
  /** Σ shareFen; always equal to `netFen` (returned so a display can print the check total). */
  totalFen: number;
  /** cost − subsidy. */
  netFen: number;
}

/** Coefficients are stored as integers: the decimal value × 10⁴. */
export const COEFFICIENT_SCALE = 10_000;

/** At most this many integer digits in a coefficient (keeps the scaled value a safe integer). */
const MAX_COEFFICIENT_INT_DIGITS = 9;

/** Why a coefficient table was refused. */
export type CoefficientReason = 'malformed' | 'too_large' | 'missing' | 'bad_floor';

/** Thrown for a bad entry of the coefficient table, or a floor that has none. Names the floor. */
export class CoefficientError extends Error {
  readonly reason: CoefficientReason;
  /** The floor concerned; for `bad_floor`, the table key as given. */
  readonly floor: number | string;
  /** The coefficient text as given (undefined for `missing` / `bad_floor`). */
  readonly input: string | undefined;

  constructor(reason: CoefficientReason, floor: number | string, input?: string) {
    super(COEFFICIENT_ERROR_TEXT[reason](floor, input));
    this.name = 'CoefficientError';
    this.reason = reason;
    this.floor = floor;
    this.input = input;
  }
}

const COEFFICIENT_ERROR_TEXT: Record<CoefficientReason, (floor: number | string, input?: string) => string> = {
  malformed: (floor, input) =>
    `coefficient of floor ${floor} ("${input}") is not a non-negative decimal with at most 4 decimal places`,
  too_large: (floor, input) =>
    `coefficient of floor ${floor} ("${input}") has more than ${MAX_COEFFICIENT_INT_DIGITS} integer digits`,
  missing: (floor) => `no coefficient for floor ${floor}`,
  bad_floor: (floor) => `coefficient table key "${floor}" is not an integer floor number`,
};

/** Why the sharing itself was refused. */
export type CostSharingReason =
  | 'invalid_amount'
  | 'subsidy_exceeds_cost'
  | 'invalid_unit'
  | 'duplicate_part'
  | 'no_weight';

/** Thrown by {@link shareCosts} for amounts or units it cannot share. */
export class CostSharingError extends Error {
  readonly reason: CostSharingReason;

  constructor(reason: CostSharingReason, message: string) {
    super(message);
    this.name = 'CostSharingError';
    this.reason = reason;
  }
}

// "0", "0.7", "1.0", "0.8500", ".7"; no sign, no exponent, no "1." form.
const DECIMAL_COEFFICIENT = /^(?:(\d+)(?:\.(\d{1,4}))?|\.(\d{1,4}))$/;
const INTEGER_KEY = /^-?(?:0|[1-9]\d*)$/;

/**
 * Parses one coefficient ("0.7") into integer ten-thousandths (7000). Whitespace around the
 * text is ignored.
 *
 * @throws CoefficientError `malformed` or `too_large`, naming `floor`.
 */
export function parseCoefficient(text: string, floor: number): number {
  if (typeof text !== 'string') throw new CoefficientError('malformed', floor, String(text));
  const match = DECIMAL_COEFFICIENT.exec(text.trim());
  if (!match) throw new CoefficientError('malformed', floor, text);
  const intDigits = (match[1] ?? '').replace(/^0+/, '');
  const fracDigits = (match[2] ?? match[3] ?? '').padEnd(4, '0');
  if (intDigits.length > MAX_COEFFICIENT_INT_DIGITS) throw new CoefficientError('too_large', floor, text);
  return Number(intDigits + fracDigits);
}

/**
 * Parses the whole table (every entry, used or not, so a typo is reported at once) into
 * floor → coefficient × 10⁴.
 *
 * @throws CoefficientError `bad_floor` for a key that is not an integer, else as
 *   {@link parseCoefficient}.
 */
export function parseCoefficients(coefficients: FloorCoefficients): Map<number, number> {
  const parsed = new Map<number, number>();
  for (const [key, text] of Object.entries(coefficients)) {
    if (!INTEGER_KEY.test(key) || !Number.isSafeInteger(Number(key))) {
      throw new CoefficientError('bad_floor', key);
    }
    const floor = Number(key);
    parsed.set(floor, parseCoefficient(text, floor));
  }
  return parsed;
}

function checkAmount(name: string, fen: number): void {
  if (!Number.isSafeInteger(fen) || fen < 0) {
    throw new CostSharingError('invalid_amount', `${name} must be a non-negative integer number of fen, got ${fen}`);
  }
}

/**
 * Shares `costFen − subsidyFen` among `units` in proportion to coef(floor) × area.
 *
 * Rounding (largest remainder / Hamilton): every unit first gets ⌊weight·net / W⌋ fen
 * (W = Σ weight); the fen still missing (fewer than the number of units with a non-zero
 * remainder) go one each to the units with the largest remainders weight·net mod W. Ties in
 * the remainder are broken deterministically: the larger weight first, then the smaller
 * partId in plain code-unit string order (`<`, not locale collation). Hence every share is
 * within one fen of its exact value, zero-weight units always pay 0, and the result does not
 * depend on the order of `units` (shares are returned in input order).
 *
 * With net = 0 every share is 0 (even if all weights are 0 or `units` is empty).
 *
 * @throws CostSharingError `invalid_amount` (not a non-negative safe integer),
 *   `subsidy_exceeds_cost`, `invalid_unit` (bad partId, floor or area), `duplicate_part`,
 *   `no_weight` (Σ weight = 0 while net > 0).
 * @throws CoefficientError for a malformed table or a unit's floor without a coefficient.
 */
export function shareCosts(
  units: CostUnit[],
  coefficients: FloorCoefficients,
  costFen: number,
  subsidyFen: number,
): CostSharingResult {
  checkAmount('cost', costFen);
  checkAmount('subsidy', subsidyFen);
  if (subsidyFen > costFen) {
    throw new CostSharingError(
      'subsidy_exceeds_cost',
      `subsidy ${formatFen(subsidyFen)} exceeds cost ${formatFen(costFen)}`,
    );
  }
  const netFen = costFen - subsidyFen;
  const table = parseCoefficients(coefficients);

  const seen = new Set<string>();
  const weights: bigint[] = [];
  for (const unit of units) {
    if (typeof unit.partId !== 'string' || unit.partId === '') {
      throw new CostSharingError('invalid_unit', `a unit has no partId`);
    }
    if (seen.has(unit.partId)) {
      throw new CostSharingError('duplicate_part', `part "${unit.partId}" appears more than once`);
    }
    seen.add(unit.partId);
    if (!Number.isSafeInteger(unit.floor)) {
      throw new CostSharingError('invalid_unit', `part "${unit.partId}": floor ${unit.floor} is not an integer`);
    }
    if (!Number.isSafeInteger(unit.areaCents) || unit.areaCents <= 0) {
      throw new CostSharingError(
        'invalid_unit',
        `part "${unit.partId}": area must be a positive integer number of hundredths of m², got ${unit.areaCents}`,
      );
    }
    const coef = table.get(unit.floor);
    if (coef === undefined) throw new CoefficientError('missing', unit.floor);
    weights.push(BigInt(coef) * BigInt(unit.areaCents));
  }

  const totalWeight = weights.reduce((a, b) => a + b, 0n);
  if (totalWeight === 0n) {
    if (netFen > 0) {
      throw new CostSharingError(
        'no_weight',
        `cannot share ${formatFen(netFen)}: every unit has coefficient 0 (or there are no units)`,
      );
    }
    return {
      shares: units.map((u) => ({ partId: u.partId, floor: u.floor, weight: 0n, shareFen: 0 })),
      totalFen: 0,
      netFen,
    };
  }

  const net = BigInt(netFen);
  const quotas = weights.map((w) => {
    const exact = w * net;
    return { floor: exact / totalWeight, remainder: exact % totalWeight };
  });
  const allotted = quotas.reduce((a, q) => a + q.floor, 0n);
  let leftover = Number(net - allotted); // 0 ≤ leftover < units.length

  const order = units.map((_, i) => i);
  order.sort((a, b) => {
    const ra = quotas[a].remainder;
    const rb = quotas[b].remainder;
    if (ra !== rb) return ra > rb ? -1 : 1;
    if (weights[a] !== weights[b]) return weights[a] > weights[b] ? -1 : 1;
    const pa = units[a].partId;
    const pb = units[b].partId;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
  const extra = new Array<number>(units.length).fill(0);
  for (const i of order) {
    if (leftover === 0) break;
    extra[i] = 1;
    leftover -= 1;
  }

  const shares = units.map((u, i) => ({
    partId: u.partId,
    floor: u.floor,
    weight: weights[i],
    shareFen: Number(quotas[i].floor) + extra[i],
  }));
  const totalFen = shares.reduce((a, s) => a + s.shareFen, 0);
  return { shares, totalFen, netFen };
}

function checkFen(fen: number): void {
  if (!Number.isSafeInteger(fen)) {
    throw new RangeError(`amount must be an integer number of fen, got ${fen}`);
  }
}

/**
 * Formats integer fen as yuan with thousands separators and two decimals:
 * 4117647 → "41,176.47", 5 → "0.05", -123456 → "-1,234.56".
 *
 * @throws RangeError when `fen` is not a safe integer.
 */
export function formatFen(fen: number): string {
  const plain = formatFenPlain(fen);
  const [intPart, fracPart] = plain.split('.');
  const sign = intPart.startsWith('-') ? '-' : '';
  const digits = sign ? intPart.slice(1) : intPart;
  return `${sign}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}.${fracPart}`;
}

/**
 * Formats integer fen as yuan with two decimals and no separators: 4117647 → "41176.47".
 *
 * @throws RangeError when `fen` is not a safe integer.
 */
export function formatFenPlain(fen: number): string {
  checkFen(fen);
  return formatAreaCents(fen);
}
