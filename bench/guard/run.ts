/**
 * `npm run bench:guard`: the guard suite. Every real texture (NAB realAWSCloudwatch, realTweets,
 * realAdExchange) as a cluster's traffic, under benign rollouts, storms of 1.2x to 84x, heap-only
 * storms, two flags at once, surges and dark signals (bench/guard/cases.ts), exported in real
 * formats and replayed closed loop through the guardrail (bench/guard/loop.ts), and open loop
 * through the emulated default rules of other tools (bench/storms/rules.ts).
 *
 *   npm run bench:guard -- [--data DIR] [--json] [--kinds storm,surge] [--textures REGEX] [--engine main] [--traffic messages|bytes|none] [--constant-creation SHARE] [--dark-records MINUTES]
 *
 * Every case exports MSK's MessagesInPerSec and BytesInPerSec; the default configuration reads the
 * first as the clusters' traffic. --traffic bytes: MessagesInPerSec disabled, as for a cluster
 * whose traffic is its bytes (compression rollouts then move it); none: both disabled, as for a
 * cluster that exports neither. --constant-creation 0.5: every broker also opens half the typical
 * rate of connections whatever the traffic (reconnects, health checks), where the world otherwise
 * opens them in proportion to traffic, as the release watch's traffic reference assumes.
 * --dark-records 2: MessagesInPerSec goes dark for 3 h from 2 minutes after each case's step
 * (the storm's, or its flag's last); BytesInPerSec goes on.
 *
 * --data defaults to the copy the project ships (vendor/nab/data).
 */
import { parseArgs } from 'node:util';
import { MemoryStateStore, RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { replay } from '../../lambdas/app/replay.ts';
import { periods } from '../../lambdas/app/schedule.ts';
import { defaultConfig, type GuardrailConfig, parseConfig } from '../../lambdas/core/config.ts';
import { emulatedRules } from '../storms/rules.ts';
import { CASE_KINDS, type CaseKind, type GuardCase, guardCases } from './cases.ts';
import {
  type CaseResult,
  HEAP_LIMIT_PERCENT,
  isStormKind,
  judge,
  type Outcome,
  type Rollback,
  type Summary,
  summarise,
  TARGET_PERIODS,
} from './judge.ts';
import { type Engine, runClosedLoop } from './loop.ts';
import { loadTextures, resolveDataDir, type Texture } from './textures.ts';
import { MINUTE_MS, runWorld, type World } from './world.ts';

/** The engine: lambdas/app/replay.ts, as `stormguard replay` runs it (release watches decide, background detection warns). */
export const mainEngine: Engine = {
  name: 'Stormguard',
  run: (input, config) => replay(input, config, { store: new MemoryStateStore(), flags: new RecordingFlagController(), notifiers: [] }),
};

export const ENGINES: Record<string, Engine> = { main: mainEngine };

export async function runCase(c: GuardCase, engine: Engine, config: GuardrailConfig = defaultConfig()): Promise<CaseResult> {
  const periodMs = config.metricPeriodSeconds * 1000;
  const loop = await runClosedLoop(c, engine, config);
  const rollbacks: Rollback[] = loop.run.decisions
    .filter((d) => d.mode === 'enforce' && d.action === 'rollback')
    .map((d) => ({
      time: d.time,
      flag: d.flag,
      toPercent: d.turnOff ? 0 : d.toPercent,
      ...(d.evidence.watch ? { check: `${d.evidence.watch.kind}/${d.evidence.watch.purpose}` } : {}),
    }));
  const pages = loop.run.alerts.filter((a) => a.severity === 'critical').length;
  const warnings = loop.run.alerts.filter((a) => a.severity === 'warning').length;
  const outcomes: Outcome[] = [judge(c, engine.name, rollbacks, { pages, warnings }, periodMs, heapLimit(c, loop.world))];
  outcomes.push(...rulesOutcomes(c, loop.openLoop, config, periodMs));
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    category: c.category,
    labels: c.labels,
    days: (c.world.minutes * MINUTE_MS) / 86_400_000,
    ...(c.storm?.factor !== undefined ? { factor: c.storm.factor } : {}),
    passes: loop.passes,
    outcomes,
  };
}

/** When a heap-only storm took a broker's heap to the limit (not a traffic burst alone: the same world without the storm was under it), and when the world without it got there. */
function heapLimit(c: GuardCase, world: World): { limitAt?: number; calmLimitAt?: number } {
  if (c.kind !== 'heap-only') return {};
  const calm = runWorld({
    ...c.world,
    flags: c.world.flags.map((f) => ({ ...f, heapPointsPerHourPerPercent: 0, producersPerPercent: 0 })),
  });
  const limitAt = world.heapReached(HEAP_LIMIT_PERCENT, calm);
  const calmLimitAt = calm.heapReached(HEAP_LIMIT_PERCENT);
  return { ...(limitAt !== undefined ? { limitAt } : {}), ...(calmLimitAt !== undefined ? { calmLimitAt } : {}) };
}

