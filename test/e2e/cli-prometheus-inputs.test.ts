/**
 * `replay --prometheus`: the user's files and folders are checked before Prometheus is asked. A
 * missing timeline once came after the queries, so an unreachable server hid it behind a network
 * failure (exit 1); a state folder not empty was said only after the whole range was read.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newFolder, stormguard } from '../support/cli.ts';
import { answer, matrix, type PrometheusStub, prometheusStub } from '../support/prometheus-stub.ts';

let stub: PrometheusStub;
beforeAll(async () => {
  stub = await prometheusStub();
  stub.handle(answer(200, matrix([])));
});
afterAll(() => stub.close());

const replay = (...extra: string[]) =>
  stormguard('replay', '--prometheus', stub.base, '--from', '2025-08-28T08:00:00Z', '--to', '2025-08-28T12:00:00Z', ...extra);

describe('replay --prometheus checks its inputs before asking', () => {
  it('a missing timeline file: exit 2 naming it, and no query', async () => {
    stub.requests.length = 0;
    const missing = join(await newFolder(), 'missing.json');
    const { code, err } = await replay('--timeline', missing, '--state', join(await newFolder(), 'state'));
    expect(code).toBe(2);
    expect(err).toMatch(new RegExp(`^stormguard: ${missing}: .+\\n$`));
    expect(stub.requests).toEqual([]);
  });

  it('a timeline entry that is not one: exit 2 naming the file, and no query', async () => {
    stub.requests.length = 0;
    const timeline = join(await newFolder(), 'deploys.json');
    await writeFile(timeline, JSON.stringify([{ kind: 'something else' }]));
    const { code, err } = await replay('--timeline', timeline, '--state', join(await newFolder(), 'state'));
    expect(code).toBe(2);
    expect(err).toContain(`stormguard: ${timeline}`);
    expect(stub.requests).toEqual([]);
  });

  it('a state folder that is not empty: exit 2, and no query', async () => {
    stub.requests.length = 0;
    const state = await newFolder();
    await mkdir(join(state, 'kept'));
    const { code, err } = await replay('--state', state);
    expect({ code, err }).toEqual({
      code: 2,
      err: `stormguard: field \`--state\`: ${state} is not empty: name a new or empty folder, so nothing of yours is overwritten\n`,
    });
    expect(stub.requests).toEqual([]);
  });
});
