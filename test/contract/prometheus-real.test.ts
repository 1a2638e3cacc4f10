/**
 * The Prometheus MetricSource against a real Prometheus (Debian's).
 *
 * The test writes the bundled 2025 storm (its GetMetricData export, through the export reader) as
 * the JMX exporter's OpenMetrics, backfills it with `promtool tsdb create-blocks-from openmetrics`,
 * starts Prometheus on those blocks on a free loopback port, and replays through the Prometheus
 * source: the same series and decisions as from the export. Twice: with each period's value
 * sampled at its start (as the export stamps it), and as a scrape gives it (several samples inside
 * each period, none on its boundary, over three network processors, the broker named by
 * `instance`). In CI (CI=true) missing binaries fail the test; elsewhere it is skipped with one
 * line saying why. What a real server rarely says on demand
 * (5xx, timeouts, partial-data warnings) is in prometheus-stub.test.ts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioExports } from '../../cli/inputs.ts';
import { loadExports } from '../../lambdas/adapters/local/export-files.ts';
import { PrometheusMetricSource } from '../../lambdas/adapters/prometheus/metric-source.ts';
import { DEFAULT_PROMQL } from '../../lambdas/adapters/prometheus/queries.ts';
import { defaultConfig, parseConfig } from '../../lambdas/core/config.ts';
import type { MetricPoint } from '../../lambdas/core/metric-series.ts';
import { jmxExporterFamilies, type MetricFamily, writeOpenMetrics } from '../../lambdas/formats/openmetrics.ts';
import { newFolder, replayJson, stormguard } from '../support/cli.ts';
import { requires } from '../support/requires.ts';

const run = promisify(execFile);
const START = '2025-08-28T08:00:00Z';
const END = '2025-08-28T20:00:00Z';

/** A program on PATH, or undefined. */
function onPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(folder, name), constants.X_OK);
      return join(folder, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const binaries = { prometheus: onPath('prometheus'), promtool: onPath('promtool') };
const missing = Object.entries(binaries)
  .filter(([, path]) => !path)
  .map(([name]) => name);
// Missing binaries: an error in CI, a skip (said once) elsewhere; no placeholder test that is
// skipped on every machine that has them.
const available = requires(
  `${missing.join(' and ') || 'prometheus'} on PATH`,
  missing.length === 0,
  "apt-get install prometheus (.ci/run installs Debian's)",
);

const SAMPLINGS = [
  { name: 'sampled at each period’s start', offsetsSeconds: [0], processors: 1, brokerLabel: 'broker' },
  { name: 'scraped every 15 s at :07, :22, :37 and :52', offsetsSeconds: [7, 22, 37, 52], processors: 3, brokerLabel: 'instance' },
  // A rolling restart: each broker in turn comes back on another node, its `pod` label changed.
  {
    name: 'each broker restarted on another pod',
    offsetsSeconds: [0],
    processors: 1,
    brokerLabel: 'broker',
    restartsFrom: '2025-08-28T11:05:00Z',
  },
];

describe.skipIf(!available).each(SAMPLINGS)('the 2025 storm from a real Prometheus, $name', (sampling) => {
  let server: ChildProcess | undefined;
  let folder = '';
  let url = '';
  let serverLog = '';
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'stormguard-prometheus-'));
    let mark = performance.now();
    const files = await scenarioExports('pagerduty-2025');
    const exported = await loadExports(files.metrics, [], defaultConfig());
    const families = jmxExporterFamilies(exported.series, { brokerLabel: sampling.brokerLabel });
    await writeFile(join(folder, 'storm.om.txt'), writeOpenMetrics(asSampled(families, sampling)));
    await run(binaries.promtool!, ['tsdb', 'create-blocks-from', 'openmetrics', join(folder, 'storm.om.txt'), join(folder, 'data')]);
    timings.backfillMs = performance.now() - mark;

    mark = performance.now();
    const port = await freePort();
    await writeFile(join(folder, 'prometheus.yml'), 'global:\n  scrape_interval: 1m\n');
    server = spawn(
      binaries.prometheus!,
      [
        `--config.file=${join(folder, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(folder, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Time retention counts back from the newest block, not from today, so 2025 blocks stay
        // queryable even with the default 15d; a long one says so explicitly.
        '--storage.tsdb.retention.time=100y',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    server.stderr!.on('data', (chunk: Buffer) => void (serverLog = (serverLog + chunk.toString()).slice(-4000)));
    url = `http://127.0.0.1:${port}`;
    await waitUntilReady(url, server, () => serverLog);
    timings.startMs = performance.now() - mark;
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server!.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    if (folder) await rm(folder, { recursive: true, force: true });
    console.info(
      `real Prometheus, ${sampling.name}: backfill ${Math.round(timings.backfillMs ?? 0)} ms, start ${Math.round(timings.startMs ?? 0)} ms`,
    );
  });

  it('gives back the series of the CloudWatch export: same keys, same values', async () => {
    const config = defaultConfig();
    const files = await scenarioExports('pagerduty-2025');
    const exported = await loadExports(files.metrics, [], config);
    // Through the end of the last exported period, from the start of the first.
    const through = Math.max(...exported.series.flatMap((s) => s.points.map((p) => p.time))) + 60_000;
    const readout = await new PrometheusMetricSource({ url }, config).read(Date.parse(START) - 1, through);
    expect(readout.warnings).toEqual([]);
    expect(readout.series.map((s) => s.key)).toEqual(exported.series.map((s) => s.key));
    for (const [i, series] of readout.series.entries()) {
      const want = exported.series[i]!;
      expect(series).toMatchObject({ signal: want.signal, cluster: want.cluster, dimensions: want.dimensions });
      // Prometheus's 5-minute lookback repeats a series that stopped (a failed broker): compare up to its last exported point.
      const end = want.points.at(-1)!.time;
      const got = series.points.filter((p) => p.time <= end);
      expect(got.map((p) => p.time)).toEqual(want.points.map((p) => p.time));
      for (const [j, p] of got.entries()) expect(p.value).toBeCloseTo(want.points[j]!.value, 6);
    }
  });

  it('replays to the same decisions as the CloudWatch export: rollback 1% → 0% at 14:01, later steps reverted', async () => {
    const files = await scenarioExports('pagerduty-2025');
    const fromExport = await replayJson('pagerduty-2025');
    const fromPrometheus = await replayPrometheus(url, files.timeline);
    const decisions = (result: typeof fromExport) => result.decisions.map((d) => [d.time, d.action, d.flag, d.fromPercent, d.toPercent]);
    expect(decisions(fromPrometheus)).toEqual(decisions(fromExport));
    expect(decisions(fromPrometheus)[0]).toEqual(['2025-08-28T14:01:00.000Z', 'rollback', 'checkout-producer-per-request', 1, 0]);
    // The same period and series (its value summed back from the processors' shares, to rounding).
    expect(fromPrometheus.firstAnomaly).toMatchObject({ time: fromExport.firstAnomaly?.time, signal: fromExport.firstAnomaly?.signal });
    expect(fromPrometheus.from).toBe(fromExport.from);
  });

  it('ProducerIdCount alone: its level stays in band, its growth (deriv) catches the storm in the same minute as connection creation', async () => {
    const files = await scenarioExports('pagerduty-2025');
    const builtIn = ['ConnectionCreationRate', 'ConnectionCount', 'ClientConnectionCount', 'HeapMemoryAfterGC', 'ProducerIdCount'];
    const only = (keep: string, extra = '') =>
      `signals:\n${builtIn
        .filter((s) => s !== keep)
        .map((s) => `  ${s}: { enabled: false }\n`)
        .join('')}${extra}`;
    const level = await replayPrometheus(url, files.timeline, only('ProducerIdCount'));
    expect(level.firstAnomaly).toBeNull();
    const growth = await replayPrometheus(
      url,
      files.timeline,
      only(
        'ProducerIdCount-off',
        `  ProducerIdGrowth: { kind: rate, logOffset: 5, promql: 'clamp_min(deriv(${DEFAULT_PROMQL.ProducerIdCount}[2m]), 0)' }\n`,
      ),
    );
    expect(growth.firstAnomaly).toMatchObject({ time: '2025-08-28T14:00:00.000Z', signal: 'ProducerIdGrowth' });
    expect(growth.decisions[0]).toMatchObject({ time: '2025-08-28T14:01:00.000Z', action: 'rollback', fromPercent: 1, toPercent: 0 });
  });

  it('a query the server rejects is an error naming the signal’s promql, and exit code 2', async () => {
    const config = parseConfig("signals:\n  ConnectionCreationRate: { promql: 'sum(' }\n");
    await expect(new PrometheusMetricSource({ url }, config).read(Date.parse(START), Date.parse(END))).rejects.toThrow(
      /field `signals.ConnectionCreationRate.promql`: Prometheus rejected the query \(bad_data: .*parse error/,
    );
  });
});

