/**
 * The simulated world of the cost benchmark: a fleet of MSK brokers behind a CloudWatch that
 * answers GetMetricData in its own response shape with synthetic values (cheap: a daily swing and
 * a little noise per series), a month's release calendar (rollout steps and deploys on working
 * hours of weekdays), one producer storm at one of the steps that lasts until the guardrail rolls
 * the flag back, and counting stand-ins for SNS, S3 and Secrets Manager.
 */
import { GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ReleaseEvent, RolloutStep } from '../../lambdas/core/release.ts';
import type { FlagController } from '../../lambdas/ports.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** Brokers per cluster and the signals read: 90 series a cluster, as in the example. */
export const BROKERS_PER_CLUSTER = 30;
export const SIGNALS = ['ConnectionCreationRate', 'ConnectionCount', 'HeapMemoryAfterGC'] as const;
const LEVEL: Record<string, number> = { ConnectionCreationRate: 6, ConnectionCount: 900, HeapMemoryAfterGC: 35 };
/** The month: 30 days from a Monday. */
export const MONTH_START = Date.parse('2026-11-02T00:00:00Z');
/** A webhook reaches the table this long after the step it reports. */
export const WEBHOOK_LATENCY_MS = 2_000;

export interface Fleet {
  readonly series: number;
  readonly clusters: string[];
  /** Per cluster and signal, the brokers reporting it. */
  readonly brokers: (cluster: string, signal: string) => number[];
}

/** `count` series, 90 to a cluster (30 brokers × 3 signals); the last cluster holds the rest. */
export function fleet(count: number): Fleet {
  const perCluster = BROKERS_PER_CLUSTER * SIGNALS.length;
  const clusters = Array.from({ length: Math.max(1, Math.ceil(count / perCluster)) }, (_, i) => `msk-${String(i).padStart(3, '0')}`);
  return {
    series: count,
    clusters,
    brokers: (cluster, signal) => {
      const c = clusters.indexOf(cluster);
      const s = SIGNALS.indexOf(signal as (typeof SIGNALS)[number]);
      if (c < 0 || s < 0) return [];
      const brokers: number[] = [];
      for (let j = s; j < perCluster; j += SIGNALS.length) if (c * perCluster + j < count) brokers.push(Math.floor(j / SIGNALS.length) + 1);
      return brokers;
    },
  };
}

export interface Calendar {
  readonly releases: ReleaseEvent[];
  /** The step at which the storm starts. */
  readonly storm: RolloutStep;
}

/** 20 rollout steps (five flags, 1% → 5% → 25% → 100%) and 30 deploys, on weekdays 09:00–18:00 UTC, seeded. */
export function calendar(days: number, seed = 14): Calendar {
  const random = xoroshiro128plus(seed);
  const weekdays = Array.from({ length: days }, (_, d) => d).filter((d) => new Date(MONTH_START + d * DAY).getUTCDay() % 6 !== 0);
  const scale = days / 30;
  const at = (day: number) => MONTH_START + day * DAY + 9 * 3_600_000 + Math.floor(uniformFloat64(random) * 9 * 3_600_000);
  const pick = () => weekdays[Math.floor(uniformFloat64(random) * weekdays.length)]!;
  const releases: ReleaseEvent[] = [];
  const flags = Math.max(1, Math.round(5 * scale));
  for (let f = 0; f < flags; f++) {
    // A flag's steps a working day or so apart.
    const first = weekdays[Math.floor(uniformFloat64(random) * Math.max(1, weekdays.length - 4))]!;
    [1, 5, 25, 100].forEach((percent, i, all) => {
      const day = weekdays[Math.min(weekdays.length - 1, weekdays.indexOf(first) + i)]!;
      releases.push({
        kind: 'rollout-step',
        id: `flag-${f}-${percent}`,
        time: at(day),
        flag: `flag-${f}`,
        environment: 'production',
        target: { kind: 'fallthrough' },
        fromPercent: i === 0 ? 0 : all[i - 1]!,
        toPercent: percent,
        by: 'dev@example.com',
      });
    });
  }
  for (let d = 0; d < Math.max(1, Math.round(30 * scale)); d++) {
    releases.push({
      kind: 'deploy',
      id: `deploy-${d}`,
      time: at(pick()),
      service: `service-${d % 7}`,
      version: `1.${d}.0`,
      environment: 'production',
    });
  }
  releases.sort((a, b) => a.time - b.time);
  // The storm: the 5% step of the first flag (its 1% step was harmless enough to pass unseen).
  const storm = releases.find((r): r is RolloutStep => r.kind === 'rollout-step' && r.flag === 'flag-0' && r.toPercent === 5)!;
  return { releases, storm };
}

