import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../lambdas/core/anomaly.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import {
  type Episode,
  episodeForFinding,
  extend,
  isOpen,
  openEpisode,
  resolveQuiet,
  startEpisode,
  triggers,
} from '../../../lambdas/core/episode.ts';
import type { Finding } from '../../../lambdas/core/finding.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { newSeriesState, type SeriesState } from '../../../lambdas/core/series.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2025-08-28T14:00:00Z');
const detector = parseConfig('').detector; // corroboratingSeries 3, confirmPeriods 2

const anomaly = (series: string, minute: number, over: Partial<Anomaly> = {}): Anomaly => ({
  time: T0 + minute * MINUTE,
  series,
  label: `${series} label`,
  signal: 'ConnectionCreationRate',
  cluster: 'c',
  kind: 'level',
  value: 30,
  baseline: 10,
  effect: 2.8,
  z: 6,
  score: 0.99,
  ...over,
});

/** Series states with their current anomalous runs: key → [run length, its first point]. */
function statesOf(runs: Record<string, [number, Anomaly | null]>): Record<string, SeriesState> {
  return Object.fromEntries(
    Object.entries(runs).map(([key, [run, runFirst]]) => {
      const state = newSeriesState({ key, signal: 'ConnectionCreationRate', cluster: 'c', dimensions: { 'Broker ID': key } });
      state.run = run;
      state.runFirst = runFirst;
      return [key, state];
    }),
  );
}

describe('triggers', () => {
  it('starts on the configured defaults: 3 series at once, or 2 periods in a row', () => {
    expect(detector.corroboratingSeries).toBe(3);
    expect(detector.confirmPeriods).toBe(2);
  });

  it('does not start on one unconfirmed anomaly', () => {
    expect(triggers(statesOf({ b1: [1, null] }), [anomaly('b1', 0)], detector)).toBe(false);
  });

  it('starts on an anomaly confirmed for confirmPeriods', () => {
    expect(triggers(statesOf({ b1: [2, anomaly('b1', -1)] }), [anomaly('b1', 0)], detector)).toBe(true);
    expect(triggers(statesOf({ b1: [5, anomaly('b1', -4)] }), [anomaly('b1', 0)], detector)).toBe(true);
  });

  it('starts on corroboratingSeries series anomalous at once, none confirmed', () => {
    const states = statesOf({ b1: [1, null], b2: [1, null], b3: [1, null] });
    expect(triggers(states, [anomaly('b1', 0), anomaly('b2', 0)], detector)).toBe(false);
    expect(triggers(states, [anomaly('b1', 0), anomaly('b2', 0), anomaly('b3', 0)], detector)).toBe(true);
  });

  it('counts a series once however many of its anomalies there are', () => {
    const states = statesOf({ b1: [1, null], b2: [1, null] });
    expect(triggers(states, [anomaly('b1', 0), anomaly('b1', 0, { kind: 'forecast' }), anomaly('b2', 0), anomaly('b2', 0)], detector)).toBe(
      false,
    );
  });

  it('does not start on nothing', () => {
    expect(triggers(statesOf({}), [], detector)).toBe(false);
  });

  it('follows the configuration', () => {
    const strict = { ...detector, corroboratingSeries: 2, confirmPeriods: 3 };
    const states = statesOf({ b1: [2, null], b2: [1, null] });
    expect(triggers(states, [anomaly('b1', 0)], strict)).toBe(false);
    expect(triggers(states, [anomaly('b1', 0), anomaly('b2', 0)], strict)).toBe(true);
  });
});

