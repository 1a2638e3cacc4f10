/**
 * Which periods the Prometheus source asks for, and where it stamps what comes back: a value
 * evaluated at a period's last millisecond is that period's, stamped at its start, as CloudWatch
 * stamps it.
 */
import { describe, expect, it } from 'vitest';
import { MAX_STEPS_PER_QUERY, stepWindows } from '../../../lambdas/adapters/prometheus/metric-source.ts';
import { periodEndingAt } from '../../../lambdas/adapters/prometheus/series.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');

/** Every evaluation time of the windows, in order. */
const evaluations = (windows: Array<[number, number]>) =>
  windows.flatMap(([start, end]) => Array.from({ length: (end - start) / MINUTE + 1 }, (_, i) => start + i * MINUTE));

describe('stepWindows and periodEndingAt', () => {
  it('read the first period, [from, from + step), and the last complete by `to`, each at its last millisecond', () => {
    const windows = stepWindows(t0 - 1, t0 + 10 * MINUTE, MINUTE);
    expect(windows).toEqual([[t0 + MINUTE - 1, t0 + 10 * MINUTE - 1]]);
    expect(evaluations(windows).map((time) => periodEndingAt(time, MINUTE))).toEqual(Array.from({ length: 10 }, (_, i) => t0 + i * MINUTE));
    // A period that starts at `from` is not after it; one not over by `to` is not complete.
    expect(stepWindows(t0, t0 + MINUTE, MINUTE)).toEqual([]);
    expect(stepWindows(t0 - 1, t0 + MINUTE - 1, MINUTE)).toEqual([]);
    expect(stepWindows(t0 + 30_000, t0 + 150_000, MINUTE)).toEqual([[t0 + 2 * MINUTE - 1, t0 + 2 * MINUTE - 1]]);
  });

  it('stamp a value at the start of the period it covers, whether evaluated at its last millisecond or its end', () => {
    expect(periodEndingAt(t0 + MINUTE - 1, MINUTE)).toBe(t0);
    expect(periodEndingAt(t0 + MINUTE, MINUTE)).toBe(t0);
    expect(periodEndingAt(t0 + MINUTE + 1, MINUTE)).toBe(t0 + MINUTE);
  });

  it('split a long range under the 11,000-point limit, with no period left out or read twice', () => {
    const day = 86_400_000;
    const windows = stepWindows(t0 - 1, t0 + 8 * day, MINUTE);
    expect(windows.length).toBeGreaterThan(1);
    expect(windows.every(([start, end]) => (end - start) / MINUTE + 1 <= MAX_STEPS_PER_QUERY)).toBe(true);
    for (const [i, [start]] of windows.entries()) if (i > 0) expect(start - windows[i - 1]![1]).toBe(MINUTE);
    const periods = evaluations(windows).map((time) => periodEndingAt(time, MINUTE));
    expect(periods).toEqual(Array.from({ length: (8 * day) / MINUTE }, (_, i) => t0 + i * MINUTE));
  });
});
