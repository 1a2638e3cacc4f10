/**
 * What a user's input may hold: times, values and names within bounds, so that one stray field is
 * an error naming it rather than a hang, a crash or a silently wrong result.
 *
 * - Times lie in a plausible window, 2006-01-01 to 2100-01-01 UTC: before it is no Kafka cluster
 *   (2011), CloudWatch metric (2009) or LaunchDarkly flag (2014); after it is a typo. The window
 *   tells epoch seconds from epoch milliseconds: seconds in the window are 1.1e9 to 4.1e9,
 *   milliseconds 1.1e12 to 4.1e12, so a number in the wrong unit is named as such, never read as
 *   January 1970 or the year 58000 (a replay of that span would never end).
 * - Time text is ISO 8601 (`2025-08-28T14:00:00Z`, an offset, or none: UTC), never what
 *   `Date.parse` would otherwise make of "0" (2000-01-01) or "March 7".
 * - Values: rates and counts within ±1e12 (a million times any broker's), percentages within
 *   0..100. One absurd point (1e100) would otherwise set the detector's floor for a whole series
 *   and hide a storm; ±1e308 would overflow its variance into Infinity and NaN in the saved state.
 * - Names that become keys (series, decisions, files) are bounded: every key fits DynamoDB's
 *   1024-byte sort key and a file name.
 *
 * Pure, and linear in the input: no regular expression is built from input, and none backtracks.
 */

/** 2006-01-01T00:00:00Z */
export const EARLIEST_TIME = Date.UTC(2006, 0, 1);
/** 2100-01-01T00:00:00Z */
export const LATEST_TIME = Date.UTC(2100, 0, 1);
const WINDOW = '2006-01-01 .. 2100-01-01 UTC';

/** Largest magnitude of a rate or a count. */
export const MAX_MAGNITUDE = 1e12;

/** The longest GetMetricData `Label` read: far above any dynamic label of a metric and its dimensions. */
export const MAX_LABEL_LENGTH = 2048;
/** The longest name or identifier (a cluster, a dimension value, a flag or environment key, an id). */
export const MAX_NAME_LENGTH = 256;

export function isPlausibleTime(time: number): boolean {
  return Number.isFinite(time) && time >= EARLIEST_TIME && time < LATEST_TIME;
}

/** What a time field accepts besides ISO 8601 text: epoch milliseconds, epoch seconds, or nothing else. */
export type EpochUnit = 'ms' | 's' | 'none';

/** A time read from a field, or why not (a message for an InputError naming that field). */
export type TimeReading = { readonly time: number } | { readonly problem: string };

/**
 * Reads a time: ISO 8601 text, or a number in `epoch` units; within the plausible window. A number
 * in the other unit is named ("looks like epoch seconds") rather than guessed.
 */
export function readTime(value: unknown, epoch: EpochUnit): TimeReading {
  if (typeof value === 'string') {
    const time = parseIsoTime(value);
    if (time === undefined)
      return {
        problem: `expected an ISO 8601 time such as 2025-08-28T14:00:00Z${epoch === 'none' ? '' : ` or epoch ${unitName(epoch)}`}, got ${quote(value)}`,
      };
    return isPlausibleTime(time) ? { time } : { problem: `${quote(value)} is outside the plausible window ${WINDOW}` };
  }
  if (typeof value !== 'number' || epoch === 'none') {
    return { problem: `expected an ISO 8601 time${epoch === 'none' ? '' : ` or epoch ${unitName(epoch)}`}, got ${quote(value)}` };
  }
  if (!Number.isFinite(value)) return { problem: `expected epoch ${unitName(epoch)}, got ${String(value)}` };
  const time = epoch === 'ms' ? value : value * 1000;
  if (isPlausibleTime(time)) return { time };
  const other: EpochUnit = epoch === 'ms' ? 's' : 'ms';
  const asOther = other === 'ms' ? value : value * 1000;
  if (isPlausibleTime(asOther)) {
    return { problem: `${value} looks like epoch ${unitName(other)} (${isoOf(asOther)}); expected epoch ${unitName(epoch)}` };
  }
  return { problem: `${value} (epoch ${unitName(epoch)}) is outside the plausible window ${WINDOW}` };
}

function unitName(unit: EpochUnit): string {
  return unit === 'ms' ? 'milliseconds' : 'seconds';
}

