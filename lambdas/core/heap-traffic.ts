/**
 * Heap after GC per unit of traffic. Part of the heap moves with traffic (request buffers, fetch
 * sessions), so a climb of traffic over hours is a climb of heap that no release made. Where the
 * configuration names a traffic signal, the heap watch judges the heap with traffic's part taken
 * out: over the window before the release, pooled over brokers (each broker's own mean and linear
 * trend taken out, so that a trend is never mistaken for traffic), the heap's least-squares
 * coefficient β on the cluster's log traffic R_t; then every point becomes
 *
 *   h̃_b,t = h_b,t − β · (R_t − R₀),   R₀ the traffic's median over that window,
 *
 * R_t the log of the cluster's mean traffic over the HEAP_TRAFFIC_WINDOW_PERIODS up to t (buffers
 * fill and drain over minutes: a minute's dip of traffic does not empty them). β is fitted before
 * the release only, so a release's own climb never enters it; it is at least 0 (more traffic never
 * frees heap). From the release on, only a rise of traffic is taken out, never a fall (R_t below
 * R₀ counts as R₀): a release that compresses what producers send lowers bytes in, and a fall must
 * not read as a climb (traffic-reference.ts). Points with no traffic reading near them are left
 * out.
 *
 * Where the cluster has no traffic signal, whether its connections moved since a heap slope's
 * window began (connectionsMoved) is asked of them as heap follows traffic: the mean over
 * HEAP_TRAFFIC_WINDOW_PERIODS. Pure.
 */
import type { GuardrailConfig } from './config.ts';
import { indexKey, type SeriesIndex } from './series-index.ts';
import { STALE_PERIODS } from './traffic-reference.ts';
import { type BrokerHistory, lowerBound, median, type WatchPoint } from './watch-points.ts';
import { fastSignals } from './watches.ts';

/**
 * The traffic as heap follows it: ln of the mean traffic over the readings in (t − windowMs, t]
 * (buffers fill and drain over minutes; a minute's dip does not empty them).
 */
export function trailingTraffic(traffic: readonly WatchPoint[], windowMs: number): WatchPoint[] {
  let start = 0;
  let sum = 0;
  return traffic.map((p, i) => {
    sum += Math.exp(p.value);
    while (traffic[start]!.time <= p.time - windowMs) sum -= Math.exp(traffic[start++]!.value);
    return { time: p.time, value: Math.log(sum / (i - start + 1)) };
  });
}

/** The latest traffic reading at or before `time`, if within `toleranceMs` (late datapoints; a heap block's median has a traffic median at its time). */
function trafficNear(traffic: readonly WatchPoint[], time: number, toleranceMs: number): number | undefined {
  const p = traffic[lowerBound(traffic, time + 1) - 1];
  return p && time - p.time <= toleranceMs ? p.value : undefined;
}

/**
 * β: the pooled coefficient of heap on log traffic over [from, to), each broker's mean and linear
 * trend taken out (Frisch–Waugh: both residualised on time); 0 when traffic did not vary.
 */
export function heapTrafficCoefficient(
  histories: readonly BrokerHistory[],
  traffic: readonly WatchPoint[],
  from: number,
  to: number,
  toleranceMs: number,
): number {
  let srr = 0;
  let srh = 0;
  for (const history of histories) {
    const [t, hs, rs]: [number[], number[], number[]] = [[], [], []];
    for (let i = lowerBound(history.points, from); i < history.points.length && history.points[i]!.time < to; i++) {
      const p = history.points[i]!;
      const r = trafficNear(traffic, p.time, toleranceMs);
      if (r === undefined) continue;
      t.push(p.time);
      hs.push(p.value);
      rs.push(r);
    }
    if (t.length < 10) continue;
    const h = detrended(t, hs);
    const r = detrended(t, rs);
    for (let i = 0; i < h.length; i++) {
      srr += r[i]! * r[i]!;
      srh += r[i]! * h[i]!;
    }
  }
  return srr > 0 ? Math.max(0, srh / srr) : 0;
}

/** The residuals of ys on a line in xs. */
function detrended(xs: readonly number[], ys: readonly number[]): number[] {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i]! - mx) ** 2;
    sxy += (xs[i]! - mx) * (ys[i]! - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  return ys.map((y, i) => y - my - slope * (xs[i]! - mx));
}

/**
 * Each broker's heap with traffic's part taken out (h − β·(R − R₀); from `to` on, its rise only), β and R₀ from [from, to):
 * the window before the release. Undefined when the traffic has no reading in that window.
 */
