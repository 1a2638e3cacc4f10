/**
 * The kill test, over the production path (test/support/effects-world.ts): the run that decides
 * the rollback is killed after each of its steps in turn (a hook throws after the step, and every
 * later step of that run), then the schedule goes on. Whatever the step, the flag ends at 0%, one
 * PagerDuty incident is opened, one alert (by idempotency key) reaches SNS, and the state tells
 * the truth (no decision left pending, its outcome recorded, the flag frozen at 0%).
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { runOnce } from '../../lambdas/app/run-once.ts';
import {
  config,
  deployed,
  Killed,
  type Life,
  lastTable,
  launchDarkly,
  pagerDuty,
  rollbackIncidents,
  rollbackPublishes,
  runAt,
  serving,
  sns,
  stateBefore,
  useEffectsWorld,
  world,
} from '../support/effects-world.ts';
import { restFlag, specAvailable } from '../support/launchdarkly.ts';

useEffectsWorld();

describe.skipIf(!specAvailable)('effects exactly once: a run killed after any step', () => {
  it('the kill test: killed after any step between "recorded" and "alerted", the next runs finish it: flag at 0%, one page, a state that tells the truth', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    // The run undisturbed, to count its steps.
    const probe: Life = { killAfter: Infinity, steps: [], dead: false };
    const undisturbed = await runOnce(config, world(await deployed(state), { life: probe }), runAt(minute));
    expect(serving()).toBe(0);
    const decisionId = undisturbed.acted[0]!.id;
    const steps = probe.steps;
    expect(steps).toEqual(
      expect.arrayContaining([
        'store.recordDecision',
        'LaunchDarkly.setRollout',
        'store.recordOutcome',
        'PagerDuty.notify',
        'SNS.notify',
        'store.recordAlerted',
        'store.save',
      ]),
    );

    const table: string[] = [];
    for (let k = 1; k <= steps.length; k++) {
      launchDarkly().flags.set('storm', restFlag('storm', 'production', 1));
      pagerDuty.events = [];
      pagerDuty.incidents.clear();
      sns.resetHistory();
      const store = await deployed(state);
      const life: Life = { killAfter: k, steps: [], dead: false };
      await expect(runOnce(config, world(store, { life }), runAt(minute))).rejects.toThrow(Killed);
      for (const next of [minute + 1, minute + 2, minute + 3]) await runOnce(config, world(store), runAt(next));

      const killedAfter = life.steps[k - 1]!;
      const ids = new Set(rollbackPublishes().map((p) => p.MessageAttributes!.id!.StringValue));
      table.push(
        `${killedAfter}: flag ${serving()}%, incidents ${rollbackIncidents().length}, PagerDuty triggers ${pagerDuty.events.filter((e) => e.event_action === 'trigger').length}, SNS ${rollbackPublishes().length} (${ids.size} id)`,
      );
      expect(serving(), killedAfter).toBe(0);
      expect(rollbackIncidents(), killedAfter).toHaveLength(1);
      expect(ids.size, killedAfter).toBe(1);
      expect(rollbackPublishes().length, killedAfter).toBeLessThanOrEqual(killedAfter === 'SNS.notify' ? 2 : 1);
      // The state tells the truth.
      expect(await store.pendingDecisions(0), killedAfter).toEqual([]);
      const saved = (await store.load())!;
      expect(saved.freezes['storm/production'], killedAfter).toMatchObject({ percent: 0 });
      expect(saved.outbox, killedAfter).toBeUndefined();
      const { client, table: TableName } = lastTable();
      const decisions = (
        await client.send(
          new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'decision' } }),
        )
      ).Items!;
      expect(
        decisions.map((d) => d.sk),
        killedAfter,
      ).toEqual([decisionId]);
      // Applied by the run that was killed or by the one after; found done already when the kill came after the change.
      expect(JSON.parse(decisions[0]!.outcome as string).status, killedAfter).toBe(
        killedAfter === 'LaunchDarkly.setRollout' ? 'unchanged' : 'applied',
      );
    }
    console.info(`kill test, ${steps.length} kill points:\n  ${table.join('\n  ')}`);
  }, 180_000);
});
