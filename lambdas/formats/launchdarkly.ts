/**
 * LaunchDarkly's flag representation and audit-log entries (webhook payloads have the same shape):
 * the schemas, the share of traffic a target serves, and the rollout steps an entry records
 * (read from `previousVersion` and `currentVersion`; a change that moves no weight is not a step).
 */

import * as z from 'zod/mini';
import { parseInput } from '../core/errors.ts';
import { cut } from '../core/format.ts';
import { MAX_NAME_LENGTH } from '../core/input-bounds.ts';
import { type RolloutStep, type RolloutTarget, targetName } from '../core/release.ts';
import '../core/zod-messages.ts';
import { percentOfWeights, TOTAL_WEIGHT, type WeightedVariation } from './rollout-weights.ts';

const index = () => z.int().check(z.nonnegative());
const key = () => z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH));
const weightedVariation = z.object({ variation: index(), weight: z.int().check(z.minimum(0), z.maximum(TOTAL_WEIGHT)) });
/** LaunchDarkly's weights are thousandths of a percent that sum to 100%: anything else is not a rollout it would serve. */
const rollout = z.object({
  variations: z.array(weightedVariation).check(
    z.superRefine((variations, context) => {
      const sum = variations.reduce((total, v) => total + v.weight, 0);
      if (sum !== TOTAL_WEIGHT)
        context.addIssue({ code: 'custom', message: `the weights sum to ${sum}, not ${TOTAL_WEIGHT} (100%)`, input: variations });
    }),
  ),
});
/** What a target serves: one variation, or weights (the SDK's flag format holds the same). */
export const variationOrRollout = z.object({
  variation: z.optional(index()),
  rollout: z.optional(z.extend(rollout, { bucketBy: z.optional(z.string()), contextKind: z.optional(z.string()) })),
});
/** A rule's condition, as LaunchDarkly and its SDKs represent it: what a rule's contexts have in common. */
const clause = z.object({
  attribute: z.string(),
  op: z.string(),
  values: z.array(z.unknown()),
  negate: z.optional(z.boolean()),
  contextKind: z.optional(z.string()),
});
const rule = z.extend(variationOrRollout, {
  _id: key(),
  /** A disabled rule matches no context: its weights stay as they were but serve no one. */
  disabled: z.optional(z.boolean()),
  description: z.optional(z.string()),
  clauses: z.optional(z.array(clause)),
});
const individualTargets = z.array(z.object({ values: z.array(z.string()), variation: index(), contextKind: z.optional(z.string()) }));
/** A flag in one environment: what LaunchDarkly serves there (a replay's flag file holds the same, in the SDK's format). */
export const environmentConfig = z.object({
  on: z.boolean(),
  offVariation: z.optional(index()),
  fallthrough: z.optional(variationOrRollout),
  rules: z.optional(z.array(rule)),
  salt: z.optional(z.string()),
  prerequisites: z.optional(z.array(z.object({ key: key(), variation: index() }))),
  targets: z.optional(individualTargets),
  contextTargets: z.optional(individualTargets),
});
export const flagVersionSchema = z
  .object({
    key: key(),
    variations: z.optional(z.array(z.object({ value: z.unknown() }))),
    environments: z.record(key(), environmentConfig),
  })
  .check(z.superRefine((flag, context) => checkIndices(flag, context)));
export const auditEntrySchema = z.object({
  _id: z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH)),
  /** epoch milliseconds; the window is checked by the reader (timeline.ts), which names a time in seconds as such */
  date: z.number(),
  kind: z.string(),
  name: z.optional(z.string()),
  comment: z.optional(z.string()),
  member: z.optional(z.object({ email: z.optional(z.string()) })),
  previousVersion: z.optional(z.unknown()),
  currentVersion: z.optional(z.unknown()),
  /** What the entry changed, as resource specifiers (`proj/default:env/production:flag/checkout`). */
  target: z.optional(z.object({ resources: z.optional(z.array(z.string())) })),
  accesses: z.optional(z.array(z.object({ resource: z.optional(z.string()) }))),
});

/**
 * Every variation index a flag version names is one of its variations: an off variation of 5 on a
 * two-variation flag would otherwise make every served variation "not the control", 100%.
 */
