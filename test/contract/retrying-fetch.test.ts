/**
 * The retrying fetch within a run's time budget, and its error messages, which name a request
 * without its URL (a webhook URL is a secret).
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RetriesExhaustedError, retryingFetch } from '../../lambdas/adapters/http/retrying-fetch.ts';
import { PagerDutyNotifier } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { SlackNotifier } from '../../lambdas/adapters/slack/notifier.ts';
import { SnsNotifier } from '../../lambdas/adapters/sns/notifier.ts';
import type { Alert } from '../../lambdas/core/alert.ts';
import { DeadlineExceededError } from '../../lambdas/core/errors.ts';

/** A server that answers from a script: a status (with headers), or silence (never answers). */
let answers: Array<{ status: number; headers?: Record<string, string>; body?: string } | 'silence'> = [];
const hanging: ServerResponse[] = [];
let base = '';
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = answers.shift() ?? { status: 200 };
    if (answer === 'silence') return void hanging.push(res);
    res.writeHead(answer.status, answer.headers).end(answer.body ?? '');
  });
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  answers = [];
});

const alert: Alert = { key: 'episode/x', kind: 'episode', severity: 'critical', time: 0, title: '[Stormguard] t', text: 'x' };
const SLACK_PATH = '/services/T0SECRET/B0SECRET/XXXXXXXXXXXXXXXXXXXXXXXX';

describe('retryingFetch within a deadline', () => {
  it('does not wait out a Retry-After that ends past the deadline', async () => {
    answers.push({ status: 429, headers: { 'Retry-After': '30' } });
    const slept: number[] = [];
    const started = Date.now();
    const call = retryingFetch(
      `${base}/x`,
      { method: 'PATCH' },
      { deadline: () => started + 10_000, sleep: async (ms) => void slept.push(ms) },
    );
    await expect(call).rejects.toThrow(DeadlineExceededError);
    await expect(call).rejects.toThrow(/PATCH 127\.0\.0\.1:\d+: told to wait 30\.\d s \(.*429.*\), past the run's deadline/);
    expect(slept).toEqual([]);
  });

  it('cuts a silent server short at the deadline instead of 4 attempts of 5 s', async () => {
    answers.push('silence', 'silence', 'silence', 'silence');
    const started = Date.now();
    await expect(retryingFetch(`${base}/x`, { method: 'POST' }, { deadline: () => started + 800 })).rejects.toThrow(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('waits as told when the wait fits in the deadline', async () => {
    answers.push({ status: 429, headers: { 'Retry-After': '2' } }, { status: 200 });
    const slept: number[] = [];
    const response = await retryingFetch(
      `${base}/x`,
      {},
      { deadline: () => Date.now() + 10_000, sleep: async (ms) => void slept.push(ms), random: () => 0 },
    );
    expect(response.status).toBe(200);
    expect(slept).toEqual([2000]);
  });
});

describe('the notifiers within a deadline', () => {
  it('PagerDuty hanging: notify gives up by the deadline', async () => {
    answers.push('silence', 'silence', 'silence', 'silence');
    const started = Date.now();
    const notifier = new PagerDutyNotifier({
      routingKey: async () => 'R0UT1NGKEY',
      url: `${base}/v2/enqueue`,
      deadline: () => started + 700,
    });
    await expect(notifier.notify(alert)).rejects.toThrow(DeadlineExceededError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('SNS not answering: the publish is abandoned at the deadline', async () => {
    const sns = mockClient(SNSClient);
    try {
      sns.on(PublishCommand).callsFake(() => new Promise(() => {}));
      const started = Date.now();
      const notifier = new SnsNotifier(new SNSClient({ region: 'eu-west-1' }), 'arn:aws:sns:eu-west-1:123456789012:t', {
        deadline: () => started + 300,
      });
      await expect(notifier.notify(alert)).rejects.toThrow(DeadlineExceededError);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      sns.restore();
    }
  });
});

describe('error messages never carry a URL path (the Slack webhook URL is a secret)', () => {
  it('Slack: 5xx until the attempts run out', async () => {
    answers.push({ status: 500 }, { status: 500 });
    const error = await new SlackNotifier({ webhookUrl: async () => `${base}${SLACK_PATH}`, maxAttempts: 2, sleep: async () => {} })
      .notify(alert)
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(String((error as Error).message)).toMatch(/POST the Slack webhook: 500/);
    expect(String((error as Error).message)).not.toMatch(/SECRET|services/);
  });

  it('Slack: an error body that quotes the URL, and a URL fetch cannot parse', async () => {
    answers.push({ status: 404, body: `no such hook ${base}${SLACK_PATH}` });
    const quoted = await new SlackNotifier({ webhookUrl: async () => `${base}${SLACK_PATH}`, maxAttempts: 1 })
      .notify(alert)
      .catch((e: Error) => e.message);
    expect(quoted).toMatch(/^Slack answered 404: no such hook <url>$/);
    const unparsable = await new SlackNotifier({ webhookUrl: async () => `hxxp:/${SLACK_PATH}`, maxAttempts: 1 })
      .notify(alert)
      .catch((e: Error) => e.message);
    expect(unparsable).not.toMatch(/SECRET/);
  });

  it('the default label is the method and host only', async () => {
    answers.push({ status: 503 });
    const error = (await retryingFetch(`${base}/hook/s3cr3t?token=abc`, { method: 'POST' }, { maxAttempts: 1 }).catch(
      (e: Error) => e,
    )) as RetriesExhaustedError;
    expect(error.lastProblem).toMatch(/^POST 127\.0\.0\.1:\d+: 503/);
    expect(error.message).not.toMatch(/s3cr3t|token=abc/);
  });
});
