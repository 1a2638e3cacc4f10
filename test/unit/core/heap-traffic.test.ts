import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { connectionsMoved, heapPerTraffic, heapTrafficCoefficient, trailingTraffic } from '../../../lambdas/core/heap-traffic.ts';
import { heapTrend, heapTrendSettings } from '../../../lambdas/core/heap-trend.ts';
import { remember } from '../../../lambdas/core/history.ts';
import { newSeriesState } from '../../../lambdas/core/series.ts';
import { seriesIndex } from '../../../lambdas/core/series-index.ts';
import { trafficReference } from '../../../lambdas/core/traffic-reference.ts';
import type { BrokerHistory, WatchPoint } from '../../../lambdas/core/watch-points.ts';

const MIN = 60_000;
const RELEASE = 120 * MIN;
const END = 300 * MIN;
/** Log traffic: a wave before the release, then a steady climb of 0.5 an hour after it. */
const logTraffic = (m: number) => (m < 120 ? 0.3 * Math.sin(m / 9) : 0.3 * Math.sin(120 / 9) + ((m - 120) / 60) * 0.5);
const traffic: WatchPoint[] = Array.from({ length: 300 }, (_, m) => ({ time: m * MIN, value: logTraffic(m) }));

/** Three brokers' heap: a base, 8 points per unit of log traffic, and `climb` points an hour from the release on. */
function heap(climb: number): BrokerHistory[] {
  return [1, 2, 3].map((b) => ({
    broker: String(b),
    points: Array.from({ length: 300 }, (_, m) => ({
      time: m * MIN,
      value: 40 + b + 8 * logTraffic(m) + (m >= 120 ? (climb * (m - 120)) / 60 : 0) + 0.2 * Math.sin(m * 1.7 + b),
    })),
  }));
}

const settings = heapTrendSettings(MIN, { limitPercent: 85, horizonMs: 6 * 3_600_000 });

