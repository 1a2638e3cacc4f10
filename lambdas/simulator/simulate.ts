/**
 * The simulator: what a Kafka cluster's brokers report, minute by minute, while a flag rolls out.
 *
 * It models API traffic with a daily cycle and noise; the typical rate at which applications
 * create producers; a code path behind each flag that creates producers per request for the
 * flagged share of traffic; per-broker connection creation, open connections and heap after GC;
 * producer-ID state that partition leaders keep for `producer.id.expiration.ms` (24 h) and that
 * drives heap; a broker that fails when its heap runs out, its partitions (and their producer
 * state) moving to the brokers left. Randomness is seeded: one seed, one world.
 *
 * It writes what a user would export: GetMetricData pages, LaunchDarkly audit-log entries and
 * deploy events (see `exportScenario`), so a simulation and a real incident go through the same door.
 * Where each default number comes from is written beside it and in docs/simulator.md.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { Scenario, ScenarioFlag } from './scenario.ts';

export const SIMULATED_SIGNALS = [
  'ConnectionCreationRate',
  'ConnectionCount',
  'ClientConnectionCount',
  'HeapMemoryAfterGC',
  'ProducerIdCount',
] as const;
export type SimulatedSignal = (typeof SIMULATED_SIGNALS)[number];

export interface BrokerSeries {
  readonly broker: number;
  readonly signal: SimulatedSignal;
  readonly times: number[];
  readonly values: number[];
}

export interface SimulationResult {
  readonly series: BrokerSeries[];
  /** When each broker failed (its heap ran out), by broker id. */
  readonly failures: ReadonlyArray<{ broker: number; time: number }>;
  /** The ground truth, cluster-wide, per exported minute: new producers per second, typical and in all. */
  readonly producers: { readonly times: number[]; readonly typical: number[]; readonly total: number[] };
}

const MINUTE_MS = 60_000;

/** A simulated broker: alive until its heap runs out, with the producer-ID entries of each minute of the last day. */
interface Broker {
  readonly id: number;
  alive: boolean;
  readonly state: Float64Array;
  stateTotal: number;
}

type NormalSource = ReturnType<typeof normalSource>;
const GIB = 1024 ** 3;

/** Runs a scenario; brokers are numbered from 1 as in MSK's `Broker ID`. */
export function simulate(scenario: Scenario): SimulationResult {
  const random = normalSource(scenario.seed);
  const start = Date.parse(scenario.start);
  const end = Date.parse(scenario.end);
  const expiryMinutes = Math.round(scenario.heap.expirationHours * 60);
  // Producer state that exists at the first exported minute was created in the day before it.
  const burnIn = start - expiryMinutes * MINUTE_MS;
  const brokers: Broker[] = Array.from({ length: scenario.brokers }, (_, i) => ({
    id: i + 1,
    alive: true,
    state: new Float64Array(expiryMinutes), // producer-ID entries created in each minute of the last day
    stateTotal: 0,
  }));
  const series = brokers.flatMap((b) =>
    SIMULATED_SIGNALS.map((signal) => ({ broker: b.id, signal, times: [] as number[], values: [] as number[] })),
  );
  const failures: Array<{ broker: number; time: number }> = [];
  const producers = { times: [] as number[], typical: [] as number[], total: [] as number[] };

  for (let time = burnIn, minute = 0; time < end; time += MINUTE_MS, minute++) {
    const alive = brokers.filter((b) => b.alive);
    if (alive.length === 0) break;
    const load = loadAt(scenario, random, time);
    keepProducerState(
      alive,
      (load.producersPerSecond * 60 * scenario.producers.partitionsPerProducer) / alive.length,
      minute % expiryMinutes,
    );
    if (time < start) continue;
    producers.times.push(time);
    producers.typical.push(load.typical);
    producers.total.push(load.producersPerSecond);
    for (const broker of alive) {
      const reading = readBroker(scenario, random, broker, load, alive.length, time);
      if (reading.heap >= 100) {
        failBroker(broker, brokers);
        failures.push({ broker: broker.id, time });
        continue;
      }
      for (const signal of SIMULATED_SIGNALS) {
        if (inOutage(scenario, signal, broker.id, time)) continue;
        const s = series.find((x) => x.broker === broker.id && x.signal === signal)!;
        s.times.push(time);
        s.values.push(reading.values[signal]);
      }
    }
  }
  return { series, failures, producers };
}

