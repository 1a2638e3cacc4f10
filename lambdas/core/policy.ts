/**
 * The guardrail policy: given an episode's attribution, roll the flag back or hold, with a reason.
 *
 * It reads as a list of guards in order, each returning early with a reason from a fixed
 * vocabulary (so alerts, logs and tests say the same thing). It decides; it does nothing itself:
 * decisions are carried out afterwards through the ports, recorded first.
 */
import type { GuardrailConfig } from './config.ts';
import type { Attribution } from './correlation.ts';
import { releaseName, type RolloutStep } from './release.ts';

export type Verdict =
  | { readonly kind: 'rollback'; readonly step: RolloutStep; readonly toPercent: number; readonly turnOff: boolean; readonly reason: string }
  | { readonly kind: 'hold'; readonly reason: string };

export interface PolicyContext {
  readonly now: number;
  /** The flag's freeze, while it is frozen. */
  readonly freezeOf: (flag: string, environment: string) => { readonly percent: number } | undefined;
  /** When the guardrail last rolled this flag back, if it did. */
  readonly lastRollbackAt: (flag: string, environment: string) => number | undefined;
  /** The flag's rollout percentage now, as far as the guardrail knows. */
  readonly currentPercent: (step: RolloutStep) => number;
}

/** Decides what to do about an episode given its attribution. */
export function decide(attribution: Attribution, config: GuardrailConfig, context: PolicyContext): Verdict {
  if (attribution.kind === 'none') return hold('no release correlates');
  if (attribution.kind === 'ambiguous') {
    return hold(`ambiguous: ${releaseName(attribution.best.release)} and ${releaseName(attribution.runnerUp.release)} correlate alike`);
  }
  const { release } = attribution.best;
  if (release.kind === 'deploy') {
    return hold(`the release is a deploy (${release.service} ${release.version}): Stormguard rolls back flags only`);
  }
  // Own keys only: a flag keyed `constructor` or `toString` is a flag, not Object's property.
  const flagPolicy = Object.hasOwn(config.flags, release.flag) ? config.flags[release.flag] : undefined;
  if (flagPolicy && !flagPolicy.guarded) return hold(`flag ${release.flag} is not guarded`);
  const freeze = context.freezeOf(release.flag, release.environment);
  if (freeze) return hold(`${release.flag} is frozen at ${freeze.percent}% until acknowledged: its step-ups are reverted`);
  const lastRollback = context.lastRollbackAt(release.flag, release.environment);
  if (lastRollback !== undefined && context.now - lastRollback < config.rollback.cooldownMinutes * 60_000) {
    return hold(`cooldown: ${release.flag} was rolled back ${Math.round((context.now - lastRollback) / 60_000)} min ago`);
  }
  const rollbackTo = flagPolicy?.rollbackTo ?? config.rollback.to;
  const toPercent = rollbackTo === 'previous-step' ? release.fromPercent : 0;
  const current = context.currentPercent(release);
  if (current <= toPercent && rollbackTo !== 'off') {
    return hold(`${release.flag} is already at ${current}%, at or below the rollback target ${toPercent}%`);
  }
  const reason = `${releaseName(release)} correlates (confidence ${attribution.best.confidence.toFixed(2)})`;
  return { kind: 'rollback', step: release, toPercent, turnOff: rollbackTo === 'off', reason };
}

function hold(reason: string): Verdict {
  return { kind: 'hold', reason };
}
