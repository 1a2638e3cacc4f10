import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { FlagFileController } from '../../../lambdas/adapters/local/flag-file.ts';
import { FLAG_FILE, flagFilePercent } from '../../../lambdas/adapters/local/flag-file-percent.ts';
import type { RolloutTarget } from '../../../lambdas/core/release.ts';
import { booleanWeights, change, flagVersion, multivariateVersion as multi, ruledVersion as ruled } from '../../support/flag-versions.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'stormguard-'));
});

const FALLTHROUGH: RolloutTarget = { kind: 'fallthrough' };
const EU: RolloutTarget = { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' };
const at = { environment: 'production', start: 1000 };
const onDefault = (percent: number) => flagVersion('storm', { fallthrough: { rollout: { variations: booleanWeights(percent) } } });
const create = (...changes: Parameters<typeof change>[]) =>
  FlagFileController.create(
    join(folder, FLAG_FILE),
    changes.map((c) => change(...c)),
    at,
  );

describe('flagFilePercent: what a replay flag file serves a target, for the local gate', () => {
  it('reads the default rule and a rule as the steps and rollbacks left them', async () => {
    const flags = await create([2000, onDefault(0), onDefault(75)]);
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBe(0);
    await flags.applyStep({
      kind: 'rollout-step',
      id: 's',
      time: 2000,
      flag: 'storm',
      environment: 'production',
      target: FALLTHROUGH,
      fromPercent: 0,
      toPercent: 75,
    });
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBe(75);
    await flags.setRollout({ flag: 'storm', environment: 'production', target: FALLTHROUGH, percent: 25, turnOff: false, comment: 'test' });
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBe(25);
    await create([500, ruled(0), ruled(5)]);
    expect(await flagFilePercent(folder, 'storm', EU, {})).toBe(5);
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBe(0);
  });

  it('measures a multivariate flag against its off variation, or the configured control', async () => {
    await create([500, multi(0, 0), multi(20_000, 10_000)]);
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBe(30);
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, { storm: 1 })).toBe(80);
  });

  it('knows nothing without the file, the flag or the rule; a file that is no flag file is an error naming the field', async () => {
    expect(await flagFilePercent(folder, 'storm', FALLTHROUGH, {})).toBeUndefined();
    await create([500, ruled(0), ruled(5)]);
    expect(await flagFilePercent(folder, 'constructor', FALLTHROUGH, {})).toBeUndefined();
    expect(await flagFilePercent(folder, 'storm', { kind: 'rule', ruleId: 'rule-apac' }, {})).toBeUndefined();
    await writeFile(join(folder, FLAG_FILE), JSON.stringify({ flags: { storm: { on: 'yes' } } }));
    await expect(flagFilePercent(folder, 'storm', FALLTHROUGH, {})).rejects.toThrow(/flags\.json.*field `flags\.storm\.on`/);
  });
});
