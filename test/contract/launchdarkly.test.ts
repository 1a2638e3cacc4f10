/**
 * The LaunchDarkly flag controller against LaunchDarkly's own OpenAPI spec (served by Prism, a
 * request-validating mock server) behind a stateful fake: every request it sends must validate.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LaunchDarklyOptions } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { UnavailableError } from '../../lambdas/core/errors.ts';
import { stormguard } from '../support/cli.ts';
import { restFlag, specAvailable } from '../support/launchdarkly.ts';
import { controllerFor, rollback, useFakeLaunchDarkly } from '../support/launchdarkly-controller.ts';

const fake = useFakeLaunchDarkly();
const controller = (options: Partial<LaunchDarklyOptions> = {}) => controllerFor(fake, options);
const patches = () => fake.ld.requests.filter((r) => r.method === 'PATCH');

describe.skipIf(!specAvailable)('LaunchDarklyFlagController', () => {
  it('rolls 25% back to 5% with one version-checked JSON patch of weights 5000 / 95000, and verifies by reading back', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    const outcome = await controller().setRollout(rollback(5));
    expect(outcome).toEqual({
      status: 'applied',
      detail: 'LaunchDarkly: storm in production (fallthrough) 25% → 5%, verified by reading the flag back',
    });
    expect(patches()).toHaveLength(1);
    const [patch] = patches();
    expect(patch!.headers['content-type']).toBe('application/json');
    expect(patch!.body).toEqual({
      comment: rollback(5).comment,
      patch: [
        { op: 'test', path: '/version', value: 1 },
        {
          op: 'replace',
          path: '/environments/production/fallthrough/rollout/variations',
          value: [
            { variation: 0, weight: 5000 },
            { variation: 1, weight: 95000 },
          ],
        },
      ],
    });
    expect(fake.ld.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET']);
    expect(fake.ld.requests.every((r) => r.headers.authorization === 'api-0123456789abcdef')).toBe(true);
  });

  it('leaves a flag already at or below the target alone', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 5));
    expect((await controller().setRollout(rollback(5))).status).toBe('unchanged');
    expect(patches()).toEqual([]);
  });

  it("rolls a rule's rollout back with updateRuleVariationOrRollout, and turns a flag off", async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 0, [{ _id: 'rule-eu', percent: 50 }]));
    expect((await controller().setRollout(rollback(10, { target: { kind: 'rule', ruleId: 'rule-eu' } }))).status).toBe('applied');
    expect(patches()[0]!.body).toMatchObject({
      patch: [
        { op: 'test', path: '/version', value: 1 },
        { op: 'test', path: '/environments/production/rules/0/_id', value: 'rule-eu' },
        {
          op: 'replace',
          path: '/environments/production/rules/0/rollout/variations',
          value: [
            { variation: 0, weight: 10000 },
            { variation: 1, weight: 90000 },
          ],
        },
      ],
    });
    fake.ld.flags.set('storm', restFlag('storm', 'production', 75));
    expect((await controller().setRollout(rollback(0, { turnOff: true }))).status).toBe('applied');
    expect(patches()[1]!.body).toMatchObject({
      patch: [
        { op: 'test', path: '/version', value: 1 },
        { op: 'replace', path: '/environments/production/on', value: false },
      ],
    });
  });

  it('turns a single-variation fallthrough (100%) into a rollout', async () => {
    const flag = restFlag('storm', 'production', 0);
    flag.environments.production!.fallthrough = { variation: 0 };
    fake.ld.flags.set('storm', flag);
    expect(await controller().setRollout(rollback(25))).toMatchObject({ status: 'applied', detail: expect.stringMatching(/100% → 25%/) });
    expect(patches()[0]!.body).toMatchObject({
      patch: [
        { op: 'test', path: '/version', value: 1 },
        { op: 'remove', path: '/environments/production/fallthrough/variation' },
        {
          op: 'add',
          path: '/environments/production/fallthrough/rollout',
          value: {
            variations: [
              { variation: 0, weight: 25000 },
              { variation: 1, weight: 75000 },
            ],
          },
        },
      ],
    });
  });

  it('fake.waits as Retry-After says on 429, with jitter, then succeeds', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '2' } });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(fake.waits).toEqual([2000 + 250]);
  });

  it('fake.waits until X-Ratelimit-Reset on 429 when there is no Retry-After', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'GET', status: 429, headers: { 'X-Ratelimit-Reset': String(1_000_000 + 3000) } });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(fake.waits).toEqual([3000 + 250]);
  });

  it('retries 5xx with growing backoff; past the bounded attempts, unavailable (not refused): the next run tries again', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 503 }, { method: 'PATCH', status: 502 });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(fake.waits).toEqual([500 + 250, 1000 + 250]);
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    for (let i = 0; i < 4; i++) fake.ld.script.push({ method: 'PATCH', status: 500 });
    const unavailable = controller().setRollout(rollback(5));
    await expect(unavailable).rejects.toThrow(UnavailableError);
    await expect(unavailable).rejects.toThrow(/did not answer after 4 attempts \(PATCH .*: 500/);
  });

  it('asks for approval where the environment requires it (405), and says so; or only fails', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 405 });
    const requested = await controller({ onApprovalRequired: 'request-approval' }).setRollout(rollback(5));
    expect(requested).toEqual({
      status: 'awaiting-approval',
      detail: 'production requires approval for changes to storm (405): approval request approval-1 created; a human must approve it',
    });
    expect(fake.ld.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v2/projects/default/flags/storm/environments/production/approval-requests',
    });
    fake.ld.script.push({ method: 'PATCH', status: 405 });
    expect((await controller().setRollout(rollback(5))).detail).toMatch(/requires approval .* nothing was changed/);
  });

  it('on a conflicting pending change (400): applies with ignoreConflicts where configured, else fails', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 400, body: { code: 'conflict', message: 'pending changes conflict' } });
    expect((await controller({ onConflict: 'ignore-conflicts' }).setRollout(rollback(5))).status).toBe('applied');
    expect(patches().map((p) => p.path)).toEqual(['/api/v2/flags/default/storm', '/api/v2/flags/default/storm?ignoreConflicts=true']);
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    fake.ld.script.push({ method: 'PATCH', status: 400, body: { code: 'conflict', message: 'pending changes conflict' } });
    expect((await controller().setRollout(rollback(5))).detail).toMatch(
      /refused the change to storm \(400\): conflict: pending changes conflict/,
    );
  });

  it('says plainly when the token is refused (401, 403)', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    for (const status of [401, 403]) {
      fake.ld.script.push({ method: 'GET', status });
      expect(await controller().setRollout(rollback(5))).toEqual({
        status: 'failed',
        detail: `LaunchDarkly refused the API token while reading storm (${status}): check the token's secret and its role (it needs writer access to the flag)`,
      });
    }
  });

  it('catches a request the spec forbids (the contract check can fail)', async () => {
    fake.ld.flags.set('storm', restFlag('storm', 'production', 25));
    await fetch(`${fake.ld.url}/api/v2/flags/default/storm`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json; domain-model=launchdarkly.semanticpatch', Authorization: 'api-x' },
      body: JSON.stringify({ environmentKey: 'production', instructions: [{ kind: 'rollBackPlease', rolloutWeights: { a: 200000 } }] }),
    });
    expect(fake.ld.violations.join('\n')).toMatch(/instructions\.0\.kind must be equal to one of the allowed values/);
    fake.ld.violations.length = 0;
  });

  it('acts for stormguard replay --launchdarkly, with the token from LAUNCHDARKLY_API_TOKEN', async () => {
    fake.ld.flags.set('checkout-producer-per-request', restFlag('checkout-producer-per-request', 'production', 1));
    const folder = await mkdtemp(join(tmpdir(), 'stormguard-ld-'));
    const config = join(folder, 'config.yaml');
    await writeFile(config, `launchDarkly: { projectKey: default, baseUrl: "${fake.ld.url}" }\n`);
    process.env.LAUNCHDARKLY_API_TOKEN = 'api-from-environment';
    try {
      const { code, out } = await stormguard('replay', '--config', config, '--launchdarkly', '--state', join(folder, 'state'), '--json');
      expect(code).toBe(0);
      expect(JSON.parse(out).decisions[0].outcome).toMatchObject({
        status: 'applied',
        detail: expect.stringMatching(/^LaunchDarkly: checkout-producer-per-request in production \(fallthrough\) 1% → 0%/),
      });
    } finally {
      delete process.env.LAUNCHDARKLY_API_TOKEN;
    }
    expect(fake.ld.requests.filter((r) => r.method === 'PATCH')[0]!.headers.authorization).toBe('api-from-environment');
    const { code, err } = await stormguard('replay', '--config', config, '--launchdarkly', '--state', join(folder, 'again'));
    expect(code).toBe(2);
    expect(err).toMatch(/LAUNCHDARKLY_API_TOKEN`: --launchdarkly needs the API access token/);
  });

  it('says which flag LaunchDarkly does not have', async () => {
    expect((await controller().setRollout(rollback(5))).detail).toBe('LaunchDarkly has no flag storm in project default (404)');
  });
});
