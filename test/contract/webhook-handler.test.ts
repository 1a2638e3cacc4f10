/** The LaunchDarkly webhook: signatures checked before parsing; a replayed delivery changes nothing. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { MAX_WEBHOOK_BYTES, signatureIsValid } from '../../lambdas/adapters/launchdarkly/webhook.ts';
import { createWebhookHandler } from '../../lambdas/handlers/webhook.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { auditEntry, stepEntry } from '../support/fixtures.ts';
import { multivariateVersion } from '../support/flag-versions.ts';

const SECRET = 'whsec-3f9a1c';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
let dynamo: LocalDynamo;
let store: DynamoStore;
let handler: ReturnType<typeof createWebhookHandler>;

beforeAll(async () => {
  dynamo = await localDynamo();
  store = new DynamoStore(dynamo.client, dynamo.table);
  handler = createWebhookHandler({ store, secret: async () => SECRET });
});
afterAll(() => dynamo.close());

const delivery = JSON.stringify(stepEntry('66cf0e1a', Date.parse('2025-08-28T14:00:00Z'), 'checkout-producer-per-request', 0, 1));
const post = (body: string, signature?: string, isBase64Encoded = false) =>
  handler({
    body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded,
    headers: signature ? { 'x-ld-signature': signature } : {},
  });

describe('signatureIsValid', () => {
  it('accepts the hex HMAC-SHA256 of the raw body, and nothing else', () => {
    const body = Buffer.from(delivery);
    expect(signatureIsValid(body, sign(delivery), SECRET)).toBe(true);
    expect(signatureIsValid(body, sign(delivery).toUpperCase(), SECRET)).toBe(true);
    expect(signatureIsValid(body, sign(delivery, 'other'), SECRET)).toBe(false);
    expect(signatureIsValid(Buffer.from(`${delivery} `), sign(delivery), SECRET)).toBe(false);
    expect(signatureIsValid(body, sign(delivery).slice(0, 32), SECRET)).toBe(false);
    // Hex decoding drops an odd trailing digit: a signature and one digit more is not the signature.
    expect(signatureIsValid(body, `${sign(delivery)}0`, SECRET)).toBe(false);
    expect(signatureIsValid(body, 'not hex at all', SECRET)).toBe(false);
    expect(signatureIsValid(body, undefined, SECRET)).toBe(false);
  });
});

describe('the webhook Lambda', () => {
  it('stores the rollout step of a signed delivery (base64 bodies too)', async () => {
    expect(await post(delivery, sign(delivery), true)).toMatchObject({ statusCode: 200, body: '{"releases":1}' });
    expect(
      (await store.releases(Date.parse('2025-08-28T15:00:00Z'))).map(
        (r) => r.kind === 'rollout-step' && [r.flag, r.fromPercent, r.toPercent],
      ),
    ).toEqual([['checkout-producer-per-request', 0, 1]]);
  });

  it('rejects forged, tampered and unsigned deliveries with 401, before parsing them', async () => {
    const garbage = '{"this is": not json';
    // Not JSON at all: a 401, not a 400, proves the signature is checked first.
    expect((await post(garbage, sign(garbage, 'guessed-secret'))).statusCode).toBe(401);
    expect((await post(delivery.replace('"date":', '"date": '), sign(delivery))).statusCode).toBe(401);
    expect(await post(delivery)).toMatchObject({ statusCode: 401, body: '{"message":"missing X-LD-Signature"}' });
  });

  it('says in its log why it refused a delivery (a wrong signing secret shows there)', async () => {
    const logged: unknown[] = [];
    const logging = createWebhookHandler({ store, secret: async () => SECRET }, (entry) => void logged.push(entry));
    await logging({ body: delivery, isBase64Encoded: false, headers: { 'x-ld-signature': sign(delivery, 'an old secret') } });
    expect(logged).toEqual([{ level: 'warn', message: 'delivery refused (401): bad signature' }]);
  });

  it('changes nothing when a delivery is replayed', async () => {
    const before = await store.releases(Date.parse('2026-01-01T00:00:00Z'));
    expect((await post(delivery, sign(delivery))).statusCode).toBe(200);
    expect(await store.releases(Date.parse('2026-01-01T00:00:00Z'))).toEqual(before);
  });

  it('takes the delivery of a flag with 20,000 individual targets (about 1 MB): turned away, its step would wait for the backfill', async () => {
    const entry = stepEntry('big-1', Date.parse('2025-09-03T09:00:00Z'), 'checkout-producer-per-request', 0, 1);
    const targets = [{ values: Array.from({ length: 20_000 }, (_, i) => `customer-${i}-${'k'.repeat(16)}`), variation: 0 }];
    for (const version of [entry.previousVersion, entry.currentVersion] as Array<{ environments: Record<string, Record<string, unknown>> }>)
      version.environments.production!.targets = targets;
    const body = JSON.stringify(entry);
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(await post(body, sign(body))).toMatchObject({ statusCode: 200, body: '{"releases":1}' });
  });

  it('refuses bodies over the size bound, and signed bodies that are not deliveries', async () => {
    const huge = 'x'.repeat(MAX_WEBHOOK_BYTES + 1);
    expect((await post(huge, sign(huge))).statusCode).toBe(413);
    const notJson = 'hello';
    expect((await post(notJson, sign(notJson))).statusCode).toBe(400);
    const wrongShape = JSON.stringify({ hello: 'world' });
    expect(await post(wrongShape, sign(wrongShape))).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('expected a LaunchDarkly audit-log entry'),
    });
  });

  it("leaves out another project's flag of the same key: the webhook hears the whole account", async () => {
    const logged: unknown[] = [];
    const scoped = createWebhookHandler(
      { store, secret: async () => SECRET, scope: { project: 'shop' } },
      (entry) => void logged.push(entry),
    );
    const time = Date.parse('2025-09-02T09:00:00Z');
    const inProject = (project: string, id: string) => {
      const entry = stepEntry(id, time, 'checkout-producer-per-request', 0, 75);
      return JSON.stringify({
        ...entry,
        target: { name: 'A flag', resources: [`proj/${project}:env/production:flag/checkout-producer-per-request`] },
        accesses: [{ action: 'updateFallthrough', resource: `proj/${project}:env/production:flag/checkout-producer-per-request` }],
      });
    };
    const post = (body: string) => scoped({ body, isBase64Encoded: false, headers: { 'x-ld-signature': sign(body) } });
    expect(await post(inProject('mobile-app', 'other-1'))).toMatchObject({ statusCode: 200, body: '{"releases":0}' });
    expect(logged).toEqual([
      { level: 'warn', message: 'webhook: (document) (other-1) is a change in project mobile-app, not shop: left out' },
    ]);
    expect(await post(inProject('shop', 'own-1'))).toMatchObject({ statusCode: 200, body: '{"releases":1}' });
    const ids = (await store.releases(time)).map((r) => r.id);
    expect(ids.some((id) => id.startsWith('own-1/'))).toBe(true);
    expect(ids.some((id) => id.startsWith('other-1/'))).toBe(false);
  });

  it("reads a multivariate flag's step against the flag's configured control variation", async () => {
    const controlled = createWebhookHandler({ store, secret: async () => SECRET, scope: { controls: { storm: 1 } } });
    const time = Date.parse('2025-08-29T14:00:00Z');
    const body = JSON.stringify(auditEntry('mv-1', time, multivariateVersion(2_000, 1_000), multivariateVersion(10_000, 5_000)));
    expect((await controlled({ body, isBase64Encoded: false, headers: { 'x-ld-signature': sign(body) } })).statusCode).toBe(200);
    const step = (await store.releases(time)).find((r) => r.id.includes('mv-1'));
    // Variation 1 is the control: the share served anything else went from 98% to 90%.
    expect(step).toMatchObject({ flag: 'storm', fromPercent: 98, toPercent: 90 });
  });
});
