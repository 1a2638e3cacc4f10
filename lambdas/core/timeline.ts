/**
 * The release timeline: rollout steps read from LaunchDarkly audit-log entries (webhook payloads
 * have the same shape) and deploy events from CD pipelines, ordered by time, deduplicated by id.
 *
 * A rollout step is a change of the share of traffic served the flag's new behaviour, per
 * environment and per targeting rule (the fallthrough or a rule's rollout), read from
 * `previousVersion` and `currentVersion`. A change that moves no weight is not a step.
 */
import { z } from 'zod';
import { InputError } from './errors.ts';
import { formatPercent } from './format.ts';

/** Where in a flag's targeting a rollout lives: the default rule, or a rule by its id. */
export type RolloutTarget = { readonly kind: 'fallthrough' } | { readonly kind: 'rule'; readonly ruleId: string };

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

export interface TimelineReadout {
  readonly events: ReleaseEvent[];
  readonly warnings: string[];
}

const PERCENT_SCALE = 1000; // LaunchDarkly weights are thousandths of a percent
export const TOTAL_WEIGHT = 100 * PERCENT_SCALE;

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
const flagVersion = z.object({
  key: z.string(),
  variations: z.array(z.object({ value: z.unknown() })).optional(),
  environments: z.record(z.string(), environmentConfig),
});
const auditEntry = z.object({
  _id: z.string().min(1),
  date: z.number().int().nonnegative(),
  kind: z.string(),
  name: z.string().optional(),
  comment: z.string().optional(),
  member: z.object({ email: z.string().optional() }).optional(),
  previousVersion: z.unknown().optional(),
  currentVersion: z.unknown().optional(),
});
const deployEvent = z.object({
  id: z.string().min(1),
  time: z.union([z.string(), z.number()]),
  service: z.string().min(1),
  version: z.string().min(1),
  environment: z.string().min(1),
  by: z.string().optional(),
});

export type EnvironmentConfig = z.infer<typeof environmentConfig>;
export type FlagVersion = z.infer<typeof flagVersion>;

/**
 * Reads timeline documents: each a JSON array of entries, an audit-log page (`{ items: [...] }`),
 * or a single entry. Entries are told apart by shape: `_id` and `date` make a LaunchDarkly audit
 * entry, `service` and `version` a deploy event.
 */
export function readTimeline(documents: ReadonlyArray<{ source: string; document: unknown }>): TimelineReadout {
  const events: ReleaseEvent[] = [];
  const warnings: string[] = [];
  for (const { source, document } of documents) {
    const items = entriesOf(document);
    items.forEach(({ item, field }) => {
      if (isObject(item) && 'service' in item && 'version' in item) {
        events.push(readDeploy(item, source, field));
      } else if (isObject(item) && '_id' in item && 'date' in item) {
        const entry = parseOrThrow(auditEntry, item, source, field);
        if (entry.kind !== 'flag') return;
        if (!entry.previousVersion || !entry.currentVersion) {
          warnings.push(`${source}: ${field} (${entry._id}) has no previousVersion/currentVersion: fetch the entry itself to read its steps`);
          return;
        }
        events.push(...stepsOf(entry, source, field));
      } else {
        throw new InputError({ file: source, field }, 'expected a LaunchDarkly audit-log entry (`_id`, `date`, …) or a deploy event (`id`, `time`, `service`, `version`, `environment`)');
      }
    });
  }
  return { events: orderedUnique(events), warnings };
}

/** Orders by time and drops repeated ids (webhooks arrive out of order and more than once). */
export function orderedUnique(events: readonly ReleaseEvent[]): ReleaseEvent[] {
  const byId = new Map<string, ReleaseEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
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
  if (rule.rollout) {
    const weight = rule.rollout.variations.filter((v) => v.variation !== control).reduce((sum, v) => sum + v.weight, 0);
    return weight / PERCENT_SCALE;
  }
  return rule.variation === undefined ? undefined : rule.variation === control ? 0 : 100;
}

/**
 * Rollout weights that serve `percent` of traffic the treatment and the rest the control
 * variation; with several treatment variations, their current proportions are kept.
 * Weights are integers summing to exactly 100000.
 */
export function weightsForPercent(
  current: ReadonlyArray<{ variation: number; weight: number }>,
  control: number,
  percent: number,
): Array<{ variation: number; weight: number }> {
  const treatmentWeight = Math.round(percent * PERCENT_SCALE);
  const treatments = current.filter((v) => v.variation !== control);
  const currentTreatment = treatments.reduce((sum, v) => sum + v.weight, 0);
  let assigned = 0;
  const scaled = treatments.map((v, i) => {
    const share = currentTreatment > 0 ? v.weight / currentTreatment : i === 0 ? 1 : 0;
    const weight = i === treatments.length - 1 ? treatmentWeight - assigned : Math.round(treatmentWeight * share);
    assigned += weight;
    return { variation: v.variation, weight };
  });
  return [...scaled, { variation: control, weight: TOTAL_WEIGHT - treatmentWeight }].sort((a, b) => a.variation - b.variation);
}

function stepsOf(entry: z.infer<typeof auditEntry>, source: string, field: string): RolloutStep[] {
  const before = parseOrThrow(flagVersion, entry.previousVersion, source, `${field}.previousVersion`);
  const after = parseOrThrow(flagVersion, entry.currentVersion, source, `${field}.currentVersion`);
  const steps: RolloutStep[] = [];
  for (const [environment, config] of Object.entries(after.environments)) {
    const previous = before.environments[environment];
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

/** A release in a few words: "storm 5% → 25%", "deploy api 2.1.0". */
export function releaseName(release: ReleaseEvent): string {
  return release.kind === 'deploy'
    ? `deploy ${release.service} ${release.version}`
    : `${release.flag} ${formatPercent(release.fromPercent)} → ${formatPercent(release.toPercent)}`;
}

export function targetName(target: RolloutTarget): string {
  return target.kind === 'fallthrough' ? 'fallthrough' : `rule ${target.ruleId}`;
}

function readDeploy(item: object, source: string, field: string): Deploy {
  const event = parseOrThrow(deployEvent, item, source, field);
  const time = typeof event.time === 'number' ? event.time : Date.parse(event.time);
  if (!Number.isFinite(time)) {
    throw new InputError({ file: source, field: `${field}.time` }, `expected an ISO 8601 time or epoch milliseconds, got ${JSON.stringify(event.time)}`);
  }
  return {
    kind: 'deploy',
    id: event.id,
    time,
    service: event.service,
    version: event.version,
    environment: event.environment,
    ...(event.by ? { by: event.by } : {}),
  };
}

function entriesOf(document: unknown): Array<{ item: unknown; field: string }> {
  if (Array.isArray(document)) return document.map((item, i) => ({ item, field: `[${i}]` }));
  if (isObject(document) && Array.isArray((document as { items?: unknown }).items)) {
    return (document as { items: unknown[] }).items.map((item, i) => ({ item, field: `items[${i}]` }));
  }
  return [{ item: document, field: '(document)' }];
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, source: string, field: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
  throw new InputError({ file: source, field: `${field}${path}` }, issue.message);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
