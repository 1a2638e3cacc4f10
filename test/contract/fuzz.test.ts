/**
 * The fuzz tier, seeded and small: a few thousand generated inputs for every parser of a user's
 * input (bench/fuzz/targets.ts), each bounded by a generous per-input time that only a hang
 * exceeds. `npm run bench:fuzz` runs the same targets over 100,000 inputs each.
 */
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../bench/fuzz/harness.ts';
import { targets } from '../../bench/fuzz/targets.ts';

const INPUTS = 2000;
const SEED = 20250828;
/** Not a speed limit: an input this slow is one that would never end. */
const HANG_MS = 5000;

describe('fuzz: no crash, no hang, no wrong result', () => {
  it.each(targets.map((t) => [t.name, t] as const))('%s', async (_, target) => {
    const report = await fuzz(target, { count: INPUTS, seed: SEED, hangMs: HANG_MS });
    expect(report.inputs).toBe(INPUTS);
    expect({ crashes: report.crashes.slice(0, 3), hangs: report.hangs.slice(0, 3), wrong: report.wrong.slice(0, 3) }).toEqual({
      crashes: [],
      hangs: [],
      wrong: [],
    });
    // Both sides reached: the inputs are neither all refused nor all taken.
    if (target.rejects === undefined) expect(report.accepted > 0 && report.rejected > 0).toBe(true);
  });
});