/** The exporter's families as sampled: each period's value at each offset into it, split over the network processors, and over pods where brokers restart. */
function asSampled(families: readonly MetricFamily[], sampling: (typeof SAMPLINGS)[number]): MetricFamily[] {
  const spread = (points: readonly MetricPoint[], share: number) =>
    points.flatMap((p) => sampling.offsetsSeconds.map((offset) => ({ time: p.time + offset * 1000, value: p.value * share })));
  const processors = Array.from({ length: sampling.processors }, (_, i) => String(i));
  return families.map((family) => ({
    ...family,
    samples: family.samples
      .flatMap(({ labels, points }) =>
        'networkProcessor' in labels
          ? processors.map((networkProcessor) => ({
              labels: { ...labels, networkProcessor },
              points: spread(points, 1 / processors.length),
            }))
          : [{ labels, points: spread(points, 1) }],
      )
      .flatMap((sample) => (sampling.restartsFrom ? onPods(sample, sampling.brokerLabel, Date.parse(sampling.restartsFrom)) : [sample])),
  }));
}

/** A broker's sample on its first pod until its restart (broker n at `from` + 5n minutes), then on another. */
function onPods(sample: MetricFamily['samples'][number], brokerLabel: string, from: number): Array<MetricFamily['samples'][number]> {
  const broker = sample.labels[brokerLabel]!;
  const restart = from + Number.parseInt(broker, 10) * 5 * 60_000;
  return [
    { labels: { ...sample.labels, pod: `kafka-${broker}-a` }, points: sample.points.filter((p) => p.time < restart) },
    { labels: { ...sample.labels, pod: `kafka-${broker}-b` }, points: sample.points.filter((p) => p.time >= restart) },
  ];
}

/** `stormguard replay --prometheus … --json`, optionally with a configuration. */
async function replayPrometheus(url: string, timeline: string[], config?: string) {
  const folder = await newFolder();
  const extra: string[] = [];
  if (config) {
    await writeFile(join(folder, 'config.yaml'), config);
    extra.push('--config', join(folder, 'config.yaml'));
  }
  const { code, out, err } = await stormguard(
    'replay',
    '--prometheus',
    url,
    '--from',
    START,
    '--to',
    END,
    '--timeline',
    ...timeline,
    '--json',
    '--state',
    join(folder, 'state'),
    ...extra,
  );
  if (code !== 0) throw new Error(`replay exited ${code}: ${err}`);
  return JSON.parse(out) as Awaited<ReturnType<typeof replayJson>>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`prometheus exited with ${server.exitCode}:\n${log()}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready after 30 s:\n${log()}`);
}
