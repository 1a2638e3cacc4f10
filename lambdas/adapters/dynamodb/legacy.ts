/**
 * The state layout before shards and the journal: one `guardrail`/`state` item with the list of
 * series, and one `series#<key>`/`state` item per series, every one written by every run. Read
 * once to carry a deployment's state over (its shard '0' starts from it), and kept whole as a
 * store for the cost benchmark's "before" column.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { parseInput, StateConflictError } from '../../core/errors.ts';
import type { SeriesState } from '../../core/series.ts';
import type { GuardrailState } from '../../core/state.ts';
import { checkedState, stateFieldsSchema } from '../../core/state-schema.ts';
import '../../core/zod-messages.ts';
import type { ReleaseLog, StateStore } from '../../ports.ts';
import { itemName } from './table.ts';

const GET_BATCH = 100;
const WRITE_BATCH = 25;
const BATCH_RETRIES = 5;

interface StoredState extends Omit<GuardrailState, 'series'> {
  readonly seriesKeys: string[];
}

type Client = Pick<DynamoDBDocumentClient, 'send'>;

/** The state item, checked as a state file is, before its series are read. */
const storedStateSchema = z.extend(stateFieldsSchema, { seriesKeys: z.array(z.string()) });

/** The state as the old layout kept it, or undefined when there is none. */
export async function loadLegacyState(client: Client, table: string): Promise<GuardrailState | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: table, Key: { pk: 'guardrail', sk: 'state' }, ConsistentRead: true }));
  if (!Item) return undefined;
  const body: unknown = JSON.parse(Item.body as string);
  parseInput(storedStateSchema, body, { file: itemName(Item) });
  const { seriesKeys, ...stored } = body as StoredState;
  const series: Record<string, SeriesState> = {};
  for (let i = 0; i < seriesKeys.length; i += GET_BATCH) {
    for (const item of await batchGet(
      client,
      table,
      seriesKeys.slice(i, i + GET_BATCH).map((key) => ({ pk: `series#${key}`, sk: 'state' })),
    )) {
      const state = JSON.parse(item.body as string) as SeriesState;
      series[state.key] = state;
    }
  }
  return checkedState({ ...stored, revision: Item.revision, series }, `${itemName(Item)} and its series items`);
}

/** Saves in the old layout: the state item (conditional on its revision), then every series item. */
export async function saveLegacyState(client: Client, table: string, state: GuardrailState): Promise<void> {
  const { series, ...rest } = state;
  const stored: StoredState = { ...rest, seriesKeys: Object.keys(series) };
  try {
    await client.send(
      new PutCommand({
        TableName: table,
        Item: { pk: 'guardrail', sk: 'state', revision: state.revision + 1, body: JSON.stringify(stored) },
        ConditionExpression: 'attribute_not_exists(pk) OR revision = :loaded',
        ExpressionAttributeValues: { ':loaded': state.revision },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new StateConflictError();
    throw error;
  }
  state.revision++;
  const items = Object.values(series).map((s) => ({ pk: `series#${s.key}`, sk: 'state', body: JSON.stringify(s) }));
  for (let i = 0; i < items.length; i += WRITE_BATCH) await batchPut(client, table, items.slice(i, i + WRITE_BATCH));
}

/** A store in the old layout: state loaded and saved whole every run; decisions and releases as the given store keeps them. */
export function legacyStore<T extends StateStore & ReleaseLog>(store: T, client: Client, table: string): StateStore & ReleaseLog {
  return {
    load: () => loadLegacyState(client, table),
    save: (state) => saveLegacyState(client, table, state),
    recordDecision: (d) => store.recordDecision(d),
    recordOutcome: (id, o) => store.recordOutcome(id, o),
    pendingDecisions: (since) => store.pendingDecisions(since),
    resumeDecision: (id, now) => store.resumeDecision(id, now),
    recordAlerted: (id) => store.recordAlerted(id),
    claimAlert: (key, now) => store.claimAlert(key, now),
    recordAlertSent: (key, now) => store.recordAlertSent(key, now),
    releases: (until) => store.releases(until),
    addReleases: (releases) => store.addReleases(releases),
  };
}

async function batchGet(client: Client, table: string, keys: Array<Record<string, string>>): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let pending: Array<Record<string, unknown>> | undefined = keys;
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} keys unread after ${BATCH_RETRIES} retries`);
    if (attempt > 0) await backoff(attempt);
    const output: BatchGetCommandOutput = await client.send(
      new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
    );
    items.push(...(output.Responses?.[table] ?? []));
    pending = output.UnprocessedKeys?.[table]?.Keys;
  }
  return items;
}

async function batchPut(client: Client, table: string, items: Array<Record<string, unknown>>): Promise<void> {
  let pending: Array<{ PutRequest?: { Item?: Record<string, unknown> } }> | undefined = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} items unwritten after ${BATCH_RETRIES} retries`);
    if (attempt > 0) await backoff(attempt);
    const output: BatchWriteCommandOutput = await client.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
    pending = output.UnprocessedItems?.[table] as typeof pending;
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}