/** The emulated rules act once, open loop: their one rollback, judged like the guardrail's. */
function rulesOutcomes(c: GuardCase, input: Parameters<typeof periods>[0], config: GuardrailConfig, periodMs: number): Outcome[] {
  const rules = emulatedRules(config.environment, periodMs);
  const fired = new Map<string, Rollback>();
  for (const evaluation of periods(input, periodMs).ticks) {
    for (const rule of rules) {
      const decision = rule.evaluate(evaluation);
      if (decision?.step) fired.set(rule.name, { time: decision.time, flag: decision.step.flag, toPercent: decision.step.fromPercent });
    }
  }
  return rules.map((rule) => {
    const rollback = fired.get(rule.name);
    // Open loop, the data after the rollback is the storm's: heap is judged on it as it was.
    return judge(c, rule.name, rollback ? [rollback] : [], { pages: rollback ? 1 : 0, warnings: 0 }, periodMs);
  });
}

export interface SuiteOptions {
  readonly data?: string;
  readonly kinds?: readonly CaseKind[];
  readonly textures?: RegExp;
  readonly engine?: Engine;
  readonly config?: GuardrailConfig;
  /** Every world's connections opened whatever the traffic, as a share of the typical rate (world.ts `constantCreation`). */
  readonly constantCreation?: number;
  /** MessagesInPerSec goes dark for 3 h from this many minutes after each case's step (the storm's, else its flag's last). */
  readonly darkRecords?: number;
  readonly progress?: (done: number, total: number) => void;
}

/**
 * The suite's cases for the chosen textures and kinds, in its worlds. Cases are made for every
 * texture and then chosen: a case's seed is its texture's place in the whole suite, so a part
 * (`--textures`) runs the suite's own cases.
 */
export function suiteCases(all: readonly Texture[], options: SuiteOptions): { cases: GuardCase[]; textures: number } {
  const chosen = new Set(all.filter((t) => !options.textures || options.textures.test(t.name)).map((t) => t.name));
  const cases = guardCases(all)
    .filter((c) => chosen.has(c.texture) && (!options.kinds || options.kinds.includes(c.kind)))
    .map((c) => (options.constantCreation ? { ...c, world: { ...c.world, constantCreation: options.constantCreation } } : c))
    .map((c) => (options.darkRecords === undefined ? c : withDarkRecords(c, options.darkRecords)));
  return { cases, textures: chosen.size };
}

export async function runSuite(options: SuiteOptions = {}): Promise<{ results: CaseResult[]; dataDir: string; textures: number }> {
  const dataDir = resolveDataDir(options.data);
  const { cases, textures } = suiteCases(loadTextures(dataDir), options);
  const results: CaseResult[] = [];
  for (const c of cases) {
    results.push(await runCase(c, options.engine ?? mainEngine, options.config));
    options.progress?.(results.length, cases.length);
  }
  return { results, dataDir, textures };
}

function printMarkdown(results: readonly CaseResult[], summary: readonly Summary[], header: string): void {
  const out: string[] = [header, ''];
  const ratio = (x: { caught: number; cases: number }) => `${x.caught} / ${x.cases}`;
  const delay = (d: number | undefined) => (d === undefined ? '–' : `${d}`);
  out.push(
    `| method | ${summary[0]!.byFactor.map((f) => `${f.factor}x at 1%`).join(' | ')} | 1.5x at 5% | two flags | all storms ≤ ${TARGET_PERIODS} periods | right at any delay | median / worst delay | wrong flags | false rollbacks (benign cases) | pages per benign day | heap-only stopped < ${HEAP_LIMIT_PERCENT}% |`,
  );
  out.push(`|---|${summary[0]!.byFactor.map(() => '---').join('|')}|---|---|---|---|---|---|---|---|---|`);
  for (const s of summary) {
    out.push(
      `| ${s.method.split(' (')[0]} | ${s.byFactor.map(ratio).join(' | ')} | ${ratio(s.stormAfterNoise)} | ${ratio(s.twoFlags)} | ${ratio(s.storms)} | ${s.storms.rightAtAnyDelay} | ${delay(s.storms.medianDelay)} / ${delay(s.storms.worstDelay)} | ${s.wrongFlags} | ${s.benign.falseRollbacks} (${s.benign.casesWithFalseRollback} / ${s.benign.cases}) | ${s.benign.pagesPerDay.toFixed(2)} | ${s.heapOnly.stopped} / ${s.heapOnly.cases} |`,
    );
  }
  const ours = summary[0]!;
  out.push(
    '',
    `${ours.method}: storms caught by label style: default ${ratio(ours.stormsByLabels.default)}, dynamic ${ratio(ours.stormsByLabels.dynamic)}; warnings per benign day ${ours.benign.warningsPerDay.toFixed(2)}; heap-only storms rolled back at all ${ours.heapOnly.rolledBackAtAll} / ${ours.heapOnly.cases}, stopped before any ${HEAP_LIMIT_PERCENT}% (a traffic burst's too) ${ours.heapOnly.stoppedBeforeAny} / ${ours.heapOnly.cases}.`,
  );
  out.push('', '| benign, by texture category | cases | days | false rollbacks | pages per day |', '|---|---|---|---|---|');
  for (const [category, b] of Object.entries(ours.benignByCategory))
    out.push(`| ${category} | ${b.cases} | ${b.days.toFixed(1)} | ${b.falseRollbacks} | ${b.pagesPerDay.toFixed(2)} |`);
  out.push(
    '',
    `Per case (${ours.method}; delays in periods from the storm step):`,
    '',
    '| case | outcome | pages | passes |',
    '|---|---|---|---|',
  );
  for (const r of results) {
    const o = r.outcomes[0]!;
    out.push(`| ${r.name} | ${describe(r, o)} | ${o.pages} | ${r.passes} |`);
  }
  console.log(out.join('\n'));
}

