/**
 * The replayed 2025 storm, closed loop (the guardrail's rollback applied to the same seeded world),
 * alerting through the PagerDuty notifier to a stand-in Events API on loopback: one incident,
 * triggered with a summary that names the flag, the step, the signal and the rollback, and
 * resolved when the episode ends.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenariosFolder } from '../../cli/paths.ts';
import { MemoryStateStore, RecordingFlagController } from '../../lambdas/adapters/memory/index.ts';
import { type PagerDutyEvent, PagerDutyNotifier } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { replayClosedLoop } from '../../lambdas/app/closed-loop.ts';
import { defaultConfig } from '../../lambdas/core/config.ts';
import { parseScenario } from '../../lambdas/simulator/scenario.ts';

const events: PagerDutyEvent[] = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    events.push(JSON.parse(body));
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/enqueue`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the 2025 storm, closed loop, paging through PagerDuty', () => {
  it('triggers one incident naming flag, step, signal and rollback, and resolves it', async () => {
    const scenario = parseScenario(JSON.parse(await readFile(join(scenariosFolder, 'pagerduty-2025', 'scenario.json'), 'utf8')));
    const probe = { store: new MemoryStateStore(), flags: new RecordingFlagController(), notifiers: [] };
    const flags = new RecordingFlagController();
    const live = {
      store: new MemoryStateStore(),
      flags,
      notifiers: [new PagerDutyNotifier({ routingKey: async () => 'R0UT1NGKEY', url })],
    };
    const { withoutGuardrail, withGuardrail } = await replayClosedLoop(scenario, defaultConfig(), { probe, live });

    const triggers = events.filter((e) => e.event_action === 'trigger');
    const resolves = events.filter((e) => e.event_action === 'resolve');
    expect(triggers).toHaveLength(1);
    expect(resolves).toHaveLength(1);
    expect(resolves[0]!.dedup_key).toBe(triggers[0]!.dedup_key);
    const summary = triggers[0]!.payload!.summary;
    for (const part of [
      'rolled back checkout-producer-per-request 1% → 0%',
      'ConnectionCreationRate',
      'after checkout-producer-per-request 0% → 1%',
    ])
      expect(summary).toContain(part);

    // The same rollback, and with it no storm: no revert needed, the heap never runs out.
    expect(withGuardrail.decisions.map((d) => [d.action, d.flag, d.fromPercent, d.toPercent])).toEqual([
      ['rollback', 'checkout-producer-per-request', 1, 0],
    ]);
    expect(flags.requests).toHaveLength(1);
    expect(withoutGuardrail.heapExhausted).toBeDefined();
    expect(withGuardrail.heapExhausted).toBeUndefined();
    expect(withGuardrail.episodes[0]!.resolvedAt).toBeGreaterThan(withGuardrail.decisions[0]!.time);
  });
});
