/**
 * The DynamoDB StateStore and ReleaseLog: one table, keys `pk` and `sk` (strings), `expiresAt`
 * (epoch seconds) for DynamoDB's time to live.
 *
 * | pk               | sk                    | what                                                            |
 * |------------------|-----------------------|-----------------------------------------------------------------|
 * | `guardrail`      | `state`               | episodes, freezes, cooldowns, the last evaluation, the list of series; `revision` |
 * | `series#<key>`   | `state`               | one series' detector and history (its own item: 400 KB limit, spread writes) |
 * | `decision`       | `<decision id>`       | a decision, written before it is acted on; its `outcome` after; expires after 400 days |
 * | `alert`          | `<alert id> → <notifier>` | one alert's delivery to one notifier: `claimedAt` (the evaluation), `sentAt`; expires after 30 days |
 * | `release`        | `<ISO time>#<id>`     | a release (rollout step or deploy); expires after 30 days       |
 *
 * Two runs that overlap (EventBridge delivers at least once) cannot both act or both save:
 * a decision is put only if its id is new (`attribute_not_exists`), and the state only if its
 * revision is the one that run loaded (the other gets StateConflictError). Series items are
 * written after the state, by the run whose state was saved: the `guardrail` item is the commit
 * (written first, a losing run would have overwritten the winner's series).
 *
 * A save is checked whole before anything is written: an item over MAX_ITEM_BYTES (DynamoDB
 * refuses 400 KB) fails the save with StateTooLargeError and writes nothing. (Before, a 664 KB
 * series item failed after the `guardrail` item was written: the state was split, and every later
 * run failed the same way.) The configuration's bounds keep every series item far below it
 * (config-schema.ts LIMITS). What can still fail after the commit is DynamoDB itself (throttling
 * beyond the retries): those series stay one evaluation behind the `guardrail` item, and the
 * next run re-reads the periods since (run-once.ts reads LATE_PERIODS back) and scores them.
 *
 * Keys longer than DynamoDB allows (2048 bytes for `pk`, 1024 for `sk`) are shortened to a
 * prefix and a hash of the whole: items are found by the same function, and read for their ids.
 *
 * A decision carries `alertPending` until its alert is delivered, and `claimedAt`, the evaluation
 * that holds it: a later evaluation takes an unfinished one over with a conditional update
 * (`claimedAt < now`), so of two copies of one run only one resumes it. Alert deliveries are
 * claimed the same way.
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
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { StateConflictError, StormguardError } from '../../core/errors.ts';
import type { GuardrailState } from '../../core/state.ts';
import type { SeriesState } from '../../core/series.ts';
import type { Decision } from '../../core/decision.ts';
import { orderedUnique, type ReleaseEvent } from '../../core/release.ts';
import type { Outcome } from '../../core/decision.ts';
import type { AlertClaim, PendingDecision, ReleaseLog, StateStore } from '../../ports.ts';

/** BatchGetItem and BatchWriteItem limits. */
const GET_BATCH = 100;
const WRITE_BATCH = 25;
const DECISION_DAYS = 400;
const RELEASE_DAYS = 30;
const ALERT_DAYS = 30;
/** Unprocessed batch items are retried this many times, with backoff, before giving up. */
const BATCH_RETRIES = 5;

/** DynamoDB's item limit is 400 KB, attribute names and values together: a margin below it. */
export const MAX_ITEM_BYTES = 350 * 1024;
/** DynamoDB's key limits: 2048 bytes for the partition key, 1024 for the sort key. */
const MAX_PK_BYTES = 2048;
const MAX_SK_BYTES = 1024;

/** A save refused because an item would exceed DynamoDB's limit: nothing was written. */
export class StateTooLargeError extends StormguardError {
  constructor(message: string) {
    super('STATE_TOO_LARGE', message);
    this.name = 'StateTooLargeError';
  }
}

