/**
 * A 6-broker Amazon MSK cluster driven by a real traffic texture: what its brokers report, minute
 * by minute, while flags roll out.
 *
 * The physics is the simulator's (lambdas/core/simulate.ts, docs/simulator.md), its daily cosine
 * replaced by a texture: producers are created in proportion to traffic; each opens connections
 * spread over the brokers; open connections are the long-lived ones plus the short-lived ones;
 * partition leaders keep producer-ID state for 24 h; heap after GC is a base, a part that moves
 * with traffic (request buffers, fetch sessions: as in reality, heap is a noisy signal) and the
 * producer-ID state. Each broker sees the texture a few minutes shifted, with its own share of
 * leadership and its own noise; counts have the noise of counting (Poisson).
 *
 * A flag can create producers per request (a storm: connection creation and heap move), or
 * producer IDs over pooled connections (a heap-only storm: heap climbs, connections barely move).
 * Either effect is proportional to the flag's rollout percentage and to traffic.
 *
 * Randomness is seeded and drawn in the same order whatever the flags do, so a world with a
 * guardrail's rollback applied is the same world until the rollback.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { BrokerSeries, SimulatedSignal } from '../../lambdas/simulator/simulate.ts';

export const MINUTE_MS = 60_000;
/** Producer-ID state lives this long on partition leaders (`producer.id.expiration.ms` default). */
export const BURN_IN_MINUTES = 24 * 60;

/** Producers created per second, cluster-wide, at typical traffic (the simulator's 14/s peak at a median hour). */
const TYPICAL_PRODUCERS_PER_SECOND = 10;
const CONNECTIONS_PER_PRODUCER = 3;
const PARTITIONS_PER_PRODUCER = 4;
const CONNECTION_LIFETIME_SECONDS = 30;
const LONG_LIVED_CONNECTIONS_PER_BROKER = 900;
const INTER_BROKER_CONNECTIONS_PER_BROKER = 40;
/** Connections opened by others than producers (consumers, admin clients), per broker per second at typical traffic. */
const OTHER_CONNECTIONS_PER_SECOND = 0.5;
const HEAP_BYTES = 6 * 1024 ** 3;
const BYTES_PER_PRODUCER_STATE = 650;
/** Heap after GC that moves with traffic: this many points times √traffic (about 12% at typical traffic). */
const TRAFFIC_HEAP_POINTS = 12;
/** The traffic part of heap follows traffic with this half-life (minutes): buffers fill and drain. */
const TRAFFIC_HEAP_HALF_LIFE = 10;
/** Producer-ID entries per minute per broker that add 1 point of heap per hour. */
const ENTRIES_PER_MINUTE_FOR_ONE_POINT_PER_HOUR = (0.01 * HEAP_BYTES) / BYTES_PER_PRODUCER_STATE / 60;
/** Cluster-wide minute-to-minute traffic noise (log sd) on top of the texture. */
const CLUSTER_NOISE = 0.03;
/** Heap noise: AR(1) with this persistence and innovation (points). */
const HEAP_AR = 0.9;
const HEAP_INNOVATION = 0.35;
/** Bytes in, and the records (messages) they carry, per second per broker at typical traffic. */
type TrafficMeasure = 'BytesInPerSec' | 'MessagesInPerSec';
const TYPICAL_PER_SECOND: Record<TrafficMeasure, number> = { BytesInPerSec: 5e6, MessagesInPerSec: 5e3 };
/**
 * Bytes and records per unit of traffic drift (sizes and batching change; AR(1) on the log: about
 * 10% either way), each minute measured with its own noise, from random streams of their own: the
 * other signals are the same with or without them.
 */
const TRAFFIC_MIX_AR = 0.98;
const TRAFFIC_MIX_INNOVATION = 0.02;
const TRAFFIC_NOISE = 0.02;

