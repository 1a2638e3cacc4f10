/**
 * `npm run bench:cost`: what the guardrail costs a month, measured by driving the real detector
 * handler (createDetectorHandler) in process over a simulated month, minute by minute, with every
 * AWS client replaced by a counting stand-in answering in the real response shapes: GetMetricData
 * metrics requested, DynamoDB request units and storage (bench/cost/fake-dynamo.ts), Lambda
 * invocations and GB-seconds (compute measured here, plus typical round trips: prices.ts), SNS
 * publishes, S3 puts, Secrets Manager calls, CloudWatch custom metrics and log bytes from the
 * handler's embedded metric format output. Multiplied by the list prices in bench/cost/prices.ts.
 *
 * Per series-month is what the series add over an empty guardrail of the same design (run with no
 * series); fixed is that empty guardrail plus what is priced on paper (alarms, dashboard, key,
 * secrets, the backfill function). Designs:
 *   cadence       reads every minute while a release is watched (3 h), every 5 minutes otherwise; journal store (this branch)
 *   watch-60      the same, watching a release for 1 hour (10 and 100 series)
 *   every-minute  reads every minute; journal store
 *   before        reads every minute; every series item written every run (the layout before)
 *   metric-streams on paper: a CloudWatch Metric Stream (one update a series a minute) through Firehose,
 *                 with the every-minute design's state and compute
 *
 * Options: --json (rows), --markdown (docs/deploy.md's cost section; --from-json FILE renders a
 * saved --json run), --series 10,100,1000,
 * --days N (the cadence designs' simulated days, the first N of the month's calendar, scaled to
 * 30; default 30: a month of 1,000 series takes about four minutes here), --steady-days N (the
 * every-minute designs', scaled to 30: they do not depend on the calendar; default 1).
 */
import { readFile } from 'node:fs/promises';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { legacyStore } from '../../lambdas/adapters/dynamodb/legacy.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { S3Reports } from '../../lambdas/adapters/s3/incident-pages.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createDetectorHandler } from '../../lambdas/handlers/detector.ts';
import { CountingDynamo } from './fake-dynamo.ts';
import { DETECTOR_GB, LATENCY_MS, MONTH_MINUTES, PRICES, PRICES_CHECKED } from './prices.ts';
import { calendar, fleet, MONTH_START, SIGNALS, WEBHOOK_LATENCY_MS, WorldCloudWatch, WorldFlags, WorldSns } from './world.ts';

const MINUTE = 60_000;
const TABLE = 'stormguard';

type DesignKey = 'cadence' | 'watch-60' | 'every-minute' | 'before';
const DESIGNS: Record<DesignKey, { label: string; idleMinutes: number; watchMinutes: number; legacy: boolean }> = {
  cadence: {
    label: 'release-aware cadence (1 min for 3 h after a release, else 5 min), journal store',
    idleMinutes: 5,
    watchMinutes: 180,
    legacy: false,
  },
  'watch-60': {
    label: 'the same, watching a release for 1 h (`cadence: { watchMinutes: 60 }`)',
    idleMinutes: 5,
    watchMinutes: 60,
    legacy: false,
  },
  'every-minute': { label: 'every minute, journal store', idleMinutes: 1, watchMinutes: 180, legacy: false },
  before: { label: 'every minute, every series item written every run (before)', idleMinutes: 1, watchMinutes: 180, legacy: true },
};
/** Designs simulated only below 1,000 series (they add nothing the others do not show). */
const SMALL_ONLY = new Set<DesignKey>(['watch-60']);

interface Measured {
  readonly days: number;
  readonly invocations: number;
  readonly reads: number;
  readonly metricsRequested: number;
  readonly getMetricDataRequests: number;
  readonly rru: number;
  readonly wru: number;
  readonly dynamoRequests: number;
  readonly storedBytes: number;
  readonly gbSeconds: number;
  readonly snsPublishes: number;
  readonly s3Puts: number;
  readonly secretCalls: number;
  /** Custom metrics with a Cluster dimension (one per cluster and signal), and the others. */
  readonly clusterMetrics: number;
  readonly customMetrics: number;
  readonly clusters: number;
  readonly logBytes: number;
  readonly rollbacks: number;
  /** Seconds from each release reaching the table to the first read after it. */
  readonly releaseToRead: number[];
  /** Per read: request units, for the report. */
  readonly perRead: { rru: number; wru: number };
  readonly simulatedSeconds: number;
}

