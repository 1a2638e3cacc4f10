/**
 * The CD gate: may this flag take this rollout step now? The answer CD pipelines ask before each
 * step, with every reason it says no.
 *
 * Denied while the flag is frozen (a rollback has not been acknowledged); while an anomaly episode
 * is open; while a guarded signal has less headroom than the policy (heap after GC above its
 * `headroomPercent`: stepping up a cluster still under stress is how a second outage starts);
 * before the bake time since the flag's last step; while the guardrail is blind (series silent,
 * a guarded cluster without the signals it is guarded by (coverage.ts), or the guardrail itself
 * not evaluating). A step down is always allowed. No state at all: the gate cannot decide.
 *
 * A step is of one target: the default rule, or a rule (`ruleId`). A flag rolled out on one target
 * needs none named; with several, the request names one (gate-target.ts).
 */
import type { GuardrailConfig } from './config.ts';
import { isUnguarded, unguardedReasons } from './coverage.ts';
import { type Episode, isOpen } from './episode.ts';
import { knownPercent } from './exposure.ts';
import { formatDuration, formatNumber, formatPercent, formatTime } from './format.ts';
import { type Freeze, freezeOf, rekeyRuleFreezes } from './freeze.ts';
import { guardrailIsStale, TIMELINE_READ_EVERY_MS, timelineIsStale } from './freshness.ts';
import { gateTarget } from './gate-target.ts';
import { seriesName } from './metric-series.ts';
import { flagTarget, type ReleaseEvent, type RolloutTarget, targetLabel } from './release.ts';
import type { GuardrailState } from './state.ts';

export interface GateRequest {
  readonly flag: string;
  readonly environment: string;
  readonly targetPercent: number;
  /** The rule the step is behind (`fallthrough` for the default rule); needed where the flag has several guarded targets. */
  readonly ruleId?: string;
}

export interface GateAnswer {
  /** allow: go ahead; deny: not now (see reasons); unknown: the gate cannot decide. */
  readonly verdict: 'allow' | 'deny' | 'unknown';
  readonly reasons: string[];
  readonly evidence: {
    readonly target?: string;
    readonly currentPercent?: number;
    readonly lastStepAt?: string;
    readonly evaluatedAt?: string;
    readonly openEpisodes?: string[];
    readonly blindSeries?: string[];
    /** Guarded clusters missing the signals they are guarded by (coverage.ts). */
    readonly unguardedClusters?: string[];
  };
}

/** What else a caller knows of the flag and the timeline. */
export interface GateContext {
  /** The target's percentage as the flag system serves it, from a caller without the timeline (a replay's flag file), so that a step down is a step down there too (stepFrom). */
  readonly served?: number;
  /** Where the timeline is read back from LaunchDarkly (in AWS): when that last finished, if ever (freshness.ts `timelineIsStale`). */
  readonly timelineRead?: { readonly at: number | undefined };
}

export function decideGate(
  state: GuardrailState | undefined,
  releases: readonly ReleaseEvent[],
  config: GuardrailConfig,
  request: GateRequest,
  now: number,
  { served, timelineRead }: GateContext = {},
): GateAnswer {
  if (!state || state.evaluatedAt === null)
    return { verdict: 'unknown', reasons: ['the guardrail has not evaluated yet: there is nothing to decide on'], evidence: {} };
  rekeyRuleFreezes(state);
  const { flag, environment, targetPercent } = request;
  // Another environment's steps, freezes and bake time are none of the guardrail's: a typo is not a clear road.
  if (environment !== config.environment)
    return {
      verdict: 'unknown',
      reasons: [`the guardrail guards environment ${config.environment}, not ${environment}: it knows nothing of that environment's steps`],
      evidence: {},
    };
  const chosen = gateTarget(state, releases, request);
  if ('problem' in chosen) return { verdict: 'unknown', reasons: [chosen.problem], evidence: {} };
  const { target } = chosen;
  const lastStep = lastStepOf(releases, flag, environment, now);
  const freeze = freezeOf(state, flag, environment, target);
  const currentPercent = Math.min(
    stepFrom(knownPercent(state, releases, flag, environment, target, now)?.percent, served),
    freeze?.percent ?? Number.POSITIVE_INFINITY,
  );
  const evidence = {
    target: targetLabel(target),
    currentPercent,
    evaluatedAt: new Date(state.evaluatedAt).toISOString(),
    ...(lastStep ? { lastStepAt: new Date(lastStep.time).toISOString() } : {}),
  };
  // A timeline missing steps may put the flag higher than it is: only off is surely a step down then.
  const timelineBlind = timelineRead !== undefined && timelineIsStale(timelineRead.at, now);
  if (targetPercent <= currentPercent && !(timelineBlind && targetPercent > 0)) {
    return {
      verdict: 'allow',
      reasons: [`a step down (${formatPercent(currentPercent)} → ${formatPercent(targetPercent)}) is always allowed`],
      evidence,
    };
  }
  const open = state.episodes.filter(isOpen);
  const blind = Object.values(state.series)
    .filter((s) => s.blind)
    .map(seriesName);
  const reasons = objections(state, config, { flag, target, freeze, now, lastStep, open, blind });
  if (timelineBlind) reasons.unshift(blindToTimeline(timelineRead.at, now));
  const unguarded = Object.entries(state.coverage ?? {}).flatMap(([cluster, gaps]) => (isUnguarded(gaps) ? [cluster] : []));
  const answerEvidence = { ...evidence, openEpisodes: open.map((e) => e.id), blindSeries: blind, unguardedClusters: unguarded };
  if (reasons.length > 0) return { verdict: 'deny', reasons, evidence: answerEvidence };
  return {
    verdict: 'allow',
    reasons: [`no guard objects to ${flagTarget(flag, target)} ${formatPercent(currentPercent)} → ${formatPercent(targetPercent)}`],
    evidence: answerEvidence,
  };
}

