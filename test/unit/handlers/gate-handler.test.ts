import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { InputError } from '../../../lambdas/core/errors.ts';
import type { GateAnswer } from '../../../lambdas/core/gate.ts';
import type { RolloutStep } from '../../../lambdas/core/release.ts';
import { type GuardrailState, newGuardrailState } from '../../../lambdas/core/state.ts';
import { stormFreeze, stormRolloutStep } from '../../support/storm.ts';

const MINUTE = 60_000;
const now = Date.parse('2025-08-28T16:00:00Z');
const config = parseConfig('');
const step: RolloutStep = stormRolloutStep({ id: 's1', time: now - 120 * MINUTE, fromPercent: 1, toPercent: 5 });

/** A guardrail that evaluated a minute ago and sees nothing wrong. */
function healthy(): GuardrailState {
  const state = newGuardrailState();
  state.evaluatedAt = now - MINUTE;
  return state;
}

/** The in-memory store: what the handler reads (state and releases), and what it was asked. */
function storeWith(state: GuardrailState | undefined, releases: RolloutStep[] = [step]) {
  const asked: number[] = [];
  return {
    asked,
    load: async () => state,
    releases: async (until: number) => (asked.push(until), releases.filter((r) => r.time <= until)),
  };
}

type GateModule = typeof import('../../../lambdas/handlers/gate.ts');
let gate: GateModule;

beforeAll(async () => {
  // Import the handler module with no AWS configuration at all: no region, no credentials, no
  // profile files, no instance metadata. Its module-scope SDK client must not need any of it.
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws/credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('STORMGUARD_CONFIG', undefined);
  vi.stubEnv('TABLE_NAME', undefined);
  gate = await import('../../../lambdas/handlers/gate.ts');
});

afterAll(() => {
  vi.unstubAllEnvs();
});

describe('the gate handler module', () => {
  it('imports without AWS credentials, a region or its environment variables', () => {
    expect(typeof gate.createGateHandler).toBe('function');
    expect(typeof gate.handler).toBe('function');
  });

  it('reads its environment only when invoked, and names the variable that is missing', () => {
    // Thrown synchronously, before any AWS call: the wiring is lazy.
    expect(() => gate.handler({ flag: 'storm', environment: 'production', targetPercent: 25 })).toThrow(/STORMGUARD_CONFIG is not set/);
  });
});

describe('createGateHandler: a bad request', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a missing flag', { environment: 'production', targetPercent: 25 }, 'flag'],
    ['a missing environment', { flag: 'storm', targetPercent: 25 }, 'environment'],
    ['a missing targetPercent', { flag: 'storm', environment: 'production' }, 'targetPercent'],
    ['targetPercent 250', { flag: 'storm', environment: 'production', targetPercent: 250 }, 'targetPercent'],
    ['a negative targetPercent', { flag: 'storm', environment: 'production', targetPercent: -1 }, 'targetPercent'],
    ['targetPercent as a string', { flag: 'storm', environment: 'production', targetPercent: '25' }, 'targetPercent'],
    ['targetPercent NaN', { flag: 'storm', environment: 'production', targetPercent: Number.NaN }, 'targetPercent'],
    ['an empty flag', { flag: '', environment: 'production', targetPercent: 25 }, 'flag'],
    ['a string for the body', 'storm to 25%', '(body)'],
    ['null', null, '(body)'],
    ['an unknown key', { flag: 'storm', environment: 'production', targetPercent: 25, force: true }, '(body)'],
  ];

  for (const [what, event, field] of cases) {
    it(`answers unknown, never allow, for ${what}, naming the field`, async () => {
      // Even a healthy guardrail that would allow the step must not allow a request it cannot read.
      const store = storeWith(healthy());
      const answer: GateAnswer = await gate.createGateHandler(config, store, () => now)(event);
      expect(answer.verdict).toBe('unknown');
      expect(answer.reasons).toHaveLength(1);
      expect(answer.reasons[0]).toContain(`bad request: field \`${field}\``);
      expect(store.asked).toEqual([]); // nothing read for a request it cannot answer
    });
  }

  it('names the unknown key in its reason', async () => {
    const answer = await gate.createGateHandler(
      config,
      storeWith(healthy()),
      () => now,
    )({ flag: 'storm', environment: 'production', targetPercent: 25, force: true });
    expect(answer.reasons[0]).toContain('force');
  });
});

