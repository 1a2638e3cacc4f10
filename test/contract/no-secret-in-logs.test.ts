/**
 * No secret in any log line. The detector Lambda runs the bundled storm with its secrets read from
 * Secrets Manager on loopback and every outside service failing in the ways that get quoted in logs:
 * LaunchDarkly, PagerDuty and Slack answer errors whose bodies echo what they were sent (the
 * token, the routing key, the webhook URL), some refuse for good, a secret read fails once, one
 * secret is not configured; the storm's rollback and the revert of the next step both reach them. Everything written to the console or to stdout/stderr meanwhile (the
 * handler's log lines, Powertools metrics, anything a library prints) is captured, and so are the
 * decisions' outcomes and the notifier errors; none may contain a secret.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { scenarioExports } from '../../cli/inputs.ts';
import { scenariosFolder } from '../../cli/paths.ts';
import { DynamoStore } from '../../lambdas/adapters/dynamodb/store.ts';
import { LaunchDarklyFlagController } from '../../lambdas/adapters/launchdarkly/flag-controller.ts';
import { loadExports } from '../../lambdas/adapters/local/export-files.ts';
import { PagerDutyNotifier } from '../../lambdas/adapters/pagerduty/notifier.ts';
import { SlackNotifier } from '../../lambdas/adapters/slack/notifier.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';
import { readTimeline } from '../../lambdas/formats/timeline.ts';
import { createDetectorHandler, type DetectorOutcome } from '../../lambdas/handlers/detector.ts';
import { secretFrom } from '../../lambdas/handlers/shared/secrets.ts';
import { SECRET_PLACEHOLDER } from '../../lambdas/names.ts';
import { localDynamo } from '../support/dynalite.ts';
import { getMetricDataResults } from '../support/get-metric-data.ts';
import { type LocalSecretsManager, localSecretsManager } from '../support/secrets-manager.ts';

const MINUTE = 60_000;
const TOKEN = 'api-5ecret-70ken-0f-launchdarkly';
const ROUTING_KEY = 'R0UT1NG5ECRETKEY0000000000000042';
const SLACK_SECRET_PATH = '/services/T05ECRET1/B05ECRET2/5ecretWebhookPath000000';
const ARN = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:Stormguard${name}-AbCdEf`;

/** A service that answers every request with `status` and a body quoting what it was sent. */
function echoing(status: () => number): { server: Server; url: () => string } {
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const echo = JSON.stringify({
        message: `refused ${req.method} ${req.url} with Authorization ${req.headers.authorization ?? ''}: ${body.slice(0, 400)}`,
      });
      res.writeHead(status(), { 'content-type': 'application/json' }).end(echo);
    });
  });
  return { server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let calls = 0;
const launchDarkly = echoing(() => (++calls % 3 === 0 ? 401 : 500));
const pagerDuty = echoing(() => (++calls % 2 === 0 ? 400 : 500));
const slack = echoing(() => (++calls % 2 === 0 ? 404 : 500));

const captured: string[] = [];
const cloudwatch = mockClient(CloudWatchClient);
const sns = mockClient(SNSClient);
let secretsManager: LocalSecretsManager;

beforeAll(async () => {
  for (const s of [launchDarkly, pagerDuty, slack]) await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  const files = await scenarioExports('pagerduty-2025');
  const series: MetricSeries[] = (await loadExports(files.metrics, files.timeline, parseConfig('clusters: [events-msk]\n'))).series;
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const results = getMetricDataResults(input, series);
    return Promise.resolve({ MetricDataResults: results, Messages: [] });
  });
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
  let routingKeyReads = 0;
  secretsManager = await localSecretsManager((secretId) => {
    if (secretId === ARN('LaunchDarklyToken')) return { value: TOKEN };
    // Refused once, with the secret's ARN in the message, as Secrets Manager does.
    if (secretId === ARN('PagerDutyRoutingKey'))
      return ++routingKeyReads === 1
        ? { status: 400, type: 'AccessDeniedException', message: `not authorized to read ${ARN('PagerDutyRoutingKey')}` }
        : { value: ROUTING_KEY };
    if (secretId === ARN('SlackWebhookUrl')) return { value: `${slack.url()}${SLACK_SECRET_PATH}` };
    return { value: SECRET_PLACEHOLDER };
  });

  // Every way text leaves the process.
  const keep = (...args: unknown[]) =>
    void captured.push(
      args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a))).join(' '),
    );
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) vi.spyOn(console, method).mockImplementation(keep);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
      captured.push(String(chunk));
      return write(chunk as string, ...rest);
    }) as typeof stream.write);
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  cloudwatch.restore();
  sns.restore();
  await secretsManager.close();
  for (const s of [launchDarkly, pagerDuty, slack]) await new Promise<void>((resolve) => s.server.close(() => resolve()));
});

