/**
 * `npm run bench:speed`: how fast and how big, on this machine, one core.
 *
 * - detector updates per second: the guardrail's detector over 1,000 series, round robin;
 * - one guardrail evaluation over 1,000 and 10,000 series, one new datapoint each, including
 *   loading the state from JSON and saving it back (what the scheduled Lambda did every minute
 *   before the journal store);
 * - one shard tick over 1,000 and 10,000 series as the detector runs it now (app/run-once.ts):
 *   CloudWatch's answer read, evaluated, and saved through the DynamoDB store (journal entry, head,
 *   1/30 of the checkpoints) into an in-memory DynamoDB, in a warm container; and a new
 *   container's first tick, which loads the checkpoints and replays the journal. CPU time of the
 *   process, the stand-ins' own time taken out;
 * - memory per series: the detector's state alone, and the guardrail's whole series state
 *   (detector plus the history the release and heap watches read); the state holds the watches of
 *   a rollout step five minutes before the measured evaluation;
 * - the CLI's module load (a fresh node importing dist/cli/main.js). The Lambda bundles' sizes and
 *   load times are bench/bundles' (`npm run bench:bundles`).
 *
 * Numbers are printed, never asserted: the machines are shared. Each timing is the median of runs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from 'simple-statistics';
import { CloudWatchMetricSource } from '../../lambdas/adapters/cloudwatch/metric-source.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { runOnce } from '../../lambdas/app/run-once.ts';
import { defaultConfig, parseConfig } from '../../lambdas/core/config.ts';
import { newDetectorState, observe } from '../../lambdas/core/detector.ts';
import { detectorSettings } from '../../lambdas/core/detector-settings.ts';
import { evaluate, historyCapacity } from '../../lambdas/core/evaluation.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { type GuardrailState, newGuardrailState } from '../../lambdas/core/state.ts';
import { CountingDynamo } from '../cost/fake-dynamo.ts';
import { calendar, fleet, WorldCloudWatch, WorldFlags } from '../cost/world.ts';

const MINUTE = 60_000;
const config = defaultConfig();
/** Warm ticks measured per size. */
const TICKS = 9;
const RUNS = 5;
/** Throughput varies with what else the shared machine runs: more runs, and the spread is printed. */
const THROUGHPUT_RUNS = 11;

function time(run: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/** Detector updates per second over `seriesCount` series, `perSeries` points each: every run's rate. */
function detectorThroughput(seriesCount: number, perSeries: number): number[] {
  const settings = detectorSettings(config.signals.find((s) => s.name === 'ConnectionCreationRate')!, config.detector, MINUTE);
  const values = Float64Array.from({ length: perSeries }, (_, i) => 10 * (1 + 0.05 * Math.sin(i * 1.7)));
  return Array.from({ length: THROUGHPUT_RUNS }, () => {
    const states = Array.from({ length: seriesCount }, newDetectorState);
    const started = performance.now();
    for (let i = 0; i < perSeries; i++) {
      const t = i * MINUTE;
      const v = values[i]!;
      for (const state of states) observe(state, settings, t, v);
    }
    return (seriesCount * perSeries) / ((performance.now() - started) / 1000);
  });
}

/** A warm guardrail state over `count` series (four MSK signals per broker), as JSON, and the next minute's points. */
function warmState(count: number, minutes: number): { json: string; next: MetricSeries[]; now: number } {
  const signals = ['ConnectionCreationRate', 'ConnectionCount', 'ClientConnectionCount', 'HeapMemoryAfterGC'];
  const series = (minute: number): MetricSeries[] =>
    Array.from({ length: count }, (_, i) => {
      const signal = signals[i % signals.length]!;
      const broker = String(Math.floor(i / signals.length) + 1);
      const level = signal === 'HeapMemoryAfterGC' ? 40 : 100;
      return {
        key: `${signal} Broker ID=${broker}`,
        signal,
        cluster: `cluster-${Math.floor(i / 240)}`,
        dimensions: { 'Broker ID': broker },
        points: [{ time: minute * MINUTE, value: level * (1 + 0.03 * Math.sin(minute * 1.3 + i)) }],
      };
    });
  const state = newGuardrailState();
  for (let m = 0; m < minutes; m++)
    evaluate(state, { now: (m + 1) * MINUTE, series: series(m), releases: releasesBy((m + 1) * MINUTE, minutes) }, config);
  return { json: JSON.stringify(state), next: series(minutes), now: (minutes + 1) * MINUTE };
}

/** A rollout step five minutes before the end of the warm-up: its watches are in the measured state. */
function releasesBy(now: number, minutes: number): ReleaseEvent[] {
  const step: ReleaseEvent = {
    kind: 'rollout-step',
    id: 'step',
    time: (minutes - 5) * MINUTE,
    flag: 'f',
    environment: config.environment,
    target: { kind: 'fallthrough' },
    fromPercent: 0,
    toPercent: 1,
  };
  return step.time <= now ? [step] : [];
}

function evaluationTime(count: number, minutes: number): { ms: number; stateBytes: number } {
  const { json, next, now } = warmState(count, minutes);
  const ms = time(() => {
    const state = JSON.parse(json) as GuardrailState;
    evaluate(state, { now, series: next, releases: releasesBy(now, now / MINUTE - 1) }, config);
    JSON.stringify(state);
  });
  return { ms, stateBytes: Buffer.byteLength(json) };
}

/** CPU milliseconds of `run` (user and system), less what the stand-ins spent (measured by them). */
async function cpuMs(run: () => Promise<unknown>, standIns: () => number): Promise<number> {
  const before = process.cpuUsage();
  const spent = standIns();
  await run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 - (standIns() - spent);
}

/**
 * The detector's shard tick over `count` series (CloudWatch's fleet stand-in: 30 brokers × 3
 * signals a cluster), after 13 hours of history: warm (the container saved the last state) and cold.
 */
async function shardTick(count: number): Promise<{ warm: number; cold: number; checkpoints: number }> {
  const world = fleet(count);
  const { storm } = calendar(30);
  const flags = new WorldFlags(storm, () => 0);
  const cloudwatch = new WorldCloudWatch(world, { ...storm, time: Infinity }, flags);
  const shardConfig = parseConfig(
    `clusters: [${world.clusters.join(', ')}]\nsignals: { ClientConnectionCount: { enabled: false }, ProducerIdCount: { enabled: false } }\ncadence: { idleMinutes: 1 }\n`,
  );
  const dynamo = new CountingDynamo();
  const source = new CloudWatchMetricSource(cloudwatch, shardConfig);
  const start = Date.parse('2026-11-02T00:00:00Z');
  const historyMinutes = 720 + 60;
  // 13 hours of history in one evaluation (the detectors take any number of points at once), saved whole.
  const state = newGuardrailState();
  const readout = await source.read(start - historyMinutes * MINUTE, start);
  evaluate(state, { now: start, series: readout.series, releases: [] }, shardConfig);
  await new DynamoStore(dynamo, 'stormguard', { config: shardConfig }).save(state);
  const standIns = () => cloudwatch.selfMs + dynamo.selfMs;
  const ports = (store: DynamoStore) => ({ metrics: source, timeline: store, store, flags, notifiers: [] });
  const at = (minute: number) => start + minute * MINUTE + shardConfig.publishDelaySeconds * 1000;
  // A new container: its first tick loads the checkpoints and replays what the journal holds since.
  const cold = await cpuMs(
    () => runOnce(shardConfig, ports(new DynamoStore(dynamo, 'stormguard', { config: shardConfig })), at(1)),
    standIns,
  );
  const store = new DynamoStore(dynamo, 'stormguard', { config: shardConfig });
  for (let minute = 2; minute <= 5; minute++) await runOnce(shardConfig, ports(store), at(minute));
  const samples: number[] = [];
  for (let minute = 6; minute < 6 + TICKS; minute++)
    samples.push(await cpuMs(() => runOnce(shardConfig, ports(store), at(minute)), standIns));
  return { warm: median(samples), cold, checkpoints: dynamo.items('shard#0').filter((i) => String(i.sk).startsWith('checkpoint#')).length };
}

function bytesPerObject(count: number, make: (i: number) => unknown): number {
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: count }, (_, i) => make(i));
  globalThis.gc?.();
  const after = process.memoryUsage().heapUsed;
  return kept.length > 0 ? (after - before) / count : 0;
}

