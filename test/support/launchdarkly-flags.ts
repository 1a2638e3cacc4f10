/**
 * Flags as LaunchDarkly's REST API shows them, for the fake: a boolean flag rolled out on its
 * default rule and on rules (each with a description and a clause), or a multivariate flag.
 */

export interface RestFlag {
  key: string;
  _version: number;
  variations: Array<{ _id: string; value: unknown }>;
  environments: Record<
    string,
    {
      on: boolean;
      offVariation: number;
      fallthrough: Rollable;
      rules: Array<Rollable & { _id: string; description?: string; clauses?: Array<{ attribute: string; op: string; values: unknown[] }> }>;
    }
  >;
}
type Rollable = { variation?: number; rollout?: { variations: Array<{ variation: number; weight: number }> } };

/** A boolean flag as LaunchDarkly's REST API shows it, serving `percent` the treatment in `environment`. */
export function restFlag(key: string, environment: string, percent: number, rules: Array<{ _id: string; percent: number }> = []): RestFlag {
  const rollout = (p: number) => ({
    rollout: {
      variations: [
        { variation: 0, weight: Math.round(p * 1000) },
        { variation: 1, weight: 100_000 - Math.round(p * 1000) },
      ],
    },
  });
  return {
    key,
    _version: 1,
    variations: [
      { _id: `${key}-true`, value: true },
      { _id: `${key}-false`, value: false },
    ],
    environments: {
      [environment]: {
        on: true,
        offVariation: 1,
        fallthrough: rollout(percent),
        rules: rules.map((r) => ({ _id: r._id, ...rollout(r.percent) })),
      },
    },
  };
}

/** A three-variation flag (`inline` off, `batched` and `per-request` treatments) whose default rule serves the treatments these weights. */
export function multivariateFlag(key: string, environment: string, weights: [number, number, number]): RestFlag {
  return {
    key,
    _version: 1,
    variations: ['inline', 'batched', 'per-request'].map((value) => ({ _id: `${key}-${value}`, value })),
    environments: {
      [environment]: {
        on: true,
        offVariation: 0,
        fallthrough: { rollout: { variations: weights.map((weight, variation) => ({ variation, weight })) } },
        rules: [],
      },
    },
  };
}
