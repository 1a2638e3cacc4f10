/** A replay with the deployed cadence in the loop: fewer evaluations, the same points, the same storm decision. */
import { describe, expect, it } from 'vitest';
import { MemoryStateStore, RecordingFlagController } from '../../../lambdas/adapters/memory/index.ts';
import { replay } from '../../../lambdas/app/replay.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../../lambdas/core/release.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');
const config = parseConfig('');
const ports = () => ({ store: new MemoryStateStore(), flags: new RecordingFlagController(), notifiers: [] });

/** Six brokers' connection creation rate, flat with a little noise, multiplied by 4 from `stormAt`. */
function fleet(minutes: number, stormAt: number): MetricSeries[] {
  return Array.from({ length: 6 }, (_, b) => ({
    key: `ConnectionCreationRate Broker ID=${b + 1}`,
    signal: 'ConnectionCreationRate',
    cluster: 'c',
    dimensions: { 'Cluster Name': 'c', 'Broker ID': String(b + 1) },
    points: Array.from({ length: minutes }, (_, m) => ({
      time: t0 + m * MINUTE,
      value: 10 * (1 + 0.05 * Math.sin(m * 1.7 + b)) * (t0 + m * MINUTE >= stormAt ? 4 : 1),
    })),
  }));
}

/** The storm flag's step 0% → 5%, 17 s into minute 100: the fleet's storm starts the minute after. */
const releases: ReleaseEvent[] = [
  {
    kind: 'rollout-step',
    id: 'storm',
    time: t0 + 100 * MINUTE + 17_000,
    flag: 'storm',
    environment: 'production',
    target: { kind: 'fallthrough' },
    fromPercent: 0,
    toPercent: 5,
  },
];

describe('a replay on the deployed cadence', () => {
  it('evaluates every 5 minutes while nothing is watched, scoring every point all the same', async () => {
    const evaluations: number[] = [];
    const store = new MemoryStateStore();
    const scored: number[] = [];
    const notifiers = [{ name: 'ticks', notify: async () => {} }];
    const result = await replay(
      { series: fleet(120, Infinity), releases: [] },
      config,
      { store, flags: new RecordingFlagController(), notifiers },
      {
        cadence: true,
        onScore: (_, s) => void scored.push(s.time),
        progress: () => void evaluations.push(scored.length),
      },
    );
    for (const s of Object.values(result.state.series)) expect(s.detector.counts.points).toBe(120);
    expect(scored).toHaveLength(6 * 120);
    // Evaluated at the first period, then every 5, and at the data's end.
    expect(result.state.evaluatedAt).toBe(t0 + 120 * MINUTE);
    const reads = evaluations.flatMap((n, i) => (n !== (evaluations[i - 1] ?? 0) ? [i + 1] : []));
    expect(reads).toEqual([1, 6, 11, 16, 21, 26, 31, 36, 41, 46, 51, 56, 61, 66, 71, 76, 81, 86, 91, 96, 101, 106, 111, 116, 120]);
  });

  it('rolls a storm at a step back as soon as when evaluating every period', async () => {
    const input = { series: fleet(140, t0 + 101 * MINUTE), releases };
    const everyPeriod = await replay(input, config, ports());
    const cadence = await replay(input, config, ports(), { cadence: true });
    const rollback = (r: typeof everyPeriod) => r.decisions.find((d) => d.action === 'rollback');
    expect(rollback(everyPeriod)).toBeDefined();
    expect(rollback(cadence)).toMatchObject({ time: rollback(everyPeriod)!.time, flag: 'storm', toPercent: 0 });
  });

  it('rolls the storm back where the export sits off the period grid (a query started 20 s past the minute), and says so', async () => {
    const offGrid = fleet(140, t0 + 101 * MINUTE).map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, time: p.time + 20_000 })) }));
    const result = await replay({ series: offGrid, releases }, config, ports());
    expect(result.decisions.find((d) => d.action === 'rollback')).toMatchObject({ flag: 'storm', toPercent: 0 });
    expect(result.warnings).toEqual([
      expect.stringContaining('6 of 6 series have timestamps off the 60 s period grid (by up to 40 s)'),
      expect.stringMatching(/^cluster c has no data for ConnectionCount, .*HeapMemoryAfterGC: the guardrail is blind for them/),
      expect.stringMatching(/^cluster c reports no traffic signal/),
    ]);
  });
});