/** What the world exports: the simulator's signals, and MSK's MessagesInPerSec and BytesInPerSec (measures of traffic, which a producer storm does not raise). */
export type WorldSignal = SimulatedSignal | TrafficMeasure;
export type WorldSeries = Omit<BrokerSeries, 'signal'> & { readonly signal: WorldSignal };

export interface WorldStep {
  readonly time: number;
  readonly percent: number;
  readonly by: string;
  /** release: someone stepped the flag (exported); guardrail: a rollback applied in a closed loop (not exported). */
  readonly source: 'release' | 'guardrail';
}

export interface WorldFlag {
  readonly key: string;
  readonly name: string;
  readonly steps: readonly WorldStep[];
  /** Extra producers per 1% of rollout, as a multiple of the typical producer rate (0: harmless). */
  readonly producersPerPercent: number;
  /** Extra producer IDs over pooled connections, per 1% of rollout, in heap points per hour per broker at typical traffic. */
  readonly heapPointsPerHourPerPercent: number;
  /** The change in bytes per request per 1% of rollout, as a share (−0.006: compression that saves 60% at 100%). */
  readonly bytesPerPercent: number;
}

export interface WorldSpec {
  readonly seed: number;
  /** The first exported minute. */
  readonly start: number;
  /** Exported minutes; the world runs a day before them so producer state is there from the start. */
  readonly minutes: number;
  /** Traffic multipliers, one per minute of burn-in and export (BURN_IN_MINUTES + minutes). */
  readonly traffic: Float64Array;
  readonly brokers: number;
  readonly flags: readonly WorldFlag[];
  readonly surges: ReadonlyArray<{ readonly from: number; readonly to: number; readonly factor: number }>;
  readonly outages: ReadonlyArray<{
    readonly signal: WorldSignal;
    readonly from: number;
    readonly to?: number;
    readonly brokers?: readonly number[];
  }>;
  /** The signals exported (MSK's DEFAULT level lacks ConnectionCreationRate). */
  readonly signals: readonly WorldSignal[];
  /** Connections opened whatever the traffic (reconnects, health checks), as a share of the typical rate; absent: 0 (`--constant-creation`). */
  readonly constantCreation?: number;
}

export interface World {
  readonly series: WorldSeries[];
  /** The first minute any broker's heap after GC was at or above `percent`, if any (and `calm`'s, the same world without a storm, was not). */
  heapReached(percent: number, calm?: World): number | undefined;
}

interface Broker {
  readonly id: number;
  readonly lagMinutes: number;
  readonly share: number;
  readonly noise: number;
  readonly heapBase: number;
  readonly state: Float64Array;
  stateTotal: number;
  trafficHeap: number;
  heapNoise: number;
  /** Bytes and records per unit of traffic, drifting (log). */
  readonly mix: Record<TrafficMeasure, number>;
}

