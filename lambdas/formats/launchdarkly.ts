/**
 * LaunchDarkly's flag representation and audit-log entries (webhook payloads have the same shape):
 * the schemas, the share of traffic a target serves, and the rollout steps an entry records
 * (read from `previousVersion` and `currentVersion`; a change that moves no weight is not a step).
 */
import { z } from 'zod';
import { parseInput } from '../core/errors.ts';
import { type RolloutStep, type RolloutTarget, targetName } from '../core/release.ts';
import { percentOfWeights, TOTAL_WEIGHT } from './rollout-weights.ts';

const weightedVariation = z.object({ variation: z.number().int().nonnegative(), weight: z.number().int().min(0).max(TOTAL_WEIGHT) });
const variationOrRollout = z.object({
  variation: z.number().int().nonnegative().optional(),
  rollout: z.object({ variations: z.array(weightedVariation) }).optional(),
});
const environmentConfig = z.object({
  on: z.boolean(),
  offVariation: z.number().int().nonnegative().optional(),
  fallthrough: variationOrRollout.optional(),
  rules: z.array(variationOrRollout.extend({ _id: z.string() })).optional(),
});
export const flagVersionSchema = z.object({
  key: z.string(),
  variations: z.array(z.object({ value: z.unknown() })).optional(),
  environments: z.record(z.string(), environmentConfig),
});
export const auditEntrySchema = z.object({
  _id: z.string().min(1),
  date: z.number().int().nonnegative(),
  kind: z.string(),
  name: z.string().optional(),
  comment: z.string().optional(),
  member: z.object({ email: z.string().optional() }).optional(),
  previousVersion: z.unknown().optional(),
  currentVersion: z.unknown().optional(),
});

export type EnvironmentConfig = z.infer<typeof environmentConfig>;
export type FlagVersion = z.infer<typeof flagVersionSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;

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
    const previous = before.environments[environment];
    if (!previous) continue;
    const targets: RolloutTarget[] = [{ kind: 'fallthrough' }, ...(config.rules ?? []).map((rule) => ({ kind: 'rule' as const, ruleId: rule._id }))];
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
