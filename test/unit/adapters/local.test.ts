import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readJson } from '../../../lambdas/adapters/local/files.ts';
import { FlagFileController } from '../../../lambdas/adapters/local/flag-file.ts';
import { FileStateStore } from '../../../lambdas/adapters/local/state-files.ts';
import type { Decision } from '../../../lambdas/core/decision.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'stormguard-'));
});

const step = (from: number, to: number): RolloutStep => ({
  kind: 'rollout-step',
  id: `s${to}`,
  time: 0,
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: from,
  toPercent: to,
});
const rollback = (percent: number) => ({
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' as const },
  percent,
  turnOff: false,
  comment: 'test',
});

describe('FlagFileController (LaunchDarkly SDK file data source)', () => {
  it('rolls 25% back to 5% as weights 5000 / 95000, and the SDK serves about 5% of contexts the treatment', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [step(0, 1)]);
    await flags.applyStep(step(5, 25));
    expect(await flags.measureShare('storm')).toBeCloseTo(0.25, 1);
    const outcome = await flags.setRollout(rollback(5));
    expect(outcome.status).toBe('applied');
    const file = (await readJson(flags.path)) as {
      flags: { storm: { fallthrough: { rollout: { variations: unknown[] } }; version: number } };
    };
    expect(file.flags.storm.fallthrough.rollout.variations).toEqual([
      { variation: 0, weight: 5000 },
      { variation: 1, weight: 95000 },
    ]);
    expect(await flags.measureShare('storm')).toBeCloseTo(0.05, 1);
    expect(outcome.detail).toMatch(/2\d\.\d\d% of 10000 contexts got the new variation before, [45]\.\d\d% after/);
  });

  it('leaves a flag already at or below the target alone', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [step(1, 5)]);
    const before = await readFile(flags.path, 'utf8');
    expect((await flags.setRollout(rollback(5))).status).toBe('unchanged');
    expect(await readFile(flags.path, 'utf8')).toBe(before);
  });

  it('turns a flag off where configured', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [step(50, 75)]);
    await flags.setRollout({ ...rollback(0), turnOff: true });
    expect(await flags.measureShare('storm')).toBe(0);
  });

  it('says which flag it does not know', async () => {
    const flags = await FlagFileController.create(join(folder, 'flags.json'), [step(0, 1)]);
    await expect(flags.setRollout({ ...rollback(0), flag: 'nope' })).rejects.toThrow(/flag nope is not in/);
  });
});

describe('FileStateStore', () => {
  const decision = { id: 'episode-1/storm/production', time: 1 } as Decision;

  it('records a decision once: a second run deciding the same is told it is taken', async () => {
    const one = new FileStateStore(folder);
    const two = new FileStateStore(folder);
    const results = await Promise.all([one.recordDecision(decision), two.recordDecision(decision)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await one.decisions()).toEqual([decision]);
  });

  it('saves and loads state whole, leaving no temporary files', async () => {
    const store = new FileStateStore(folder);
    expect(await store.load()).toBeUndefined();
    const state = newGuardrailState();
    state.evaluatedAt = 42;
    await store.save(state);
    expect(await store.load()).toEqual(state);
    expect((await readdir(folder)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('readJson', () => {
  it('names the file, line and column of a syntax error', async () => {
    const path = join(folder, 'bad.json');
    await writeFile(path, '{\n  "a": 1,\n  "b": NaN\n}\n');
    await expect(readJson(path)).rejects.toThrow(new RegExp(`^${path}, line 3, column 8: not valid JSON`));
  });

  it('reads JSON lines, naming the line that is broken', async () => {
    const path = join(folder, 'hooks.jsonl');
    await writeFile(path, '{"a":1}\n{"a":2}\n');
    expect(await readJson(path)).toEqual([{ a: 1 }, { a: 2 }]);
    await writeFile(path, '{"a":1}\n{"a":\n');
    await expect(readJson(path)).rejects.toThrow(/line 2: not valid JSON/);
  });

  it('says that a file does not exist', async () => {
    await expect(readJson(join(folder, 'missing.json'))).rejects.toThrow(/missing\.json: no such file$/);
  });
});
