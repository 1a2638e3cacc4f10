/**
 * `stormguard replay`: the guardrail over exported data, as production would have run it.
 * With no arguments, the bundled 2025 producer storm on embedded defaults.
 */

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { LaunchDarklyFlagController } from '../lambdas/adapters/launchdarkly/flag-controller.ts';
import { type LoadedExports, loadExports } from '../lambdas/adapters/local/export-files.ts';
import { checkWritable, writeAtomically } from '../lambdas/adapters/local/files.ts';
import { JsonLinesNotifier } from '../lambdas/adapters/local/notifiers.ts';
import { FileStateStore, FLAG_FILE } from '../lambdas/adapters/local/state-files.ts';
import { MemoryStateStore, RecordingFlagController } from '../lambdas/adapters/memory/index.ts';
import { renderReportPage } from '../lambdas/adapters/report/incident-page.ts';
import { replayClosedLoop } from '../lambdas/app/closed-loop.ts';
import { type ReplayResult, replay } from '../lambdas/app/replay.ts';
import type { GuardrailConfig } from '../lambdas/core/config.ts';
import { logScaleOf } from '../lambdas/core/detector-settings.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { buildReport, ReportRecorder } from '../lambdas/core/incident-report.ts';
import type { MetricSeries } from '../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../lambdas/core/release.ts';
import { controlVariations } from '../lambdas/formats/launchdarkly.ts';
import { scenarioScope } from '../lambdas/formats/timeline.ts';
import { loadConfig, loadScenario, scenarioExports } from './inputs.ts';
import { type Io, parseOptions, requireCompanions } from './io.ts';
import { renderText, toJson } from './summary.ts';

export const DEFAULT_SCENARIO = 'pagerduty-2025';

export const optionsSchema = z.object({
  scenario: z.string().optional(),
  metrics: z.array(z.string()).optional(),
  timeline: z.array(z.string()).optional(),
  config: z.string().optional(),
  mode: z.enum(['observe', 'enforce']).optional(),
  state: z.string().optional(),
  json: z.boolean().optional(),
  closedLoop: z.boolean().optional(),
  cadence: z.boolean().optional(),
  launchdarkly: z.boolean().optional(),
  report: z.string().optional(),
  prometheus: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  sigv4: z.string().optional(),
});

export function replayCommand(io: Io, setExit: (code: number) => void): Command {
  return new Command('replay')
    .description('replay exported metrics and releases through the guardrail (default: the bundled 2025 storm)')
    .addOption(new Option('--scenario <name>', `a bundled scenario (default ${DEFAULT_SCENARIO})`).conflicts('metrics'))
    .option('--metrics <files...>', 'GetMetricData output (JSON, as `aws cloudwatch get-metric-data` prints it), one or more pages')
    .addOption(
      new Option(
        '--prometheus <url>',
        'read the metrics from a Prometheus HTTP API instead (credentials: PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD)',
      ).conflicts(['metrics', 'scenario']),
    )
    .option('--from <time>', 'with --prometheus: the first period (ISO 8601)')
    .option('--to <time>', 'with --prometheus: the end of the last period (ISO 8601)')
    .option(
      '--sigv4 <region>',
      'with --prometheus: sign for Amazon Managed Service for Prometheus (AWS credentials from the default chain)',
    )
    .option('--timeline <files...>', 'LaunchDarkly audit-log entries or webhook payloads, and deploy events (JSON or JSON lines)')
    .option('--config <file>', 'guardrail configuration (YAML); default: embedded defaults for Amazon MSK')
    .addOption(new Option('--mode <mode>', 'override the configured mode').choices(['observe', 'enforce']))
    .option('--state <folder>', 'where to keep state, decisions, flags and alerts (must be new or empty)')
    .option('--json', 'print the result as JSON (see docs/formats.md)')
    .option('--report <file>', 'also write the incident report: one self-contained HTML page')
    .option(
      '--launchdarkly',
      'act on LaunchDarkly over its REST API (configuration `launchDarkly`, token in LAUNCHDARKLY_API_TOKEN): for drills on a test project',
    )
    .option('--closed-loop', "a bundled scenario re-simulated with the guardrail's rollback applied: what would have happened with it")
    .option(
      '--cadence',
      'read on the deployed cadence (configuration `cadence`): every period while a release is watched, every `idleMinutes` otherwise',
    )
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      // A bundled scenario has its own timeline, and its own metrics in place of Prometheus's.
      requireCompanions(raw, { timeline: ['metrics', 'prometheus'], from: ['prometheus'], to: ['prometheus'], sigv4: ['prometheus'] });
      // Where the report and the state go is checked before any input is read or Prometheus asked, not after the run.
      if (options.report) await checkWritable(options.report);
      if (options.state !== undefined) await requireNewOrEmpty(options.state);
      const config = await replayConfig(options);
      const inputs = await chooseInputs(options, config);
      requireDatapoints(inputs);
      const stateFolder = options.state ?? (await clearDefaultStateFolder(inputs.name));
      const run = await runReplay(options, config, inputs, stateFolder, io);
      const summary = {
        title: inputs.title,
        mode: config.mode,
        series: inputs.exported.series.length,
        warnings: [...inputs.exported.warnings, ...timelineOutsideWarnings(inputs.exported), ...run.result.warnings],
        logScale: logScaleOf(config),
        stateFolder,
        ...(run.withoutGuardrail ? { withoutGuardrail: run.withoutGuardrail } : {}),
      };
      if (options.report && run.recorder) await writeReport(options.report, run, summary.title, config);
      io.out(options.json ? `${JSON.stringify(toJson(run.result, summary), null, 2)}\n` : renderText(run.result, summary));
      if (options.report && !options.json) io.out(`Incident report: ${options.report}\n`);
      if (Object.values(run.result.outcomes).some((o) => o.status === 'failed')) setExit(1);
    });
}

