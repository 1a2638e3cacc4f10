/**
 * A state in DynamoDB that is not one (corrupt, or saved in a format this code does not read) is
 * checked as the local state.json is: an error naming the item and the field, for the detector and
 * the ack alike, and the gate's "cannot decide", never an allow from half a state.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadAllHeads } from '../../lambdas/adapters/dynamodb/head.ts';
import { headStore } from '../../lambdas/adapters/dynamodb/head-store.ts';
import { compress } from '../../lambdas/adapters/dynamodb/series-log.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { InputError } from '../../lambdas/core/errors.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import { createGateHandler } from '../../lambdas/handlers/gate.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';

const now = Date.parse('2025-08-28T16:00:00Z');
const request = { flag: 'storm', environment: 'production', targetPercent: 25 };

let dynamo: LocalDynamo;
beforeEach(async () => {
  dynamo = await localDynamo();
});
afterEach(() => dynamo.close());

/** A shard's head as the detector saves it, evaluated a minute ago, with `change` applied to its body. */
async function putHead(shard: string, change: (body: Record<string, unknown>) => void = () => {}): Promise<void> {
  const { series: _series, revision: _revision, ...fields } = { ...newGuardrailState(), evaluatedAt: now - 60_000 };
  const body: Record<string, unknown> = { ...fields, log: [], gate: { blind: [], overHeadroom: [] } };
  change(body);
  const item = { pk: 'guardrail', sk: `shard#${shard}`, revision: 3, evaluatedAt: now - 60_000, busy: false, body: compress(body) };
  await dynamo.client.send(new PutCommand({ TableName: dynamo.table, Item: item }));
}

const gate = () =>
  createGateHandler(
    parseConfig(''),
    { load: () => loadAllHeads({ client: dynamo.client, name: dynamo.table }), releases: async () => [] },
    () => now,
  );

describe('a DynamoDB state that is not one', () => {
  it('the gate allows over sound heads, and cannot decide when one of them has lost its freezes, naming the item and field', async () => {
    await putHead('0');
    expect((await gate()(request)).verdict).toBe('allow');
    await putHead('1', (body) => delete body.freezes);
    const answer = await gate()(request);
    expect(answer.verdict).toBe('unknown');
    expect(answer.reasons).toEqual([expect.stringMatching(/state cannot be read: DynamoDB item guardrail\/shard#1: field `freezes`/)]);
  });

  it('the gate cannot decide while a planned shard has saved no head: its clusters are watched by no one', async () => {
    const planned = (shards: string[]) =>
      createGateHandler(
        parseConfig(''),
        { load: () => loadAllHeads({ client: dynamo.client, name: dynamo.table }, shards), releases: async () => [] },
        () => now,
      );
    await putHead('0');
    expect((await planned(['0'])(request)).verdict).toBe('allow');
    const answer = await planned(['0', '1', '2'])(request);
    expect(answer).toMatchObject({ verdict: 'unknown' });
    expect(answer.reasons).toEqual([
      expect.stringMatching(/cannot be read: shards 1, 2 of 3 have saved no evaluation yet: their clusters are not watched/),
    ]);
  });

  it('a shard no longer planned: its stale evaluation is left out, its freezes still hold', async () => {
    await putHead('0');
    const freeze = {
      flag: 'storm',
      environment: 'production',
      target: { kind: 'fallthrough' },
      percent: 0,
      since: now - 3_600_000,
      decisionId: 'd',
    };
    await putHead('1', (body) => {
      body.evaluatedAt = now - 86_400_000;
      body.freezes = { 'storm/production': freeze };
    });
    const planned = createGateHandler(
      parseConfig(''),
      { load: () => loadAllHeads({ client: dynamo.client, name: dynamo.table }, ['0']), releases: async () => [] },
      () => now,
    );
    const answer = await planned(request);
    expect(answer.verdict).toBe('deny');
    expect(answer.reasons).toEqual([expect.stringMatching(/^frozen: storm is frozen at 0%/)]);
  });

  it('the gate cannot decide on a state item from before shards whose episodes are not a list', async () => {
    const stored = { ...newGuardrailState(), evaluatedAt: now - 60_000, episodes: 'none', seriesKeys: [] };
    const item = { pk: 'guardrail', sk: 'state', revision: 1, body: JSON.stringify(stored) };
    await dynamo.client.send(new PutCommand({ TableName: dynamo.table, Item: item }));
    const answer = await gate()(request);
    expect(answer.verdict).toBe('unknown');
    expect(answer.reasons[0]).toMatch(/DynamoDB item guardrail\/state: field `episodes`/);
  });

  it("the detector's and the ack's loads fail on it, naming the item and the field", async () => {
    await putHead('0', (body) => Object.assign(body, { setPercents: [1, 2] }));
    await expect(new DynamoStore(dynamo.client, dynamo.table).load()).rejects.toThrow(
      /DynamoDB item guardrail\/shard#0: field `setPercents`/,
    );
    await putHead('gate', (body) => Object.assign(body, { gate: { blind: 'none' } }));
    const table = { client: dynamo.client, name: dynamo.table };
    await expect(headStore(table, 'gate').load()).rejects.toBeInstanceOf(InputError);
  });
});
