/**
 * Effects exactly once, with recovery, over the production path: `runOnce` with its state in
 * DynamoDB (dynalite), the LaunchDarkly controller against the Prism-validated fake, PagerDuty
 * (Events API v2) on loopback, SNS mocked.
 *
 * - The kill test: the run that decides the rollback is killed after each of its steps in turn
 *   (a hook throws after the step, and every later step of that run), then the schedule goes on.
 *   Whatever the step, the flag ends at 0%, one PagerDuty incident is opened, one alert (by
 *   idempotency key) reaches SNS, and the state tells the truth (no decision left pending, its
 *   outcome recorded, the flag frozen at 0%).
 * - Duplicate deliveries: the same run five times at once acts once and pages once, for the
 *   rollback and for a blind signal.
 * - The time budget: LaunchDarkly rate-limiting past the deadline and PagerDuty hanging; each run
 *   ends within its budget, what did not fit is finished by the next runs, one page.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { LaunchDarklyFlagController } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { MemoryStateStore } from '../../lambdas/adapters/memory/index.ts';
import { PagerDutyNotifier } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { SnsNotifier } from '../../lambdas/adapters/sns/notifier.ts';
import { type RunPorts, type RunResult, runOnce } from '../../lambdas/app/run-once.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { StateConflictError } from '../../lambdas/core/errors.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import type { RolloutStep } from '../../lambdas/core/release.ts';
import type { GuardrailState } from '../../lambdas/core/state.ts';
import { servedPercent } from '../../lambdas/formats/launchdarkly.ts';
import { RunBudget } from '../../lambdas/handlers/shared/budget.ts';
import type { FlagController, Notifier, StateStore } from '../../lambdas/ports.ts';
import { type LocalDynamo, localDynamo } from '../support/dynalite.ts';
import { type FakeLaunchDarkly, fakeLaunchDarkly, type Prism, restFlag, specAvailable, startPrism } from '../support/launchdarkly.ts';

const MINUTE = 60_000;
const config = parseConfig('mode: enforce\nclusters: [c]\n');
const DELAY = config.publishDelaySeconds * 1000;
const step: RolloutStep = {
  kind: 'rollout-step',
  id: 's1',
  time: 60 * MINUTE,
  flag: 'storm',
  environment: 'production',
  target: { kind: 'fallthrough' },
  fromPercent: 0,
  toPercent: 1,
};

/** Three brokers' ConnectionCreationRate: 10 a minute, 30 from minute 60 (the 1% step); broker 3 stops at `silentFrom`. */
function metrics(silentFrom = Infinity): RunPorts['metrics'] {
  return {
    read: async (from, to) => ({
      series: [1, 2, 3].map((b): MetricSeries => {
        const points = [];
        for (let t = Math.ceil(from / MINUTE) * MINUTE; t < to; t += MINUTE) {
          if (b === 3 && t >= silentFrom) continue;
          points.push({ time: t, value: (t >= 60 * MINUTE ? 30 : 10) * (1 + 0.05 * Math.sin(t / MINUTE + 1 + b)) });
        }
        return {
          key: `ConnectionCreationRate c ${b}`,
          signal: 'ConnectionCreationRate',
          cluster: 'c',
          dimensions: { 'Cluster Name': 'c', 'Broker ID': String(b) },
          points,
        };
      }),
      warnings: [],
    }),
  };
}
const timeline: RunPorts['timeline'] = { releases: async (until) => (until >= step.time ? [step] : []) };
const runAt = (minute: number) => minute * MINUTE + DELAY;

/** The state just before the run that does `what`, and that run's minute: found on memory, once. */
async function stateBefore(what: (result: RunResult) => boolean, silentFrom?: number): Promise<{ state: GuardrailState; minute: number }> {
  const store = new MemoryStateStore();
  const ports: RunPorts = {
    metrics: metrics(silentFrom),
    timeline,
    store,
    flags: { setRollout: async () => ({ status: 'applied', detail: '' }) },
    notifiers: [],
  };
  for (let minute = 1; minute < 200; minute++) {
    const before = await store.load();
    if (what(await runOnce(config, ports, runAt(minute)))) return { state: before!, minute };
  }
  throw new Error('never happened');
}

// --- The outside world on loopback ---
let prism: Prism;
let ld: FakeLaunchDarkly;
const sns = mockClient(SNSClient);
/** PagerDuty's Events API v2: incidents by dedup key, opened by trigger (the page), closed by resolve. */
const pagerDuty = {
  events: [] as Array<{ event_action: string; dedup_key: string }>,
  incidents: new Map<string, number>(),
  hang: false,
  held: [] as ServerResponse[],
  url: '',
};
const pdServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const event = JSON.parse(body) as { event_action: string; dedup_key: string };
    pagerDuty.events.push(event);
    if (event.event_action === 'trigger' && !pagerDuty.incidents.has(event.dedup_key))
      pagerDuty.incidents.set(event.dedup_key, pagerDuty.incidents.size + 1);
    if (pagerDuty.hang) return void pagerDuty.held.push(res);
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed"}');
  });
});
const dynamos: LocalDynamo[] = [];

