/**
 * Standard output that fails under the CLI, in a spawned process (the terminal's streams, not a
 * test's buffers): a reader that stops early (`| head`) ends the command quietly with 141, as the
 * pipe's SIGPIPE ends a Unix tool (never 0: from the gate, "allow"); another failure to write is
 * one line and exit 1. Never Node's unhandled 'error' stack.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newFolder } from '../support/cli.ts';

const entry = join(import.meta.dirname, '../support/cli-process.ts');

/** Runs the CLI with stdout a pipe closed after its first chunk, or at once (`unread`), or given `stdout`, that file descriptor. */
function run(
  argv: string[],
  stdout?: number | 'unread',
): Promise<{ code: number | null; signal: string | null; first: string; err: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', entry, ...argv], {
    stdio: ['ignore', typeof stdout === 'number' ? stdout : 'pipe', 'pipe'],
  });
  let first = '';
  let err = '';
  if (stdout === 'unread') proc.stdout?.destroy();
  proc.stdout?.once('data', (chunk: Buffer) => {
    first = chunk.toString();
    proc.stdout?.destroy();
  });
  proc.stderr?.on('data', (chunk: Buffer) => void (err += chunk));
  return new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, first, err })));
}

/** A CSV whose scores (about 1.5 MB) are far more than a pipe holds: the CLI is still writing when the reader leaves. */
async function longCsv(): Promise<string> {
  const path = join(await newFolder(), 'series.csv');
  const rows = Array.from({ length: 50_000 }, (_, i) => `${new Date(Date.UTC(2025, 0, 1) + i * 300_000).toISOString()},${10 + (i % 7)}`);
  await writeFile(path, `timestamp,value\n${rows.join('\n')}\n`);
  return path;
}

describe('standard output closed or failing', () => {
  it('detect | head: ends quietly, exit 141 (the pipe closed), after the rows the reader took', async () => {
    const { code, signal, first, err } = await run(['detect', await longCsv()]);
    expect(first.startsWith('timestamp,value,anomaly_score\n')).toBe(true);
    expect({ code, signal, err }).toEqual({ code: 141, signal: null, err: '' });
  });

  it('replay --json | head: ends quietly, exit 141', async () => {
    const { code, first, err } = await run(['replay', '--json', '--state', join(await newFolder(), 'state')]);
    expect(first.startsWith('{')).toBe(true);
    expect({ code, err }).toEqual({ code: 141, err: '' });
  });

  it('gate | a reader that reads nothing: exit 141, never 0, which would say "allow"', async () => {
    const empty = await newFolder();
    const { code } = await run(['gate', '--flag', 'storm', '--env', 'production', '--to', '5', '--state', empty], 'unread');
    expect(code).toBe(141);
  });

  it('a full device behind stdout: one line naming it, exit 1', async () => {
    const full = openSync('/dev/full', 'w');
    const { code, err } = await run(['detect', await longCsv()], full).finally(() => closeSync(full));
    expect(code).toBe(1);
    expect(err).toBe('stormguard: cannot write to standard output: ENOSPC: no space left on device, write\n');
  });
});