const s3Mock = mockClient(S3Client);
s3Mock.on(PutObjectCommand).resolves({});

async function simulate(design: DesignKey, seriesCount: number, days: number): Promise<Measured> {
  const world = fleet(seriesCount);
  const { releases, storm } = calendar(30);
  const config = parseConfig(
    [
      'mode: enforce',
      `clusters: [${world.clusters.join(', ')}]`,
      'signals: { ClientConnectionCount: { enabled: false }, ProducerIdCount: { enabled: false } }',
      `cadence: { idleMinutes: ${DESIGNS[design].idleMinutes}, watchMinutes: ${DESIGNS[design].watchMinutes} }`,
    ].join('\n'),
  );
  if (config.signals.map((s) => s.name).join() !== [...SIGNALS].join()) throw new Error('the benchmark fleet reads three signals');
  let clock = MONTH_START;
  const dynamo = new CountingDynamo();
  const flags = new WorldFlags(storm, () => clock);
  const cloudwatch = new WorldCloudWatch(world, storm, flags);
  const sns = new WorldSns();
  s3Mock.resetHistory();
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } });
  const metrics = new Metrics({ namespace: 'Stormguard', serviceName: 'detector' });
  const handler = createDetectorHandler({
    config,
    cloudwatch,
    dynamo,
    sns,
    tableName: TABLE,
    topicArn: 'arn:aws:sns:us-east-1:123456789012:stormguard-alerts',
    flags,
    reports: new S3Reports(s3, 'stormguard-reports'),
    metrics,
    log: (entry) => console.log(JSON.stringify(entry)),
    ...(DESIGNS[design].legacy
      ? { storeFor: (shard: string) => legacyStore(new DynamoStore(dynamo, TABLE, { shard, config }), dynamo, TABLE) }
      : {}),
  });
  const webhook = new DynamoStore(dynamo, TABLE);

  // The handler's stdout (embedded metric format and log lines), counted and parsed during each run.
  const customMetrics = new Set<string>();
  const clusterMetrics = new Set<string>();
  let logBytes = 0;
  const write = process.stdout.write.bind(process.stdout);
  const capture = ((chunk: string | Uint8Array) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    logBytes += Buffer.byteLength(text);
    for (const line of text.split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      const emf = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      } & Record<string, unknown>;
      for (const { Namespace, Dimensions, Metrics: names } of emf._aws.CloudWatchMetrics) {
        const dims = (Dimensions[0] ?? []).map((d) => `${d}=${String(emf[d])}`).join(',');
        for (const { Name } of names)
          ((Dimensions[0] ?? []).includes('Cluster') ? clusterMetrics : customMetrics).add(`${Namespace}/${Name}/${dims}`);
      }
    }
    return true;
  }) as typeof process.stdout.write;

  const landings = releases
    .map((r) => ({ release: r, at: r.time + WEBHOOK_LATENCY_MS }))
    .filter((l) => l.at < MONTH_START + days * 1440 * MINUTE);
  let landed = 0;
  const waiting: number[] = [];
  const releaseToRead: number[] = [];
  let invocations = 0;
  let reads = 0;
  let gbSeconds = 0;
  let storedByteMinutes = 0;
  let storageSamples = 0;
  const started = performance.now();
  for (let minute = 0; minute < days * 1440; minute++) {
    clock = MONTH_START + minute * MINUTE;
    while (landed < landings.length && landings[landed]!.at <= clock) {
      await webhook.addReleases([landings[landed]!.release]);
      waiting.push(landings[landed]!.at);
      landed++;
    }
    const before = {
      cw: cloudwatch.selfMs,
      dynamo: dynamo.selfMs,
      dynamoRequests: total(dynamo.counts.requests),
      gmd: cloudwatch.requests,
      sns: sns.publishes,
      s3: s3Mock.commandCalls(PutObjectCommand).length,
      secrets: flags.secretReads,
    };
    const t0 = performance.now();
    process.stdout.write = capture;
    let outcome: Awaited<ReturnType<typeof handler>>;
    try {
      outcome = await handler({ time: new Date(clock).toISOString() });
    } finally {
      process.stdout.write = write;
    }
    const computeMs = performance.now() - t0 - (cloudwatch.selfMs - before.cw) - (dynamo.selfMs - before.dynamo);
    const waitMs =
      (total(dynamo.counts.requests) - before.dynamoRequests) * LATENCY_MS.dynamo +
      (cloudwatch.requests - before.gmd) * LATENCY_MS.getMetricDataRequest +
      (sns.publishes - before.sns) * LATENCY_MS.snsPublish +
      (s3Mock.commandCalls(PutObjectCommand).length - before.s3) * LATENCY_MS.s3Put +
      (flags.secretReads - before.secrets) * LATENCY_MS.secret;
    gbSeconds += (Math.ceil(computeMs + waitMs) / 1000) * DETECTOR_GB;
    invocations++;
    if (outcome.status === 'evaluated') {
      reads++;
      for (const at of waiting.splice(0)) releaseToRead.push((clock - at) / 1000);
    }
    if (minute % 60 === 59) {
      dynamo.expire(clock);
      storedByteMinutes += dynamo.storedBytes();
      storageSamples++;
    }
  }
  const dynamoRequests = total(dynamo.counts.requests);
  return {
    days,
    invocations,
    reads,
    metricsRequested: cloudwatch.metricsRequested,
    getMetricDataRequests: cloudwatch.requests,
    rru: dynamo.counts.rru,
    wru: dynamo.counts.wru,
    dynamoRequests,
    storedBytes: storageSamples ? storedByteMinutes / storageSamples : dynamo.storedBytes(),
    gbSeconds,
    snsPublishes: sns.publishes,
    s3Puts: s3Mock.commandCalls(PutObjectCommand).length,
    secretCalls: flags.secretReads,
    customMetrics: customMetrics.size,
    clusterMetrics: clusterMetrics.size,
    clusters: seriesCount > 0 ? world.clusters.length : 0,
    logBytes,
    rollbacks: flags.requests.length,
    releaseToRead,
    perRead: { rru: dynamo.counts.rru / Math.max(1, reads), wru: dynamo.counts.wru / Math.max(1, reads) },
    simulatedSeconds: (performance.now() - started) / 1000,
  };
}

