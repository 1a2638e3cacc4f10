import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { observeReleaseWatch, openReleaseWatch, type ReleaseWatch, releaseWatchSettings } from '../../../lambdas/core/release-watch.ts';
import { siegmundArl, statedFalseAlarmRate } from '../../../lambdas/core/watch-calibration.ts';

import { alarmOf, BROKERS, cluster, MIN, RELEASE, run, START, settings } from './release-watch-fixtures.ts';

describe('the CUSUM false-alarm rate it states', () => {
  it("matches the one-sided CUSUM's in-control run lengths of the literature (Siegmund's approximation)", () => {
    // Montgomery, Introduction to Statistical Quality Control, table of two-sided tabular CUSUM ARL0:
    // k = 0.5, h = 4: 168; h = 5: 465. One-sided: twice those.
    expect(siegmundArl(0.5, 4) / 336).toBeCloseTo(1, 1);
    expect(siegmundArl(0.5, 5) / 930).toBeCloseTo(1, 1);
  });

  it('states the chance of a false alarm within one watch from the ARL', () => {
    const rate = statedFalseAlarmRate(settings);
    expect(rate).toBeCloseTo(1 - Math.exp(-settings.watchPeriods / siegmundArl(settings.k, settings.h)), 12);
    expect(rate).toBeLessThan(0.01);
  });

  it('says which constant is wrong', () => {
    expect(() => siegmundArl(0, 4)).toThrow('expected positive CUSUM constants, got k 0, h 4');
    expect(() => releaseWatchSettings(0, 1.5)).toThrow('expected a positive period, got 0');
    expect(() => releaseWatchSettings(MIN, 0.5)).toThrow('expected a factor of at least 1, got 0.5');
  });
});

describe('release watch properties', () => {
  const seeds = fc.integer({ min: 1, max: 1_000_000 });

  it('a state carried as JSON between periods gives the same verdicts as one kept in memory', () => {
    fc.assert(
      fc.property(seeds, fc.double({ min: 0.5, max: 20, noNaN: true }), fc.integer({ min: -10, max: 30 }), (seed, factor, from) => {
        const c = cluster({ seed, sd: 0.1, effect: (p) => (p >= from ? factor : 1) });
        const kept = openReleaseWatch({ id: 'step', time: RELEASE }, 'x', c.histories, settings);
        let carried: ReleaseWatch = JSON.parse(JSON.stringify(kept));
        for (let p = 0; p < 35; p++) {
          const observed = c.after(p);
          const a = observeReleaseWatch(kept, START + p * MIN, observed, settings);
          const b = observeReleaseWatch(carried, START + p * MIN, observed, settings);
          expect(b).toEqual(a);
          carried = JSON.parse(JSON.stringify(carried));
        }
        expect(carried).toEqual(kept);
      }),
      { numRuns: 60 },
    );
  });

  it('judges factors, not sums: scaling every value leaves the verdicts unchanged (no log offset)', () => {
    const exact = releaseWatchSettings(MIN, 1.5, { logOffset: 0 });
    fc.assert(
      fc.property(
        seeds,
        fc.double({ min: 1e-3, max: 1e6, noNaN: true }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        (seed, scale, factor) => {
          const a = run(cluster({ seed, level: 50, effect: (p) => (p >= 0 ? factor : 1) }), 30, exact);
          const b = run(cluster({ seed, level: 50 * scale, effect: (p) => (p >= 0 ? factor : 1) }), 30, exact);
          expect(b.verdicts.map((v) => v.kind)).toEqual(a.verdicts.map((v) => v.kind));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('any shift of 2x or more on every broker at the release is an alarm within 3 periods, on quiet clusters', () => {
    fc.assert(
      fc.property(
        seeds,
        fc.double({ min: 2, max: 100, noNaN: true }),
        fc.double({ min: 0.01, max: 0.08, noNaN: true }),
        (seed, factor, sd) => {
          const { verdicts, watch } = run(cluster({ seed, sd, effect: (p) => (p >= 0 ? factor : 1) }));
          const at = alarmOf(verdicts);
          expect(at).toBeGreaterThanOrEqual(0);
          expect(at).toBeLessThanOrEqual(2);
          expect(watch.alarm!.onset).toBe(START);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('one broker alone, whatever it does, never raises an alarm on an otherwise steady cluster', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { minLength: 30, maxLength: 30 }),
        fc.constantFrom(...BROKERS),
        (spikes, who) => {
          const { verdicts } = run(cluster({ sd: 0, broker: (b, p) => (b === who && p >= 0 ? spikes[p]! : 1) }));
          expect(alarmOf(verdicts)).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
