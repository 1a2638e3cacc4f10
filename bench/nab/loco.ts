/**
 * Leave-one-category-out (issue 11): whatever is chosen (a threshold, a detector constant) is
 * chosen on four of a corpus's categories and scored on the fifth, each category in turn, so no
 * constant is chosen by its score on the files it is scored on.
 *
 * Pure: candidates in (one per combination of constants, each with its files scored by the
 * detector run with those constants), choices and scores out. A candidate's threshold is NAB's
 * corpus-wide sweep (scorer.ts §7) over the training categories' files alone; the candidate
 * chosen for a fold is the one whose training score is highest (the first on ties, so list the
 * defaults first). The held-out category's files are read only to score them at that threshold.
 */
import { normalizedScore, optimizeThreshold, type Profile, type ScoredFile, scoreFile } from './scorer.ts';

/** "realTweets/Twitter_volume_AAPL.csv" → "realTweets". */
export function categoryOf(name: string): string {
  const slash = name.indexOf('/');
  if (slash <= 0) throw new Error(`not "<category>/<file>": ${JSON.stringify(name)}`);
  return name.slice(0, slash);
}

/** The corpus's categories, sorted. */
export function categoriesOf(files: readonly Pick<ScoredFile, 'name'>[]): string[] {
  return [...new Set(files.map((f) => categoryOf(f.name)))].sort();
}

export function windowCount(files: readonly Pick<ScoredFile, 'windows'>[]): number {
  return files.reduce((n, f) => n + f.windows.length, 0);
}

/** One candidate on one fold: what its training categories chose and what the held-out one scored. */
export interface FoldOutcome {
  /** The threshold swept over the training categories' files. */
  readonly threshold: number;
  /** The training categories' raw score at that threshold. */
  readonly trainingRaw: number;
  /** The training categories' normalised score (0 null, 100 perfect). */
  readonly training: number;
  /** The held-out category's raw score at the training threshold. */
  readonly heldOutRaw: number;
}

/** A candidate's outcome on the fold that holds out `heldOut`: chosen without its files. */
export function foldOutcome(files: readonly ScoredFile[], profile: Profile, heldOut: string): FoldOutcome {
  const training = files.filter((f) => categoryOf(f.name) !== heldOut);
  const held = files.filter((f) => categoryOf(f.name) === heldOut);
  if (training.length === 0 || held.length === 0) throw new Error(`no fold holds out ${heldOut}: it must be one category of several`);
  const sweep = optimizeThreshold(training, profile);
  return {
    threshold: sweep.threshold,
    trainingRaw: sweep.score,
    training: normalizedScore(sweep.score, profile, windowCount(training)),
    heldOutRaw: rawScore(held, profile, sweep.threshold),
  };
}

/** The summed raw score of files at one threshold. */
export function rawScore(files: readonly ScoredFile[], profile: Profile, threshold: number): number {
  return files.reduce((sum, f) => sum + scoreFile(f, profile, threshold).score, 0);
}

/** One combination of constants and what it scored on every fold. */
export interface Candidate<C> {
  readonly constants: C;
  /** Held-out category → outcome. */
  readonly folds: ReadonlyMap<string, FoldOutcome>;
}

/** Every fold's outcome for one candidate's scored files. */
export function candidateFolds(files: readonly ScoredFile[], profile: Profile): Map<string, FoldOutcome> {
  return new Map(categoriesOf(files).map((category) => [category, foldOutcome(files, profile, category)]));
}

export interface FoldChoice<C> {
  readonly heldOut: string;
  readonly constants: C;
  readonly outcome: FoldOutcome;
}

/** For the fold holding out `heldOut`: the candidate with the highest training score (the first on ties). */
export function chooseFold<C>(candidates: readonly Candidate<C>[], heldOut: string): FoldChoice<C> {
  let best: FoldChoice<C> | undefined;
  for (const candidate of candidates) {
    const outcome = candidate.folds.get(heldOut);
    if (!outcome) throw new Error(`a candidate has no fold holding out ${heldOut}`);
    if (!best || outcome.trainingRaw > best.outcome.trainingRaw) best = { heldOut, constants: candidate.constants, outcome };
  }
  if (!best) throw new Error('no candidates');
  return best;
}

/**
 * The held-out scores of all folds as one: their raw scores summed (each file is held out exactly
 * once, so this is a raw score of the whole corpus) and normalised by the whole corpus's null and
 * perfect scores, as NAB normalises a corpus. A category with no windows (artificialNoAnomaly) has
 * no normalised score of its own (its null and perfect are both 0); here it counts as its false
 * positives' cost.
 */
export function combinedScore(choices: readonly FoldChoice<unknown>[], profile: Profile, windows: number): number {
  return normalizedScore(
    choices.reduce((sum, c) => sum + c.outcome.heldOutRaw, 0),
    profile,
    windows,
  );
}
