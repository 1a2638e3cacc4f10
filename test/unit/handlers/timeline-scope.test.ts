import { afterEach, describe, expect, it } from 'vitest';
import { timelineScopeFromEnvironment } from '../../../lambdas/handlers/shared/timeline-scope.ts';

const withConfig = (config: unknown) => {
  process.env.STORMGUARD_CONFIG = JSON.stringify(config);
};
afterEach(() => {
  delete process.env.STORMGUARD_CONFIG;
});

describe('timelineScopeFromEnvironment', () => {
  it("reads each flag's control variation from the configuration the construct set, and only those flags", () => {
    withConfig({ flags: { storm: { controlVariation: 2 }, calm: { maxPercent: 5 } } });
    expect(timelineScopeFromEnvironment().controls).toEqual({ storm: 2 });
    withConfig({});
    expect(timelineScopeFromEnvironment()).toEqual({ controls: {}, project: undefined });
  });

  it('reads the LaunchDarkly project the flags are in', () => {
    withConfig({ flags: {}, launchDarkly: { projectKey: 'checkout' } });
    expect(timelineScopeFromEnvironment().project).toBe('checkout');
    withConfig({ launchDarkly: { projectKey: 7 } });
    expect(() => timelineScopeFromEnvironment()).toThrow('STORMGUARD_CONFIG: launchDarkly.projectKey must be a project key');
  });

  it('refuses a control that is not a variation index, naming the field', () => {
    withConfig({ flags: { storm: { controlVariation: -1 } } });
    expect(() => timelineScopeFromEnvironment()).toThrow('STORMGUARD_CONFIG: flags.storm.controlVariation must be a variation index');
    withConfig({ flags: { storm: { controlVariation: '1' } } });
    expect(() => timelineScopeFromEnvironment()).toThrow('flags.storm.controlVariation');
  });
});
