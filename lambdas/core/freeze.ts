/**
 * The freeze: after a rollback, a flag is held at its rolled-back percentage until someone
 * acknowledges. While frozen, any step up is reverted and paged, and the gate says no.
 */
import type { Decision } from './decision.ts';
import { flagKey, type RolloutStep, type RolloutTarget, targetKey, targetName } from './release.ts';

/** A flag held at a percentage after a rollback, until someone acknowledges. */
export interface Freeze {
  readonly flag: string;
  readonly environment: string;
  readonly target: RolloutTarget;
  readonly percent: number;
  readonly since: number;
  readonly decisionId: string;
}

/** What the guardrail remembers of the flags it changed. */
export interface FlagMemory {
  /** Freezes by flag key (release.ts, flagKey). */
  freezes: Record<string, Freeze>;
  /** Percentages the guardrail itself set, by target key (release.ts, targetKey): newer than the timeline knows. */
  setPercents: Record<string, { percent: number; time: number }>;
  /** Rollbacks by flag key: for the cooldown. */
  lastRollbackAt: Record<string, number>;
}

/** The flag's freeze, while it is frozen. */
export function freezeOf(state: Pick<FlagMemory, 'freezes'>, flag: string, environment: string): Freeze | undefined {
  return state.freezes[flagKey(flag, environment)];
}

/** Lifts a freeze; false when the flag was not frozen. */
export function lift(state: Pick<FlagMemory, 'freezes'>, flag: string, environment: string): boolean {
  const key = flagKey(flag, environment);
  if (!(key in state.freezes)) return false;
  delete state.freezes[key];
  return true;
}

/** A step up of a frozen flag is reverted to the frozen percentage. */
export function revertsFreeze(step: RolloutStep, freeze: Freeze): boolean {
  return (
    step.flag === freeze.flag &&
    step.environment === freeze.environment &&
    targetName(step.target) === targetName(freeze.target) &&
    step.time > freeze.since &&
    step.toPercent > freeze.percent
  );
}

/** What the guardrail knows after an enforced decision: the flag's new percentage, its freeze, its cooldown. */
export function remember(state: FlagMemory, decision: Decision): void {
  if (decision.mode !== 'enforce') return;
  state.setPercents[targetKey(decision.flag, decision.environment, decision.target)] = { percent: decision.toPercent, time: decision.time };
  if (decision.action !== 'rollback') return;
  const key = flagKey(decision.flag, decision.environment);
  state.lastRollbackAt[key] = decision.time;
  state.freezes[key] = {
    flag: decision.flag,
    environment: decision.environment,
    target: decision.target,
    percent: decision.toPercent,
    since: decision.time,
    decisionId: decision.id,
  };
}
