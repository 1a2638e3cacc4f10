/**
 * The read cadence: how often the scheduled detector reads the signals. A producer storm starts at
 * a release, so the guardrail reads every period only while a release is watched (from the
 * release's own time, not from when it was seen, for `cadence.watchMinutes`) and every
 * `cadence.idleMinutes` otherwise. A slower read loses no datapoint: it reads every period since
 * the last evaluation at once (GetMetricData is billed per metric requested, not per datapoint);
 * only its decisions come later, by up to the idle interval.
 *
 * Pure: time comes in as arguments.
 */
import type { GuardrailConfig } from './config.ts';
import type { Episode } from './episode.ts';
import { isOpen } from './episode.ts';
import type { ReleaseEvent } from './release.ts';

export type ReadReason = 'first' | 'watch' | 'busy' | 'idle';

/** What the cadence needs to know of the state. */
export interface CadenceState {
  /** The last evaluation's time; null before the first. */
  readonly evaluatedAt: number | null;
  /** An episode is open, or alerts are owed: read every period until it resolves and they are delivered. */
  readonly busy?: boolean;
}

/** Whether the state has business that is read for every period: an open episode, or alerts owed. */
export function isBusy(state: { readonly episodes: readonly Episode[]; readonly outbox?: readonly unknown[] }): boolean {
  return state.episodes.some(isOpen) || (state.outbox?.length ?? 0) > 0;
}

export interface ReadPlan {
  /** Whether this run reads and evaluates; false: it only looked at the timeline. */
  readonly read: boolean;
  /** Why it reads; undefined when it does not. */
  readonly reason?: ReadReason;
  /** The release being watched, if any: the latest whose watch has not ended. */
  readonly watching?: ReleaseEvent;
}

/** Releases that start a watch: rollout steps and deploys in the guarded environment. */
export function startsWatch(release: ReleaseEvent, config: Pick<GuardrailConfig, 'environment'>): boolean {
  return release.environment === config.environment;
}

/** Environments named in a warning, at most: a timeline of many would make it a page long. */
const NAMED_ENVIRONMENTS = 5;

/**
 * What the rollout steps outside the guarded environment are left to, or undefined when there are
 * none. They are never watched nor rolled back, and said so: an `environment` that is not
 * LaunchDarkly's key (`prod` against `production`) turns a storm into "no release correlates".
 * Rollout steps only: deploy events name every environment a pipeline deploys to (staging on every
 * merge), so counting them warned on every replay; and "none in the guarded environment" would
 * be silent where the deploys use the configured name and only LaunchDarkly's key differs.
 */
export function unguardedWarning(releases: readonly ReleaseEvent[], config: Pick<GuardrailConfig, 'environment'>): string | undefined {
  const steps = releases.filter((r) => r.kind === 'rollout-step');
  const outside = steps.filter((r) => !startsWatch(r, config));
  if (outside.length === 0) return undefined;
  const found = [...new Set(outside.map((r) => r.environment))];
  const named = found.slice(0, NAMED_ENVIRONMENTS).map((e) => JSON.stringify(e));
  if (found.length > NAMED_ENVIRONMENTS) named.push(`${found.length - NAMED_ENVIRONMENTS} more`);
  const count = `${outside.length} of ${steps.length} rollout step${steps.length === 1 ? '' : 's'} ${outside.length === 1 ? 'is' : 'are'}`;
  return (
    `${count} in ${found.length === 1 ? 'environment' : 'environments'} ${named.join(', ')}, ` +
    `not the guarded ${JSON.stringify(config.environment)}: never watched nor rolled back (the guarded environment is \`environment\` in the configuration)`
  );
}

/** The latest release whose watch covers `now` (it happened at or before `now`, less than `watchMinutes` ago). */
export function watchedRelease(releases: readonly ReleaseEvent[], now: number, config: GuardrailConfig): ReleaseEvent | undefined {
  const watchMs = config.cadence.watchMinutes * 60_000;
  for (let i = releases.length - 1; i >= 0; i--) {
    const release = releases[i]!;
    if (release.time > now) continue;
    if (now - release.time >= watchMs) break; // ordered by time: every earlier one ended too
    if (startsWatch(release, config)) return release;
  }
  return undefined;
}

/**
 * Whether a run at `now`, which would evaluate up to `evaluateAt`, reads: on the first run; while a
 * release is watched, an episode is open or alerts are owed (every period); otherwise once
 * `idleMinutes` of periods have passed since the last evaluation. A run that would evaluate
 * nothing new (a period not yet complete) never reads.
 */
export function planRead(
  last: CadenceState,
  evaluateAt: number,
  now: number,
  releases: readonly ReleaseEvent[],
  config: GuardrailConfig,
): ReadPlan {
  const lastEvaluatedAt = last.evaluatedAt;
  const watching = watchedRelease(releases, now, config);
  const context = watching ? { watching } : {};
  if (lastEvaluatedAt === null) return { read: true, reason: 'first', ...context };
  if (evaluateAt <= lastEvaluatedAt) return { read: false, ...context };
  if (watching) return { read: true, reason: 'watch', watching };
  if (last.busy) return { read: true, reason: 'busy' };
  const idleMs = Math.max(config.cadence.idleMinutes * 60_000, config.metricPeriodSeconds * 1000);
  return evaluateAt - lastEvaluatedAt >= idleMs ? { read: true, reason: 'idle' } : { read: false };
}

/** The longest a guardrail that is working waits between evaluations: the gate's and the alarms' allowance. */
export function longestReadIntervalMs(config: GuardrailConfig): number {
  return Math.max(config.cadence.idleMinutes * 60_000, config.metricPeriodSeconds * 1000);
}
