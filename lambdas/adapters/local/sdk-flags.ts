/**
 * Flags in the LaunchDarkly SDK's data format (what its file data source reads), made from the
 * flags as LaunchDarkly's audit log records them: each as it stood when a replay starts (the
 * `currentVersion` of its latest change before then, else the `previousVersion` of its first), with
 * its rules and their clauses, its prerequisites, its individual targets, its variations and its
 * off variation, so that the SDK serves each context what LaunchDarkly would have.
 */
import type { EnvironmentConfig, FlagChange, FlagVersion } from '../../formats/launchdarkly.ts';
import type { WeightedVariation } from '../../formats/rollout-weights.ts';

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
  targets: unknown[];
  contextTargets: unknown[];
  prerequisites: Array<{ key: string; variation: number }>;
}

/** A boolean flag's variations, where a recorded version lists none. */
const BOOLEAN_VARIATIONS = [true, false];

/** Every recorded flag that has the environment, as it stood at `start`. */
export function flagsAsOf(changes: readonly FlagChange[], environment: string, start: number): Record<string, SdkFlag> {
  const latest = new Map<string, FlagVersion>();
  for (const change of changes) {
    const key = change.current.key;
    if (change.time < start) latest.set(key, change.current);
    else if (!latest.has(key)) latest.set(key, change.previous);
  }
  const flags: Record<string, SdkFlag> = {};
  for (const [key, version] of latest) {
    const config = Object.hasOwn(version.environments, environment) ? version.environments[environment] : undefined;
    if (config) setFlag(flags, key, sdkFlagOf(version, config));
  }
  return flags;
}

/** One flag version's environment in the SDK's format. */
export function sdkFlagOf(version: FlagVersion, config: EnvironmentConfig): SdkFlag {
  return {
    key: version.key,
    version: 1,
    on: config.on,
    salt: config.salt ?? `${version.key}-salt`,
    variations: version.variations?.map((v) => v.value) ?? BOOLEAN_VARIATIONS,
    ...(config.offVariation === undefined ? {} : { offVariation: config.offVariation }),
    fallthrough: sdkRuleOf(config.fallthrough ?? {}),
    rules: (config.rules ?? []).map((rule) => ({
      ...sdkRuleOf(rule),
      id: rule._id,
      clauses: (rule.clauses ?? []).map((c) => ({ ...c, negate: c.negate ?? false })),
      ...(rule.description ? { description: rule.description } : {}),
    })),
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

/** A flag by key: its own, never Object.prototype's (a flag named `constructor` is a flag). */
export function ownFlag(flags: Record<string, SdkFlag>, key: string): SdkFlag | undefined {
  return Object.hasOwn(flags, key) ? flags[key] : undefined;
}

/** Adds a flag as an own property, whatever its key. */
function setFlag(flags: Record<string, SdkFlag>, key: string, flag: SdkFlag): SdkFlag {
  Object.defineProperty(flags, key, { value: flag, enumerable: true, writable: true, configurable: true });
  return flag;
}
