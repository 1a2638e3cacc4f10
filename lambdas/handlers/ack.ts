/**
 * The acknowledge Lambda, invoked with IAM (no public endpoint): `{ flag, environment, by, reason }`
 * in, the freeze lifted (or why not) out. CloudTrail records which principal invoked it; `by` is
 * what the caller says of itself, kept with the acknowledgement.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { DynamoStore } from '../adapters/dynamodb/store.ts';
import { acknowledge } from '../app/acknowledge.ts';
import { fieldPath, StormguardError } from '../core/errors.ts';
import type { Acknowledgement } from '../core/freeze.ts';
import type { StateStore } from '../ports.ts';
import { requiredEnvironment } from './shared/environment.ts';

const requestSchema = z
  .object({
    flag: z.string().min(1).max(256),
    environment: z.string().min(1).max(256),
    by: z.string().min(1).max(256),
    reason: z.string().min(1).max(1000),
  })
  .strict();

export type AckAnswer =
  | { readonly acknowledged: true; readonly acknowledgement: Acknowledgement }
  | { readonly acknowledged: false; readonly reason: string };

export function createAckHandler(
  store: Pick<StateStore, 'load' | 'save'>,
  now: () => number = Date.now,
): (event: unknown) => Promise<AckAnswer> {
  return async (event) => {
    const request = requestSchema.safeParse(event);
    if (!request.success) {
      const issue = request.error.issues[0]!;
      return { acknowledged: false, reason: `bad request: field \`${fieldPath(issue.path) || '(body)'}\`: ${issue.message}` };
    }
    try {
      return { acknowledged: true, acknowledgement: await acknowledge(store, request.data, now()) };
    } catch (error) {
      if (error instanceof StormguardError && error.code === 'NOT_FROZEN') return { acknowledged: false, reason: error.message };
      throw error;
    }
  };
}

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
let wired: ReturnType<typeof createAckHandler> | undefined;

export const handler = (event: unknown): Promise<AckAnswer> => {
  wired ??= createAckHandler(new DynamoStore(dynamo, requiredEnvironment('TABLE_NAME')));
  return wired(event);
};