beforeAll(async () => {
  if (!specAvailable) return;
  prism = await startPrism();
  await new Promise<void>((resolve) => pdServer.listen(0, '127.0.0.1', resolve));
  pagerDuty.url = `http://127.0.0.1:${(pdServer.address() as AddressInfo).port}/v2/enqueue`;
}, 90_000);
afterAll(async () => {
  for (const res of pagerDuty.held) res.destroy();
  pdServer.closeAllConnections();
  await new Promise<void>((resolve) => pdServer.close(() => resolve()));
  sns.restore();
  await prism?.stop();
});
beforeEach(async () => {
  if (!specAvailable) return;
  ld = await fakeLaunchDarkly(prism);
  ld.flags.set('storm', restFlag('storm', 'production', 1));
  pagerDuty.events = [];
  pagerDuty.incidents.clear();
  pagerDuty.hang = false;
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});
afterEach(async () => {
  if (!specAvailable) return;
  expect(ld.violations).toEqual([]);
  await ld.close();
  for (const d of dynamos.splice(0)) await d.close();
});

/** A fresh table holding `state`, as the detector's would. */
async function deployed(state: GuardrailState): Promise<DynamoStore> {
  const dynamo = await localDynamo();
  dynamos.push(dynamo);
  const store = new DynamoStore(dynamo.client, dynamo.table);
  await store.save(structuredClone(state));
  return store;
}

// --- Killing a run: after its k-th step, that step's caller and every later step throw ---
class Killed extends Error {}
interface Life {
  killAfter: number;
  steps: string[];
  dead: boolean;
}
function killable<T extends object>(target: T, name: string, life: Life): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (typeof value !== 'function' || property === 'constructor') return value;
      return async (...args: unknown[]) => {
        if (life.dead) throw new Killed('dead');
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
        life.steps.push(`${name}.${String(property)}`);
        if (life.steps.length === life.killAfter) {
          life.dead = true;
          throw new Killed(`killed after ${name}.${String(property)}`);
        }
        return result;
      };
    },
  });
}

function world(store: DynamoStore, options: { life?: Life; budget?: RunBudget; silentFrom?: number } = {}): RunPorts {
  const life = options.life ?? { killAfter: Infinity, steps: [], dead: false };
  const deadline = options.budget
    ? { flags: { deadline: options.budget.flags }, alerts: { deadline: options.budget.alerts } }
    : { flags: {}, alerts: {} };
  const flags: FlagController = new LaunchDarklyFlagController({
    baseUrl: ld.url,
    projectKey: 'default',
    token: async () => 'api-0123456789abcdef',
    ...deadline.flags,
  });
  const notifiers: Notifier[] = [
    new PagerDutyNotifier({ routingKey: async () => 'R0UT1NGKEY', url: pagerDuty.url, ...deadline.alerts }),
    new SnsNotifier(
      new SNSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } }),
      'arn:aws:sns:eu-west-1:123456789012:alerts',
      deadline.alerts,
    ),
  ];
  return {
    metrics: metrics(options.silentFrom),
    timeline,
    store: killable<StateStore>(store, 'store', life),
    flags: killable(flags, 'LaunchDarkly', life),
    notifiers: notifiers.map((n) => Object.assign(killable(n, n.name, life), { name: n.name })),
  };
}

const serving = () => servedPercent(ld.flags.get('storm')!.environments.production!, { kind: 'fallthrough' });
const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
const rollbackPublishes = () => published().filter((p) => /rolled back storm/.test(p.Subject!));
const rollbackIncidents = () => [...pagerDuty.incidents.keys()].filter((k) => k.startsWith('episode/c/'));

