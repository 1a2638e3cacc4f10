import { describe, expect, it } from 'vitest';
import { type AlertIntent, describeRelease, renderAlert } from '../../../lambdas/core/alert.ts';
import type { Decision, Outcome } from '../../../lambdas/core/decision.ts';
import {
  anomaly,
  applied,
  attributed,
  contextOf,
  deploy,
  episodeOf,
  FLAG,
  fast,
  heap,
  MINUTE,
  release,
  revert,
  rollback,
  T0,
} from '../../support/alert-fixtures.ts';

describe('renderAlert: an episode with a rollback', () => {
  const episode = episodeOf();
  const decision = rollback();
  const intent: AlertIntent = { kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [decision.id] };
  const alert = renderAlert(intent, contextOf([episode], [decision], [[decision.id, applied()]]));

  it('is critical, keyed by its episode, and carries the episode and decision ids', () => {
    expect(alert).toMatchObject({
      kind: 'episode',
      severity: 'critical',
      key: `episode/${episode.id}`,
      time: T0 + MINUTE,
      episodeId: episode.id,
      decisionIds: [decision.id],
    });
  });

  it("says in its title what was done first, to which flag, the step, the watch's factor over expected, and the release", () => {
    expect(alert.title).toBe(
      `[Stormguard] rolled back ${FLAG} 1% → 0%: ConnectionCreationRate 2.31x expected on events-msk after ${FLAG} 0% → 1%`,
    );
  });

  it('gives in its title the factor its evidence line gives, one number for one effect', () => {
    expect(alert.text).toContain('ConnectionCreationRate 2.31x expected on events-msk from');
  });

  it('says the signal against its baseline, the release (who, when, which step), and the action with its outcome', () => {
    expect(alert.text).toContain(`Episode ${episode.id} on cluster events-msk, detected 2025-08-28 14:01 UTC.`);
    expect(alert.text).toContain(
      'Signal: ConnectionCreationRate on broker 2 = 14.8 against a baseline of 5.95 (2.3x baseline, z 7.8), first anomalous at 2025-08-28 14:00 UTC',
    );
    expect(alert.text).toContain('2 series, signals ConnectionCreationRate, ConnectionCount.');
    expect(alert.text).toContain(
      `Release: flag ${FLAG} in production (fallthrough) stepped 0% → 1% at 2025-08-28 14:00 UTC by priya.raman@example.com.`,
    );
    expect(alert.text).toContain(
      'Evidence: ConnectionCreationRate 2.31x expected on events-msk from 2025-08-28 14:00 UTC (release watch: CUSUM 9.40 ≥ 4.00 over 1 period, mean excess ≥ 1.27x, noise sd 0.0720; ' +
        'ConnectionCreationRate on broker 1 13.5 (expected 6.26), ConnectionCreationRate on broker 2 14.8 (expected 6.43)).',
    );
    expect(alert.text).toContain(
      `Action: rolled back ${FLAG} in production 1% → 0% (enforce mode, frozen until acknowledged): LaunchDarkly: verified by reading the flag back.`,
    );
  });
});

describe('renderAlert: an episode, how the action reads', () => {
  const episode = episodeOf();
  const title = (decision: Decision, outcome?: Outcome) =>
    renderAlert(
      { kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [decision.id] },
      contextOf([episode], [decision], outcome ? [[decision.id, outcome]] : []),
    );

  it('in observe mode: "would roll back", and no freeze', () => {
    const alert = title(rollback({ mode: 'observe' }), { status: 'observed', time: T0, detail: 'observe mode' });
    expect(alert.title).toContain(`would roll back ${FLAG} 1% → 0%`);
    expect(alert.text).toContain(`Action: would roll back ${FLAG} in production 1% → 0% (observe mode): observe mode.`);
  });

  it('when it failed: "FAILED to roll back", with the reason', () => {
    const alert = title(rollback(), { status: 'failed', time: T0, detail: 'LaunchDarkly answered 403' });
    expect(alert.title).toContain(`FAILED to roll back ${FLAG} 1% → 0%`);
    expect(alert.text).toContain(': LaunchDarkly answered 403.');
  });

  it('when approval is required: "requested approval to roll back"', () => {
    const alert = title(rollback(), { status: 'awaiting-approval', time: T0, detail: 'approval request 42 created' });
    expect(alert.title).toContain(`requested approval to roll back ${FLAG}`);
  });

  it('when turned off: says so instead of the step', () => {
    const alert = title(rollback({ turnOff: true }), applied('flag off'));
    expect(alert.text).toContain(
      `Action: rolled back ${FLAG} in production turned off (enforce mode, frozen until acknowledged): flag off.`,
    );
  });

  it('with fractional percentages: up to three decimals', () => {
    const alert = title(rollback({ fromPercent: 2.5, toPercent: 0.125 }));
    expect(alert.title).toContain(`rolled back ${FLAG} 2.5% → 0.125%`);
  });
});

