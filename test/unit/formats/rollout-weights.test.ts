import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentOfWeights, TOTAL_WEIGHT, type WeightedVariation, weightsForPercent } from '../../../lambdas/formats/rollout-weights.ts';

const RUNS = { seed: 42, numRuns: 500 };

/** Integer weights summing to TOTAL_WEIGHT: the gaps between sorted cut points. */
const weightsOf = (count: number) =>
  fc.array(fc.integer({ min: 0, max: TOTAL_WEIGHT }), { minLength: count - 1, maxLength: count - 1 }).map((cuts) => {
    const edges = [0, ...cuts.sort((a, b) => a - b), TOTAL_WEIGHT];
    return edges.slice(1).map((edge, i) => edge - edges[i]!);
  });

/** 1–5 variations (LaunchDarkly's indices, in any order), one of them the control. */
const rollout = (minVariations: number, maxVariations: number) =>
  fc
    .integer({ min: minVariations, max: maxVariations })
    .chain((count) =>
      fc.record({
        weights: weightsOf(count),
        order: fc.shuffledSubarray([...Array(count).keys()], { minLength: count, maxLength: count }),
        controlAt: fc.nat({ max: count - 1 }),
      }),
    )
    .map(({ weights, order, controlAt }) => ({
      current: order.map((variation, i): WeightedVariation => ({ variation, weight: weights[i]! })),
      control: order[controlAt]!,
    }));

/** A percentage with at most three decimals: LaunchDarkly's resolution (thousandths of a percent). */
const percent = fc.integer({ min: 0, max: TOTAL_WEIGHT }).map((thousandths) => thousandths / 1000);

const variationsOf = (weights: readonly WeightedVariation[]) => weights.map((w) => w.variation).sort((a, b) => a - b);
const sum = (weights: readonly WeightedVariation[]) => weights.reduce((total, w) => total + w.weight, 0);

describe('weightsForPercent', () => {
  it('gives integer weights summing to exactly 100000, for every variation and no other, in variation order', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        const next = weightsForPercent(current, control, p);
        expect(next.every((w) => Number.isInteger(w.weight))).toBe(true);
        expect(sum(next)).toBe(TOTAL_WEIGHT);
        expect(next.map((w) => w.variation)).toEqual(variationsOf(current));
      }),
      RUNS,
    );
  });

  it('round-trips: percentOfWeights(weightsForPercent(w, c, p), c) === p', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        expect(percentOfWeights(weightsForPercent(current, control, p), control)).toBe(p);
      }),
      RUNS,
    );
  });

  it('gives the control exactly the rest', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        const next = weightsForPercent(current, control, p);
        expect(next.find((w) => w.variation === control)!.weight).toBe(TOTAL_WEIGHT - Math.round(p * 1000));
      }),
      RUNS,
    );
  });

  it('keeps the treatments in their current proportions, within rounding', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        const next = weightsForPercent(current, control, p);
        const treatments = current.filter((w) => w.variation !== control);
        const before = sum(treatments);
        const target = Math.round(p * 1000);
        // Each treatment but the last is rounded once (half a unit); the last takes the remainder,
        // so it carries the others' rounding: at most half a unit per other treatment.
        const tolerance = 0.5 * Math.max(1, treatments.length - 1);
        treatments.forEach((t, i) => {
          const exact = before > 0 ? (target * t.weight) / before : i === 0 ? target : 0;
          const got = next.find((w) => w.variation === t.variation)!.weight;
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(tolerance + 1e-9);
        });
      }),
      RUNS,
    );
  });

  it('keeps exact proportions where they divide evenly: two treatments 1:3 at 40% get 10% and 30%', () => {
    const current = [
      { variation: 0, weight: 5_000 },
      { variation: 1, weight: 15_000 },
      { variation: 2, weight: 80_000 },
    ];
    expect(weightsForPercent(current, 2, 40)).toEqual([
      { variation: 0, weight: 10_000 },
      { variation: 1, weight: 30_000 },
      { variation: 2, weight: 60_000 },
    ]);
  });

  it('gives the first treatment everything when no treatment is served yet (0% → 1%)', () => {
    const current = [
      { variation: 0, weight: 0 },
      { variation: 1, weight: 100_000 },
      { variation: 2, weight: 0 },
    ];
    expect(weightsForPercent(current, 1, 1)).toEqual([
      { variation: 0, weight: 1_000 },
      { variation: 1, weight: 99_000 },
      { variation: 2, weight: 0 },
    ]);
  });

  it('rolls back to 0% and to 100% exactly', () => {
    const current = [
      { variation: 0, weight: 25_000 },
      { variation: 1, weight: 75_000 },
    ];
    expect(weightsForPercent(current, 1, 0)).toEqual([
      { variation: 0, weight: 0 },
      { variation: 1, weight: 100_000 },
    ]);
    expect(weightsForPercent(current, 1, 100)).toEqual([
      { variation: 0, weight: 100_000 },
      { variation: 1, weight: 0 },
    ]);
  });

  it('with the control as the only variation, 0% is the control at 100000', () => {
    expect(weightsForPercent([{ variation: 1, weight: TOTAL_WEIGHT }], 1, 0)).toEqual([{ variation: 1, weight: TOTAL_WEIGHT }]);
  });

  // BUG (rollout-weights.ts, weightsForPercent): the last treatment takes `treatmentWeight - assigned`,
  // and the others are each Math.round'ed up to half a unit high, so with three or more treatments
  // the last one's weight can go negative: treatments 1:1:0 at 0.001% give 1, 1, -1; and not only
  // at tiny percentages: a rollout that lists an unused variation at weight 0 last (as LaunchDarkly
  // lists every variation) does it at 75.446% too (the property's counterexample, seed 42).
  // LaunchDarkly would refuse the weights, so the rollback would fail. A largest-remainder split
  // would keep every weight in [floor, ceil] of its exact share.
  it.fails('never gives a negative weight (bug: the last treatment absorbs the others\' rounding and goes below 0)', () => {
    const current = [
      { variation: 0, weight: 1 },
      { variation: 1, weight: 1 },
      { variation: 2, weight: 0 },
      { variation: 3, weight: 99_998 },
    ];
    expect(weightsForPercent(current, 3, 0.001).every((w) => w.weight >= 0)).toBe(true);
  });

  it.fails('gives non-negative weights for any rollout and percentage (bug: as above, found by the property)', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        expect(weightsForPercent(current, control, p).every((w) => w.weight >= 0)).toBe(true);
      }),
      RUNS,
    );
  });

  // BUG (edge case): with no treatment variation among the current weights (the control alone),
  // a percentage above 0 has nowhere to go: the weights come back summing to 100000 - p·1000,
  // breaking the "summing to exactly 100000" contract silently rather than refusing. Reachable in
  // the flag-file controller's applyStep on a rule that serves only the off variation.
  it.fails('keeps the sum at 100000 when only the control is listed and the percentage is above 0 (bug: the treatment share is dropped)', () => {
    expect(sum(weightsForPercent([{ variation: 1, weight: TOTAL_WEIGHT }], 1, 5))).toBe(TOTAL_WEIGHT);
  });
});

describe('percentOfWeights', () => {
  it('is the sum of every weight but the control, in percent', () => {
    const weights = [
      { variation: 0, weight: 12_345 },
      { variation: 1, weight: 80_000 },
      { variation: 2, weight: 7_655 },
    ];
    expect(percentOfWeights(weights, 1)).toBe(20);
    expect(percentOfWeights(weights, 0)).toBe(87.655);
    expect(percentOfWeights(weights, 9)).toBe(100); // a control not listed: everything is treatment
  });
});