function describe(r: CaseResult, o: Outcome): string {
  const list = o.rollbacks.map((b) => `${b.flag} → ${b.toPercent}%`).join(', ');
  if (!isStormKind(r.kind)) return o.rollbacks.length ? `FALSE: ${list}` : 'none';
  if (o.rollbacks.length === 0) return 'missed';
  const heap = o.heap
    ? o.heap.stopped
      ? '; stopped'
      : `; NOT stopped (heap ${o.heap.limitAt !== undefined ? 'reached' : 'under'} ${HEAP_LIMIT_PERCENT}%)`
    : '';
  return `${o.caught ? 'caught' : o.right ? 'late' : 'WRONG'} at ${o.delayPeriods}: ${list}${heap}`;
}

/** The default configuration reading traffic from `traffic`: none, the release watches judge the fast signals as read. */
export function trafficConfig(traffic: 'messages' | 'bytes' | 'none'): GuardrailConfig {
  const off = { messages: [], bytes: ['MessagesInPerSec'], none: ['MessagesInPerSec', 'BytesInPerSec'] }[traffic];
  return off.length === 0 ? defaultConfig() : parseConfig(`signals:\n${off.map((name) => `  ${name}: { enabled: false }\n`).join('')}`);
}

const TRAFFIC = ['messages', 'bytes', 'none'] as const;

/** The case with its records in (the default traffic signal) dark for 3 h from `minutes` after its step; bytes go on. */
function withDarkRecords(c: GuardCase, minutes: number): GuardCase {
  const from = (c.storm?.time ?? c.world.flags[0]!.steps.at(-1)!.time) + minutes * MINUTE_MS;
  const outage = { signal: 'MessagesInPerSec' as const, from, to: from + 3 * 60 * MINUTE_MS };
  return { ...c, world: { ...c.world, outages: [...c.world.outages, outage] } };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      json: { type: 'boolean', default: false },
      kinds: { type: 'string' },
      textures: { type: 'string' },
      engine: { type: 'string', default: 'main' },
      traffic: { type: 'string', default: 'messages' },
      'constant-creation': { type: 'string', default: '0' },
      'dark-records': { type: 'string' },
    },
  });
  const kinds = values.kinds?.split(',').map((k) => k.trim()) as CaseKind[] | undefined;
  const unknown = kinds?.find((k) => !CASE_KINDS.includes(k));
  if (unknown) throw new Error(`--kinds: no kind "${unknown}" (kinds: ${CASE_KINDS.join(', ')})`);
  const traffic = TRAFFIC.find((t) => t === values.traffic);
  if (!traffic) throw new Error(`--traffic: no "${values.traffic}" (${TRAFFIC.join(', ')})`);
  const constantCreation = Number(values['constant-creation']);
  if (!(Number.isFinite(constantCreation) && constantCreation >= 0) || values['constant-creation'].trim() === '')
    throw new Error(`--constant-creation: expected a share of at least 0, got "${values['constant-creation']}"`);
  const darkRecords = values['dark-records'] === undefined ? undefined : Number(values['dark-records']);
  if (darkRecords !== undefined && (!Number.isInteger(darkRecords) || values['dark-records']!.trim() === ''))
    throw new Error(`--dark-records: expected whole minutes after the step, got "${values['dark-records']}"`);
  const engine = ENGINES[values.engine];
  if (!engine) throw new Error(`--engine: no engine "${values.engine}" (engines: ${Object.keys(ENGINES).join(', ')})`);
  const started = performance.now();
  const { results, dataDir, textures } = await runSuite({
    ...(values.data !== undefined ? { data: values.data } : {}),
    ...(kinds ? { kinds } : {}),
    ...(values.textures ? { textures: new RegExp(values.textures) } : {}),
    engine,
    config: trafficConfig(traffic),
    constantCreation,
    ...(darkRecords !== undefined ? { darkRecords } : {}),
    progress: (done, total) => process.stderr.write(`\r guard suite: ${done}/${total} cases`),
  });
  process.stderr.write('\n');
  const summary = summarise(results);
  const seconds = Math.round((performance.now() - started) / 1000);
  if (values.json) {
    console.log(JSON.stringify({ dataDir, textures, seconds, summary, cases: results }, null, 2));
    return;
  }
  const storms = results.filter((r) => isStormKind(r.kind)).length;
  printMarkdown(
    results,
    summary,
    `Guard suite: ${results.length} cases on ${textures} real textures from ${dataDir} (${storms} storms, ${results.length - storms} benign), ${seconds} s`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
