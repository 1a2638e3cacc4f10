/**
 * The guardrail policy: given a finding of a release-anchored check, roll the flag back (or step
 * it back further) or hold, with a reason.
 *
 * It reads as a list of guards in order, each returning early with a reason from a fixed
 * vocabulary (so alerts, logs and tests say the same thing). It decides; it does nothing itself:
 * decisions are carried out afterwards through the ports, recorded first.
 *
 * A step's finding rolls the step back (to its previous percentage, or 0, or off, as configured),
 * unless the flag is frozen (someone else's step-up: reverted, not rolled back), cooling down, or
 * already decided. What persists of a rolled-back flag's effect steps it back again through its
 * earlier percentages to 0 (a heap climb: to 0 at once): the guardrail's own further step-backs are
 * not held back by the freeze or the cooldown its first rollback set.
 */
import type { GuardrailConfig } from './config.ts';
import { describeEvidence, type Finding } from './finding.ts';
import { flagTarget, type RolloutStep, releaseName } from './release.ts';

export type Verdict =
  | {
      readonly kind: 'rollback';
      readonly step: RolloutStep;
      readonly toPercent: number;
      readonly turnOff: boolean;
      readonly reason: string;
      /** A further step back of a flag the guardrail already rolled back. */
      readonly stepBack: boolean;
    }
  | { readonly kind: 'hold'; readonly reason: string };

export interface PolicyContext {
  readonly now: number;
  /** The freeze of the step's target (its rule, or the default rule), while it is frozen. */
  readonly freezeOf: (step: RolloutStep) => { readonly percent: number } | undefined;
  /** When the guardrail last rolled the step's target back, if it did. */
  readonly lastRollbackAt: (step: RolloutStep) => number | undefined;
  /** The flag's rollout percentage now, as far as the guardrail knows. */
  readonly currentPercent: (step: RolloutStep) => number;
  /** The percentages the flag was at before each of its steps up to now (where a step-back goes). */
  readonly earlierPercents: (step: RolloutStep) => readonly number[];
  /** Whether this step already has a rollback decision (another signal or cluster found it first). */
  readonly decided: (step: RolloutStep) => boolean;
}

/** Decides what to do about a finding. */
export function decide(finding: Finding, config: GuardrailConfig, context: PolicyContext): Verdict {
  const { release } = finding;
  if (release.kind === 'deploy') {
    return hold(`the release is a deploy (${release.service} ${release.version}): Stormguard rolls back flags only`);
  }
  // Own keys only: a flag keyed `constructor` or `toString` is a flag, not Object's property.
  const flagPolicy = Object.hasOwn(config.flags, release.flag) ? config.flags[release.flag] : undefined;
  if (flagPolicy && !flagPolicy.guarded) return hold(`flag ${release.flag} is not guarded`);
  const rollbackTo = flagPolicy?.rollbackTo ?? config.rollback.to;
  if (finding.evidence.purpose === 'excess') return stepBack(finding, rollbackTo, context);
  if (context.decided(release)) return hold(`${releaseName(release)} is already rolled back`);
  const freeze = context.freezeOf(release);
  if (freeze)
    return hold(
      `${flagTarget(release.flag, release.target)} is frozen at ${freeze.percent}% until acknowledged: its step-ups are reverted`,
    );
  const lastRollback = context.lastRollbackAt(release);
  if (lastRollback !== undefined && context.now - lastRollback < config.rollback.cooldownMinutes * 60_000) {
    return hold(
      `cooldown: ${flagTarget(release.flag, release.target)} was rolled back ${Math.round((context.now - lastRollback) / 60_000)} min ago`,
    );
  }
  const toPercent = rollbackTo === 'previous-step' ? release.fromPercent : 0;
  const current = context.currentPercent(release);
  if (current <= toPercent && rollbackTo !== 'off') {
    return hold(`${release.flag} is already at ${current}%, at or below the rollback target ${toPercent}%`);
  }
  const reason = `${releaseName(release)}: ${describeEvidence(finding.evidence)}`;
  return { kind: 'rollback', step: release, toPercent, turnOff: rollbackTo === 'off', reason, stepBack: false };
}

/**
 * The guardrail's own further step back: to the flag's next lower earlier percentage, or 0. A heap
 * climb goes to 0 at once: the heap went on climbing after a rollback its climb caused
 * (heap-watch.ts), and at the next lower percentage (a fifth of 5%'s climb at 1%) it would take
 * longer to measure than the horizon leaves; a fast signal's excess is measured again at each
 * lower percentage within minutes.
 */
function stepBack(finding: Finding, rollbackTo: GuardrailConfig['rollback']['to'], context: PolicyContext): Verdict {
  const step = finding.release as RolloutStep;
  const current = context.currentPercent(step);
  const lower = context.earlierPercents(step).filter((p) => p < current);
  const gradual = rollbackTo === 'previous-step' && finding.evidence.kind === 'fast';
  const toPercent = gradual && lower.length > 0 ? Math.max(...lower) : 0;
  if (toPercent >= current) return hold(`${step.flag} is already at ${current}%: nothing lower to step back to`);
  const reason = `${step.flag} still storming at ${current}%: ${describeEvidence(finding.evidence)}`;
  return { kind: 'rollback', step, toPercent, turnOff: rollbackTo === 'off' && toPercent === 0, reason, stepBack: true };
}

function hold(reason: string): Verdict {
  return { kind: 'hold', reason };
}
