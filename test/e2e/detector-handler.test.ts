/**
 * The detector Lambda in process, over the bundled 2025 storm: its datapoints served by a mocked
 * CloudWatch client in GetMetricData's shape, state in dynalite, alerts to a mocked SNS. It must
 * decide what `stormguard replay` decides; and two runs at once must still roll back once.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ScheduledEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scenarioExports } from '../../cli/inputs.ts';
import { scenariosFolder } from '../../cli/paths.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { loadExports } from '../../lambdas/adapters/local/export-files.ts';
import { RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { S3Reports } from '../../lambdas/adapters/s3/incident-pages.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import { createDetectorHandler, type DetectorOutcome } from '../../lambdas/handlers/detector.ts';
import { replayJson } from '../support/cli.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { getMetricDataResults } from '../support/get-metric-data.ts';

const MINUTE = 60_000;
const config = parseConfig('clusters: [events-msk]\n');
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
let series: MetricSeries[];

beforeAll(async () => {
  const files = await scenarioExports('pagerduty-2025');
  series = (await loadExports(files.metrics, files.timeline, config)).series;
  // GetMetricData as CloudWatch answers it: each SEARCH's series, Dates, ascending, paged by 12 results.
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const results = getMetricDataResults(input, series);
    const page = Number(input.NextToken ?? 0);
    const next = page + 12 < results.length ? String(page + 12) : undefined;
    return Promise.resolve({ MetricDataResults: results.slice(page, page + 12), ...(next ? { NextToken: next } : {}), Messages: [] });
  });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});
afterAll(() => {
  cloudwatch.restore();
  sns.restore();
});

interface Deployment {
  readonly dynamo: LocalDynamo;
  readonly flags: RecordingFlagController;
  readonly invoke: (time: number) => Promise<DetectorOutcome>;
  readonly store: DynamoStore;
}

const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.dynamo.close();
});

async function deploy(extra: Partial<Parameters<typeof createDetectorHandler>[0]> = {}): Promise<Deployment> {
  const dynamo = await localDynamo();
  const flags = new RecordingFlagController();
  const store = new DynamoStore(dynamo.client, dynamo.table);
  const timeline = JSON.parse(await readFile(join(scenariosFolder, 'pagerduty-2025', 'launchdarkly-audit-log.json'), 'utf8'));
  const { readTimeline } = await import('../../lambdas/formats/timeline.ts');
  await store.addReleases(readTimeline([{ source: 'audit log', document: timeline }]).events);
  const handler = createDetectorHandler({
    config,
    cloudwatch: cloudwatch as unknown as CloudWatchClient,
    dynamo: dynamo.client,
    sns: sns as unknown as SNSClient,
    tableName: dynamo.table,
    topicArn: 'arn:aws:sns:eu-west-1:123456789012:stormguard-alerts',
    flags,
    metrics: new Metrics({ namespace: 'Stormguard', serviceName: 'detector', singleMetric: false }),
    log: () => {},
    ...extra,
  });
  const deployment = { dynamo, flags, store, invoke: (time: number) => handler(scheduledEvent(time)) };
  deployments.push(deployment);
  return deployment;
}

/** A scheduled event as EventBridge delivers it to a Lambda target. */
function scheduledEvent(time: number): ScheduledEvent {
  return {
    version: '0',
    id: `89d1a02d-5ec7-412e-82f5-13505f849b${String(time % 100).padStart(2, '0')}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '123456789012',
    time: new Date(time).toISOString().replace('.000Z', 'Z'),
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:123456789012:rule/Stormguard-GuardrailSchedule'],
    detail: {},
  };
}

/** EventBridge's scheduled times: every minute, evaluating the period that ended two minutes before. */
const scheduled = (from: string, to: string) => {
  const times: number[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += MINUTE) times.push(t + config.publishDelaySeconds * 1000);
  return times;
};

describe('the detector Lambda, in process', () => {
  it('makes the decision stormguard replay makes on the bundled storm', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const { invoke, flags } = await deploy();
    const outcomes: DetectorOutcome[] = [];
    for (const time of scheduled('2025-08-28T12:00:00Z', '2025-08-28T14:05:00Z')) outcomes.push(await invoke(time));
    const rollbacks = outcomes.flatMap((o) => (o.status === 'evaluated' ? o.result.acted.filter((d) => d.action === 'rollback') : []));
    const replayed = (await replayJson('pagerduty-2025')).decisions.filter((d) => d.action === 'rollback');
    expect(
      rollbacks.map((d) => ({ time: new Date(d.time).toISOString(), flag: d.flag, from: d.fromPercent, to: d.toPercent, mode: d.mode })),
    ).toEqual(replayed.map((d) => ({ time: d.time, flag: d.flag, from: d.fromPercent, to: d.toPercent, mode: d.mode })));
    expect(flags.requests).toEqual([expect.objectContaining({ flag: 'checkout-producer-per-request', percent: 0 })]);
    const published = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(
      published.some(
        (p) => /^\[Stormguard\] rolled back checkout-producer-per-request 1% -> 0%/.test(p.Subject!) && /0% → 1%/.test(p.Message!),
      ),
    ).toBe(true);
  });

  it('keeps the episode’s incident report in S3 and links it from the alert with a presigned URL', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const s3 = mockClient(S3Client);
    s3.on(PutObjectCommand).resolves({});
    try {
      const client = new S3Client({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });
      const { invoke } = await deploy({ reports: new S3Reports(client, 'stormguard-reports') });
      sns.resetHistory();
      for (const time of scheduled('2025-08-28T12:00:00Z', '2025-08-28T14:02:00Z')) await invoke(time);
      const put = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
      expect(put.map((p) => p.Key)).toEqual(['reports/events-msk_ConnectionCreationRate_2025-08-28T14_00_00.000Z.html']);
      expect(put[0]!.ContentType).toBe('text/html; charset=utf-8');
      expect(String(put[0]!.Body)).toMatch(
        /<title>Stormguard incident report: events-msk\/ConnectionCreationRate\/2025-08-28T14:00:00.000Z<\/title>/,
      );
      const message = sns
        .commandCalls(PublishCommand)
        .map((c) => c.args[0].input.Message!)
        .find((m) => m.includes('rolled back'))!;
      expect(message).toMatch(
        /\nIncident report: https:\/\/stormguard-reports\.s3\.eu-west-1\.amazonaws\.com\/reports\/events-msk_ConnectionCreationRate_2025-08-28T14_00_00\.000Z\.html\?.*X-Amz-Expires=21600.*X-Amz-Signature=/,
      );
    } finally {
      s3.restore();
    }
  });

  it('rolls back once when two runs overlap (EventBridge delivers at least once)', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const { invoke, flags, store } = await deploy();
    for (const time of scheduled('2025-08-28T12:00:00Z', '2025-08-28T13:59:00Z')) await invoke(time);
    // The storm's minute and the next, each delivered twice at once.
    const outcomes: DetectorOutcome[] = [];
    for (const time of scheduled('2025-08-28T14:00:00Z', '2025-08-28T14:02:00Z'))
      outcomes.push(...(await Promise.all([invoke(time), invoke(time)])));
    expect(outcomes.filter((o) => o.status === 'superseded').length).toBeGreaterThan(0);
    expect(flags.requests).toHaveLength(1);
    expect((await store.load())!.freezes['checkout-producer-per-request/production']).toMatchObject({ percent: 0 });
  });
});