function isoOf(time: number): string {
  return new Date(time).toISOString().replace('.000Z', 'Z');
}

/**
 * ISO 8601 date or date-time: `YYYY-MM-DD`, then optionally `T` (or a space) and `HH:MM`,
 * `:SS`, a fraction, and `Z` or an offset (`+02:00`, `+0200`, `+02`). Without an offset, UTC.
 * Read character by character, the calendar checked (no 2025-02-30), never handed to Date.parse
 * (which makes a time of "0", "March 7" or "2025").
 */
export function parseIsoTime(text: string): number | undefined {
  const s = text.trim();
  if (s.length < 10 || s.length > 40) return undefined;
  let i = 0;
  const number = (n: number): number => {
    let value = 0;
    for (let k = 0; k < n; k++, i++) {
      const code = s.charCodeAt(i);
      if (!(code >= 48 && code <= 57)) return Number.NaN;
      value = value * 10 + code - 48;
    }
    return value;
  };
  const char = (c: string): boolean => (s[i] === c ? (i++, true) : false);
  const year = number(4);
  if (!char('-')) return undefined;
  const month = number(2);
  if (!char('-')) return undefined;
  const day = number(2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month))) return undefined;
  let [hours, minutes, seconds, millis, offset] = [0, 0, 0, 0, 0];
  if (i < s.length) {
    if (!(char('T') || char('t') || char(' '))) return undefined;
    hours = number(2);
    if (!char(':')) return undefined;
    minutes = number(2);
    if (char(':')) {
      seconds = number(2);
      if (char('.') || char(',')) {
        const start = i;
        let fraction = 0;
        for (; i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++)
          if (i - start < 3) fraction = fraction * 10 + s.charCodeAt(i) - 48;
        if (i === start || i - start > 9) return undefined;
        millis = fraction * 10 ** Math.max(0, 3 - (i - start));
      }
    }
    if (!(hours <= 23 && minutes <= 59 && seconds <= 59)) return undefined;
    if (i < s.length && !(char('Z') || char('z'))) {
      const sign = s[i] === '+' ? 1 : s[i] === '-' ? -1 : 0;
      if (sign === 0) return undefined;
      i++;
      const offsetHours = number(2);
      let offsetMinutes = 0;
      if (i < s.length) {
        char(':');
        offsetMinutes = number(2);
      }
      if (!(offsetHours <= 23 && offsetMinutes <= 59)) return undefined;
      offset = sign * (offsetHours * 60 + offsetMinutes) * 60_000;
    }
  }
  if (i !== s.length || !Number.isFinite(year + hours + minutes + seconds)) return undefined;
  const time = Date.UTC(year, month - 1, day, hours, minutes, seconds, millis) - offset;
  // Date.UTC reads years 0..99 as 1900..1999; such years are outside the window anyway.
  return year < 100 ? undefined : time;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** What a series' values mean, as far as their bounds go: `percent` lies in 0..100; the rest within ±MAX_MAGNITUDE. */
export type ValueKind = 'rate' | 'count' | 'percent';

/** Why a value is out of bounds for its kind, or undefined when it is fine. */
export function valueProblem(value: number, kind: ValueKind | undefined): string | undefined {
  if (!Number.isFinite(value)) return `${String(value)} is not a finite number`;
  if (kind === 'percent') return value < 0 || value > 100 ? `${value} is not a percentage (0..100)` : undefined;
  return Math.abs(value) > MAX_MAGNITUDE ? `${value} is beyond ±${MAX_MAGNITUDE} (no broker's ${kind ?? 'metric'} is)` : undefined;
}

/** Decimal text: a sign, digits with a fraction, an exponent. Unambiguous, so it never backtracks. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * A finite number written in decimal, or undefined. `Number` alone also reads hex (`0x10` is 16),
 * binary (`0b11`), octal and blank text (0): a value nobody wrote, taken without a word.
 */
export function readDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * A value for a message: JSON of a string, number or boolean (at most 80 characters of it), the
 * shape of anything else. Never walks an object: a deeply nested one would overflow the stack.
 */
export function quote(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') {
    const text = JSON.stringify(value.length > 100 ? value.slice(0, 100) : value);
    return text.length > 80 || value.length > 100 ? `${text.slice(0, 77)}…` : text;
  }
  return String(value).slice(0, 80);
}
