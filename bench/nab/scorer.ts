/**
 * The Numenta Anomaly Benchmark's scoring, from its language-neutral specification
 * (docs/nab-scoring.md; NAB v1.1): anomaly windows, the probationary period, the scaled
 * sigmoid, the three cost profiles, the corpus-wide threshold sweep and the normalisation.
 *
 * Pure: files in (timestamps, scores, windows), numbers out. Section numbers (§) refer to docs/nab-scoring.md.
 */

export interface Profile {
  readonly tpWeight: number;
  readonly fnWeight: number;
  readonly fpWeight: number;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11 },
};
export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';
export const PROFILE_NAMES = Object.keys(PROFILES) as ProfileName[];

/** One scored series: row timestamps, the detector's score per row, and the labelled windows. */
export interface ScoredFile {
  readonly name: string;
  readonly times: readonly number[];
  readonly scores: readonly number[];
  /** [start, end] timestamps, inclusive, sorted. */
  readonly windows: ReadonlyArray<readonly [number, number]>;
}

export interface FileScore {
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

/** Row tags: a window index (≥ 0), outside every window, or probationary. */
const OUTSIDE = -1;
const PROBATIONARY = -2;
const PROBATION_FRACTION = 0.15;
const PROBATION_CAP_ROWS = 0.15 * 5000;
/** The threshold at which nothing is detected: the sweep's start. */
const NO_DETECTION_THRESHOLD = 1.1;

/** §3: 2·sigmoid(−5y) − 1, and exactly −1 beyond 3. */
export function scaledSigmoid(y: number): number {
  return y > 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

const MAX_TP = scaledSigmoid(-1);

/** §2: rows before this index are not scored. */
export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_FRACTION * rows), PROBATION_CAP_ROWS);
}

interface RowValues {
  readonly values: Float64Array;
  /** Window index, OUTSIDE or PROBATIONARY. */
  readonly tags: Int32Array;
}

/** §4: each row's weighted value, and which window (if any) it is in. */
export function rowValues(file: ScoredFile, profile: Profile): RowValues {
  const n = file.times.length;
  const values = new Float64Array(n);
  const tags = new Int32Array(n);
  const probation = probationaryLength(n);
  let next = 0;
  let open: { id: number; end: number; right: number; width: number } | undefined;
  let lastClosed: { right: number; width: number } | undefined;
  for (let i = 0; i < n; i++) {
    const time = file.times[i]!;
    const window = file.windows[next];
    if (!open && window && time === window[0]) {
      const right = file.times.indexOf(window[1]);
      if (right < i) throw new Error(`${file.name}: window ending ${new Date(window[1]).toISOString()} has no row`);
      open = { id: next++, end: window[1], right, width: right - i + 1 };
    }
    if (open) {
      values[i] = (profile.tpWeight * scaledSigmoid(-(open.right - i + 1) / open.width)) / MAX_TP;
      tags[i] = open.id;
      if (time === open.end) {
        lastClosed = open;
        open = undefined;
      }
    } else {
      values[i] = lastClosed
        ? profile.fpWeight * scaledSigmoid(Math.abs(lastClosed.right - i) / (lastClosed.width - 1))
        : -profile.fpWeight;
      tags[i] = OUTSIDE;
    }
    if (i < probation) tags[i] = PROBATIONARY;
  }
  return { values, tags };
}

/** §5: a file's score and row counts when every row scoring at least `threshold` is a detection. */
export function scoreFile(file: ScoredFile, profile: Profile, threshold: number): FileScore {
  const { values, tags } = rowValues(file, profile);
  const windowScores = new Map<number, number>();
  for (const tag of tags) if (tag >= 0) windowScores.set(tag, -profile.fnWeight);
  let fpSum = 0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    if (tag === PROBATIONARY) continue;
    const detected = file.scores[i]! >= threshold;
    if (tag >= 0) {
      if (detected) {
        tp++;
        windowScores.set(tag, Math.max(windowScores.get(tag)!, values[i]!));
      } else fn++;
    } else if (detected) {
      fp++;
      fpSum += values[i]!;
    } else tn++;
  }
  let score = fpSum;
  for (const windowScore of windowScores.values()) score += windowScore;
  return { score, tp, tn, fp, fn };
}

export interface Sweep {
  readonly threshold: number;
  readonly score: number;
}

/**
 * §7: the one threshold, for the whole corpus, that maximises the raw score; ties go to the
 * higher threshold (the first found, sweeping down).
 */
export function optimizeThreshold(files: readonly ScoredFile[], profile: Profile): Sweep {
  const rows: Array<{ score: number; value: number; window: number }> = [];
  let windows = 0;
  for (const file of files) {
    const { values, tags } = rowValues(file, profile);
    for (let i = 0; i < tags.length; i++) {
      const tag = tags[i]!;
      if (tag === PROBATIONARY) continue;
      rows.push({ score: file.scores[i]!, value: values[i]!, window: tag >= 0 ? windows + tag : OUTSIDE });
    }
    windows += file.windows.length;
  }
  rows.sort((a, b) => b.score - a.score);
  const windowBest = new Float64Array(windows).fill(-profile.fnWeight);
  let score = -profile.fnWeight * windows;
  let best: Sweep = { threshold: NO_DETECTION_THRESHOLD, score };
  let threshold = NO_DETECTION_THRESHOLD;
  for (let i = 0; i < rows.length; ) {
    const value = rows[i]!.score;
    if (score > best.score) best = { threshold, score };
    for (; i < rows.length && rows[i]!.score === value; i++) {
      const row = rows[i]!;
      if (row.window === OUTSIDE) score += row.value;
      else if (row.value > windowBest[row.window]!) {
        score += row.value - windowBest[row.window]!;
        windowBest[row.window] = row.value;
      }
    }
    threshold = value;
  }
  if (score > best.score) best = { threshold, score };
  return best;
}

/** §8: 100 for the perfect detector, 0 for the null one. */
export function normalizedScore(raw: number, profile: Profile, windowCount: number): number {
  const nullScore = -profile.fnWeight * windowCount;
  const perfect = profile.tpWeight * windowCount;
  return (100 * (raw - nullScore)) / (perfect - nullScore);
}