/** A key within `maxBytes`: as it is, or its start and a SHA-256 of the whole. */
export function boundedKey(key: string, maxBytes: number): string {
  if (Buffer.byteLength(key) <= maxBytes) return key;
  const hash = createHash('sha256').update(key).digest('hex');
  // Characters, not bytes, are cut: a quarter of the budget is safe whatever the encoding.
  return `${[...key].slice(0, Math.floor((maxBytes - hash.length - 1) / 4)).join('')}#${hash}`;
}

const seriesPk = (key: string) => boundedKey(`series#${key}`, MAX_PK_BYTES);
const sortKey = (key: string) => boundedKey(key, MAX_SK_BYTES);

/** An item's size as DynamoDB counts it, near enough: the UTF-8 bytes of its names and values. */
function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) bytes += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 21);
  return bytes;
}

interface StoredState extends Omit<GuardrailState, 'series'> {
  readonly seriesKeys: string[];
}

export class DynamoStore implements StateStore, ReleaseLog {
  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
  ) {}

  async load(): Promise<GuardrailState | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: 'guardrail', sk: 'state' }, ConsistentRead: true }));
    if (!Item) return undefined;
    const { seriesKeys, ...stored } = JSON.parse(Item.body as string) as StoredState;
    const series: Record<string, SeriesState> = {};
    for (let i = 0; i < seriesKeys.length; i += GET_BATCH) {
      for (const item of await this.batchGet(seriesKeys.slice(i, i + GET_BATCH).map((key) => ({ pk: seriesPk(key), sk: 'state' })))) {
        const state = JSON.parse(item.body as string) as SeriesState;
        series[state.key] = state;
      }
    }
    return { ...stored, revision: Item.revision as number, series };
  }

  async save(state: GuardrailState): Promise<void> {
    const { series, ...rest } = state;
    const stored: StoredState = { ...rest, seriesKeys: Object.keys(series) };
    const head = { pk: 'guardrail', sk: 'state', revision: state.revision + 1, body: JSON.stringify(stored) };
    const items = Object.values(series).map((s) => ({ pk: seriesPk(s.key), sk: 'state', body: JSON.stringify(s) }));
    // Every item is checked before the first is written: a save is refused whole, never split.
    for (const item of [head, ...items]) {
      const bytes = itemBytes(item);
      if (bytes > MAX_ITEM_BYTES) {
        const what = item === head ? 'the guardrail state (episodes, freezes, the list of series)' : `the state of series ${JSON.parse(item.body).key}`;
        throw new StateTooLargeError(
          `${what} is ${Math.ceil(bytes / 1024)} KB, more than the ${MAX_ITEM_BYTES / 1024} KB a DynamoDB item holds here (400 KB at most): nothing was saved. ` +
            'A series holds its seasonal baseline (detector.seasonPeriods) and its history (correlation.lookbackMinutes over metricPeriodSeconds): lower them',
        );
      }
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: head,
          ConditionExpression: 'attribute_not_exists(pk) OR revision = :loaded',
          ExpressionAttributeValues: { ':loaded': state.revision },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError();
      throw error;
    }
    state.revision++;
    for (let i = 0; i < items.length; i += WRITE_BATCH) await this.batchPut(items.slice(i, i + WRITE_BATCH));
  }

  async recordDecision(decision: Decision): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: 'decision',
            sk: sortKey(decision.id),
            body: JSON.stringify(decision),
            time: decision.time,
            claimedAt: decision.time,
            alertPending: true,
            expiresAt: expiry(decision.time, DECISION_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'decision', sk: sortKey(decisionId) },
        UpdateExpression: 'SET outcome = :outcome',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':outcome': JSON.stringify(outcome) },
      }),
    );
  }

  async pendingDecisions(since: number): Promise<PendingDecision[]> {
    const pending: PendingDecision[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'alertPending = :true AND #time >= :since',
          ExpressionAttributeNames: { '#time': 'time' },
          ExpressionAttributeValues: { ':pk': 'decision', ':true': true, ':since': since },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        pending.push({ decision: JSON.parse(item.body as string) as Decision, ...(item.outcome ? { outcome: JSON.parse(item.outcome as string) as Outcome } : {}) });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return pending;
  }

  async resumeDecision(decisionId: string, now: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'decision', sk: sortKey(decisionId) },
        UpdateExpression: 'SET claimedAt = :now',
        ConditionExpression: 'alertPending = :true AND claimedAt < :now',
        ExpressionAttributeValues: { ':now': now, ':true': true },
      }),
    );
  }

  async recordAlerted(decisionId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.table, Key: { pk: 'decision', sk: sortKey(decisionId) }, UpdateExpression: 'REMOVE alertPending', ConditionExpression: 'attribute_exists(pk)' }),
    );
  }

  async claimAlert(key: string, now: number): Promise<AlertClaim> {
    const claimed = await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'alert', sk: sortKey(key) },
        UpdateExpression: 'SET claimedAt = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(sentAt) AND claimedAt < :now)',
        ExpressionAttributeValues: { ':now': now, ':expires': expiry(now, ALERT_DAYS) },
      }),
    );
    if (claimed) return 'claimed';
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: { pk: 'alert', sk: sortKey(key) }, ConsistentRead: true }));
    return Item?.sentAt !== undefined ? 'sent' : 'taken';
  }

  async recordAlertSent(key: string, now: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({ TableName: this.table, Key: { pk: 'alert', sk: sortKey(key) }, UpdateExpression: 'SET sentAt = :now', ExpressionAttributeValues: { ':now': now } }),
    );
  }

  /** A conditional write: false when its condition did not hold. */
  private async conditionally(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Stores releases (from webhooks, the audit-log backfill, deploy events); a repeated id is the same item. */
  async addReleases(releases: readonly ReleaseEvent[]): Promise<void> {
    const items = orderedUnique(releases).map((r) => ({ pk: 'release', sk: releaseKey(r), body: JSON.stringify(r), expiresAt: expiry(r.time, RELEASE_DAYS) }));
    for (let i = 0; i < items.length; i += WRITE_BATCH) await this.batchPut(items.slice(i, i + WRITE_BATCH));
  }

  async releases(until: number): Promise<ReleaseEvent[]> {
    const releases: ReleaseEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk <= :until',
          // The upper bound sorts after every id at that millisecond.
          ExpressionAttributeValues: { ':pk': 'release', ':until': `${new Date(until).toISOString()}#\uffff` },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) releases.push(JSON.parse(item.body as string) as ReleaseEvent);
      start = page.LastEvaluatedKey;
    } while (start);
    return orderedUnique(releases);
  }

  private async batchGet(keys: Array<Record<string, string>>): Promise<Array<Record<string, unknown>>> {
    const items: Array<Record<string, unknown>> = [];
    let pending: Array<Record<string, unknown>> | undefined = keys;
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} keys unread after ${BATCH_RETRIES} retries`);
      if (attempt > 0) await backoff(attempt);
      const output: BatchGetCommandOutput = await this.client.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(output.Responses?.[this.table] ?? []));
      pending = output.UnprocessedKeys?.[this.table]?.Keys;
    }
    return items;
  }

  private async batchPut(items: Array<Record<string, unknown>>): Promise<void> {
    let pending: Array<{ PutRequest?: { Item?: Record<string, unknown> } }> | undefined = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} items unwritten after ${BATCH_RETRIES} retries`);
      if (attempt > 0) await backoff(attempt);
      const output: BatchWriteCommandOutput = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }));
      pending = output.UnprocessedItems?.[this.table] as typeof pending;
    }
  }
}

function releaseKey(release: ReleaseEvent): string {
  return sortKey(`${new Date(release.time).toISOString()}#${release.id}`);
}

function expiry(time: number, days: number): number {
  return Math.floor(time / 1000) + days * 86_400;
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}
