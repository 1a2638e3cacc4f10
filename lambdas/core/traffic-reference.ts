/**
 * A fast signal per unit of traffic. A producer storm adds connections, not records or bytes; a
 * burst of traffic adds both. Where the configuration names a traffic signal (`traffic: true`: MSK's
 * MessagesInPerSec and BytesInPerSec) and the cluster exports it, a release watch judges each broker's value
 * divided by the cluster's traffic, relative to that traffic's level before the release:
 *
 *   R_t   = median over brokers of ln(traffic_b,t + c_r): the cluster's traffic (one broker's gap
 *           or spike does not move it);
 *   R₀    = median of R_t over the watch's level window before the release;
 *   ỹ_b,t = y_b,t · e^{R₀ − R_t}: the value at the traffic of R₀ (connections are opened in
 *           proportion to traffic), so that the watch's pooled log ratio becomes the signal's
 *           excess over the traffic's. The watched signal's log offset c is not scaled with it:
 *           (y + c)·e^{R₀ − R_t} − c, as this once was, takes a traffic change of e^Δ out of a
 *           value near c as a change of up to e^Δ in y, over-correcting by a factor (y + c)/y
 *           (2 at y = c): on a quiet cluster the per-unit values then swung against traffic.
 *
 * A cluster's traffic is its records in where it exports them (MessagesInPerSec), else its bytes
 * (`clusterTraffic`). A fall of bytes accuses little: a release that compresses what producers
 * send, or batches more records, lowers bytes in with connections unchanged, and per unit of bytes
 * they would look like a storm at every step (bench:guard's compression cases). So against bytes,
 * and for counts whatever the traffic (`fallInPart`), a watched value takes out all of traffic's
 * rise but of its fall only what stays within half the watch's smallest effect (`maxFall`): a fall
 * that a release made adds at most half of what an alarm needs. A rate against records takes out
 * the fall too, where its history shows it followed traffic (`followsTraffic`): a storm that lands
 * in a deep dip of spiky traffic is then caught at its step (all 1.5x storms of bench:guard, 28 of
 * 33 with the fall taken out in part); where connections are opened whatever the traffic, a dip would
 * read as a storm. The history before the release is read both ways (`pointsPerTraffic`): its
 * levels and the backtest's noise are those of the ratio.
 *
 * A watched period is judged on its own traffic reading: where the watch's signal has none, another
 * traffic signal the cluster exports stands in, at its own level before the release (`spareTraffic`);
 * with neither, the period is not scored (watches.ts). Read as it was, or on an older reading, a
 * value at twice the traffic of R₀ reads as 2x: with MessagesInPerSec dark from 2 minutes after a
 * benign step, 8 of bench:guard's 66 surge and dark cases were rolled back. In the history, a reading
 * within STALE_PERIODS stands for a period; a period with none is left out. Pure.
 */
import { mean } from 'simple-statistics';
import type { GuardrailConfig, SignalConfig } from './config.ts';
import type { SeriesState } from './series.ts';
import { indexKey, type SeriesIndex } from './series-index.ts';
import { median, type ReleaseWatchSettings, type WatchPoint } from './watch-points.ts';
import type { ReleaseWatch } from './watch-state.ts';

/** The cluster's traffic, per period: ln(value + offset), the median over its brokers. */
export type TrafficReference = ReadonlyMap<number, number>;

/** A traffic reading this many periods before a period (or a heap point) still stands for it (late or missing datapoints). */
export const STALE_PERIODS = 3;

/** The configured traffic signals, in the order a cluster's is chosen from. */
export function trafficSignals(config: Pick<GuardrailConfig, 'signals'>): SignalConfig[] {
  return config.signals.filter((s) => s.traffic);
}

/**
 * The cluster's traffic series: those of the first configured traffic signal it exports. Messages
 * come before bytes in the defaults: a release that compresses or batches what producers send
 * moves bytes in, not the records they carry.
 */
export function clusterTraffic(index: SeriesIndex, config: Pick<GuardrailConfig, 'signals'>, cluster: string): readonly SeriesState[] {
  for (const signal of trafficSignals(config)) {
    const series = index.get(indexKey(cluster, signal.name));
    if (series && series.length > 0) return series;
  }
  return [];
}

/** A cluster's traffic: the signal it is read from, its reference, and whether a release can lower it without lowering traffic (bytes, by compression). */
export interface ClusterTraffic {
  readonly signal: string;
  readonly reference: TrafficReference;
  readonly fallsWithCompression: boolean;
}