describe.skipIf(!specAvailable)('effects exactly once, with recovery', () => {
  it('the kill test: killed after any step between "recorded" and "alerted", the next runs finish it: flag at 0%, one page, a state that tells the truth', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    // The run undisturbed, to count its steps.
    const probe: Life = { killAfter: Infinity, steps: [], dead: false };
    const undisturbed = await runOnce(config, world(await deployed(state), { life: probe }), runAt(minute));
    expect(serving()).toBe(0);
    const decisionId = undisturbed.acted[0]!.id;
    const steps = probe.steps;
    expect(steps).toEqual(
      expect.arrayContaining([
        'store.recordDecision',
        'LaunchDarkly.setRollout',
        'store.recordOutcome',
        'PagerDuty.notify',
        'SNS.notify',
        'store.recordAlerted',
        'store.save',
      ]),
    );

    const table: string[] = [];
    for (let k = 1; k <= steps.length; k++) {
      ld.flags.set('storm', restFlag('storm', 'production', 1));
      pagerDuty.events = [];
      pagerDuty.incidents.clear();
      sns.resetHistory();
      const store = await deployed(state);
      const life: Life = { killAfter: k, steps: [], dead: false };
      await expect(runOnce(config, world(store, { life }), runAt(minute))).rejects.toThrow(Killed);
      for (const next of [minute + 1, minute + 2, minute + 3]) await runOnce(config, world(store), runAt(next));

      const killedAfter = life.steps[k - 1]!;
      const ids = new Set(rollbackPublishes().map((p) => p.MessageAttributes!.id!.StringValue));
      table.push(
        `${killedAfter}: flag ${serving()}%, incidents ${rollbackIncidents().length}, PagerDuty triggers ${pagerDuty.events.filter((e) => e.event_action === 'trigger').length}, SNS ${rollbackPublishes().length} (${ids.size} id)`,
      );
      expect(serving(), killedAfter).toBe(0);
      expect(rollbackIncidents(), killedAfter).toHaveLength(1);
      expect(ids.size, killedAfter).toBe(1);
      expect(rollbackPublishes().length, killedAfter).toBeLessThanOrEqual(killedAfter === 'SNS.notify' ? 2 : 1);
      // The state tells the truth.
      expect(await store.pendingDecisions(0), killedAfter).toEqual([]);
      const saved = (await store.load())!;
      expect(saved.freezes['storm/production'], killedAfter).toMatchObject({ percent: 0 });
      expect(saved.outbox, killedAfter).toBeUndefined();
      const { client, table: TableName } = dynamos.at(-1)!;
      const decisions = (
        await client.send(
          new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'decision' } }),
        )
      ).Items!;
      expect(
        decisions.map((d) => d.sk),
        killedAfter,
      ).toEqual([decisionId]);
      // Applied by the run that was killed or by the one after; found done already when the kill came after the change.
      expect(JSON.parse(decisions[0]!.outcome as string).status, killedAfter).toBe(
        killedAfter === 'LaunchDarkly.setRollout' ? 'unchanged' : 'applied',
      );
    }
    console.info(`kill test, ${steps.length} kill points:\n  ${table.join('\n  ')}`);
  }, 180_000);

  it('five copies of the deciding run at once: one change, one page, one SNS alert', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    const store = await deployed(state);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => runOnce(config, world(store), runAt(minute))));
    expect(
      results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof StateConflictError),
    ).toBe(true);
    await runOnce(config, world(store), runAt(minute + 1));
    expect(ld.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(serving()).toBe(0);
    expect(rollbackIncidents()).toHaveLength(1);
    expect(pagerDuty.events.filter((e) => e.event_action === 'trigger')).toHaveLength(1);
    expect(rollbackPublishes()).toHaveLength(1);
  }, 60_000);

  it('five copies of the run that goes blind at once: one blind alert to SNS and PagerDuty', async () => {
    const silentFrom = 30 * MINUTE;
    const { state, minute } = await stateBefore((r) => r.sent.some((a) => a.kind === 'blind'), silentFrom);
    const store = await deployed(state);
    await Promise.allSettled(Array.from({ length: 5 }, () => runOnce(config, world(store, { silentFrom }), runAt(minute))));
    await runOnce(config, world(store, { silentFrom }), runAt(minute + 1));
    expect(published().filter((p) => /Blind/.test(p.Subject!))).toHaveLength(1);
    expect(pagerDuty.events.filter((e) => e.dedup_key.startsWith('blind/'))).toHaveLength(1);
  }, 60_000);

  it('the time budget: LaunchDarkly asks to wait 30 s, then PagerDuty hangs; each run ends in its budget, the next runs finish, one page', async () => {
    const { state, minute } = await stateBefore((r) => r.acted.some((d) => d.action === 'rollback'));
    const store = await deployed(state);
    const budget = new RunBudget({ marginMs: 300, alertsMs: 1200 });
    const BUDGET_MS = 3000;
    const run = async (at: number) => {
      budget.start(BUDGET_MS);
      const started = Date.now();
      const result = await runOnce(config, world(store, { budget }), runAt(at));
      return { result, ms: Date.now() - started };
    };

    ld.script.push({ method: 'PATCH', status: 429, headers: { 'Retry-After': '30' } });
    const first = await run(minute);
    expect(first.ms).toBeLessThan(BUDGET_MS);
    expect(first.result.deferred.map((d) => d.reason)).toEqual([
      expect.stringMatching(/told to wait 30\.\d s .*429.*past the run's deadline/),
    ]);
    expect(serving()).toBe(1);
    expect(await store.pendingDecisions(0)).toHaveLength(1);

    pagerDuty.hang = true;
    const second = await run(minute + 1);
    expect(second.ms).toBeLessThan(BUDGET_MS);
    expect(second.result.resumed).toHaveLength(1);
    expect(serving()).toBe(0);
    expect(second.result.notifierErrors).toEqual([expect.stringMatching(/^PagerDuty: .*left for the next run$/)]);
    expect(rollbackPublishes()).toHaveLength(1);

    pagerDuty.hang = false;
    const third = await run(minute + 2);
    expect(third.ms).toBeLessThan(BUDGET_MS);
    expect(rollbackIncidents()).toHaveLength(1);
    expect(rollbackPublishes()).toHaveLength(1);
    expect(await store.pendingDecisions(0)).toEqual([]);
  }, 60_000);
});
