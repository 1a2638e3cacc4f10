import { describe, expect, it } from 'vitest';
import { runOnce } from '../../lambdas/app/run-once.ts';
import { StateConflictError } from '../../lambdas/core/errors.ts';
import { RunBudget } from '../../lambdas/handlers/shared/budget.ts';
import {
  config,
  deployed,
  launchDarkly,
  pagerDuty,
  published,
  rollbackIncidents,
  rollbackPublishes,
  runAt,
  serving,
  stateBefore,
  useEffectsWorld,
  world,
} from '../support/effects-world.ts';
import { specAvailable } from '../support/launchdarkly.ts';
import { MINUTE } from '../support/storm.ts';

useEffectsWorld();

describe.skipIf(!specAvailable)('effects exactly once, with recovery', () => {
  it('five copies of the deciding run at once: one change, one page, one SNS alert', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    const store = await deployed(state);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => runOnce(config, world(store), runAt(minute))));
    expect(
      results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof StateConflictError),
    ).toBe(true);
    await runOnce(config, world(store), runAt(minute + 1));
    expect(launchDarkly().requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(serving()).toBe(0);
    expect(rollbackIncidents()).toHaveLength(1);
    expect(pagerDuty.events.filter((e) => e.event_action === 'trigger')).toHaveLength(1);
    expect(rollbackPublishes()).toHaveLength(1);
  }, 60_000);

  it('five copies of the run that goes blind at once: one blind alert to SNS, and no page (a warning)', async () => {
    const silentFrom = 30 * MINUTE;
    const { state, minute } = await stateBefore((r) => r.sent.some((a) => a.kind === 'blind'), silentFrom);
    const store = await deployed(state);
    await Promise.allSettled(Array.from({ length: 5 }, () => runOnce(config, world(store, { silentFrom }), runAt(minute))));
    await runOnce(config, world(store, { silentFrom }), runAt(minute + 1));
    expect(published().filter((p) => /Blind/.test(p.Subject!))).toHaveLength(1);
    expect(pagerDuty.events.filter((e) => e.dedup_key.startsWith('blind/'))).toHaveLength(0);
  }, 60_000);

  it('LaunchDarkly down past its retries: the rollback is left for the next run, not failed for good', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    const store = await deployed(state);
    for (let i = 0; i < 4; i++) launchDarkly().script.push({ method: 'PATCH', status: 503 });
    const first = await runOnce(config, world(store), runAt(minute));
    expect(first.deferred.map((d) => d.reason)).toEqual([expect.stringMatching(/LaunchDarkly did not answer after 4 attempts .*503/)]);
    expect([...first.outcomes.values()]).toEqual([]);
    expect(serving()).toBe(1);
    expect(rollbackIncidents()).toHaveLength(0);

    const second = await runOnce(config, world(store), runAt(minute + 1));
    expect(second.resumed).toHaveLength(1);
    expect(serving()).toBe(0);
    expect([...second.outcomes.values()].map((o) => o.status)).toEqual(['applied']);
    expect(rollbackIncidents()).toHaveLength(1);
  }, 60_000);

  it('the time budget: LaunchDarkly asks to wait 30 s, then PagerDuty hangs; each run ends in its budget, the next runs finish, one page', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    const store = await deployed(state);
    const budget = new RunBudget({ marginMs: 300, alertsMs: 1200 });
    const BUDGET_MS = 3000;
    const run = async (at: number) => {
      budget.start(BUDGET_MS);
      const started = Date.now();
      const result = await runOnce(config, world(store, { budget }), runAt(at));
      return { result, ms: Date.now() - started };
    };

    launchDarkly().script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '30' } });
    const first = await run(minute);
    expect(first.ms).toBeLessThan(BUDGET_MS);
    expect(first.result.deferred.map((d) => d.reason)).toEqual([
      expect.stringMatching(/told to wait 30\.\d s .*429.*past the run's deadline/),
    ]);
    expect(serving()).toBe(1);
    expect(await store.pendingDecisions(0)).toHaveLength(1);

    pagerDuty.hang = true;
    const second = await run(minute + 1);
    expect(second.ms).toBeLessThan(BUDGET_MS);
    expect(second.result.resumed).toHaveLength(1);
    expect(serving()).toBe(0);
    expect(second.result.notifierErrors).toEqual([expect.stringMatching(/^PagerDuty: .*left for the next run$/)]);
    expect(rollbackPublishes()).toHaveLength(1);

    pagerDuty.hang = false;
    const third = await run(minute + 2);
    expect(third.ms).toBeLessThan(BUDGET_MS);
    expect(rollbackIncidents()).toHaveLength(1);
    expect(rollbackPublishes()).toHaveLength(1);
    expect(await store.pendingDecisions(0)).toEqual([]);
  }, 60_000);
});