describe('startEpisode', () => {
  const now = T0 + 3 * MINUTE;

  it('starts at the earliest first point of the anomalous runs, not at the newest anomaly', () => {
    const runFirst = anomaly('b1', -2, { z: 5 });
    const states = statesOf({ b1: [3, runFirst], b2: [1, null] });
    const episode = startEpisode(states, 'c', [anomaly('b1', 0), anomaly('b2', 0)], now);
    expect(episode.first).toBe(runFirst);
    expect(episode.onset).toBe(T0 - 2 * MINUTE);
    expect(episode.id).toBe(`c/ConnectionCreationRate/${new Date(T0 - 2 * MINUTE).toISOString()}`);
    expect(episode.detectedAt).toBe(now);
    expect(episode.lastAnomalyAt).toBe(T0);
  });

  it('uses the anomaly itself for a series whose run has no first point recorded', () => {
    const own = anomaly('b2', -1);
    const episode = startEpisode(statesOf({ b1: [1, null], b2: [1, null] }), 'c', [anomaly('b1', 0), own], now);
    expect(episode.first).toBe(own);
  });

  it('between first points at the same time, takes the one furthest from its baseline', () => {
    const low = anomaly('b1', 0, { z: 5 });
    const high = anomaly('b2', 0, { z: 9 });
    const episode = startEpisode(
      statesOf({ b1: [1, null], b2: [1, null], b3: [1, null] }),
      'c',
      [low, high, anomaly('b3', 1, { z: 20 })],
      now,
    );
    expect(episode.first).toBe(high);
  });

  it('collects its series and signals once each, in order, and is open with no decisions', () => {
    const anomalies = [anomaly('b1', 0), anomaly('b2', 0, { signal: 'ConnectionCount' }), anomaly('b1', 1), anomaly('b3', 1)];
    const episode = startEpisode(statesOf({ b1: [1, null], b2: [1, null], b3: [1, null] }), 'c', anomalies, now);
    expect(episode.series).toEqual(['b1', 'b2', 'b3']);
    expect(episode.signals).toEqual(['ConnectionCreationRate', 'ConnectionCount']);
    expect(episode.cluster).toBe('c');
    expect(episode.decisionIds).toEqual([]);
    expect(isOpen(episode)).toBe(true);
  });

  it('holds the anomaly furthest from its baseline as its peak', () => {
    const peak = anomaly('b2', 1, { z: 11 });
    const episode = startEpisode(
      statesOf({ b1: [1, null], b2: [1, null], b3: [1, null] }),
      'c',
      [anomaly('b1', 0, { z: 6 }), peak, anomaly('b3', 2, { z: 7 })],
      now,
    );
    expect(episode.peak).toBe(peak);
  });
});

describe('extend', () => {
  const start = () => startEpisode(statesOf({ b1: [2, null] }), 'c', [anomaly('b1', 0, { z: 6 })], T0 + MINUTE);

  it('moves the peak to an anomaly further from its baseline, either side', () => {
    const episode = start();
    const higher = anomaly('b2', 1, { z: 8 });
    extend(episode, [higher]);
    expect(episode.peak).toBe(higher);
    extend(episode, [anomaly('b2', 2, { z: 7.9 })]);
    expect(episode.peak).toBe(higher);
    const below = anomaly('b3', 3, { z: -9 });
    extend(episode, [below]);
    expect(episode.peak).toBe(below); // |z| counts: a drop as far as a rise
  });

  it('keeps the peak on a tie (the earlier one stays)', () => {
    const episode = start();
    const peak = episode.peak;
    extend(episode, [anomaly('b2', 1, { z: 6 })]);
    expect(episode.peak).toBe(peak);
  });

  it('compares peaks of one kind only: a forecast does not replace a level peak', () => {
    const episode = start();
    extend(episode, [anomaly('b1', 1, { kind: 'forecast', z: 50, signal: 'HeapMemoryAfterGC' })]);
    expect(episode.peak.kind).toBe('level');
    expect(episode.peak.z).toBe(6);
    expect(episode.signals).toEqual(['ConnectionCreationRate', 'HeapMemoryAfterGC']);
  });

  it('moves lastAnomalyAt forward only', () => {
    const episode = start();
    extend(episode, [anomaly('b2', 5)]);
    expect(episode.lastAnomalyAt).toBe(T0 + 5 * MINUTE);
    extend(episode, [anomaly('b3', 2)]); // a late-arriving older point
    expect(episode.lastAnomalyAt).toBe(T0 + 5 * MINUTE);
  });

  it('never changes the first anomaly, the onset or the id', () => {
    const episode = start();
    const { first, onset, id } = episode;
    extend(episode, [anomaly('b2', -10, { z: 30 })]);
    expect([episode.first, episode.onset, episode.id]).toEqual([first, onset, id]);
  });
});

