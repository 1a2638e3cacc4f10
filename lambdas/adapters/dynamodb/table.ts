/**
 * The table's shared mechanics, for every concept the store keeps in it: bounded keys, time to
 * live, paged queries, batched puts with retries, and conditional writes that report whether
 * their condition held.
 */
import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type UpdateCommand,
} from '@aws-sdk/lib-dynamodb';

/** DynamoDB's key limits: 2048 bytes for the partition key, 1024 for the sort key. */
const MAX_SK_BYTES = 1024;
/** BatchGetItem and BatchWriteItem limits. */
export const WRITE_BATCH = 25;
/** Unprocessed batch items are retried this many times, with backoff, before giving up. */
const BATCH_RETRIES = 5;

export type Item = Record<string, unknown>;

/** An item as an error names it: by its keys. */
export function itemName(item: Item): string {
  return `DynamoDB item ${String(item.pk)}/${String(item.sk)}`;
}

/** The client and the table's name: what every reader and writer of the table is given. */
export interface Table {
  readonly client: Pick<DynamoDBDocumentClient, 'send'>;
  readonly name: string;
}

/** A key within `maxBytes`: as it is, or its start and a SHA-256 of the whole. */
export function boundedKey(key: string, maxBytes: number): string {
  if (Buffer.byteLength(key) <= maxBytes) return key;
  const hash = createHash('sha256').update(key).digest('hex');
  // Characters, not bytes, are cut: a quarter of the budget is safe whatever the encoding.
  return `${[...key].slice(0, Math.floor((maxBytes - hash.length - 1) / 4)).join('')}#${hash}`;
}

export const sortKey = (key: string) => boundedKey(key, MAX_SK_BYTES);

/** The `expiresAt` (epoch seconds) of an item written at `time` and kept for `days`. */
export function expiry(time: number, days: number): number {
  return Math.floor(time / 1000) + days * 86_400;
}

/** Every page of a query (read to its end), each item given to `each`. */
export async function queryEach(
  table: Table,
  query: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  each: (item: Item) => void,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await table.client.send(
      new QueryCommand({ TableName: table.name, ...query, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    for (const item of page.Items ?? []) each(item);
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Every item of partition `pk` with a sort key between `from` and `to`, read consistently. */
export async function queryAll(table: Table, pk: string, from: string, to: string): Promise<Item[]> {
  const items: Item[] = [];
  await queryEach(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
      ConsistentRead: true,
    },
    (item) => items.push(item),
  );
  return items;
}

/** Puts up to WRITE_BATCH items, retrying those DynamoDB leaves unprocessed. */
export async function batchPut(table: Table, items: Array<Record<string, unknown>>): Promise<void> {
  let pending: Array<{ PutRequest?: { Item?: Record<string, unknown> } }> | undefined = items.map((Item) => ({ PutRequest: { Item } }));
  for (let attempt = 0; pending && pending.length > 0; attempt++) {
    if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} items unwritten after ${BATCH_RETRIES} retries`);
    if (attempt > 0) await backoff(attempt);
    const output: BatchWriteCommandOutput = await table.client.send(
      new BatchWriteCommand({ RequestItems: { [table.name]: pending as never } }),
    );
    pending = output.UnprocessedItems?.[table.name] as typeof pending;
  }
}

/** A conditional write: false when its condition did not hold. */
export async function conditionally(table: Table, command: UpdateCommand): Promise<boolean> {
  try {
    await table.client.send(command);
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}
