/** Clusters for the release-watch tests: seeded per-broker histories before a release and values after it. */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import {
  type BrokerHistory,
  observeReleaseWatch,
  openReleaseWatch,
  type ReleaseWatch,
  releaseWatchSettings,
  type WatchVerdict,
} from '../../../lambdas/core/release-watch.ts';

export const MIN = 60_000;
export const RELEASE = Date.UTC(2025, 9, 7, 12, 0, 20); // 20 s into a minute
export const START = Math.floor(RELEASE / MIN) * MIN;
export const BROKERS = ['1', '2', '3', '4', '5', '6'];
export const settings = releaseWatchSettings(MIN, 1.5);

/** Seeded log-normal noise: value × exp(sd · N(0,1)). */
export function noise(seed: number, sd: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => Math.exp(sd * Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng)));
}

/** Per broker, `minutes` of points before the release around `level`, and a value per broker for each period after it. */
export function cluster(
  options: {
    seed?: number;
    sd?: number;
    level?: number;
    minutes?: number;
    effect?: (period: number) => number;
    broker?: (broker: string, period: number) => number;
  } = {},
) {
  const { seed = 1, sd = 0.05, level = 100, minutes = 120, effect = () => 1, broker = () => 1 } = options;
  const draw = noise(seed, sd);
  const histories: BrokerHistory[] = BROKERS.map((b) => ({
    broker: b,
    points: Array.from({ length: minutes }, (_, i) => {
      const period = i - minutes; // negative: before the release's period
      return { time: START + period * MIN, value: level * draw() * effect(period) * broker(b, period) };
    }),
  }));
  const after = (period: number) => BROKERS.map((b) => ({ broker: b, value: level * draw() * effect(period) * broker(b, period) }));
  return { histories, after };
}

/** Watches `periods` periods; returns every verdict and the watch. */
export function run(c: ReturnType<typeof cluster>, periods = 30, s = settings): { watch: ReleaseWatch; verdicts: WatchVerdict[] } {
  const watch = openReleaseWatch({ id: 'step', time: RELEASE }, 'ConnectionCreationRate', c.histories, s);
  const verdicts: WatchVerdict[] = [];
  for (let p = 0; p < periods; p++) verdicts.push(observeReleaseWatch(watch, START + p * MIN, c.after(p), s));
  return { watch, verdicts };
}

export const alarmOf = (verdicts: readonly WatchVerdict[]) => verdicts.findIndex((v) => v.kind === 'alarm');

/** A flag's first step, 0% → 1%, at `time`. */
export function firstStep(time: number): RolloutStep {
  return {
    kind: 'rollout-step',
    id: 'step',
    time,
    flag: 'f',
    environment: 'production',
    target: { kind: 'fallthrough' },
    fromPercent: 0,
    toPercent: 1,
  };
}
