/** PagerDuty (Events API v2) and Slack (incoming webhook, Block Kit): payloads in each service's documented form. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PagerDutyNotifier, pagerDutyEvent } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { SlackNotifier, slackMessage } from '../../lambdas/adapters/slack/notifier.ts';
import type { Alert } from '../../lambdas/core/alert.ts';

const episode: Alert = {
  key: 'episode/events-msk/2025-08-28T14:00:00.000Z',
  kind: 'episode',
  severity: 'critical',
  time: Date.parse('2025-08-28T14:01:00Z'),
  episodeId: 'events-msk/2025-08-28T14:00:00.000Z',
  decisionIds: ['events-msk/2025-08-28T14:00:00.000Z/checkout/production'],
  title: '[Stormguard] rolled back checkout 1% → 0%: ConnectionCreationRate 2.3x baseline on events-msk after checkout 0% → 1%',
  text: 'Episode …\nSignal: …\nRelease: …\nAction: …',
};

/** A stand-in service on loopback: answers from a script, records what it was sent. */
let received: Array<{ path: string; body: unknown }> = [];
let answers: Array<{ status: number; headers?: Record<string, string> }> = [];
let url = '';
const server = createServer((req, res) => {
  let data = '';
  req.on('data', (c) => (data += c));
  req.on('end', () => {
    received.push({ path: req.url!, body: JSON.parse(data) });
    const answer = answers.shift() ?? { status: 202 };
    res
      .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      .end(answer.status === 202 ? '{"status":"success","message":"Event processed"}' : 'ok');
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('PagerDuty Events API v2', () => {
  it('triggers an incident per episode, deduplicated by the episode, with a summary that names what happened', () => {
    const event = pagerDutyEvent(episode, 'R0UT1NGKEY', [
      { href: 'https://console.aws.amazon.com/cloudwatch/dashboards', text: 'Dashboard' },
    ]);
    expect(event).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'trigger',
      dedup_key: episode.key,
      payload: {
        summary: 'rolled back checkout 1% → 0%: ConnectionCreationRate 2.3x baseline on events-msk after checkout 0% → 1%',
        source: 'stormguard',
        severity: 'critical',
        timestamp: '2025-08-28T14:01:00.000Z',
        component: 'events-msk',
        group: 'kafka',
        class: 'episode',
        custom_details: { details: episode.text, decisions: episode.decisionIds },
      },
      client: 'Stormguard',
      links: [{ href: 'https://console.aws.amazon.com/cloudwatch/dashboards', text: 'Dashboard' }],
    });
  });

  it('resolves with the same dedup key when the episode ends', () => {
    expect(pagerDutyEvent({ ...episode, kind: 'resolved', severity: 'info' }, 'R0UT1NGKEY', [])).toEqual({
      routing_key: 'R0UT1NGKEY',
      event_action: 'resolve',
      dedup_key: episode.key,
      client: 'Stormguard',
    });
  });

  it('keeps the summary within the 1024 characters the API allows, the details within 32 KB, the dedup key within 255', () => {
    const long = pagerDutyEvent({ ...episode, title: 'x'.repeat(5000), text: 'y'.repeat(600_000) }, 'k', [])!;
    expect(long.payload!.summary).toHaveLength(1024);
    expect((long.payload!.custom_details.details as string).length).toBe(32 * 1024);
    // An episode naming a dozen decisions: the trigger and its resolve share one bounded key.
    const key = `episode/events-msk/${'d'.repeat(400)}`;
    const trigger = pagerDutyEvent({ ...episode, key }, 'k', [])!;
    const resolve = pagerDutyEvent({ ...episode, key, kind: 'resolved', severity: 'info' }, 'k', [])!;
    expect(trigger.dedup_key.length).toBeLessThanOrEqual(255);
    expect(resolve.dedup_key).toBe(trigger.dedup_key);
    expect(pagerDutyEvent({ ...episode, key: `${key}x` }, 'k', [])!.dedup_key).not.toBe(trigger.dedup_key);
  });

  it('never triggers for a warning (an anomaly no release explains, a blind signal): whether it pages is the service’s rule, not the severity', async () => {
    expect(pagerDutyEvent({ ...episode, severity: 'warning' }, 'k', [])).toBeUndefined();
    expect(pagerDutyEvent({ ...episode, kind: 'blind', severity: 'warning' }, 'k', [])).toBeUndefined();
    received = [];
    const notifier = new PagerDutyNotifier({ routingKey: async () => 'R0UT1NGKEY', url: `${url}/v2/enqueue` });
    await notifier.notify({ ...episode, severity: 'warning' });
    expect(received).toEqual([]);
  });

  it('posts to the Events API, retrying 429 as told, and reports a refusal', async () => {
    received = [];
    const waits: number[] = [];
    answers = [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 202 }];
    const notifier = new PagerDutyNotifier({
      routingKey: async () => 'R0UT1NGKEY',
      url: `${url}/v2/enqueue`,
      sleep: async (ms) => void waits.push(ms),
      random: () => 0,
    });
    await notifier.notify(episode);
    expect(received.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(waits).toEqual([1000]);
    answers = [{ status: 400 }];
    await expect(notifier.notify(episode)).rejects.toThrow(/PagerDuty answered 400/);
  });
});

describe('Slack incoming webhook', () => {
  it('sends Block Kit: a header with what was done, the details, the context; and a text fallback', () => {
    const message = slackMessage(episode);
    expect(message.text).toBe(`${episode.title}\n${episode.text}`);
    expect(message.blocks).toEqual([
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: 'Stormguard: rolled back checkout 1% → 0%: ConnectionCreationRate 2.3x baseline on events-msk after checkout 0% → 1%',
          emoji: true,
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: episode.text } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: `:rotating_light: critical · episode · 2025-08-28T14:01:00.000Z · \`${episode.key}\`` }],
      },
    ]);
  });

  it('escapes what it quotes, so that a rule description or an author cannot mention @channel, a user or spoof a link', () => {
    const hostile = { ...episode, text: 'rule "<!channel> EU & <https://evil.example|runbook>" (r1) stepped by <@U0123ABCD>' };
    const message = slackMessage(hostile);
    const section = (message.blocks[1] as { text: { text: string } }).text.text;
    const expected = 'rule "&lt;!channel&gt; EU &amp; &lt;https://evil.example|runbook&gt;" (r1) stepped by &lt;@U0123ABCD&gt;';
    expect(section).toBe(expected);
    expect(message.text).toBe(`${episode.title}\n${expected}`);
    // Cut to the section's 3000 characters, never inside an escape.
    const cut = (slackMessage({ ...episode, text: '&'.repeat(5000) }).blocks[1] as { text: { text: string } }).text.text;
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/^(&amp;)+…$/);
  });

  it('keeps the header within Block Kit’s 150 characters', () => {
    const header = slackMessage({ ...episode, title: 'y'.repeat(400) }).blocks[0] as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
  });

  it('posts to the webhook and reports a refusal', async () => {
    received = [];
    answers = [{ status: 200 }];
    await new SlackNotifier({ webhookUrl: async () => `${url}/services/T000/B000/XXX` }).notify(episode);
    expect(received[0]!.path).toBe('/services/T000/B000/XXX');
    answers = [{ status: 404 }];
    await expect(new SlackNotifier({ webhookUrl: async () => `${url}/services/x`, maxAttempts: 1 }).notify(episode)).rejects.toThrow(
      /Slack answered 404/,
    );
  });
});
