import { describe, expect, it } from 'vitest';
import { type GuardrailConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { checkHeap, heapSignal, openHeapWatch } from '../../../lambdas/core/heap-watch.ts';
import { remember } from '../../../lambdas/core/history.ts';
import type { ReleaseEvent } from '../../../lambdas/core/release.ts';
import { newSeriesState } from '../../../lambdas/core/series.ts';
import { type SeriesIndex, seriesIndex } from '../../../lambdas/core/series-index.ts';
import type { WatchEntry } from '../../../lambdas/core/watches.ts';
import { firstStep } from './release-watch-fixtures.ts';

const MIN = 60_000;
const RELEASE = 180 * MIN;
const config = parseConfig('');
const heap = heapSignal(config)!;

const step = firstStep(RELEASE);
/** The configuration that names BytesInPerSec as traffic. */
const perTraffic = parseConfig('signals:\n  BytesInPerSec: { kind: rate, traffic: true }\n');

/** The heap watch of the flag's step at RELEASE, checked `minutes` after it on `index`. */
function checkAt(
  minutes: number,
  index: SeriesIndex,
  options: { config?: GuardrailConfig; watches?: WatchEntry[]; releases?: ReleaseEvent[] } = {},
) {
  return checkHeap(openHeapWatch(step, 'c', heap.name), heap, options.config ?? config, {
    now: RELEASE + minutes * MIN,
    index,
    watches: options.watches ?? [],
    releases: options.releases ?? [step],
    slopeBefore: () => {},
  });
}

/** Three brokers' heap after GC: flat at 55% for 3 h, then climbing 10 points an hour from the release, for `after` minutes. */
function climbing(after: number) {
  const states = [1, 2, 3].map((b) => {
    const s = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 180 + after; m++) remember(s.history, 1000, m * MIN, 55 + 0.1 * Math.sin(m * b) + (m > 180 ? (m - 180) / 6 : 0));
    return s;
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

/** Log traffic: a slow wave for 3 h, then climbing 0.5 an hour from the release. */
const logTraffic = (m: number) => 0.3 * Math.sin(Math.min(m, 180) / 30) + (m > 180 ? (m - 180) / 120 : 0);

/** Heap that moves with traffic (20 points per unit of log traffic) and no more, with BytesInPerSec exported beside it, or not. */
function withTraffic(after: number, exported: boolean) {
  const states = [1, 2, 3].flatMap((b) => {
    const h = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    const t = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 180 + after; m++) {
      remember(h.history, 1000, m * MIN, 55 + 20 * logTraffic(m) + 0.1 * Math.sin(m * b));
      remember(t.history, 1000, m * MIN, 15 + logTraffic(m));
    }
    return exported ? [h, t] : [h];
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

/** Heap climbing 10 points an hour from the release under traffic that swings ±50% over two hours (heap 20 points per unit of log traffic), bytes exported. */
function climbUnderSwings(after: number) {
  const swing = (m: number) => 0.4 * Math.sin((2 * Math.PI * m) / 120);
  const states = [1, 2, 3].flatMap((b) => {
    const h = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    const t = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 180 + after; m++) {
      remember(h.history, 1000, m * MIN, 55 + 20 * swing(m) + 0.1 * Math.sin(m * b) + (m > 180 ? (m - 180) / 6 : 0));
      remember(t.history, 1000, m * MIN, 15 + swing(m));
    }
    return [h, t];
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

/** Heap and BytesInPerSec on three brokers to `after` minutes past the release, each at minute m (from the export's start) by its function. */
function heapAndBytes(after: number, heapAt: (m: number) => number, logBytes: (m: number) => number) {
  const states = [1, 2, 3].flatMap((b) => {
    const h = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    const t = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 180 + after; m++) {
      remember(h.history, 1000, m * MIN, heapAt(m) + 0.1 * Math.sin(m * b));
      remember(t.history, 1000, m * MIN, 15 + logBytes(m));
    }
    return [h, t];
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

/** The minute after the release at which a heap watch checked every minute on the data up to then (as the detector does) first calls for action; -1 for none. */
function firstAction(minutes: number, world: (after: number) => SeriesIndex): number {
  const entry = openHeapWatch(step, 'c', heap.name);
  const context = { watches: [], releases: [step], slopeBefore: () => {} };
  for (let m = 1; m <= minutes; m++)
    if (checkHeap(entry, heap, perTraffic, { ...context, index: world(m), now: RELEASE + m * MIN })?.withinHorizon) return m;
  return -1;
}

/** Another release's fast watch on the cluster, alarmed at `time` (the fields the heap watch reads). */
const alarmedAt = (time: number) =>
  ({ purpose: 'step', cluster: 'c', release: { id: 'other' }, watch: { status: 'alarm', alarm: { time } } }) as unknown as WatchEntry;

describe('the heap watch of a release', () => {
  const check = (watches: WatchEntry[]) => checkAt(90, climbing(90), { watches });

  it('rolls back on a climb from the release that reaches the limit within the horizon', () => {
    expect(check([])).toMatchObject({ withinHorizon: true });
  });

  it("judges the climb anew from another release's fast alarm on the cluster from just before this one on (a storm's producer state), and only from then", () => {
    const at = (minutes: number, watches: WatchEntry[]) => checkAt(minutes, climbing(minutes), { watches });
    // The other storm alarmed 40 min after this release: what climbed across it is not judged.
    expect(at(90, [alarmedAt(RELEASE + 40 * MIN)])).toBeUndefined();
    // A climb that goes on for the minimum window after it is this release's: the excuse has an end.
    expect(at(110, [alarmedAt(RELEASE + 40 * MIN)])).toMatchObject({ withinHorizon: true });
    // An alarm before this release (just before, or long before) leaves its climb to be judged from the release.
    expect(check([alarmedAt(RELEASE - 5 * MIN)])).toMatchObject({ withinHorizon: true });
    expect(check([alarmedAt(RELEASE - 60 * MIN)])).toMatchObject({ withinHorizon: true });
  });

  it("watches on through another rule's later step; a later step of its own rollout takes the climb over", () => {
    const watchWith = (later: typeof step) => checkAt(90, climbing(90), { releases: [step, later] });
    const laterAt = { ...step, id: 'later', time: RELEASE + 30 * MIN, fromPercent: 1, toPercent: 5 };
    expect(watchWith({ ...laterAt, target: { kind: 'rule', ruleId: 'rule-eu' } })).toMatchObject({ withinHorizon: true });
    expect(watchWith(laterAt)).toBeUndefined();
  });
});

describe('the heap watch of a release, where a traffic signal is configured', () => {
  const check = (exported: boolean, configured = perTraffic) => checkAt(120, withTraffic(120, exported), { config: configured });

  it('leaves a climb that traffic explains, learnt from how heap moved with traffic before the release', () => {
    expect(check(true)).toBeUndefined();
  });

  it('finds a climb under traffic that swings by half over two hours: net of traffic, the swings do not start its window anew', () => {
    // Checked every minute on the data up to then, as the detector does: each check may move where the slope is measured from.
    const entry = openHeapWatch(step, 'c', heap.name);
    const context = { watches: [], releases: [step], slopeBefore: () => {} };
    const found = Array.from({ length: 90 }, (_, m) =>
      checkHeap(entry, heap, perTraffic, { ...context, index: climbUnderSwings(m + 1), now: RELEASE + (m + 1) * MIN }),
    );
    expect(found.findIndex((trend) => trend?.withinHorizon)).toBeGreaterThanOrEqual(59);
    expect(found.findIndex((trend) => trend?.withinHorizon)).toBeLessThan(75);
  });

  it('finds a climb under a steady ramp of traffic, where time and traffic cannot be told apart', () => {
    const ramp = (m: number) => (0.15 * m) / 60 + 0.05 * Math.sin(m * 1.7);
    const climb = (m: number) => 60 + (m > 180 ? (m - 180) / 6 : 0);
    expect(firstAction(120, (after) => heapAndBytes(after, climb, ramp))).toBeGreaterThanOrEqual(60);
    expect(firstAction(120, (after) => heapAndBytes(after, climb, ramp))).toBeLessThan(75);
  });

  it('judges the heap as it is where traffic is not configured or not exported', () => {
    expect(check(true, parseConfig('signals:\n  BytesInPerSec: { enabled: false }\n'))).toMatchObject({ withinHorizon: true });
    expect(check(false)).toMatchObject({ withinHorizon: true });
  });
});

/** Heap climbing 10 points an hour from the release; connections up 50% from the release (a slow storm's own), bytes in flat, exported or not. */
function stormWithFlatBytes(after: number, bytesExported: boolean) {
  const states = [1, 2, 3].flatMap((b) => {
    const dims = { 'Broker ID': String(b) };
    const h = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: dims });
    const c = newSeriesState({ key: `conn/${b}`, signal: 'ClientConnectionCount', cluster: 'c', dimensions: dims });
    const t = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: dims });
    for (let m = 0; m < 180 + after; m++) {
      remember(h.history, 1000, m * MIN, 55 + 0.1 * Math.sin(m * b) + (m > 180 ? (m - 180) / 6 : 0));
      remember(c.history, 1000, m * MIN, Math.log((m > 180 ? 1500 : 1000) + 1));
      remember(t.history, 1000, m * MIN, 15 + 0.01 * Math.sin(m / 7));
    }
    return bytesExported ? [h, c, t] : [h, c];
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

describe('the heap watch, when traffic moved', () => {
  const check = (configured: GuardrailConfig, bytesExported: boolean) =>
    checkAt(90, stormWithFlatBytes(90, bytesExported), { config: configured });

  it("does not take a storm's own rise of connections for traffic where the traffic signal shows bytes flat", () => {
    expect(check(perTraffic, true)).toMatchObject({ withinHorizon: true });
  });

  it('takes a rise of connections for traffic where no traffic signal is read', () => {
    expect(check(parseConfig('signals:\n  BytesInPerSec: { enabled: false }\n'), true)).toBeUndefined();
    expect(check(perTraffic, false)).toBeUndefined();
  });
});

describe('the heap watch, when its traffic went dark', () => {
  /** Heap climbing 10 points an hour from the release, bytes flat but dark from 10 to 100 minutes after it. */
  function darkBytes(after: number) {
    const states = [1, 2, 3].flatMap((b) => {
      const h = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
      const t = newSeriesState({ key: `bytes/${b}`, signal: 'BytesInPerSec', cluster: 'c', dimensions: { 'Broker ID': String(b) } });
      for (let m = 0; m < 180 + after; m++) {
        remember(h.history, 1000, m * MIN, 55 + 0.1 * Math.sin(m * b) + (m > 180 ? (m - 180) / 6 : 0));
        if (m < 190 || m >= 280) remember(t.history, 1000, m * MIN, 15 + 0.01 * Math.sin(m / 7));
      }
      return [h, t];
    });
    return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
  }

  it('measures the climb from where the traffic came back: per unit of traffic, the heap has no points across the gap', () => {
    expect(checkAt(130, darkBytes(130), { config: perTraffic })).toBeUndefined();
    expect(checkAt(165, darkBytes(165), { config: perTraffic })).toMatchObject({ kind: 'rising', withinHorizon: true });
  });
});
