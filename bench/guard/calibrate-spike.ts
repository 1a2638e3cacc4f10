/**
 * `npx tsx bench/guard/calibrate-spike.ts [--traffic-reference]`: the release watch's one-period alarm (`spikeMargin`),
 * with its other constants as chosen: per texture category, the false alarms it adds and the
 * shifts it catches after one period.
 */
import { type ReleaseWatchSettings, releaseWatchSettings } from '../../lambdas/core/release-watch.ts';
import { cliTrials, FACTORS, openTrial, watchTrial } from './calibrate.ts';
import { TEXTURE_CATEGORIES, type TextureCategory } from './textures.ts';
import type { Trial } from './trials.ts';

export const SPIKE_MARGINS = [0, 1.5, 2, 3, 4] as const;

/**
 * The one-period alarm (`spikeMargin`), with the other constants as chosen: per category, the
 * false alarms it adds and the shifts it catches after one period. The rule: the smallest margin
 * that adds no false alarm on the training categories.
 */
export function spikeTable(all: readonly Trial[], minFactor: number): void {
  const rows = SPIKE_MARGINS.map((spikeMargin) => {
    const settings = releaseWatchSettings(60_000, minFactor, { spikeMargin });
    return {
      spikeMargin,
      byCategory: new Map(
        TEXTURE_CATEGORIES.map((c) => [
          c,
          spikeScores(
            all.filter((t) => t.category === c),
            settings,
          ),
        ]),
      ),
    };
  });
  const pick = (training: readonly TextureCategory[]) => {
    const fa = (r: (typeof rows)[number]) => training.reduce((a, c) => a + r.byCategory.get(c)!.falseAlarms, 0);
    const base = fa(rows[0]!);
    return rows.find((r) => r.spikeMargin > 0 && fa(r) <= base) ?? rows[0]!;
  };
  console.log('\nOne-period alarms: false alarms per step, and shifts caught after one period (1.5x, 2x, 3x, 10x)\n');
  console.log(`| spike margin | ${TEXTURE_CATEGORIES.join(' | ')} |\n|---|${TEXTURE_CATEGORIES.map(() => '---').join('|')}|`);
  for (const r of rows)
    console.log(`| ${r.spikeMargin || 'off'} | ${TEXTURE_CATEGORIES.map((c) => r.byCategory.get(c)!.text).join(' | ')} |`);
  for (const held of TEXTURE_CATEGORIES)
    console.log(`held out ${held}: chosen on the others, spike margin ${pick(TEXTURE_CATEGORIES.filter((c) => c !== held)).spikeMargin}`);
  console.log(`chosen on realAWSCloudwatch: spike margin ${pick(['realAWSCloudwatch']).spikeMargin}`);
}

function spikeScores(trials: readonly Trial[], settings: ReleaseWatchSettings): { falseAlarms: number; text: string } {
  const opened = trials.map((t) => openTrial(t, settings));
  const falseAlarms = trials.filter((t, i) => watchTrial(t, 1, settings, opened[i]).alarm).length;
  const first = FACTORS.slice(1).map(
    (f) => trials.filter((t, i) => watchTrial(t, f, settings, opened[i]).period === 0).length / trials.length,
  );
  return {
    falseAlarms,
    text: `${falseAlarms} (${((100 * falseAlarms) / trials.length).toFixed(1)}%); ${first.map((x) => `${(100 * x).toFixed(0)}%`).join(', ')}`,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { all, minFactor } = cliTrials();
  spikeTable(all, minFactor);
}
