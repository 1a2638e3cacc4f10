/**
 * Flag versions as LaunchDarkly's REST API and audit log represent them, for tests: a boolean flag
 * rolled out on its default rule, or behind rules, or a multivariate flag, with prerequisites.
 */
import type { FlagChange, FlagVersion } from '../../lambdas/formats/launchdarkly.ts';
import { TOTAL_WEIGHT } from '../../lambdas/formats/rollout-weights.ts';

export type Weights = Array<{ variation: number; weight: number }>;

/** Weights serving `percent` variation 0 and the rest variation 1 (a boolean flag's true / false). */
export const booleanWeights = (percent: number): Weights => [
  { variation: 0, weight: Math.round(percent * 1000) },
  { variation: 1, weight: TOTAL_WEIGHT - Math.round(percent * 1000) },
];

export const EU_RULE = {
  _id: 'rule-eu',
  description: 'EU customers',
  clauses: [{ attribute: 'region', op: 'in', values: ['eu'], contextKind: 'user' }],
};
export const US_RULE = {
  _id: 'rule-us',
  clauses: [{ attribute: 'region', op: 'in', values: ['us'] }],
};

export function flagVersion(key: string, environment: Record<string, unknown>, variations: unknown[] = [true, false]): FlagVersion {
  return {
    key,
    variations: variations.map((value) => ({ value })),
    environments: { production: { on: true, offVariation: 1, salt: `${key}-salt`, rules: [], ...environment } },
  } as FlagVersion;
}

export function change(time: number, previous: FlagVersion, current: FlagVersion): FlagChange {
  return { time, id: `${current.key}-${time}`, previous, current };
}

/** A boolean flag whose default rule serves `false`, a US rule `true`, and an EU rule ("EU customers") `eu`% `true`. */
export const ruledVersion = (eu: number): FlagVersion =>
  flagVersion('storm', {
    fallthrough: { variation: 1 },
    rules: [
      { ...US_RULE, variation: 0 },
      { ...EU_RULE, rollout: { variations: booleanWeights(eu) } },
    ],
  });

/** A three-variation flag (off variation 0) whose default rule serves variations 1 and 2 these weights. */
export const multivariateVersion = (a: number, b: number): FlagVersion =>
  flagVersion(
    'storm',
    {
      offVariation: 0,
      fallthrough: {
        rollout: {
          variations: [
            { variation: 0, weight: 100_000 - a - b },
            { variation: 1, weight: a },
            { variation: 2, weight: b },
          ],
        },
      },
    },
    ['inline', 'batched', 'per-request'],
  );
