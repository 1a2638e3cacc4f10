/**
 * What the detector Lambda reports of itself (embedded metric format), run in process over
 * in-memory ports: the heartbeat its alarm reads, and the data's age.
 */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../lambdas/adapters/memory/index.ts';
import { NoFlagController } from '../../../lambdas/adapters/none/flag-controller.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import { createDetectorHandler, type DetectorWiring, NO_DATA_AGE_SECONDS } from '../../../lambdas/handlers/detector.ts';
import type { MetricSource } from '../../../lambdas/ports.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T10:00:30Z');
const config = parseConfig('clusters: [events-msk]\ncadence: { idleMinutes: 5 }\n');

/** The metrics each run published: name → values. */
function recordingMetrics() {
  const runs: Array<Record<string, number[]>> = [];
  let current: Record<string, number[]> = {};
  const add = (name: string, _unit: unknown, value: number) => void (current[name] ??= []).push(value);
  const metrics = {
    addMetric: add,
    singleMetric: () => ({ addDimensions: () => ({ addMetric: add }) }),
    publishStoredMetrics: () => {
      runs.push(current);
      current = {};
    },
  };
  return { runs, metrics: metrics as unknown as Metrics };
}

/** A broker's series with a point every minute up to `until` (none: no data at all). */
const brokerSeries = (until: number | undefined): MetricSeries[] =>
  until === undefined
    ? []
    : [
        {
          key: 'ProduceTotalTimeMsMean/1',
          signal: 'ProduceTotalTimeMsMean',
          cluster: 'events-msk',
          dimensions: { 'Cluster Name': 'events-msk', 'Broker ID': '1' },
          points: Array.from({ length: 10 }, (_, i) => ({ time: until - (9 - i) * MINUTE, value: 20 })),
        },
      ];

function deploy(source: MetricSource) {
  const { runs, metrics } = recordingMetrics();
  const store = Object.assign(new MemoryStateStore(), { releases: async () => [], addReleases: async () => {} });
  const unused = { send: async () => ({}) } as never;
  const wiring: DetectorWiring = {
    config,
    cloudwatch: unused,
    dynamo: unused,
    sns: unused,
    tableName: 't',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    flags: new NoFlagController('none'),
    metricSource: source,
    storeFor: () => store,
    metrics,
    log: () => {},
  };
  const handler = createDetectorHandler(wiring);
  return { runs, invoke: (minute: number) => handler({ time: new Date(t0 + minute * MINUTE).toISOString() }) };
}

describe("the detector's heartbeat", () => {
  it('is reported by runs that evaluated or let the cadence skip them, not by a run that failed', async () => {
    let failing = false;
    const { runs, invoke } = deploy({
      read: async (_from, to) => {
        if (failing) throw new Error('GetMetricData: connection reset');
        return { series: brokerSeries(to - MINUTE), warnings: [] };
      },
    });
    expect((await invoke(0)).status).toBe('evaluated');
    expect((await invoke(1)).status).toBe('skipped');
    failing = true;
    await expect(invoke(5)).rejects.toThrow(/connection reset/);
    expect(runs.map((r) => [r.Heartbeat?.length ?? 0, r.Errors?.length ?? 0])).toEqual([
      [1, 0],
      [1, 0],
      [0, 1],
    ]);
  });
});

describe("the detector's data age", () => {
  it('is reported by every run that reads: the newest datapoint’s age, or, where the read found none at all, NO_DATA_AGE_SECONDS', async () => {
    // The newest point read is for the period 3 minutes before the evaluation: it ended 2 minutes before.
    let data = true;
    const { runs, invoke } = deploy({
      read: async (_from, to) => ({ series: brokerSeries(data ? to - 3 * MINUTE : undefined), warnings: [] }),
    });
    await invoke(0);
    data = false;
    await invoke(1);
    await invoke(5);
    expect(runs.map((r) => r.DataAge)).toEqual([[120], undefined, [NO_DATA_AGE_SECONDS]]);
  });
});
