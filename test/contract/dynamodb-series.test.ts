/**
 * The DynamoDB store's series layout against dynalite: what a run saved (its journal entry, its
 * head, a share of the checkpoints) loads back, in another container, as the very state the run
 * held; containers taking turns catch up from each other's journal; the gate reads every shard's
 * head; a deployment from before shards carries its state over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveLegacyState } from '../../lambdas/adapters/dynamodb/legacy.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { MemoryStateStore, RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { type RunPorts, runOnce } from '../../lambdas/app/run-once.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import type { GuardrailState } from '../../lambdas/core/state.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { stormRolloutStep } from '../support/storm.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');
const config = parseConfig('clusters: [c]\ncadence: { idleMinutes: 1 }\n');
const step: ReleaseEvent = stormRolloutStep({ id: 's', time: t0 + 99 * MINUTE, fromPercent: 0, toPercent: 1 });
const runAt = (minute: number) => t0 + minute * MINUTE + config.publishDelaySeconds * 1000;

/** 40 brokers × 4 signals; connection creation ×4 from minute 100; broker 7 silent from minute 60 to 90. */
const metrics: RunPorts['metrics'] = {
  read: async (from, to) => ({
    series: [1, 2, 3, 4].flatMap((_, k) =>
      Array.from({ length: 40 }, (_, b): MetricSeries => {
        const signal = ['ConnectionCreationRate', 'ConnectionCount', 'ClientConnectionCount', 'HeapMemoryAfterGC'][k]!;
        const points = [];
        for (let t = Math.ceil((from + 1) / MINUTE) * MINUTE; t <= to; t += MINUTE) {
          const m = (t - t0) / MINUTE;
          if (b === 7 && m >= 60 && m < 90) continue;
          const level = signal === 'HeapMemoryAfterGC' ? 40 : 100;
          points.push({
            time: t,
            value: level * (1 + 0.04 * Math.sin(m * 1.3 + b + k)) * (signal === 'ConnectionCreationRate' && m >= 100 ? 4 : 1),
          });
        }
        return { key: `${signal} c ${b}`, signal, cluster: 'c', dimensions: { 'Cluster Name': 'c', 'Broker ID': String(b) }, points };
      }),
    ),
    warnings: [],
  }),
};
const ports = (store: RunPorts['store']): RunPorts => ({
  metrics,
  timeline: { releases: async (until) => (until >= step.time ? [step] : []) },
  store,
  flags: new RecordingFlagController(),
  notifiers: [],
});

let dynamo: LocalDynamo;
beforeAll(async () => {
  dynamo = await localDynamo();
});
afterAll(() => dynamo.close());

const store = (shard: string) => new DynamoStore(dynamo.client, dynamo.table, { shard, config });
/**
 * The state but its outbox: the memory store keeps alerts delivered after its save in the outbox
 * for ever (each run saves what it loaded before delivering); this store drains them at the next save.
 */
const withoutOutbox = (state: GuardrailState | undefined) => ({ ...state!, outbox: undefined });

describe('DynamoStore series: checkpoints and journal', () => {
  it('loads, in a new container, the state each run held: bit for bit, with episodes, blind series and a rollback along the way', async () => {
    const reference = new MemoryStateStore();
    const container = store('a');
    let held: GuardrailState | undefined;
    for (let minute = 1; minute <= 130; minute++) {
      const expected = await runOnce(config, ports(reference), runAt(minute));
      const result = await runOnce(config, ports(container), runAt(minute));
      expect(result.read && result.state.revision).toBe(expected.read && expected.state.revision);
      if (result.read) held = result.state;
      if (minute % 23 === 0 || minute === 130) {
        const loaded = await store('a').load();
        // The series as the run held them; the rest as it saved them (alerts it delivered after saving stay in the outbox until the next save).
        expect(loaded!.series, `minute ${minute}`).toEqual(held!.series);
        expect(withoutOutbox(loaded), `minute ${minute}`).toEqual(withoutOutbox(await reference.load()));
      }
    }
    expect(held!.episodes.length).toBeGreaterThan(0);
    expect(held!.freezes['storm/production']).toBeDefined();
    // The blind alerts of minute 65 went out: after the next save, no outbox is left.
    expect((await store('a').load())!.outbox).toBeUndefined();
  }, 60_000);

  it('catches up, in each of two containers taking turns, from what the other saved', async () => {
    const reference = new MemoryStateStore();
    const containers = [store('b'), store('b')];
    for (let minute = 1; minute <= 70; minute++) {
      await runOnce(config, ports(reference), runAt(minute));
      const result = await runOnce(config, ports(containers[Math.floor(minute / 7) % 2]!), runAt(minute));
      if (minute % 10 === 0) expect(result.read && result.state.series).toEqual((await reference.load())!.series);
    }
    expect(withoutOutbox(await store('b').load())).toEqual(withoutOutbox(await reference.load()));
  }, 60_000);

  it('gives the gate every shard: episodes and freezes merged, the stalest evaluation, blind series and those over their headroom', async () => {
    const view = await new DynamoStore(dynamo.client, dynamo.table).loadAll();
    expect(view!.evaluatedAt).toBe(t0 + 70 * MINUTE); // shard b stopped at 70, shard a at 130
    expect(view!.freezes['storm/production']).toBeDefined();
    expect(view!.episodes.length).toBeGreaterThan(0);
    expect(Object.keys(view!.series).length).toBeLessThan(10);
  });

  it('carries a deployment from before shards over: shard 0 starts from the old items, then keeps its own', async () => {
    const old = await localDynamo();
    try {
      const reference = new MemoryStateStore();
      for (let minute = 1; minute <= 40; minute++) await runOnce(config, ports(reference), runAt(minute));
      const state = (await reference.load())!;
      await saveLegacyState(old.client, old.table, structuredClone({ ...state, revision: 0 }));
      const shard0 = new DynamoStore(old.client, old.table, { config });
      expect((await shard0.load())!.series).toEqual(state.series);
      for (let minute = 41; minute <= 45; minute++) {
        await runOnce(config, ports(reference), runAt(minute));
        await runOnce(config, ports(shard0), runAt(minute));
      }
      const loaded = await new DynamoStore(old.client, old.table, { config }).load();
      expect(loaded!.series).toEqual((await reference.load())!.series);
    } finally {
      await old.close();
    }
  }, 60_000);
});
