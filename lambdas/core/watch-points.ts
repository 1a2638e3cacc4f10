/**
 * The arithmetic a release watch and its calibration share: points in time order, medians over
 * windows, and the pooled log ratio (the median over brokers of observed against expected).
 */
export interface WatchPoint {
  readonly time: number;
  readonly value: number;
}

/** One broker's datapoints of the watched signal, in time order. */
export interface BrokerHistory {
  readonly broker: string;
  readonly points: readonly WatchPoint[];
}

/** The median over brokers of a log value minus its expected level; undefined when fewer than `minBrokerShare` of the brokers with a level report. */
export function pooledOfLogs(
  levels: Readonly<Record<string, number>>,
  logs: ReadonlyArray<{ broker: string; value: number }>,
  minBrokerShare: number,
): number | undefined {
  const ratios: number[] = [];
  for (const { broker, value } of logs) {
    const level = levels[broker];
    if (level !== undefined) ratios.push(value - level);
  }
  const known = Object.keys(levels).length;
  if (ratios.length === 0 || ratios.length < minBrokerShare * known) return undefined;
  return median(ratios);
}

/** The median of the values with from <= time < to; undefined with fewer than `minPoints`. */
export function medianBetween(points: readonly WatchPoint[], from: number, to: number, minPoints: number): number | undefined {
  const values: number[] = [];
  for (let i = lowerBound(points, from); i < points.length && points[i]!.time < to; i++) values.push(points[i]!.value);
  return values.length >= Math.max(1, minPoints) ? median(values) : undefined;
}

export function pointAt(points: readonly WatchPoint[], time: number): WatchPoint | undefined {
  const i = lowerBound(points, time);
  return points[i]?.time === time ? points[i] : undefined;
}

/** The first index whose time is at or after `time` (points in time order). */
export function lowerBound(points: readonly WatchPoint[], time: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.time < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantileSorted(sorted: readonly number[], p: number): number {
  const index = (sorted.length - 1) * p;
  const low = Math.floor(index);
  const high = Math.ceil(index);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (index - low);
}
