/**
 * Pseudo-releases on benign worlds, for bench/guard/calibrate.ts: every hour of two 48 h windows
 * of each texture, each broker's points of the two hours before it and its values after, as the
 * engine's release watch would read them (per unit of the cluster's BytesInPerSec, where asked: its
 * traffic where MessagesInPerSec is not exported).
 */
import type { BrokerHistory } from '../../lambdas/core/release-watch.ts';
import { releaseWatchSettings } from '../../lambdas/core/release-watch.ts';
import { pointsPerTraffic, trafficAt, trafficLevel } from '../../lambdas/core/traffic-reference.ts';
import { median } from '../../lambdas/core/watch-points.ts';
import type { SimulatedSignal } from '../../lambdas/simulator/simulate.ts';
import { type Texture, type TextureCategory, trafficWindow } from './textures.ts';
import { BURN_IN_MINUTES, MINUTE_MS, runWorld } from './world.ts';

const WINDOW_HOURS = 48;
export const HISTORY_MINUTES = Number(process.env.WATCH_HISTORY_MINUTES ?? 120);
export const RELEASE_EVERY_MINUTES = 60;
const WINDOW_OFFSETS = [0.2, 0.7] as const;

/** One pseudo-release: each broker's points before it, and after it (for the watch). */
export interface Trial {
  readonly category: TextureCategory;
  readonly texture: string;
  readonly time: number;
  readonly before: readonly BrokerHistory[];
  /** Per watched period, each broker's value. */
  readonly after: ReadonlyArray<ReadonlyArray<{ broker: string; value: number }>>;
  /** Per unit of traffic: `before` is already, each watched period's value is multiplied by its e^{R₀ − R_t} (traffic-reference.ts). */
  readonly scale?: readonly number[];
}

export function trials(textures: readonly Texture[], signal: SimulatedSignal, watchPeriods: number, perTraffic = false): Trial[] {
  const out: Trial[] = [];
  textures.forEach((texture, t) => {
    WINDOW_OFFSETS.forEach((offset, w) => {
      const minutes = WINDOW_HOURS * 60;
      const { traffic } = trafficWindow(texture, offset, BURN_IN_MINUTES + minutes);
      const start = Date.UTC(2025, 9, 6);
      const world = runWorld({
        seed: 7_000_000 + 100 * t + w,
        start,
        minutes,
        traffic,
        brokers: 6,
        flags: [],
        surges: [],
        outages: [],
        signals: perTraffic ? [signal, 'BytesInPerSec'] : [signal],
      });
      for (
        let release = start + HISTORY_MINUTES * MINUTE_MS;
        release + watchPeriods * MINUTE_MS <= start + minutes * MINUTE_MS;
        release += RELEASE_EVERY_MINUTES * MINUTE_MS
      ) {
        const trial = trialAt(
          texture,
          world.series.filter((s) => s.signal === signal),
          release,
          watchPeriods,
        );
        out.push(
          perTraffic
            ? trafficTrial(
                trial,
                world.series.filter((s) => s.signal === 'BytesInPerSec'),
              )
            : trial,
        );
      }
    });
  });
  return out;
}

function trialAt(texture: Texture, series: ReturnType<typeof runWorld>['series'], release: number, watchPeriods: number): Trial {
  const before: BrokerHistory[] = [];
  const after: Array<Array<{ broker: string; value: number }>> = Array.from({ length: watchPeriods }, () => []);
  for (const s of series) {
    const broker = String(s.broker);
    const points: Array<{ time: number; value: number }> = [];
    s.times.forEach((time, i) => {
      if (time >= release - HISTORY_MINUTES * MINUTE_MS && time < release) points.push({ time, value: s.values[i]! });
      const period = Math.round((time - release) / MINUTE_MS);
      if (period >= 0 && period < watchPeriods) after[period]!.push({ broker, value: s.values[i]! });
    });
    before.push({ broker, points });
  }
  return { category: texture.category, texture: texture.name, time: release, before, after };
}

/** The trial per unit of traffic, as the engine's watch reads it where BytesInPerSec is the traffic signal. */
function trafficTrial(trial: Trial, bytes: ReturnType<typeof runWorld>['series']): Trial {
  const byTime = new Map<number, number[]>();
  for (const s of bytes)
    for (const [i, time] of s.times.entries()) byTime.set(time, [...(byTime.get(time) ?? []), Math.log(s.values[i]! + 1)]);
  const reference = new Map([...byTime].sort((a, b) => a[0] - b[0]).map(([time, logs]) => [time, median(logs)]));
  const levelPeriods = releaseWatchSettings(MINUTE_MS, 1.5).levelPeriods;
  const level = trafficLevel(reference, trial.time - levelPeriods * MINUTE_MS, trial.time, levelPeriods / 2)!;
  const before = trial.before.map((h) => ({ broker: h.broker, points: pointsPerTraffic(h.points, reference, level, MINUTE_MS) }));
  const scale = trial.after.map((_, i) => Math.exp(level - (trafficAt(reference, trial.time + i * MINUTE_MS, MINUTE_MS) ?? level)));
  return { ...trial, before, scale };
}