type Options = z.infer<typeof optionsSchema>;

interface Inputs {
  readonly name: string;
  readonly title: string;
  readonly exported: LoadedExports;
}

interface ReplayRun {
  readonly result: ReplayResult;
  readonly withoutGuardrail?: ReplayResult;
  readonly withoutGuardrailSeries: readonly MetricSeries[];
  readonly recorder?: ReportRecorder;
}

async function replayConfig(options: Options): Promise<GuardrailConfig> {
  if (options.closedLoop && (options.metrics || options.prometheus))
    throw new InputError({ field: '--closed-loop' }, 'needs a bundled scenario: exported data cannot be re-lived');
  const loaded = await loadConfig(options.config);
  return options.mode ? { ...loaded, mode: options.mode } : loaded;
}

/** What is replayed: a live Prometheus, a user's exports, or a bundled scenario's. */
async function chooseInputs(options: Options, config: GuardrailConfig): Promise<Inputs> {
  if (options.prometheus) {
    // The Prometheus client and its SigV4 signer load only when a replay needs them: the CLI starts quickly.
    const { loadFromPrometheus } = await import('./prometheus.ts');
    const exported = await loadFromPrometheus({ ...options, prometheus: options.prometheus }, config);
    return { name: 'prometheus', title: `Prometheus ${new URL(options.prometheus).host}`, exported };
  }
  if (options.metrics) {
    return {
      name: 'exports',
      title: options.metrics.join(', '),
      exported: await loadExports(options.metrics, options.timeline ?? [], config),
    };
  }
  const name = options.scenario ?? DEFAULT_SCENARIO;
  const files = await scenarioExports(name);
  return {
    name,
    title: `${name}${options.closedLoop ? ', closed loop' : ''}`,
    // A bundled scenario's audit log is of its own LaunchDarkly project, not the configured one.
    exported: await loadExports(files.metrics, files.timeline, config, scenarioScope(config)),
  };
}

/** Series without one point replay to a false all-clear (and no first period): refuse before anything is written. */
function requireDatapoints({ title, exported }: Inputs): void {
  if (exported.series.some((s) => s.points.length > 0)) return;
  const why = exported.warnings[0] ? ` (${exported.warnings[0]})` : '';
  throw new InputError({}, `no datapoints in ${title}: ${exported.series.length} series read, none with a point, nothing to replay${why}`);
}