describe('no secret in any log line', () => {
  it('the detector over the storm, with LaunchDarkly, PagerDuty and Slack failing and quoting what they were sent', async () => {
    delete process.env.POWERTOOLS_METRICS_DISABLED; // Powertools prints its metrics: capture those too
    const dynamo = await localDynamo();
    try {
      const store = new DynamoStore(dynamo.client, dynamo.table);
      const timeline = JSON.parse(await readFile(join(scenariosFolder, 'pagerduty-2025', 'launchdarkly-audit-log.json'), 'utf8'));
      await store.addReleases(readTimeline([{ source: 'audit log', document: timeline }]).events);
      const secrets = secretsManager.reader;
      const fast = { maxAttempts: 2, sleep: async () => {} };
      const handler = createDetectorHandler({
        config: parseConfig(`clusters: [events-msk]\nlaunchDarkly: { projectKey: default, baseUrl: "${launchDarkly.url()}" }\n`),
        cloudwatch: cloudwatch as unknown as CloudWatchClient,
        dynamo: dynamo.client,
        sns: sns as unknown as SNSClient,
        tableName: dynamo.table,
        topicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        flags: new LaunchDarklyFlagController({
          baseUrl: launchDarkly.url(),
          projectKey: 'default',
          token: secretFrom(secrets, ARN('LaunchDarklyToken')),
          ...fast,
        }),
        notifiers: [
          new PagerDutyNotifier({
            routingKey: secretFrom(secrets, ARN('PagerDutyRoutingKey')),
            url: `${pagerDuty.url()}/v2/enqueue`,
            ...fast,
          }),
          new SlackNotifier({ webhookUrl: secretFrom(secrets, ARN('SlackWebhookUrl')), ...fast }),
          new SlackNotifier({ webhookUrl: secretFrom(secrets, ARN('Unset')), ...fast }),
        ],
        metrics: new Metrics({ namespace: 'Stormguard', serviceName: 'detector' }),
        log: (entry) => console.log(JSON.stringify(entry)), // as in production
      });
      const outcomes: DetectorOutcome[] = [];
      for (let t = Date.parse('2025-08-28T13:30:00Z'); t <= Date.parse('2025-08-28T15:10:00Z'); t += MINUTE) {
        outcomes.push(await handler({ time: new Date(t + 120_000).toISOString() }));
      }
      const results = outcomes.flatMap((o) => (o.status === 'evaluated' ? [o.result] : []));
      const said = [
        ...captured,
        ...results.flatMap((r) => [
          ...r.notifierErrors,
          ...r.deferred.map((d) => d.reason),
          ...[...r.outcomes.values()].map((o) => o.detail),
        ]),
      ].join('\n');

      // The failures were there to be quoted: the test is not vacuous.
      expect(said).toMatch(/LaunchDarkly did not answer after 2 attempts|LaunchDarkly refused the API token/);
      expect(said).toMatch(/PagerDuty answered 400|PagerDuty Events API: 500/);
      expect(said).toMatch(/Slack answered 404|the Slack webhook: 500/);
      expect(said).toMatch(/has no value yet/);
      expect(said).toMatch(/"_aws":\{"Timestamp"/); // Powertools metrics were captured

      for (const secret of [TOKEN, ROUTING_KEY, SLACK_SECRET_PATH, 'T05ECRET1', '5ecretWebhookPath']) expect(said).not.toContain(secret);
    } finally {
      await dynamo.close();
    }
  }, 120_000);
});
