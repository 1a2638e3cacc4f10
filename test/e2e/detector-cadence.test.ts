/**
 * The detector Lambda in process, on its cadence and over shards: most runs only look at the
 * head and the release timeline; a release that lands starts one-minute reads at the next run;
 * each shard's schedule reads its own clusters into its own state partition.
 */

import { Metrics } from '@aws-lambda-powertools/metrics';
import type { GetMetricDataCommand, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { CountingDynamo } from '../../bench/cost/fake-dynamo.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { createDetectorHandler, type DetectorOutcome } from '../../lambdas/handlers/detector.ts';
import { firstStep } from '../unit/core/release-watch-fixtures.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2026-11-02T10:00:00Z');

/** CloudWatch with three brokers of ConnectionCount per cluster asked for, and the clusters each request asked for. */
function cloudwatch() {
  const asked: string[][] = [];
  return {
    asked,
    send: async (command: unknown) => {
      const input = (command as GetMetricDataCommand).input as GetMetricDataCommandInput;
      const clusters = new Set<string>();
      const results = (input.MetricDataQueries ?? []).flatMap((q) => {
        const [, signal, cluster] = /MetricName="([^"]+)" "Cluster Name"="([^"]+)"/.exec(q.Expression!)!;
        clusters.add(cluster!);
        if (signal !== 'ConnectionCount') return [];
        const times: Date[] = [];
        for (let t = Math.ceil(input.StartTime!.getTime() / MINUTE) * MINUTE; t < input.EndTime!.getTime(); t += MINUTE)
          times.push(new Date(t));
        return [1, 2, 3].map((b) => ({
          Id: q.Id,
          Label: `ConnectionCount Cluster Name=${cluster}, Broker ID=${b}`,
          Timestamps: times,
          Values: times.map((t) => 100 + Math.sin(t.getTime() / MINUTE + b)),
          StatusCode: 'Complete',
        }));
      });
      asked.push([...clusters].sort());
      return { MetricDataResults: results, Messages: [] };
    },
  };
}

function deploy(configText: string) {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const dynamo = new CountingDynamo();
  const cw = cloudwatch();
  const warnings: unknown[] = [];
  const handler = createDetectorHandler({
    config: parseConfig(configText),
    cloudwatch: cw,
    dynamo: dynamo as never,
    sns: { send: async () => ({}) } as unknown as SNSClient,
    tableName: 't',
    topicArn: 'arn:aws:sns:us-east-1:123456789012:alerts',
    flags: new RecordingFlagController(),
    metrics: new Metrics({ namespace: 'Stormguard', serviceName: 'detector' }),
    log: (entry) => void (entry.level === 'warn' && warnings.push(entry.message)),
  });
  return {
    dynamo,
    cw,
    warnings,
    invoke: (minute: number, shard?: string) =>
      handler({ time: new Date(t0 + minute * MINUTE).toISOString(), ...(shard ? { shard } : {}) }),
  };
}

const reasons = (outcomes: DetectorOutcome[]) =>
  outcomes.map((o) => (o.status === 'evaluated' ? o.result.plan.reason : o.status === 'skipped' ? '-' : o.status));

describe('the detector Lambda on its cadence', () => {
  it('reads every 5 minutes while nothing is watched, and from the next minute after a release lands until its watch ends', async () => {
    const { dynamo, cw, invoke } = deploy('clusters: [a]\ncadence: { idleMinutes: 5, watchMinutes: 10 }\n');
    const outcomes: DetectorOutcome[] = [];
    for (let m = 0; m < 12; m++) outcomes.push(await invoke(m));
    expect(reasons(outcomes).join(' ')).toBe('first - - - - idle - - - - idle -');
    // A step at 10:12:20, seen by the webhook at once: the 10:13 run reads, and every run until 10:22:20.
    const step: ReleaseEvent = { ...firstStep(t0 + 12 * MINUTE + 20_000), id: 's' };
    const staging: ReleaseEvent = { kind: 'deploy', id: 'd', time: t0 + 2 * MINUTE, service: 'api', version: '2', environment: 'staging' };
    await new DynamoStore(dynamo as never, 't').addReleases([step, staging]);
    const after: DetectorOutcome[] = [];
    for (let m = 12; m < 30; m++) after.push(await invoke(m));
    expect(reasons(after).join(' ')).toBe('- watch watch watch watch watch watch watch watch watch watch - - - - idle - -');
    // Skipped runs read the head and the timeline, never CloudWatch.
    expect(cw.asked).toHaveLength(outcomes.concat(after).filter((o) => o.status === 'evaluated').length);
  });

  it('reads, for each shard, only its clusters, into its own state', async () => {
    // 30 brokers × 5 signals: one cluster to a shard.
    const { dynamo, cw, invoke } = deploy('clusters: [a, b]\nshards: { maxSeries: 150 }\n');
    await invoke(0, '1');
    await invoke(0, '0');
    expect(cw.asked).toEqual([['b'], ['a']]);
    const shard1 = await new DynamoStore(dynamo as never, 't', { shard: '1' }).load();
    expect(Object.keys(shard1!.series).every((k) => k.includes('Cluster Name=b'))).toBe(true);
    const all = await new DynamoStore(dynamo as never, 't').loadAll();
    expect(all!.evaluatedAt).toBe(shard1!.evaluatedAt);
    await expect(invoke(1, '7')).rejects.toThrow(/shard "7", which the deployment does not have/);
  });

  it('logs a rollout step outside the guarded environment once, as it lands, rather than dropping it unsaid; a deploy to staging is no news', async () => {
    const { dynamo, invoke, warnings } = deploy('clusters: [a]\nenvironment: prod\n');
    await invoke(0);
    const step: ReleaseEvent = { ...firstStep(t0 + MINUTE), id: 's' };
    const staging: ReleaseEvent = { kind: 'deploy', id: 'd', time: t0 + 2 * MINUTE, service: 'api', version: '2', environment: 'staging' };
    await new DynamoStore(dynamo as never, 't').addReleases([step, staging]);
    for (let m = 1; m < 12; m++) await invoke(m);
    expect(warnings.filter((w) => /guarded/.test(String(w)))).toEqual([
      '1 of 1 rollout step is in environment "production", not the guarded "prod": never watched nor rolled back (the guarded environment is `environment` in the configuration)',
    ]);
  });
});
