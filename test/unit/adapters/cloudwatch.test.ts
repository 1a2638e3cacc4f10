/**
 * The CloudWatch MetricSource against GetMetricData answers in their real shapes: through
 * aws-sdk-client-mock for pages and statuses, and through a stub HTTP handler (the real SDK
 * serialising, deserialising and retrying) for throttling.
 */
import { Readable } from 'node:stream';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricSource, metricQueries } from '../../../lambdas/adapters/cloudwatch/metric-source.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { searchExpression } from '../../../lambdas/formats/cloudwatch-search.ts';

const config = parseConfig('clusters: [events-msk]\n');
const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T14:00:00Z');
const label = (signal: string, broker: number) => `${signal} Cluster Name=events-msk, Broker ID=${broker}`;

describe('metricQueries', () => {
  it('asks one SEARCH per signal and cluster, labelled as the export reader reads', () => {
    const queries = metricQueries(config);
    expect(queries).toHaveLength(config.signals.length);
    expect(queries[0]).toEqual({
      Id: 'q0',
      Expression: `SEARCH('{AWS/Kafka,"Cluster Name","Broker ID"} MetricName="ConnectionCreationRate" "Cluster Name"="events-msk"', 'Average', 60)`,
      Label: "${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}",
      ReturnData: true,
    });
  });

  it('leaves out the cluster filter for a signal without that dimension', () => {
    const custom = parseConfig(
      'clusters: [a]\nsignals:\n  ProducersCreated: { kind: rate, namespace: Orders, dimensions: [Service] }\n',
    ).signals.find((s) => s.name === 'ProducersCreated')!;
    expect(searchExpression(custom, 'a', 60)).toBe(`SEARCH('{Orders,"Service"} MetricName="ProducersCreated"', 'Average', 60)`);
  });
});

describe('CloudWatchMetricSource with mocked responses', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  beforeEach(() => cloudwatch.reset());
  // mockClient patches every instance of the class: give the real SDK back to the tests below.
  afterAll(() => cloudwatch.restore());

  it('follows NextToken across pages, merges series, keeps points in (from, to], and warns on partial data', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'q0',
            Label: label('ConnectionCreationRate', 1),
            Timestamps: [new Date(t0), new Date(t0 + MINUTE)],
            Values: [7, 8],
            StatusCode: 'PartialData',
          },
        ],
        NextToken: 'page-2',
        Messages: [],
      })
      .resolvesOnce({
        MetricDataResults: [
          {
            Id: 'q0',
            Label: label('ConnectionCreationRate', 1),
            Timestamps: [new Date(t0 + 2 * MINUTE)],
            Values: [9],
            StatusCode: 'Complete',
          },
          { Id: 'q1', Label: label('ConnectionCount', 1), Timestamps: [], Values: [], StatusCode: 'Forbidden' },
        ],
        Messages: [{ Code: 'MaxMetricsExceeded', Value: 'The maximum number of metrics has been exceeded' }],
      });
    const readout = await new CloudWatchMetricSource(cloudwatch as unknown as CloudWatchClient, config).read(t0, t0 + 2 * MINUTE);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(calls[0]!.args[0].input).toMatchObject({ StartTime: new Date(t0), ScanBy: 'TimestampAscending' });
    const rate = readout.series.find((s) => s.signal === 'ConnectionCreationRate')!;
    expect(rate.points.map((p) => p.value)).toEqual([8, 9]); // t0 itself is before the window
    expect(readout.warnings).toEqual([expect.stringMatching(/StatusCode Forbidden/), expect.stringMatching(/said MaxMetricsExceeded/)]);
  });

  it("reads a signal whose dimensions leave out Cluster Name as the one configured cluster's, as a replay of its export does", async () => {
    const custom = parseConfig(
      'clusters: [events-msk]\nsignals:\n  ProducersCreated: { kind: rate, namespace: Orders, dimensions: [Service] }\n',
    );
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: 'q0', Label: 'ProducersCreated Service=orders', Timestamps: [new Date(t0 + MINUTE)], Values: [3], StatusCode: 'Complete' },
      ],
    });
    const readout = await new CloudWatchMetricSource(cloudwatch as unknown as CloudWatchClient, custom).read(t0, t0 + MINUTE);
    expect(readout.series.find((s) => s.signal === 'ProducersCreated')?.cluster).toBe('events-msk');
  });

  it('sends at most 500 queries a request', async () => {
    const many = parseConfig(`clusters: [${Array.from({ length: 130 }, (_, i) => `c${i}`).join(', ')}]\n`);
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    await new CloudWatchMetricSource(cloudwatch as unknown as CloudWatchClient, many).read(t0, t0 + MINUTE);
    const sizes = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries!.length);
    expect(sizes).toEqual([500, many.signals.length * 130 - 500]);
  });
});

describe('CloudWatchMetricSource through the real SDK', () => {
  it('retries a throttled request (the SDK’s own retry) and reads the answer', async () => {
    const bodies = [
      { status: 400, body: { __type: 'Throttling', message: 'Rate exceeded' } },
      {
        status: 200,
        body: {
          MetricDataResults: [
            { Id: 'q0', Label: label('ConnectionCount', 2), Timestamps: [(t0 + MINUTE) / 1000], Values: [1234], StatusCode: 'Complete' },
          ],
          Messages: [],
        },
      },
    ];
    const requests: string[] = [];
    const client = new CloudWatchClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 3,
      requestHandler: {
        handle: async (request: { body?: string; headers: Record<string, string> }) => {
          requests.push(request.headers['x-amz-target'] ?? request.body ?? '');
          const next = bodies.shift()!;
          return {
            response: {
              statusCode: next.status,
              headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': `r${requests.length}` },
              body: Readable.from([Buffer.from(JSON.stringify(next.body))]),
            },
          };
        },
      } as never,
    });
    const readout = await new CloudWatchMetricSource(client, config).read(t0, t0 + MINUTE);
    expect(requests).toHaveLength(2);
    expect(readout.series[0]!.points).toEqual([{ time: t0 + MINUTE, value: 1234 }]);
  });
});
