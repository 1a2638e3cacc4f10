import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecret, prometheusSourceFromSecret } from '../../lambdas/adapters/prometheus/from-secret.ts';
import { PrometheusMetricSource } from '../../lambdas/adapters/prometheus/metric-source.ts';
import { DEFAULT_PROMQL } from '../../lambdas/adapters/prometheus/queries.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { InputError, StormguardError } from '../../lambdas/core/errors.ts';
import { newFolder, stormguard } from '../support/cli.ts';
import { answer, broker, type Handler, matrix, type PrometheusStub, prometheusStub } from '../support/prometheus-stub.ts';

const START = '2025-08-28T08:00:00Z';
const END = '2025-08-28T20:00:00Z';
const noWait = { sleep: async () => {} };

describe('the Prometheus source against a stub server', () => {
  let stub: PrometheusStub;
  let handler: Handler = () => {};
  const config = parseConfig(
    'signals:\n  ConnectionCount: { enabled: false }\n  ClientConnectionCount: { enabled: false }\n  HeapMemoryAfterGC: { enabled: false }\n  ProducerIdCount: { enabled: false }\n  BytesInPerSec: { enabled: false }\n  MessagesInPerSec: { enabled: false }\n',
  );
  const t0 = Date.parse('2025-08-28T14:00:00Z');
  beforeAll(async () => {
    stub = await prometheusStub();
    stub.handle((request, response) => handler(request, response));
  });
  afterAll(() => stub.close());
  const source = (options: Partial<ConstructorParameters<typeof PrometheusMetricSource>[0]> = {}, cfg = config) =>
    new PrometheusMetricSource({ url: stub.base, retry: noWait, ...options }, cfg);

  it('asks query_range for each signal, each complete period at its last millisecond, with step and timeout', async () => {
    stub.requests.length = 0;
    handler = answer(200, matrix([]));
    await source({ timeoutMs: 5000 }).read(t0 + 30_000, t0 + 10 * 60_000);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.path).toBe('/api/v1/query_range');
    expect(Object.fromEntries(stub.requests[0]!.body)).toEqual({
      query: DEFAULT_PROMQL.ConnectionCreationRate,
      start: String((t0 + 2 * 60_000 - 1) / 1000),
      end: String((t0 + 10 * 60_000 - 1) / 1000),
      step: '60s',
      timeout: '5s',
    });
  });

  it('names series by the cluster and broker labels (instance when there is no broker label), keeps only configured clusters', async () => {
    handler = answer(
      200,
      matrix([
        broker({ cluster: 'events', broker: '1' }, [
          [t0, '10'],
          [t0 + 60_000, '12'],
        ]),
        broker({ cluster: 'events', instance: 'b-2:11001' }, [[t0, '7']]),
        broker({ cluster: 'other', broker: '1' }, [[t0, '99']]),
      ]),
    );
    const readout = await source(
      {},
      parseConfig(
        'clusters: [events]\nsignals:\n  ConnectionCount: { enabled: false }\n  ClientConnectionCount: { enabled: false }\n  HeapMemoryAfterGC: { enabled: false }\n  ProducerIdCount: { enabled: false }\n  BytesInPerSec: { enabled: false }\n  MessagesInPerSec: { enabled: false }\n',
      ),
    ).read(t0 - 60_000, t0 + 120_000);
    expect(readout.series).toEqual([
      {
        key: 'ConnectionCreationRate Cluster Name=events, Broker ID=1',
        signal: 'ConnectionCreationRate',
        cluster: 'events',
        dimensions: { 'Cluster Name': 'events', 'Broker ID': '1' },
        points: [
          { time: t0, value: 10 },
          { time: t0 + 60_000, value: 12 },
        ],
      },
      {
        key: 'ConnectionCreationRate Cluster Name=events, Broker ID=b-2:11001',
        signal: 'ConnectionCreationRate',
        cluster: 'events',
        dimensions: { 'Cluster Name': 'events', 'Broker ID': 'b-2:11001' },
        points: [{ time: t0, value: 7 }],
      },
    ]);
  });

  it('returns partial-data warnings and infos beside the points, and skips NaN and hex instead of reading them as numbers', async () => {
    handler = answer(
      200,
      matrix(
        [
          broker({ cluster: 'c', broker: '1' }, [
            [t0, '5'],
            [t0 + 60_000, 'NaN'],
            [t0 + 120_000, '+Inf'],
            [t0 + 180_000, '0x10'],
          ]),
        ],
        { warnings: ['partial response: store 2 unavailable'], infos: ['metric might not be a counter'] },
      ),
    );
    const readout = await source().read(t0 - 60_000, t0 + 240_000);
    expect(readout.series[0]!.points).toEqual([{ time: t0, value: 5 }]);
    expect(readout.warnings).toEqual([
      'Prometheus: ConnectionCreationRate: partial response: store 2 unavailable',
      'Prometheus: ConnectionCreationRate: info: metric might not be a counter',
      'Prometheus: ConnectionCreationRate: 3 NaN, infinite or non-decimal values skipped (missing data is not zero)',
    ]);
  });

  it('warns when a query gives several series for one broker, rather than mixing them', async () => {
    handler = answer(
      200,
      matrix([
        broker({ cluster: 'c', broker: '1', listener: 'A' }, [[t0, '1']]),
        broker({ cluster: 'c', broker: '1', listener: 'B' }, [[t0, '2']]),
      ]),
    );
    const readout = await source().read(t0 - 60_000, t0 + 60_000);
    expect(readout.series[0]!.points).toEqual([{ time: t0, value: 1 }]);
    expect(readout.warnings[0]).toMatch(
      /several series for ConnectionCreationRate Cluster Name=c, Broker ID=1 .* aggregate the others away in signals.ConnectionCreationRate.promql/,
    );
  });

  it('joins a broker restarted on another node (its instance changed) into one series, the new one winning the lookback', async () => {
    const at = (minutes: number, value: string): [number, string] => [t0 + minutes * 60_000, value];
    // Prometheus orders results by labels: the new node's series comes first. The old one repeats its
    // last sample for two periods after the new one began (the 5-minute lookback of a stopped series).
    handler = answer(
      200,
      matrix([
        broker({ cluster: 'c', broker: '1', instance: 'node-a' }, [at(5, '2'), at(6, '2'), at(7, '2'), at(8, '2')]),
        broker({ cluster: 'c', broker: '1', instance: 'node-b' }, [at(0, '1'), at(1, '1'), at(2, '1'), at(3, '1'), at(5, '1'), at(6, '1')]),
      ]),
    );
    const readout = await source().read(t0 - 60_000, t0 + 10 * 60_000);
    expect(readout.series).toHaveLength(1);
    expect(readout.series[0]!.points.map((p) => [(p.time - t0) / 60_000, p.value])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
      [5, 2],
      [6, 2],
      [7, 2],
      [8, 2],
    ]);
    expect(readout.warnings).toEqual([]);
  });

  it('400 bad_data: an input error naming the signal’s promql', async () => {
    handler = answer(400, JSON.stringify({ status: 'error', errorType: 'bad_data', error: '1:5: parse error: unclosed left parenthesis' }));
    const error = await source()
      .read(t0 - 60_000, t0 + 60_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(
      'field `signals.ConnectionCreationRate.promql`: Prometheus rejected the query (bad_data: 1:5: parse error: unclosed left parenthesis)',
    );
  });

  it('422 execution error: a query error with what the server said', async () => {
    handler = answer(
      422,
      JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory' }),
    );
    await expect(source().read(t0 - 60_000, t0 + 60_000)).rejects.toThrow(
      /could not run the query for ConnectionCreationRate \(422, execution: query processing would load too many samples/,
    );
  });

  it('5xx: retried, then an error; a 5xx followed by an answer is an answer', async () => {
    let calls = 0;
    handler = (_, response) =>
      void (++calls < 3
        ? answer(503, JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }))(
            _,
            response,
          )
        : answer(200, matrix([]))(_, response));
    await expect(source().read(t0 - 60_000, t0 + 60_000)).resolves.toEqual({ series: [], warnings: [] });
    expect(calls).toBe(3);
    handler = answer(500, 'internal');
    const error = await source({ retry: { ...noWait, maxAttempts: 2 } })
      .read(t0 - 60_000, t0 + 60_000)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StormguardError);
    expect((error as StormguardError).code).toBe('PROMETHEUS_UNAVAILABLE');
    expect((error as Error).message).toMatch(
      /did not answer the query for ConnectionCreationRate: no answer after 2 attempts \(POST \/api\/v1\/query_range: 500 internal\)/,
    );
  });

  it('a server that does not answer in time: an error after the timeout, per attempt', async () => {
    handler = () => {}; // never answers
    const started = performance.now();
    const error = await source({ timeoutMs: 200, retry: { ...noWait, maxAttempts: 2 } })
      .read(t0 - 60_000, t0 + 60_000)
      .catch((e: unknown) => e);
    expect((error as StormguardError).code).toBe('PROMETHEUS_UNAVAILABLE');
    expect((error as Error).message).toMatch(/no answer after 2 attempts .*(timeout|aborted)/i);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('sends basic or bearer credentials, and never puts them in an error', async () => {
    stub.requests.length = 0;
    handler = answer(401, 'unauthorized');
    const basic = await source({ auth: { kind: 'basic', username: 'guard', password: 's3cret-pw' } })
      .read(t0 - 60_000, t0 + 60_000)
      .catch((e: unknown) => e as StormguardError);
    const bearer = await source({ auth: { kind: 'bearer', token: 'tok-123456' } })
      .read(t0 - 60_000, t0 + 60_000)
      .catch((e: unknown) => e as StormguardError);
    expect(stub.requests.map((r) => r.headers.authorization)).toEqual([
      `Basic ${Buffer.from('guard:s3cret-pw').toString('base64')}`,
      'Bearer tok-123456',
    ]);
    for (const error of [basic, bearer]) {
      expect((error as StormguardError).code).toBe('PROMETHEUS_AUTH');
      expect((error as Error).message).not.toMatch(/s3cret|tok-123456|guard:/);
    }
  });

  it('signs for Amazon Managed Service for Prometheus with SigV4, service aps', async () => {
    stub.requests.length = 0;
    handler = answer(200, matrix([]));
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'session-token',
    };
    await source({ url: `${stub.base}/workspaces/ws-123`, auth: { kind: 'sigv4', region: 'eu-west-1', credentials } }).read(
      t0 - 60_000,
      t0 + 60_000,
    );
    const { headers, path } = stub.requests[0]!;
    expect(path).toBe('/workspaces/ws-123/api/v1/query_range');
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aps\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['x-amz-security-token']).toBe('session-token');
    expect(JSON.stringify(headers)).not.toContain(credentials.secretAccessKey);
  });

  it('in AWS: built from its Secrets Manager secret, read once; a malformed secret names the field, never a value', async () => {
    stub.requests.length = 0;
    handler = answer(200, matrix([broker({ cluster: 'c', broker: '1' }, [[t0, '3']])]));
    let reads = 0;
    const secret = async () => (
      reads++, JSON.stringify({ url: stub.base, auth: { kind: 'bearer', token: 'tok-from-secret' }, timeoutSeconds: 5 })
    );
    const fromSecret = prometheusSourceFromSecret(secret, config);
    await fromSecret.read(t0 - 60_000, t0 + 60_000);
    const readout = await fromSecret.read(t0 - 60_000, t0 + 60_000);
    expect(readout.series[0]!.points).toEqual([{ time: t0, value: 3 }]);
    expect(reads).toBe(1);
    expect(stub.requests[0]!.headers.authorization).toBe('Bearer tok-from-secret');
    expect(() => parseSecret('{"url": "http://x", "auth": {"kind": "bearer"}}')).toThrow(
      'the Prometheus secret: field `auth.token`: expected string',
    );
    expect(() => parseSecret('{"url": "http://x", "auth": {"kind": "basic", "username": "u", "password": "hunter2", "extra": 1}}')).toThrow(
      'the Prometheus secret: field `auth.extra`: unknown key',
    );
    expect(() => parseSecret('not json hunter2')).toThrow(/^the Prometheus secret: is not JSON/);
    for (const text of [
      'not json hunter2',
      '{"url": "http://x", "auth": {"kind": "basic", "username": "u", "password": "hunter2", "extra": 1}}',
    ]) {
      expect(() => parseSecret(text)).not.toThrow(/hunter2/);
    }
  });

  it('refuses a URL with credentials in it, and one that is not http(s)', () => {
    expect(() => source({ url: 'http://user:pw@127.0.0.1:9090' })).toThrow(/field `prometheus.url`: has credentials in it/);
    expect(() => source({ url: 'ftp://127.0.0.1' })).toThrow(/field `prometheus.url`: expected http or https/);
  });

  it('replay --prometheus: --from and --to are required, and bad input exits 2 without a stack trace', async () => {
    const noFrom = await stormguard('replay', '--prometheus', stub.base, '--to', END);
    expect(noFrom).toMatchObject({ code: 2, err: expect.stringMatching(/field `--from`: is required with --prometheus/) });
    const badTo = await stormguard('replay', '--prometheus', stub.base, '--from', START, '--to', 'yesterday');
    expect(badTo).toMatchObject({
      code: 2,
      err: 'stormguard: field `--to`: expected an ISO 8601 time such as 2025-08-28T14:00:00Z, got "yesterday"\n',
    });
    handler = answer(200, matrix([]));
    const empty = await stormguard(
      'replay',
      '--prometheus',
      stub.base,
      '--from',
      START,
      '--to',
      END,
      '--state',
      join(await newFolder(), 's'),
    );
    expect(empty).toMatchObject({ code: 2, err: expect.stringMatching(/field `--prometheus`: no series for any configured signal/) });
    expect(empty.err).not.toMatch(/\n\s+at /);
  });
});
