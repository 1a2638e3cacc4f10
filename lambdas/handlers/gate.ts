/**
 * The CD gate Lambda, invoked with IAM (no public endpoint): `{ flag, environment, targetPercent, ruleId? }`
 * in, allow or deny with the reasons and evidence out (lambdas/core/gate.ts).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { loadAllHeads } from '../adapters/dynamodb/head.ts';
import { releasesUntil, timelineReadAt } from '../adapters/dynamodb/releases.ts';
import type { GuardrailConfig } from '../core/config-schema.ts';
import { fieldPath, InputError } from '../core/errors.ts';
import { decideGate, type GateAnswer } from '../core/gate.ts';
import { MAX_NAME_LENGTH } from '../core/input-bounds.ts';
import { planShards } from '../core/shards.ts';
import type { ReleaseLog, StateStore, TimelineReads } from '../ports.ts';
import '../core/zod-messages.ts';
import { clientOptions } from './shared/aws-clients.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';

const key = () => z.string().check(z.minLength(1), z.maxLength(MAX_NAME_LENGTH));
const requestSchema = z.strictObject({
  flag: key(),
  environment: key(),
  targetPercent: z.number().check(z.minimum(0), z.maximum(100)),
  ruleId: z.optional(key()),
});

/** `timelineReadAt` where the timeline is read back from LaunchDarkly (`launchDarkly` configured): without a recent read the gate is blind to steps. */
export function createGateHandler(
  config: GuardrailConfig,
  store: Pick<StateStore, 'load'> & Pick<ReleaseLog, 'releases'> & Partial<Pick<TimelineReads, 'timelineReadAt'>>,
  now: () => number = Date.now,
): (event: unknown) => Promise<GateAnswer> {
  return async (event) => {
    const request = requestSchema.safeParse(event);
    if (!request.success) {
      const issue = request.error.issues[0]!;
      return {
        verdict: 'unknown',
        reasons: [`bad request: field \`${fieldPath(issue.path) || '(body)'}\`: ${issue.message}`],
        evidence: {},
      };
    }
    const time = now();
    const [state, releases, readAt] = await Promise.all([
      reading("the guardrail's state", store.load()),
      reading('the release timeline', store.releases(time)),
      store.timelineReadAt?.(),
    ]);
    if ('answer' in state) return state.answer;
    if ('answer' in releases) return releases.answer;
    const timelineRead = store.timelineReadAt ? { at: readAt } : undefined;
    return decideGate(state.value, releases.value, config, request.data, time, timelineRead ? { timelineRead } : {});
  };
}

/**
 * What the store read, or the answer for what it could not. A state or release that is not one
 * (corrupt, or saved in a format this code does not read: the store's InputError) is an answer,
 * "cannot decide", naming which and what is wrong; a store that fails otherwise rejects: the
 * caller is told the gate did not answer. Neither is ever an allow.
 */
async function reading<T>(what: string, read: Promise<T>): Promise<{ value: T } | { answer: GateAnswer }> {
  try {
    return { value: await read };
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return { answer: { verdict: 'unknown', reasons: [`${what} cannot be read: ${error.message}`], evidence: {} } };
  }
}

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions()));
let wired: ReturnType<typeof createGateHandler> | undefined;

export const handler = (event: unknown): Promise<GateAnswer> => {
  if (!wired) {
    const config = configFromEnvironment();
    const table = { client: dynamo, name: requiredEnvironment('TABLE_NAME') };
    // Every shard's head: the gate answers for the whole guardrail, and reads no series (nor carries their code).
    const shards = planShards(config).map((s) => s.id);
    wired = createGateHandler(config, {
      load: () => loadAllHeads(table, shards),
      releases: (until) => releasesUntil(table, until),
      // Read back by the backfill, where LaunchDarkly is configured (lib/intake.ts).
      ...(config.launchDarkly ? { timelineReadAt: () => timelineReadAt(table) } : {}),
    });
  }
  return wired(event);
};