export function runWorld(spec: WorldSpec): World {
  if (spec.traffic.length !== BURN_IN_MINUTES + spec.minutes) {
    throw new Error(
      `world: ${spec.traffic.length} traffic minutes, expected ${BURN_IN_MINUTES + spec.minutes} (a day of burn-in and the export)`,
    );
  }
  const random = normalSource(spec.seed);
  const bytesRandom = normalSource((spec.seed ^ 0x5bd1e995) >>> 0);
  const messagesRandom = normalSource((spec.seed ^ 0x27d4eb2f) >>> 0);
  const brokers = makeBrokers(spec, random);
  const series = brokers.flatMap((b) => spec.signals.map((signal): WorldSeries => ({ broker: b.id, signal, times: [], values: [] })));
  const byBroker = new Map(brokers.map((b) => [b.id, series.filter((s) => s.broker === b.id)]));
  const heapAlpha = 1 - 0.5 ** (1 / TRAFFIC_HEAP_HALF_LIFE);
  const first = spec.start - BURN_IN_MINUTES * MINUTE_MS;
  for (let i = 0; i < spec.traffic.length; i++) {
    const time = first + i * MINUTE_MS;
    const cluster = surgeFactor(spec, time + MINUTE_MS / 2) * random.logNormal(CLUSTER_NOISE);
    const percents = spec.flags.map((flag) => minutePercent(flag.steps, time));
    const bytesFactor = spec.flags.reduce((factor, flag, f) => factor + flag.bytesPerPercent * percents[f]!, 1);
    for (const broker of brokers) {
      const traffic = spec.traffic[Math.max(0, i - broker.lagMinutes)]! * cluster * broker.share * random.logNormal(broker.noise);
      const values = {
        ...brokerMinute(spec, broker, traffic, percents, random, heapAlpha, i),
        // Compression moves bytes, not records.
        BytesInPerSec: trafficIn(broker, 'BytesInPerSec', traffic * bytesFactor, bytesRandom),
        MessagesInPerSec: trafficIn(broker, 'MessagesInPerSec', traffic, messagesRandom),
      };
      if (i < BURN_IN_MINUTES) continue;
      for (const s of byBroker.get(broker.id)!) {
        if (inOutage(spec, s.signal, broker.id, time)) continue;
        s.times.push(time);
        s.values.push(values[s.signal]);
      }
    }
  }
  return { series, heapReached: (percent, calm) => heapReached(series, percent, calm?.series) };
}

function makeBrokers(spec: WorldSpec, random: NormalSource): Broker[] {
  const shares = Array.from({ length: spec.brokers }, () => 0.85 + 0.3 * random.uniform());
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  return shares.map((share, i) => ({
    id: i + 1,
    lagMinutes: Math.floor(random.uniform() * 4),
    share: share / mean,
    noise: 0.03 + 0.05 * random.uniform(),
    heapBase: 28 + 6 * random.uniform(),
    state: new Float64Array(BURN_IN_MINUTES),
    stateTotal: 0,
    trafficHeap: Number.NaN,
    heapNoise: 0,
    mix: { BytesInPerSec: 0, MessagesInPerSec: 0 },
  }));
}

/** One broker's bytes or records in per second this minute: traffic, times its drifting amount per unit, measured. */
function trafficIn(broker: Broker, measure: TrafficMeasure, traffic: number, random: NormalSource): number {
  broker.mix[measure] = TRAFFIC_MIX_AR * broker.mix[measure] + TRAFFIC_MIX_INNOVATION * random.normal();
  return TYPICAL_PER_SECOND[measure] * traffic * Math.exp(broker.mix[measure]) * random.logNormal(TRAFFIC_NOISE);
}

/** One broker's minute: its producer state advances; returns what it reports. */
function brokerMinute(
  spec: WorldSpec,
  broker: Broker,
  traffic: number,
  percents: readonly number[],
  random: NormalSource,
  heapAlpha: number,
  minute: number,
): Record<SimulatedSignal, number> {
  const typical = (TYPICAL_PRODUCERS_PER_SECOND / spec.brokers) * traffic;
  let producers = typical;
  let pooledEntries = 0;
  spec.flags.forEach((flag, f) => {
    producers += typical * flag.producersPerPercent * percents[f]!;
    pooledEntries += flag.heapPointsPerHourPerPercent * percents[f]! * traffic * ENTRIES_PER_MINUTE_FOR_ONE_POINT_PER_HOUR;
  });
  const constant =
    (spec.constantCreation ?? 0) *
    ((TYPICAL_PRODUCERS_PER_SECOND / spec.brokers) * CONNECTIONS_PER_PRODUCER + OTHER_CONNECTIONS_PER_SECOND);
  const expected = producers * CONNECTIONS_PER_PRODUCER + OTHER_CONNECTIONS_PER_SECOND * traffic + constant;
  // Counting noise: a minute's count of N events varies by √N.
  const counting = 1 / Math.sqrt(Math.max(1, expected * 60));
  const creationRate = expected * random.logNormal(counting);
  const slot = minute % BURN_IN_MINUTES;
  const entries = producers * 60 * PARTITIONS_PER_PRODUCER + pooledEntries;
  broker.stateTotal += entries - broker.state[slot]!;
  broker.state[slot] = entries;
  broker.trafficHeap = Number.isNaN(broker.trafficHeap) ? traffic : broker.trafficHeap + heapAlpha * (traffic - broker.trafficHeap);
  broker.heapNoise = HEAP_AR * broker.heapNoise + HEAP_INNOVATION * random.normal();
  const heap =
    broker.heapBase +
    TRAFFIC_HEAP_POINTS * Math.sqrt(broker.trafficHeap) +
    ((broker.stateTotal * BYTES_PER_PRODUCER_STATE) / HEAP_BYTES) * 100 +
    broker.heapNoise;
  const clients = Math.round(LONG_LIVED_CONNECTIONS_PER_BROKER * Math.sqrt(traffic) + creationRate * CONNECTION_LIFETIME_SECONDS);
  return {
    ConnectionCreationRate: creationRate,
    ClientConnectionCount: clients,
    ConnectionCount: clients + INTER_BROKER_CONNECTIONS_PER_BROKER,
    HeapMemoryAfterGC: Math.min(100, Math.max(0, heap)),
    ProducerIdCount: Math.round(broker.stateTotal),
  };
}