function total(requests: Record<string, number>): number {
  return Object.values(requests).reduce((a, b) => a + b, 0);
}

interface Cost {
  readonly getMetricData: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly dynamoStorage: number;
  readonly lambda: number;
  readonly sns: number;
  readonly s3: number;
  readonly secrets: number;
  readonly logs: number;
}

/** A month's bill from what was measured over `days` (scaled to 30; custom metrics and storage are monthly as they are). */
function bill(m: Measured): Cost {
  const k = 30 / m.days;
  return {
    getMetricData: m.metricsRequested * k * PRICES.getMetricDataPerMetric,
    dynamoWrites: m.wru * k * PRICES.dynamoWriteUnit,
    dynamoReads: m.rru * k * PRICES.dynamoReadUnit,
    dynamoStorage: (m.storedBytes / 1e9) * (PRICES.dynamoStoragePerGbMonth + PRICES.dynamoPitrPerGbMonth),
    lambda: m.gbSeconds * k * PRICES.lambdaArmPerGbSecond + m.invocations * k * PRICES.lambdaPerRequest,
    sns: m.snsPublishes * k * PRICES.snsPerPublish,
    s3: m.s3Puts * k * PRICES.s3PerPut,
    secrets: m.secretCalls * k * PRICES.secretsPerCall,
    logs: (m.logBytes * k * PRICES.logsIngestionPerGb) / 1e9,
  };
}

const sum = (c: Cost) => Object.values(c).reduce((a, b) => a + b, 0);
const minus = (a: Cost, b: Cost): Cost =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k as keyof Cost]])) as unknown as Cost;
const divide = (a: Cost, n: number): Cost => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v / n])) as unknown as Cost;

/** Priced on paper: what does not depend on the detector's runs. */
function paperFixed(): Array<{ item: string; usd: number }> {
  const backfillRuns = MONTH_MINUTES / 15;
  return [
    { item: 'five alarms on the guardrail itself', usd: 5 * PRICES.alarmPerMonth },
    { item: 'the dashboard', usd: PRICES.dashboardPerMonth },
    { item: "the alert topic's KMS key", usd: PRICES.kmsKeyPerMonth },
    { item: 'two secrets (LaunchDarkly token, webhook signing secret)', usd: 2 * PRICES.secretPerMonth },
    {
      item: `the audit-log backfill: ${backfillRuns.toLocaleString('en')} runs of ~300 ms`,
      usd: backfillRuns * (PRICES.lambdaPerRequest + 0.3 * DETECTOR_GB * PRICES.lambdaArmPerGbSecond),
    },
  ];
}