/**
 * The cluster's traffic, where a traffic signal is configured and the cluster exports it; from
 * `pinned` alone where given (a watch's R₀ is of one signal: a ratio of records to bytes is no
 * measure of traffic), undefined when that signal has no readings (the watch reads values as they are).
 */
export function trafficOf(
  index: SeriesIndex,
  config: Pick<GuardrailConfig, 'signals'>,
  cluster: string,
  pinned?: string,
): ClusterTraffic | undefined {
  const series = pinned === undefined ? clusterTraffic(index, config, cluster) : (index.get(indexKey(cluster, pinned)) ?? []);
  const reference = trafficReference(series);
  if (!reference) return undefined;
  const signal = series[0]!.signal;
  const fallsWithCompression = config.signals.find((s) => s.name === signal)?.fallsWithCompression ?? signal === LEGACY_TRAFFIC;
  return { signal, reference, fallsWithCompression };
}

/** `trafficOf`, each cluster and signal's built once: an evaluation's watches share them (each is built from every broker's history). */
export function trafficLookup(
  index: SeriesIndex,
  config: Pick<GuardrailConfig, 'signals'>,
): (cluster: string, pinned?: string) => ClusterTraffic | undefined {
  const built = new Map<string, ClusterTraffic | undefined>();
  return (cluster, pinned) => {
    const key = indexKey(cluster, pinned ?? '');
    if (!built.has(key)) built.set(key, trafficOf(index, config, cluster, pinned));
    return built.get(key);
  };
}

/** The traffic signal of watches saved before they named theirs: the only one there was. */
export const LEGACY_TRAFFIC = 'BytesInPerSec';

/**
 * Whether a watch of `signal` takes out a fall of `traffic` only in part (`maxFall`): where traffic
 * is bytes (a release that compresses lowers them, connections unchanged); for counts, whatever
 * the traffic: open connections are mostly long-lived, a stock that does not fall in proportion to
 * a flow (per unit of a deep dip of traffic a count swings up: bench/guard/RESULTS.md); and for a
 * rate whose history did not show it `follows` traffic.
 */
export function fallInPart(
  signal: Pick<SignalConfig, 'kind'>,
  traffic: Pick<ClusterTraffic, 'fallsWithCompression'>,
  follows: () => boolean,
): boolean {
  return traffic.fallsWithCompression || signal.kind !== 'rate' || !follows();
}

/**
 * Whether the signal followed the cluster's traffic in full over its history before the release
 * (`histories`, each broker's points in the signal's units, those before `before`), so that traffic's whole fall may be
 * taken out: the traffic varied (its log sd at least MIN_TRAFFIC_SD: the records per unit of traffic
 * drift about that much) and the pooled least-squares slope of ln y on it (y > 0, as `perTraffic`
 * scales y itself; each broker's means out, brokers with fewer than MIN_POINTS readings left out) is
 * at least MIN_ELASTICITY. Not every connection is opened in proportion to traffic (reconnects,
 * health checks, consumers): where a third is not, a dip of traffic at a step read as a storm
 * (bench:guard --constant-creation, RESULTS.md).
 */
export function followsTraffic(
  histories: ReadonlyArray<{ readonly points: readonly WatchPoint[] }>,
  reference: TrafficReference,
  periodMs: number,
  before = Infinity,
): boolean {
  let [sxx, sxy, degrees] = [0, 0, 0];
  for (const { points } of histories) {
    const pairs = points.flatMap((p) => {
      const r = p.time < before ? trafficAt(reference, p.time, periodMs) : undefined;
      return r === undefined || !(p.value > 0) ? [] : [[r, Math.log(p.value)] as const];
    });
    if (pairs.length < MIN_POINTS) continue;
    const [mr, my] = [mean(pairs.map((p) => p[0])), mean(pairs.map((p) => p[1]))];
    for (const [r, y] of pairs) {
      sxx += (r - mr) ** 2;
      sxy += (r - mr) * (y - my);
    }
    degrees += pairs.length - 1;
  }
  return degrees > 0 && sxx / degrees >= MIN_TRAFFIC_SD ** 2 && sxy / sxx >= MIN_ELASTICITY;
}

/** Traffic must have varied this much (log sd) over the history for its whole fall to be taken out. */
const MIN_TRAFFIC_SD = 0.1;
/** …and the signal followed at least this much of it (1: in proportion). */
const MIN_ELASTICITY = 0.8;
/** A broker with fewer readings than this says nothing of how it follows traffic. */
const MIN_POINTS = 10;