/** A flag's rollout percentage at a time, from its steps in time order. */
export function percentAt(steps: readonly WorldStep[], time: number): number {
  let percent = 0;
  for (const step of steps) if (step.time <= time) percent = step.percent;
  return percent;
}

/** The flag's average percentage over the minute from `time`: a step 40 s in weighs a third. */
export function minutePercent(steps: readonly WorldStep[], time: number): number {
  let percent = percentAt(steps, time);
  let total = 0;
  let from = time;
  for (const step of steps) {
    if (step.time <= time || step.time >= time + MINUTE_MS) continue;
    total += percent * (step.time - from);
    from = step.time;
    percent = step.percent;
  }
  return (total + percent * (time + MINUTE_MS - from)) / MINUTE_MS;
}

function surgeFactor(spec: WorldSpec, time: number): number {
  let factor = 1;
  for (const surge of spec.surges) {
    if (time < surge.from || time >= surge.to) continue;
    // Five-minute ramps: real surges are steep, not square.
    const ramp = Math.min(1, (time - surge.from) / (5 * MINUTE_MS), (surge.to - time) / (5 * MINUTE_MS));
    factor *= 1 + (surge.factor - 1) * ramp;
  }
  return factor;
}

function inOutage(spec: WorldSpec, signal: WorldSignal, broker: number, time: number): boolean {
  return spec.outages.some(
    (o) =>
      o.signal === signal &&
      time >= o.from &&
      (o.to === undefined || time < o.to) &&
      (o.brokers === undefined || o.brokers.includes(broker)),
  );
}

function heapReached(series: readonly WorldSeries[], percent: number, calm: readonly WorldSeries[] = []): number | undefined {
  let first: number | undefined;
  for (const s of series) {
    if (s.signal !== 'HeapMemoryAfterGC') continue;
    const without = calm.find((c) => c.signal === s.signal && c.broker === s.broker)?.values ?? [];
    const i = s.values.findIndex((v, j) => v >= percent && !((without[j] ?? -Infinity) >= percent));
    if (i >= 0 && (first === undefined || s.times[i]! < first)) first = s.times[i]!;
  }
  return first;
}

interface NormalSource {
  uniform(): number;
  normal(): number;
  logNormal(sigma: number): number;
}

/** Seeded uniform, normal (Box–Muller) and mean-one log-normal draws over xoroshiro128+. */
function normalSource(seed: number): NormalSource {
  const rng = xoroshiro128plus(seed);
  const uniform = () => uniformFloat64(rng);
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal, logNormal: (sigma) => Math.exp(sigma * normal() - (sigma * sigma) / 2) };
}
