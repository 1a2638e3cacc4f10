/** `stormguard gate`: exit codes and reasons, asking the gate Lambda (mocked) or a local state. */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { gateCommand } from '../../cli/gate.ts';
import type { GateAnswer } from '../../lambdas/core/gate.ts';
import { newFolder, stormguard } from '../support/cli.ts';

const lambda = mockClient(LambdaClient);
afterAll(() => lambda.restore());
beforeEach(() => lambda.reset());
const payload = (answer: GateAnswer) => ({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answer)) as never });
const deny: GateAnswer = {
  verdict: 'deny',
  reasons: ['frozen: storm is frozen at 0% since 2025-08-28 14:01 UTC until acknowledged (stormguard ack)'],
  evidence: {},
};
const allow: GateAnswer = { verdict: 'allow', reasons: ['no guard objects to storm 5% → 25%'], evidence: {} };

describe('stormguard gate, asking the gate Lambda', () => {
  it('exits 1 with the reasons while denied, 0 once allowed (--wait)', async () => {
    lambda.on(InvokeCommand).resolvesOnce(payload(deny)).resolvesOnce(payload(deny)).resolves(payload(allow));
    expect((await stormguard('gate', '--flag', 'storm', '--env', 'production', '--to', '25', '--function', 'stormguard-gate')).code).toBe(
      1,
    );
    let out = '';
    let err = '';
    const sleeps: number[] = [];
    let clock = 0;
    // --wait, with time and sleep injected: asks until allowed.
    const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), interactive: false };
    let code = -1;
    const command = gateCommand(io, (c) => void (code = c), {
      lambda: () => lambda as unknown as LambdaClient,
      sleep: async (ms) => void (sleeps.push(ms), (clock += ms)),
      now: () => clock,
    });
    await command.parseAsync(
      ['--flag', 'storm', '--env', 'production', '--to', '25', '--function', 'stormguard-gate', '--wait', '--interval', '30'],
      { from: 'user' },
    );
    expect(code).toBe(0);
    expect(sleeps).toEqual([30_000]);
    expect(err).toMatch(/gate: deny \(frozen: storm is frozen/);
    expect(out).toBe('allow: storm in production → 25%\n  no guard objects to storm 5% → 25%\n');
    const sent = JSON.parse(new TextDecoder().decode(lambda.commandCalls(InvokeCommand)[0]!.args[0].input.Payload as Uint8Array));
    expect(sent).toEqual({ flag: 'storm', environment: 'production', targetPercent: 25 });
  });

  it('exits 2 when the gate cannot answer', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorMessage":"boom"}') as never });
    const { code, out } = await stormguard('gate', '--flag', 'storm', '--env', 'production', '--to', '25', '--function', 'stormguard-gate');
    expect(code).toBe(2);
    expect(out).toMatch(/^unknown: .*\n {2}the gate Lambda failed \(Unhandled\)/);
  });

  it('exits 2, never 0, on an answer it cannot read as one', async () => {
    for (const answer of ['{"verdict":"maybe","reasons":[],"evidence":{}}', '{}', 'not json']) {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(answer) as never });
      const { code, out, err } = await stormguard('gate', '--flag', 'storm', '--env', 'production', '--to', '25', '--function', 'g');
      expect([code, err]).toEqual([2, '']);
      expect(out).toMatch(/^unknown: .*\n {2}the gate Lambda's answer is not a gate answer/);
    }
  });
});

