/**
 * The guard suite's own promises: real textures become plausible clusters, cases are what their
 * names say, exports are real formats (default labels included), the closed loop re-lives the same
 * world, and the judge counts what the issue asks. The suite's numbers are in bench/guard/RESULTS.md;
 * running all of it is `npm run bench:guard`, not a test.
 */
import { describe, expect, it } from 'vitest';
import { CASE_KINDS, type GuardCase, guardCases } from '../../bench/guard/cases.ts';
import { exportCase } from '../../bench/guard/export.ts';
import { judge } from '../../bench/guard/judge.ts';
import { applyDecisions } from '../../bench/guard/loop.ts';
import { mainEngine, runCase, suiteCases } from '../../bench/guard/run.ts';
import { loadTextures, MAX_TRAFFIC, MIN_TRAFFIC, resolveDataDir, TEXTURE_CATEGORIES, trafficWindow } from '../../bench/guard/textures.ts';
import { minutePercent, runWorld } from '../../bench/guard/world.ts';
import { defaultConfig } from '../../lambdas/core/config.ts';
import type { Decision } from '../../lambdas/core/decision.ts';
import { readExport } from '../../lambdas/simulator/export.ts';

const textures = loadTextures(resolveDataDir());
const signals = defaultConfig().signals.map((s) => s.name);
const smooth = textures.filter((t) => t.name === 'realAdExchange/exchange-2_cpc_results');
const cases = guardCases(smooth);
const find = (kind: string, factor?: number): GuardCase =>
  cases.find((c) => c.kind === kind && (factor === undefined || c.storm?.factor === factor))!;
const MIN = 60_000;

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** The cluster's median ConnectionCreationRate over [from, to): the median over brokers of each broker's median. */
function creation(c: GuardCase, world: ReturnType<typeof runWorld>, from: number, to: number): number {
  return medianOf(
    world.series
      .filter((s) => s.signal === 'ConnectionCreationRate')
      .map((s) => medianOf(s.values.filter((_, i) => s.times[i]! >= from && s.times[i]! < to))),
  );
}

describe('textures', () => {
  it('reads every real series of the three categories as traffic within a plausible range', () => {
    expect(textures.length).toBe(33);
    for (const category of TEXTURE_CATEGORIES) expect(textures.some((t) => t.category === category)).toBe(true);
    for (const t of textures) for (const v of t.traffic) expect(v >= MIN_TRAFFIC && v <= MAX_TRAFFIC, t.name).toBe(true);
  });

  it('interpolates a window per minute, and wraps a window longer than the texture', () => {
    const t = textures.find((x) => x.name.includes('iio_us-east-1'))!; // 4.3 days
    const { traffic } = trafficWindow(t, 0, 7 * 1440);
    expect(traffic.length).toBe(7 * 1440);
    expect(traffic.every((v) => v >= MIN_TRAFFIC && v <= MAX_TRAFFIC)).toBe(true);
  });

  it('names the folder when --data has no NAB categories', () => {
    expect(() => resolveDataDir('/nonexistent')).toThrow('--data /nonexistent: no realAWSCloudwatch, realTweets, realAdExchange folders');
  });
});

describe('cases', () => {
  it('has every kind per texture, the same on every call, in both label styles', () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(CASE_KINDS));
    expect(cases).toHaveLength(14); // per texture: 2 benign rollouts, a compression rollout, 6 storms, and one of each other kind
    expect(guardCases(smooth).map((c) => c.world.seed)).toEqual(cases.map((c) => c.world.seed));
    expect(new Set(cases.map((c) => c.labels))).toEqual(new Set(['default', 'dynamic']));
  });

  it("runs the suite's own cases for a part of it: --textures and --kinds choose, they do not reseed", () => {
    const part = suiteCases(textures, { textures: /exchange-2_cpm/, kinds: ['storm-after-noise'] });
    const whole = guardCases(textures).filter(
      (c) => c.texture === 'realAdExchange/exchange-2_cpm_results' && c.kind === 'storm-after-noise',
    );
    expect(part.textures).toBe(1);
    expect(part.cases.map((c) => [c.id, c.world.seed, c.labels, c.storm?.time])).toEqual(
      whole.map((c) => [c.id, c.world.seed, c.labels, c.storm?.time]),
    );
    // Made from its place in the whole suite, not first in a suite of one.
    expect(part.cases[0]!.world.seed).not.toBe(guardCases(textures.filter((t) => t.name.includes('exchange-2_cpm')))[0]!.world.seed);
  });

  it('makes a storm of the named factor at its step, and later steps bigger still', () => {
    const c = find('storm', 3);
    const world = runWorld(c.world);
    const step = c.storm!.time;
    const ratio = creation(c, world, step + MIN, step + 31 * MIN) / creation(c, world, step - 30 * MIN, step - MIN);
    expect(ratio).toBeGreaterThan(2.4);
    expect(ratio).toBeLessThan(3.6);
  });

  it('exports no ConnectionCreationRate for a heap-only storm, whose heap climbs at 25%', () => {
    const c = find('heap-only');
    const world = runWorld(c.world);
    expect(world.series.some((s) => s.signal === 'ConnectionCreationRate')).toBe(false);
    expect(world.heapReached(85)).toBeDefined();
  });

  it('weighs a step by the share of its minute after it', () => {
    const steps = [{ time: 40_000, percent: 30, by: 'x', source: 'release' as const }];
    expect(minutePercent(steps, 0)).toBeCloseTo(10);
    expect(minutePercent(steps, MIN)).toBe(30);
  });
});