/** The flag controller: records rollbacks; the storm ends when its flag is rolled back. */
export class WorldFlags implements FlagController {
  rolledBackAt: number | undefined;
  readonly requests: Array<Parameters<FlagController['setRollout']>[0]> = [];
  /** Secrets Manager reads the LaunchDarkly controller would make: one per change (its value kept five minutes). */
  secretReads = 0;

  constructor(
    private readonly storm: RolloutStep,
    private readonly clock: () => number,
  ) {}

  async setRollout(request: Parameters<FlagController['setRollout']>[0]) {
    this.requests.push(request);
    this.secretReads++;
    if (request.flag === this.storm.flag && request.percent < this.storm.toPercent) this.rolledBackAt ??= this.clock();
    return { status: 'applied' as const, detail: `${request.flag} set to ${request.percent}%` };
  }
}

/** CloudWatch's GetMetricData over the fleet: every broker a SEARCH finds, with values for each minute asked. */
export class WorldCloudWatch {
  metricsRequested = 0;
  requests = 0;
  selfMs = 0;

  constructor(
    private readonly world: Fleet,
    private readonly storm: RolloutStep,
    private readonly flags: WorldFlags,
  ) {}

  async send(command: unknown): Promise<unknown> {
    const started = performance.now();
    try {
      if (!(command instanceof GetMetricDataCommand)) throw new Error('WorldCloudWatch: only GetMetricData');
      return this.answer(command.input);
    } finally {
      this.selfMs += performance.now() - started;
    }
  }

  private answer(input: GetMetricDataCommandInput) {
    this.requests++;
    const from = Math.ceil(input.StartTime!.getTime() / MINUTE) * MINUTE;
    const to = input.EndTime!.getTime();
    const times: number[] = [];
    for (let t = from; t < to; t += MINUTE) times.push(t);
    const stamps = times.map((t) => new Date(t));
    const results: MetricDataResult[] = [];
    for (const query of input.MetricDataQueries ?? []) {
      const [, signal, cluster] = /MetricName="([^"]+)" "Cluster Name"="([^"]+)"/.exec(query.Expression!) ?? [];
      for (const broker of this.world.brokers(cluster!, signal!)) {
        const phase = broker * 0.37 + SIGNALS.indexOf(signal as (typeof SIGNALS)[number]);
        results.push({
          Id: query.Id,
          Label: `${signal} Cluster Name=${cluster}, Broker ID=${broker}`,
          Timestamps: stamps,
          Values: times.map((t) => this.value(signal!, cluster!, phase, t)),
          StatusCode: 'Complete',
        });
      }
    }
    this.metricsRequested += results.length;
    return { MetricDataResults: results, Messages: [], $metadata: {} };
  }

  private value(signal: string, cluster: string, phase: number, t: number): number {
    const minute = t / MINUTE;
    const daily = 1 + 0.25 * Math.sin((2 * Math.PI * (t % DAY)) / DAY - 1.2);
    const noise = 1 + 0.04 * Math.sin(minute * 1.7 + phase) + 0.02 * Math.sin(minute * 0.31 + 2 * phase);
    const base = LEVEL[signal]! * (signal === 'HeapMemoryAfterGC' ? 1 + 0.1 * (daily - 1) : daily) * noise;
    const storming =
      signal === 'ConnectionCreationRate' &&
      cluster === this.stormCluster() &&
      t >= this.storm.time &&
      (this.flags.rolledBackAt === undefined || t < this.flags.rolledBackAt);
    return storming ? base * 4 : base;
  }

  private stormCluster(): string {
    return this.world.clusters[0]!;
  }
}

/** SNS: counts publishes. */
export class WorldSns implements Pick<SNSClient, 'send'> {
  publishes = 0;
  send = (async () => {
    this.publishes++;
    return { MessageId: `m${this.publishes}`, $metadata: {} };
  }) as unknown as SNSClient['send'];
}