describe('createGateHandler: a good request', () => {
  const request = { flag: 'storm', environment: 'production', targetPercent: 25 };

  it('answers deny for a frozen flag, saying so', async () => {
    const state = healthy();
    state.freezes['storm/production'] = stormFreeze({ since: now - 30 * MINUTE, decisionId: 'd' });
    const answer = await gate.createGateHandler(config, storeWith(state), () => now)(request);
    expect(answer.verdict).toBe('deny');
    expect(answer.reasons.join('\n')).toContain('frozen: storm is frozen at 0% since 2025-08-28 15:30 UTC until acknowledged');
  });

  it('answers unknown with no state at all', async () => {
    const answer = await gate.createGateHandler(config, storeWith(undefined), () => now)(request);
    expect(answer).toEqual({
      verdict: 'unknown',
      reasons: ['the guardrail has not evaluated yet: there is nothing to decide on'],
      evidence: {},
    });
  });

  it('answers unknown for a state that has never evaluated', async () => {
    expect((await gate.createGateHandler(config, storeWith(newGuardrailState()), () => now)(request)).verdict).toBe('unknown');
  });

  it('allows when no guard objects, reading the releases up to its clock', async () => {
    const store = storeWith(healthy());
    const answer = await gate.createGateHandler(config, store, () => now)(request);
    expect(answer).toMatchObject({ verdict: 'allow', evidence: { currentPercent: 5, lastStepAt: new Date(step.time).toISOString() } });
    expect(store.asked).toEqual([now]);
  });

  it('denies where the timeline is read back from LaunchDarkly and was not lately, allows where it was', async () => {
    const readAt = (at: number | undefined) => ({ ...storeWith(healthy()), timelineReadAt: async () => at });
    const stale = await gate.createGateHandler(config, readAt(now - 60 * MINUTE), () => now)(request);
    expect(stale.verdict).toBe('deny');
    expect(stale.reasons).toEqual([
      expect.stringMatching(/^blind: the release timeline was read back from LaunchDarkly last at 2025-08-28 15:00 UTC/),
    ]);
    expect((await gate.createGateHandler(config, readAt(undefined), () => now)(request)).verdict).toBe('deny');
    expect((await gate.createGateHandler(config, readAt(now - 10 * MINUTE), () => now)(request)).verdict).toBe('allow');
  });

  it('answers unknown for a release it cannot read, naming the release timeline, not the state', async () => {
    const store = { load: async () => healthy(), releases: async () => Promise.reject(new InputError({ field: 'body' }, 'not a release')) };
    expect(await gate.createGateHandler(config, store, () => now)(request)).toEqual({
      verdict: 'unknown',
      reasons: ['the release timeline cannot be read: field `body`: not a release'],
      evidence: {},
    });
    const state = {
      load: async () => Promise.reject(new InputError({ field: 'revision' }, 'expected a number')),
      releases: async () => [],
    };
    expect((await gate.createGateHandler(config, state, () => now)(request)).reasons).toEqual([
      "the guardrail's state cannot be read: field `revision`: expected a number",
    ]);
  });

  it('does not answer at all (rejects) when the store fails, rather than allow', async () => {
    const store = { load: async () => Promise.reject(new Error('DynamoDB throttled')), releases: async () => [] };
    await expect(gate.createGateHandler(config, store, () => now)(request)).rejects.toThrow('DynamoDB throttled');
  });
});
