/**
 * The guard suite's cases: every real texture (bench/guard/textures.ts) under each kind of
 * release, in several windows.
 *
 * - benign-rollout: a harmless flag 0 → 1 → 5 → 25 → 50 → 100% over three days, a deploy between;
 * - storm: a flag that creates producers per request, 1.2x … 84x the creation rate at its 1% step
 *   (the effect grows with the percentage: 5% is five times the excess), later steps 2 h apart;
 * - storm-after-noise: 1.1x at 1% (below noise), so 1.5x at 5%: the 5% step is the one to undo;
 * - heap-only: producer IDs over pooled connections, no ConnectionCreationRate exported (MSK's
 *   DEFAULT monitoring level): heap climbs, connections barely move;
 * - two-flags: two flags stepped 2–8 minutes apart, either one the storm;
 * - surge: a benign step, then traffic ×2–4 for 30–60 minutes, 20–180 minutes later;
 * - dark: a benign step, then a signal stops reporting (a signal on every broker, or every signal
 *   on two brokers);
 * - compression: a benign rollout that compresses what producers send: bytes in fall, connections don't.
 *
 * Every case is exported with the API's default labels (Label = the metric name, the same for
 * every broker; distinct Ids) or with dynamic labels naming the dimensions, alternately.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { SIMULATED_SIGNALS } from '../../lambdas/simulator/simulate.ts';
import { type Texture, type TextureCategory, trafficWindow } from './textures.ts';
import { BURN_IN_MINUTES, MINUTE_MS, type WorldFlag, type WorldSignal, type WorldSpec, type WorldStep } from './world.ts';

/** MSK's CloudWatch metrics (ProducerIdCount is JMX only), with the clusters' traffic: records and bytes in. */
const TRAFFIC_SIGNALS: WorldSignal[] = ['MessagesInPerSec', 'BytesInPerSec'];
const CLOUDWATCH_SIGNALS: WorldSignal[] = [...SIMULATED_SIGNALS.filter((s) => s !== 'ProducerIdCount'), ...TRAFFIC_SIGNALS];
export const CASE_KINDS = [
  'benign-rollout',
  'storm',
  'storm-after-noise',
  'heap-only',
  'two-flags',
  'surge',
  'dark',
  'compression',
] as const;
export type CaseKind = (typeof CASE_KINDS)[number];
export type LabelStyle = 'default' | 'dynamic';

export interface GuardCase {
  readonly id: string;
  readonly name: string;
  readonly kind: CaseKind;
  readonly texture: string;
  readonly category: TextureCategory;
  readonly labels: LabelStyle;
  readonly world: WorldSpec;
  readonly deploys: ReadonlyArray<{ readonly time: number; readonly service: string; readonly version: string; readonly by: string }>;
  /** The step to roll back, for a storm; undefined for a benign case. */
  readonly storm?: {
    readonly flag: string;
    readonly time: number;
    readonly fromPercent: number;
    readonly toPercent: number;
    readonly factor?: number;
  };
}

export const STORM_FACTORS = [1.2, 1.5, 2, 3, 10, 84] as const;
export const CLUSTER = 'events-msk';
export const ENVIRONMENT = 'production';
const BROKERS = 6;
const HOUR_MS = 3_600_000;
/** Exported days start on this date, at the texture's own time of day. */
const BASE_DAY = Date.UTC(2025, 9, 6);
const DAY_MS = 86_400_000;
const STORM_FLAG = 'orders-producer-per-request';
const BENIGN_FLAG = 'search-ranking-v2';
const HEAP_SLOPES = [0.5, 1, 2] as const;
const TWO_FLAG_FACTORS = [2, 3, 10] as const;

/** Every case: per texture, each kind, in a stable order. */
export function guardCases(textures: readonly Texture[]): GuardCase[] {
  return textures.flatMap((texture, t) => [
    benignRollout(texture, t, 0),
    benignRollout(texture, t, 1),
    benignRollout(texture, t, 0, 'compression'),
    ...STORM_FACTORS.map((factor, k) => storm(texture, t, factor, k)),
    stormAfterNoise(texture, t),
    heapOnly(texture, t),
    twoFlags(texture, t),
    surge(texture, t),
    dark(texture, t),
  ]);
}

interface Frame {
  readonly seed: number;
  readonly start: number;
  readonly minutes: number;
  readonly traffic: Float64Array;
  readonly random: () => number;
  readonly labels: LabelStyle;
  /** A time `hours` after the export start, a few random minutes and seconds off the hour. */
  at(hours: number): number;
}