describe('renderAlert: an episode without a decision', () => {
  it('is critical when a release moved the signal: names the release, says "no rollback" and why', () => {
    const episode = episodeOf({ holdReason: 'cooldown: rolled back 20 min ago' });
    const alert = renderAlert(
      { kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [], finding: 'audit-1/step' },
      contextOf([episode]),
    );
    expect(alert.severity).toBe('critical');
    expect(alert.key).toBe(`episode/${episode.id}`);
    expect(alert.title).toBe(`[Stormguard] ConnectionCreationRate 2.31x expected on events-msk after ${FLAG} 0% → 1%: no rollback`);
    expect(alert.text).toContain('Action: none (cooldown: rolled back 20 min ago).');
  });

  it('is a warning when no release explains it, and says so', () => {
    const episode = episodeOf({ attribution: { kind: 'none' }, holdReason: 'no release correlates' });
    const alert = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert.severity).toBe('warning');
    expect(alert.title).toBe('[Stormguard] ConnectionCreationRate 2.3x baseline on events-msk: no release correlates');
    expect(alert.text).toContain('Release: no release correlates with this episode (no release watch of its signal explains it).');
    expect(alert.text).toContain('Action: none (no release correlates).');
  });

  it('names every candidate of the same minute', () => {
    const episode = episodeOf({ attribution: { ...attributed, others: [{ ...deploy, time: T0 }] } });
    const alert = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert.text).toContain(`candidates of the same minute: ${FLAG} 0% → 1%, deploy api 2.1.0.`);
    expect(alert.title).toContain(`after ${FLAG} 0% → 1% (candidates of the same minute: ${FLAG} 0% → 1%, deploy api 2.1.0)`);
  });

  it('names a deploy it is attributed to: critical, no rollback', () => {
    const episode = episodeOf({
      attribution: { kind: 'attributed', release: deploy, others: [], evidence: fast },
      holdReason: 'the release is a deploy (api 2.1.0): Stormguard rolls back flags only',
    });
    const alert = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert.severity).toBe('critical');
    expect(alert.title).toContain('after deploy api 2.1.0: no rollback');
  });

  it('reads a heap finding as the time to its limit, with the slopes and the horizon', () => {
    const episode = episodeOf({
      signal: 'HeapMemoryAfterGC',
      openedBy: 'release-watch',
      attribution: { kind: 'attributed', release, others: [], evidence: heap },
    });
    const alert = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert.title).toBe(`[Stormguard] HeapMemoryAfterGC to its limit in 5 h 30 min on events-msk after ${FLAG} 0% → 1%: no rollback`);
    expect(alert.text).not.toContain('Signal:');
    expect(alert.text).toContain(
      'Evidence: HeapMemoryAfterGC on events-msk climbing 8.00 points/h since 2025-08-28 14:00 UTC (0.100 before the release), at 45.0%: 90.0% in 5 h 30 min (horizon 6 h).',
    );
  });

  it('reads a percent signal as points over baseline, with the time to its limit', () => {
    const first = anomaly({
      signal: 'HeapMemoryAfterGC',
      label: 'HeapMemoryAfterGC on broker 1',
      kind: 'forecast',
      value: 62.4,
      baseline: 38.1,
      effect: 24.3,
      z: 6.2,
      msToLimit: 100 * MINUTE,
    });
    const episode = episodeOf({ signal: 'HeapMemoryAfterGC', first, peak: first, attribution: { kind: 'none' } });
    const alert = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert.severity).toBe('warning');
    expect(alert.title).toContain('HeapMemoryAfterGC to its limit in 1 h 40 min on events-msk: no release correlates');
    expect(alert.text).toContain('= 62.4 against a baseline of 38.1 (+24.3 points over baseline, z 6.2, limit in 1 h 40 min)');
  });

  it('fails loudly for an episode it does not know', () => {
    expect(() => renderAlert({ kind: 'episode', time: T0, episodeId: 'nope', decisionIds: [] }, contextOf([episodeOf()]))).toThrow(
      /no episode nope/,
    );
  });
});

describe('renderAlert: resolved', () => {
  const episode = episodeOf({ resolvedAt: T0 + 15 * MINUTE });
  const alert = renderAlert({ kind: 'resolved', time: T0 + 15 * MINUTE, episodeId: episode.id }, contextOf([episode]));

  it("is info, under the same key as the episode's alert", () => {
    const opened = renderAlert({ kind: 'episode', time: T0 + MINUTE, episodeId: episode.id, decisionIds: [] }, contextOf([episode]));
    expect(alert).toMatchObject({ kind: 'resolved', severity: 'info', episodeId: episode.id });
    expect(alert.key).toBe(opened.key);
  });

  it('says which signal is back on which cluster, how long it lasted and since when it is quiet', () => {
    expect(alert.title).toBe('[Stormguard] Resolved: ConnectionCreationRate on events-msk is back within its baseline');
    expect(alert.text).toBe(`Episode ${episode.id} resolved at 2025-08-28 14:15 UTC, after 15 min; no anomaly since 2025-08-28 14:05 UTC.`);
  });

  it('gives each episode its own key', () => {
    const other = episodeOf({ id: 'events-msk/2025-08-28T18:00:00.000Z' });
    const keys = [episode, other].map((e) => renderAlert({ kind: 'resolved', time: T0, episodeId: e.id }, contextOf([episode, other])).key);
    expect(new Set(keys).size).toBe(2);
  });
});