interface Row {
  readonly design: DesignKey | 'metric-streams';
  readonly label: string;
  readonly series: number;
  readonly clusters?: number;
  readonly perSeriesMonthUsd: number;
  /** Custom metrics per cluster (the Baseline metric of each of its signals): they do not grow with brokers. */
  readonly perClusterMonthUsd?: number;
  readonly fixedMonthUsd: number;
  readonly totalMonthUsd: number;
  /** Of the fixed cost, the detector's own runs with no series (Lambda, DynamoDB, logs): a minute's run that only looks at the timeline. */
  readonly emptyRunsMonthUsd?: number;
  /** Seconds from a release reaching the table to the first read after it (cadence design). */
  readonly releaseToFastReadSeconds?: { readonly mean: number; readonly max: number; readonly releases: number };
  readonly perSeries?: Cost;
  readonly readsPerMonth?: number;
  readonly perRead?: { readonly rru: number; readonly wru: number };
  readonly simulatedDays?: number;
  readonly simulatedSeconds?: number;
  readonly rollbacks?: number;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const markdown = process.argv.includes('--markdown');
  const sizes = (option('--series') ?? '10,100,1000').split(',').map(Number);
  const daysFor = () => Number(option('--days') ?? 30);
  const steadyDays = Number(option('--steady-days') ?? 1);
  const log = (line: string) => (json || markdown ? process.stderr.write(`${line}\n`) : console.log(line));
  const paper = paperFixed();
  const paperUsd = paper.reduce((a, p) => a + p.usd, 0);
  const saved = option('--from-json');
  if (saved) {
    // A run saved with --json, rendered again without simulating.
    const { rows, paperFixed: savedPaper } = JSON.parse(await readFile(saved, 'utf8')) as { rows: Row[]; paperFixed: typeof paper };
    return void console.log(costSection(rows, savedPaper));
  }
  const rows: Row[] = [];
  for (const design of Object.keys(DESIGNS) as DesignKey[]) {
    const emptyRuns = new Map<number, Cost>();
    for (const series of sizes) {
      if (SMALL_ONLY.has(design) && series >= 1000) continue;
      const calendarDependent = DESIGNS[design].idleMinutes > 1;
      const d = calendarDependent ? daysFor() : steadyDays;
      if (!emptyRuns.has(d)) emptyRuns.set(d, bill(await simulate(design, 0, d)));
      const fixed = emptyRuns.get(d)!;
      const m = await simulate(design, series, d);
      const perSeries = divide(minus(bill(m), fixed), series);
      const delays = m.releaseToRead;
      // Custom metrics: per cluster (those with a Cluster dimension) or fixed (the guardrail's own), never per series.
      const perCluster = (m.clusterMetrics * PRICES.customMetricPerMonth) / m.clusters;
      const fixedUsd = sum(fixed) + m.customMetrics * PRICES.customMetricPerMonth + paperUsd;
      rows.push({
        design,
        label: DESIGNS[design].label,
        series,
        clusters: m.clusters,
        perSeriesMonthUsd: sum(perSeries),
        perClusterMonthUsd: perCluster,
        fixedMonthUsd: fixedUsd,
        totalMonthUsd: sum(perSeries) * series + perCluster * m.clusters + fixedUsd,
        emptyRunsMonthUsd: sum(fixed),
        ...(calendarDependent && delays.length
          ? {
              releaseToFastReadSeconds: {
                mean: delays.reduce((a, b) => a + b, 0) / delays.length,
                max: Math.max(...delays),
                releases: delays.length,
              },
            }
          : {}),
        perSeries,
        readsPerMonth: (m.reads * 30) / m.days,
        perRead: m.perRead,
        simulatedDays: d,
        simulatedSeconds: m.simulatedSeconds,
        rollbacks: m.rollbacks,
      });
      log(
        `simulated ${design}, ${series} series, ${d} days: ${m.simulatedSeconds.toFixed(0)} s (${m.reads} reads of ${m.invocations} runs; ${m.rollbacks} rollback(s), ${m.snsPublishes} alerts)`,
      );
    }
  }
  // Metric Streams, on paper: one update a series a minute, through Firehose (about 0.5 KB an update, batched), and the every-minute design's state and compute.
  for (const series of sizes) {
    const everyMinute = rows.find((r) => r.design === 'every-minute' && r.series === series)!;
    const stream = MONTH_MINUTES * PRICES.metricStreamPerUpdate + MONTH_MINUTES * 0.5e-6 * PRICES.firehosePerGb;
    const rest = sum(everyMinute.perSeries!) - everyMinute.perSeries!.getMetricData;
    rows.push({
      design: 'metric-streams',
      label: 'Metric Streams + Firehose (on paper), every-minute state and compute',
      series,
      clusters: everyMinute.clusters!,
      perSeriesMonthUsd: stream + rest,
      perClusterMonthUsd: everyMinute.perClusterMonthUsd!,
      fixedMonthUsd: everyMinute.fixedMonthUsd,
      totalMonthUsd: (stream + rest) * series + everyMinute.perClusterMonthUsd! * everyMinute.clusters! + everyMinute.fixedMonthUsd,
    });
  }

