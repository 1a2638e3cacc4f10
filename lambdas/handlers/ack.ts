/**
 * The acknowledge Lambda, invoked with IAM (no public endpoint): `{ flag, environment, by, reason }`
 * in, the freeze lifted (or why not) out. CloudTrail records which principal invoked it; `by` is
 * what the caller says of itself, kept with the acknowledgement. Each shard keeps the freezes its
 * detector made: the flag's freeze is lifted in every shard that holds one, in the shard's head
 * alone (adapters/dynamodb/head-store.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { storedShards } from '../adapters/dynamodb/head.ts';
import { headStore } from '../adapters/dynamodb/head-store.ts';
import { acknowledge } from '../app/acknowledge.ts';
import { fieldPath, StormguardError } from '../core/errors.ts';
import type { Acknowledgement } from '../core/freeze.ts';
import { planShards } from '../core/shards.ts';
import type { StateStore } from '../ports.ts';
import { clientOptions } from './shared/aws-clients.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';

const bounded = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));
const requestSchema = z.strictObject({
  flag: bounded(256),
  environment: bounded(256),
  by: bounded(256),
  reason: bounded(1000),
  ruleId: z.optional(bounded(256)),
});

export type AckAnswer =
  | {
      readonly acknowledged: true;
      /** Every freeze lifted, of every shard. */
      readonly acknowledgements: Acknowledgement[];
      /** Shards where lifting failed (the others' lifts stand): on-call asks again. */
      readonly failures?: string[];
    }
  | { readonly acknowledged: false; readonly reason: string };

type AckStore = Pick<StateStore, 'load' | 'save'>;

/**
 * `stores`: the state store, or each shard's (or how to find them, each time: a retired shard's
 * freezes are lifted too); every shard is tried, and the answer says what each lifted or why it failed.
 */
export function createAckHandler(
  stores: AckStore | readonly AckStore[] | (() => Promise<readonly AckStore[]>),
  now: () => number = Date.now,
): (event: unknown) => Promise<AckAnswer> {
  const shardsOf = async (): Promise<readonly AckStore[]> =>
    typeof stores === 'function' ? stores() : Array.isArray(stores) ? (stores as readonly AckStore[]) : [stores as AckStore];
  return async (event) => {
    const request = requestSchema.safeParse(event);
    if (!request.success) {
      const issue = request.error.issues[0]!;
      return { acknowledged: false, reason: `bad request: field \`${fieldPath(issue.path) || '(body)'}\`: ${issue.message}` };
    }
    const time = now();
    const lifted: Acknowledgement[] = [];
    const failures: unknown[] = [];
    let notFrozen = '';
    for (const store of await shardsOf()) {
      try {
        lifted.push(...(await acknowledge(store, request.data, time)));
      } catch (error) {
        if (error instanceof StormguardError && error.code === 'NOT_FROZEN') notFrozen = error.message;
        else failures.push(error);
      }
    }
    if (lifted.length === 0 && failures.length > 0) throw failures[0];
    if (lifted.length === 0) return { acknowledged: false, reason: notFrozen };
    const failed = failures.map((e) => (e instanceof Error ? e.message : String(e)));
    return { acknowledged: true, acknowledgements: lifted, ...(failed.length > 0 ? { failures: failed } : {}) };
  };
}

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions()));
let wired: ReturnType<typeof createAckHandler> | undefined;

export const handler = (event: unknown): Promise<AckAnswer> => {
  if (!wired) {
    const table = { client: dynamo, name: requiredEnvironment('TABLE_NAME') };
    // The shards as the construct and the detector split them (core/shards.ts), and any a smaller configuration retired.
    const planned = planShards(configFromEnvironment()).map(({ id }) => id);
    wired = createAckHandler(async () => (await storedShards(table, planned)).map((id) => headStore(table, id)));
  }
  return wired(event);
};
