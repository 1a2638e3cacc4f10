/** The acknowledge Lambda against dynalite: it lifts a freeze kept in the state table, in whichever shard holds it, and says who and why. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storedShards } from '../../lambdas/adapters/dynamodb/head.ts';
import { headStore } from '../../lambdas/adapters/dynamodb/head-store.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { StateConflictError } from '../../lambdas/core/errors.ts';
import { newSeriesState } from '../../lambdas/core/series.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import { createAckHandler } from '../../lambdas/handlers/ack.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';

let dynamo: LocalDynamo;
// A table of its own per test: each starts from a state that has never been saved.
beforeEach(async () => {
  dynamo = await localDynamo();
});
afterEach(() => dynamo.close());

const T0 = Date.parse('2025-08-28T14:01:00Z');
const freeze = {
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' as const },
  percent: 0,
  since: T0,
  decisionId: 'events-msk/2025-08-28T14:00:00.000Z/storm/production',
};

async function frozenStore(shard = '0'): Promise<DynamoStore> {
  const store = new DynamoStore(dynamo.client, dynamo.table, { shard });
  const state = newGuardrailState();
  state.evaluatedAt = T0;
  state.freezes['storm/production'] = freeze;
  await store.save(state);
  return store;
}

/** What the deployed Lambda lifts freezes through: a shard's head alone. */
const ackStore = (shard = '0') => headStore({ client: dynamo.client, name: dynamo.table }, shard);

