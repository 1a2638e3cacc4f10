/**
 * The effects' outbox in the table: decisions (partition `decision`, written before they are
 * acted on, kept 400 days) and alert deliveries (partition `alert`, one item per alert and
 * notifier, kept 30 days). Each is claimed by a conditional write, so of two overlapping runs
 * only one acts, alerts or resumes.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Decision, Outcome } from '../../core/decision.ts';
import type { AlertClaim, PendingDecision } from '../../ports.ts';
import { conditionally, expiry, queryEach, sortKey, type Table } from './table.ts';

const DECISION_DAYS = 400;
const ALERT_DAYS = 30;

/** Puts a decision if its id is new: false when another run recorded it first. */
export async function recordDecision(table: Table, decision: Decision): Promise<boolean> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
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

export async function recordOutcome(table: Table, decisionId: string, outcome: Outcome): Promise<void> {
  await table.client.send(
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: 'decision', sk: sortKey(decisionId) },
      UpdateExpression: 'SET outcome = :outcome',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':outcome': JSON.stringify(outcome) },
    }),
  );
}

/** Decisions since `since` whose alert is not yet delivered, with their outcome where one was recorded. */
export async function pendingDecisions(table: Table, since: number): Promise<PendingDecision[]> {
  const pending: PendingDecision[] = [];
  await queryEach(
    table,
    {
      KeyConditionExpression: 'pk = :pk',
      FilterExpression: 'alertPending = :true AND #time >= :since',
      ExpressionAttributeNames: { '#time': 'time' },
      ExpressionAttributeValues: { ':pk': 'decision', ':true': true, ':since': since },
      ConsistentRead: true,
    },
    (item) =>
      pending.push({
        decision: JSON.parse(item.body as string) as Decision,
        ...(item.outcome ? { outcome: JSON.parse(item.outcome as string) as Outcome } : {}),
      }),
  );
  return pending;
}

/** Takes an unfinished decision over from an earlier evaluation: false when another run holds it. */
export function resumeDecision(table: Table, decisionId: string, now: number): Promise<boolean> {
  return conditionally(
    table,
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: 'decision', sk: sortKey(decisionId) },
      UpdateExpression: 'SET claimedAt = :now',
      ConditionExpression: 'alertPending = :true AND claimedAt < :now',
      ExpressionAttributeValues: { ':now': now, ':true': true },
    }),
  );
}

export async function recordAlerted(table: Table, decisionId: string): Promise<void> {
  await table.client.send(
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: 'decision', sk: sortKey(decisionId) },
      UpdateExpression: 'REMOVE alertPending',
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
}

/** Claims one alert's delivery to one notifier, or says whether it was sent or is taken. */
export async function claimAlert(table: Table, key: string, now: number): Promise<AlertClaim> {
  const claimed = await conditionally(
    table,
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: 'alert', sk: sortKey(key) },
      UpdateExpression: 'SET claimedAt = :now, expiresAt = :expires',
      ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(sentAt) AND claimedAt < :now)',
      ExpressionAttributeValues: { ':now': now, ':expires': expiry(now, ALERT_DAYS) },
    }),
  );
  if (claimed) return 'claimed';
  const { Item } = await table.client.send(
    new GetCommand({ TableName: table.name, Key: { pk: 'alert', sk: sortKey(key) }, ConsistentRead: true }),
  );
  return Item?.sentAt !== undefined ? 'sent' : 'taken';
}

export async function recordAlertSent(table: Table, key: string, now: number): Promise<void> {
  await table.client.send(
    new UpdateCommand({
      TableName: table.name,
      Key: { pk: 'alert', sk: sortKey(key) },
      UpdateExpression: 'SET sentAt = :now',
      ExpressionAttributeValues: { ':now': now },
    }),
  );
}
