/** The deploy-events Lambda: deploy events of the guarded environment in, stamped near their arrival; anything else refused with the reason. */
import { describe, expect, it } from 'vitest';
import type { ReleaseEvent } from '../../lambdas/core/release.ts';
import { createDeploysHandler } from '../../lambdas/handlers/deploys.ts';
import { stepEntry } from '../support/fixtures.ts';

const ARRIVAL = Date.parse('2025-10-02T10:01:00Z');
const guarded = { environment: 'production', now: () => ARRIVAL };

describe('the deploy-events Lambda', () => {
  const stored: ReleaseEvent[] = [];
  const handler = createDeploysHandler({ addReleases: async (r) => void stored.push(...r) }, guarded);
  const post = (body: unknown) => handler({ body: typeof body === 'string' ? body : JSON.stringify(body), isBase64Encoded: false });

  it('stores deploy events, one or several', async () => {
    const deploy = {
      id: 'd-1',
      time: '2025-10-02T10:00:00Z',
      service: 'payments-api',
      version: '2.14.0',
      environment: 'production',
      by: 'deploy-bot',
    };
    expect(await post(deploy)).toMatchObject({ statusCode: 200, body: '{"deploys":1}' });
    expect(await post([deploy, { ...deploy, id: 'd-2' }])).toMatchObject({ statusCode: 200, body: '{"deploys":2}' });
    expect(stored.map((r) => r.id)).toEqual(['d-1', 'd-1', 'd-2']);
  });

  it("stores only the guarded environment's deploys, and says how many others it left out", async () => {
    stored.length = 0;
    const deploy = { id: 'd-3', time: '2025-10-02T10:00:00Z', service: 'payments-api', version: '2.14.0', environment: 'production' };
    expect(await post([deploy, { ...deploy, id: 'd-4', environment: 'staging' }])).toMatchObject({
      statusCode: 200,
      body: '{"deploys":1,"otherEnvironments":1}',
    });
    expect(stored.map((r) => r.id)).toEqual(['d-3']);
    // Another environment's deploy is not judged: posted late, it costs the guarded one nothing.
    expect(
      await post([
        { ...deploy, id: 'd-7' },
        { ...deploy, id: 'd-8', environment: 'staging', time: '2025-10-02T08:00:00Z' },
      ]),
    ).toMatchObject({
      statusCode: 200,
      body: '{"deploys":1,"otherEnvironments":1}',
    });
  });

  it("refuses a deploy stamped long before it arrived, or after, storing nothing: it could take the blame for a flag's storm", async () => {
    stored.length = 0;
    const deploy = { id: 'd-5', time: '2025-10-02T09:40:00Z', service: 'payments-api', version: '2.14.0', environment: 'production' };
    const late = await post([{ ...deploy, id: 'd-6', time: '2025-10-02T10:00:00Z' }, deploy]);
    expect(late).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('deploy d-5: field `time`: 2025-10-02T09:40:00.000Z is more than 15 minutes before it arrived'),
    });
    const ahead = await post({ ...deploy, time: '2025-10-02T10:05:00Z' });
    expect(ahead).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('field `time`: 2025-10-02T10:05:00.000Z is ahead of the time it arrived'),
    });
    expect(stored).toEqual([]);
  });

  it('refuses what is not a deploy event, saying why', async () => {
    expect((await post('not json')).statusCode).toBe(400);
    expect(await post({ id: 'd', time: 'soon', service: 's', version: 'v', environment: 'e' })).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('expected an ISO 8601 time'),
    });
    expect(await post(stepEntry('x', Date.parse('2025-08-28T14:00:00Z'), 'f', 0, 1))).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('only deploy events here'),
    });
  });
});

describe('the deploy-events Lambda on times that are not times', () => {
  const handler = createDeploysHandler({ addReleases: async () => {} }, guarded);
  const post = (time: unknown) =>
    handler({ body: JSON.stringify({ id: 'd', time, service: 's', version: 'v', environment: 'e' }), isBase64Encoded: false });

  it('answers 400 naming `time`, never 502 or a wrong date: "0", epoch seconds, a year 300000, a 1969 date', async () => {
    expect(await post('0')).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('field `(document).time`: expected an ISO 8601 time'),
    });
    expect(await post(1756389600)).toMatchObject({ statusCode: 400, body: expect.stringContaining('looks like epoch seconds') });
    expect(await post(1e16)).toMatchObject({ statusCode: 400, body: expect.stringContaining('outside the plausible window') });
    expect(await post('1969-07-20T20:17:00Z')).toMatchObject({
      statusCode: 400,
      body: expect.stringContaining('outside the plausible window'),
    });
  });
});
