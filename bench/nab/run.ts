/**
 * `npm run bench:nab`: the guardrail's detector over every series of a NAB-format corpus, scored
 * as NAB scores (one threshold per profile, swept over the whole corpus), beside the published
 * detectors scored the same way on the same files, and the published scoreboard.
 *
 *   npm run bench:nab                                    # vendor/nab (44 files, 83 windows)
 *   npm run bench:nab -- --data NAB/data --windows NAB/labels/combined_windows.json   # the full corpus
 *
 * Writes the per-point results in NAB's format to bench/results/nab/stormguard/.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { scoreSeries } from '../../lambdas/core/detector.ts';
import { settingsForSeries } from '../../lambdas/core/detector-settings.ts';
import { nabScore } from '../../lambdas/core/format.ts';
import { type CorpusFile, readCorpus, readResultScores } from './corpus.ts';
import { normalizedScore, optimizeThreshold, PROFILE_NAMES, PROFILES, type ProfileName, type ScoredFile } from './scorer.ts';

const VENDORED_NAB = join(import.meta.dirname, '../../vendor/nab');
const RESULTS = join(import.meta.dirname, '../results/nab/stormguard');

/** The detector exactly as `stormguard detect` runs it by default: `--kind auto --direction both`. */
export function nabDetectorScores(file: Pick<CorpusFile, 'times' | 'values'>): number[] {
  const settings = settingsForSeries(file, { kind: 'auto', direction: 'both' });
  const { scores } = scoreSeries(
    settings,
    file.times.map((time, i) => ({ time, value: file.values[i]! })),
  );
  return scores.map(nabScore);
}

/** The three normalised scores of a corpus of scored files. */
export function nabScores(files: readonly ScoredFile[]): Record<ProfileName, { score: number; threshold: number }> {
  const windows = files.reduce((n, f) => n + f.windows.length, 0);
  return Object.fromEntries(
    PROFILE_NAMES.map((profile) => {
      const sweep = optimizeThreshold(files, PROFILES[profile]);
      return [profile, { score: normalizedScore(sweep.score, PROFILES[profile], windows), threshold: sweep.threshold }];
    }),
  ) as Record<ProfileName, { score: number; threshold: number }>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { data: { type: 'string' }, windows: { type: 'string', multiple: true } } });
  const data = values.data ?? join(VENDORED_NAB, 'data');
  const windows = values.windows ?? [join(VENDORED_NAB, 'labels/windows.json')];
  if (!existsSync(data) || windows.some((w) => !existsSync(w))) {
    console.log(`bench:nab: skipped, no NAB corpus at ${data} (pass --data DIR --windows FILE)`);
    return;
  }
  const corpus = await readCorpus(data, windows);
  const started = performance.now();
  const files = corpus.map((file) => ({ ...file, scores: nabDetectorScores(file) }));
  const detectMs = performance.now() - started;
  for (const file of files) {
    const [category, name] = file.name.split('/');
    const path = join(RESULTS, category!, `stormguard_${name}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      `timestamp,value,anomaly_score\n${file.stamps.map((s, i) => `${s},${file.values[i]},${file.scores[i]}`).join('\n')}\n`,
    );
  }
  const rows: Array<[string, Record<ProfileName, { score: number; threshold: number }>]> = [['Stormguard (this run)', nabScores(files)]];
  for (const detector of ['numenta', 'windowedGaussian']) {
    const folder = join(dirname(data), 'results', detector);
    if (!existsSync(folder) || !corpus.every((f) => existsSync(resultPath(folder, detector, f.name)))) continue;
    const published = await Promise.all(
      corpus.map(async (f) => ({ ...f, scores: await readResultScores(resultPath(folder, detector, f.name)) })),
    );
    rows.push([`${detector} (published per-point results, same files)`, nabScores(published)]);
  }
  const windowCount = corpus.reduce((n, f) => n + f.windows.length, 0);
  const points = corpus.reduce((n, f) => n + f.times.length, 0);
  console.log(`NAB: ${corpus.length} files, ${windowCount} windows, ${points} points (${data}); detector ${detectMs.toFixed(0)} ms\n`);
  console.log('| detector | standard | reward_low_FP_rate | reward_low_FN_rate |');
  console.log('|---|---|---|---|');
  for (const [name, scores] of rows)
    console.log(`| ${name} | ${PROFILE_NAMES.map((p) => `${scores[p].score.toFixed(1)} (θ ${scores[p].threshold})`).join(' | ')} |`);
  const board = join(dirname(data), 'results', 'final_results.json');
  if (existsSync(board)) {
    const published = JSON.parse(await readFile(board, 'utf8')) as Record<string, Record<ProfileName, number>>;
    console.log('\nPublished scoreboard (the full 58-file corpus; results/final_results.json):');
    for (const [name, scores] of Object.entries(published).sort(([, a], [, b]) => b.standard - a.standard)) {
      console.log(`| ${name} | ${PROFILE_NAMES.map((p) => scores[p].toFixed(1)).join(' | ')} |`);
    }
  }
  console.log(`\nPer-point results: ${RESULTS}`);
}

function resultPath(folder: string, detector: string, name: string): string {
  const [category, file] = name.split('/');
  return join(folder, category!, `${detector}_${file}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
