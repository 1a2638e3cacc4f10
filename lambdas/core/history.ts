/**
 * A bounded history of one series' scored values (log values for rates and counts), kept so the
 * correlator can compare a signal before and after each release, and the heap forecast can fit
 * its newest points.
 *
 * The newest FULL_POINTS points are kept as they came; older ones are kept as the median of each
 * BLOCK of points, which is what the correlator computes over anyway: the default 780 minutes
 * take 252 values, not 780. Cost: O(FULL_POINTS) per point at worst; O(capacity / BLOCK) memory.
 */
import { median } from 'simple-statistics';

export interface History {
  times: number[];
  values: number[];
  /** How many leading points are medians of BLOCK points. */
  compacted: number;
}

/** Points kept at full resolution: more than any window near now (forecast, a fresh release's response). */
export const FULL_POINTS = 120;
/** Older points become one median per this many. */
const BLOCK = 5;

export function newHistory(): History {
  return { times: [], values: [], compacted: 0 };
}

/** Adds a point; keeps at most `capacity` points' worth of time (a median counts for BLOCK). */
export function remember(history: History, capacity: number, time: number, value: number): void {
  history.times.push(time);
  history.values.push(value);
  const start = history.compacted;
  if (history.times.length - start >= FULL_POINTS + BLOCK) {
    // The oldest BLOCK full-resolution points become one: their middle time, their median value.
    const values = history.values.slice(start, start + BLOCK);
    history.times.splice(start, BLOCK, history.times[start + (BLOCK >> 1)]!);
    history.values.splice(start, BLOCK, median(values));
    history.compacted++;
  }
  while (history.compacted * BLOCK + (history.times.length - history.compacted) > capacity && history.times.length > 0) {
    history.times.shift();
    history.values.shift();
    if (history.compacted > 0) history.compacted--;
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
