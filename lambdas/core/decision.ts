/**
 * Decisions: what the guardrail decided to do to a flag, with its evidence, and what came of it.
 * A decision's id is unique per rolled-back step (rollback), per step back (from and to), or per
 * reverted step (revert), so recording it first makes acting twice impossible.
 */
import type { Finding, WatchEvidence } from './finding.ts';
import { formatTime } from './format.ts';
import type { Verdict } from './policy.ts';
import type { RolloutStep, RolloutTarget } from './release.ts';

export type Mode = 'observe' | 'enforce';

export interface Decision {
  readonly id: string;
  readonly time: number;
  /** rollback: a release-anchored check found the flag's step (or what persists of it) moving a signal; revert: a step up while the flag was frozen. */
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
  /** A revert's: when the freeze it holds to began (the reverts of one freeze are one incident). */
  readonly frozenSince?: number;
  readonly evidence: Evidence;
}

export interface Evidence {
  readonly signal?: string;
  /** The pooled effect, observed over expected, as a factor (fast signals). */
  readonly effect?: number;
  /** When the effect began (the change-point estimate). */
  readonly firstAnomalyAt?: number;
  readonly seriesAffected?: number;
  readonly signalsAffected?: readonly string[];
  readonly release?: RolloutStep;
  /** The check's own evidence: the test statistic and its threshold, the noise, each broker; or the heap trend and forecast. */
  readonly watch?: WatchEvidence;
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

/** The rollback (or further step back) a finding's verdict calls for, with the finding's evidence. */
export function rollbackDecision(
  finding: Finding,
  verdict: Rollback,
  context: { now: number; mode: Mode; fromPercent: number; episodeId: string },
): Decision {
  const { step } = verdict;
  const e = finding.evidence;
  return {
    id: verdict.stepBack ? `${step.id}/step-back/${context.fromPercent}-${verdict.toPercent}` : `${step.id}/rollback`,
    time: context.now,
    action: 'rollback',
    mode: context.mode,
    flag: step.flag,
    environment: step.environment,
    target: step.target,
    fromPercent: context.fromPercent,
    toPercent: verdict.toPercent,
    turnOff: verdict.turnOff,
    reason: verdict.reason,
    episodeId: context.episodeId,
    evidence: {
      signal: e.signal,
      ...(e.factor !== undefined ? { effect: e.factor } : {}),
      firstAnomalyAt: e.onset,
      seriesAffected: finding.series.length,
      signalsAffected: [e.signal],
      release: step,
      watch: e,
    },
  };
}

/** A step up of a frozen flag, reverted to the frozen percentage. */
export function revertDecision(
  release: RolloutStep,
  freeze: { readonly percent: number; readonly since: number },
  context: { now: number; mode: Mode },
): Decision {
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
    frozenSince: freeze.since,
    evidence: { release },
  };
}
