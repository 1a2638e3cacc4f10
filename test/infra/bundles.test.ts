/**
 * The Lambda bundles as deployed (dist/lambda/<name>/index.mjs, rebuilt by the test setup), run in
 * a fresh node the way Lambda runs them: each loads and exports `handler`; the gate and the
 * deploy-events handler answer against a local DynamoDB, through the bundled SDK, the Lambda
 * credential chain (credentials from the environment) and the configuration as the construct
 * writes it (JSON), with zod's messages.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { type LocalSecretsManager, localSecretsManager } from '../support/secrets-manager.ts';

const run = promisify(execFile);

/** Issue 13's budget for one bundle (index.mjs, minified, without its source map), in bytes. */
const BUDGET_BYTES = 300_000;
/**
 * The bundle still over the budget, with a ceiling about 5 kB above its size now, which it may not
 * grow past (bytes are deterministic for a lockfile). What it holds and why it stays over:
 * docs/benchmarks.md, "Lambda bundles"; `npm run bench:bundles -- --breakdown`.
 */
const OVER_BUDGET: Readonly<Record<string, number>> = {
  detector: 655_000,
};
const bundles = join(import.meta.dirname, '../../dist/lambda');

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:StormguardWebhookSecret-AbCdEf';
let dynamo: LocalDynamo;
let secretsManager: LocalSecretsManager;
let environment: NodeJS.ProcessEnv;

beforeAll(async () => {
  dynamo = await localDynamo();
  secretsManager = await localSecretsManager(() => ({ value: 'webhook-signing-secret' }));
  const endpoint = await dynamo.client.config.endpoint!();
  environment = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SESSION_TOKEN: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    TABLE_NAME: dynamo.table,
    WEBHOOK_SECRET_ARN,
    STORMGUARD_CONFIG: JSON.stringify({ clusters: ['events-msk'], gate: { bakeMinutes: 30 } }),
  };
});

afterAll(async () => {
  await dynamo?.close();
  await secretsManager?.close();
});

/** Calls a bundle's handler with `event` in a fresh node; returns what it resolved to (written after its log lines). */
async function invoke(name: string, event: unknown): Promise<unknown> {
  const url = pathToFileURL(join(bundles, name, 'index.mjs')).href;
  const script = `const { handler } = await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(await handler(${JSON.stringify(event)})));`;
  const { stdout } = await run(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], { env: environment });
  return JSON.parse(stdout.split('\n').at(-1)!);
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

  it('stay within 300 kB each, or under the ceiling of those still over it, with no source map in the asset', () => {
    for (const name of readdirSync(bundles)) {
      const bytes = statSync(join(bundles, name, 'index.mjs')).size;
      expect(bytes, name).toBeLessThanOrEqual(OVER_BUDGET[name] ?? BUDGET_BYTES);
      expect(
        readdirSync(join(bundles, name)).filter((f) => f.endsWith('.map')),
        name,
      ).toEqual([]);
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

  it('read a secret with the Lambda credential chain: the webhook refuses a delivery whose signature is not the secret’s', async () => {
    const answer = await invoke('webhook', { body: '{}', isBase64Encoded: false, headers: { 'x-ld-signature': 'not-it' } });
    expect(answer).toEqual({ statusCode: 401, body: JSON.stringify({ message: 'bad signature' }) });
    expect(secretsManager.reads).toEqual([WEBHOOK_SECRET_ARN]);
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