describe('heap per unit of traffic', () => {
  it('learns the heap per unit of log traffic before the release, a trend apart', () => {
    const trending = heap(0).map((h) => ({ ...h, points: h.points.map((p) => ({ ...p, value: p.value + p.time / (60 * MIN) })) }));
    expect(heapTrafficCoefficient(trending, traffic, 0, RELEASE, 3 * MIN)).toBeCloseTo(8, 0);
  });

  it('takes traffic out of a heap that climbs with it, and leaves a release climb', () => {
    // As it is, heap climbs with traffic after the release (4 points an hour): a trend of the release's.
    expect(heapTrend(heap(0), RELEASE, END, settings).kind).toBe('rising');
    const benign = heapPerTraffic(heap(0), traffic, 0, RELEASE, 3 * MIN)!;
    expect(heapTrend(benign, RELEASE, END, settings).kind).toBe('steady');
    const storm = heapPerTraffic(heap(3), traffic, 0, RELEASE, 3 * MIN)!;
    const trend = heapTrend(storm, RELEASE, END, settings);
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter).toBeCloseTo(3, 0);
  });

  it('never reads a fall of traffic after the release as a climb (a release that compresses: bytes in fall, heap does not)', () => {
    // Heap as before the release; bytes in fall by 0.5 in log an hour from the release on.
    const falling = traffic.map((p, m) => (m < 120 ? p : { ...p, value: logTraffic(120) - ((m - 120) / 60) * 0.5 }));
    const steady = heap(0).map((h) => ({ ...h, points: h.points.map((p, m) => (m < 120 ? p : { ...p, value: 40 + Number(h.broker) })) }));
    const judged = heapPerTraffic(steady, falling, 0, RELEASE, 3 * MIN)!;
    expect(heapTrend(judged, RELEASE, END, settings).kind).not.toBe('rising');
  });

  it('never frees heap for more traffic, and needs traffic before the release', () => {
    const inverse = heap(0).map((h) => ({ ...h, points: h.points.map((p, m) => ({ ...p, value: p.value - 16 * logTraffic(m) })) }));
    expect(heapTrafficCoefficient(inverse, traffic, 0, RELEASE, 3 * MIN)).toBe(0);
    expect(heapPerTraffic(heap(0), traffic.slice(150), 0, RELEASE, 3 * MIN)).toBeUndefined();
  });

  it('reads the traffic history across brokers, its compacted medians too', () => {
    const series = [1, 2, 3].map((b) => {
      const s = newSeriesState({ key: `Bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
      for (let m = 0; m < 300; m++) remember(s.history, 1000, m * MIN, logTraffic(m) + (b === 1 ? 5 : 0));
      return s;
    });
    const history = [...trafficReference(series, true)!].map(([time, value]) => ({ time, value }));
    expect(series[0]!.history.compacted).toBeGreaterThan(0);
    expect(history[0]!.time).toBe(series[0]!.history.times[0]);
    // One broker's offset does not move the median.
    expect(history.at(-1)!.value).toBeCloseTo(logTraffic(299), 6);
  });

  it('follows traffic as buffers do: a minute that drops to a twentieth barely moves the mean of 30', () => {
    const dip = Array.from({ length: 80 }, (_, m) => ({ time: m * MIN, value: m === 40 ? Math.log(0.05) : 0 }));
    const trailing = trailingTraffic(dip, 30 * MIN);
    expect(trailing[40]!.value).toBeGreaterThan(Math.log(0.96));
    expect(trailing[40]!.value).toBeLessThan(-0.01);
    // The dip stands in the mean for 30 minutes, then is gone.
    expect(trailing[69]!.value).toBeLessThan(-0.01);
    expect(trailing[70]!.value).toBeCloseTo(0, 9);
  });
});

describe('whether connections moved since a heap slope began, where the traffic signal cannot say', () => {
  const noTraffic = parseConfig('signals:\n  MessagesInPerSec: { enabled: false }\n  BytesInPerSec: { enabled: false }\n');
  /** `signal` on three brokers for 180 minutes, its log at minute m from `at`; brokers 2 and 3 dark from `darkFrom`, where broker 1 holds. */
  function series(signal: string, at: (m: number) => number, darkFrom?: number) {
    const states = [1, 2, 3].map((b) => {
      const s = newSeriesState({ key: `${signal}/${b}`, signal, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
      const dark = darkFrom !== undefined && b > 1;
      for (let m = 0; m < (dark ? darkFrom : 180); m++)
        remember(s.history, 1000, m * MIN, 7 + (darkFrom !== undefined && b === 1 ? 0 : at(m)));
      return s;
    });
    return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
  }
  const moved = (at: (m: number) => number) =>
    connectionsMoved(series('ConnectionCount', at), noTraffic, 'c', 60 * MIN, MIN, 180 * MIN, []);

  it('says no while connections hold, yes when they rose or fell since (heap follows traffic both ways)', () => {
    expect(moved(() => 0.02 * Math.sin(1))).toBe(false);
    expect(moved((m) => (m >= 120 ? Math.log(1.5) : 0))).toBe(true);
    expect(moved((m) => (m >= 120 ? Math.log(0.5) : 0))).toBe(true);
  });

  it('counts a spike of a few minutes, as heap does: buffers fill with its traffic', () => {
    expect(moved((m) => (m >= 170 && m < 175 ? Math.log(25) : 0))).toBe(true);
  });

  it('asks only connection signals, and not a series gone dark: its last readings are not traffic now', () => {
    const bytes = series('BytesInPerSec', (m) => (m >= 120 ? Math.log(3) : 0));
    expect(connectionsMoved(bytes, noTraffic, 'c', 60 * MIN, MIN, 180 * MIN, [])).toBe(false);
    // Brokers 2 and 3 rose and went dark at minute 100 (their last readings still show the rise); broker 1 held.
    const dark = series('ConnectionCount', (m) => (m >= 80 ? Math.log(1.6) : 0), 100);
    expect(connectionsMoved(dark, noTraffic, 'c', 60 * MIN, MIN, 110 * MIN, [])).toBe(true);
    expect(connectionsMoved(dark, noTraffic, 'c', 60 * MIN, MIN, 180 * MIN, [])).toBe(false);
  });

  it('is not asked where the traffic signal reads around the window (the slope is net of it), and is where it went dark', () => {
    const surge = series('ConnectionCount', (m) => (m >= 120 ? Math.log(2) : 0));
    const traffic = (until: number) => Array.from({ length: until }, (_, m) => ({ time: m * MIN, value: 15 }));
    expect(connectionsMoved(surge, noTraffic, 'c', 60 * MIN, MIN, 180 * MIN, traffic(180))).toBe(false);
    // Records dark from minute 100: their last readings are not traffic now.
    expect(connectionsMoved(surge, noTraffic, 'c', 60 * MIN, MIN, 180 * MIN, traffic(100))).toBe(true);
  });
});
