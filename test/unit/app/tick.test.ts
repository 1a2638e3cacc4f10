import { describe, expect, it } from 'vitest';
import { tick } from '../../../lambdas/app/tick.ts';
import type { Alert } from '../../../lambdas/core/alert.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import type { Decision } from '../../../lambdas/core/decision.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';
import type { FlagController, Notifier } from '../../../lambdas/ports.ts';
import { MINUTE, stormRate, stormStep } from '../../support/storm.ts';

/** Drives the guardrail to its rollback at minute 61 and returns what the last tick did. */
async function stormWith(
  ports: { recordDecision?: (d: Decision) => Promise<boolean>; flags?: FlagController; notifiers?: Notifier[] },
  mode = 'enforce',
) {
  const config = parseConfig(`mode: ${mode}`);
  const state = newGuardrailState();
  const recorded: string[] = [];
  const flags = ports.flags ?? { setRollout: async () => ({ status: 'applied' as const, detail: 'done' }) };
  const store = {
    recordDecision: ports.recordDecision ?? (async (d: Decision) => (recorded.push(d.id), true)),
    recordOutcome: async (id: string) => void recorded.push(`outcome ${id}`),
  };
  let last: Awaited<ReturnType<typeof tick>> | undefined;
  for (let m = 1; m <= 62; m++) {
    const batch: MetricSeries[] = [1, 2, 3].map((b) => ({
      key: `ConnectionCreationRate ${b}`,
      signal: 'ConnectionCreationRate',
      cluster: 'c',
      dimensions: { 'Broker ID': String(b) },
      points: [{ time: (m - 1) * MINUTE, value: stormRate((m - 1) * MINUTE, b) }],
    }));
    last = await tick(state, { now: m * MINUTE, series: batch, releases: m * MINUTE >= stormStep.time ? [stormStep] : [] }, config, {
      store,
      flags,
      notifiers: ports.notifiers ?? [],
    });
    if (last.decisions.length > 0) break;
  }
  return { tick: last!, recorded };
}

describe('tick', () => {
  it('records the decision before acting and the outcome after', async () => {
    const order: string[] = [];
    const { tick: t } = await stormWith({
      recordDecision: async () => (order.push('record'), true),
      flags: { setRollout: async (r) => (order.push(`set ${r.percent}`), { status: 'applied', detail: 'ok' }) },
      notifiers: [{ name: 'n', notify: async () => void order.push('notify') }],
    });
    expect(order).toEqual(['record', 'set 0', 'notify']);
    expect(t.outcomes.get(t.decisions[0]!.id)).toMatchObject({ status: 'applied', time: 61 * MINUTE });
  });

  it('does not act, nor alert, on a decision another run recorded first', async () => {
    let calls = 0;
    const sent: Alert[] = [];
    const { tick: t } = await stormWith({
      recordDecision: async () => false,
      flags: { setRollout: async () => (calls++, { status: 'applied', detail: '' }) },
      notifiers: [{ name: 'n', notify: async (a) => void sent.push(a) }],
    });
    expect(t.decisions).toHaveLength(1);
    expect(t.acted).toEqual([]);
    expect(calls).toBe(0);
    expect(sent).toEqual([]);
  });

  it('records a failed rollback as failed and says so in the alert', async () => {
    const sent: Alert[] = [];
    const { tick: t } = await stormWith({
      flags: {
        setRollout: async () => {
          throw new Error('LaunchDarkly answered 403');
        },
      },
      notifiers: [{ name: 'n', notify: async (a) => void sent.push(a) }],
    });
    expect(t.outcomes.get(t.decisions[0]!.id)).toMatchObject({ status: 'failed', detail: 'LaunchDarkly answered 403' });
    expect(sent[0]!.title).toMatch(/FAILED to roll back storm/);
  });

  it('keeps going when a notifier fails', async () => {
    const sent: Alert[] = [];
    const { tick: t } = await stormWith({
      notifiers: [
        {
          name: 'broken',
          notify: async () => {
            throw new Error('timeout');
          },
        },
        { name: 'ok', notify: async (a) => void sent.push(a) },
      ],
    });
    expect(t.notifierErrors).toEqual(['broken: timeout']);
    expect(sent).toHaveLength(1);
  });

  it('does not touch the flag in observe mode', async () => {
    let calls = 0;
    const { tick: t } = await stormWith({ flags: { setRollout: async () => (calls++, { status: 'applied', detail: '' }) } }, 'observe');
    expect(calls).toBe(0);
    expect(t.outcomes.get(t.decisions[0]!.id)?.status).toBe('observed');
    expect(t.sent[0]!.title).toMatch(/would roll back storm/);
  });
});