/** A window of the texture and the case's seeded randomness. */
function frame(texture: Texture, t: number, kind: CaseKind, variant: number, offset: number, hours: number): Frame {
  const seed = 1_000_000 * (CASE_KINDS.indexOf(kind) + 1) + 1000 * t + variant;
  const rng = xoroshiro128plus(seed);
  const random = () => uniformFloat64(rng);
  const minutes = hours * 60;
  const window = trafficWindow(texture, offset, BURN_IN_MINUTES + minutes);
  const exportedAt = window.start + BURN_IN_MINUTES * MINUTE_MS;
  const start = BASE_DAY + (((exportedAt % DAY_MS) + DAY_MS) % DAY_MS);
  const labels: LabelStyle = (t + variant + CASE_KINDS.indexOf(kind)) % 2 === 0 ? 'dynamic' : 'default';
  return {
    seed,
    start,
    minutes,
    traffic: window.traffic,
    random,
    labels,
    at: (h) => start + h * HOUR_MS + Math.floor(random() * 20) * MINUTE_MS + Math.floor(random() * 60_000),
  };
}

function spec(f: Frame, flags: WorldFlag[], extra: Partial<Pick<WorldSpec, 'surges' | 'outages' | 'signals'>> = {}): WorldSpec {
  return {
    seed: f.seed,
    start: f.start,
    minutes: f.minutes,
    traffic: f.traffic,
    brokers: BROKERS,
    flags,
    surges: [],
    outages: [],
    signals: CLOUDWATCH_SIGNALS,
    ...extra,
  };
}

function flag(
  key: string,
  name: string,
  steps: Array<[number, number]>,
  effect: Partial<Omit<WorldFlag, 'key' | 'name' | 'steps'>> = {},
): WorldFlag {
  const by = key === STORM_FLAG ? 'dev@example.com' : 'pm@example.com';
  return {
    key,
    name,
    steps: steps.map(([time, percent]): WorldStep => ({ time, percent, by, source: 'release' })),
    producersPerPercent: effect.producersPerPercent ?? 0,
    heapPointsPerHourPerPercent: effect.heapPointsPerHourPerPercent ?? 0,
    bytesPerPercent: effect.bytesPerPercent ?? 0,
  };
}

function base(
  texture: Texture,
  kind: CaseKind,
  f: Frame,
  name: string,
): Pick<GuardCase, 'id' | 'name' | 'kind' | 'texture' | 'category' | 'labels'> {
  const id = `${kind}/${texture.name}/${f.seed % 1000}`;
  return {
    id,
    name: `${name}, ${texture.name}, ${f.labels} labels`,
    kind,
    texture: texture.name,
    category: texture.category,
    labels: f.labels,
  };
}

function benignRollout(texture: Texture, t: number, variant: number, kind: 'benign-rollout' | 'compression' = 'benign-rollout'): GuardCase {
  const compression = kind === 'compression';
  const f = frame(texture, t, kind, variant, compression ? 0.4 : variant === 0 ? 0.15 : 0.65, 72);
  const steps: Array<[number, number]> = [
    [f.at(12), 1],
    [f.at(18), 5],
    [f.at(36), 25],
    [f.at(42), 50],
    [f.at(60), 100],
  ];
  return {
    ...base(texture, kind, f, `benign rollout 0 → 100% over 3 days${compression ? ' of producer compression' : ''}`),
    world: spec(f, [
      compression
        ? flag('producer-compression-zstd', 'Producers: zstd compression', steps, { bytesPerPercent: -0.006 })
        : flag(BENIGN_FLAG, 'Search ranking v2', steps),
    ]),
    deploys: [{ time: f.at(30), service: 'billing-api', version: `2.${t}.${variant}`, by: 'ci@example.com' }],
  };
}

/** The storm step is 1%: extra producers at p% = (factor − 1) × p × the typical rate. */
function storm(texture: Texture, t: number, factor: number, k: number): GuardCase {
  const f = frame(texture, t, 'storm', k, (k + 0.5) / STORM_FACTORS.length, 18);
  const first = f.at(12);
  const steps: Array<[number, number]> = [
    [first, 1],
    [f.at(14), 5],
    [f.at(16), 25],
  ];
  return {
    ...base(texture, 'storm', f, `storm ${factor}x at 1%`),
    world: spec(f, [flag(STORM_FLAG, 'Orders: producer per request', steps, { producersPerPercent: factor - 1 })]),
    deploys: [],
    storm: { flag: STORM_FLAG, time: first, fromPercent: 0, toPercent: 1, factor },
  };
}

