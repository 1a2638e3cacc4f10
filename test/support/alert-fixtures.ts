/** Alerts' inputs for tests: a storm step and a deploy, fast and heap evidence, episodes, decisions and their outcomes. */
import type { AlertContext } from '../../lambdas/core/alert.ts';
import type { Anomaly } from '../../lambdas/core/anomaly.ts';
import type { Decision, Outcome } from '../../lambdas/core/decision.ts';
import type { Attribution, Episode } from '../../lambdas/core/episode.ts';
import type { WatchEvidence } from '../../lambdas/core/finding.ts';
import type { Deploy, RolloutStep } from '../../lambdas/core/release.ts';

export const MINUTE = 60_000;
export const T0 = Date.parse('2025-08-28T14:00:00Z');
export const FLAG = 'checkout-producer-per-request';

export const release: RolloutStep = {
  kind: 'rollout-step',
  id: 'audit-1',
  time: T0,
  flag: FLAG,
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 0,
  toPercent: 1,
  by: 'priya.raman@example.com',
};
export const deploy: Deploy = {
  kind: 'deploy',
  id: 'deploy-1',
  time: T0 - 5 * MINUTE,
  service: 'api',
  version: '2.1.0',
  environment: 'production',
  by: 'ci',
};

export const anomaly = (over: Partial<Anomaly> = {}): Anomaly => ({
  time: T0,
  series: 'events-msk/ConnectionCreationRate/2',
  label: 'ConnectionCreationRate on broker 2',
  signal: 'ConnectionCreationRate',
  cluster: 'events-msk',
  kind: 'level',
  value: 14.8,
  baseline: 5.95,
  effect: 2.31,
  z: 7.83,
  score: 0.99,
  ...over,
});

export const fast: WatchEvidence = {
  kind: 'fast',
  purpose: 'step',
  cluster: 'events-msk',
  signal: 'ConnectionCreationRate',
  onset: T0,
  candidates: [`${FLAG} 0% → 1%`],
  factor: 2.31,
  statistic: 9.4,
  threshold: 4,
  minFactor: 1.27,
  periods: 1,
  sd: 0.072,
  brokers: [
    { series: 'ConnectionCreationRate on broker 1', value: 13.5, expected: 6.26 },
    { series: 'ConnectionCreationRate on broker 2', value: 14.8, expected: 6.43 },
  ],
};

export const heap: WatchEvidence = {
  kind: 'heap',
  purpose: 'step',
  cluster: 'events-msk',
  signal: 'HeapMemoryAfterGC',
  onset: T0,
  candidates: [`${FLAG} 0% → 1%`],
  slopeBefore: 0.1,
  slopeAfter: 8,
  level: 45,
  msToLimit: 5.5 * 60 * MINUTE,
  limitPercent: 90,
  horizonMs: 6 * 60 * MINUTE,
};

export const attributed: Extract<Attribution, { kind: 'attributed' }> = { kind: 'attributed', release, others: [], evidence: fast };

export const episodeOf = (over: Partial<Episode> = {}): Episode => {
  const first = anomaly();
  return {
    id: `events-msk/ConnectionCreationRate/${new Date(T0).toISOString()}`,
    cluster: 'events-msk',
    signal: 'ConnectionCreationRate',
    onset: T0,
    detectedAt: T0 + MINUTE,
    lastAnomalyAt: T0 + 5 * MINUTE,
    first,
    peak: first,
    series: ['events-msk/ConnectionCreationRate/2', 'events-msk/ConnectionCreationRate/3'],
    signals: ['ConnectionCreationRate', 'ConnectionCount'],
    attribution: attributed,
    decisionIds: [],
    ...over,
  };
};

export const rollback = (over: Partial<Decision> = {}): Decision => ({
  id: `events-msk/${new Date(T0).toISOString()}/${FLAG}/production`,
  time: T0 + MINUTE,
  action: 'rollback',
  mode: 'enforce',
  flag: FLAG,
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 1,
  toPercent: 0,
  turnOff: false,
  reason: 'episode attributed to the step',
  episodeId: `events-msk/${new Date(T0).toISOString()}`,
  evidence: { release },
  ...over,
});

export const revert: Decision = {
  id: 'audit-2/revert',
  time: T0 + 60 * MINUTE,
  action: 'revert',
  mode: 'enforce',
  flag: FLAG,
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 5,
  toPercent: 0,
  turnOff: false,
  reason: `${FLAG} is frozen at 0% since 2025-08-28 14:01 UTC, until acknowledged`,
  frozenSince: T0 + MINUTE,
  evidence: { release: { ...release, id: 'audit-2', time: T0 + 60 * MINUTE, fromPercent: 0, toPercent: 5 } },
};

export function contextOf(episodes: Episode[], decisions: Decision[] = [], outcomes: Array<[string, Outcome]> = []): AlertContext {
  return {
    episodes,
    decisions: new Map(decisions.map((d) => [d.id, d])),
    outcomes: new Map(outcomes),
    logScale: (signal) => signal !== 'HeapMemoryAfterGC',
  };
}

export const applied = (detail = 'LaunchDarkly: verified by reading the flag back'): Outcome => ({
  status: 'applied',
  time: T0 + MINUTE,
  detail,
});
