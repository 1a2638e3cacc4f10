/**
 * Which target of a flag a gate request is about: the default rule or one rule. A flag rolled out
 * on one target needs none named; with several guarded targets (rolled out, frozen, or set by the
 * guardrail), the request must name one, and a named rule must be one of them: guessing would let
 * a step through on one rule because another is clear.
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
  const list = () => known.map((t) => (t.kind === 'fallthrough' ? FALLTHROUGH_ID : targetLabel(t))).join(', ');
  if (request.ruleId === undefined) {
    if (known.length <= 1) return { target: known[0] ?? { kind: 'fallthrough' } };
    return {
      problem: `--rule: ${request.flag} in ${request.environment} has ${known.length} guarded targets (${list()}): name one with --rule ID (\`${FALLTHROUGH_ID}\` for the default rule)`,
    };
  }
  const wanted = namedTarget(request.ruleId);
  const found = known.find((t) => targetName(t) === targetName(wanted));
  if (found) return { target: found };
  if (known.length === 0) return { target: wanted };
  return {
    problem: `--rule: ${request.flag} in ${request.environment} has no guarded rollout on ${targetName(wanted)} (its targets: ${list()})`,
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
