import { afterEach, describe, expect, it } from 'vitest';
import { controlsFromEnvironment } from '../../../lambdas/handlers/shared/controls.ts';

const withConfig = (config: unknown) => {
  process.env.STORMGUARD_CONFIG = JSON.stringify(config);
};
afterEach(() => {
  delete process.env.STORMGUARD_CONFIG;
});

describe('controlsFromEnvironment', () => {
  it("reads each flag's control variation from the configuration the construct set, and only those flags", () => {
    withConfig({ flags: { storm: { controlVariation: 2 }, calm: { maxPercent: 5 } } });
    expect(controlsFromEnvironment()).toEqual({ storm: 2 });
    withConfig({});
    expect(controlsFromEnvironment()).toEqual({});
  });

  it('refuses a control that is not a variation index, naming the field', () => {
    withConfig({ flags: { storm: { controlVariation: -1 } } });
    expect(() => controlsFromEnvironment()).toThrow('STORMGUARD_CONFIG: flags.storm.controlVariation must be a variation index');
    withConfig({ flags: { storm: { controlVariation: '1' } } });
    expect(() => controlsFromEnvironment()).toThrow('flags.storm.controlVariation');
  });
});
