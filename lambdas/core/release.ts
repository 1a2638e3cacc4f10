/**
 * Releases: what can start a storm. A rollout step moves the share of traffic a flag serves its
 * new behaviour, per environment and targeting rule; a deploy ships a new version of a service.
 * The timeline is ordered by time with each release once (webhooks arrive out of order and twice).
 */
import { formatPercent } from './format.ts';

/**
 * Where in a flag's targeting a rollout lives: the default rule, or a rule by its id. A rule's
 * `label` (its description, or its clauses) is what people read; the id is what keys it.
 */
export type RolloutTarget = { readonly kind: 'fallthrough' } | { readonly kind: 'rule'; readonly ruleId: string; readonly label?: string };

export interface RolloutStep {
  readonly kind: 'rollout-step';
  readonly id: string;
  readonly time: number;
  readonly flag: string;
  readonly environment: string;
  readonly target: RolloutTarget;
  readonly fromPercent: number;
  readonly toPercent: number;
  readonly by?: string;
  readonly comment?: string;
}

export interface Deploy {
  readonly kind: 'deploy';
  readonly id: string;
  readonly time: number;
  readonly service: string;
  readonly version: string;
  readonly environment: string;
  readonly by?: string;
}

export type ReleaseEvent = RolloutStep | Deploy;

/** Orders by time and drops repeated ids (webhooks arrive out of order and more than once). */
export function orderedUnique(events: readonly ReleaseEvent[]): ReleaseEvent[] {
  const byId = new Map<string, ReleaseEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A release in a few words: "storm 5% → 25%", "storm rule \"EU customers\" (rule-eu) 0% → 5%", "deploy api 2.1.0". */
export function releaseName(release: ReleaseEvent): string {
  return release.kind === 'deploy'
    ? `deploy ${release.service} ${release.version}`
    : `${flagTarget(release.flag, release.target)} ${formatPercent(release.fromPercent)} → ${formatPercent(release.toPercent)}`;
}

/** A flag and the rule its rollout is behind, as alerts name it: the flag alone for its default rule. */
export function flagTarget(flag: string, target: RolloutTarget): string {
  return target.kind === 'fallthrough' ? flag : `${flag} ${targetLabel(target)}`;
}

/** The target by its id: what keys and compares it. */
export function targetName(target: RolloutTarget): string {
  return target.kind === 'fallthrough' ? 'fallthrough' : `rule ${target.ruleId}`;
}

/** The target as on-call reads it: `rule "EU customers" (rule-eu)`; a rule no one described, by its id. */
export function targetLabel(target: RolloutTarget): string {
  if (target.kind === 'fallthrough' || !target.label) return targetName(target);
  return `rule "${target.label}" (${target.ruleId})`;
}

/** The key of a flag in one environment: freezes, cooldowns and set percentages are kept by it. */
export function flagKey(flag: string, environment: string): string {
  return `${flag}/${environment}`;
}

/** The key of one rollout target of a flag in one environment. */
export function targetKey(flag: string, environment: string, target: RolloutTarget): string {
  return `${flagKey(flag, environment)}/${targetName(target)}`;
}

/**
 * The key freezes and cooldowns are kept by: the default rule's is the flag's key (as states saved
 * before rules were guarded have it), a rule's is its target key, so each rule is frozen on its own.
 */
export function guardKey(flag: string, environment: string, target: RolloutTarget): string {
  return target.kind === 'fallthrough' ? flagKey(flag, environment) : targetKey(flag, environment, target);
}

/** What names the default rule in a request (`--rule fallthrough`). */
export const FALLTHROUGH_ID = 'fallthrough';

/** The target a request names by rule id (`fallthrough`: the default rule). */
export function namedTarget(ruleId: string): RolloutTarget {
  return ruleId === FALLTHROUGH_ID ? { kind: 'fallthrough' } : { kind: 'rule', ruleId };
}

type Rollout = Pick<RolloutStep, 'flag' | 'environment' | 'target'>;

/** Whether two steps move the same rollout: one flag, one environment, one target. */
export function sameRollout(a: Rollout, b: Rollout): boolean {
  return guardKey(a.flag, a.environment, a.target) === guardKey(b.flag, b.environment, b.target);
}
