import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../../lambdas/adapters/memory/index.ts';
import { render } from '../../../lambdas/app/effect-alerts.ts';
import { carryOut } from '../../../lambdas/app/effects.ts';
import type { Alert } from '../../../lambdas/core/alert.ts';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';
import { stormRollback, stormRolloutStep } from '../../support/storm.ts';

const T0 = Date.parse('2025-08-28T14:00:00Z');
const blind: Alert = {
  key: 'blind/c/ConnectionCount',
  id: 'blind/c/ConnectionCount/1',
  kind: 'blind',
  severity: 'warning',
  time: T0,
  title: 'blind',
  text: 'blind',
};

describe('the outbox of alerts about saved evaluations', () => {
  it('drains from the saved state once delivered, so a persisted outbox does not grow for ever', async () => {
    const store = new MemoryStateStore();
    const sent: string[] = [];
    const ports = {
      store,
      flags: { setRollout: async () => ({ status: 'applied' as const, detail: '' }) },
      notifiers: [{ name: 'n', notify: async (a: Alert) => void sent.push(a.id!) }],
    };
    const state = newGuardrailState();
    state.outbox = [blind];
    await store.save(state);
    // Each run loads what the last one saved, as a new container does.
    for (let run = 1; run <= 2; run++) {
      const loaded = (await store.load())!;
      await carryOut(loaded, { anomalies: [], decisions: [], alerts: [], findings: [] }, T0 + run * 60_000, defaultConfig(), {
        ...ports,
        commit: () => store.save(loaded),
      });
    }
    expect(sent).toEqual([blind.id]);
    expect((await store.load())!.outbox ?? []).toEqual([]);
  });
});

describe('the alert owed by a run that stopped before saving its episode', () => {
  it('names the rule, the step to off, the signal with its factor over expected, and the release, as the episode alert would', () => {
    const decision = stormRollback({
      id: 'd1',
      time: T0,
      reason: 'ConnectionCreationRate 2.0x expected',
      episodeId: 'events-msk/ConnectionCreationRate/x',
      target: { kind: 'rule', ruleId: 'r1', label: 'region is one of eu' },
      fromPercent: 25,
      turnOff: true,
      evidence: {
        release: stormRolloutStep({ id: 's1', time: T0 - 60_000, fromPercent: 5, toPercent: 25, by: 'priya@example.com' }),
        signal: 'ConnectionCreationRate',
        effect: 2.04,
      },
    });
    const alert = render(
      { kind: 'episode', time: T0, episodeId: decision.episodeId!, decisionIds: [decision.id] },
      { episodes: [], decisions: new Map([[decision.id, decision]]), outcomes: new Map(), logScale: () => true },
    );
    expect(alert.title).toBe(
      '[Stormguard] rolled back storm rule "region is one of eu" (r1) 25% → off: ConnectionCreationRate 2.04x expected',
    );
    expect(alert.text).toContain('Release: flag storm in production');
    expect(alert.text).toContain('by priya@example.com');
    expect(alert.text).toContain('Action: rolled back storm rule "region is one of eu" (r1) in production 25% → off (enforce mode).');
  });
});
