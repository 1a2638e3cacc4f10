/**
 * LaunchDarkly rollout weights: thousandths of a percent per variation, summing to 100000. The one
 * place where a percentage becomes weights and weights become a percentage.
 */
import { StormguardError } from '../core/errors.ts';

const PERCENT_SCALE = 1000;
export const TOTAL_WEIGHT = 100 * PERCENT_SCALE;

export interface WeightedVariation {
  readonly variation: number;
  readonly weight: number;
}

/** The percentage of traffic that weights serve anything but the control variation. */
export function percentOfWeights(weights: readonly WeightedVariation[], control: number): number {
  return weights.filter((v) => v.variation !== control).reduce((sum, v) => sum + v.weight, 0) / PERCENT_SCALE;
}

/**
 * Rollout weights that serve `percent` of traffic the treatments and the rest the control
 * variation. Several treatments keep their current proportions, split by largest remainder so
 * that every weight is a non-negative integer and they sum to exactly 100000. With no treatment
 * among the current weights, the treatment of a two-variation flag is the other variation; with
 * more, there is no telling which to serve, and that is an error.
 */
export function weightsForPercent(
  current: readonly WeightedVariation[],
  control: number,
  percent: number,
  variations = 2,
): WeightedVariation[] {
  const treatmentWeight = Math.round(percent * PERCENT_SCALE);
  const treatments = treatmentsOf(current, control, treatmentWeight, variations);
  const shares = proportionalSplit(
    treatmentWeight,
    treatments.map((v) => v.weight),
  );
  const scaled = treatments.map((v, i) => ({ variation: v.variation, weight: shares[i]! }));
  return [...scaled, { variation: control, weight: TOTAL_WEIGHT - treatmentWeight }].sort((a, b) => a.variation - b.variation);
}

function treatmentsOf(
  current: readonly WeightedVariation[],
  control: number,
  treatmentWeight: number,
  variations: number,
): WeightedVariation[] {
  const listed = current.filter((v) => v.variation !== control);
  if (listed.length > 0 || treatmentWeight === 0) return listed;
  if (variations === 2) return [{ variation: control === 0 ? 1 : 0, weight: 0 }];
  throw new StormguardError(
    'NO_TREATMENT',
    `no variation but the control (${control}) is served: which of ${variations} variations should the rollout serve?`,
  );
}

/** `total` split in proportion to `weights` (all to the first when they are all 0): integers that sum to `total` exactly. */
function proportionalSplit(total: number, weights: readonly number[]): number[] {
  if (weights.length === 0) return [];
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w, i) => (sum > 0 ? (total * w) / sum : i === 0 ? total : 0));
  const floors = exact.map(Math.floor);
  let left = total - floors.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((x, i) => ({ i, remainder: x - floors[i]! })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    floors[i]!++;
    left--;
  }
  return floors;
}
