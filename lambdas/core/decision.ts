/**
 * Decisions: what the guardrail decided to do to a flag, with its evidence, and what came of it.
 * A decision's id is unique per episode and flag (rollback) or per reverted step (revert), so
 * recording it first makes acting twice impossible.
 */
import type { Candidate } from './correlation.ts';
import type { Episode } from './episode.ts';
import { formatTime } from './format.ts';
import type { Verdict } from './policy.ts';
import type { RolloutStep, RolloutTarget } from './release.ts';

export type Mode = 'observe' | 'enforce';

export interface Decision {
  readonly id: string;
  readonly time: number;
  /** rollback: an episode correlated with the flag; revert: a step up while the flag was frozen. */
  readonly action: 'rollback' | 'revert';
  readonly mode: Mode;
  readonly flag: string;
  readonly environment: string;
  readonly target: RolloutTarget;
  readonly fromPercent: number;
  readonly toPercent: number;
  /** Turn the flag off instead of changing its weights (rollback to `off`). */
  readonly turnOff: boolean;
  readonly reason: string;
  readonly episodeId?: string;
  readonly evidence: Evidence;
}

export interface Evidence {
  readonly signal?: string;
  readonly series?: string;
  readonly value?: number;
  readonly baseline?: number;
  /** value over baseline (rates, counts) or minus baseline (percent). */
  readonly effect?: number;
  readonly z?: number;
  readonly firstAnomalyAt?: number;
  readonly seriesAffected?: number;
  readonly signalsAffected?: readonly string[];
  readonly release?: RolloutStep;
  readonly confidence?: number;
  readonly proximity?: number;
  readonly response?: number;
  readonly doseResponse?: Candidate['doseResponse'];
}

/** What a decision's execution came to. */
export interface Outcome {
  /**
   * applied: the flag changed; unchanged: it already was at or below the target; observed: observe
   * mode; awaiting-approval: the environment requires approval and a request was made; failed.
   */
  readonly status: 'applied' | 'unchanged' | 'observed' | 'awaiting-approval' | 'failed';
  readonly time: number;
  readonly detail: string;
}

type Rollback = Extract<Verdict, { kind: 'rollback' }>;

/** The rollback an episode's verdict calls for, with the episode's first anomaly as evidence. */
export function rollbackDecision(episode: Episode, verdict: Rollback, context: { now: number; mode: Mode; fromPercent: number }): Decision {
  const attribution = episode.attribution;
  const best = attribution?.kind === 'attributed' ? attribution.best : undefined;
  const { first } = episode;
  return {
    id: `${episode.id}/${verdict.step.flag}/${verdict.step.environment}`,
    time: context.now,
    action: 'rollback',
    mode: context.mode,
    flag: verdict.step.flag,
    environment: verdict.step.environment,
    target: verdict.step.target,
    fromPercent: context.fromPercent,
    toPercent: verdict.toPercent,
    turnOff: verdict.turnOff,
    reason: verdict.reason,
    episodeId: episode.id,
    evidence: {
      signal: first.signal,
      series: first.label,
      value: first.value,
      baseline: first.baseline,
      effect: first.effect,
      z: first.z,
      firstAnomalyAt: episode.onset,
      seriesAffected: episode.series.length,
      signalsAffected: [...episode.signals],
      release: verdict.step,
      ...(best
        ? { confidence: best.confidence, proximity: best.proximity, response: best.response, ...(best.doseResponse ? { doseResponse: best.doseResponse } : {}) }
        : {}),
    },
  };
}

/** A step up of a frozen flag, reverted to the frozen percentage. */
export function revertDecision(release: RolloutStep, freeze: { readonly percent: number; readonly since: number }, context: { now: number; mode: Mode }): Decision {
  return {
    id: `${release.id}/revert`,
    time: context.now,
    action: 'revert',
    mode: context.mode,
    flag: release.flag,
    environment: release.environment,
    target: release.target,
    fromPercent: release.toPercent,
    toPercent: freeze.percent,
    turnOff: false,
    reason: `${release.flag} is frozen at ${freeze.percent}% since ${formatTime(freeze.since)}, until acknowledged`,
    evidence: { release },
  };
}
