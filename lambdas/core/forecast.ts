/**
 * The heap forecaster: how long until a percentage reaches its limit, at the slope of its newest
 * points (least squares over a window of the series' history).
 *
 * Heap after GC follows a producer storm slowly (producer state lives for a day), so a level alarm
 * fires late; the time left at the current slope fires while there is still time to act.
 *
 * Cost: O(window) per forecast; no state of its own.
 */
import { linearRegression } from 'simple-statistics';
import type { History } from './history.ts';

export interface Forecast {
  /** Percentage points per hour. */
  readonly slopePerHour: number;
  /** Milliseconds until the limit at this slope; 0 when already there; Infinity when not rising. */
  readonly msToLimit: number;
}

const HOUR_MS = 3_600_000;

/** The forecast from the newest `window` points, or undefined while there are fewer. */
export function forecastToLimit(history: History, window: number, limit: number): Forecast | undefined {
  const n = history.times.length;
  if (n < window) return undefined;
  const origin = history.times[n - window]!;
  // Hours since the window's start keep the regression well conditioned.
  const points: number[][] = [];
  for (let i = n - window; i < n; i++) points.push([(history.times[i]! - origin) / HOUR_MS, history.values[i]!]);
  const { m: slopePerHour, b } = linearRegression(points);
  const fitted = b + slopePerHour * ((history.times[n - 1]! - origin) / HOUR_MS);
  if (fitted >= limit) return { slopePerHour, msToLimit: 0 };
  if (slopePerHour <= 0) return { slopePerHour, msToLimit: Infinity };
  return { slopePerHour, msToLimit: ((limit - fitted) / slopePerHour) * HOUR_MS };
}
