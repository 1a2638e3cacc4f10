import { describe, expect, it } from 'vitest';
import { type GuardrailConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { describeEvidence } from '../../../lambdas/core/finding.ts';
import { remember } from '../../../lambdas/core/history.ts';
import { newSeriesState, type SeriesState } from '../../../lambdas/core/series.ts';
import { seriesIndex } from '../../../lambdas/core/series-index.ts';
import {
  clusterTraffic,
  followsTraffic,
  perTraffic,
  perTrafficOf,
  trafficAt,
  trafficLookup,
  trafficOf,
  trafficReference,
  trafficSignals,
} from '../../../lambdas/core/traffic-reference.ts';
import { fastSignals, feedWatch, openWatch, recentValues, watchTraffic } from '../../../lambdas/core/watches.ts';
import { firstStep } from './release-watch-fixtures.ts';

const MIN = 60_000;
const config = parseConfig('signals:\n  BytesInPerSec: { kind: rate, traffic: true }\n');
const signal = config.signals.find((s) => s.name === 'ConnectionCreationRate')!;
const step = firstStep(120 * MIN + 20_000);

/** Three brokers of `name`, 120 minutes before the step at `traffic(m)` times `perUnit`, with a little wobble. */
function brokers(name: string, perUnit: number, traffic: (minute: number) => number = () => 1): SeriesState[] {
  return [1, 2, 3].map((b) => {
    const s = newSeriesState({ key: `${name}/${b}`, signal: name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 120; m++) add(s, m, perUnit * traffic(m) * (1 + 0.03 * Math.sin(m + b)));
    return s;
  });
}

function byKey(series: readonly SeriesState[]): Record<string, SeriesState> {
  return Object.fromEntries(series.map((s) => [s.key, s]));
}

function add(series: SeriesState, minute: number, value: number): void {
  remember(series.history, 1000, minute * MIN, Math.log(value + 1));
}

describe('a traffic reference', () => {
  it('is the first of MSK’s MessagesInPerSec and BytesInPerSec the cluster exports, and never watched for rollbacks itself', () => {
    const names = (c: GuardrailConfig) => trafficSignals(c).map((s) => s.name);
    expect(names(parseConfig(''))).toEqual(['MessagesInPerSec', 'BytesInPerSec']);
    expect(names(parseConfig('signals:\n  BytesInPerSec: { enabled: false }\n  MessagesInPerSec: { enabled: false }\n'))).toEqual([]);
    expect(fastSignals(parseConfig('')).map((s) => s.name)).not.toContain('BytesInPerSec');
    const bytes = brokers('BytesInPerSec', 1e6);
    const messages = brokers('MessagesInPerSec', 1e3);
    const both = parseConfig('');
    expect(clusterTraffic(seriesIndex(byKey([...bytes, ...messages])), both, 'c')).toEqual(messages);
    expect(clusterTraffic(seriesIndex(byKey(bytes)), both, 'c')).toEqual(bytes);
    expect(trafficOf(seriesIndex(byKey(bytes)), parseConfig('signals:\n  BytesInPerSec: { enabled: false }\n'), 'c')).toBeUndefined();
  });

  it('is the median over brokers per period, and stands for a few periods when late', () => {
    const bytes = brokers('BytesInPerSec', 1e6);
    // One broker's spike does not move the cluster's traffic.
    for (const [i, s] of bytes.entries()) add(s, 120, i === 0 ? 9e6 : 1e6);
    const reference = trafficReference(bytes)!;
    expect(Math.exp(reference.get(120 * MIN)!)).toBeLessThan(2e6);
    expect(trafficAt(reference, 122 * MIN, MIN)).toBe(reference.get(120 * MIN));
    expect(trafficAt(reference, 124 * MIN, MIN)).toBeUndefined();
    expect(trafficReference([])).toBeUndefined();
  });

  it('rescales a value by the traffic against its level: connections scale with traffic, the log offset does not', () => {
    expect(perTraffic(27, Math.log(3), 0)).toBeCloseTo(9, 9);
    expect(perTraffic(9, 0, 0)).toBe(9);
    // A quiet broker: at 1 connection a second, three times the traffic is still a third of the value, not (3 + 1) / 3 − 1.
    expect(perTraffic(3, Math.log(3), 0)).toBeCloseTo(1, 9);
    expect(perTraffic(9, Math.log(1 / 3), 0)).toBeCloseTo(27, 9);
    // A watched value takes out no fall below its floor: a release that lowered bytes in is not a storm.
    expect(perTraffic(9, Math.log(1 / 3), 0, -0.1)).toBeCloseTo(9 * Math.exp(0.1), 9);
    expect(perTraffic(27, Math.log(3), 0, -0.1)).toBeCloseTo(9, 9);
  });
});

describe('whether a signal follows traffic', () => {
  /** Minutes of traffic e^{sd·sin(m/7)}: the reference, and brokers' histories of `value(traffic)` over minutes [from, to). */
  const world = (sd: number) => {
    const traffic = Array.from({ length: 120 }, (_, m) => Math.exp(sd * Math.sin(m / 7)));
    const reference = new Map(traffic.map((t, m) => [m * MIN, Math.log(t)]));
    const broker = (value: (traffic: number) => number, from = 0, to = 120) => ({
      points: traffic.slice(from, to).map((t, i) => ({ time: (from + i) * MIN, value: value(t) })),
    });
    return { reference, broker };
  };
  const follows = (value: (traffic: number) => number, sd: number) => {
    const { reference, broker } = world(sd);
    return followsTraffic(
      [1, 1.2, 0.8].map((share) => broker((t) => share * value(t))),
      reference,
      MIN,
    );
  };

  it('does where the history shows connections opened in proportion to a traffic that moved, however few a second', () => {
    expect(follows((t) => 100 * t, 0.3)).toBe(true);
    expect(follows((t) => 2 * t, 0.3)).toBe(true);
    expect(follows((t) => 100 * t ** 0.85, 0.3)).toBe(true);
  });

  it('does not where a third are opened whatever the traffic, where less than 0.8 of it is followed, or where traffic barely moved', () => {
    expect(follows((t) => 50 + 100 * t, 0.3)).toBe(false);
    expect(follows((t) => 100 * t ** 0.75, 0.3)).toBe(false);
    expect(follows(() => 100, 0.3)).toBe(false);
    expect(follows((t) => 100 * t, 0.05)).toBe(false);
    expect(followsTraffic([], new Map(), MIN)).toBe(false);
  });

  it('reads each broker against its own level, and leaves out a broker with too few readings to say', () => {
    const { reference, broker } = world(0.6);
    // A busy broker while traffic is low (minutes 22 to 43), a quiet one while it is high (0 to 21):
    // pooled as one, their levels would read as connections falling as traffic rose.
    const staggered = [broker((t) => 300 * t, 22, 44), broker((t) => 30 * t, 0, 22)];
    expect(followsTraffic(staggered, reference, MIN)).toBe(true);
    expect(followsTraffic([...staggered, broker(() => 500, 0, 6)], reference, MIN)).toBe(true);
    // What came from `before` on (a release's own effect) is not read: a flat hour after it would sway the slope.
    const release = [broker((t) => 100 * t, 0, 60), broker((t) => 100 * t, 0, 60)].map((b, i) => ({
      points: [...b.points, ...broker(() => 100 * (i + 1), 60, 120).points],
    }));
    expect(followsTraffic(release, reference, MIN, 60 * MIN)).toBe(true);
    expect(followsTraffic(release, reference, MIN)).toBe(false);
  });
});

describe('a release watch per unit of traffic', () => {
  it('does not alarm on a traffic burst at the step that moves connections and bytes alike', () => {
    const ccr = brokers('ConnectionCreationRate', 10);
    const bytes = brokers('BytesInPerSec', 1e6);
    const entry = openWatch(step, ccr, signal, config, [], trafficOf(seriesIndex(byKey(bytes)), config, 'c'));
    expect(entry.watch.trafficLevel).toBeCloseTo(Math.log(1e6), 1);
    for (let m = 120; m < 124; m++) {
      for (const s of ccr) add(s, m, 30);
      for (const s of bytes) add(s, m, 3e6);
    }
    expect(feedWatch(entry, ccr, signal, config, 124 * MIN, trafficOf(seriesIndex(byKey(bytes)), config, 'c'))).toBe(false);
    expect(entry.watch.status).toBe('watching');
    // At the traffic before the step: 30 / 3 connections a second, what it was (10).
    const per = { reference: trafficReference(bytes)!, level: entry.watch.trafficLevel!, periodMs: MIN, floor: -Infinity };
    expect(recentValues(ccr, signal, 3, per)[0]!.value).toBeCloseTo(10, 0);
  });

  it('alarms on a storm at the step that moves connections and not bytes, and so does a watch without one', () => {
    for (const withTraffic of [true, false]) {
      const ccr = brokers('ConnectionCreationRate', 10);
      const bytes = brokers('BytesInPerSec', 1e6);
      const traffic = withTraffic ? trafficOf(seriesIndex(byKey(bytes)), config, 'c') : undefined;
      const entry = openWatch(step, ccr, signal, config, [], traffic);
      for (let m = 120; m < 123; m++) {
        for (const s of ccr) add(s, m, 30);
        for (const s of bytes) add(s, m, 1e6);
      }
      expect(
        feedWatch(entry, ccr, signal, config, 123 * MIN, traffic ? trafficOf(seriesIndex(byKey(bytes)), config, 'c') : undefined),
      ).toBe(true);
    }
  });

  it("judges a period its records do not reach on bytes, at bytes' own level, and none with neither: records going dark in a burst is no storm", () => {
    const run = (stormOnly: boolean, spare: boolean) => {
      const ccr = brokers('ConnectionCreationRate', 10);
      const records = brokers('MessagesInPerSec', 1e3);
      const bytes = brokers('BytesInPerSec', 1e6);
      const index = () => seriesIndex(byKey([...records, ...bytes]));
      const entry = openWatch(step, ccr, signal, config, [], trafficOf(index(), config, 'c'));
      expect(entry.watch.trafficSignal).toBe('MessagesInPerSec');
      // Records go dark at the step; traffic triples (a burst), or connections alone do (a storm).
      for (let m = 120; m < 124; m++) {
        for (const s of ccr) add(s, m, 30);
        for (const s of bytes) add(s, m, stormOnly ? 1e6 : 3e6);
      }
      const pinned = trafficOf(index(), config, 'c', 'MessagesInPerSec');
      const alarmed = feedWatch(
        entry,
        ccr,
        signal,
        config,
        124 * MIN + 3 * MIN,
        pinned,
        undefined,
        spare ? trafficOf(index(), config, 'c', 'BytesInPerSec') : undefined,
      );
      return { alarmed, periods: entry.watch.periods };
    };
    expect(run(false, true)).toEqual({ alarmed: false, periods: 4 });
    expect(run(true, true).alarmed).toBe(true);
    // With no other traffic reading the periods are not scored: read as they are, the burst was 3x.
    expect(run(false, false)).toEqual({ alarmed: false, periods: 0 });
  });

  it('does not alarm on a release that lowers bytes in (compression) with connections as they were', () => {
    const ccr = brokers('ConnectionCreationRate', 10);
    const bytes = brokers('BytesInPerSec', 1e6);
    const entry = openWatch(step, ccr, signal, config, [], trafficOf(seriesIndex(byKey(bytes)), config, 'c'));
    for (let m = 120; m < 130; m++) {
      for (const s of ccr) add(s, m, 10);
      for (const s of bytes) add(s, m, 0.4e6);
    }
    expect(feedWatch(entry, ccr, signal, config, 130 * MIN, trafficOf(seriesIndex(byKey(bytes)), config, 'c'))).toBe(false);
    expect(entry.watch.status).not.toBe('alarm');
  });

  it('takes out the whole fall of records for a rate that followed traffic, part of it for a count, against bytes, for a rate that did not follow, and for a watch saved before it said', () => {
    const swing = (m: number) => Math.exp(0.3 * Math.sin(m / 9));
    const messages = brokers('MessagesInPerSec', 1e3, swing);
    const bytes = brokers('BytesInPerSec', 1e6, swing);
    const index = seriesIndex(byKey([...messages, ...bytes]));
    const defaults = parseConfig('');
    const count = defaults.signals.find((s) => s.name === 'ConnectionCount')!;
    const open = (series: SeriesState[], watched = signal, pinned?: string) =>
      openWatch(step, series, watched, defaults, [], trafficOf(index, defaults, 'c', pinned)).watch;
    const rate = open(brokers('ConnectionCreationRate', 10, swing));
    expect(rate).toMatchObject({ trafficSignal: 'MessagesInPerSec', trafficFloor: null });
    const settings = { periodMs: MIN, minEffect: Math.log(1.5) / 2 };
    expect(perTrafficOf(rate, trafficReference(messages), settings)!.floor).toBe(-Infinity);
    // Connections opened whatever the traffic: a dip of traffic must not read as a storm.
    const steady = open(brokers('ConnectionCreationRate', 10));
    expect(steady.trafficFloor).toBeCloseTo(steady.trafficLevel! - Math.log(1.5) / 4, 9);
    const counted = open(brokers('ConnectionCount', 900, swing), count);
    expect(counted.trafficFloor).toBeCloseTo(counted.trafficLevel! - Math.log(1.3) / 4, 9);
    const onBytes = openWatch(
      step,
      brokers('ConnectionCreationRate', 10, swing),
      signal,
      defaults,
      [],
      trafficOf(index, defaults, 'c', 'BytesInPerSec'),
    ).watch;
    expect(onBytes.trafficFloor).toBeCloseTo(onBytes.trafficLevel! - Math.log(1.5) / 4, 9);
    // Saved before watches named their traffic and floor: bytes, part of the fall, as they were judged then.
    const { trafficSignal: _s, trafficFloor: _f, ...legacy } = onBytes;
    expect(watchTraffic(legacy)).toBe('BytesInPerSec');
    expect(perTrafficOf(legacy, trafficReference(bytes), settings)!.floor).toBeCloseTo(onBytes.trafficFloor!, 9);
  });

  it('is built once per cluster and signal for an evaluation’s watches', () => {
    const index = seriesIndex(byKey([...brokers('BytesInPerSec', 1e6), ...brokers('MessagesInPerSec', 1e3)]));
    const lookup = trafficLookup(index, parseConfig(''));
    expect(lookup('c')).toBe(lookup('c'));
    expect(lookup('c', 'BytesInPerSec')).toBe(lookup('c', 'BytesInPerSec'));
    expect(lookup('c', 'BytesInPerSec')!.signal).toBe('BytesInPerSec');
    expect(lookup('c')!.signal).toBe('MessagesInPerSec');
  });

  it('reads a watch’s traffic from the signal its level is of, never another: none where that one has no readings', () => {
    const defaults = parseConfig('');
    const bytes = brokers('BytesInPerSec', 1e6);
    const both = seriesIndex(byKey([...bytes, ...brokers('MessagesInPerSec', 1e3)]));
    expect(trafficOf(both, defaults, 'c')!.signal).toBe('MessagesInPerSec');
    expect(trafficOf(both, defaults, 'c', 'BytesInPerSec')).toMatchObject({ signal: 'BytesInPerSec', fallsWithCompression: true });
    expect(trafficOf(seriesIndex(byKey(bytes)), defaults, 'c', 'MessagesInPerSec')).toBeUndefined();
  });

  it('judges the history per unit of traffic too: a cluster whose traffic swung before the step is as quiet as one that did not', () => {
    const swing = (m: number) => (m % 20 < 10 ? 1 : 3);
    const ccr = brokers('ConnectionCreationRate', 10, swing);
    const bytes = brokers('BytesInPerSec', 1e6, swing);
    const judged = openWatch(step, ccr, signal, config, [], trafficOf(seriesIndex(byKey(bytes)), config, 'c'));
    const raw = openWatch(step, ccr, signal, config, []);
    expect(judged.watch.sd).toBeLessThan(raw.watch.sd / 5);
  });
});

describe('the evidence of a watch per unit of traffic', () => {
  it('says so', () => {
    const evidence = {
      kind: 'fast',
      purpose: 'step',
      cluster: 'c',
      signal: 'ConnectionCreationRate',
      onset: 0,
      candidates: [],
      factor: 2,
    } as const;
    expect(describeEvidence({ ...evidence, perTraffic: true })).toMatch(
      /^ConnectionCreationRate 2(\.0+)?x expected per unit of traffic on c/,
    );
    expect(describeEvidence(evidence)).not.toMatch(/traffic/);
  });

  it('says which stage of the watch decided, and the factor over the flag’s first step where it counted', () => {
    const evidence = { kind: 'fast', purpose: 'step', cluster: 'c', signal: 'ConnectionCreationRate', onset: 0, candidates: [] } as const;
    const sustained = describeEvidence({
      ...evidence,
      factor: 1.3,
      sinceFirstStep: 1.43,
      stage: 'sustained',
      statistic: 0.26,
      threshold: 0.2,
    });
    expect(sustained).toMatch(/1\.43x over its level before the flag's first step/);
    expect(sustained).toMatch(/mean log excess since the release 0\.260 ≥ 0\.200/);
    expect(describeEvidence({ ...evidence, factor: 2, statistic: 9 })).toMatch(/CUSUM 9/);
  });
});
