/**
 * An option that works only with another, given without it, was ignored: `replay --from …` replayed
 * the bundled storm, `gate --function X --at …` asked the Lambda as of now. Refused instead: one
 * line naming both options, exit 2, and nothing read, asked or written.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newFolder, stormguard } from '../support/cli.ts';

const GATE = ['gate', '--flag', 'storm', '--env', 'production', '--to', '25'];
const ACK = ['ack', '--flag', 'storm', '--env', 'production', '--reason', 'fixed'];

describe('an option without the one it works with', () => {
  it.each([
    [['replay', '--from', '2025-08-28T08:00:00Z', '--to', '2025-08-28T12:00:00Z'], '--from', '--prometheus'],
    [['replay', '--sigv4', 'eu-west-1'], '--sigv4', '--prometheus'],
    [['replay', '--timeline', 'audit.json'], '--timeline', '--metrics or --prometheus'],
    [[...GATE, '--function', 'stormguard-gate', '--at', '2025-08-28T08:00:00Z'], '--at', '--state'],
    [[...GATE, '--function', 'stormguard-gate', '--config', 'stormguard.config.yaml'], '--config', '--state'],
    [[...GATE, '--state', 'STATE', '--region', 'eu-west-1'], '--region', '--function'],
    [[...GATE, '--state', 'STATE', '--interval', '30'], '--interval', '--wait'],
    [[...ACK, '--state', 'STATE', '--region', 'eu-west-1'], '--region', '--function'],
  ])('%j: refused, naming %s and %s', async (argv, option, companion) => {
    const folder = await newFolder();
    const state = join(folder, 'state');
    const args = argv.map((arg) => (arg === 'STATE' ? state : arg));
    // A replay given a new state folder writes it; a gate or ack reads it, or asks the Lambda and prints its answer.
    const { code, out, err } = await stormguard(...args, ...(argv[0] === 'replay' ? ['--state', state] : []));
    expect({ code, out, err }).toEqual({ code: 2, out: '', err: `stormguard: field \`${option}\`: goes with ${companion}\n` });
    expect(await readdir(folder)).toEqual([]);
  });
});
