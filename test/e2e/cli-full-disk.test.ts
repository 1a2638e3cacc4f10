/**
 * A disk that fills while the CLI writes: the machine's failure, said in one line (exit 1, no
 * stack trace), and nothing half-written left behind. `createWriteStream` is made to fail as a
 * full disk does, after its first chunk reached the file.
 */
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { newFolder, stormguard } from '../support/cli.ts';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof Fs>();
  const full = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  const createWriteStream = (path: string) => {
    let written = false;
    return new Writable({
      write(chunk, _encoding, callback) {
        if (written) return callback(full());
        written = true;
        fs.writeFileSync(path, chunk);
        callback();
      },
    });
  };
  return { ...fs, default: { ...fs, createWriteStream }, createWriteStream };
});
// A state save's own write fails as a full disk does (its temporary file half-written); any other write goes through.
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const writeFile: typeof fs.writeFile = async (path, data, options) => {
    if (!String(path).includes('.state.')) return fs.writeFile(path, data, options);
    await fs.writeFile(path, String(data).slice(0, 100));
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  };
  return { ...fs, default: { ...fs, writeFile }, writeFile };
});

describe('a full disk', () => {
  it('detect --output: one line naming the failure, exit 1, no partial file and the old output kept', async () => {
    const folder = await newFolder();
    const rows = Array.from({ length: 5000 }, (_, i) => `${new Date(Date.UTC(2025, 0, 1) + i * 300_000).toISOString()},${10 + (i % 7)}`);
    await writeFile(join(folder, 'series.csv'), `timestamp,value\n${rows.join('\n')}\n`);
    await writeFile(join(folder, 'scores.csv'), 'the scores of an earlier run\n');
    const { code, err } = await stormguard('detect', join(folder, 'series.csv'), '--output', join(folder, 'scores.csv'));
    expect(code).toBe(1);
    expect(err).toBe('stormguard: ENOSPC: no space left on device, write\n');
    expect((await readdir(folder)).sort()).toEqual(['scores.csv', 'series.csv']);
    expect(await readFile(join(folder, 'scores.csv'), 'utf8')).toBe('the scores of an earlier run\n');
  });

  it('replay --state: the state save fails in one line, exit 1, and leaves no temporary file', async () => {
    const state = join(await newFolder(), 'state');
    const { code, err } = await stormguard('replay', '--state', state);
    expect(code).toBe(1);
    expect(err).toBe('stormguard: ENOSPC: no space left on device, write\n');
    expect((await readdir(state)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