describe('resolveQuiet', () => {
  const QUIET = 10 * MINUTE;
  const episodeAt = (cluster: string, lastMinute: number, resolvedAt?: number): Episode => {
    const episode = startEpisode(statesOf({ b1: [2, null] }), cluster, [anomaly('b1', lastMinute, { cluster })], T0 + lastMinute * MINUTE);
    if (resolvedAt !== undefined) episode.resolvedAt = resolvedAt;
    return episode;
  };

  it('resolves an open episode once it has been quiet for the quiet spell, and not before', () => {
    const episode = episodeAt('c', 0);
    expect(resolveQuiet([episode], T0 + QUIET - 1, QUIET)).toEqual([]);
    expect(isOpen(episode)).toBe(true);
    expect(resolveQuiet([episode], T0 + QUIET, QUIET)).toEqual([episode]);
    expect(episode.resolvedAt).toBe(T0 + QUIET);
    expect(isOpen(episode)).toBe(false);
  });

  it('leaves an already resolved episode as it was, and does not return it again', () => {
    const episode = episodeAt('c', 0, T0 + 5 * MINUTE);
    expect(resolveQuiet([episode], T0 + 60 * MINUTE, QUIET)).toEqual([]);
    expect(episode.resolvedAt).toBe(T0 + 5 * MINUTE);
  });

  it('resolves each episode on its own', () => {
    const quiet = episodeAt('a', 0);
    const busy = episodeAt('b', 8);
    expect(resolveQuiet([quiet, busy], T0 + QUIET, QUIET)).toEqual([quiet]);
    expect(isOpen(busy)).toBe(true);
  });

  it('counts quiet from the last anomaly, not the onset', () => {
    const episode = episodeAt('c', 0);
    extend(episode, [anomaly('b1', 9)]);
    expect(resolveQuiet([episode], T0 + QUIET, QUIET)).toEqual([]);
    expect(resolveQuiet([episode], T0 + 19 * MINUTE, QUIET)).toEqual([episode]);
  });
});

describe('openEpisode', () => {
  it('finds the open episode of a cluster and signal: noise on one signal never holds another', () => {
    const started = (cluster: string, a: Anomaly, time: number) => startEpisode(statesOf({ b1: [2, null] }), cluster, [a], time);
    const closed = started('c', anomaly('b1', 0), T0);
    closed.resolvedAt = T0 + 20 * MINUTE;
    const open = started('c', anomaly('b1', 30), T0 + 30 * MINUTE);
    const elsewhere = started('d', anomaly('b1', 30, { cluster: 'd' }), T0 + 30 * MINUTE);
    const otherSignal = started('c', anomaly('b1', 30, { signal: 'ConnectionCount' }), T0 + 30 * MINUTE);
    expect(openEpisode([closed, elsewhere, otherSignal, open], 'c', 'ConnectionCreationRate')).toBe(open);
    expect(openEpisode([closed, elsewhere, otherSignal, open], 'c', 'ConnectionCount')).toBe(otherSignal);
    expect(openEpisode([closed], 'c', 'ConnectionCreationRate')).toBeUndefined();
    expect(openEpisode([closed, open], 'e', 'ConnectionCreationRate')).toBeUndefined();
  });
});

describe('episodeForFinding', () => {
  const step: RolloutStep = {
    kind: 'rollout-step',
    id: 'step',
    time: T0,
    flag: 'f',
    environment: 'production',
    target: { kind: 'fallthrough' },
    fromPercent: 0,
    toPercent: 1,
  };
  const finding = (onset = T0): Finding => ({
    release: step,
    others: [],
    series: ['b1', 'b2'],
    evidence: {
      kind: 'fast',
      purpose: 'step',
      cluster: 'c',
      signal: 'ConnectionCreationRate',
      onset,
      candidates: ['f 0% → 1%'],
      factor: 2,
      statistic: 8,
      threshold: 4,
      minFactor: 1.2,
      periods: 2,
      sd: 0.05,
      brokers: [{ series: 'broker 1', value: 20, expected: 10 }],
    },
  });

  it('attributes the open episode of its signal that began with the release', () => {
    const open = startEpisode(statesOf({ b1: [2, null] }), 'c', [anomaly('b1', 0)], T0 + MINUTE);
    const episodes = [open];
    expect(episodeForFinding(episodes, finding(), T0 + 2 * MINUTE)).toBe(open);
    expect(open.attribution).toMatchObject({ kind: 'attributed', release: step });
    expect(open.lastAnomalyAt).toBe(T0); // its anomalies keep it open
    expect(episodes).toHaveLength(1);
  });

  it('opens its own episode when the open one began long before the release (noise), or none is open', () => {
    const noise = startEpisode(statesOf({ b1: [2, null] }), 'c', [anomaly('b1', -60)], T0 - 59 * MINUTE);
    const episodes = [noise];
    const episode = episodeForFinding(episodes, finding(), T0 + 2 * MINUTE);
    expect(episode).not.toBe(noise);
    expect(episode).toMatchObject({
      openedBy: 'release-watch',
      signal: 'ConnectionCreationRate',
      onset: T0,
      lastAnomalyAt: T0 + 2 * MINUTE,
      first: { kind: 'level', effect: 2, value: 20, baseline: 10 },
    });
    expect(episodes).toHaveLength(2);
  });
});
