/**
 * The share of contexts a flag's target serves its treatment, as the LaunchDarkly SDK evaluates a
 * flag file: sample contexts made to match the target (a rule's clauses give their attributes; the
 * default rule's have only a key), each evaluated with its reason, so that only contexts the SDK
 * itself sent down that target count (a prerequisite not met, or an earlier rule, takes others).
 */
import { init, integrations, type LDContext, type LDLogger } from '@launchdarkly/node-server-sdk';
import type { RolloutTarget } from '../../core/release.ts';
import { ruleIn, type SdkFlag, type SdkRule } from './sdk-flags.ts';

/** Contexts evaluated to measure a share: enough that 1% is told from 0.5% (±0.2% at 2 standard errors). */
export const SAMPLE_CONTEXTS = 10_000;
const quietLogger: LDLogger = { error() {}, warn() {}, info() {}, debug() {} };

export interface Share {
  /** Of the contexts the target served (or the flag's off variation, when off), the share served other than the control. */
  readonly share: number;
  /** How many sample contexts reached the target. */
  readonly matched: number;
}

/** Evaluates the sample contexts of `target` against the flag file at `path`. */
export async function measureShare(path: string, flag: SdkFlag, target: RolloutTarget, control: number): Promise<Share> {
  const controlValue = JSON.stringify(flag.variations[control]);
  const rule = target.kind === 'rule' ? ruleIn(flag, target.ruleId) : undefined;
  const source = new integrations.FileDataSourceFactory({ paths: [path], autoUpdate: false });
  const client = init('stormguard-local', {
    updateProcessor: source.getFactory(),
    sendEvents: false,
    diagnosticOptOut: true,
    logger: quietLogger,
  });
  try {
    await client.waitForInitialization({ timeout: 10 });
    let matched = 0;
    let treated = 0;
    for (let i = 0; i < SAMPLE_CONTEXTS; i++) {
      const detail = await client.variationDetail(flag.key, contextFor(rule, i), null);
      const reason = detail.reason as { kind?: string; ruleId?: string };
      const reached =
        reason.kind === 'OFF' ||
        (target.kind === 'fallthrough' ? reason.kind === 'FALLTHROUGH' : reason.kind === 'RULE_MATCH' && reason.ruleId === target.ruleId);
      if (!reached) continue;
      matched++;
      if (JSON.stringify(detail.value) !== controlValue) treated++;
    }
    return { share: matched > 0 ? treated / matched : 0, matched };
  } finally {
    client.close();
  }
}

/**
 * The i-th sample context for a rule (or the default rule, with no rule): each clause's context
 * kind gets the attribute a clause tests, set to a value that satisfies it.
 */
export function contextFor(rule: SdkRule | undefined, i: number): LDContext {
  const kinds = new Map<string, Record<string, unknown>>([['user', { key: `context-${i}` }]]);
  for (const clause of rule?.clauses ?? []) {
    const kind = clause.contextKind ?? 'user';
    const context = kinds.get(kind) ?? { key: `${kind}-${i}` };
    kinds.set(kind, context);
    if (clause.attribute === 'key' || clause.attribute === 'kind') continue;
    context[clause.attribute] = satisfying(clause);
  }
  if (kinds.size === 1) return { kind: 'user', ...kinds.get('user') } as LDContext;
  return { kind: 'multi', ...Object.fromEntries(kinds) } as LDContext;
}

/** A value that satisfies a clause: its first value for the matching operators, another value when negated. */
function satisfying(clause: NonNullable<SdkRule['clauses']>[number]): unknown {
  const first = clause.values[0];
  if (clause.negate) return typeof first === 'number' ? first + 1 : `not-${String(first)}`;
  if (clause.op === 'lessThan') return Number(first) - 1;
  if (clause.op === 'greaterThan') return Number(first) + 1;
  return first;
}
