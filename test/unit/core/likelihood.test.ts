import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { describe, expect, it } from 'vitest';
import { newDetectorState, observeAll, scoreSeries } from '../../../lambdas/core/detector.ts';
import { SERIES_TUNING, settingsForSeries } from '../../../lambdas/core/detector-settings.ts';
import { ALERT_LEVEL, type ScoringState } from '../../../lambdas/core/likelihood.ts';

const FIVE_MINUTES = 300_000;
const DAY = 288; // five-minute periods
const series = (values: number[]) => values.map((value, i) => ({ time: i * FIVE_MINUTES, value }));
const noise = (i: number) => Math.sin(i * 12.9898) * 0.5;

describe('the anomaly score', () => {
  it('scores a spike at or above the alert level, and ordinary points far below it', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 50 + noise(i) + (i === 800 ? 20 : 0));
    const { scores } = scoreSeries(
      settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'percent', direction: 'both' }),
      series(values),
    );
    expect(scores[800]).toBeGreaterThanOrEqual(ALERT_LEVEL);
    expect(Math.max(...scores.slice(0, 800))).toBeLessThan(ALERT_LEVEL);
  });

  it('raises no onset on pure noise, not even while the series is new', () => {
    // One threshold should mean the same from a series' first hours: a likelihood of 1e-5 a point.
    const rng = xoroshiro128plus(7);
    const gaussian = () => Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng))) * Math.cos(2 * Math.PI * uniformFloat64(rng));
    const onsets = Array.from({ length: 20 }, () => {
      const values = Array.from({ length: 2000 }, () => 100 * Math.exp(0.1 * gaussian()));
      const { scores } = scoreSeries(
        settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'rate', direction: 'both' }),
        series(values),
      );
      return scores.filter((score) => score >= ALERT_LEVEL).length;
    });
    expect(onsets.reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('lets only the onset of a run score high: a second spike within the quiet period does not', () => {
    const spikes = new Set([600, 620, 700]); // 620 is within the quiet period after 600; 700 is not
    const values = Array.from({ length: 1100 }, (_, i) => 50 + noise(i) + (spikes.has(i) ? 20 : 0));
    const { scores } = scoreSeries(
      settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'percent', direction: 'both' }),
      series(values),
    );
    expect(scores[600]).toBeGreaterThanOrEqual(ALERT_LEVEL);
    expect(scores[620]).toBeLessThan(ALERT_LEVEL);
    expect(scores[700]).toBeGreaterThanOrEqual(ALERT_LEVEL);
  });

  it('scores noise that doubles and stays doubled at or above the alert level, and a moment of it below', () => {
    // No single point of it is far out: only the sustained average of the deviation sees it.
    const scoresOf = (doubledFor: number) => {
      const values = Array.from({ length: 1200 }, (_, i) => 50 + noise(i) * (i >= 800 && i < 800 + doubledFor ? 2 : 1));
      return scoreSeries(
        settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'percent', direction: 'both' }),
        series(values),
      ).scores;
    };
    const lasting = scoresOf(100);
    expect(Math.max(...lasting.slice(0, 800))).toBeLessThan(ALERT_LEVEL);
    expect(Math.max(...lasting.slice(800, 900))).toBeGreaterThanOrEqual(ALERT_LEVEL);
    expect(Math.max(...scoresOf(3).slice(800))).toBeLessThan(ALERT_LEVEL);
  });

  it('goes on scoring a state saved before the sustained average existed', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 50 + noise(i) + (i === 900 ? 20 : 0));
    const settings = settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'percent', direction: 'both' });
    const state = newDetectorState();
    observeAll(state, settings, series(values).slice(0, 500));
    const saved = JSON.parse(JSON.stringify(state)) as typeof state;
    delete (saved.scoring as Partial<ScoringState>).sustained;
    delete (saved.scoring as Partial<ScoringState>).sustainedHistory;
    const scores = observeAll(saved, settings, series(values).slice(500)).map((point) => point.score);
    expect(scores.every(Number.isFinite)).toBe(true);
    expect(scores[400]).toBeGreaterThanOrEqual(ALERT_LEVEL);
  });

  it('scores as the constants when no recent or sustained weight is set (the configured signals set none)', () => {
    // `stormguard detect` sets both, to the constants; the guardrail's signals set neither.
    const values = Array.from({ length: 1500 }, (_, i) => 50 + noise(i) + (i === 900 ? 20 : 0) + (i >= 1200 ? 3 * noise(7 * i) : 0));
    const set = settingsForSeries({ times: values.map((_, i) => i * FIVE_MINUTES), values }, { kind: 'percent', direction: 'both' });
    const { recentAlpha: _recent, sustainedAlpha: _sustained, ...unset } = set.scoring;
    expect(scoreSeries({ ...set, scoring: unset }, series(values)).scores).toEqual(scoreSeries(set, series(values)).scores);
    const tuned = settingsForSeries(
      { times: values.map((_, i) => i * FIVE_MINUTES), values },
      { kind: 'percent', direction: 'both' },
      { ...SERIES_TUNING, recentAlpha: 0.9, sustainedHalfLife: 5 },
    );
    expect(scoreSeries(tuned, series(values)).scores).not.toEqual(scoreSeries(set, series(values)).scores);
  });

  it('learns a daily cycle: with the seasonal baseline, days like the others score lower than without it', () => {
    const values = Array.from({ length: 10 * DAY }, (_, i) => 50 + 30 * Math.sin((2 * Math.PI * i) / DAY) + noise(i));
    const times = values.map((_, i) => i * FIVE_MINUTES);
    const seasonal = settingsForSeries({ times, values }, { kind: 'percent', direction: 'both' });
    expect(seasonal.scoring.seasonPeriods).toBe(DAY);
    const flat: typeof seasonal = { ...seasonal, scoring: { ...seasonal.scoring, seasonPeriods: 0, extraAlphas: [] } };
    const lastDays = (s: typeof seasonal) => scoreSeries(s, series(values)).scores.slice(7 * DAY);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(lastDays(seasonal))).toBeLessThan(mean(lastDays(flat)));
    expect(Math.max(...lastDays(seasonal))).toBeLessThan(ALERT_LEVEL);
  });

  it('keeps the seasonal baseline only for series that span days', () => {
    expect(
      settingsForSeries({ times: [0, FIVE_MINUTES, 2 * FIVE_MINUTES], values: [1, 2, 3] }, { kind: 'rate', direction: 'up' }).scoring
        .seasonPeriods,
    ).toBe(0);
  });

  it('scores a series of unknown kind in log space unless a value is negative', () => {
    const times = [0, FIVE_MINUTES];
    expect(settingsForSeries({ times, values: [0, 5] }, { kind: 'auto', direction: 'both' }).logScale).toBe(true);
    expect(settingsForSeries({ times, values: [-1, 5] }, { kind: 'auto', direction: 'both' }).logScale).toBe(false);
  });
});
