import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatClock, formatTime } from '../../../lambdas/core/format.ts';
import { EARLIEST_TIME, LATEST_TIME, parseIsoTime, readDecimal, readTime, valueProblem } from '../../../lambdas/core/input-bounds.ts';

const T = Date.parse('2025-08-28T14:00:00Z');

describe('times a user gives', () => {
  it('reads ISO 8601 with Z, an offset, or none (UTC), and a space for the T', () => {
    expect(parseIsoTime('2025-08-28T14:00:00Z')).toBe(T);
    expect(parseIsoTime('2025-08-28T14:00:00+00:00')).toBe(T);
    expect(parseIsoTime('2025-08-28T16:00:00+0200')).toBe(T);
    expect(parseIsoTime('2025-08-28T16:00+02')).toBe(T);
    expect(parseIsoTime('2025-08-28 14:00:00')).toBe(T);
    expect(parseIsoTime('2025-08-28T14:00:00.250Z')).toBe(T + 250);
    expect(parseIsoTime('2025-08-28T14:00:00.123456789Z')).toBe(T + 123);
    expect(parseIsoTime('2025-08-28')).toBe(Date.parse('2025-08-28T00:00:00Z'));
  });

  it('refuses what Date.parse would make something of: "0" (2000-01-01), "2025", "March 7", a 30th of February', () => {
    for (const text of [
      '0',
      '1',
      '2025',
      'March 7',
      'soon',
      '2025-02-30T00:00:00Z',
      '2025-02-29',
      '2025-13-01',
      '2025-01-01T24:00:00Z',
      '2025-08-28T14:00:00 UTC',
    ]) {
      expect(parseIsoTime(text), text).toBeUndefined();
    }
    expect(parseIsoTime('2024-02-29')).toBeDefined();
  });

  it('agrees with Date.parse wherever it accepts a string, on any date-time', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date(EARLIEST_TIME), max: new Date(LATEST_TIME - 1), noInvalidDate: true }), (date) => {
        expect(parseIsoTime(date.toISOString())).toBe(date.getTime());
      }),
      { seed: 12, numRuns: 500 },
    );
  });

  it('tells epoch seconds from milliseconds, and says which it looks like', () => {
    expect(readTime(T, 'ms')).toEqual({ time: T });
    expect(readTime(T / 1000, 's')).toEqual({ time: T });
    expect(readTime(T / 1000, 'ms')).toEqual({
      problem: '1756389600 looks like epoch seconds (2025-08-28T14:00:00Z); expected epoch milliseconds',
    });
    expect(readTime(T, 's')).toEqual({
      problem: '1756389600000 looks like epoch milliseconds (2025-08-28T14:00:00Z); expected epoch seconds',
    });
  });

  it('refuses times outside 2006..2100: a 1969 date, 0, a year 58000', () => {
    expect(readTime('1969-12-31T23:59:00Z', 'ms')).toEqual({
      problem: '"1969-12-31T23:59:00Z" is outside the plausible window 2006-01-01 .. 2100-01-01 UTC',
    });
    expect(readTime(0, 'ms')).toMatchObject({ problem: expect.stringMatching(/outside the plausible window/) });
    expect(readTime(T * 1000, 's')).toMatchObject({ problem: expect.stringMatching(/outside the plausible window/) });
    expect(readTime(1e100, 'ms')).toMatchObject({ problem: expect.stringMatching(/outside the plausible window/) });
    expect(readTime(Number.NaN, 'ms')).toMatchObject({ problem: expect.stringMatching(/expected epoch milliseconds/) });
    expect(readTime(true, 'ms')).toMatchObject({ problem: expect.stringMatching(/expected an ISO 8601 time/) });
  });

  it('never throws formatting a time, even one no Date holds', () => {
    expect(formatTime(1e20)).toBe('(time 100000000000000000000)');
    expect(formatClock(Number.NaN)).toBe('(time NaN)');
  });
});

describe('values a user gives', () => {
  it('bounds rates and counts to ±1e12 and percentages to 0..100', () => {
    expect(valueProblem(5e11, 'rate')).toBeUndefined();
    expect(valueProblem(1e100, 'rate')).toMatch(/beyond ±1000000000000/);
    expect(valueProblem(-1e308, 'count')).toMatch(/beyond/);
    expect(valueProblem(100, 'percent')).toBeUndefined();
    expect(valueProblem(100.5, 'percent')).toMatch(/not a percentage/);
    expect(valueProblem(-1, 'percent')).toMatch(/not a percentage/);
    expect(valueProblem(Number.POSITIVE_INFINITY, undefined)).toMatch(/not a finite number/);
  });

  it('reads decimal text only: never hex, binary, octal, blank or Infinity as Number() would', () => {
    for (const [text, value] of [
      ['1', 1],
      ['-2.5', -2.5],
      ['+3', 3],
      ['.5', 0.5],
      ['4.', 4],
      ['1e-5', 1e-5],
      ['2E+3', 2000],
    ] as const)
      expect(readDecimal(text)).toBe(value);
    for (const text of ['0x10', '0b11', '0o7', '', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '1,5', '1_000', '.', 'e5', '5e'])
      expect(readDecimal(text)).toBeUndefined();
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => readDecimal(String(x)) === x || Object.is(x, -0)));
  });
});
