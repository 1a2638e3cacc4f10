/**
 * `npm run bench:storms`: the bundled scenarios and generated variations (bench/storms/cases.ts),
 * each through the same door as a user's export (GetMetricData and audit-log documents, read by
 * the same readers), replayed through the guardrail and through the emulated default rules of
 * established tools (bench/storms/rules.ts). Prints a markdown table, and every case's outcome.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { median } from 'simple-statistics';
import { scenarioNames } from '../../cli/inputs.ts';
import { scenariosFolder } from '../../cli/paths.ts';
import { MemoryStateStore, RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { replay } from '../../lambdas/app/replay.ts';
import { periods, type ReplayInput } from '../../lambdas/app/schedule.ts';
import { defaultConfig } from '../../lambdas/core/config.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import { exportScenario, readExport } from '../../lambdas/simulator/export.ts';
import { parseScenario } from '../../lambdas/simulator/scenario.ts';
import { simulate } from '../../lambdas/simulator/simulate.ts';
import { generatedCases, type StormCase } from './cases.ts';
import { emulatedRules } from './rules.ts';

const STORMGUARD = 'Stormguard';
/** The same guardrail reading on the deployed cadence (core/cadence.ts): every period while a release is watched, every `idleMinutes` otherwise. */
export const STORMGUARD_CADENCE = 'Stormguard, deployed cadence (1 min while a release is watched, else 5 min)';

export interface Outcome {
  readonly method: string;
  readonly rolledBack: boolean;
  /** Periods from the storm's step (or, benign, from the data's start) to the rollback. */
  readonly periodsAfterStep?: number;
  /** Stormguard only: periods from its first anomalous datapoint to the rollback. */
  readonly periodsAfterFirstAnomaly?: number;
  readonly flag?: string;
  readonly toPercent?: number;
  /** For storms: the right flag, rolled back to the step before the storm. */
  readonly right?: boolean;
}

export interface CaseResult {
  readonly name: string;
  readonly storm: StormCase['storm'];
  readonly factor?: number;
  readonly outcomes: Outcome[];
}

export async function runCase(c: StormCase): Promise<CaseResult> {
  const config = defaultConfig();
  const periodMs = config.metricPeriodSeconds * 1000;
  const { metrics, timeline } = readExport(
    exportScenario(c.scenario, simulate(c.scenario)).files,
    config.signals.map((s) => s.name),
  );
  const random = xoroshiro128plus(c.scenario.seed);
  const series: MetricSeries[] = metrics.series.map((s) => ({
    ...s,
    points: s.points.filter(() => uniformFloat64(random) >= (c.missingShare ?? 0)),
  }));
  const delays = new Map(
    series.map((s) => [
      s.key,
      s.points.map(() => (uniformFloat64(random) < (c.lateShare ?? 0) ? (1 + Math.floor(uniformFloat64(random) * 3)) * periodMs : 0)),
    ]),
  );
  const input: ReplayInput = { series, releases: timeline.events, publishDelayMs: (s, i) => delays.get(s.key)![i]! };

  const reference = c.storm?.time ?? (input.series.length > 0 ? periods(input, periodMs).from : 0);
  const outcomes: Outcome[] = [];
  for (const [method, cadence] of [
    [STORMGUARD, false],
    [STORMGUARD_CADENCE, true],
  ] as const) {
    const result = await replay(
      input,
      config,
      { store: new MemoryStateStore(), flags: new RecordingFlagController(), notifiers: [] },
      { cadence },
    );
    const rollback = result.decisions.find((d) => d.action === 'rollback');
    outcomes.push(
      judge(
        c,
        method,
        rollback && { time: rollback.time, flag: rollback.flag, toPercent: rollback.toPercent },
        reference,
        periodMs,
        result.episodes[0]?.onset,
      ),
    );
  }
  const rules = emulatedRules(config.environment, periodMs);
  const fired = new Map<string, { time: number; flag: string; toPercent: number }>();
  for (const evaluation of periods(input, periodMs).ticks) {
    for (const rule of rules) {
      const decision = rule.evaluate(evaluation);
      if (decision?.step) fired.set(rule.name, { time: decision.time, flag: decision.step.flag, toPercent: decision.step.fromPercent });
    }
  }
  for (const rule of rules) outcomes.push(judge(c, rule.name, fired.get(rule.name), reference, periodMs));
  return { name: c.name, storm: c.storm, ...(c.storm ? { factor: factorOf(c) } : {}), outcomes };
}