/** Import time of a module in a fresh node, median of `runs`; what a cold start pays before the handler runs. */
function loadTime(file: string, runs = 9): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`;
  const samples = Array.from({ length: runs }, () =>
    Number(
      execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
        env: { ...process.env, AWS_REGION: 'eu-west-1' },
      }).toString(),
    ),
  );
  return median(samples);
}

async function main(): Promise<void> {
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; node ${process.version}\n`,
  );
  const rates = detectorThroughput(1000, 2000).sort((a, b) => a - b);
  const m = (x: number) => (x / 1e6).toFixed(1);
  console.log(
    `detector: ${m(median(rates))} M updates/s on one core, median of ${rates.length} runs (slowest ${m(rates[0]!)}, fastest ${m(rates.at(-1)!)}); 1,000 series × 2,000 points; load average ${loadavg()[0]!.toFixed(2)}`,
  );
  // Enough minutes to fill each series' history (what the watches read), plus an hour.
  const historyMinutes = historyCapacity(config) + 60;
  for (const count of [1000, 10_000]) {
    const { ms, stateBytes } = evaluationTime(count, historyMinutes);
    console.log(
      `before, one evaluation over ${count.toLocaleString('en')} series with the whole state loaded from JSON and saved back: ${ms.toFixed(0)} ms (state ${(stateBytes / 2 ** 20).toFixed(1)} MiB of JSON)`,
    );
  }
  const settings = detectorSettings(config.signals[0]!, config.detector, MINUTE);
  const detectorBytes = bytesPerObject(10_000, () => {
    const state = newDetectorState();
    for (let m = 0; m < 200; m++) observe(state, settings, m * MINUTE, 10 + (m % 7));
    return state;
  });
  const { json } = warmState(1000, historyMinutes);
  const seriesBytes = bytesPerObject(1, () => JSON.parse(json)) / 1000;
  console.log(
    `memory per series: detector state ${detectorBytes.toFixed(0)} B; guardrail series state with ${historyMinutes} minutes of history ${(seriesBytes / 1024).toFixed(1)} KiB`,
  );
  for (const count of [1000, 10_000]) {
    const { warm, cold, checkpoints } = await shardTick(count);
    console.log(
      `one shard tick over ${count.toLocaleString('en')} series (app/run-once.ts through the DynamoDB store): ${warm.toFixed(0)} ms of CPU in a warm container, ` +
        `median of ${TICKS} ticks; a new container's first tick ${cold.toFixed(0)} ms (${checkpoints} checkpoint items loaded, the journal replayed)`,
    );
  }
  const cli = join(import.meta.dirname, '../../dist/cli/main.js');
  if (existsSync(cli))
    console.log(`CLI: module load ${loadTime(cli).toFixed(0)} ms (stormguard --help runs in about that plus node's own start)`);
}

await main();
