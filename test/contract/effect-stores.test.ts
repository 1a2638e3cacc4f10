/**
 * What every StateStore promises about unfinished decisions and alert deliveries, the same for
 * the DynamoDB table (on dynalite), the local folder and memory: a decision is pending until its
 * alert is delivered; a later evaluation takes a pending one over, one copy of a run only; an
 * alert's delivery to a notifier is claimed once, taken over when its run died, and then sent.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { FileStateStore } from '../../lambdas/adapters/local/state-files.ts';
import { MemoryStateStore } from '../../lambdas/adapters/memory/index.ts';
import type { Decision } from '../../lambdas/core/decision.ts';
import type { StateStore } from '../../lambdas/ports.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { stormRollback } from '../support/storm.ts';

const MINUTE = 60_000;
const T = Date.parse('2025-08-28T14:01:00Z');
const decision = (id: string, time = T): Decision => stormRollback({ id, time, reason: 'r' });

const dynamos: LocalDynamo[] = [];
afterAll(async () => {
  for (const d of dynamos) await d.close();
});

const stores: Array<[string, () => Promise<StateStore>]> = [
  ['memory', async () => new MemoryStateStore()],
  ['local folder', async () => new FileStateStore(await mkdtemp(join(tmpdir(), 'stormguard-effects-')))],
  [
    'DynamoDB (dynalite)',
    async () => {
      const dynamo = await localDynamo();
      dynamos.push(dynamo);
      return new DynamoStore(dynamo.client, dynamo.table);
    },
  ],
];

describe.each(stores)('%s', (_, create) => {
  it('keeps a decision pending until its alert is delivered, with its outcome once recorded', async () => {
    const store = await create();
    await store.recordDecision(decision('d1'));
    await store.recordDecision(decision('old', T - 2 * 3_600_000));
    expect(await store.pendingDecisions(T - 3_600_000)).toEqual([{ decision: decision('d1') }]);
    const outcome = { status: 'applied' as const, time: T, detail: 'ok' };
    await store.recordOutcome('d1', outcome);
    expect(await store.pendingDecisions(T - 3_600_000)).toEqual([{ decision: decision('d1'), outcome }]);
    await store.recordAlerted('d1');
    expect(await store.pendingDecisions(T - 3_600_000)).toEqual([]);
    expect(await store.resumeDecision('d1', T + MINUTE)).toBe(false);
  });

  it('lets a later evaluation take a pending decision over, and only one copy of it', async () => {
    const store = await create();
    await store.recordDecision(decision('d1'));
    expect(await store.resumeDecision('d1', T), 'the evaluation that recorded it holds it').toBe(false);
    const copies = await Promise.all(Array.from({ length: 5 }, () => store.resumeDecision('d1', T + MINUTE)));
    expect(copies.filter(Boolean)).toHaveLength(1);
    expect(await store.resumeDecision('d1', T + 2 * MINUTE), 'a later evaluation again (that run died too)').toBe(true);
    expect(await store.resumeDecision('unknown', T + 2 * MINUTE)).toBe(false);
  });

  it('claims an alert delivery once per evaluation, takes over one never sent, and knows one sent', async () => {
    const store = await create();
    const key = 'episode/events-msk/2025-08-28T14:00:00.000Z/d1 → PagerDuty';
    const copies = await Promise.all(Array.from({ length: 5 }, () => store.claimAlert(key, T)));
    expect(copies.sort()).toEqual(['claimed', 'taken', 'taken', 'taken', 'taken']);
    expect(await store.claimAlert(key, T + MINUTE), 'its run died before sending').toBe('claimed');
    await store.recordAlertSent(key, T + MINUTE);
    expect(await store.claimAlert(key, T + 2 * MINUTE)).toBe('sent');
    expect(await store.claimAlert(key, T + MINUTE)).toBe('sent');
  });

  it('the same for keys and decision ids beyond DynamoDB’s 1024-byte sort key (an alert naming a dozen decisions)', async () => {
    const store = await create();
    const key = `episode/events-msk/2025-08-28T14:00:00.000Z/${Array.from({ length: 40 }, (_, i) => `decision-${i}-${'x'.repeat(20)}`).join('+')} → PagerDuty`;
    expect(await store.claimAlert(key, T)).toBe('claimed');
    await store.recordAlertSent(key, T);
    expect(await store.claimAlert(key, T + MINUTE)).toBe('sent');
    const id = `d-${'y'.repeat(1100)}`;
    await store.recordDecision(decision(id));
    await store.recordAlerted(id);
    expect(await store.pendingDecisions(T - 3_600_000)).toEqual([]);
  });
});
