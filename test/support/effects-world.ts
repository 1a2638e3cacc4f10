/**
 * The production path of effects, for the effects tests: `runOnce` with its state in DynamoDB
 * (dynalite), the LaunchDarkly controller against the Prism-validated fake, PagerDuty (Events API
 * v2) on loopback, SNS mocked; the storm of storm.ts; and runs that can be killed after any step.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { LaunchDarklyFlagController } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { MemoryStateStore } from '../../lambdas/adapters/memory/index.ts';
import { PagerDutyNotifier } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { SnsNotifier } from '../../lambdas/adapters/sns/notifier.ts';
import { type RunPorts, type RunResult, runOnce } from '../../lambdas/app/run-once.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import type { GuardrailState } from '../../lambdas/core/state.ts';
import { servedPercent } from '../../lambdas/formats/launchdarkly.ts';
import type { RunBudget } from '../../lambdas/handlers/shared/budget.ts';
import type { FlagController, Notifier, StateStore } from '../../lambdas/ports.ts';
import { type LocalDynamo, localDynamo } from './dynalite.ts';
import { type FakeLaunchDarkly, fakeLaunchDarkly, type Prism, restFlag, specAvailable, startPrism } from './launchdarkly.ts';
import { MINUTE, stormRate, stormStep } from './storm.ts';

export const config = parseConfig('mode: enforce\nclusters: [c]\n');
const DELAY = config.publishDelaySeconds * 1000;

/** Three brokers' ConnectionCreationRate: 10 a minute, 30 from minute 60 (the 1% step); broker 3 stops at `silentFrom`. */
function metrics(silentFrom = Infinity): RunPorts['metrics'] {
  return {
    read: async (from, to) => ({
      series: [1, 2, 3].map((b): MetricSeries => {
        const points = [];
        for (let t = Math.ceil(from / MINUTE) * MINUTE; t < to; t += MINUTE) {
          if (b === 3 && t >= silentFrom) continue;
          points.push({ time: t, value: stormRate(t, b) });
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
const timeline: RunPorts['timeline'] = { releases: async (until) => (until >= stormStep.time ? [stormStep] : []) };
export const runAt = (minute: number) => minute * MINUTE + DELAY;

/** The state just before the run that does `what`, and that run's minute: found on memory, once. */
export async function stateBefore(
  what: (result: RunResult) => boolean,
  silentFrom?: number,
): Promise<{ state: GuardrailState; minute: number }> {
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
export const sns = mockClient(SNSClient);
/** PagerDuty's Events API v2: incidents by dedup key, opened by trigger (the page), closed by resolve. */
export const pagerDuty = {
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

/** Starts Prism and PagerDuty for the calling test file, and a fresh LaunchDarkly fake, PagerDuty and SNS for each test. */
export function useEffectsWorld(): void {
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
}

/** The LaunchDarkly fake of the current test. */
export const launchDarkly = () => ld;

/** The table of the last `deployed` store. */
export const lastTable = () => dynamos.at(-1)!;

/** A fresh table holding `state`, as the detector's would. */
export async function deployed(state: GuardrailState): Promise<DynamoStore> {
  const dynamo = await localDynamo();
  dynamos.push(dynamo);
  const store = new DynamoStore(dynamo.client, dynamo.table);
  await store.save(structuredClone(state));
  return store;
}

// --- Killing a run: after its k-th step, that step's caller and every later step throw ---
export class Killed extends Error {}
export interface Life {
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

export function world(store: DynamoStore, options: { life?: Life; budget?: RunBudget; silentFrom?: number } = {}): RunPorts {
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

export const serving = () => servedPercent(ld.flags.get('storm')!.environments.production!, { kind: 'fallthrough' });
export const published = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
export const rollbackPublishes = () => published().filter((p) => /rolled back storm/.test(p.Subject!));
export const rollbackIncidents = () => [...pagerDuty.incidents.keys()].filter((k) => k.startsWith('episode/c/'));
