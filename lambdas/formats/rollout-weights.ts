/**
 * LaunchDarkly rollout weights: thousandths of a percent per variation, summing to 100000. The one
 * place where a percentage becomes weights and weights become a percentage.
 */
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
 * Rollout weights that serve `percent` of traffic the treatment and the rest the control
 * variation; with several treatment variations, their current proportions are kept.
 * Weights are integers summing to exactly 100000.
 */
export function weightsForPercent(current: readonly WeightedVariation[], control: number, percent: number): WeightedVariation[] {
  const treatmentWeight = Math.round(percent * PERCENT_SCALE);
  const treatments = current.filter((v) => v.variation !== control);
  const currentTreatment = treatments.reduce((sum, v) => sum + v.weight, 0);
  let assigned = 0;
  const scaled = treatments.map((v, i) => {
    const share = currentTreatment > 0 ? v.weight / currentTreatment : i === 0 ? 1 : 0;
    const weight = i === treatments.length - 1 ? treatmentWeight - assigned : Math.round(treatmentWeight * share);
    assigned += weight;
    return { variation: v.variation, weight };
  });
  return [...scaled, { variation: control, weight: TOTAL_WEIGHT - treatmentWeight }].sort((a, b) => a.variation - b.variation);
}