  if (json) return void console.log(JSON.stringify({ pricesChecked: PRICES_CHECKED, paperFixed: paper, rows }, null, 2));
  if (markdown) return void console.log(costSection(rows, paper));
  console.log(
    `\nCost per month, us-east-1 list prices checked ${PRICES_CHECKED} (bench/cost/prices.ts); simulated days per row below (scaled to 30).\n`,
  );
  console.log(
    '| design | series | days simulated | per series-month | per cluster-month | fixed a month | total a month | release → first 1-minute read |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const delay = r.releaseToFastReadSeconds
      ? `${r.releaseToFastReadSeconds.mean.toFixed(0)} s mean, ${r.releaseToFastReadSeconds.max.toFixed(0)} s max (${r.releaseToFastReadSeconds.releases} releases)`
      : '';
    console.log(
      `| ${r.label} | ${r.series.toLocaleString('en')} | ${r.simulatedDays ?? ''} | $${r.perSeriesMonthUsd.toFixed(4)} | $${(r.perClusterMonthUsd ?? 0).toFixed(2)} | $${r.fixedMonthUsd.toFixed(2)} | $${r.totalMonthUsd.toFixed(2)} | ${delay} |`,
    );
  }
  console.log('\nPer series-month, by item (what the series add over an empty guardrail; custom metrics are per cluster or fixed):\n');
  const items = Object.keys(rows[0]!.perSeries!) as Array<keyof Cost>;
  console.log(`| design | series | ${items.join(' | ')} | reads a month | RRU / WRU per read |`);
  console.log(`|---|---|${items.map(() => '---').join('|')}|---|---|`);
  for (const r of rows.filter((row) => row.perSeries)) {
    console.log(
      `| ${r.design} | ${r.series} | ${items.map((k) => `$${r.perSeries![k].toFixed(4)}`).join(' | ')} | ${Math.round(r.readsPerMonth!).toLocaleString('en')} | ${r.perRead!.rru.toFixed(1)} / ${r.perRead!.wru.toFixed(1)} |`,
    );
  }
  console.log(`\nFixed, on paper (in every row's fixed): ${paper.map((p) => `${p.item} $${p.usd.toFixed(2)}`).join('; ')}.`);
}

