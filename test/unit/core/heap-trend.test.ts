import { describe, expect, it } from 'vitest';
import { heapTrend, heapTrendSettings, slopeBeforeOf } from '../../../lambdas/core/heap-trend.ts';
import type { BrokerHistory } from '../../../lambdas/core/release-watch.ts';

import { BROKERS, MIN, noise, RELEASE, START } from './release-watch-fixtures.ts';

describe('the heap trend of a release', () => {
  const heap = heapTrendSettings(MIN);
  /** Heap after GC per broker, per minute from 3 h before the release to `after` minutes after it. */
  function heapHistories(at: (minutesFromRelease: number) => number, after: number, seed = 5): BrokerHistory[] {
    const draw = noise(seed, 1);
    return BROKERS.map((b) => ({
      broker: b,
      points: Array.from({ length: 180 + after }, (_, i) => ({
        time: START + (i - 180) * MIN,
        value: at(i - 180) + Math.log(draw()) * 0.8,
      })),
    }));
  }

  it('rises when heap climbs from the release on, and forecasts the limit', () => {
    const histories = heapHistories((m) => 55 + (m > 0 ? (5 * m) / 60 : 0), 90);
    const trend = heapTrend(histories, RELEASE, START + 90 * MIN, heap);
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter!).toBeCloseTo(5, 0);
    expect(trend.slopeBefore!).toBeCloseTo(0, 0);
    // From about 62.5% at 5 points an hour: about 5.5 h to 90%.
    expect(trend.msToLimit! / 3_600_000).toBeCloseTo(5.5, 0);
    expect(trend.withinHorizon).toBe(true);
  });

  it('never calls a level bump a trend', () => {
    const trend = heapTrend(
      heapHistories((m) => (m >= 0 ? 75 : 55), 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend).toMatchObject({ kind: 'steady', withinHorizon: false });
  });

  it('does not blame the release for a climb that was already there', () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (4 * m) / 60, 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend.kind).toBe('steady');
  });

  it("judges a step early where the flag's earlier step climbed, asking a steeper climb of a shorter window", () => {
    // 20 minutes after the step: 30 points an hour (a 25% step of a flag that climbed at 5%).
    const steep = heapHistories((m) => 55 + (m > 0 ? (30 * m) / 60 : 0), 21);
    const at = START + 21 * MIN;
    expect(heapTrend(steep, RELEASE, at, heap).kind).toBe('too-early');
    const early = heapTrend(steep, RELEASE, at, heap, { early: true });
    expect(early).toMatchObject({ kind: 'rising', withinHorizon: true });
    // Over about a third of the window, about 3^1.5 times the change of slope asked over the whole of it.
    const periods = (at - RELEASE) / MIN;
    expect(early.asked!).toBeCloseTo(heap.minSlopeChange * (heap.minAfterPeriods / periods) ** 1.5, 5);
    // 3 points an hour would be a climb over the full hour; over 20 minutes it is not yet told from noise.
    const mild = heapHistories((m) => 55 + (m > 0 ? (3 * m) / 60 : 0), 21);
    expect(heapTrend(mild, RELEASE, at, heap, { early: true }).kind).toBe('steady');
    expect(
      heapTrend(
        heapHistories((m) => 55 + (m > 0 ? (3 * m) / 60 : 0), 61),
        RELEASE,
        START + 61 * MIN,
        heap,
      ).kind,
    ).toBe('rising');
  });

  it("judges a flag's later step against the slope before the flag's first step: a climb its earlier steps began is the flag's", () => {
    // The flag's 25% step, 2 h after its 5% step began a climb of 8 points an hour, at 82%.
    const histories = heapHistories((m) => 74 + (8 * m) / 60, 90);
    expect(heapTrend(histories, RELEASE, START + 90 * MIN, heap).kind).toBe('steady');
    const trend = heapTrend(histories, RELEASE, START + 90 * MIN, heap, { flagBefore: 0.2 });
    expect(trend).toMatchObject({ kind: 'rising', slopeBefore: 0.2, withinHorizon: true });
    for (const b of trend.brokers!) expect(b.slopeBefore).toBe(0.2);
  });

  it('knows the slope before a release at the release, before the slope after can be trusted', () => {
    const histories = heapHistories((m) => 50 + (4 * m) / 60, 0);
    expect(heapTrend(histories, RELEASE, RELEASE + 5 * MIN, heap).kind).toBe('too-early');
    expect(slopeBeforeOf(histories, RELEASE, heap)).toBeCloseTo(4, 0);
    expect(slopeBeforeOf([], RELEASE, heap)).toBeUndefined();
  });

  it('waits for enough points after the release', () => {
    expect(
      heapTrend(
        heapHistories(() => 50, 30),
        RELEASE,
        START + 30 * MIN,
        heap,
      ),
    ).toEqual({ kind: 'too-early', withinHorizon: false });
  });

  it("does not blame the release for a climb that began within its window, before it (an earlier release's)", () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (m > -60 ? (8 * (m + 60)) / 60 : 0), 90),
      RELEASE,
      START + 90 * MIN,
      heap,
    );
    expect(trend.slopeBefore!).toBeCloseTo(8, 0);
    expect(trend.kind).toBe('steady');
  });

  it('does not call a bump that came and went a trend: the climb must hold over the recent half of its window', () => {
    const trend = heapTrend(
      heapHistories((m) => 50 + (m >= 30 && m < 70 ? 12 : 0), 100),
      RELEASE,
      START + 100 * MIN,
      heap,
    );
    expect(trend.kind).toBe('steady');
  });

  it('measures the slope after from where it is told to (after a surge), and waits for enough points from there', () => {
    const histories = heapHistories((m) => 50 + (m >= 0 && m < 40 ? 15 : 0) + (m >= 40 ? (6 * (m - 40)) / 60 : 0), 110);
    expect(heapTrend(histories, RELEASE, START + 90 * MIN, heap, { from: START + 40 * MIN }).kind).toBe('too-early');
    const trend = heapTrend(histories, RELEASE, START + 110 * MIN, heap, { from: START + 40 * MIN });
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter!).toBeCloseTo(6, 0);
  });

  it('forecasts from the heap as it is where the trend is judged per unit of traffic, and says where each broker is', () => {
    const actual = heapHistories((m) => 55 + (m > 0 ? (5 * m) / 60 : 0), 90);
    // The same climb, judged on a series shifted 10 points up (as per unit of traffic at a lower traffic).
    const judged = actual.map((h) => ({ broker: h.broker, points: h.points.map((p) => ({ time: p.time, value: p.value + 10 })) }));
    const trend = heapTrend(judged, RELEASE, START + 90 * MIN, heap, { actual });
    expect(trend.kind).toBe('rising');
    expect(trend.level!).toBeCloseTo(62.5, 0);
    expect(trend.msToLimit! / 3_600_000).toBeCloseTo(5.5, 0);
    expect(trend.brokers).toHaveLength(actual.length);
    for (const b of trend.brokers!) {
      expect(b.level).toBeCloseTo(62.5, 0);
      expect(b.slopeAfter).toBeCloseTo(5, 0);
    }
    expect(Math.round(trend.measuredMs! / MIN)).toBe(90);
  });

  it('measures the climb since the release net of the traffic beside it: heap that rose with traffic is not a climb, a climb under it is', () => {
    // Traffic up e-fold from 40 minutes after the release on; heap 12 points up with it.
    const up = (m: number) => (m >= 40 ? 1 : 0);
    const trafficAt = (time: number) => up(Math.floor((time - START) / MIN));
    const surge = heapHistories((m) => 55 + 12 * up(m), 70);
    expect(heapTrend(surge, RELEASE, START + 70 * MIN, heap).kind).toBe('rising');
    expect(heapTrend(surge, RELEASE, START + 70 * MIN, heap, { trafficAt }).kind).toBe('steady');
    const climbing = heapHistories((m) => 55 + 12 * up(m) + (m > 0 ? (6 * m) / 60 : 0), 70);
    const trend = heapTrend(climbing, RELEASE, START + 70 * MIN, heap, { trafficAt });
    expect(trend.kind).toBe('rising');
    expect(trend.slopeAfter!).toBeCloseTo(6, 0);
  });

  it('does not judge a broker whose heap went dark over the recent half of the window: the climb must hold there', () => {
    const climbing = heapHistories((m) => 55 + (m > 0 ? (12 * m) / 60 : 0), 90);
    const dark = climbing.map((h) => ({ broker: h.broker, points: h.points.filter((p) => p.time < RELEASE + 30 * MIN) }));
    expect(heapTrend(climbing, RELEASE, START + 90 * MIN, heap).kind).toBe('rising');
    expect(heapTrend(dark, RELEASE, START + 90 * MIN, heap).kind).toBe('too-early');
  });
});