function checkIndices(
  flag: { variations?: readonly unknown[] | undefined; environments: Record<string, z.output<typeof environmentConfig>> },
  context: { addIssue(issue: { code: 'custom'; message: string; input: unknown; path: PropertyKey[] }): void },
): void {
  const count = flag.variations?.length;
  if (count === undefined) return;
  const check = (value: number | undefined, path: PropertyKey[]) => {
    if (value !== undefined && value >= count)
      context.addIssue({
        code: 'custom',
        message: `variation ${value} is not one of the flag's ${count} variations (0..${count - 1})`,
        input: value,
        path,
      });
  };
  const checkTarget = (target: z.output<typeof variationOrRollout> | undefined, path: PropertyKey[]) => {
    if (!target) return;
    check(target.variation, [...path, 'variation']);
    for (const [i, v] of (target.rollout?.variations ?? []).entries())
      check(v.variation, [...path, 'rollout', 'variations', i, 'variation']);
  };
  for (const [environment, config] of Object.entries(flag.environments)) {
    const at = ['environments', environment];
    check(config.offVariation, [...at, 'offVariation']);
    checkTarget(config.fallthrough, [...at, 'fallthrough']);
    for (const [i, rule] of (config.rules ?? []).entries()) checkTarget(rule, [...at, 'rules', i]);
  }
}

export type EnvironmentConfig = z.output<typeof environmentConfig>;
export type Rule = z.output<typeof rule>;
export type Clause = z.output<typeof clause>;
export type FlagVersion = z.output<typeof flagVersionSchema>;
export type AuditEntry = z.output<typeof auditEntrySchema>;

/** Whether a timeline entry looks like a LaunchDarkly audit-log entry. */
export function isAuditEntry(item: unknown): boolean {
  return typeof item === 'object' && item !== null && '_id' in item && 'date' in item;
}

/**
 * The variation a flag's exposure is measured against: the configured control variation, else the
 * off variation (what the flag serves when off), else 1 (`false` of a boolean flag).
 */
export function controlOf(config: Pick<EnvironmentConfig, 'offVariation'>, control?: number): number {
  return control ?? config.offVariation ?? 1;
}

/** A flag's configured control variation (controlVariations), its own key's, never Object.prototype's. */
export function configuredControl(controls: Readonly<Record<string, number>>, flagKey: string): number | undefined {
  return Object.hasOwn(controls, flagKey) ? controls[flagKey] : undefined;
}

/** The configured control variation of each flag that has one (configuration `flags.<key>.controlVariation`). */
export function controlVariations(config: {
  readonly flags: Readonly<Record<string, { readonly controlVariation?: number | undefined }>>;
}): Record<string, number> {
  const controls: Record<string, number> = {};
  for (const [key, policy] of Object.entries(config.flags))
    if (policy.controlVariation !== undefined)
      Object.defineProperty(controls, key, { value: policy.controlVariation, enumerable: true, writable: true, configurable: true });
  return controls;
}

/**
 * The share of traffic, in percent, served something other than the control variation by a
 * target: what a rollout step moves, whichever of a multivariate flag's variations it serves.
 */
export function servedPercent(config: EnvironmentConfig, target: RolloutTarget, control?: number): number | undefined {
  return rulePercent(config.on, ruleOf(config, target), controlOf(config, control));
}

/** What a target's rule serves: its weights or its one variation, and whether LaunchDarkly holds it disabled. */
export interface ServingRule {
  readonly disabled?: boolean | undefined;
  readonly variation?: number | undefined;
  readonly rollout?: { readonly variations: readonly WeightedVariation[] } | undefined;
}

/**
 * servedPercent of a rule already found, in whichever representation holds it (the REST API's, or
 * the SDK's in a replay's flag file). 0 when the flag is off or the rule disabled, whatever its
 * weights (so enabling one is a step up from 0, disabling it one down to 0); undefined with no rule.
 */
export function rulePercent(on: boolean, rule: ServingRule | undefined, control: number): number | undefined {
  if (!on) return 0;
  if (!rule) return undefined;
  if (rule.disabled) return 0;
  if (rule.rollout) return percentOfWeights(rule.rollout.variations, control);
  return rule.variation === undefined ? undefined : rule.variation === control ? 0 : 100;
}

