/**
 * Which target of a flag a gate request is about: the default rule or one rule. A request that
 * names none is about the default rule, unless the guardrail knows of a rollout behind a rule of
 * the flag (rolled out, frozen, or set by the guardrail): then it must name one, since judging the
 * default rule's step by a rule's state (or the other way round) would let a step through on one
 * target because another is clear. A named target is judged as it is known, or as a first step.
 */
import type { FlagMemory } from './freeze.ts';
import { FALLTHROUGH_ID, flagKey, namedTarget, type ReleaseEvent, type RolloutTarget, targetLabel, targetName } from './release.ts';

export { FALLTHROUGH_ID };

export function gateTarget(
  state: Pick<FlagMemory, 'freezes' | 'setPercents'>,
  releases: readonly ReleaseEvent[],
  request: { readonly flag: string; readonly environment: string; readonly ruleId?: string },
): { target: RolloutTarget } | { problem: string } {
  const known = guardedTargets(state, releases, request.flag, request.environment);
  if (request.ruleId !== undefined) {
    const wanted = namedTarget(request.ruleId);
    return { target: known.find((t) => targetName(t) === targetName(wanted)) ?? wanted };
  }
  if (known.every((t) => t.kind === 'fallthrough')) return { target: { kind: 'fallthrough' } };
  const list = known.map((t) => (t.kind === 'fallthrough' ? FALLTHROUGH_ID : targetLabel(t))).join(', ');
  const targets = known.length === 1 ? `a rollout behind ${list}` : `${known.length} guarded targets (${list})`;
  return {
    problem: `--rule: ${request.flag} in ${request.environment} has ${targets}: name the step's target with --rule ID (\`${FALLTHROUGH_ID}\` for the default rule)`,
  };
}

/** The flag's targets the guardrail knows of, the default rule first, each once (with its label where one is known). */
export function guardedTargets(
  state: Pick<FlagMemory, 'freezes' | 'setPercents'>,
  releases: readonly ReleaseEvent[],
  flag: string,
  environment: string,
): RolloutTarget[] {
  const byName = new Map<string, RolloutTarget>();
  const add = (target: RolloutTarget) => {
    const existing = byName.get(targetName(target));
    if (!existing || (target.kind === 'rule' && target.label && !(existing.kind === 'rule' && existing.label)))
      byName.set(targetName(target), target);
  };
  for (const r of releases) if (r.kind === 'rollout-step' && r.flag === flag && r.environment === environment) add(r.target);
  for (const f of Object.values(state.freezes)) if (f.flag === flag && f.environment === environment) add(f.target);
  const prefix = `${flagKey(flag, environment)}/`;
  for (const key of Object.keys(state.setPercents)) {
    if (!key.startsWith(prefix)) continue;
    const name = key.slice(prefix.length);
    if (name === FALLTHROUGH_ID) add({ kind: 'fallthrough' });
    else if (name.startsWith('rule ')) add({ kind: 'rule', ruleId: name.slice('rule '.length) });
  }
  return [...byName.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'fallthrough' ? -1 : 1));
}