export function heapPerTraffic(
  histories: readonly BrokerHistory[],
  traffic: readonly WatchPoint[],
  from: number,
  to: number,
  toleranceMs: number,
): BrokerHistory[] | undefined {
  const window = traffic.slice(lowerBound(traffic, from), lowerBound(traffic, to)).map((p) => p.value);
  if (window.length === 0) return undefined;
  const level = median(window);
  const beta = heapTrafficCoefficient(histories, traffic, from, to, toleranceMs);
  return histories.map(({ broker, points }) => ({
    broker,
    points: points.flatMap((p) => {
      const r = trafficNear(traffic, p.time, toleranceMs);
      return r === undefined ? [] : [{ time: p.time, value: p.value - beta * (p.time < to ? r - level : Math.max(0, r - level)) }];
    }),
  }));
}

/**
 * Heap follows the mean traffic over this many periods: chosen on realAWSCloudwatch among 1, 10,
 * 30 and 60 (bench/guard/RESULTS.md, with the other categories held out).
 */
export const HEAP_TRAFFIC_WINDOW_PERIODS = 30;

/** The cluster's traffic (`trafficPoints`) as heap follows it: trailingTraffic over HEAP_TRAFFIC_WINDOW_PERIODS. Built once per check, read by both below. */
export function followedTraffic(traffic: readonly WatchPoint[], periodMs: number): WatchPoint[] {
  return trailingTraffic(traffic, HEAP_TRAFFIC_WINDOW_PERIODS * periodMs);
}

/** The heap per unit of the followed traffic (followedTraffic), β and R₀ learnt over [from, to). */
export function heapPerTrafficOf(
  histories: readonly BrokerHistory[],
  followed: readonly WatchPoint[],
  from: number,
  to: number,
  periodMs: number,
): BrokerHistory[] | undefined {
  return heapPerTraffic(histories, followed, from, to, STALE_PERIODS * periodMs);
}

/** The followed traffic (followedTraffic) at a time; undefined with no reading near it. */
export function trafficAtOf(followed: readonly WatchPoint[], periodMs: number): (time: number) => number | undefined {
  return (time) => trafficNear(followed, time, STALE_PERIODS * periodMs);
}

/** Connections (standing for traffic) that moved by this much (log ratio, either way) since a heap slope's window began moved the heap: the climb is not the release's. */
export const TRAFFIC_MOVED = Math.log(1.2);

/**
 * Where the cluster's traffic signal cannot say (it has no readings, or none over the
 * HEAP_TRAFFIC_WINDOW_PERIODS before `from` or since `now` less that window: dark), have its
 * connections moved since `from` (where a heap slope's window begins)? Connections then stand for
 * traffic, and heap moves with traffic both ways: up with a surge, down with a lull and back up
 * after it, so a slope across either is traffic's. Each series as heap follows traffic: the log of
 * its mean over the newest HEAP_TRAFFIC_WINDOW_PERIODS against that over as many periods before
 * `from` (a minute's spike fills buffers); the median over brokers. A series gone dark is not
 * asked: its last readings are not traffic now. Where the traffic signal reads, this is not asked:
 * the heap's slope is measured net of it (heap-watch.ts).
 */
export function connectionsMoved(
  index: SeriesIndex,
  config: Pick<GuardrailConfig, 'signals'>,
  cluster: string,
  from: number,
  periodMs: number,
  now: number,
  traffic: readonly WatchPoint[],
): boolean {
  const span = HEAP_TRAFFIC_WINDOW_PERIODS * periodMs;
  const start = Math.floor(from / periodMs) * periodMs;
  if (meanRatio(traffic, start - span, start, now - span) !== undefined) return false;
  return fastSignals(config).some((signal) => {
    const ratios = (index.get(indexKey(cluster, signal.name)) ?? []).flatMap((s) => {
      const ratio = meanRatio(
        s.history.times.map((time, i) => ({ time, value: s.history.values[i]! })),
        start - span,
        start,
        now - span,
      );
      return ratio === undefined ? [] : [ratio];
    });
    return ratios.length > 0 && Math.abs(median(ratios)) >= TRAFFIC_MOVED;
  });
}

/** Readings a window needs: older history is kept as medians of 5 periods (history.ts), so half an hour's may be 6. */
const MIN_READINGS = 3;

/**
 * ln of the mean over the newest HEAP_TRAFFIC_WINDOW_PERIODS readings over that over [from, to)
 * (readings are logs of rates or counts, in time order); undefined with fewer than MIN_READINGS
 * before, or when the newest reading is older than `staleBefore`.
 */
function meanRatio(readings: readonly WatchPoint[], from: number, to: number, staleBefore: number): number | undefined {
  const before = readings.slice(lowerBound(readings, from), lowerBound(readings, to));
  const recent = readings.slice(-HEAP_TRAFFIC_WINDOW_PERIODS);
  if (before.length < MIN_READINGS || recent.length === 0 || recent.at(-1)!.time < staleBefore) return undefined;
  const logMean = (ps: readonly WatchPoint[]) => Math.log(ps.reduce((a, p) => a + Math.exp(p.value), 0) / ps.length);
  return logMean(recent) - logMean(before);
}
