/**
 * The heap forecaster: how long until a percentage reaches its limit, at the slope of its recent
 * points (least squares over a window).
 *
 * Heap after GC follows a producer storm slowly (producer state lives for a day), so a level alarm
 * fires late; the time left at the current slope fires while there is still time to act.
 *
 * Cost: O(window) per forecast, O(window) memory per series.
 */
import { linearRegression } from 'simple-statistics';

export interface ForecastState {
  times: number[];
  values: number[];
}

export interface Forecast {
  /** Percentage points per hour. */
  readonly slopePerHour: number;
  /** Milliseconds until the limit at this slope; 0 when already there; Infinity when not rising. */
  readonly msToLimit: number;
}

const HOUR_MS = 3_600_000;

export function newForecastState(): ForecastState {
  return { times: [], values: [] };
}

/** Keeps the newest `window` points. */
export function recordForForecast(state: ForecastState, window: number, time: number, value: number): void {
  state.times.push(time);
  state.values.push(value);
  if (state.times.length > window) {
    state.times.shift();
    state.values.shift();
  }
}

/** The forecast, or undefined until the window is full. */
export function forecastToLimit(state: ForecastState, window: number, limit: number): Forecast | undefined {
  const n = state.times.length;
  if (n < window) return undefined;
  const origin = state.times[0]!;
  // Hours since the window's start keep the regression well conditioned.
  const points = state.times.map((t, i) => [(t - origin) / HOUR_MS, state.values[i]!]);
  const { m: slopePerHour, b } = linearRegression(points);
  const hoursNow = (state.times[n - 1]! - origin) / HOUR_MS;
  const fitted = b + slopePerHour * hoursNow;
  if (fitted >= limit) return { slopePerHour, msToLimit: 0 };
  if (slopePerHour <= 0) return { slopePerHour, msToLimit: Infinity };
  return { slopePerHour, msToLimit: ((limit - fitted) / slopePerHour) * HOUR_MS };
}
