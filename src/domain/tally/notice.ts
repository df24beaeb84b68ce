/**
 * The notice period before a vote (物业管理条例 art. 14; rules.md §3).
 *
 * "At least 15 days before" counts whole days and the notice day itself does not count: a
 * notice posted on 1 March leaves 2–16 March as the 15 days, so voting may open on 17 March
 * at the earliest (worked example T12).
 *
 * Dates are Beijing calendar dates written `YYYY-MM-DD`. The arithmetic is on day numbers of
 * the proleptic Gregorian calendar, with no clock and no time zone, so it cannot shift by a
 * day on a server running in UTC.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number) =>
  m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;

/**
 * Day number of a civil date (1970-01-01 is 0), after H. Hinnant's `days_from_civil`:
 * years start in March so the leap day is the last day of the shifted year.
 */
function dayNumber(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of {@link dayNumber}. */
function civilDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

/**
 * Parses a `YYYY-MM-DD` calendar date into a day number.
 *
 * @throws RangeError when the text is not such a date or the date does not exist (2026-02-30).
 */
function parseDate(text: string, what: string): number {
  const match = DATE.exec(text);
  if (!match) throw new RangeError(`${what} "${text}" is not a date in the form YYYY-MM-DD`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) {
    throw new RangeError(`${what} "${text}" is not a real calendar date`);
  }
  return dayNumber(y, m, d);
}

function checkDays(noticeDays: number): void {
  if (!Number.isSafeInteger(noticeDays) || noticeDays < 0) {
    throw new RangeError(`notice days must be a whole number ≥ 0, got ${noticeDays}`);
  }
}

/**
 * The earliest date voting may open after a notice: the notice day does not count, then
 * `noticeDays` whole days must pass. `earliestOpening('2026-03-01', 15)` is `'2026-03-17'`.
 *
 * @throws RangeError on a malformed or impossible date, or negative / fractional days.
 */
export function earliestOpening(noticeDate: string, noticeDays: number): string {
  checkDays(noticeDays);
  return civilDate(parseDate(noticeDate, 'notice date') + noticeDays + 1);
}

/**
 * Whether voting may open on `openingDate` after a notice posted on `noticeDate`.
 *
 * @throws RangeError on a malformed or impossible date, or negative / fractional days.
 */
export function canOpen(noticeDate: string, openingDate: string, noticeDays: number): boolean {
  checkDays(noticeDays);
  const earliest = parseDate(noticeDate, 'notice date') + noticeDays + 1;
  return parseDate(openingDate, 'opening date') >= earliest;
}
