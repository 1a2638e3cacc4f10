import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readJson } from '../../../lambdas/adapters/local/files.ts';
import { FlagFileController } from '../../../lambdas/adapters/local/flag-file.ts';
import type { RolloutStep, RolloutTarget } from '../../../lambdas/core/release.ts';
import { booleanWeights, change, flagVersion, multivariateVersion as multi, ruledVersion as ruled } from '../../support/flag-versions.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'stormguard-'));
});

const FALLTHROUGH: RolloutTarget = { kind: 'fallthrough' };
const EU: RolloutTarget = { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' };
const at = { environment: 'production', start: 1000 };
const step = (to: number, target: RolloutTarget = FALLTHROUGH, flag = 'storm'): RolloutStep => ({
  kind: 'rollout-step',
  id: `s${to}`,
  time: 2000,
  flag,
  environment: 'production',
  target,
  fromPercent: 0,
  toPercent: to,
});
const rollback = (percent: number, target: RolloutTarget = FALLTHROUGH) => ({
  flag: 'storm',
  environment: 'production',
  target,
  percent,
  turnOff: false,
  comment: 'test',
});
const onDefault = (percent: number) => flagVersion('storm', { fallthrough: { rollout: { variations: booleanWeights(percent) } } });
// biome-ignore lint/suspicious/noExplicitAny: the file is the SDK's JSON, read back to look into
const fileOf = async (flags: FlagFileController) => (await readJson(flags.path)) as { flags: Record<string, any> };

describe('FlagFileController: the flag as the audit log recorded it, evaluated by the LaunchDarkly SDK', () => {
  it('rolls 25% back to 5% as weights 5000 / 95000, and the SDK serves about 5% of contexts the treatment', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(2000, onDefault(0), onDefault(1))], at);
    await flags.applyStep(step(25));
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.25, 1);
    const outcome = await flags.setRollout(rollback(5));
    expect(outcome.status).toBe('applied');
    expect((await fileOf(flags)).flags.storm.fallthrough.rollout.variations).toEqual(booleanWeights(5));
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.05, 1);
    expect(outcome.detail).toMatch(/2\d\.\d\d% of 10000 contexts got the new variation before, [45]\.\d\d% after/);
  });

  it('starts from the latest version recorded before the start, else the first change’s previous version', async () => {
    const changes = [change(500, onDefault(0), onDefault(5)), change(2000, onDefault(5), onDefault(25))];
    const flags = await FlagFileController.create(join(folder, 'flags.json'), changes, at);
    expect((await fileOf(flags)).flags.storm.fallthrough.rollout.variations).toEqual(booleanWeights(5));
    const later = await FlagFileController.create(join(folder, 'later.json'), changes, { ...at, start: 100 });
    expect((await fileOf(later)).flags.storm.fallthrough.rollout.variations).toEqual(booleanWeights(0));
  });

  it('leaves a flag already at or below the target alone, and turns one off where configured', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(500, onDefault(0), onDefault(5))], at);
    expect((await flags.setRollout(rollback(5))).status).toBe('unchanged');
    await flags.setRollout({ ...rollback(0), turnOff: true });
    expect(await flags.measureShare('storm')).toMatchObject({ share: 0, matched: 10000 });
  });

  it('says which flag no audit entry records in the environment', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(500, onDefault(0), onDefault(1))], at);
    await expect(flags.setRollout({ ...rollback(0), flag: 'nope' })).rejects.toThrow(
      /flag nope is not in .*no audit-log entry records how it stood in environment production when the replay starts/,
    );
  });

  it('starts from the first version holding the environment: an entry of another environment or project before it does not drop the flag', async () => {
    // The same flag, its only environment renamed.
    const elsewhere = (name: string, percent: number) => {
      const version = onDefault(percent);
      return { ...version, environments: Object.fromEntries(Object.values(version.environments).map((c) => [name, c])) };
    };
    for (const name of ['staging', 'prod']) {
      const changes = [change(1500, elsewhere(name, 0), elsewhere(name, 1)), change(2000, onDefault(3), onDefault(5))];
      const flags = await FlagFileController.create(join(folder, `${name}.json`), changes, at);
      expect((await fileOf(flags)).flags.storm.fallthrough.rollout.variations).toEqual(booleanWeights(3));
      await flags.applyStep(step(25));
      // Before the start too: the latest change holding the environment, not the latest change.
      const before = [change(500, onDefault(0), onDefault(7)), change(600, elsewhere(name, 0), elsewhere(name, 1))];
      const later = await FlagFileController.create(join(folder, `${name}-before.json`), before, at);
      expect((await fileOf(later)).flags.storm.fallthrough.rollout.variations).toEqual(booleanWeights(7));
    }
  });
});