function judge(
  c: StormCase,
  method: string,
  rollback: { time: number; flag: string; toPercent: number } | undefined,
  reference: number,
  periodMs: number,
  firstAnomaly?: number,
): Outcome {
  if (!rollback) return { method, rolledBack: false };
  return {
    method,
    rolledBack: true,
    periodsAfterStep: Math.round((rollback.time - reference) / periodMs),
    ...(firstAnomaly !== undefined ? { periodsAfterFirstAnomaly: Math.round((rollback.time - firstAnomaly) / periodMs) } : {}),
    flag: rollback.flag,
    toPercent: rollback.toPercent,
    right: c.storm ? rollback.flag === c.storm.flag && rollback.toPercent === c.storm.fromPercent : false,
  };
}

function factorOf(c: StormCase): number {
  const match = /storm ([\d.]+)x/.exec(c.name);
  return match ? Number(match[1]) : 84;
}

/** The bundled scenarios as cases: pagerduty-2025 is a storm at its 1% step; the rest are benign. */
export async function bundledCases(): Promise<StormCase[]> {
  const cases: StormCase[] = [];
  for (const name of await scenarioNames()) {
    const scenario = parseScenario(JSON.parse(await readFile(join(scenariosFolder, name, 'scenario.json'), 'utf8')));
    const expected = (scenario.expected.rollbacks as Array<{ flag: string; fromPercent: number; toPercent: number }> | undefined)?.[0];
    const step = expected && scenario.flags.find((f) => f.key === expected.flag)!.steps.find((s) => s.percent === expected.fromPercent);
    cases.push({
      name: `bundled: ${name}`,
      scenario,
      ...(expected && step
        ? { storm: { flag: expected.flag, fromPercent: expected.toPercent, toPercent: expected.fromPercent, time: Date.parse(step.at) } }
        : {}),
    });
  }
  return cases;
}

export interface Summary {
  readonly method: string;
  readonly storms: number;
  readonly detected: number;
  readonly medianDelay?: number;
  readonly worstDelay?: number;
  readonly falseRollbacks: number;
  readonly wrongAttributions: number;
}

/** Per method: over storms of 2x or more, and over benign cases. */
export function summarise(results: readonly CaseResult[]): Summary[] {
  const methods = results[0]!.outcomes.map((o) => o.method);
  return methods.map((method) => {
    const storms = results.filter((r) => r.storm && (r.factor ?? 0) >= 2).map((r) => r.outcomes.find((o) => o.method === method)!);
    const benign = results.filter((r) => !r.storm).map((r) => r.outcomes.find((o) => o.method === method)!);
    const detected = storms.filter((o) => o.rolledBack && o.right);
    const delays = detected.map((o) => o.periodsAfterStep!);
    return {
      method,
      storms: storms.length,
      detected: detected.length,
      ...(delays.length ? { medianDelay: median(delays), worstDelay: Math.max(...delays) } : {}),
      falseRollbacks: benign.filter((o) => o.rolledBack).length,
      wrongAttributions: storms.filter((o) => o.rolledBack && !o.right).length,
    };
  });
}

/** Every case of the suite, run. */
export async function runSuite(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of [...(await bundledCases()), ...generatedCases()]) results.push(await runCase(c));
  return results;
}

async function main(): Promise<void> {
  const started = performance.now();
  const results = await runSuite();
  const cases = results;
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  const summary = summarise(results);
  console.log(
    `Storm suite: ${cases.length} cases (${results.filter((r) => r.storm).length} storms, ${results.filter((r) => !r.storm).length} benign), ${seconds} s\n`,
  );
  console.log(
    '| method | storms ≥ 2x rolled back (right flag and step) | median delay | worst delay | false rollbacks (benign cases) | wrong attributions |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const s of summary) {
    const delay = (d: number | undefined) => (d === undefined ? '–' : `${d} period${d === 1 ? '' : 's'}`);
    console.log(
      `| ${s.method} | ${s.detected} / ${s.storms} | ${delay(s.medianDelay)} | ${delay(s.worstDelay)} | ${s.falseRollbacks} / ${results.filter((r) => !r.storm).length} | ${s.wrongAttributions} |`,
    );
  }
  console.log(
    '\nDelays are metric periods from the storm step to the rollback. Per case (Stormguard: periods after its first anomalous datapoint in brackets):\n',
  );
  console.log(`| case | ${summary.map((s) => s.method.split(' (')[0]).join(' | ')} |`);
  console.log(`|---|${summary.map(() => '---').join('|')}|`);
  for (const r of results) {
    const cells = r.outcomes.map((o) => {
      if (!o.rolledBack) return r.storm ? 'missed' : 'none';
      const when = `${o.periodsAfterStep}${o.periodsAfterFirstAnomaly !== undefined ? ` (${o.periodsAfterFirstAnomaly})` : ''}`;
      return r.storm ? `${o.right ? '' : 'WRONG '}${o.flag} → ${o.toPercent}% at ${when}` : `FALSE: ${o.flag} → ${o.toPercent}%`;
    });
    console.log(`| ${r.name} | ${cells.join(' | ')} |`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