describe('exports', () => {
  it('with default labels: every broker the same Label (the metric name), distinct Ids', () => {
    const c = cases.find((x) => x.labels === 'default')!;
    const files = exportCase(c, runWorld(c.world), c.world.flags);
    const results = (files['metrics-page-1.json'] as { MetricDataResults: Array<{ Id: string; Label: string }> }).MetricDataResults;
    expect(new Set(results.map((r) => r.Label))).toEqual(new Set(c.world.signals));
    expect(new Set(results.map((r) => r.Id)).size).toBe(results.length);
  });

  it('with dynamic labels: read back as one series per broker and signal, and the flag steps', () => {
    const c = cases.find((x) => x.labels === 'dynamic' && x.kind === 'benign-rollout')!;
    const { metrics, timeline } = readExport(exportCase(c, runWorld(c.world), c.world.flags), signals);
    expect(metrics.series).toHaveLength(36); // 6 brokers × 6 signals: the four of the world, MessagesInPerSec and BytesInPerSec
    expect(timeline.events.filter((e) => e.kind === 'rollout-step').map((e) => (e.kind === 'rollout-step' ? e.toPercent : 0))).toEqual([
      1, 5, 25, 50, 100,
    ]);
    expect(timeline.events.some((e) => e.kind === 'deploy')).toBe(true);
  });
});

describe('closed loop', () => {
  it('re-lives the same world up to a rollback, then the flag at its new percentage and no later step', () => {
    const c = find('storm', 10);
    const rollback = { flag: c.storm!.flag, time: c.storm!.time + 3 * MIN, toPercent: 0, turnOff: false } as Decision;
    const flags = applyDecisions(c.world.flags, [rollback]);
    expect(flags[0]!.steps.map((s) => s.percent)).toEqual([1, 0]);
    const before = runWorld(c.world).series[0]!;
    const after = runWorld({ ...c.world, flags }).series[0]!;
    const cut = before.times.findIndex((t) => t >= c.storm!.time);
    expect(after.values.slice(0, cut)).toEqual(before.values.slice(0, cut));
    expect(after.values.at(-1)!).toBeLessThan(before.values.at(-1)! / 3);
  });

  it('judges a storm caught at the right step within 3 periods, and a benign rollback false', () => {
    const c = find('storm', 2);
    const at = (periods: number) => c.storm!.time + periods * MIN;
    const none = { pages: 0, warnings: 0 };
    expect(judge(c, 'x', [{ time: at(2), flag: c.storm!.flag, toPercent: 0 }], none, MIN)).toMatchObject({
      right: true,
      caught: true,
      delayPeriods: 2,
    });
    expect(judge(c, 'x', [{ time: at(5), flag: c.storm!.flag, toPercent: 0 }], none, MIN)).toMatchObject({
      right: true,
      caught: false,
    });
    expect(judge(c, 'x', [{ time: at(2), flag: 'other', toPercent: 0 }], none, MIN)).toMatchObject({
      right: false,
      wrongFlags: 1,
    });
    expect(judge(find('surge'), 'x', [{ time: at(2), flag: 'f', toPercent: 0 }], none, MIN)).toMatchObject({
      falseRollbacks: 1,
    });
  });

  it('judges a heap-only storm stopped when its flag is at 0% before the storm took a heap to 85%, and says when a burst alone did', () => {
    const c = find('heap-only');
    const zero = { time: c.storm!.time + 120 * MIN, flag: c.storm!.flag, toPercent: 0 };
    const none = { pages: 0, warnings: 0 };
    const heap = (limits: { limitAt?: number; calmLimitAt?: number }) => judge(c, 'x', [zero], none, MIN, limits).heap;
    expect(heap({})).toMatchObject({ stopped: true, stoppedBeforeAny: true });
    expect(heap({ limitAt: zero.time - MIN })).toMatchObject({ stopped: false, stoppedBeforeAny: false });
    // A traffic burst took a broker to 85% with no storm at all, before the rollback: the storm was still stopped.
    expect(heap({ limitAt: zero.time + MIN, calmLimitAt: zero.time - MIN })).toMatchObject({ stopped: true, stoppedBeforeAny: false });
    expect(judge(c, 'x', [], none, MIN, {}).heap).toMatchObject({ stopped: false });
  });

  it('counts a minute at the limit against a storm only where the world without it was under the limit', () => {
    const c = find('heap-only');
    const world = runWorld(c.world);
    expect(world.heapReached(0, world)).toBeUndefined();
    expect(world.heapReached(0)).toBe(world.series.find((s) => s.signal === 'HeapMemoryAfterGC')!.times[0]);
  });

  it('runs a case through the engine and the emulated rules', async () => {
    const result = await runCase(find('storm', 84), mainEngine);
    expect(result.outcomes.map((o) => o.method)).toHaveLength(5);
    expect(result.outcomes[0]).toMatchObject({ method: 'Stormguard', right: true });
  });

  it('runs the engine closed loop: an 84x storm rolled back at its step within 3 periods by its release watch, a benign rollout left alone', async () => {
    const storm = await runCase(find('storm', 84), mainEngine);
    expect(storm.outcomes[0]).toMatchObject({
      method: 'Stormguard',
      right: true,
      caught: true,
      rollbacks: [expect.objectContaining({ check: 'fast/step' })],
    });
    const benign = await runCase(cases.find((c) => c.kind === 'benign-rollout')!, mainEngine);
    expect(benign.outcomes[0]).toMatchObject({ falseRollbacks: 0, pages: 0 });
  });
});
