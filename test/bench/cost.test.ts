import { describe, expect, it } from 'vitest';
import { simulate } from '../../bench/cost/simulate.ts';

describe('bench:cost', () => {
  it('runs its fleet on the configuration it describes (the default signals changed under it once), reading every series each read', async () => {
    const measured = await simulate('every-minute', 10, 30 / 1440);
    expect(measured.invocations).toBeGreaterThanOrEqual(30);
    expect(measured.metricsRequested).toBeGreaterThanOrEqual(10 * measured.reads);
  });
});
