/** The series state by cluster and signal: what the checks look a cluster's signal up in. */
import type { SeriesState } from './series.ts';

/** The series of each cluster and signal, by `indexKey`. */
export type SeriesIndex = ReadonlyMap<string, readonly SeriesState[]>;

export function indexKey(cluster: string, signal: string): string {
  return JSON.stringify([cluster, signal]);
}

export function seriesIndex(states: Readonly<Record<string, SeriesState>>): SeriesIndex {
  const index = new Map<string, SeriesState[]>();
  for (const s of Object.values(states)) {
    const key = indexKey(s.cluster, s.signal);
    const list = index.get(key);
    if (list) list.push(s);
    else index.set(key, [s]);
  }
  return index;
}
