/**
 * The freeze: after a rollback, a flag's target (its default rule, or the rule the rollout was
 * behind) is held at its rolled-back percentage until someone acknowledges. While frozen, any step
 * up of that target is reverted and paged, and the gate says no; the flag's other rules go on.
 */
import type { Decision } from './decision.ts';
import { guardKey, namedTarget, type RolloutStep, type RolloutTarget, sameRollout, targetKey, targetName } from './release.ts';

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
  /** Freezes by target (release.ts, guardKey). */
  freezes: Record<string, Freeze>;
  /** Percentages the guardrail itself set, by target key (release.ts, targetKey): newer than the timeline knows. */
  setPercents: Record<string, { percent: number; time: number }>;
  /** Rollbacks by target (release.ts, guardKey): for the cooldown. */
  lastRollbackAt: Record<string, number>;
  /** Freezes lifted, by whom and why (a state saved before acknowledgements were kept has none). */
  acknowledgements?: Acknowledgement[];
}

/** The freeze of a flag's target, while it is frozen. */
export function freezeOf(state: Pick<FlagMemory, 'freezes'>, flag: string, environment: string, target: RolloutTarget): Freeze | undefined {
  const key = guardKey(flag, environment, target);
  return Object.hasOwn(state.freezes, key) ? state.freezes[key] : undefined;
}

/**
 * A state saved before each rule was guarded on its own keeps a rule's freeze and cooldown under
 * the flag's key, where the default rule's now are: each moves to its rule's key, so the rule stays
 * frozen and the default rule is not taken for frozen. Run on a state before it is read.
 */
export function rekeyRuleFreezes(state: Pick<FlagMemory, 'freezes' | 'lastRollbackAt'>): void {
  for (const [key, freeze] of Object.entries(state.freezes)) {
    const wanted = guardKey(freeze.flag, freeze.environment, freeze.target);
    if (key === wanted) continue;
    delete state.freezes[key];
    if (!Object.hasOwn(state.freezes, wanted)) state.freezes[wanted] = freeze;
    if (!Object.hasOwn(state.lastRollbackAt, key)) continue;
    if (!Object.hasOwn(state.lastRollbackAt, wanted)) state.lastRollbackAt[wanted] = state.lastRollbackAt[key]!;
    delete state.lastRollbackAt[key];
  }
}

/** Every frozen target of a flag in an environment. */
export function freezesOf(state: Pick<FlagMemory, 'freezes'>, flag: string, environment: string): Freeze[] {
  return Object.values(state.freezes).filter((f) => f.flag === flag && f.environment === environment);
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
  /** The rollout target that was frozen (absent in acknowledgements saved before targets). */
  readonly target?: RolloutTarget;
}

/** Acknowledgements kept: enough to answer "who lifted this, and why" for weeks. */
const ACKNOWLEDGEMENTS_KEPT = 50;

/**
 * Lifts a flag's freezes (every frozen target of it: acknowledging is about the flag's cause; or the
 * one target `ruleId` names, `fallthrough` for the default rule) and records who did and why; the
 * acknowledgement of each freeze lifted, none when nothing was frozen.
 */
export function lift(
  state: Pick<FlagMemory, 'freezes' | 'acknowledgements'>,
  request: Pick<Acknowledgement, 'flag' | 'environment' | 'by' | 'reason' | 'time'> & { readonly ruleId?: string | undefined },
): Acknowledgement[] {
  const { ruleId, ...acknowledged } = request;
  const named = ruleId === undefined ? undefined : targetName(namedTarget(ruleId));
  const lifted: Acknowledgement[] = [];
  for (const [key, freeze] of Object.entries(state.freezes)) {
    if (freeze.flag !== request.flag || freeze.environment !== request.environment) continue;
    if (named !== undefined && targetName(freeze.target) !== named) continue;
    delete state.freezes[key];
    lifted.push({ ...acknowledged, decisionId: freeze.decisionId, percent: freeze.percent, target: freeze.target });
  }
  if (lifted.length > 0) state.acknowledgements = [...(state.acknowledgements ?? []), ...lifted].slice(-ACKNOWLEDGEMENTS_KEPT);
  return lifted;
}

/** A step up of a frozen flag is reverted to the frozen percentage. */
export function revertsFreeze(step: RolloutStep, freeze: Freeze): boolean {
  return sameRollout(step, freeze) && step.time > freeze.since && step.toPercent > freeze.percent;
}

/** What the guardrail knows after an enforced decision: the flag's new percentage, its freeze, its cooldown. */
export function remember(state: FlagMemory, decision: Decision): void {
  if (decision.mode !== 'enforce') return;
  state.setPercents[targetKey(decision.flag, decision.environment, decision.target)] = { percent: decision.toPercent, time: decision.time };
  if (decision.action !== 'rollback') return;
  const key = guardKey(decision.flag, decision.environment, decision.target);
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