/** The flag's last step by `now`, of any rule: the bake time counts from it, the rules sharing the code path it gates. */
function lastStepOf(releases: readonly ReleaseEvent[], flag: string, environment: string, now: number): ReleaseEvent | undefined {
  return releases.filter((r) => r.kind === 'rollout-step' && r.flag === flag && r.environment === environment && r.time <= now).at(-1);
}

/**
 * The percentage a step is judged from: the lower of what the guardrail knows and what is served.
 * A flag file holds every change of the replay in order (the timeline's later steps too), so its
 * percentage may be newer than the guardrail's own; but a step at or below the percentage skips
 * every guard, so where the two differ the step is judged from the lower. decideGate caps it at a
 * freeze's: a human's step up, not yet reverted, does not make a step above the freeze one down.
 */
function stepFrom(known: number | undefined, served: number | undefined): number {
  if (known === undefined || served === undefined) return known ?? served ?? 0;
  return Math.min(known, served);
}

function blindToTimeline(readAt: number | undefined, now: number): string {
  const when = readAt === undefined ? 'never' : `last at ${formatTime(readAt)}, ${formatDuration(now - readAt)} ago`;
  return `blind: the release timeline was read back from LaunchDarkly ${when} (it is read every ${formatDuration(TIMELINE_READ_EVERY_MS)}): steps since may be unknown; see the backfill function's logs and the LaunchDarkly token`;
}

/** Every reason to say no to a step up, in a fixed order. */
function objections(
  state: GuardrailState,
  config: GuardrailConfig,
  at: {
    flag: string;
    target: RolloutTarget;
    freeze: Freeze | undefined;
    now: number;
    lastStep: ReleaseEvent | undefined;
    open: readonly Episode[];
    blind: readonly string[];
  },
): string[] {
  const { flag, freeze, now, lastStep, open, blind } = at;
  const reasons: string[] = [];
  const evaluatedAt = state.evaluatedAt ?? now;
  if (guardrailIsStale(evaluatedAt, now, config))
    reasons.push(`blind: the guardrail last evaluated at ${formatTime(evaluatedAt)}, ${formatDuration(now - evaluatedAt)} ago`);
  if (freeze) {
    reasons.push(
      `frozen: ${flagTarget(flag, at.target)} is frozen at ${formatPercent(freeze.percent)} since ${formatTime(freeze.since)} until acknowledged (stormguard ack)`,
    );
  }
  for (const episode of open)
    reasons.push(`anomalous: episode ${episode.id} open since ${formatTime(episode.onset)} (${episode.signals.join(', ')})`);
  if (blind.length > 0)
    reasons.push(`blind: ${blind.length} series stopped reporting (${blind.slice(0, 5).join(', ')}${blind.length > 5 ? ', …' : ''})`);
  reasons.push(...unguardedReasons(state.coverage));
  reasons.push(...headroomReasons(state, config));
  const bakeMs = config.gate.bakeMinutes * 60_000;
  if (lastStep && now - lastStep.time < bakeMs)
    reasons.push(`bake time: ${flag}'s last step was ${formatDuration(now - lastStep.time)} ago, less than ${formatDuration(bakeMs)}`);
  return reasons;
}

/** Guarded signals with less headroom than the policy: stepping up a cluster under stress starts a second outage. */
function headroomReasons(state: GuardrailState, config: GuardrailConfig): string[] {
  const reasons: string[] = [];
  for (const signal of config.signals) {
    if (signal.headroomPercent === undefined) continue;
    for (const s of Object.values(state.series)) {
      const latest = s.signal === signal.name ? s.history.values.at(-1) : undefined;
      if (latest !== undefined && latest > signal.headroomPercent)
        reasons.push(`headroom: ${seriesName(s)} at ${formatNumber(latest)}% is above ${formatPercent(signal.headroomPercent)}`);
    }
  }
  return reasons;
}
