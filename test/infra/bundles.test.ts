/**
 * The Lambda bundles as deployed (dist/lambda/<name>/index.mjs, rebuilt by the test setup), run in
 * a fresh node the way Lambda runs them: each loads and exports `handler`; the gate and the
 * deploy-events handler answer against a local DynamoDB, through the bundled SDK, the Lambda
 * credential chain (credentials from the environment) and the configuration as the construct
 * writes it (JSON), with zod's messages.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';

const run = promisify(execFile);
const bundles = join(import.meta.dirname, '../../dist/lambda');

let dynamo: LocalDynamo;
let environment: NodeJS.ProcessEnv;

beforeAll(async () => {
  dynamo = await localDynamo();
  const endpoint = await dynamo.client.config.endpoint!();
  environment = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
    TABLE_NAME: dynamo.table,
    STORMGUARD_CONFIG: JSON.stringify({ clusters: ['events-msk'], gate: { bakeMinutes: 30 } }),
  };
});

afterAll(() => dynamo?.close());

/** Calls a bundle's handler with `event` in a fresh node; returns what it resolved to. */
async function invoke(name: string, event: unknown): Promise<unknown> {
  const url = pathToFileURL(join(bundles, name, 'index.mjs')).href;
  const script = `const { handler } = await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)})));`;
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { env: environment });
  return JSON.parse(stdout);
}

describe('the Lambda bundles', () => {
  it('each load in a fresh node and export a handler', async () => {
    const names = readdirSync(bundles).sort();
    expect(names).toEqual(['ack', 'backfill', 'deploys', 'detector', 'gate', 'webhook']);
    for (const name of names) {
      const url = pathToFileURL(join(bundles, name, 'index.mjs')).href;
      const { stdout } = await run(
        process.execPath,
        [
          '--no-warnings',
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(url)}); process.stdout.write(typeof m.handler);`,
        ],
        { env: environment },
      );
      expect(stdout, name).toBe('function');
    }
  });

  it('store a deploy event, which the gate then reads back to deny a step within the bake time', async () => {
    const time = new Date(Date.now() - 5 * 60_000).toISOString();
    const deploy = { id: 'd-1', time, service: 'checkout', version: '2.0.0', environment: 'production' };
    expect(await invoke('deploys', { body: JSON.stringify(deploy), isBase64Encoded: false })).toEqual({
      statusCode: 200,
      body: JSON.stringify({ deploys: 1 }),
    });
    const answer = (await invoke('gate', { flag: 'checkout-producer-per-request', environment: 'production', targetPercent: 5 })) as {
      verdict: string;
      reasons: string[];
    };
    expect(['deny', 'unknown']).toContain(answer.verdict);
    expect(answer.reasons.length).toBeGreaterThan(0);
  });

  it('answer a bad gate request with the field and zod’s own message', async () => {
    const answer = (await invoke('gate', { flag: 'f', environment: 'production', targetPercent: 150 })) as {
      verdict: string;
      reasons: string[];
    };
    expect(answer).toMatchObject({
      verdict: 'unknown',
      reasons: ['bad request: field `targetPercent`: Too big: expected number to be <=100'],
    });
  });
});