describe('the acknowledge Lambda', () => {
  it('lifts the freeze in the table and keeps who lifted it and why; a second call says it is not frozen', async () => {
    await frozenStore();
    const handler = createAckHandler(ackStore(), () => T0 + 3_600_000);
    const answer = await handler({ flag: 'storm', environment: 'production', by: 'priya', reason: 'pooling fixed in 2.4.1' });
    expect(answer).toEqual({
      acknowledged: true,
      acknowledgements: [
        {
          flag: 'storm',
          environment: 'production',
          by: 'priya',
          reason: 'pooling fixed in 2.4.1',
          time: T0 + 3_600_000,
          decisionId: freeze.decisionId,
          percent: 0,
          target: freeze.target,
        },
      ],
    });
    const saved = await new DynamoStore(dynamo.client, dynamo.table).load();
    expect(saved!.freezes).toEqual({});
    expect(saved!.acknowledgements).toHaveLength(1);
    expect(await handler({ flag: 'storm', environment: 'production', by: 'priya', reason: 'again' })).toEqual({
      acknowledged: false,
      reason: 'storm in production is not frozen',
    });
  });

  it('retries when a detector run saved between its load and its save, and never loses that run', async () => {
    const store = await frozenStore();
    const ack = ackStore();
    let interfered = false;
    const racing = {
      load: () => ack.load(),
      save: async (state: Parameters<DynamoStore['save']>[0]) => {
        if (!interfered) {
          interfered = true;
          // A detector run saves first: its evaluation must survive the acknowledgement.
          const detector = (await new DynamoStore(dynamo.client, dynamo.table).load())!;
          detector.evaluatedAt = T0 + 60_000;
          await new DynamoStore(dynamo.client, dynamo.table).save(detector);
        }
        return ack.save(state);
      },
    };
    const answer = await createAckHandler(
      racing,
      () => T0 + 120_000,
    )({ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' });
    expect(answer.acknowledged).toBe(true);
    const saved = (await store.load())!;
    expect(saved.freezes).toEqual({});
    expect(saved.evaluatedAt).toBe(T0 + 60_000);
  });

  it('answers a bad request with the field it could not read, and changes nothing', async () => {
    const store = await frozenStore();
    const handler = createAckHandler(ackStore());
    expect(await handler({ flag: 'storm', environment: 'production', by: 'priya' })).toEqual({
      acknowledged: false,
      reason: 'bad request: field `reason`: missing: expected a string',
    });
    expect(await handler({ flag: 'storm', environment: 'production', by: 'priya', reason: 'x', extra: 1 })).toMatchObject({
      acknowledged: false,
    });
    expect((await store.load())!.freezes).toHaveProperty(['storm/production']);
  });

  it('lifts the freeze in the shard whose detector made it, the other shards untouched', async () => {
    const shard0 = new DynamoStore(dynamo.client, dynamo.table, { shard: '0' });
    const unfrozen = newGuardrailState();
    unfrozen.evaluatedAt = T0;
    await shard0.save(unfrozen);
    await frozenStore('1');
    const answer = await createAckHandler(
      [ackStore('0'), ackStore('1')],
      () => T0 + 60_000,
    )({ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' });
    expect(answer).toMatchObject({ acknowledged: true, acknowledgements: [{ decisionId: freeze.decisionId, by: 'priya' }] });
    expect((await new DynamoStore(dynamo.client, dynamo.table, { shard: '1' }).load())!.freezes).toEqual({});
    expect((await new DynamoStore(dynamo.client, dynamo.table, { shard: '0' }).load())!.acknowledgements ?? []).toEqual([]);
  });

  it('lifts the freeze a shard no longer planned holds (the gate still denies on it): every stored head is visited', async () => {
    await frozenStore('3');
    const table = { client: dynamo.client, name: dynamo.table };
    expect(await storedShards(table, ['0'])).toEqual(['0', '3']);
    const answer = await createAckHandler(
      async () => (await storedShards(table, ['0'])).map((id) => headStore(table, id)),
      () => T0 + 60_000,
    )({ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' });
    expect(answer).toMatchObject({ acknowledged: true, acknowledgements: [{ decisionId: freeze.decisionId, by: 'priya' }] });
    expect((await new DynamoStore(dynamo.client, dynamo.table, { shard: '3' }).load())!.freezes).toEqual({});
  });

  it("lifts the freeze in the shard's head alone: the detector keeps its series, and a run that loaded before runs again", async () => {
    const detector = new DynamoStore(dynamo.client, dynamo.table);
    const state = newGuardrailState();
    state.evaluatedAt = T0;
    state.freezes['storm/production'] = freeze;
    const key = 'ConnectionCreationRate broker 1';
    state.series[key] = { ...newSeriesState({ key, signal: 'ConnectionCreationRate', cluster: 'events-msk', dimensions: {} }) };
    state.series[key].history = { times: [T0], values: [7.5], compacted: 0 };
    await detector.save(state);
    const before = (await new DynamoStore(dynamo.client, dynamo.table).load())!;

    const answer = await createAckHandler(
      ackStore(),
      () => T0 + 60_000,
    )({ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' });
    expect(answer.acknowledged).toBe(true);
    // The container that saved reads the new head and keeps the series it holds; a fresh one rebuilds them from the table.
    for (const store of [detector, new DynamoStore(dynamo.client, dynamo.table)]) {
      const loaded = (await store.load())!;
      expect(loaded.freezes).toEqual({});
      expect(loaded.series[key]!.history.values).toEqual([7.5]);
    }
    // A run that loaded the frozen head cannot save it back over the acknowledgement.
    await expect(new DynamoStore(dynamo.client, dynamo.table).save(before)).rejects.toBeInstanceOf(StateConflictError);
  });

  it('lifts only the rule a request names, and says which rule is not frozen', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const state = newGuardrailState();
    state.evaluatedAt = T0;
    const eu = { ...freeze, target: { kind: 'rule' as const, ruleId: 'rule-eu' }, decisionId: 'eu-decision' };
    state.freezes['storm/production'] = freeze;
    state.freezes['storm/production/rule rule-eu'] = eu;
    await store.save(state);
    const handler = createAckHandler(ackStore(), () => T0 + 60_000);
    const request = { flag: 'storm', environment: 'production', by: 'priya', reason: 'EU fixed' };
    expect(await handler({ ...request, ruleId: 'rule-us' })).toEqual({
      acknowledged: false,
      reason: 'storm (rule rule-us) in production is not frozen',
    });
    expect(await handler({ ...request, ruleId: 'rule-eu' })).toMatchObject({
      acknowledged: true,
      acknowledgements: [{ decisionId: 'eu-decision' }],
    });
    expect(Object.keys((await store.load())!.freezes)).toEqual(['storm/production']);
  });

  it("tries every shard: one that fails leaves the others' lifts standing, and the answer says which failed", async () => {
    await frozenStore('1');
    const broken = {
      load: async () => {
        throw new Error('shard 0: throttled');
      },
      save: async () => {},
    };
    const request = { flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' };
    const answer = await createAckHandler([broken, ackStore('1')], () => T0 + 60_000)(request);
    expect(answer).toMatchObject({
      acknowledged: true,
      acknowledgements: [{ decisionId: freeze.decisionId }],
      failures: ['shard 0: throttled'],
    });
    await expect(createAckHandler([broken], () => T0)(request)).rejects.toThrow('shard 0: throttled');
  });
});
