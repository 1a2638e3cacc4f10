import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { checkHeap, heapSignal, openHeapWatch } from '../../../lambdas/core/heap-watch.ts';
import { remember } from '../../../lambdas/core/history.ts';
import { newSeriesState } from '../../../lambdas/core/series.ts';
import { seriesIndex, type WatchEntry } from '../../../lambdas/core/watches.ts';
import { firstStep } from './release-watch-fixtures.ts';

const MIN = 60_000;
const RELEASE = 180 * MIN;
const config = parseConfig('');
const heap = heapSignal(config)!;

/** Three brokers' heap after GC: flat at 55% for 3 h, then climbing 10 points an hour from the release, for `after` minutes. */
function climbing(after: number) {
  const states = [1, 2, 3].map((b) => {
    const s = newSeriesState({ key: `heap/${b}`, signal: heap.name, cluster: 'c', dimensions: { 'Broker ID': String(b) } });
    for (let m = 0; m < 180 + after; m++) remember(s.history, 1000, m * MIN, 55 + 0.1 * Math.sin(m * b) + (m > 180 ? (m - 180) / 6 : 0));
    return s;
  });
  return seriesIndex(Object.fromEntries(states.map((s) => [s.key, s])));
}

/** Another release's fast watch on the cluster, alarmed at `time` (the fields the heap watch reads). */
const alarmedAt = (time: number) =>
  ({ purpose: 'step', cluster: 'c', release: { id: 'other' }, watch: { status: 'alarm', alarm: { time } } }) as unknown as WatchEntry;

describe('the heap watch of a release', () => {
  const step = firstStep(RELEASE);
  const check = (watches: WatchEntry[]) =>
    checkHeap(openHeapWatch(step, 'c', heap.name), heap, config, {
      now: RELEASE + 90 * MIN,
      index: climbing(90),
      watches,
      releases: [step],
      slopeBefore: () => {},
    });

  it('rolls back on a climb from the release that reaches the limit within the horizon', () => {
    expect(check([])).toMatchObject({ withinHorizon: true });
  });

  it("leaves the climb to another release whose fast watch on the cluster alarmed from just before this one on (a storm's producer state)", () => {
    expect(check([alarmedAt(RELEASE + 3 * MIN)])).toBeUndefined();
    expect(check([alarmedAt(RELEASE - 5 * MIN)])).toBeUndefined();
    expect(check([alarmedAt(RELEASE - 60 * MIN)])).toMatchObject({ withinHorizon: true });
  });
});
