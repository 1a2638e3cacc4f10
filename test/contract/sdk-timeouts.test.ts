/**
 * The Lambdas' AWS SDK clients against an endpoint that accepts connections and never answers (a
 * hung socket): each handler, as deployed (its module-scope clients), gives up within its Lambda's
 * timeout (10 s for the gate, the acknowledgement, the webhook and deploy events; the detector's DynamoDB reads
 * alike), with the SDK's timeout error, rather than hanging until Lambda stops it.
 */
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stepEntry } from '../support/fixtures.ts';
import { type LocalSecretsManager, localSecretsManager } from '../support/secrets-manager.ts';

const LAMBDA_TIMEOUT_MS = 10_000;
const sockets: Socket[] = [];
let hung: Server;
let secrets: LocalSecretsManager;

beforeAll(async () => {
  hung = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  secrets = await localSecretsManager(() => ({ value: 'whsec-1' }));
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY');
  vi.stubEnv('AWS_ENDPOINT_URL', `http://127.0.0.1:${(hung.address() as AddressInfo).port}`);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', secrets.url);
  vi.stubEnv('TABLE_NAME', 'stormguard');
  vi.stubEnv('STORMGUARD_CONFIG', JSON.stringify({ clusters: ['events-msk'] }));
  vi.stubEnv('ALERT_TOPIC_ARN', 'arn:aws:sns:eu-west-1:123456789012:alerts');
  vi.stubEnv('WEBHOOK_SECRET_ARN', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:webhook');
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => hung.close(resolve));
  await secrets.close();
  vi.unstubAllEnvs();
});

/** How long `call` took to fail, and with what. */
async function failing(call: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const start = Date.now();
  try {
    await call();
  } catch (error) {
    return { ms: Date.now() - start, error };
  }
  throw new Error('answered, from an endpoint that never answers');
}

const context = { getRemainingTimeInMillis: () => 50_000 } as Context;
// A rollout step, signed: the webhook stores it (BatchWriteItem).
const body = JSON.stringify(stepEntry('66cf0e1a', Date.parse('2025-08-28T14:00:00Z'), 'checkout-producer-per-request', 0, 1));

describe("the Lambdas' SDK requests to an endpoint that never answers", () => {
  it('fail within the Lambda timeout, with the SDK’s timeout error, in every handler', async () => {
    const gate = (await import('../../lambdas/handlers/gate.ts')).handler;
    const ack = (await import('../../lambdas/handlers/ack.ts')).handler;
    const webhook = (await import('../../lambdas/handlers/webhook.ts')).handler;
    const detector = (await import('../../lambdas/handlers/detector.ts')).handler;
    const deploys = (await import('../../lambdas/handlers/deploys.ts')).handler;
    const deploy = { id: 'd-1', time: new Date().toISOString(), service: 'checkout', version: '2.0.0', environment: 'production' };
    const results = await Promise.all([
      failing(() => gate({ flag: 'f', environment: 'production', targetPercent: 5 })),
      failing(() => ack({ flag: 'f', environment: 'production', by: 'oncall', reason: 'drill' })),
      failing(() =>
        webhook({
          body,
          isBase64Encoded: false,
          headers: { 'x-ld-signature': createHmac('sha256', 'whsec-1').update(body).digest('hex') },
        } as never),
      ),
      failing(() => detector({ time: new Date().toISOString() } as never, context)),
      failing(() => deploys({ body: JSON.stringify(deploy), isBase64Encoded: false } as never)),
    ]);
    for (const [i, { ms, error }] of results.entries()) {
      expect(String(error), `handler ${i}`).toMatch(/requestTimeout/);
      expect(ms, `handler ${i}`).toBeLessThan(LAMBDA_TIMEOUT_MS);
    }
  }, 30_000);
});