/** docs/deploy.md's cost section, from the rows. */
function costSection(rows: readonly Row[], paper: ReadonlyArray<{ item: string; usd: number }>): string {
  const at = (design: Row['design'], series: number) => rows.find((r) => r.design === design && r.series === series);
  const sizes = [...new Set(rows.map((r) => r.series))];
  const main = sizes.includes(100) ? 100 : sizes[0]!;
  const cadence = at('cadence', main)!;
  const p = cadence.perSeries!;
  const lines = [
    '## Cost per monitored series per month',
    '',
    `<!-- generated by \`npm run bench:cost -- --markdown\`; prices: bench/cost/prices.ts, us-east-1 list prices checked ${PRICES_CHECKED} -->`,
    '',
    'A series is one signal of one broker (30 brokers × 3 signals = 90 series). Measured by',
    '`npm run bench:cost`: the detector handler driven in process over a simulated month, a minute at',
    'a time, with 20 rollout steps and 30 deploys on weekday working hours (one step a producer storm,',
    'rolled back); every AWS call counted by stand-ins in the real response shapes, priced at list',
    'prices. Per series-month is what the series add over an empty guardrail; fixed is that empty',
    'guardrail plus what is priced on paper. Rows simulated over fewer than 30 days are scaled.',
    '',
    '| design | series | days simulated | per series-month | per cluster-month | fixed a month |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.label} | ${r.series.toLocaleString('en')} | ${r.simulatedDays ?? 'on paper'} | $${r.perSeriesMonthUsd.toFixed(3)} | $${(r.perClusterMonthUsd ?? 0).toFixed(2)} | $${r.fixedMonthUsd.toFixed(2)} |`,
    ),
    '',
    `At ${main} series, per series-month on the release-aware cadence:`,
    '',
    '| item | per series-month | how |',
    '|---|---|---|',
    `| CloudWatch GetMetricData | $${p.getMetricData.toFixed(4)} | $0.01 per 1,000 metrics requested; ${Math.round(cadence.readsPerMonth!).toLocaleString('en')} reads a month instead of 43,200: every minute for 3 hours after each release, every 5 minutes otherwise (each read takes every minute's datapoint since the last) |`,
    `| DynamoDB writes | $${p.dynamoWrites.toFixed(4)} | $0.625 per million write request units; a read writes its journal entry (the new datapoints), the shard's head and about 1/30 of the series buckets: ${cadence.perRead!.wru.toFixed(1)} WRU a read for ${main} series |`,
    `| DynamoDB reads and storage | $${(p.dynamoReads + p.dynamoStorage).toFixed(4)} | $0.125 per million read request units: the head and the release timeline every minute, the series only when another container saved (${cadence.perRead!.rru.toFixed(1)} RRU a read, the minutes between included); $0.25 + $0.20 (point-in-time recovery) per GB-month |`,
    `| Lambda (Arm, 512 MB) | $${p.lambda.toFixed(4)} | compute measured, plus typical round trips (bench/cost/prices.ts) |`,
    `| logs, SNS, S3, Secrets Manager | $${(p.logs + p.sns + p.s3 + p.secrets).toFixed(4)} | the storm's alerts, report and rollback; embedded-metric log lines |`,
    `| **total** | **$${cadence.perSeriesMonthUsd.toFixed(3)}** | |`,
    '',
    `Per cluster: $${cadence.perClusterMonthUsd!.toFixed(2)} a month, its Baseline metric for each signal ($0.30 each, for the dashboard), whatever its number of brokers.`,
    '',
    `From a release reaching the table to the first one-minute read: ${cadence.releaseToFastReadSeconds?.mean.toFixed(0)} s on average, ${cadence.releaseToFastReadSeconds?.max.toFixed(0)} s at most, over ${cadence.releaseToFastReadSeconds?.releases} releases (the next minute's run).`,
    '',
    `GetMetricData is ${Math.round((100 * p.getMetricData) / cadence.perSeriesMonthUsd)}% of it: what is left to cut is reads. A shorter watch (\`cadence: { watchMinutes: 60 }\`) costs ${at('watch-60', main) ? `$${at('watch-60', main)!.perSeriesMonthUsd.toFixed(3)}` : 'less'}; a CloudWatch Metric Stream (one update a series a minute, $0.003 per 1,000) would cost ${at('metric-streams', main) ? `$${at('metric-streams', main)!.perSeriesMonthUsd.toFixed(3)}` : 'about the same'} with the state written every minute, and needs a Firehose delivery stream and its destination; reading every minute as before costs ${at('every-minute', main) ? `$${at('every-minute', main)!.perSeriesMonthUsd.toFixed(3)}` : 'three times as much'} (${at('before', main) ? `$${at('before', main)!.perSeriesMonthUsd.toFixed(3)} with every series item written every run` : ''}).`,
    '',
    `Fixed, whatever the number of series: the empty guardrail's runs, $${cadence.emptyRunsMonthUsd!.toFixed(3)} a month per shard (a Lambda invocation a minute that reads the shard's head and the release timeline; that is all a second, slower schedule enabled only while a release is watched could save, for rules to enable and disable and a first fast read that waits on them: one schedule it is), its own metrics (one per flag for the rollout percentage, the rest fixed) and, on paper, ${paper.map((q) => `${q.item} ($${q.usd.toFixed(2)})`).join(', ')}. Each further shard adds its own runs. MSK's PER_BROKER metrics are billed by MSK/CloudWatch separately.`,
  ];
  return lines.join('\n');
}

await main();
