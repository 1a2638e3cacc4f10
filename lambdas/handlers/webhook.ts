/**
 * The LaunchDarkly webhook Lambda (a Function URL): verifies the signature before parsing, then
 * stores the rollout steps the delivery carries. A delivery seen before is the same item again:
 * replays and retries change nothing.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { readDelivery } from '../adapters/launchdarkly/webhook.ts';
import type { TimelineScope } from '../formats/timeline.ts';
import type { ReleaseLog } from '../ports.ts';
import { clientOptions } from './shared/aws-clients.ts';
import { requiredEnvironment } from './shared/environment.ts';
import { type LogEntry, logLine } from './shared/log.ts';
import { releaseLog } from './shared/release-log.ts';
import { bodyOf } from './shared/request.ts';
import { secretFrom, secretsManager } from './shared/secrets.ts';
import { timelineScopeFromEnvironment } from './shared/timeline-scope.ts';

export interface WebhookWiring {
  readonly store: Pick<ReleaseLog, 'addReleases'>;
  readonly secret: () => Promise<string>;
  /** The flags' control variations (what a step's percentage is measured against) and their LaunchDarkly project. */
  readonly scope?: TimelineScope;
}

export function createWebhookHandler(
  wiring: WebhookWiring,
  log: (entry: LogEntry) => void = logLine,
): (event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event) => {
    const body = bodyOf(event);
    const verdict = readDelivery(body, event.headers['x-ld-signature'], await wiring.secret(), wiring.scope);
    if (verdict.status !== 200) {
      // The log says why (a wrong signing secret: every delivery 401); WebhookFailed alarms on a 5xx (lib/intake.ts).
      log({ level: 'warn', message: `delivery refused (${verdict.status}): ${verdict.reason}` });
      return { statusCode: verdict.status, body: JSON.stringify({ message: verdict.reason }) };
    }
    // What was left out is said (another project's change): a wrong projectKey is not a silent 200.
    for (const message of verdict.warnings) log({ level: 'warn', message });
    await wiring.store.addReleases(verdict.releases);
    return { statusCode: 200, body: JSON.stringify({ releases: verdict.releases.length }) };
  };
}

const client = new DynamoDBClient(clientOptions());
const dynamo = DynamoDBDocumentClient.from(client);
// Secrets read with the DynamoDB client's credentials and region (shared/secrets.ts says why).
const secrets = secretsManager({ credentials: client.config.credentials, region: client.config.region });
let wired: ReturnType<typeof createWebhookHandler> | undefined;

export const handler = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  wired ??= createWebhookHandler({
    store: releaseLog(dynamo),
    secret: secretFrom(secrets, requiredEnvironment('WEBHOOK_SECRET_ARN')),
    scope: timelineScopeFromEnvironment(),
  });
  return wired(event);
};
