/**
 * A bounded history of one series' scored values (log values for rates and counts), kept so the
 * correlator can compare a signal before and after each release.
 *
 * Cost: O(1) amortised per point; O(capacity) memory.
 */
import { linearRegression, median } from 'simple-statistics';

export interface History {
  times: number[];
  values: number[];
}

const HOUR_MS = 3_600_000;

export function newHistory(): History {
  return { times: [], values: [] };
}

export function remember(history: History, capacity: number, time: number, value: number): void {
  history.times.push(time);
  history.values.push(value);
  const excess = history.times.length - capacity;
  if (excess > capacity / 4) {
    // Trim in batches: shifting one element per point would make every point O(capacity).
    history.times.splice(0, excess);
    history.values.splice(0, excess);
  }
}

/** Values with from <= time < to. */
export function valuesBetween(history: History, from: number, to: number): number[] {
  const values: number[] = [];
  for (let i = 0; i < history.times.length; i++) {
    const time = history.times[i]!;
    if (time >= from && time < to) values.push(history.values[i]!);
  }
  return values;
}

/** The median value with from <= time < to, or undefined with fewer than `minPoints`. */
export function medianBetween(history: History, from: number, to: number, minPoints = 3): number | undefined {
  const values = valuesBetween(history, from, to);
  return values.length >= minPoints ? median(values) : undefined;
}

/** Least-squares slope per hour with from <= time < to, or undefined with fewer than `minPoints`. */
export function slopeBetween(history: History, from: number, to: number, minPoints = 10): number | undefined {
  const points: number[][] = [];
  for (let i = 0; i < history.times.length; i++) {
    const time = history.times[i]!;
    if (time >= from && time < to) points.push([(time - from) / HOUR_MS, history.values[i]!]);
  }
  return points.length >= minPoints ? linearRegression(points).m : undefined;
}