function stormAfterNoise(texture: Texture, t: number): GuardCase {
  const f = frame(texture, t, 'storm-after-noise', 0, 0.35, 18);
  const five = f.at(14);
  const steps: Array<[number, number]> = [
    [f.at(12), 1],
    [five, 5],
    [f.at(16), 25],
  ];
  return {
    ...base(texture, 'storm-after-noise', f, 'storm 1.1x at 1% (below noise), 1.5x at 5%'),
    world: spec(f, [flag(STORM_FLAG, 'Orders: producer per request', steps, { producersPerPercent: 0.1 })]),
    deploys: [],
    storm: { flag: STORM_FLAG, time: five, fromPercent: 1, toPercent: 5, factor: 1.5 },
  };
}

function heapOnly(texture: Texture, t: number): GuardCase {
  const f = frame(texture, t, 'heap-only', 0, 0.45, 24);
  const slope = HEAP_SLOPES[t % HEAP_SLOPES.length]!;
  const first = f.at(12);
  const steps: Array<[number, number]> = [
    [first, 1],
    [f.at(14), 5],
    [f.at(16), 25],
    [f.at(18), 50],
  ];
  return {
    ...base(texture, 'heap-only', f, `heap-only storm, +${slope} heap points/h per 1%, no ConnectionCreationRate`),
    world: spec(f, [flag(STORM_FLAG, 'Orders: transactional id per request', steps, { heapPointsPerHourPerPercent: slope })], {
      signals: CLOUDWATCH_SIGNALS.filter((s) => s !== 'ConnectionCreationRate'),
    }),
    deploys: [],
    storm: { flag: STORM_FLAG, time: first, fromPercent: 0, toPercent: 1 },
  };
}

function twoFlags(texture: Texture, t: number): GuardCase {
  const f = frame(texture, t, 'two-flags', 0, 0.55, 16);
  const factor = TWO_FLAG_FACTORS[t % TWO_FLAG_FACTORS.length]!;
  const gapMinutes = 2 + Math.floor(f.random() * 7);
  const stormFirst = f.random() < 0.5;
  const first = f.at(12);
  const second = first + gapMinutes * MINUTE_MS;
  const [stormTime, otherTime] = stormFirst ? [first, second] : [second, first];
  const flags = [
    flag(STORM_FLAG, 'Orders: producer per request', [[stormTime, 1]], { producersPerPercent: factor - 1 }),
    flag(BENIGN_FLAG, 'Search ranking v2', [[otherTime, 5]]),
  ];
  return {
    ...base(texture, 'two-flags', f, `two flags ${gapMinutes} min apart, the ${stormFirst ? 'first' : 'second'} a ${factor}x storm`),
    world: spec(f, flags),
    deploys: [],
    storm: { flag: STORM_FLAG, time: stormTime, fromPercent: 0, toPercent: 1, factor },
  };
}

function surge(texture: Texture, t: number): GuardCase {
  const f = frame(texture, t, 'surge', 0, 0.75, 18);
  const step = f.at(12);
  const factor = 2 + Math.floor(f.random() * 3);
  const after = 20 + Math.floor(f.random() * 161);
  const length = 30 + Math.floor(f.random() * 31);
  const from = step + after * MINUTE_MS;
  return {
    ...base(texture, 'surge', f, `traffic ×${factor} for ${length} min, ${after} min after a benign step`),
    world: spec(f, [benignSteps(f, step)], { surges: [{ from, to: from + length * MINUTE_MS, factor }] }),
    deploys: [],
  };
}

function dark(texture: Texture, t: number): GuardCase {
  const f = frame(texture, t, 'dark', 0, 0.9, 18);
  const step = f.at(12);
  const from = step + (2 + Math.floor(f.random() * 29)) * MINUTE_MS;
  const variant = t % 3;
  const signal: WorldSignal = variant === 0 ? 'ConnectionCreationRate' : 'HeapMemoryAfterGC';
  const outages: WorldSpec['outages'] =
    variant === 2 ? CLOUDWATCH_SIGNALS.map((s) => ({ signal: s, from, brokers: [2, 5] })) : [{ signal, from, to: from + 2 * HOUR_MS }];
  const what = variant === 2 ? 'every signal of brokers 2 and 5 goes dark' : `${signal} goes dark for 2 h`;
  return {
    ...base(texture, 'dark', f, `${what} ${Math.round((from - step) / MINUTE_MS)} min after a benign step`),
    world: spec(f, [benignSteps(f, step)], { outages }),
    deploys: [],
  };
}

/** A harmless flag at 1% six hours in, then 5% at `step`. */
function benignSteps(f: Frame, step: number): WorldFlag {
  return flag(BENIGN_FLAG, 'Search ranking v2', [
    [f.at(6), 1],
    [step, 5],
  ]);
}
