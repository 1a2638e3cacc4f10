import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readJson, readJsonIfExists, writeAtomically } from '../../../lambdas/adapters/local/files.ts';
import { FileStateStore } from '../../../lambdas/adapters/local/state-files.ts';
import type { Decision } from '../../../lambdas/core/decision.ts';
import { InputError } from '../../../lambdas/core/errors.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'stormguard-'));
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

  it('reads a file that starts with a byte-order mark, as Windows editors save it', async () => {
    const path = join(folder, 'bom.json');
    await writeFile(path, '\uFEFF{"a":1}\n');
    expect(await readJson(path)).toEqual({ a: 1 });
  });
});

describe('readJsonIfExists', () => {
  it('is undefined where there is no such file, by the error code, and any other problem is still an error', async () => {
    expect(await readJsonIfExists(join(folder, 'missing.json'))).toBeUndefined();
    await writeFile(join(folder, 'here.json'), '{"a":1}');
    expect(await readJsonIfExists(join(folder, 'here.json'))).toEqual({ a: 1 });
    await mkdir(join(folder, 'a-folder.json'));
    await expect(readJsonIfExists(join(folder, 'a-folder.json'))).rejects.toThrow(/is a directory, expected a file/);
    await writeFile(join(folder, 'broken.json'), '{');
    await expect(readJsonIfExists(join(folder, 'broken.json'))).rejects.toThrow(/not valid JSON/);
  });
});

describe('writeAtomically', () => {
  it('a folder where the file goes is an input error naming it, and leaves no temporary file beside it', async () => {
    await mkdir(join(folder, 'report.html'));
    await expect(writeAtomically(join(folder, 'report.html'), 'x')).rejects.toThrow(
      new InputError({ file: join(folder, 'report.html') }, 'is a directory, expected a file'),
    );
    expect(await readdir(folder)).toEqual(['report.html']);
  });
});
