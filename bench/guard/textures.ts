/**
 * Real traffic textures for the guard suite: every series of NAB's realAWSCloudwatch, realTweets
 * and realAdExchange categories, read as the shape of a Kafka cluster's traffic.
 *
 * None of these series was made here, and none is Kafka traffic: that is the point. They carry
 * what real systems do (spikes, plateaus, batch bursts, daily cycles, gaps) that a simulator's
 * cosine does not. A texture becomes a per-minute traffic multiplier (1 = its typical level) by
 * linear interpolation between its points (5 minutes or an hour apart), kept within a range a
 * cluster plausibly serves: a mostly-zero series (disk writes, rare tweets) becomes a quiet
 * background with bursts, not a cluster that stops.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../cli/paths.ts';
import { nabTime } from '../nab/corpus.ts';

export const TEXTURE_CATEGORIES = ['realAWSCloudwatch', 'realTweets', 'realAdExchange'] as const;
export type TextureCategory = (typeof TEXTURE_CATEGORIES)[number];

export interface Texture {
  /** "realTweets/Twitter_volume_AAPL". */
  readonly name: string;
  readonly category: TextureCategory;
  readonly times: readonly number[];
  /** Traffic multipliers, 1 at the texture's typical level, within [MIN_TRAFFIC, MAX_TRAFFIC]. */
  readonly traffic: readonly number[];
}

/** The quietest and busiest a texture's traffic gets, relative to its typical level: a 25x range. */
export const MIN_TRAFFIC = 0.2;
export const MAX_TRAFFIC = 5;
/** A series that is mostly zero has no useful median: a quarter of its mean stands for "typical". */
const MEAN_SHARE_AS_TYPICAL = 0.25;
const MINUTE_MS = 60_000;

/**
 * The data folder: `--data` when given; else the copy the project ships (vendor/nab/data).
 */
export function resolveDataDir(option?: string): string {
  if (option !== undefined) {
    const dir = resolve(option);
    if (!hasTextures(dir)) throw new Error(`--data ${option}: no ${TEXTURE_CATEGORIES.join(', ')} folders of NAB CSV files there`);
    return dir;
  }
  const vendored = join(packageRoot, 'vendor', 'nab', 'data');
  if (!hasTextures(vendored)) throw new Error(`no NAB data in ${vendored}; pass --data <folder with ${TEXTURE_CATEGORIES[0]}/…>`);
  return vendored;
}

function hasTextures(dir: string): boolean {
  return TEXTURE_CATEGORIES.every((category) => existsSync(join(dir, category)));
}

/** Every texture of the three categories, in a stable order (category, then file name). */
export function loadTextures(dataDir: string): Texture[] {
  return TEXTURE_CATEGORIES.flatMap((category) =>
    readdirSync(join(dataDir, category))
      .filter((file) => file.endsWith('.csv'))
      .sort()
      .map((file) => readTexture(join(dataDir, category, file), category, `${category}/${file.replace(/\.csv$/, '')}`)),
  );
}

function readTexture(path: string, category: TextureCategory, name: string): Texture {
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const times: number[] = [];
  const values: number[] = [];
  rows.forEach((row, i) => {
    const [stamp, value] = row.split(',');
    const v = Number(value);
    if (stamp === undefined || !Number.isFinite(v))
      throw new Error(`${path}: line ${i + 2}: expected "timestamp,value", got ${JSON.stringify(row)}`);
    times.push(nabTime(stamp));
    values.push(v);
  });
  if (times.length < 2) throw new Error(`${path}: fewer than two points`);
  const typical = typicalLevel(values);
  const traffic = values.map((v) => Math.min(MAX_TRAFFIC, Math.max(MIN_TRAFFIC, Math.max(0, v) / typical)));
  return { name, category, times, traffic };
}

function typicalLevel(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const typical = Math.max(median, MEAN_SHARE_AS_TYPICAL * mean);
  return typical > 0 ? typical : 1;
}

/** How long the texture lasts, first to last point. */
export function spanOf(texture: Texture): number {
  return texture.times.at(-1)! - texture.times[0]!;
}

/**
 * `minutes` per-minute traffic multipliers from the texture, starting at `offset` (a fraction of
 * the span that leaves room for the window); a window longer than the texture wraps around.
 * Returns the texture time of the window's first minute too (for its time of day).
 */
export function trafficWindow(texture: Texture, offset: number, minutes: number): { start: number; traffic: Float64Array } {
  const first = texture.times[0]!;
  const span = spanOf(texture);
  const room = Math.max(0, span - minutes * MINUTE_MS);
  const start = Math.floor((first + offset * room) / MINUTE_MS) * MINUTE_MS;
  const traffic = new Float64Array(minutes);
  let j = 0;
  for (let i = 0; i < minutes; i++) {
    // Wrapping keeps a short texture usable for a long window: the texture repeats.
    const t = first + ((start - first + i * MINUTE_MS) % (span + MINUTE_MS));
    if (t < texture.times[j]!) j = 0;
    while (j < texture.times.length - 2 && texture.times[j + 1]! <= t) j++;
    traffic[i] = interpolate(texture, j, t);
  }
  return { start, traffic };
}

function interpolate(texture: Texture, j: number, t: number): number {
  const t0 = texture.times[j]!;
  const t1 = texture.times[j + 1]!;
  const v0 = texture.traffic[j]!;
  const v1 = texture.traffic[j + 1]!;
  if (t <= t0) return v0;
  if (t >= t1) return v1;
  return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
}
