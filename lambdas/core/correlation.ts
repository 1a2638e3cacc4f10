/**
 * The correlator: which release, if any, started an anomaly episode.
 *
 * Each release before the episode's onset (rollout step-ups and deploys, in the guarded
 * environment, within the lookback) is scored on three things:
 * - proximity: exp(-lag / responseTime), where responseTime is how soon the leading signal moves
 *   after a release (minutes for connection rates, hours for heap);
 * - response: did the leading signal change at the release? For level signals, the median within
 *   its response time after the release against the median before it, in units of the smallest
 *   effect worth acting on;
 *   for a heap forecast, the slope after against the slope before;
 * - dose-response, for a flag with several steps: the level at each step should grow with the
 *   rollout percentage. A flag whose steps do not move the signal in order is a weaker suspect.
 *
 * confidence = (0.4 proximity + 0.6 response) × (1 when the dose-response is consistent or
 * unknown, 0.5 when not). The best candidate is attributed when its confidence reaches the
 * minimum and leads the runner-up by the ambiguity margin; otherwise the answer says plainly that
 * no release correlates, or that two do.
 */
import { median } from 'simple-statistics';
import { type History, medianBetween, slopeBetween } from './history.ts';
import type { ReleaseEvent, RolloutStep } from './release.ts';

export interface CorrelationSettings {
  readonly environment: string;
  readonly periodMs: number;
  readonly lookbackMs: number;
  readonly minConfidence: number;
  readonly ambiguityMargin: number;
  /** The leading signal's response time: how soon after a release it moves. */
  readonly responseMs: number;
  /** The smallest change of the leading signal worth acting on, in scored units. */
  readonly minEffect: number;
  /** Scored values are logs: report levels as factors. */
  readonly logScale: boolean;
  /** The leading anomaly is a heap forecast: compare slopes, not levels. */
  readonly trend: boolean;
}

export interface DoseLevel {
  readonly percent: number;
  /** The level at this percentage against the lowest one: a factor (log scale) or a difference. */
  readonly effect: number;
}

export interface Candidate {
  readonly release: ReleaseEvent;
  readonly lagMs: number;
  readonly proximity: number;
  readonly response: number;
  readonly doseResponse?: { readonly levels: readonly DoseLevel[]; readonly consistent: boolean };
  readonly confidence: number;
}

export type Attribution =
  | { readonly kind: 'attributed'; readonly best: Candidate; readonly candidates: readonly Candidate[] }
  | { readonly kind: 'ambiguous'; readonly best: Candidate; readonly runnerUp: Candidate; readonly candidates: readonly Candidate[] }
  | { readonly kind: 'none'; readonly candidates: readonly Candidate[] };

/** Points before a release that give its "before" level. */
const WINDOW_PERIODS = 30;
/** The shortest "after" window: a response needs a few points to be told from noise. */
const MIN_RESPONSE_PERIODS = 3;
/** A heap slope change, in percentage points per hour, that counts as a full response. */
const TREND_RESPONSE_PER_HOUR = 2;
/** Slopes need more points than levels to be steady: windows twice as long. */
const TREND_WINDOW_FACTOR = 2;
const PROXIMITY_WEIGHT = 0.4;
const RESPONSE_WEIGHT = 0.6;
const INCONSISTENT_DOSE_PENALTY = 0.5;
/** Unknown response (too few points to compare) counts as half. */
const UNKNOWN_RESPONSE = 0.5;

/**
 * Attributes an episode with this onset, given the histories of the leading signal's anomalous
 * series and the release timeline.
 */
export function correlate(
  onset: number,
  now: number,
  histories: readonly History[],
  releases: readonly ReleaseEvent[],
  settings: CorrelationSettings,
): Attribution {
  const candidates = releases
    .filter((release) => isSuspect(release, onset, now, settings))
    .map((release) => score(release, onset, now, histories, releases, settings))
    .sort((a, b) => b.confidence - a.confidence || b.release.time - a.release.time);
  const [best, runnerUp] = candidates;
  if (!best || best.confidence < settings.minConfidence) return { kind: 'none', candidates };
  if (runnerUp && best.confidence - runnerUp.confidence < settings.ambiguityMargin && !sameFlag(best, runnerUp)) {
    return { kind: 'ambiguous', best, runnerUp, candidates };
  }
  return { kind: 'attributed', best, candidates };
}

