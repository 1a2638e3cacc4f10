/**
 * Flags in the LaunchDarkly SDK's data format (what its file data source reads), made from the
 * flags as LaunchDarkly's audit log records them: each as it stood when a replay starts (the
 * `currentVersion` of its latest change before then, else the `previousVersion` of its first later
 * one, of the changes whose version holds the guarded environment), with
 * its rules and their clauses, its prerequisites, its individual targets, its variations and its
 * off variation, so that the SDK serves each context what LaunchDarkly would have.
 */
import * as z from 'zod/mini';
import {
  type EnvironmentConfig,
  environmentConfig,
  type FlagChange,
  type FlagVersion,
  variationOrRollout,
} from '../../formats/launchdarkly.ts';
import type { WeightedVariation } from '../../formats/rollout-weights.ts';
import '../../core/zod-messages.ts';

export interface SdkRollout {
  variations: WeightedVariation[];
  bucketBy?: string;
  contextKind?: string;
}

export interface SdkRule {
  id?: string;
  variation?: number;
  rollout?: SdkRollout;
  clauses?: Array<{ attribute: string; op: string; values: unknown[]; negate: boolean; contextKind?: string }>;
  /** Stormguard's own: the rule as people read it, for the rollback's report (the SDK ignores it). */
  description?: string;
}

/** A rule LaunchDarkly holds disabled, and its index among all the flag's rules (disabled ones too). */
export interface DisabledRule extends SdkRule {
  disabled: true;
  position: number;
}

/** A flag in the SDK's data format. */
export interface SdkFlag {
  key: string;
  version: number;
  on: boolean;
  salt: string;
  variations: unknown[];
  offVariation?: number;
  fallthrough: SdkRule;
  rules: SdkRule[];
  /**
   * Stormguard's own (the SDK ignores it): the rules LaunchDarkly holds disabled. It sends its SDKs
   * none of them, so they are not in `rules`, but a step can enable one, with its weights.
   */
  disabledRules?: DisabledRule[];
  targets: unknown[];
  contextTargets: unknown[];
  prerequisites: Array<{ key: string; variation: number }>;
}

/**
 * A flag file as far as measuring a target goes: each flag's serving parts are LaunchDarkly's
 * (a rule names its id `id` here). A state folder's file may be anyone's, and a broken one must be
 * an error naming the field, not a TypeError.
 */
const sdkRule = z.extend(variationOrRollout, { id: z.optional(z.string()) });
export const flagFileSchema = z.object({
  flags: z.record(
    z.string(),
    z.extend(z.pick(environmentConfig, { on: true, offVariation: true }), {
      fallthrough: variationOrRollout,
      rules: z.array(sdkRule),
      disabledRules: z.optional(z.array(sdkRule)),
    }),
  ),
});

/** A boolean flag's variations, where a recorded version lists none. */
const BOOLEAN_VARIATIONS = [true, false];

/**
 * Every recorded flag that has the environment, as it stood at `start`. Only versions holding the
 * environment count: an entry of another environment or project (whose versions may hold only
 * `staging`, or a `prod` of theirs) says nothing of how the guarded one stood.
 */
export function flagsAsOf(changes: readonly FlagChange[], environment: string, start: number): Record<string, SdkFlag> {
  const asOf = new Map<string, { version: FlagVersion; config: EnvironmentConfig }>();
  for (const change of changes) {
    const key = change.current.key;
    const before = change.time < start;
    if (!before && asOf.has(key)) continue;
    const version = before ? change.current : change.previous;
    const config = configIn(version, environment);
    if (config) asOf.set(key, { version, config });
  }
  const flags: Record<string, SdkFlag> = {};
  for (const [key, { version, config }] of asOf) setFlag(flags, key, sdkFlagOf(version, config));
  return flags;
}

/** A version's environment: its own, never Object.prototype's (an environment named `constructor` is one). */
function configIn(version: FlagVersion, environment: string): EnvironmentConfig | undefined {
  return Object.hasOwn(version.environments, environment) ? version.environments[environment] : undefined;
}

/** One flag version's environment in the SDK's format. */
export function sdkFlagOf(version: FlagVersion, config: EnvironmentConfig): SdkFlag {
  const rules: SdkRule[] = [];
  const disabledRules: DisabledRule[] = [];
  for (const [position, rule] of (config.rules ?? []).entries()) {
    const sdkRule: SdkRule = {
      ...sdkRuleOf(rule),
      id: rule._id,
      clauses: (rule.clauses ?? []).map((c) => ({ ...c, negate: c.negate ?? false })),
      ...(rule.description ? { description: rule.description } : {}),
    };
    if (rule.disabled) disabledRules.push({ ...sdkRule, disabled: true, position });
    else rules.push(sdkRule);
  }
  return {
    key: version.key,
    version: 1,
    on: config.on,
    salt: config.salt ?? `${version.key}-salt`,
    variations: version.variations?.map((v) => v.value) ?? BOOLEAN_VARIATIONS,
    ...(config.offVariation === undefined ? {} : { offVariation: config.offVariation }),
    fallthrough: sdkRuleOf(config.fallthrough ?? {}),
    rules,
    ...(disabledRules.length > 0 ? { disabledRules } : {}),
    targets: config.targets ?? [],
    contextTargets: config.contextTargets ?? [],
    prerequisites: config.prerequisites ?? [],
  };
}

function sdkRuleOf(rule: NonNullable<EnvironmentConfig['fallthrough']>): SdkRule {
  return {
    ...(rule.variation === undefined ? {} : { variation: rule.variation }),
    ...(rule.rollout ? { rollout: { ...rule.rollout, variations: rule.rollout.variations.map((v) => ({ ...v })) } } : {}),
  };
}

/** A flag's rule by id, enabled or disabled. */
export function ruleIn(flag: SdkFlag, id: string): SdkRule | DisabledRule | undefined {
  return flag.rules.find((r) => r.id === id) ?? flag.disabledRules?.find((r) => r.id === id);
}

/** Enables a disabled rule: back among the rules the SDK evaluates, in its place among them. */
export function enableRule(flag: SdkFlag, rule: DisabledRule): SdkRule {
  const { disabled: _, position, ...enabled } = rule;
  flag.disabledRules = flag.disabledRules?.filter((r) => r !== rule);
  const disabledBefore = flag.disabledRules?.filter((r) => r.position < position).length ?? 0;
  flag.rules.splice(position - disabledBefore, 0, enabled);
  if (flag.disabledRules?.length === 0) delete flag.disabledRules;
  return enabled;
}

/** A flag by key: its own, never Object.prototype's (a flag named `constructor` is a flag). */
export function ownFlag(flags: Record<string, SdkFlag>, key: string): SdkFlag | undefined {
  return Object.hasOwn(flags, key) ? flags[key] : undefined;
}

/** Adds a flag as an own property, whatever its key. */
function setFlag(flags: Record<string, SdkFlag>, key: string, flag: SdkFlag): SdkFlag {
  Object.defineProperty(flags, key, { value: flag, enumerable: true, writable: true, configurable: true });
  return flag;
}
