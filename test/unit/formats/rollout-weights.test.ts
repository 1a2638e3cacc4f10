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

  // Found by this property: the last treatment used to absorb the others' rounding and go below 0.
  it('never gives a negative weight: the treatments are split by largest remainder', () => {
    const current = [
      { variation: 0, weight: 1 },
      { variation: 1, weight: 1 },
      { variation: 2, weight: 0 },
      { variation: 3, weight: 99_998 },
    ];
    expect(weightsForPercent(current, 3, 0.001).every((w) => w.weight >= 0)).toBe(true);
  });

  it('gives non-negative weights for any rollout and percentage', () => {
    fc.assert(
      fc.property(rollout(2, 5), percent, ({ current, control }, p) => {
        expect(weightsForPercent(current, control, p).every((w) => w.weight >= 0)).toBe(true);
      }),
      RUNS,
    );
  });

  // Found here: with only the control listed, the treatment share used to be dropped silently.
  it('serves the other variation of a two-variation flag when only the control is listed, and refuses to guess among more', () => {
    expect(weightsForPercent([{ variation: 1, weight: TOTAL_WEIGHT }], 1, 5)).toEqual([
      { variation: 0, weight: 5_000 },
      { variation: 1, weight: 95_000 },
    ]);
    expect(() => weightsForPercent([{ variation: 1, weight: TOTAL_WEIGHT }], 1, 5, 3)).toThrow(
      /which of 3 variations should the rollout serve/,
    );
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
