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
  /** Freezes lifted, by whom and why (a state saved before acknowledgements were kept has none). */
  acknowledgements?: Acknowledgement[];
}

/** The flag's freeze, while it is frozen. */
export function freezeOf(state: Pick<FlagMemory, 'freezes'>, flag: string, environment: string): Freeze | undefined {
  const key = flagKey(flag, environment);
  return Object.hasOwn(state.freezes, key) ? state.freezes[key] : undefined;
}

/** Who lifted a freeze, when and why: kept with the state, the newest last. */
export interface Acknowledgement {
  readonly flag: string;
  readonly environment: string;
  readonly by: string;
  readonly reason: string;
  readonly time: number;
  /** The rollback whose freeze was lifted. */
  readonly decisionId: string;
  readonly percent: number;
}

/** Acknowledgements kept: enough to answer "who lifted this, and why" for weeks. */
const ACKNOWLEDGEMENTS_KEPT = 50;

/** Lifts a flag's freeze and records who did and why; undefined when the flag was not frozen. */
export function lift(
  state: Pick<FlagMemory, 'freezes' | 'acknowledgements'>,
  request: Pick<Acknowledgement, 'flag' | 'environment' | 'by' | 'reason' | 'time'>,
): Acknowledgement | undefined {
  const key = flagKey(request.flag, request.environment);
  const freeze = Object.hasOwn(state.freezes, key) ? state.freezes[key] : undefined;
  if (!freeze) return undefined;
  delete state.freezes[key];
  const acknowledgement = { ...request, decisionId: freeze.decisionId, percent: freeze.percent };
  state.acknowledgements = [...(state.acknowledgements ?? []), acknowledgement].slice(-ACKNOWLEDGEMENTS_KEPT);
  return acknowledgement;
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