interface Load {
  /** The daily cycle times any surge: 1 at the daily peak. */
  readonly traffic: number;
  readonly typical: number;
  readonly producersPerSecond: number;
}

/** One minute's load: requests, the producers created as usual, and those each flag creates per request. */
function loadAt(scenario: Scenario, random: NormalSource, time: number): Load {
  const traffic = dailyCycle(scenario, time) * surgeFactor(scenario, time);
  const requests = scenario.traffic.peakRequestsPerSecond * traffic * random.logNormal(scenario.traffic.noise);
  const typical = scenario.producers.typicalPerSecondAtPeak * traffic * random.logNormal(scenario.producers.noise);
  const flagged = scenario.flags.reduce((sum, flag) => sum + exposedShare(flag, time) * requests * flag.producersPerRequest, 0);
  return { traffic, typical, producersPerSecond: typical + flagged };
}

/** Each broker's producer-ID state: this minute's entries replace those created a day ago (they expire). */
function keepProducerState(alive: readonly Broker[], entries: number, slot: number): void {
  for (const broker of alive) {
    broker.stateTotal -= broker.state[slot]!;
    broker.state[slot] = entries;
    broker.stateTotal += entries;
  }
}

/** What one broker reports this minute; `heap` unclamped, so a broker at 100% or more fails. */
function readBroker(scenario: Scenario, random: NormalSource, broker: Broker, load: Load, aliveCount: number, time: number) {
  const creationRate =
    ((load.producersPerSecond * scenario.producers.connectionsPerProducer) / aliveCount) * random.logNormal(scenario.producers.brokerNoise);
  const longLived = (scenario.producers.longLivedConnectionsPerBroker * scenario.brokers) / aliveCount;
  const clients = longLived * Math.sqrt(load.traffic) + creationRate * scenario.producers.connectionLifetimeSeconds;
  const heap =
    scenario.heap.basePercent +
    ((broker.stateTotal * scenario.heap.bytesPerProducerState) / (scenario.heap.sizeGiB * GIB)) * 100 +
    leakPercent(scenario, time) +
    random.normal() * scenario.heap.noise;
  const values: Record<SimulatedSignal, number> = {
    ConnectionCreationRate: creationRate,
    ClientConnectionCount: Math.round(clients),
    ConnectionCount: Math.round(clients + scenario.producers.interBrokerConnectionsPerBroker),
    HeapMemoryAfterGC: Math.max(0, heap),
    // KIP-847's gauge: the producer IDs this broker's partitions hold, i.e. the same state
    // that drives heap; a count, so exact (no noise).
    ProducerIdCount: Math.round(broker.stateTotal),
  };
  return { heap, values };
}

/**
 * The same world with the guardrail in it: each flag it rolled back changes at the rollback, and
 * its later steps, which the freeze reverts and the gate denies, never happen. The simulator's
 * noise does not depend on the flags, so everything before the rollback is as it was.
 */
export function applyRollbacks(
  scenario: Scenario,
  decisions: ReadonlyArray<{ time: number; flag: string; toPercent: number; action: string; mode: string }>,
): Scenario {
  return {
    ...scenario,
    flags: scenario.flags.map((flag) => {
      const rollback = decisions.find((d) => d.flag === flag.key && d.action === 'rollback' && d.mode === 'enforce');
      if (!rollback) return flag;
      const before = flag.steps.filter((s) => Date.parse(s.at) < rollback.time);
      return {
        ...flag,
        steps: [
          ...before,
          { at: new Date(rollback.time).toISOString(), percent: rollback.toPercent, by: 'stormguard', source: 'guardrail' as const },
        ],
      };
    }),
  };
}