/** The replay over local stand-ins: the state folder, the flag file (evaluated by the LaunchDarkly SDK), alerts as JSON lines. */
async function runReplay(options: Options, config: GuardrailConfig, inputs: Inputs, stateFolder: string, io: Io): Promise<ReplayRun> {
  // The LaunchDarkly SDK behind the flag file loads only for a replay.
  const { FlagFileController } = await import('../lambdas/adapters/local/flag-file.ts');
  const start = dataSpan(inputs.exported.series).first;
  const at = { environment: config.environment, start };
  const flags = await FlagFileController.create(join(stateFolder, FLAG_FILE), inputs.exported.flagChanges, at, controlVariations(config));
  const store = new FileStateStore(stateFolder);
  const live = {
    store,
    flags: options.launchdarkly ? launchDarklyController(config) : flags,
    notifiers: [new JsonLinesNotifier(join(stateFolder, 'alerts.jsonl'))],
  };
  const bar = io.interactive
    ? new SingleBar(
        { stream: process.stderr, clearOnComplete: true, format: ' replay [{bar}] {percentage}% | {value}/{total} periods' },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(1, 0);
  const recorder = options.report ? new ReportRecorder() : undefined;
  const hooks = {
    ...(recorder ? { onScore: recorder.onScore } : {}),
    ...(options.cadence ? { cadence: true } : {}),
    releasesDue: async (due: readonly ReleaseEvent[]) => {
      for (const step of due) if (step.kind === 'rollout-step' && step.environment === config.environment) await flags.applyStep(step);
    },
    progress: (done: number, total: number) => {
      bar?.setTotal(total);
      bar?.update(done);
    },
  };
  let run: ReplayRun;
  if (options.closedLoop) {
    const probe = { store: new MemoryStateStore(), flags: new RecordingFlagController(), notifiers: [] };
    const loop = await replayClosedLoop(await loadScenario(inputs.name), config, { probe, live }, hooks);
    run = {
      result: loop.withGuardrail,
      withoutGuardrail: loop.withoutGuardrail,
      withoutGuardrailSeries: loop.withoutGuardrailSeries,
      ...(recorder ? { recorder } : {}),
    };
  } else {
    const result = await replay({ series: inputs.exported.series, releases: inputs.exported.releases }, config, live, hooks);
    run = { result, withoutGuardrailSeries: [], ...(recorder ? { recorder } : {}) };
  }
  bar?.stop();
  await store.save(run.result.state);
  return run;
}

/**
 * A timeline none of whose releases falls within the datapoints' span (another day's audit log):
 * every anomaly then reads "no release correlates", which is said here, not left to be guessed.
 */
function timelineOutsideWarnings({ series, releases }: Inputs['exported']): string[] {
  if (releases.length === 0) return [];
  const { first, last } = dataSpan(series);
  if (releases.some((r) => r.time >= first && r.time <= last)) return [];
  const span = (a: number, b: number) => `${new Date(a).toISOString()} .. ${new Date(b).toISOString()}`;
  return [
    `no release of the timeline (${span(releases[0]!.time, releases.at(-1)!.time)}) falls within the datapoints (${span(first, last)}): none can be watched from its minute on (the audit log of another day?)`,
  ];
}

/** The first and last datapoints: the replay starts at the first (the flags are as the audit log had them then). */
function dataSpan(series: readonly MetricSeries[]): { first: number; last: number } {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const s of series)
    for (const p of s.points) {
      first = Math.min(first, p.time);
      last = Math.max(last, p.time);
    }
  return { first, last };
}

async function writeReport(path: string, run: ReplayRun, title: string, config: GuardrailConfig): Promise<void> {
  const counterfactual = run.withoutGuardrail && {
    series: run.withoutGuardrailSeries,
    result: run.withoutGuardrail,
    exhaustedPercent: config.heap.exhaustedPercent,
  };
  const data = buildReport(run.result, run.recorder!, `Stormguard incident report: ${title}`, config.environment, counterfactual);
  await writeAtomically(path, await renderReportPage(data));
}

/** The REST controller for drills: the configured project, the token from the environment. */
function launchDarklyController(config: GuardrailConfig): LaunchDarklyFlagController {
  if (!config.launchDarkly)
    throw new InputError({ field: 'launchDarkly' }, '--launchdarkly needs the configuration to name the project (launchDarkly.projectKey)');
  const token = process.env.LAUNCHDARKLY_API_TOKEN;
  if (!token)
    throw new InputError({ field: 'LAUNCHDARKLY_API_TOKEN' }, '--launchdarkly needs the API access token in this environment variable');
  return new LaunchDarklyFlagController({ ...config.launchDarkly, token: async () => token, controls: controlVariations(config) });
}

/** A replay starts from nothing: its own folder under .stormguard/, emptied once its inputs are read... */
async function clearDefaultStateFolder(name: string): Promise<string> {
  const folder = join('.stormguard', 'replays', name);
  await rm(folder, { recursive: true, force: true });
  return folder;
}

/** ...or a new or empty folder the user names, so nothing of theirs is overwritten. */
async function requireNewOrEmpty(folder: string): Promise<void> {
  const found = await stat(folder).catch(() => undefined);
  if (found && !found.isDirectory()) throw new InputError({ field: '--state' }, `${folder} is a file: name a new or empty folder`);
  const existing = await readdir(folder).catch(() => [] as string[]);
  if (existing.length > 0)
    throw new InputError({ field: '--state' }, `${folder} is not empty: name a new or empty folder, so nothing of yours is overwritten`);
}