describe('FlagFileController behind a rule', () => {
  it("steps and rolls back the rule's rollout only, measured on contexts that match the rule", async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(2000, ruled(0), ruled(5))], at);
    await flags.applyStep(step(25, EU));
    const before = await flags.measureShare('storm', EU);
    expect(before.matched).toBe(10000);
    expect(before.share).toBeCloseTo(0.25, 1);
    const outcome = await flags.setRollout(rollback(5, EU));
    expect(outcome.detail).toMatch(
      /of 10000 contexts reaching rule "EU customers" \(rule-eu\) got the new variation before, [45]\.\d\d% after/,
    );
    const file = (await fileOf(flags)).flags.storm;
    expect(file.rules[1].rollout.variations).toEqual(booleanWeights(5));
    expect(file.rules[0]).toMatchObject({ id: 'rule-us', variation: 0 }); // the other rule is left alone
    expect(await flags.measureShare('storm', FALLTHROUGH)).toMatchObject({ share: 0, matched: 10000 });
  });

  it('serves a disabled rule to no one, as LaunchDarkly sends its SDKs none: its rollback is left unchanged, a step enabling it puts it back in its place', async () => {
    const disabled = (version: ReturnType<typeof ruled>, ...indices: number[]) => {
      for (const i of indices) version.environments.production!.rules![i]!.disabled = true;
      return version;
    };
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(500, ruled(25), disabled(ruled(25), 0, 1))], at);
    expect(await flags.measureShare('storm', EU)).toEqual({ share: 0, matched: 0 });
    expect((await flags.setRollout(rollback(5, EU))).status).toBe('unchanged');
    await flags.applyStep(step(25, EU));
    expect((await flags.measureShare('storm', EU)).share).toBeCloseTo(0.25, 1);
    await flags.applyStep(step(100, { kind: 'rule', ruleId: 'rule-us' }));
    expect((await fileOf(flags)).flags.storm.rules.map((r: { id: string }) => r.id)).toEqual(['rule-us', 'rule-eu']);
  });

  it('says which rule a flag does not have', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(2000, ruled(0), ruled(5))], at);
    await expect(flags.applyStep(step(5, { kind: 'rule', ruleId: 'rule-apac' }))).rejects.toThrow(/flag storm has no rule rule-apac/);
  });
});

describe('FlagFileController: multivariate flags and prerequisites', () => {
  it('rolls two treatments back in proportion; exposure is the share served anything but the off variation', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [change(500, multi(0, 0), multi(20_000, 10_000))], at);
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.3, 1);
    await flags.setRollout(rollback(3));
    expect((await fileOf(flags)).flags.storm.fallthrough.rollout.variations).toEqual([
      { variation: 0, weight: 97_000 },
      { variation: 1, weight: 2_000 },
      { variation: 2, weight: 1_000 },
    ]);
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.03, 1);
  });

  it('a configured control variation is what exposure is measured against', async () => {
    const path = join(folder, 'flags.json');
    const flags = await FlagFileController.create(path, [change(500, multi(0, 0), multi(20_000, 10_000))], at, { storm: 1 });
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.8, 1);
  });

  it('a flag whose prerequisite the audit log records is served as LaunchDarkly would; one not met serves no one the rule', async () => {
    const gate = (on: boolean) => flagVersion('checkout-v2', { on, fallthrough: { variation: 0 } });
    const dependent = (percent: number) => ({
      ...onDefault(percent),
      environments: {
        production: { ...onDefault(percent).environments.production!, prerequisites: [{ key: 'checkout-v2', variation: 0 }] },
      },
    });
    const met = [change(100, gate(false), gate(true)), change(500, dependent(0), dependent(20))];
    const flags = await FlagFileController.create(join(folder, 'flags.json'), met, at);
    expect((await flags.measureShare('storm')).share).toBeCloseTo(0.2, 1);
    const unmet = await FlagFileController.create(join(folder, 'unmet.json'), [change(100, gate(true), gate(false)), met[1]!], at);
    expect(await unmet.measureShare('storm')).toEqual({ share: 0, matched: 0 });
  });
});

describe("FlagFileController.servedPercent: what a state folder's flag file serves a target, for the local gate", () => {
  const create = (...changes: Parameters<typeof change>[]) =>
    FlagFileController.create(
      join(folder, 'flags.json'),
      changes.map((c) => change(...c)),
      at,
    );

  it('reads the default rule and a rule as the steps and rollbacks left them', async () => {
    const flags = await create([2000, onDefault(0), onDefault(75)]);
    expect(await flags.servedPercent('storm', FALLTHROUGH)).toBe(0);
    await flags.applyStep(step(75));
    expect(await flags.servedPercent('storm', FALLTHROUGH)).toBe(75);
    await flags.setRollout(rollback(25));
    expect(await flags.servedPercent('storm', FALLTHROUGH)).toBe(25);
    await create([500, ruled(0), ruled(5)]);
    expect(await flags.servedPercent('storm', EU)).toBe(5);
    expect(await flags.servedPercent('storm', FALLTHROUGH)).toBe(0);
  });

  it('measures a multivariate flag against its off variation, or the configured control', async () => {
    await create([500, multi(0, 0), multi(20_000, 10_000)]);
    expect(await new FlagFileController(join(folder, 'flags.json')).servedPercent('storm', FALLTHROUGH)).toBe(30);
    expect(await new FlagFileController(join(folder, 'flags.json'), { storm: 1 }).servedPercent('storm', FALLTHROUGH)).toBe(80);
  });

  it('knows nothing without the file, the flag or the rule; a file that is no flag file is an error naming the field', async () => {
    const flags = new FlagFileController(join(folder, 'flags.json'));
    expect(await flags.servedPercent('storm', FALLTHROUGH)).toBeUndefined();
    await create([500, ruled(0), ruled(5)]);
    expect(await flags.servedPercent('constructor', FALLTHROUGH)).toBeUndefined();
    expect(await flags.servedPercent('storm', { kind: 'rule', ruleId: 'rule-apac' })).toBeUndefined();
    await writeFile(flags.path, JSON.stringify({ flags: { storm: { on: 'yes' } } }));
    await expect(flags.servedPercent('storm', FALLTHROUGH)).rejects.toThrow(/flags\.json.*field `flags\.storm\.on`/);
    await expect(flags.setRollout(rollback(0))).rejects.toThrow(/flags\.json.*field `flags\.storm\.on`/);
  });
});