/** A target's rule (the fallthrough for the default rule), its own id's, never another's. */
export function ruleOf(config: EnvironmentConfig, target: RolloutTarget): z.output<typeof variationOrRollout> | undefined {
  return target.kind === 'fallthrough' ? config.fallthrough : config.rules?.find((r) => r._id === target.ruleId);
}

/**
 * The projects an audit entry's resource specifiers name (`proj/<key>…`). A flag's and an
 * environment's keys are only unique within a project, and a webhook hears the whole account.
 * Empty where the entry names none (a hand-written timeline).
 */
export function projectsOf(entry: Pick<AuditEntry, 'target' | 'accesses'>): string[] {
  const specifiers = [...(entry.target?.resources ?? []), ...(entry.accesses ?? []).flatMap((a) => (a.resource ? [a.resource] : []))];
  const projects = specifiers.flatMap((specifier) => /^proj\/([^:;]+)/.exec(specifier)?.[1] ?? []);
  return [...new Set(projects)];
}

/** A flag change one audit entry records: the flag before and after it. */
export interface FlagChange {
  readonly time: number;
  readonly id: string;
  readonly previous: FlagVersion;
  readonly current: FlagVersion;
}

/** An audit entry's flag versions, checked: an InputError names the file and the entry's field. */
export function flagChangeOf(entry: AuditEntry, source: string, field: string): FlagChange {
  return {
    time: entry.date,
    id: entry._id,
    previous: parseInput(flagVersionSchema, entry.previousVersion, { file: source, field: `${field}.previousVersion` }),
    current: parseInput(flagVersionSchema, entry.currentVersion, { file: source, field: `${field}.currentVersion` }),
  };
}

/** A rule's label quotes a clause's first values, and is cut to this many characters: a rule of 4,000 keys is named, not listed. */
const LABEL_VALUES = 3;
const MAX_LABEL = 200;

/**
 * A rule as people read it: its description, else its clauses (`region is one of eu, uk and plan is
 * not one of free`); undefined when it has neither. At most MAX_LABEL characters: it is quoted in
 * every alert's title and text.
 */
export function ruleLabel(r: Pick<Rule, 'description' | 'clauses'>): string | undefined {
  const label = r.description?.trim() || clausesLabel(r.clauses ?? []);
  if (!label) return undefined;
  return cut(label, MAX_LABEL);
}

function clausesLabel(clauses: readonly Clause[]): string {
  return clauses
    .map((c) => {
      const op = c.op === 'in' ? (c.negate ? 'is not one of' : 'is one of') : `${c.negate ? 'not ' : ''}${c.op}`;
      const more = c.values.length > LABEL_VALUES ? ` and ${c.values.length - LABEL_VALUES} more` : '';
      return `${c.attribute} ${op} ${c.values.slice(0, LABEL_VALUES).map(String).join(', ')}${more}`;
    })
    .join(' and ');
}

/** The rollout steps one audit entry records, per environment and target (a rule named as people read it). */
export function stepsOf(entry: AuditEntry, change: FlagChange, controls: Readonly<Record<string, number>> = {}): RolloutStep[] {
  const { previous: before, current: after } = change;
  const control = configuredControl(controls, after.key);
  const steps: RolloutStep[] = [];
  for (const [environment, config] of Object.entries(after.environments)) {
    // A key such as `constructor` is an environment like any other, not Object.prototype's.
    const previous = Object.hasOwn(before.environments, environment) ? before.environments[environment] : undefined;
    if (!previous) continue;
    const targets: RolloutTarget[] = [
      { kind: 'fallthrough' },
      ...(config.rules ?? []).map((r) => ({ kind: 'rule' as const, ruleId: r._id, label: ruleLabel(r) })),
    ];
    for (const target of targets) {
      const fromPercent = servedPercent(previous, target, control) ?? 0;
      const toPercent = servedPercent(config, target, control);
      if (toPercent === undefined || toPercent === fromPercent) continue;
      steps.push({
        kind: 'rollout-step',
        id: `${entry._id}/${environment}/${targetName(target)}`,
        time: entry.date,
        flag: after.key,
        environment,
        target,
        fromPercent,
        toPercent,
        ...(entry.member?.email ? { by: entry.member.email } : {}),
        ...(entry.comment ? { comment: entry.comment } : {}),
      });
    }
  }
  return steps;
}
