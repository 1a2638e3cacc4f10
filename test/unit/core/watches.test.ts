import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { remember } from '../../../lambdas/core/history.ts';
import { newSeriesState, type SeriesState } from '../../../lambdas/core/series.ts';
import { trafficReference } from '../../../lambdas/core/traffic-reference.ts';
import { brokerHistories, expireWatches, feedWatch, LATE_PERIODS, openWatch, WATCH_RETENTION_MS } from '../../../lambdas/core/watches.ts';
import { firstStep } from './release-watch-fixtures.ts';

const MIN = 60_000;
const config = parseConfig('');
const signal = config.signals.find((s) => s.name === 'ConnectionCreationRate')!;
const step = firstStep(120 * MIN + 20_000);

/** Three brokers with 120 minutes of history before the step (as the series state keeps it: logs of value + 1). */
function brokers(): SeriesState[] {
  return [1, 2, 3].map((b) => {
    const s = newSeriesState({ key: `ccr/${b}`, signal: 'ConnectionCreationRate', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 120; m++) add(s, m, 10 * (1 + 0.03 * Math.sin(m + b)));
    return s;
  });
}

function add(series: SeriesState, minute: number, value: number): void {
  remember(series.history, 1000, minute * MIN, Math.log(value + 1));
}

describe('release watches in the engine', () => {
  it('open from the series history, in the signal’s own units: each broker expected near its median before the step', () => {
    const series = brokers();
    expect(brokerHistories(series, signal)[0]!.points[0]!.value).toBeCloseTo(10 * (1 + 0.03 * Math.sin(1)), 9);
    const entry = openWatch(step, series, signal, config, []);
    expect(entry).toMatchObject({ id: 'step/c/ConnectionCreationRate', purpose: 'step', cluster: 'c', next: 120 * MIN });
    expect(Math.exp(entry.watch.levels['ccr/2']!) - 1).toBeCloseTo(10, 0);
    expect(entry.watch.calibrationSamples).toBeGreaterThan(0);
  });

  it('score each period once, as it arrives, and keep each broker against what was expected of it', () => {
    const series = brokers();
    const entry = openWatch(step, series, signal, config, []);
    for (const s of series) add(s, 120, 30);
    expect(feedWatch(entry, series, signal, config, 121 * MIN)).toBe(true);
    expect(entry.watch.status).toBe('alarm');
    expect(entry.brokers.map((b) => [b.series, b.value])).toEqual([
      ['ConnectionCreationRate on broker 1', 30],
      ['ConnectionCreationRate on broker 2', 30],
      ['ConnectionCreationRate on broker 3', 30],
    ]);
    expect(entry.brokers[0]!.expected).toBeCloseTo(10, 0);
  });

  it('wait for too few brokers up to LATE_PERIODS, then skip the period: missing data is not zero', () => {
    const series = brokers();
    const entry = openWatch(step, series, signal, config, []);
    add(series[0]!, 120, 30); // one broker of three: too few
    expect(feedWatch(entry, series, signal, config, 121 * MIN)).toBe(false);
    expect(entry.next).toBe(120 * MIN);
    for (let m = 121; m <= 120 + LATE_PERIODS; m++) for (const s of series) add(s, m, 10);
    feedWatch(entry, series, signal, config, (121 + LATE_PERIODS) * MIN);
    expect(entry.watch.periods).toBe(LATE_PERIODS);
    expect(entry.next).toBe((121 + LATE_PERIODS) * MIN);
  });

  it('judge the mean since the release in the second stage, per unit of traffic, until the next release on the cluster', () => {
    const series = brokers();
    const bytes = [1, 2, 3].map((b) => {
      const s = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
      for (let m = 0; m < 160; m++) add(s, m, 1e6);
      return s;
    });
    const traffic = { signal: 'BytesInPerSec', reference: trafficReference(bytes)!, fallsWithCompression: true };
    // Read as it is, the level drifts with traffic over the second stage's half hour: no second stage.
    expect(openWatch(step, series, signal, config, []).watch.sustainedExcess).toBeUndefined();
    const entry = openWatch(step, series, signal, config, [], traffic);
    expect(entry.watch.sustainedExcess).toBeGreaterThan(0);
    // Its data never came: ended after the second stage's 30 periods and LATE_PERIODS more.
    const dark = openWatch(step, series, signal, config, [], traffic);
    feedWatch(dark, series, signal, config, 150 * MIN, traffic);
    expect(dark.endedAt).toBeUndefined();
    feedWatch(dark, series, signal, config, 160 * MIN, traffic);
    expect(dark.endedAt).toBe(160 * MIN);
    for (let m = 120; m < 140; m++) for (const s of series) add(s, m, 10 * (1 + 0.03 * Math.sin(m + Number(s.key.slice(-1)))));
    feedWatch(entry, series, signal, config, 140 * MIN, traffic, 131 * MIN);
    expect(entry.watch.status).toBe('cleared');
    expect(entry.watch.periods).toBe(11);
  });

  it('end a watch whose data never came, and drop what stopped watching hours ago', () => {
    const series = brokers();
    const entry = openWatch(step, series, signal, config, []);
    feedWatch(entry, series, signal, config, 140 * MIN);
    expect(entry.endedAt).toBe(140 * MIN);
    const watching = openWatch({ ...step, id: 'later', time: 130 * MIN }, series, signal, config, []);
    expect(expireWatches([entry, watching], 130 * MIN + WATCH_RETENTION_MS)).toEqual([watching]);
  });
});
