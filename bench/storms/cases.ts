/**
 * The storm suite's cases: the bundled scenarios, and variations generated from the simulator's
 * defaults (docs/simulator.md): storm factors from 1.5x to 100x at three noise levels, storms at
 * the daily peak and trough, clusters of 3 and 12 brokers, late and missing datapoints, a second
 * team's rollout during the storm, benign surges after harmless steps, benign rollouts.
 */
import { parseScenario, type Scenario } from '../../lambdas/simulator/scenario.ts';

export interface StormCase {
  readonly name: string;
  readonly scenario: Scenario;
  /** The storm's flag and step, or undefined for a benign case. */
  readonly storm?: { readonly flag: string; readonly fromPercent: number; readonly toPercent: number; readonly time: number };
  /** Share of datapoints published 1 to 3 periods late. */
  readonly lateShare?: number;
  /** Share of datapoints never published. */
  readonly missingShare?: number;
}

const DAY = '2025-10-07';
const STORM_FLAG = 'orders-producer-per-request';
const STORM_PERCENT = 5;
const at = (clock: string) => `${DAY}T${clock}:00Z`;

interface Variation {
  readonly factor: number;
  readonly noise?: 'low' | 'default' | 'high';
  readonly stepAt?: string;
  readonly brokers?: number;
  readonly secondRolloutAfterMinutes?: number;
  readonly seed: number;
}

const NOISE = {
  low: { traffic: 0.03, producers: 0.04, broker: 0.03 },
  default: { traffic: 0.05, producers: 0.08, broker: 0.06 },
  high: { traffic: 0.08, producers: 0.15, broker: 0.1 },
};

/** A storm: one step of a flag that multiplies the new-producer rate by `factor`. */
export function stormCase(v: Variation): StormCase {
  const base = parseScenario({ name: 'base', description: '', seed: 0, start: at('00:00'), end: at('00:01') });
  const stepAt = v.stepAt ?? '13:00';
  const stepTime = Date.parse(at(stepAt));
  // extra producers = (factor − 1) × typical; both scale with traffic, so the ratio is set by the peaks.
  const producersPerRequest =
    ((v.factor - 1) * base.producers.typicalPerSecondAtPeak) / ((STORM_PERCENT / 100) * base.traffic.peakRequestsPerSecond);
  const noise = NOISE[v.noise ?? 'default'];
  const steps = [{ at: at(stepAt), percent: STORM_PERCENT, by: 'dev@example.com' }];
  const otherFlag = {
    key: 'checkout-copy',
    name: 'Checkout copy',
    producersPerRequest: 0,
    steps: [
      { at: new Date(stepTime - 2 * 3_600_000).toISOString(), percent: 20, by: 'pm@example.com' },
      ...(v.secondRolloutAfterMinutes
        ? [{ at: new Date(stepTime + v.secondRolloutAfterMinutes * 60_000).toISOString(), percent: 50, by: 'pm@example.com' }]
        : []),
    ],
  };
  const scenario = parseScenario({
    name: 'storm',
    description: '',
    seed: v.seed,
    start: new Date(stepTime - 6 * 3_600_000).toISOString(),
    end: new Date(stepTime + 2 * 3_600_000).toISOString(),
    brokers: v.brokers ?? 6,
    traffic: { ...base.traffic, noise: noise.traffic },
    producers: { ...base.producers, noise: noise.producers, brokerNoise: noise.broker },
    flags: [{ key: STORM_FLAG, name: 'Orders: producer per request', producersPerRequest, steps }, otherFlag],
  });
  const name = `storm ${v.factor}x, ${v.noise ?? 'default'} noise, ${stepAt} UTC, ${v.brokers ?? 6} brokers${v.secondRolloutAfterMinutes ? `, another rollout ${v.secondRolloutAfterMinutes} min later` : ''}`;
  return { name, scenario, storm: { flag: STORM_FLAG, fromPercent: 0, toPercent: STORM_PERCENT, time: stepTime } };
}

/** A surge of traffic `minutesAfterStep` after a harmless step. */
function surgeCase(factor: number, minutesAfterStep: number, seed: number): StormCase {
  const stepTime = Date.parse(at('12:00'));
  const surgeTime = stepTime + minutesAfterStep * 60_000;
  return {
    name: `benign surge ${factor}x, ${minutesAfterStep} min after a harmless step`,
    scenario: parseScenario({
      name: 'surge',
      description: '',
      seed,
      start: at('06:00'),
      end: new Date(surgeTime + 2 * 3_600_000).toISOString(),
      flags: [
        { key: 'new-search', name: 'New search', producersPerRequest: 0, steps: [{ at: at('12:00'), percent: 25, by: 'dev@example.com' }] },
      ],
      surges: [{ from: new Date(surgeTime).toISOString(), to: new Date(surgeTime + 30 * 60_000).toISOString(), factor }],
    }),
  };
}

function benignRollout(noise: 'low' | 'default' | 'high', seed: number): StormCase {
  const n = NOISE[noise];
  const base = parseScenario({ name: 'base', description: '', seed: 0, start: at('00:00'), end: at('00:01') });
  return {
    name: `benign rollout 10% → 100%, ${noise} noise`,
    scenario: parseScenario({
      name: 'benign',
      description: '',
      seed,
      start: at('06:00'),
      end: at('19:00'),
      traffic: { ...base.traffic, noise: n.traffic },
      producers: { ...base.producers, noise: n.producers, brokerNoise: n.broker },
      flags: [
        {
          key: 'pricing-v2',
          name: 'Pricing v2',
          producersPerRequest: 0,
          steps: ['12:00', '13:00', '14:00', '15:00'].map((clock, i) => ({
            at: at(clock),
            percent: [10, 25, 50, 100][i]!,
            by: 'dev@example.com',
          })),
        },
      ],
    }),
  };
}

/** Every generated case; the bundled scenarios are added by the runner. */
export function generatedCases(): StormCase[] {
  const cases: StormCase[] = [];
  let seed = 1000;
  for (const noise of ['low', 'default', 'high'] as const) {
    for (const factor of [1.5, 2, 3, 5, 10, 30, 100]) cases.push(stormCase({ factor, noise, seed: seed++ }));
  }
  for (const factor of [2, 10]) {
    cases.push(stormCase({ factor, stepAt: '17:00', seed: seed++ }));
    cases.push(stormCase({ factor, stepAt: '05:00', seed: seed++ }));
    cases.push(stormCase({ factor, brokers: 3, seed: seed++ }));
    cases.push(stormCase({ factor, brokers: 12, seed: seed++ }));
    cases.push(stormCase({ factor, secondRolloutAfterMinutes: 5, seed: seed++ }));
    cases.push({ ...stormCase({ factor, seed: seed++ }), name: `storm ${factor}x, 20% of datapoints 1–3 periods late`, lateShare: 0.2 });
    cases.push({ ...stormCase({ factor, seed: seed++ }), name: `storm ${factor}x, 10% of datapoints missing`, missingShare: 0.1 });
  }
  for (const factor of [2, 3, 4]) for (const minutes of [15, 60, 180]) cases.push(surgeCase(factor, minutes, seed++));
  for (const noise of ['low', 'default', 'high'] as const) cases.push(benignRollout(noise, seed++));
  return cases;
}
