/**
 * The LaunchDarkly FlagController against the fake LaunchDarkly behind Prism, for contract tests:
 * one Prism per file, a fresh fake per test, and after each test the contract itself: every request
 * the controller sent was valid by LaunchDarkly's spec.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { LaunchDarklyFlagController, type LaunchDarklyOptions } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { type FakeLaunchDarkly, fakeLaunchDarkly, type Prism, specAvailable, startPrism } from './launchdarkly.ts';

export interface FakeContext {
  /** This test's fake LaunchDarkly. */
  ld: FakeLaunchDarkly;
  /** The waits the controller asked for (it sleeps through a fake). */
  waits: number[];
}

/** Registers the hooks; the context's fields are this test's once it runs. */
export function useFakeLaunchDarkly(): FakeContext {
  let prism: Prism | undefined;
  const context = { waits: [] as number[] } as unknown as FakeContext;
  beforeAll(async () => {
    if (specAvailable) prism = await startPrism();
  }, 90_000);
  afterAll(async () => prism?.stop());
  beforeEach(async () => {
    if (!specAvailable) return;
    context.ld = await fakeLaunchDarkly(prism!);
    context.waits = [];
  });
  afterEach(async () => {
    if (!specAvailable) return;
    // The contract: whatever the test did, every request the controller sent was valid.
    expect(context.ld.violations).toEqual([]);
    await context.ld.close();
  });
  return context;
}

export function controllerFor(context: FakeContext, options: Partial<LaunchDarklyOptions> = {}): LaunchDarklyFlagController {
  return new LaunchDarklyFlagController({
    baseUrl: context.ld.url,
    projectKey: 'default',
    token: async () => 'api-0123456789abcdef',
    sleep: async (ms) => void context.waits.push(ms),
    random: () => 0.5,
    now: () => 1_000_000,
    ...options,
  });
}

export const rollback = (percent: number, extra: Partial<Parameters<LaunchDarklyFlagController['setRollout']>[0]> = {}) => ({
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' as const },
  percent,
  turnOff: false,
  comment: 'Stormguard rollback 25% → 5%: ConnectionCreationRate 2.3x baseline [decision d1]',
  ...extra,
});
