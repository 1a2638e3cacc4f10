import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatClock,
  formatDayClock,
  formatDuration,
  formatEffect,
  formatNumber,
  formatPercent,
  formatTime,
  nabScore,
} from '../../../lambdas/core/format.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('formatTime and formatClock', () => {
  it('write UTC to the minute, whatever the local time zone', () => {
    const time = Date.parse('2025-08-28T13:02:00Z');
    expect(formatTime(time)).toBe('2025-08-28 13:02 UTC');
    expect(formatClock(time)).toBe('13:02');
  });

  it('say the day beside the clock where a listing spans days', () => {
    expect(formatDayClock(Date.parse('2025-08-27T16:00:59Z'))).toBe('08-27 16:00');
    expect(formatDayClock(Number.NaN)).toBe('(time NaN)');
  });

  it('truncate to the minute, as a clock does (never round up into the next minute)', () => {
    const time = Date.parse('2025-08-28T13:02:59.999Z');
    expect(formatTime(time)).toBe('2025-08-28 13:02 UTC');
    expect(formatClock(time)).toBe('13:02');
  });

  it('write midnight, the epoch and a year boundary', () => {
    expect(formatTime(0)).toBe('1970-01-01 00:00 UTC');
    expect(formatClock(Date.parse('2025-08-29T00:00:00Z'))).toBe('00:00');
    expect(formatTime(Date.parse('2025-12-31T23:59:30Z'))).toBe('2025-12-31 23:59 UTC');
  });
});

describe('formatDuration', () => {
  it('writes seconds under a minute, rounded', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(45 * SECOND)).toBe('45 s');
    expect(formatDuration(1_500)).toBe('2 s');
    expect(formatDuration(499)).toBe('0 s'); // sub-second
    expect(formatDuration(59 * SECOND)).toBe('59 s');
  });

  it('writes minutes, rounded, from a minute', () => {
    expect(formatDuration(MINUTE)).toBe('1 min');
    expect(formatDuration(3 * MINUTE)).toBe('3 min');
    expect(formatDuration(89_999)).toBe('1 min');
    expect(formatDuration(90 * SECOND)).toBe('2 min');
  });

  it('writes hours and minutes, leaving out zero minutes', () => {
    expect(formatDuration(5 * HOUR + 44 * MINUTE)).toBe('5 h 44 min');
    expect(formatDuration(HOUR)).toBe('1 h');
    expect(formatDuration(HOUR + MINUTE)).toBe('1 h 1 min');
    expect(formatDuration(HOUR - 1)).toBe('1 h'); // 59.99 min rounds to the hour
    expect(formatDuration(4 * HOUR + 36 * MINUTE)).toBe('4 h 36 min');
  });

  it('counts days in hours', () => {
    expect(formatDuration(DAY)).toBe('24 h');
    expect(formatDuration(2 * DAY + 90 * MINUTE)).toBe('49 h 30 min');
    expect(formatDuration(400 * DAY)).toBe('9600 h');
  });

  it('writes negative durations (a clock ahead) with a minus sign', () => {
    expect(formatDuration(-45 * SECOND)).toBe('-45 s');
    expect(formatDuration(-(HOUR + MINUTE))).toBe('-1 h 1 min');
    expect(formatDuration(-3 * MINUTE)).toBe('-3 min');
  });

  it('is symmetric about zero, beyond half a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 30 * DAY }), (ms) => {
        expect(formatDuration(-ms)).toBe(`-${formatDuration(ms)}`);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  // Found here: the seconds branch used to be chosen before rounding.
  it('writes 59.5 s as "1 min", not "60 s"', () => {
    expect(formatDuration(59_500)).toBe('1 min');
  });

  it('writes -0.4 s as "0 s", not "-0 s"', () => {
    expect(formatDuration(-400)).toBe('0 s');
  });
});

describe('formatNumber', () => {
  it('writes three significant digits, no exponent', () => {
    expect(formatNumber(15.234)).toBe('15.2');
    expect(formatNumber(0.031415)).toBe('0.0314');
    expect(formatNumber(5.95)).toBe('5.95');
    expect(formatNumber(0.5)).toBe('0.500');
    expect(formatNumber(1234.5)).toBe('1235'); // no decimals from a thousand up, and no exponent
    expect(formatNumber(1e9)).toBe('1000000000');
    expect(formatNumber(123_456_789.4)).toBe('123456789');
  });

  it('writes negative numbers alike', () => {
    expect(formatNumber(-15.234)).toBe('-15.2');
    expect(formatNumber(-0.031415)).toBe('-0.0314');
  });

  it('writes zero, and what is not finite, as is', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('Infinity');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });

  it('stops at six decimals: tiny numbers lose digits rather than take an exponent', () => {
    expect(formatNumber(0.000_001_234)).toBe('0.000001');
    expect(formatNumber(1e-9)).toBe('0.000000');
  });

  it('never writes an exponent, and keeps the value to within a unit of its last digit', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e15, noNaN: true }), fc.boolean(), (magnitude, negative) => {
        const value = negative ? -magnitude : magnitude;
        const text = formatNumber(value);
        expect(text).not.toMatch(/e/i);
        const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
        expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(10 ** -decimals / 2 + Math.abs(value) * 1e-15);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  // Found here: the decimals used to be chosen before rounding (99.96 read "100.0").
  it('writes 99.96 as "100", three significant digits', () => {
    expect(formatNumber(99.96)).toBe('100');
  });
});

describe('formatEffect', () => {
  it('writes a factor over baseline for log-scale signals', () => {
    expect(formatEffect(2.345, true)).toBe('2.3x baseline');
    expect(formatEffect(1, true)).toBe('1.0x baseline');
    expect(formatEffect(0.5, true)).toBe('0.5x baseline');
  });

  it('writes a signed difference in points for the others', () => {
    expect(formatEffect(12.34, false)).toBe('+12.3 points over baseline');
    expect(formatEffect(-3.21, false)).toBe('-3.2 points over baseline');
    expect(formatEffect(0, false)).toBe('+0.0 points over baseline');
  });
});

describe('formatPercent', () => {
  it('writes up to three decimals, without trailing zeros', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(1)).toBe('1%');
    expect(formatPercent(100)).toBe('100%');
    expect(formatPercent(0.5)).toBe('0.5%');
    expect(formatPercent(2.125)).toBe('2.125%');
    expect(formatPercent(12.3456)).toBe('12.346%');
    expect(formatPercent(1 / 3)).toBe('0.333%');
    expect(formatPercent(99.9999)).toBe('100%');
  });

  it("rounds below a thousandth of a percent (LaunchDarkly's resolution) away", () => {
    expect(formatPercent(0.0004)).toBe('0%');
    expect(formatPercent(0.0015)).toBe('0.002%');
  });

  it('writes negative percentages with a minus sign', () => {
    expect(formatPercent(-5)).toBe('-5%');
  });

  it('round-trips any percentage with at most three decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), (thousandths) => {
        const percent = thousandths / 1000;
        expect(Number(formatPercent(percent).slice(0, -1))).toBe(percent);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe('nabScore', () => {
  it('keeps twelve significant digits', () => {
    expect(nabScore(0.123_456_789_012_345)).toBe(0.123456789012);
    expect(nabScore(-12.345_678_901_234_567)).toBe(-12.3456789012);
    expect(nabScore(100)).toBe(100);
    expect(nabScore(0)).toBe(0);
  });
});