describe('renderAlert: a reverted step-up of a frozen flag', () => {
  const alert = renderAlert(
    { kind: 'reverted', time: T0 + 60 * MINUTE, decisionId: revert.id },
    contextOf([], [revert], [[revert.id, applied('reverted')]]),
  );

  it('is critical, keyed by its freeze: the reverts of one freeze are one incident, one page; a later freeze pages again', () => {
    expect(alert).toMatchObject({
      kind: 'reverted',
      severity: 'critical',
      key: `revert/${FLAG}/production/${new Date(T0 + MINUTE).toISOString()}`,
      decisionIds: [revert.id],
    });
    const keyOf = (decision: Decision) =>
      renderAlert({ kind: 'reverted', time: T0 + 120 * MINUTE, decisionId: decision.id }, contextOf([], [decision], [])).key;
    expect(keyOf({ ...revert, id: `${revert.id}-later`, fromPercent: 25 })).toBe(alert.key);
    expect(keyOf({ ...revert, id: 'audit-9/revert', frozenSince: T0 + 300 * MINUTE })).not.toBe(alert.key);
  });

  it('names the flag, the step up and what it was reverted to', () => {
    expect(alert.title).toBe(`[Stormguard] Frozen flag ${FLAG} stepped up to 5%: reverted to 0%`);
  });

  it('names the release, the reason, the action and how to lift the freeze', () => {
    expect(alert.text).toContain(
      `Step up of a frozen flag: flag ${FLAG} in production (fallthrough) stepped 0% → 5% at 2025-08-28 15:00 UTC by priya.raman@example.com.`,
    );
    expect(alert.text).toContain(`Reason: ${revert.reason}.`);
    expect(alert.text).toContain(`Action: reverted ${FLAG} in production 5% → 0% (enforce mode): reverted.`); // a revert is not a new freeze
    expect(alert.text).toContain(`stormguard ack --flag ${FLAG} --env production`);
  });

  it('in observe mode: "would revert"', () => {
    const observed = { ...revert, mode: 'observe' as const };
    const text = renderAlert({ kind: 'reverted', time: T0, decisionId: revert.id }, contextOf([], [observed])).title;
    expect(text).toContain('would revert to 0%');
  });
});

describe('renderAlert: blind and seeing again', () => {
  const change = {
    time: T0 + 10 * MINUTE,
    cluster: 'events-msk',
    signal: 'ConnectionCreationRate',
    series: ['ConnectionCreationRate on broker 1', 'ConnectionCreationRate on broker 2'],
    since: T0 + 5 * MINUTE,
  };
  const blind = renderAlert({ kind: 'blind', ...change }, contextOf([]));
  const seeing = renderAlert({ kind: 'sight-restored', ...change, time: T0 + 30 * MINUTE }, contextOf([]));

  it('warns when a signal stops reporting, and informs when it reports again, under one key', () => {
    expect(blind).toMatchObject({ kind: 'blind', severity: 'warning', key: 'blind/events-msk/ConnectionCreationRate' });
    expect(seeing).toMatchObject({ kind: 'sight-restored', severity: 'info', key: blind.key });
  });

  it('names the signal, the cluster, the series and since when', () => {
    expect(blind.title).toBe('[Stormguard] Blind: ConnectionCreationRate on events-msk stopped reporting (2 series)');
    expect(blind.text).toContain(
      'No datapoint since 2025-08-28 14:05 UTC from: ConnectionCreationRate on broker 1, ConnectionCreationRate on broker 2.',
    );
    expect(blind.text).toContain('Missing data is not zero');
    expect(seeing.title).toBe('[Stormguard] Seeing again: ConnectionCreationRate on events-msk reports again');
    expect(seeing.text).toBe('Reporting again: ConnectionCreationRate on broker 1, ConnectionCreationRate on broker 2.');
  });

  it('keys each cluster and signal apart', () => {
    const other = renderAlert({ kind: 'blind', ...change, signal: 'ConnectionCount' }, contextOf([]));
    expect(other.key).not.toBe(blind.key);
  });
});

describe('describeRelease', () => {
  it('can leave out the time, and the author when unknown', () => {
    expect(describeRelease({ ...release, by: undefined }, { withTime: false })).toBe(
      `flag ${FLAG} in production (fallthrough) stepped 0% → 1%`,
    );
    expect(describeRelease({ ...release, target: { kind: 'rule', ruleId: 'r1' } }, { withTime: false })).toBe(
      `flag ${FLAG} in production (rule r1) stepped 0% → 1% by priya.raman@example.com`,
    );
  });
});
