import { describe, expect, it } from 'vitest';
import { forecastToLimit } from '../../../lambdas/core/forecast.ts';
import { newHistory, remember } from '../../../lambdas/core/history.ts';

const MINUTE = 60_000;

function fed(values: (minute: number) => number, count = 30) {
  const history = newHistory();
  for (let m = 0; m < count; m++) remember(history, 1000, m * MINUTE, values(m));
  return history;
}

describe('forecastToLimit', () => {
  it('waits for a full window', () => {
    expect(
      forecastToLimit(
        fed((m) => m, 29),
        30,
        90,
      ),
    ).toBeUndefined();
  });

  it('gives the time to the limit at the fitted slope', () => {
    // 10 points an hour from 50: at minute 29 the heap is at 54.83, so 90 is (90 - 54.83) / 10 h away.
    const forecast = forecastToLimit(
      fed((m) => 50 + m / 6),
      30,
      90,
    )!;
    expect(forecast.slopePerHour).toBeCloseTo(10, 9);
    expect(forecast.msToLimit / 3_600_000).toBeCloseTo((90 - (50 + 29 / 6)) / 10, 9);
  });

  it('is never for a flat or falling series, and now for one already past the limit', () => {
    expect(
      forecastToLimit(
        fed(() => 70),
        30,
        90,
      )!.msToLimit,
    ).toBe(Infinity);
    expect(
      forecastToLimit(
        fed((m) => 80 - m),
        30,
        90,
      )!.msToLimit,
    ).toBe(Infinity);
    expect(
      forecastToLimit(
        fed(() => 95),
        30,
        90,
      )!.msToLimit,
    ).toBe(0);
  });

  it('fits only the newest window of points', () => {
    // Flat for an hour, then rising 10 points an hour: the window sees only the rise.
    const forecast = forecastToLimit(
      fed((m) => (m < 60 ? 50 : 50 + (m - 60) / 6), 100),
      30,
      90,
    )!;
    expect(forecast.slopePerHour).toBeCloseTo(10, 9);
  });
});