describe('stormguard gate, on a local state', () => {
  /**
   * `stormguard gate` for a flag beside the benign rollout's, stepping to `to`, on the state folder
   * `state`: the rollout's own flag is at 100% in the flag file, where no step is a step up.
   */
  const gateBenign = (to: string, state: string, ...options: string[]) =>
    stormguard('gate', '--flag', 'search-ranking-v3', '--env', 'production', '--to', to, '--state', state, ...options);

  it('denies stepping up the storm flag after the replayed rollback: frozen and anomalous; allows after a benign rollout', async () => {
    const storm = join(await newFolder(), 'state');
    await stormguard('replay', '--state', storm, '--json');
    const denied = await stormguard(
      'gate',
      '--flag',
      'checkout-producer-per-request',
      '--env',
      'production',
      '--to',
      '5',
      '--state',
      storm,
    );
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(/^deny: checkout-producer-per-request in production → 5%\n/);
    expect(denied.out).toMatch(/frozen: checkout-producer-per-request is frozen at 0%/);
    expect(denied.out).toMatch(/anomalous: episode events-msk\//);
    const benign = join(await newFolder(), 'state');
    await stormguard('replay', '--scenario', 'benign-rollout', '--state', benign, '--json');
    const allowed = await gateBenign('100', benign, '--json');
    expect(allowed.code).toBe(0);
    expect(JSON.parse(allowed.out).verdict).toBe('allow');
  });

  it("refuses --at before the state's last evaluation, naming both times: the folder holds no history to judge the past by", async () => {
    const benign = join(await newFolder(), 'state');
    await stormguard('replay', '--scenario', 'benign-rollout', '--state', benign, '--json');
    const evaluatedAt = JSON.parse(await readFile(join(benign, 'state.json'), 'utf8')).evaluatedAt as number;
    const earlier = new Date(evaluatedAt - 3_600_000).toISOString();
    expect(await gateBenign('100', benign, '--at', earlier)).toEqual({
      code: 2,
      out: '',
      err: `stormguard: field \`--at\`: ${earlier} is before the state's last evaluation, ${new Date(evaluatedAt).toISOString()}: a state folder answers as of then or later, never earlier\n`,
    });
    expect((await gateBenign('100', benign, '--at', new Date(evaluatedAt).toISOString())).code).toBe(0);
  });

  it("judges a step from what the replay's flag file serves: after an observe-mode storm at 75%, 25% is a step down", async () => {
    const observed = join(await newFolder(), 'state');
    await stormguard('replay', '--mode', 'observe', '--state', observed, '--json');
    const gate = (to: string) =>
      stormguard('gate', '--flag', 'checkout-producer-per-request', '--env', 'production', '--to', to, '--state', observed, '--json');
    const down = await gate('25');
    expect(down.code).toBe(0);
    expect(JSON.parse(down.out)).toMatchObject({
      verdict: 'allow',
      reasons: ['a step down (75% → 25%) is always allowed'],
      evidence: { currentPercent: 75 },
    });
    const up = await gate('100');
    expect(up.code).toBe(1);
    expect(JSON.parse(up.out).evidence.currentPercent).toBe(75);
  });

  it("denies a frozen flag's step up from where a later step left it, below the guardrail's own change", async () => {
    // storm-multivariate: rolled back 15% → 3% at 14:01, its 40% reverted to 3% at 15:00; then at 16:00 someone steps it to 0%.
    const folder = await newFolder();
    const scenario = join(import.meta.dirname, '../../scenarios/storm-multivariate');
    const entries = JSON.parse(await readFile(join(scenario, 'launchdarkly-audit-log.json'), 'utf8'));
    const last = entries.at(-1);
    const off = structuredClone(last.currentVersion);
    off.environments.production.fallthrough = {
      rollout: { variations: [0, 1, 2].map((v) => ({ variation: v, weight: v ? 0 : 100_000 })) },
    };
    const zero = {
      ...last,
      _id: 'step-to-0',
      date: Date.parse('2025-08-28T16:00:00Z'),
      previousVersion: last.currentVersion,
      currentVersion: off,
    };
    await writeFile(join(folder, 'audit.json'), JSON.stringify([...entries, zero]));
    const state = join(folder, 'state');
    const pages = [1, 2].map((n) => join(scenario, `metrics-page-${n}.json`));
    expect(
      (await stormguard('replay', '--metrics', ...pages, '--timeline', join(folder, 'audit.json'), '--state', state, '--json')).code,
    ).toBe(0);
    const gate = await stormguard('gate', '--flag', 'checkout-publisher', '--env', 'production', '--to', '3', '--state', state, '--json');
    expect(gate.code).toBe(1);
    const answer = JSON.parse(gate.out);
    expect(answer.evidence.currentPercent).toBe(0);
    expect(answer.reasons).toContainEqual(expect.stringMatching(/^frozen: checkout-publisher is frozen at 3%/));
  });

  it('asks for a Lambda or a state folder', async () => {
    const { code, err } = await stormguard('gate', '--flag', 'f', '--env', 'e', '--to', '5');
    expect(code).toBe(2);
    expect(err).toMatch(/name the gate Lambda \(--function\), or a local state folder \(--state\)/);
  });

  it('never allows on a step it cannot read: an empty, non-numeric or out-of-range --to exits 2 naming it', async () => {
    const benign = join(await newFolder(), 'state');
    await stormguard('replay', '--scenario', 'benign-rollout', '--state', benign, '--json');
    for (const to of ['', ' ', 'abc', '250', '-5', '1e3', '0x19', 'Infinity']) {
      const { code, out, err } = await gateBenign(to, benign);
      expect(code, `--to ${JSON.stringify(to)}`).toBe(2);
      expect(out).toBe('');
      expect(err).toMatch(/field `--to`: expected a percentage from 0 to 100/);
    }
  });

  it('reads --to as every user number is read, in decimal: 2.5e1 is 25, .5 is 0.5', async () => {
    const benign = join(await newFolder(), 'state');
    await stormguard('replay', '--scenario', 'benign-rollout', '--state', benign, '--json');
    for (const [to, percent] of [
      ['2.5e1', 25],
      ['.5', 0.5],
    ] as const) {
      const { code, out } = await gateBenign(to, benign);
      expect(code, `--to ${to}`).toBe(0);
      expect(out).toContain(`→ ${percent}%`);
    }
  });

  /** The benign rollout replayed from its export with only the signals `keep` accepts, and the gate asked to step to 100%. */
  async function gateOnPart(keep: (label: string) => boolean) {
    const folder = await newFolder();
    const scenario = join(import.meta.dirname, '../../scenarios/benign-rollout');
    const metrics = await Promise.all(
      [1, 2].map(async (n) => {
        const page = JSON.parse(await readFile(join(scenario, `metrics-page-${n}.json`), 'utf8'));
        page.MetricDataResults = page.MetricDataResults.filter((r: { Label: string }) => keep(r.Label));
        await writeFile(join(folder, `page-${n}.json`), JSON.stringify(page));
        return join(folder, `page-${n}.json`);
      }),
    );
    const state = join(folder, 'state');
    const timeline = join(scenario, 'launchdarkly-audit-log.json');
    const replayed = await stormguard('replay', '--metrics', ...metrics, '--timeline', timeline, '--state', state, '--json');
    expect(replayed.code).toBe(0);
    return { warnings: JSON.parse(replayed.out).warnings as string[], gate: await gateBenign('100', state) };
  }

  it('denies on an export without the fast signals (heap only), naming them; the replay says so once', async () => {
    const { warnings, gate } = await gateOnPart((label) => label.startsWith('HeapMemoryAfterGC'));
    expect(warnings.filter((w) => w.includes('has no data for'))).toEqual([
      expect.stringMatching(
        /^cluster events-msk has no data for ConnectionCreationRate, ConnectionCount, .*ProducerIdCount.*the gate denies/,
      ),
    ]);
    expect(gate.code).toBe(1);
    expect(gate.out).toMatch(
      /^deny: .*\n {2}blind: cluster events-msk has reported none of the fast signals \(ConnectionCreationRate, ConnectionCount, ClientConnectionCount, ProducerIdCount\)/,
    );
  });

  it('allows without ProducerIdCount (Amazon MSK does not publish it): warned, never a block', async () => {
    const { warnings, gate } = await gateOnPart((label) => !label.startsWith('ProducerIdCount'));
    expect(warnings).toContainEqual(
      expect.stringMatching(/^cluster events-msk has no data for ProducerIdCount: the guardrail is blind for them$/),
    );
    expect(gate.code).toBe(0);
  });
});