/** The cluster's traffic per period from its traffic series (their full-resolution history, or all of it, older points medians of blocks, as the state keeps it: logs of rates). */
export function trafficReference(series: readonly SeriesState[], whole = false): TrafficReference | undefined {
  const byTime = new Map<number, number[]>();
  for (const s of series) {
    const { times, values, compacted } = s.history;
    for (let i = whole ? 0 : compacted; i < times.length; i++) {
      const list = byTime.get(times[i]!);
      if (list) list.push(values[i]!);
      else byTime.set(times[i]!, [values[i]!]);
    }
  }
  if (byTime.size === 0) return undefined;
  return new Map([...byTime].sort((a, b) => a[0] - b[0]).map(([time, logs]) => [time, median(logs)]));
}

/** The traffic at `time`, or the latest within STALE_PERIODS before it. */
export function trafficAt(reference: TrafficReference, time: number, periodMs: number): number | undefined {
  for (let back = 0; back <= STALE_PERIODS; back++) {
    const value = reference.get(time - back * periodMs);
    if (value !== undefined) return value;
  }
  return undefined;
}

/** R₀: the traffic's median over [from, to); undefined with fewer than `minPoints` periods. */
export function trafficLevel(reference: TrafficReference, from: number, to: number, minPoints: number): number | undefined {
  const values: number[] = [];
  for (const [time, value] of reference) if (time >= from && time < to) values.push(value);
  return values.length >= Math.max(1, minPoints) ? median(values) : undefined;
}

/** The cluster's traffic as points in time order, from all of its traffic series' history (`trafficReference`'s whole). */
export function trafficPoints(series: readonly SeriesState[]): WatchPoint[] {
  return [...(trafficReference(series, true) ?? [])].map(([time, value]) => ({ time, value }));
}

/** How much of a fall of traffic a flag's watches take out: half its smallest effect (see above). */
export function maxFallOf(settings: { readonly minEffect: number }): number {
  return settings.minEffect / 2;
}

/** A value of the watched signal at the traffic of R₀ (`level`), taking out no fall of traffic below `floor`. */
export function perTraffic(value: number, traffic: number, level: number, floor = -Infinity): number {
  return value * Math.exp(level - Math.max(traffic, floor));
}

/** Points at the traffic of R₀; those with no traffic reading are left out. */
export function pointsPerTraffic(
  points: readonly WatchPoint[],
  reference: TrafficReference,
  level: number,
  periodMs: number,
): WatchPoint[] {
  return points.flatMap((p) => {
    const traffic = trafficAt(reference, p.time, periodMs);
    return traffic === undefined ? [] : [{ time: p.time, value: perTraffic(p.value, traffic, level) }];
  });
}

/** A watch's traffic reference and the level (R₀) its values are judged at (traffic-reference.ts). */
export interface PerTraffic {
  readonly reference: TrafficReference;
  readonly level: number;
  readonly periodMs: number;
  /** The lowest traffic whose fall a value takes out (the watch's `trafficFloor`). */
  readonly floor: number;
}

export function perTrafficOf(
  watch: Pick<ReleaseWatch, 'trafficLevel' | 'trafficFloor'>,
  reference: TrafficReference | undefined,
  settings: Pick<ReleaseWatchSettings, 'periodMs' | 'minEffect'>,
): PerTraffic | undefined {
  if (!reference || watch.trafficLevel === undefined) return undefined;
  const floor = watch.trafficFloor === null ? -Infinity : (watch.trafficFloor ?? watch.trafficLevel - maxFallOf(settings));
  return { reference, level: watch.trafficLevel, periodMs: settings.periodMs, floor };
}

/**
 * Where the watch's own traffic signal has no reading for a period, another the cluster exports
 * stands in, against its own level over the same window before the release, and only its rise is
 * taken out. A release can change what one carries per unit of the other (compression lowers bytes
 * per record), so the stand-in is weaker: with records dark from 2 minutes after the step, 4 of 33
 * compression rollouts were rolled back (6 with part of a fall taken out, 9 with bytes converted
 * into records by their newest ratio); with no stand-in, a storm whose records went dark at its
 * step was never rolled back (0 of 198; 155 with it). Undefined without readings in that window.
 */
export function spareTraffic(
  watch: Pick<ReleaseWatch, 'start'>,
  spare: ClusterTraffic,
  settings: Pick<ReleaseWatchSettings, 'periodMs' | 'levelPeriods'>,
): PerTraffic | undefined {
  const { periodMs, levelPeriods } = settings;
  const level = trafficLevel(spare.reference, watch.start - levelPeriods * periodMs, watch.start, levelPeriods / 2);
  return level === undefined ? undefined : { reference: spare.reference, level, periodMs, floor: level };
}
