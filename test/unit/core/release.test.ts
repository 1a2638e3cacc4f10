import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Deploy,
  flagKey,
  orderedUnique,
  type ReleaseEvent,
  type RolloutStep,
  releaseName,
  targetKey,
  targetName,
} from '../../../lambdas/core/release.ts';

const T0 = Date.parse('2025-08-28T14:00:00Z');
const MINUTE = 60_000;

const step = (id: string, time: number, from = 0, to = 1, extra: Partial<RolloutStep> = {}): RolloutStep => ({
  kind: 'rollout-step',
  id,
  time,
  flag: 'checkout-producer-per-request',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: from,
  toPercent: to,
  ...extra,
});
const deploy = (id: string, time: number): Deploy => ({
  kind: 'deploy',
  id,
  time,
  service: 'api',
  version: '2.1.0',
  environment: 'production',
});

/**
 * Distinct releases (unique ids; times from a few minutes, so that ties are common), then what a
 * webhook delivers: each of them one to three times, in any order.
 */
const deliveries = fc
  .uniqueArray(
    fc.record({
      id: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A', '1', '-'), minLength: 1, maxLength: 4 }),
      minute: fc.nat({ max: 5 }),
      isDeploy: fc.boolean(),
    }),
    { selector: (r) => r.id, maxLength: 30 },
  )
  .map((records) =>
    records.map(({ id, minute, isDeploy }): ReleaseEvent => (isDeploy ? deploy(id, T0 + minute * MINUTE) : step(id, T0 + minute * MINUTE))),
  )
  .chain((events) =>
    fc.tuple(
      fc.constant(events),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: events.length, maxLength: events.length }).chain((copies) =>
        fc.shuffledSubarray(
          events.flatMap((event, i) => Array.from({ length: copies[i]! }, () => ({ ...event }))),
          { minLength: copies.reduce((a, b) => a + b, 0), maxLength: copies.reduce((a, b) => a + b, 0) },
        ),
      ),
    ),
  );

const RUNS = { seed: 42, numRuns: 300 };

describe('orderedUnique', () => {
  it('gives each release once, whatever the order and however often it was delivered', () => {
    fc.assert(
      fc.property(deliveries, ([events, delivered]) => {
        const ordered = orderedUnique(delivered);
        expect(ordered).toEqual(orderedUnique(events));
        expect(ordered.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
      }),
      RUNS,
    );
  });

  it('orders by time, then by id', () => {
    fc.assert(
      fc.property(deliveries, ([, delivered]) => {
        const ordered = orderedUnique(delivered);
        for (let i = 1; i < ordered.length; i++) {
          const [a, b] = [ordered[i - 1]!, ordered[i]!];
          expect(a.time < b.time || (a.time === b.time && a.id < b.id)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(deliveries, ([, delivered]) => {
        const once = orderedUnique(delivered);
        expect(orderedUnique(once)).toEqual(once);
      }),
      RUNS,
    );
  });

  it('does not change its input', () => {
    const input = [step('b', T0 + MINUTE), step('a', T0), step('b', T0 + MINUTE)];
    const copy = structuredClone(input);
    orderedUnique(input);
    expect(input).toEqual(copy);
  });

  it('on an example: a redelivered step and an out-of-order deploy', () => {
    const ordered = orderedUnique([
      step('s2', T0 + 5 * MINUTE, 1, 5),
      deploy('d1', T0 + MINUTE),
      step('s1', T0),
      step('s2', T0 + 5 * MINUTE, 1, 5),
      step('s0', T0),
    ]);
    expect(ordered.map((e) => e.id)).toEqual(['s0', 's1', 'd1', 's2']);
  });

  it('is empty for no releases', () => {
    expect(orderedUnique([])).toEqual([]);
  });
});

describe('releaseName', () => {
  it('names a rollout step by its flag and its step', () => {
    expect(releaseName(step('s', T0, 0, 1))).toBe('checkout-producer-per-request 0% → 1%');
    expect(releaseName(step('s', T0, 25, 75))).toBe('checkout-producer-per-request 25% → 75%');
  });

  it('writes fractional percentages with up to three decimals, and step downs as they are', () => {
    expect(releaseName(step('s', T0, 0.5, 2.125))).toBe('checkout-producer-per-request 0.5% → 2.125%');
    expect(releaseName(step('s', T0, 1 / 3, 100))).toBe('checkout-producer-per-request 0.333% → 100%');
    expect(releaseName(step('s', T0, 5, 0))).toBe('checkout-producer-per-request 5% → 0%');
  });

  it('names a deploy by its service and version', () => {
    expect(releaseName(deploy('d', T0))).toBe('deploy api 2.1.0');
  });
});

describe('targetName', () => {
  it('names the default rule and a rule by its id', () => {
    expect(targetName({ kind: 'fallthrough' })).toBe('fallthrough');
    expect(targetName({ kind: 'rule', ruleId: 'rule-7f3a' })).toBe('rule rule-7f3a');
  });
});

describe('flagKey and targetKey', () => {
  it('key a flag per environment, and a target within it', () => {
    expect(flagKey('storm', 'production')).toBe('storm/production');
    expect(targetKey('storm', 'production', { kind: 'fallthrough' })).toBe('storm/production/fallthrough');
    expect(targetKey('storm', 'staging', { kind: 'rule', ruleId: 'r1' })).toBe('storm/staging/rule r1');
  });

  it('tell environments, flags and targets apart', () => {
    const keys = [
      flagKey('storm', 'production'),
      flagKey('storm', 'staging'),
      flagKey('other', 'production'),
      targetKey('storm', 'production', { kind: 'fallthrough' }),
      targetKey('storm', 'production', { kind: 'rule', ruleId: 'r1' }),
      targetKey('storm', 'production', { kind: 'rule', ruleId: 'r2' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('start a target key with its flag key', () => {
    expect(targetKey('storm', 'production', { kind: 'rule', ruleId: 'r1' }).startsWith(`${flagKey('storm', 'production')}/`)).toBe(true);
  });
});
