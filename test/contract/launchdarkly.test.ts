/**
 * The LaunchDarkly flag controller against LaunchDarkly's own OpenAPI spec (served by Prism, a
 * request-validating mock server) behind a stateful fake: every request it sends must validate.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LaunchDarklyFlagController, type LaunchDarklyOptions } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { DeadlineExceededError } from '../../lambdas/core/errors.ts';
import { servedPercent } from '../../lambdas/formats/launchdarkly.ts';
import { stormguard } from '../support/cli.ts';
import { type FakeLaunchDarkly, fakeLaunchDarkly, type Prism, restFlag, specAvailable, startPrism } from '../support/launchdarkly.ts';

let prism: Prism;
let ld: FakeLaunchDarkly;
let waits: number[];

beforeAll(async () => {
  if (specAvailable) prism = await startPrism();
}, 90_000);
afterAll(async () => prism?.stop());
beforeEach(async () => {
  if (!specAvailable) return;
  ld = await fakeLaunchDarkly(prism);
  waits = [];
});
afterEach(async () => {
  if (!specAvailable) return;
  // The contract: whatever the test did, every request the controller sent was valid.
  expect(ld.violations).toEqual([]);
  await ld.close();
});

const controller = (options: Partial<LaunchDarklyOptions> = {}) =>
  new LaunchDarklyFlagController({
    baseUrl: ld.url,
    projectKey: 'default',
    token: async () => 'api-0123456789abcdef',
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    now: () => 1_000_000,
    ...options,
  });
const rollback = (percent: number, extra: Partial<Parameters<LaunchDarklyFlagController['setRollout']>[0]> = {}) => ({
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' as const },
  percent,
  turnOff: false,
  comment: 'Stormguard rollback 25% → 5%: ConnectionCreationRate 2.3x baseline [decision d1]',
  ...extra,
});
const patches = () => ld.requests.filter((r) => r.method === 'PATCH');

describe.skipIf(!specAvailable)('LaunchDarklyFlagController', () => {
  it('rolls 25% back to 5% with one version-checked JSON patch of weights 5000 / 95000, and verifies by reading back', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
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
    expect(ld.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET']);
    expect(ld.requests.every((r) => r.headers.authorization === 'api-0123456789abcdef')).toBe(true);
  });

  it('leaves a flag already at or below the target alone', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 5));
    expect((await controller().setRollout(rollback(5))).status).toBe('unchanged');
    expect(patches()).toEqual([]);
  });

  it("rolls a rule's rollout back with updateRuleVariationOrRollout, and turns a flag off", async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 0, [{ _id: 'rule-eu', percent: 50 }]));
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
    ld.flags.set('storm', restFlag('storm', 'production', 75));
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
    ld.flags.set('storm', flag);
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

  it('waits as Retry-After says on 429, with jitter, then succeeds', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '2' } });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(waits).toEqual([2000 + 250]);
  });

  it('waits until X-Ratelimit-Reset on 429 when there is no Retry-After', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'GET', status: 429, headers: { 'X-Ratelimit-Reset': String(1_000_000 + 3000) } });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(waits).toEqual([3000 + 250]);
  });

  it('retries 5xx with growing backoff, and gives up after the bounded attempts', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 503 }, { method: 'PATCH', status: 502 });
    expect((await controller().setRollout(rollback(5))).status).toBe('applied');
    expect(waits).toEqual([500 + 250, 1000 + 250]);
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    for (let i = 0; i < 4; i++) ld.script.push({ method: 'PATCH', status: 500 });
    const failed = await controller().setRollout(rollback(5));
    expect(failed).toMatchObject({ status: 'failed', detail: expect.stringMatching(/did not answer after 4 attempts \(PATCH .*: 500/) });
  });

  it('asks for approval where the environment requires it (405), and says so; or only fails', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 405 });
    const requested = await controller({ onApprovalRequired: 'request-approval' }).setRollout(rollback(5));
    expect(requested).toEqual({
      status: 'awaiting-approval',
      detail: 'production requires approval for changes to storm (405): approval request approval-1 created; a human must approve it',
    });
    expect(ld.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v2/projects/default/flags/storm/environments/production/approval-requests',
    });
    ld.script.push({ method: 'PATCH', status: 405 });
    expect((await controller().setRollout(rollback(5))).detail).toMatch(/requires approval .* nothing was changed/);
  });

  it('on a conflicting pending change (400): applies with ignoreConflicts where configured, else fails', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 400, body: { code: 'conflict', message: 'pending changes conflict' } });
    expect((await controller({ onConflict: 'ignore-conflicts' }).setRollout(rollback(5))).status).toBe('applied');
    expect(patches().map((p) => p.path)).toEqual(['/api/v2/flags/default/storm', '/api/v2/flags/default/storm?ignoreConflicts=true']);
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 400, body: { code: 'conflict', message: 'pending changes conflict' } });
    expect((await controller().setRollout(rollback(5))).detail).toMatch(
      /refused the change to storm \(400\): conflict: pending changes conflict/,
    );
  });

  it('says plainly when the token is refused (401, 403)', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    for (const status of [401, 403]) {
      ld.script.push({ method: 'GET', status });
      expect(await controller().setRollout(rollback(5))).toEqual({
        status: 'failed',
        detail: `LaunchDarkly refused the API token while reading storm (${status}): check the token's secret and its role (it needs writer access to the flag)`,
      });
    }
  });

  it('catches a request the spec forbids (the contract check can fail)', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    await fetch(`${ld.url}/api/v2/flags/default/storm`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json; domain-model=launchdarkly.semanticpatch', Authorization: 'api-x' },
      body: JSON.stringify({ environmentKey: 'production', instructions: [{ kind: 'rollBackPlease', rolloutWeights: { a: 200000 } }] }),
    });
    expect(ld.violations.join('\n')).toMatch(/instructions\.0\.kind must be equal to one of the allowed values/);
    ld.violations.length = 0;
  });

  it('acts for stormguard replay --launchdarkly, with the token from LAUNCHDARKLY_API_TOKEN', async () => {
    ld.flags.set('checkout-producer-per-request', restFlag('checkout-producer-per-request', 'production', 1));
    const folder = await mkdtemp(join(tmpdir(), 'stormguard-ld-'));
    const config = join(folder, 'config.yaml');
    await writeFile(config, `launchDarkly: { projectKey: default, baseUrl: "${ld.url}" }\n`);
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
    expect(ld.requests.filter((r) => r.method === 'PATCH')[0]!.headers.authorization).toBe('api-from-environment');
    const { code, err } = await stormguard('replay', '--config', config, '--launchdarkly', '--state', join(folder, 'again'));
    expect(code).toBe(2);
    expect(err).toMatch(/LAUNCHDARKLY_API_TOKEN`: --launchdarkly needs the API access token/);
  });

  it('says which flag LaunchDarkly does not have', async () => {
    expect((await controller().setRollout(rollback(5))).detail).toBe('LaunchDarkly has no flag storm in project default (404)');
  });
});

/** What the flag serves now in the fake, in percent. */
const serving = () => servedPercent(ld.flags.get('storm')!.environments.production!, { kind: 'fallthrough' });

