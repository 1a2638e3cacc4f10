/** The DynamoDB store against dynalite, a local implementation of the DynamoDB API. */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ITEM_BYTES, StateTooLargeError } from '../../lambdas/adapters/dynamodb/item-size.ts';
import { markTimelineRead, timelineReadAt } from '../../lambdas/adapters/dynamodb/releases.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import type { Decision } from '../../lambdas/core/decision.ts';
import { StateConflictError } from '../../lambdas/core/errors.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import type { WatchEntry } from '../../lambdas/core/watches.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await localDynamo();
});
afterAll(() => dynamo.close());

const seriesState = (key: string) => ({
  key,
  signal: 'ConnectionCount',
  cluster: 'c',
  dimensions: {},
  run: 0,
  runFirst: null,
  blind: false,
  detector: {
    baseline: { n: 3, mean: 1, variance: 0.1 },
    lastTime: 1000,
    run: 0,
    low: 0,
    high: 2,
    scoring: null,
    counts: { points: 3, gaps: 0, duplicates: 0, outOfOrder: 0, invalid: 0 },
  },
  history: { times: [1000], values: [1], compacted: 0 },
});

describe('DynamoStore', () => {
  it('saves and loads the state whole, series in their own items (more than one batch of each)', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const state = newGuardrailState();
    state.evaluatedAt = 123;
    for (let i = 0; i < 130; i++) state.series[`s${i}`] = seriesState(`s${i}`);
    await store.save(state);
    expect(state.revision).toBe(1);
    const loaded = await store.load();
    expect(loaded).toEqual(state);
  });

  it('refuses a save from a run that loaded an older revision', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const [first, second] = [(await store.load())!, (await store.load())!];
    await store.save(first);
    await expect(store.save(second)).rejects.toBeInstanceOf(StateConflictError);
    expect((await store.load())!.revision).toBe(first.revision);
  });

  it('records a decision once: of two runs recording it at once, one is told it was taken', async () => {
    const decision = { id: 'events/2025-08-28T14:00:00.000Z/storm/production', time: Date.parse('2025-08-28T14:01:00Z') } as Decision;
    const [a, b] = await Promise.all([
      new DynamoStore(dynamo.client, dynamo.table).recordDecision(decision),
      new DynamoStore(dynamo.client, dynamo.table).recordDecision(decision),
    ]);
    expect([a, b].sort()).toEqual([false, true]);
    await new DynamoStore(dynamo.client, dynamo.table).recordOutcome(decision.id, { status: 'applied', time: decision.time, detail: 'ok' });
  });

  it('keeps releases in time order, once each, up to the time asked', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const step = (id: string, time: number): ReleaseEvent => ({
      kind: 'rollout-step',
      id,
      time,
      flag: 'f',
      environment: 'production',
      target: { kind: 'fallthrough' },
      fromPercent: 0,
      toPercent: 1,
    });
    await store.addReleases([step('b', 2000), step('a', 1000), step('b', 2000), step('c', 3000)]);
    expect((await store.releases(2000)).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await store.releases(5000)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps when the timeline was last read back, which no read of releases meets, however late', async () => {
    const table = { client: dynamo.client, name: dynamo.table };
    expect(await timelineReadAt(table)).toBeUndefined();
    await markTimelineRead(table, 1_000);
    await markTimelineRead(table, 2_000);
    expect(await timelineReadAt(table)).toBe(2_000);
    const store = new DynamoStore(dynamo.client, dynamo.table);
    await store.addReleases([{ kind: 'deploy', id: 'd', time: 3_000, service: 's', version: '1', environment: 'production' }]);
    expect((await store.releases(Date.parse('9999-12-31T00:00:00Z'))).map((r) => r.id)).toContain('d');
  });

  it('refuses a save with an item over its limit before writing anything: the state is never split', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const loaded = (await store.load())!;
    const before = loaded.revision;
    const big = seriesState('big');
    big.history = { times: Array.from({ length: MAX_ITEM_BYTES / 8 }, (_, i) => 1_756_389_600_000 + i), values: [], compacted: 0 };
    loaded.series.big = big;
    loaded.evaluatedAt = 999;
    await expect(store.save(loaded)).rejects.toThrow(StateTooLargeError);
    await expect(store.save(loaded)).rejects.toThrow(
      /the state of series big is \d+ KB, more than the 350 KB a DynamoDB item holds here \(400 KB at most\): nothing was saved/,
    );
    const after = (await store.load())!;
    expect(after.revision).toBe(before);
    expect(after.evaluatedAt).not.toBe(999);
    expect(after.series.big).toBeUndefined();
  });

  it("keeps a shard's release watches of a thousand brokers in its head, over an item's size as text: the head is compressed", async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table, { shard: 'watching' });
    const state = newGuardrailState();
    state.evaluatedAt = 1_000;
    // As bench:cost's thousand-series shard held them: 48 watches, each naming every broker's series.
    const brokers = Array.from({ length: 150 }, (_, i) => `ConnectionCreationRate Cluster Name=msk-${i % 5}, Broker ID=${i}`);
    state.watches = Array.from(
      { length: 48 },
      (_, i) =>
        ({
          id: `deploy-${i}`,
          levels: Object.fromEntries(brokers.map((key, b) => [key, 2 + (i * 150 + b) / 1e4])),
        }) as unknown as WatchEntry,
    );
    expect(JSON.stringify(state).length).toBeGreaterThan(MAX_ITEM_BYTES);
    await store.save(state);
    expect((await new DynamoStore(dynamo.client, dynamo.table, { shard: 'watching' }).load())!.watches).toEqual(state.watches);
  });

  it('reads a head saved as JSON text, before heads were compressed', async () => {
    const saved = { ...newGuardrailState(), revision: undefined, evaluatedAt: 42, log: [], gate: { blind: [], overHeadroom: [] } };
    const item = { pk: 'guardrail', sk: 'shard#text', revision: 7, evaluatedAt: 42, busy: false, body: JSON.stringify(saved) };
    await dynamo.client.send(new PutCommand({ TableName: dynamo.table, Item: item }));
    const loaded = (await new DynamoStore(dynamo.client, dynamo.table, { shard: 'text' }).load())!;
    expect([loaded.revision, loaded.evaluatedAt]).toEqual([7, 42]);
    await new DynamoStore(dynamo.client, dynamo.table, { shard: 'text' }).save(loaded);
  });

  it('keeps keys longer than DynamoDB allows under a hash: a 3000-character series key, a decision about a 1000-character cluster', async () => {
    const store = new DynamoStore(dynamo.client, dynamo.table);
    const state = (await store.load())!;
    const key = `ConnectionCount Series=${'€'.repeat(3000)}`;
    state.series[key] = seriesState(key);
    await store.save(state);
    expect((await store.load())!.series[key]).toEqual(state.series[key]);
    const decision = {
      id: `${'c'.repeat(1000)}/2025-08-28T14:00:00.000Z/storm/production`,
      time: Date.parse('2025-08-28T14:01:00Z'),
    } as Decision;
    expect(await store.recordDecision(decision)).toBe(true);
    expect(await store.recordDecision(decision)).toBe(false);
    await store.recordOutcome(decision.id, { status: 'applied', time: decision.time, detail: 'ok' });
    expect((await store.pendingDecisions(0)).map((p) => p.decision.id)).toContain(decision.id);
  });
});