function isSuspect(release: ReleaseEvent, onset: number, now: number, settings: CorrelationSettings): boolean {
  if (release.environment !== settings.environment) return false;
  if (release.kind === 'rollout-step' && release.toPercent <= release.fromPercent) return false;
  // A release within the onset's own period may have caused it.
  return release.time <= Math.min(now, onset + settings.periodMs) && release.time >= onset - settings.lookbackMs;
}

function score(
  release: ReleaseEvent,
  onset: number,
  now: number,
  histories: readonly History[],
  releases: readonly ReleaseEvent[],
  settings: CorrelationSettings,
): Candidate {
  const lagMs = Math.max(0, onset - release.time);
  const proximity = Math.exp(-lagMs / settings.responseMs);
  const response = responseAt(release.time, now, histories, settings);
  const doseResponse =
    release.kind === 'rollout-step' && !settings.trend ? doseResponseOf(release, now, histories, releases, settings) : undefined;
  const penalty = doseResponse && !doseResponse.consistent ? INCONSISTENT_DOSE_PENALTY : 1;
  const confidence = (PROXIMITY_WEIGHT * proximity + RESPONSE_WEIGHT * response) * penalty;
  return { release, lagMs, proximity, response, ...(doseResponse ? { doseResponse } : {}), confidence };
}

/** How much the leading signal changed at `time`, from 0 (not at all) to 1 (by the minimum effect or more). */
function responseAt(time: number, now: number, histories: readonly History[], settings: CorrelationSettings): number {
  const window = WINDOW_PERIODS * settings.periodMs;
  // What the release did shows within the signal's response time: a change that came later (a
  // surge a quarter of an hour after a harmless step) is not its response.
  const until = Math.min(now, time + Math.max(settings.responseMs, MIN_RESPONSE_PERIODS * settings.periodMs)) + 1;
  const responses: number[] = [];
  for (const history of histories) {
    if (settings.trend) {
      // Slopes right before and right after: a wider window would straddle earlier releases.
      const before = slopeBetween(history, time - TREND_WINDOW_FACTOR * window, time);
      const after = slopeBetween(history, time, Math.min(now + 1, time + TREND_WINDOW_FACTOR * window));
      if (before !== undefined && after !== undefined) responses.push(clamp01((after - before) / TREND_RESPONSE_PER_HOUR));
    } else {
      const before = medianBetween(history, time - window, time);
      const after = medianBetween(history, time, until, 1);
      if (before !== undefined && after !== undefined) responses.push(clamp01((after - before) / settings.minEffect));
    }
  }
  return responses.length > 0 ? median(responses) : UNKNOWN_RESPONSE;
}

/** The leading signal's level at each of a flag's steps up to now, and whether it grows with the percentage. */
function doseResponseOf(
  step: RolloutStep,
  now: number,
  histories: readonly History[],
  releases: readonly ReleaseEvent[],
  settings: CorrelationSettings,
): { levels: DoseLevel[]; consistent: boolean } | undefined {
  const steps = releases.filter(
    (r): r is RolloutStep =>
      r.kind === 'rollout-step' &&
      r.flag === step.flag &&
      r.environment === step.environment &&
      r.time <= now &&
      r.time >= step.time - settings.lookbackMs,
  );
  const first = steps[0];
  if (!first) return undefined;
  const window = WINDOW_PERIODS * settings.periodMs;
  const segments = [
    { percent: first.fromPercent, from: first.time - window, to: first.time },
    ...steps.map((s, i) => ({ percent: s.toPercent, from: s.time, to: steps[i + 1]?.time ?? now + 1 })),
  ];
  const measured = segments
    .map((segment) => ({ percent: segment.percent, level: meanOf(histories.map((h) => medianBetween(h, segment.from, segment.to, 1))) }))
    .filter((m): m is { percent: number; level: number } => m.level !== undefined);
  if (measured.length < 2) return undefined;
  const byPercent = [...measured].sort((a, b) => a.percent - b.percent);
  const lowest = byPercent[0]!.level;
  const tolerance = settings.minEffect / 2;
  const consistent = byPercent.every((m, i) => i === 0 || m.level >= byPercent[i - 1]!.level - tolerance);
  const levels = measured.map((m) => ({
    percent: m.percent,
    effect: settings.logScale ? Math.exp(m.level - lowest) : m.level - lowest,
  }));
  return { levels, consistent };
}

function sameFlag(a: Candidate, b: Candidate): boolean {
  return a.release.kind === 'rollout-step' && b.release.kind === 'rollout-step' && a.release.flag === b.release.flag;
}

function meanOf(values: ReadonlyArray<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length > 0 ? known.reduce((a, b) => a + b, 0) / known.length : undefined;
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}
