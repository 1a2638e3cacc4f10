/**
 * `npm run bench:nab-loco`: leave-one-category-out on a NAB-format corpus (issue 11). For each
 * category in turn, the threshold (per profile) and the detector constants that were chosen on
 * NAB (docs/benchmarks.md) are chosen over a small grid on the other categories, then the held-out
 * category is scored with them. Printed beside the plain score: the defaults and one threshold
 * per profile swept over the whole corpus, as `npm run bench:nab` scores them.
 *
 *   npm run bench:nab-loco                                # vendor/nab (5 categories, 44 files)
 *   npm run bench:nab-loco -- --data NAB/data --windows NAB/labels/combined_windows.json
 *
 * Each combination of constants runs the detector once over the corpus; its scores serve every
 * fold and profile, then are dropped (only the sweeps' results are kept).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scoreSeries } from '../../lambdas/core/detector.ts';
import { SERIES_TUNING, type SeriesTuning, settingsForSeries } from '../../lambdas/core/detector-settings.ts';
import { nabScore } from '../../lambdas/core/format.ts';
import { type CorpusFile, readCorpus } from './corpus.ts';
import {
  type Candidate,
  candidateFolds,
  categoriesOf,
  categoryOf,
  chooseFold,
  combinedScore,
  type FoldChoice,
  rawScore,
  windowCount,
} from './loco.ts';
import { normalizedScore, optimizeThreshold, PROFILE_NAMES, PROFILES, type ProfileName, type ScoredFile } from './scorer.ts';

const VENDORED_NAB = join(import.meta.dirname, '../../vendor/nab');

/** The grid: each constant's default first, then one smaller and one larger value (3^5 = 243 combinations). */
export const GRID: { readonly [K in keyof SeriesTuning]: readonly number[] } = {
  recentAlpha: [SERIES_TUNING.recentAlpha, 0.4, 0.6],
  quietPeriods: [SERIES_TUNING.quietPeriods, 15, 100],
  sustainedHalfLife: [SERIES_TUNING.sustainedHalfLife, 10, 100],
  halfLife: [SERIES_TUNING.halfLife, 300, 3000],
  fastHalfLife: [SERIES_TUNING.fastHalfLife, 30, 300],
};
const KEYS = Object.keys(GRID) as Array<keyof SeriesTuning>;
const SHORT: Record<keyof SeriesTuning, string> = {
  recentAlpha: 'recent',
  quietPeriods: 'quiet',
  sustainedHalfLife: 'sustained',
  halfLife: 'slow',
  fastHalfLife: 'fast',
};

/** Every combination of the grid's values, the defaults first. */
export function gridTunings(): SeriesTuning[] {
  let tunings: Array<Partial<SeriesTuning>> = [{}];
  for (const key of KEYS) tunings = tunings.flatMap((t) => GRID[key].map((value) => ({ ...t, [key]: value })));
  return tunings as SeriesTuning[];
}

/** "recent 0.5, quiet 30, …", with the defaults' values as "·" so that a change stands out. */
export function describeTuning(tuning: SeriesTuning): string {
  return KEYS.map((key) => `${SHORT[key]} ${tuning[key] === SERIES_TUNING[key] ? '·' : tuning[key]}`).join(', ');
}

/** The detector as `stormguard detect` runs it, with the given constants. */
function scoreCorpus(corpus: readonly CorpusFile[], tuning: SeriesTuning): ScoredFile[] {
  return corpus.map((file) => {
    const settings = settingsForSeries(file, { kind: 'auto', direction: 'both' }, tuning);
    const { scores } = scoreSeries(
      settings,
      file.times.map((time, i) => ({ time, value: file.values[i]! })),
    );
    return { ...file, scores: scores.map(nabScore) };
  });
}

interface Evaluated {
  readonly candidates: Record<ProfileName, Candidate<SeriesTuning>[]>;
  /** Per profile and candidate: the whole corpus's sweep (the plain score when the candidate is the defaults). */
  readonly whole: Record<ProfileName, Array<{ threshold: number; score: number }>>;
  /** The defaults' scored files (for the plain per-category scores). */
  readonly defaults: ScoredFile[];
  readonly detectorMs: number;
}

function evaluateGrid(corpus: readonly CorpusFile[], tunings: readonly SeriesTuning[]): Evaluated {
  const windows = windowCount(corpus);
  const candidates = Object.fromEntries(PROFILE_NAMES.map((p) => [p, []])) as unknown as Evaluated['candidates'];
  const whole = Object.fromEntries(PROFILE_NAMES.map((p) => [p, []])) as unknown as Evaluated['whole'];
  let defaults: ScoredFile[] = [];
  let detectorMs = 0;
  tunings.forEach((tuning, index) => {
    const started = performance.now();
    const files = scoreCorpus(corpus, tuning);
    detectorMs += performance.now() - started;
    if (index === 0) defaults = files;
    for (const profile of PROFILE_NAMES) {
      candidates[profile].push({ constants: tuning, folds: candidateFolds(files, PROFILES[profile]) });
      const sweep = optimizeThreshold(files, PROFILES[profile]);
      whole[profile].push({ threshold: sweep.threshold, score: normalizedScore(sweep.score, PROFILES[profile], windows) });
    }
    if ((index + 1) % 27 === 0) process.stderr.write(`bench:nab-loco: ${index + 1} / ${tunings.length} combinations\n`);
  });
  return { candidates, whole, defaults, detectorMs };
}

/** A category's score: normalised by its own windows, or its raw score (false positives' cost) when it has none. */
function categoryScore(raw: number, profile: ProfileName, windows: number): string {
  return windows === 0 ? `${raw.toFixed(2)} raw` : normalizedScore(raw, PROFILES[profile], windows).toFixed(1);
}