describe.skipIf(!specAvailable)('LaunchDarklyFlagController never raises exposure (the stale-read test)', () => {
  /** Someone sets the flag to `percent` after the controller read it, before its patch lands. */
  const someoneSetsBeforePatch = (percent: number, times = 1) => {
    let left = times;
    ld.onRequest = (request) => {
      if (request.method === 'PATCH' && left-- > 0) ld.setPercent('storm', 'production', percent);
    };
  };

  it('someone sets 0% between the read and the patch: the patch is refused (409), the flag stays at 0%', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    someoneSetsBeforePatch(0);
    const outcome = await controller().setRollout(rollback(5));
    expect(outcome).toEqual({
      status: 'unchanged',
      detail:
        'LaunchDarkly: storm in production already serves 0%; someone changed it while Stormguard was changing it, and it was left as they set it',
    });
    expect(serving()).toBe(0);
    expect(ld.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('whatever someone sets in between, the flag ends at min(target, what they set), never above either', async () => {
    const cases: string[] = [];
    for (const target of [0, 1, 5]) {
      for (const between of [0, 1, 3, 5, 10, 25, 50, 100]) {
        ld.flags.set('storm', restFlag('storm', 'production', 25));
        someoneSetsBeforePatch(between);
        const outcome = await controller().setRollout(rollback(target));
        cases.push(`${target}/${between}: ${serving()} ${outcome.status}`);
        expect(serving()).toBe(Math.min(target, between));
        expect(outcome.status).toBe(between <= target ? 'unchanged' : 'applied');
      }
    }
    expect(cases).toHaveLength(24);
  });

  it('gives up, writing nothing, when the flag keeps changing under it', async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    someoneSetsBeforePatch(50, 3);
    const outcome = await controller().setRollout(rollback(5));
    expect(outcome).toMatchObject({
      status: 'failed',
      detail: expect.stringMatching(
        /refused the version-checked change to storm 3 times \(last: 409 optimistic_locking_error.*nothing was written/,
      ),
    });
    expect(serving()).toBe(50);
  });

  it("a Retry-After past the run's deadline is not waited for: the change is left for the next run", async () => {
    ld.flags.set('storm', restFlag('storm', 'production', 25));
    ld.script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '30' } });
    const started = Date.now();
    await expect(controller({ deadline: () => 1_000_000 + 10_000 }).setRollout(rollback(5))).rejects.toThrow(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(waits).toEqual([]);
    expect(serving()).toBe(25);
  });
});
