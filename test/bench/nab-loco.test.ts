/**
 * Leave-one-category-out (bench/nab/loco.ts): a fold chooses its threshold and its constants on
 * the training categories alone, even when the held-out category would choose otherwise and
 * the whole corpus would too. A tiny synthetic corpus: "alpha" wants a high threshold (its
 * window scores 0.9, two ordinary points 0.6), "beta" a low one (its three windows score 0.6).
 */
import { describe, expect, it } from 'vitest';
import { candidateFolds, categoryOf, chooseFold, combinedScore, foldOutcome } from '../../bench/nab/loco.ts';
import { describeTuning, GRID, gridTunings } from '../../bench/nab/loco-run.ts';
import { normalizedScore, optimizeThreshold, PROFILES, type ScoredFile, scoreFile } from '../../bench/nab/scorer.ts';
import { SERIES_TUNING } from '../../lambdas/core/detector-settings.ts';

const ROWS = 100;
const times = Array.from({ length: ROWS }, (_, i) => i * 60_000);
const window = [[times[50]!, times[59]!] as const];
const standard = PROFILES.standard;

/** A file whose scores are 0 but at the rows given. */
function file(name: string, marks: Record<number, number>): ScoredFile {
  return { name, times, windows: window, scores: times.map((_, i) => marks[i] ?? 0) };
}

const alpha = file('alpha/a.csv', { 30: 0.6, 50: 0.9, 80: 0.6 });
const beta = ['b1', 'b2', 'b3'].map((name) => file(`beta/${name}.csv`, { 50: 0.6 }));
const corpus = [alpha, ...beta];

describe('a leave-one-category-out fold', () => {
  it('is set up so that the held-out category, and the whole corpus, would choose another threshold', () => {
    expect(optimizeThreshold(beta, standard).threshold).toBe(0.6);
    expect(optimizeThreshold(corpus, standard).threshold).toBe(0.6);
    expect(optimizeThreshold([alpha], standard).threshold).toBe(0.9);
  });

  it('chooses its threshold on the training categories alone and scores the held-out one at it', () => {
    const outcome = foldOutcome(corpus, standard, 'beta');
    expect(outcome.threshold).toBe(0.9);
    // At 0.9 every beta window is missed: three false negatives.
    expect(outcome.heldOutRaw).toBeCloseTo(-3 * standard.fnWeight, 12);
    expect(outcome.trainingRaw).toBeCloseTo(scoreFile(alpha, standard, 0.9).score, 12);
    expect(outcome.training).toBeCloseTo(normalizedScore(outcome.trainingRaw, standard, 1), 12);
  });

  it('chooses the constants whose training score is highest, not those the held-out category prefers', () => {
    // Constants "B" score an ordinary point of alpha 0.95 (a false positive at its best threshold,
    // 0.9) and beta's windows 0.9: worse in training, better held out.
    const alphaWorse = file('alpha/a.csv', { 30: 0.95, 50: 0.9 });
    const betaCaught = ['b1', 'b2', 'b3'].map((name) => file(`beta/${name}.csv`, { 50: 0.9 }));
    const candidates = [
      { constants: 'A', folds: candidateFolds(corpus, standard) },
      { constants: 'B', folds: candidateFolds([alphaWorse, ...betaCaught], standard) },
    ];
    const b = candidates[1]!.folds.get('beta')!;
    expect(b.threshold).toBe(0.9);
    expect(b.trainingRaw).toBeLessThan(candidates[0]!.folds.get('beta')!.trainingRaw);
    const choice = chooseFold(candidates, 'beta');
    expect(choice.constants).toBe('A');
    expect(choice.outcome.heldOutRaw).toBeLessThan(b.heldOutRaw);
    // Holding out alpha, beta alone trains: both catch its windows, so the first listed wins the tie.
    expect(chooseFold(candidates, 'alpha').constants).toBe('A');
  });

  it('combines the folds as one corpus: summed raw scores over the whole corpus null and perfect', () => {
    const candidates = [{ constants: 'A', folds: candidateFolds(corpus, standard) }];
    const choices = ['alpha', 'beta'].map((category) => chooseFold(candidates, category));
    const raw = choices.reduce((sum, c) => sum + c.outcome.heldOutRaw, 0);
    expect(combinedScore(choices, standard, 4)).toBeCloseTo((100 * (raw + 4)) / 8, 12);
  });

  it('refuses a corpus of one category and names that are not <category>/<file>', () => {
    expect(() => foldOutcome([alpha], standard, 'alpha')).toThrow(/one category of several/);
    expect(() => categoryOf('a.csv')).toThrow(/category/);
  });
});

describe('the grid', () => {
  it('lists every combination once, the defaults first', () => {
    const tunings = gridTunings();
    expect(tunings[0]).toEqual(SERIES_TUNING);
    expect(tunings).toHaveLength(Object.values(GRID).reduce((n, values) => n * values.length, 1));
    expect(new Set(tunings.map(describeTuning)).size).toBe(tunings.length);
  });
});