/**
 * The share of requests a flag serves other than its off variation: its rollout's percentage of the
 * traffic its rollout rule (or the default rule, what no rule matches) gets, and all of the traffic
 * of rules that serve a treatment throughout.
 */
export function exposedShare(flag: ScenarioFlag, time: number): number {
  const rolledOut = percentAt(flag.steps, time) / 100;
  const ruled = flag.rules.reduce((sum, r) => sum + r.trafficShare, 0);
  let share = flag.rolloutRule === undefined ? (1 - ruled) * rolledOut : 0;
  for (const r of flag.rules) {
    if (r.id === flag.rolloutRule) share += r.trafficShare * rolledOut;
    else if (r.variation !== undefined && r.variation !== flag.offVariation) share += r.trafficShare;
  }
  return share;
}

/** The flag's rollout percentage at a time, from its steps. */
export function percentAt(steps: ReadonlyArray<{ at: string; percent: number }>, time: number): number {
  let percent = 0;
  for (const step of steps) if (Date.parse(step.at) <= time) percent = step.percent;
  return percent;
}

/** Traffic as a fraction of the daily peak: a cosine between the trough and 1. */
function dailyCycle(scenario: Scenario, time: number): number {
  const hour = (time / 3_600_000) % 24;
  const { troughFraction, peakHourUtc } = scenario.traffic;
  return troughFraction + ((1 - troughFraction) * (1 + Math.cos((2 * Math.PI * (hour - peakHourUtc)) / 24))) / 2;
}

function surgeFactor(scenario: Scenario, time: number): number {
  let factor = 1;
  for (const surge of scenario.surges) {
    const from = Date.parse(surge.from);
    const to = Date.parse(surge.to);
    if (time < from || time >= to) continue;
    // Ramp up and down over five minutes: real surges are steep but not square.
    const ramp = Math.min(1, (time - from) / (5 * MINUTE_MS), (to - time) / (5 * MINUTE_MS));
    factor *= 1 + (surge.factor - 1) * ramp;
  }
  return factor;
}

function leakPercent(scenario: Scenario, time: number): number {
  return scenario.deploys.reduce((sum, deploy) => {
    const since = time - Date.parse(deploy.at);
    return since > 0 ? sum + (deploy.heapLeakPercentPerHour * since) / 3_600_000 : sum;
  }, 0);
}

function inOutage(scenario: Scenario, signal: string, broker: number, time: number): boolean {
  return scenario.outages.some(
    (o) =>
      o.signal === signal &&
      time >= Date.parse(o.from) &&
      (o.to === undefined || time < Date.parse(o.to)) &&
      (o.brokers === undefined || o.brokers.includes(broker)),
  );
}

/** A failed broker's partitions, and the producer state they carry, move to the brokers left. */
function failBroker(
  broker: { alive: boolean; state: Float64Array; stateTotal: number },
  all: ReadonlyArray<{ alive: boolean; state: Float64Array; stateTotal: number }>,
): void {
  broker.alive = false;
  const survivors = all.filter((b) => b.alive);
  for (const survivor of survivors) {
    for (let i = 0; i < broker.state.length; i++) survivor.state[i]! += broker.state[i]! / survivors.length;
    survivor.stateTotal += broker.stateTotal / survivors.length;
  }
  broker.state.fill(0);
  broker.stateTotal = 0;
}

/** Seeded normal and log-normal draws (Box–Muller over xoroshiro128+). */
function normalSource(seed: number): { normal(): number; logNormal(sigma: number): number } {
  const rng = xoroshiro128plus(seed);
  const normal = () => {
    const u = 1 - uniformFloat64(rng); // (0, 1]: log(0) is not a number
    const v = uniformFloat64(rng);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  // Mean-preserving: E[exp(N(-σ²/2, σ²))] = 1, so noise does not shift the level.
  return { normal, logNormal: (sigma) => Math.exp(sigma * normal() - (sigma * sigma) / 2) };
}
