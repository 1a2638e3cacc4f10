/**
 * One design of the guardrail driven over simulated days: the real detector handler, in process,
 * a minute at a time, against the counting stand-ins of world.ts and fake-dynamo.ts; what it
 * measured, for bill.ts to price.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { legacyStore } from '../../lambdas/adapters/dynamodb/legacy.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { S3Reports } from '../../lambdas/adapters/s3/incident-pages.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createDetectorHandler } from '../../lambdas/handlers/detector.ts';
import { EmfCounter } from './emf-counter.ts';
import { CountingDynamo } from './fake-dynamo.ts';
import { DETECTOR_GB, LATENCY_MS } from './prices.ts';
import { calendar, fleet, MONTH_START, SIGNALS, WEBHOOK_LATENCY_MS, WorldCloudWatch, WorldFlags, WorldSns } from './world.ts';

const MINUTE = 60_000;
const TABLE = 'stormguard';

export type DesignKey = 'cadence' | 'watch-60' | 'every-minute' | 'before';
export const DESIGNS: Record<DesignKey, { label: string; idleMinutes: number; watchMinutes: number; legacy: boolean }> = {
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
export const SMALL_ONLY = new Set<DesignKey>(['watch-60']);

export interface Measured {
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

/** The simulated world of one design: its stand-ins, the handler wired to them, and a clock both read. */
function newWorld(design: DesignKey, seriesCount: number) {
  const world = fleet(seriesCount);
  const { releases, storm } = calendar(30);
  const config = parseConfig(
    [
      'mode: enforce',
      `clusters: [${world.clusters.join(', ')}]`,
      // The fleet reads three signals a broker; traffic (records and bytes in) would add two, at the same price a series.
      'signals: { ClientConnectionCount: { enabled: false }, ProducerIdCount: { enabled: false }, MessagesInPerSec: { enabled: false }, BytesInPerSec: { enabled: false } }',
      `cadence: { idleMinutes: ${DESIGNS[design].idleMinutes}, watchMinutes: ${DESIGNS[design].watchMinutes} }`,
    ].join('\n'),
  );
  if (config.signals.map((s) => s.name).join() !== [...SIGNALS].join()) throw new Error('the benchmark fleet reads three signals');
  const clock = { now: MONTH_START };
  const dynamo = new CountingDynamo();
  const flags = new WorldFlags(storm, () => clock.now);
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
  return { world, releases, clock, dynamo, flags, cloudwatch, sns, handler, webhook };
}

type World = ReturnType<typeof newWorld>;

/** The calls each stand-in has answered so far (and the time they took), to tell one run's share. */
function calls({ cloudwatch, dynamo, sns, flags }: World) {
  return {
    cw: cloudwatch.selfMs,
    dynamo: dynamo.selfMs,
    dynamoRequests: total(dynamo.counts.requests),
    gmd: cloudwatch.requests,
    sns: sns.publishes,
    s3: s3Mock.commandCalls(PutObjectCommand).length,
    secrets: flags.secretReads,
  };
}

/** Runs the handler once at the world's clock: its outcome, and its GB-seconds (compute measured, round trips typical). */
async function runOnce(w: World, emf: EmfCounter) {
  const before = calls(w);
  const t0 = performance.now();
  const outcome = await emf.counting(() => w.handler({ time: new Date(w.clock.now).toISOString() }));
  const after = calls(w);
  const computeMs = performance.now() - t0 - (after.cw - before.cw) - (after.dynamo - before.dynamo);
  const waitMs =
    (after.dynamoRequests - before.dynamoRequests) * LATENCY_MS.dynamo +
    (after.gmd - before.gmd) * LATENCY_MS.getMetricDataRequest +
    (after.sns - before.sns) * LATENCY_MS.snsPublish +
    (after.s3 - before.s3) * LATENCY_MS.s3Put +
    (after.secrets - before.secrets) * LATENCY_MS.secret;
  return { outcome, gbSeconds: (Math.ceil(computeMs + waitMs) / 1000) * DETECTOR_GB };
}

export async function simulate(design: DesignKey, seriesCount: number, days: number): Promise<Measured> {
  const w = newWorld(design, seriesCount);
  const { dynamo, cloudwatch, sns, flags } = w;
  const emf = new EmfCounter();
  const landings = w.releases
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
    const clock = (w.clock.now = MONTH_START + minute * MINUTE);
    while (landed < landings.length && landings[landed]!.at <= clock) {
      await w.webhook.addReleases([landings[landed]!.release]);
      waiting.push(landings[landed]!.at);
      landed++;
    }
    const run = await runOnce(w, emf);
    gbSeconds += run.gbSeconds;
    invocations++;
    if (run.outcome.status === 'evaluated') {
      reads++;
      for (const at of waiting.splice(0)) releaseToRead.push((clock - at) / 1000);
    }
    if (minute % 60 === 59) {
      dynamo.expire(clock);
      storedByteMinutes += dynamo.storedBytes();
      storageSamples++;
    }
  }
  return {
    days,
    invocations,
    reads,
    metricsRequested: cloudwatch.metricsRequested,
    getMetricDataRequests: cloudwatch.requests,
    rru: dynamo.counts.rru,
    wru: dynamo.counts.wru,
    dynamoRequests: total(dynamo.counts.requests),
    storedBytes: storageSamples ? storedByteMinutes / storageSamples : dynamo.storedBytes(),
    gbSeconds,
    snsPublishes: sns.publishes,
    s3Puts: s3Mock.commandCalls(PutObjectCommand).length,
    secretCalls: flags.secretReads,
    customMetrics: emf.customMetrics.size,
    clusterMetrics: emf.clusterMetrics.size,
    clusters: seriesCount > 0 ? w.world.clusters.length : 0,
    logBytes: emf.logBytes,
    rollbacks: flags.requests.length,
    releaseToRead,
    perRead: { rru: dynamo.counts.rru / Math.max(1, reads), wru: dynamo.counts.wru / Math.max(1, reads) },
    simulatedSeconds: (performance.now() - started) / 1000,
  };
}

function total(requests: Record<string, number>): number {
  return Object.values(requests).reduce((a, b) => a + b, 0);
}
