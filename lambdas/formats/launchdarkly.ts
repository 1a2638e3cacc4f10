/**
 * LaunchDarkly's flag representation and audit-log entries (webhook payloads have the same shape):
 * the schemas, the share of traffic a target serves, and the rollout steps an entry records
 * (read from `previousVersion` and `currentVersion`; a change that moves no weight is not a step).
 */

import * as z from 'zod/mini';
import { parseInput } from '../core/errors.ts';
import { MAX_NAME_LENGTH } from '../core/input-bounds.ts';
import { type RolloutStep, type RolloutTarget, targetName } from '../core/release.ts';
import '../core/zod-messages.ts';
import { percentOfWeights, TOTAL_WEIGHT } from './rollout-weights.ts';

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
const variationOrRollout = z.object({
  variation: z.optional(index()),
  rollout: z.optional(rollout),
});
const environmentConfig = z.object({
  on: z.boolean(),
  offVariation: z.optional(index()),
  fallthrough: z.optional(variationOrRollout),
  rules: z.optional(z.array(z.extend(variationOrRollout, { _id: key() }))),
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
export type FlagVersion = z.output<typeof flagVersionSchema>;
export type AuditEntry = z.output<typeof auditEntrySchema>;

/** Whether a timeline entry looks like a LaunchDarkly audit-log entry. */
export function isAuditEntry(item: unknown): boolean {
  return typeof item === 'object' && item !== null && '_id' in item && 'date' in item;
}

/**
 * The share of traffic, in percent, served something other than the flag's off variation by a
 * target: what a rollout step moves. 0 when the flag is off.
 */
export function servedPercent(config: EnvironmentConfig, target: RolloutTarget): number | undefined {
  if (!config.on) return 0;
  const rule = target.kind === 'fallthrough' ? config.fallthrough : config.rules?.find((r) => r._id === target.ruleId);
  if (!rule) return undefined;
  const control = config.offVariation ?? 1;
  if (rule.rollout) return percentOfWeights(rule.rollout.variations, control);
  return rule.variation === undefined ? undefined : rule.variation === control ? 0 : 100;
}

/** The rollout steps one audit entry records, per environment and target. */
export function stepsOf(entry: AuditEntry, source: string, field: string): RolloutStep[] {
  const before = parseInput(flagVersionSchema, entry.previousVersion, { file: source, field: `${field}.previousVersion` });
  const after = parseInput(flagVersionSchema, entry.currentVersion, { file: source, field: `${field}.currentVersion` });
  const steps: RolloutStep[] = [];
  for (const [environment, config] of Object.entries(after.environments)) {
    // A key such as `constructor` is an environment like any other, not Object.prototype's.
    const previous = Object.hasOwn(before.environments, environment) ? before.environments[environment] : undefined;
    if (!previous) continue;
    const targets: RolloutTarget[] = [
      { kind: 'fallthrough' },
      ...(config.rules ?? []).map((rule) => ({ kind: 'rule' as const, ruleId: rule._id })),
    ];
    for (const target of targets) {
      const fromPercent = servedPercent(previous, target) ?? 0;
      const toPercent = servedPercent(config, target);
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
