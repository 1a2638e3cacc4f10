/**
 * What the LaunchDarkly FlagController sends: from one read of the flag, the JSON Patch operations
 * that make a target (the default rule, or a rule by its id) serve a percentage, and the same change
 * as a semantic-patch instruction (what an approval request carries). A multivariate flag's
 * treatments keep their proportions (rollout-weights.ts, largest remainder).
 */
import type { RolloutTarget } from '../../core/release.ts';
import { controlOf, type EnvironmentConfig, ruleOf } from '../../formats/launchdarkly.ts';
import { TOTAL_WEIGHT, weightsForPercent } from '../../formats/rollout-weights.ts';
import { LaunchDarklyError } from './errors.ts';

export interface RestFlag {
  readonly key: string;
  readonly _version?: number;
  readonly variations: ReadonlyArray<{ readonly _id: string; readonly value: unknown }>;
  readonly environments: Record<string, EnvironmentConfig & { rules?: Array<{ _id: string }> }>;
}

/** One JSON Patch (RFC 6902) operation. */
export interface PatchOperation {
  readonly op: 'test' | 'replace' | 'add' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

export interface Instruction {
  readonly kind: 'updateFallthroughVariationOrRollout' | 'updateRuleVariationOrRollout' | 'turnFlagOff';
  readonly ruleId?: string;
  readonly rolloutWeights?: Record<string, number>;
}

/** A change as planned from one read of the flag. */
export interface Plan {
  readonly flag: string;
  readonly environment: string;
  readonly read: RestFlag;
  readonly config: EnvironmentConfig;
  readonly target: RolloutTarget;
  readonly percent: number;
  readonly turnOff: boolean;
  readonly comment: string;
  /** The variation exposure is measured against, where not the off variation (configuration `flags.<key>.controlVariation`). */
  readonly control?: number;
}

/** The JSON Patch operations that make the plan's target serve its percentage (after the version test). */
export function operationsFor(plan: Plan): PatchOperation[] {
  const { config, environment, target, turnOff } = plan;
  const base = `/environments/${pointer(environment)}`;
  if (turnOff) return [{ op: 'replace', path: `${base}/on`, value: false }];
  const { rule, weights } = rolloutFor(plan);
  const index = target.kind === 'fallthrough' ? -1 : (config.rules ?? []).findIndex((r) => r._id === target.ruleId);
  const at = target.kind === 'fallthrough' ? `${base}/fallthrough` : `${base}/rules/${index}`;
  // A rule's position is checked too: the version test already covers it, this says which rule was meant.
  const which: PatchOperation[] = target.kind === 'rule' ? [{ op: 'test', path: `${at}/_id`, value: target.ruleId }] : [];
  if (rule?.rollout) return [...which, { op: 'replace', path: `${at}/rollout/variations`, value: weights }];
  return [
    ...which,
    ...(rule?.variation !== undefined ? [{ op: 'remove' as const, path: `${at}/variation` }] : []),
    { op: 'add', path: `${at}/rollout`, value: { variations: weights } },
  ];
}

/** The semantic-patch instruction for the same change: what an approval request carries. */
export function instructionFor(plan: Plan): Instruction {
  const { read: flag, target } = plan;
  if (plan.turnOff) return { kind: 'turnFlagOff' };
  const { weights } = rolloutFor(plan);
  const rolloutWeights = Object.fromEntries(
    weights.map(({ variation, weight }) => {
      const id = flag.variations[variation]?._id;
      if (!id) throw new LaunchDarklyError(`${flag.key} has no variation ${variation}`);
      return [id, weight];
    }),
  );
  return target.kind === 'fallthrough'
    ? { kind: 'updateFallthroughVariationOrRollout', rolloutWeights }
    : { kind: 'updateRuleVariationOrRollout', ruleId: target.ruleId, rolloutWeights };
}

function rolloutFor({ read: flag, config, target, percent, control: configured }: Plan) {
  const control = controlOf(config, configured);
  const rule = ruleOf(config, target);
  const current = rule?.rollout?.variations ?? [{ variation: rule?.variation ?? control, weight: TOTAL_WEIGHT }];
  for (const { variation } of current)
    if (!flag.variations[variation]) throw new LaunchDarklyError(`${flag.key} has no variation ${variation}`);
  return { rule, weights: weightsForPercent(current, control, percent, flag.variations.length) };
}

/** A JSON Pointer reference token (RFC 6901). */
function pointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}