function printProfile(corpus: readonly CorpusFile[], evaluated: Evaluated, profile: ProfileName): void {
  const plain = evaluated.whole[profile][0]!;
  const choices: FoldChoice<SeriesTuning>[] = [];
  const thresholdOnly: FoldChoice<SeriesTuning>[] = [];
  console.log(`\n### ${profile}\n`);
  console.log('| held out | windows | chosen on the other four | θ | training | held-out score | held out, θ alone chosen | plain score |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const category of categoriesOf(corpus)) {
    const choice = chooseFold(evaluated.candidates[profile], category);
    const defaultsOnly = chooseFold(evaluated.candidates[profile].slice(0, 1), category);
    choices.push(choice);
    thresholdOnly.push(defaultsOnly);
    const held = evaluated.defaults.filter((f) => categoryOf(f.name) === category);
    const windows = windowCount(held);
    const plainRaw = rawScore(held, PROFILES[profile], plain.threshold);
    console.log(
      `| ${category} | ${windows} | ${describeTuning(choice.constants)} | ${choice.outcome.threshold.toFixed(4)} | ` +
        `${choice.outcome.training.toFixed(1)} | ${categoryScore(choice.outcome.heldOutRaw, profile, windows)} | ` +
        `${categoryScore(defaultsOnly.outcome.heldOutRaw, profile, windows)} | ${categoryScore(plainRaw, profile, windows)} |`,
    );
  }
  const all = windowCount(corpus);
  const [combined, combinedThreshold] = [choices, thresholdOnly].map((c) => combinedScore(c, PROFILES[profile], all).toFixed(1));
  console.log(
    `| **combined** | ${all} | | | | **${combined}** | **${combinedThreshold}** | **${plain.score.toFixed(1)}** (θ ${plain.threshold.toFixed(4)}) |`,
  );
  const scores = evaluated.whole[profile];
  const best = scores.reduce((b, s, i) => (s.score > scores[b]!.score ? i : b), 0);
  console.log(
    `\nThe grid's own choice on all five (in-sample): ${describeTuning(evaluated.candidates[profile][best]!.constants)}, ` +
      `${scores[best]!.score.toFixed(1)} (defaults ${plain.score.toFixed(1)}).`,
  );
}

/**
 * One constant at a time, the others at their defaults: the whole corpus's score for each value
 * (in-sample), then the held-out score when only that constant (and the threshold) is chosen per
 * fold, with how often each value was chosen.
 */
function printSensitivity(tunings: readonly SeriesTuning[], evaluated: Evaluated, corpus: readonly CorpusFile[]): void {
  console.log('\n### One constant at a time (the others at their defaults)\n');
  console.log(`| constant | value | ${PROFILE_NAMES.join(' | ')} |`);
  console.log(`|---|---|${PROFILE_NAMES.map(() => '---|').join('')}`);
  for (const key of KEYS) {
    const indices = GRID[key].map((value) => tunings.findIndex((t) => KEYS.every((k) => t[k] === (k === key ? value : SERIES_TUNING[k]))));
    GRID[key].forEach((value, i) => {
      const cells = PROFILE_NAMES.map((p) => evaluated.whole[p][indices[i]!]!.score.toFixed(1));
      console.log(`| ${SHORT[key]} | ${value}${i === 0 ? ' (default)' : ''}, whole corpus | ${cells.join(' | ')} |`);
    });
    const cells = PROFILE_NAMES.map((profile) => {
      const candidates = indices.map((i) => evaluated.candidates[profile][i]!);
      const choices = categoriesOf(corpus).map((category) => chooseFold(candidates, category));
      const counts = GRID[key].map((value) => `${value} ×${choices.filter((c) => c.constants[key] === value).length}`);
      return `**${combinedScore(choices, PROFILES[profile], windowCount(corpus)).toFixed(1)}** (${counts.join(', ')})`;
    });
    console.log(`| ${SHORT[key]} | chosen per fold, held out | ${cells.join(' | ')} |`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { data: { type: 'string' }, windows: { type: 'string', multiple: true }, 'defaults-only': { type: 'boolean' } },
  });
  const data = values.data ?? join(VENDORED_NAB, 'data');
  const windows = values.windows ?? [join(VENDORED_NAB, 'labels/windows.json')];
  if (!existsSync(data) || windows.some((w) => !existsSync(w))) {
    console.log(`bench:nab-loco: skipped, no NAB corpus at ${data} (pass --data DIR --windows FILE)`);
    return;
  }
  const started = performance.now();
  const corpus = await readCorpus(data, windows);
  // --defaults-only: the threshold alone is chosen per fold (a few seconds; the grid takes minutes).
  const tunings = values['defaults-only'] ? [SERIES_TUNING] : gridTunings();
  const evaluated = evaluateGrid(corpus, tunings);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `NAB leave-one-category-out: ${corpus.length} files, ${windowCount(corpus)} windows, ${categoriesOf(corpus).length} categories ` +
      `(${data}); ${tunings.length} combinations of constants; detector ${(evaluated.detectorMs / tunings.length).toFixed(0)} ms ` +
      `a pass over the corpus; ${seconds.toFixed(0)} s in all.`,
  );
  console.log(`Grid (default first): ${KEYS.map((k) => `${SHORT[k]} {${GRID[k].join(', ')}}`).join('; ')}. "·": the default.`);
  for (const profile of PROFILE_NAMES) printProfile(corpus, evaluated, profile);
  if (tunings.length > 1) printSensitivity(tunings, evaluated, corpus);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
