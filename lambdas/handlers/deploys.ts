/**
 * The deploy-events Lambda, behind an IAM-authenticated Function URL: CD pipelines post deploy
 * events (`{ id, time, service, version, environment, by? }`, one or an array), stored beside the
 * rollout steps: those of the guarded environment, stamped near their arrival (deploy-event.ts
 * `admitDeploys`).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InputError } from '../core/errors.ts';
import { admitDeploys } from '../formats/deploy-event.ts';
import { readTimeline } from '../formats/timeline.ts';
import type { ReleaseLog } from '../ports.ts';
import { clientOptions } from './shared/aws-clients.ts';
import { configFromEnvironment } from './shared/config.ts';
import { releaseLog } from './shared/release-log.ts';
import { bodyOf } from './shared/request.ts';

const MAX_BYTES = 64 * 1024;

export function createDeploysHandler(
  store: Pick<ReleaseLog, 'addReleases'>,
  guarded: { readonly environment: string; readonly now: () => number },
) {
  return async (event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded'>): Promise<APIGatewayProxyStructuredResultV2> => {
    const body = bodyOf(event);
    if (body.length > MAX_BYTES) return { statusCode: 413, body: JSON.stringify({ message: `at most ${MAX_BYTES} bytes` }) };
    let document: unknown;
    try {
      document = JSON.parse(body.toString('utf8'));
    } catch {
      return { statusCode: 400, body: JSON.stringify({ message: 'the body is not JSON' }) };
    }
    try {
      const { events } = readTimeline([{ source: 'request', document }]);
      const deploys = events.filter((e) => e.kind === 'deploy');
      if (deploys.length < events.length)
        return { statusCode: 400, body: JSON.stringify({ message: 'only deploy events here; flag changes come from LaunchDarkly' }) };
      const { admitted, elsewhere, refused } = admitDeploys(deploys, { now: guarded.now(), environment: guarded.environment });
      if (refused.length > 0) return { statusCode: 400, body: JSON.stringify({ message: refused.join('; ') }) };
      await store.addReleases(admitted);
      return {
        statusCode: 200,
        body: JSON.stringify({ deploys: admitted.length, ...(elsewhere > 0 ? { otherEnvironments: elsewhere } : {}) }),
      };
    } catch (error) {
      if (error instanceof InputError) return { statusCode: 400, body: JSON.stringify({ message: error.message }) };
      throw error;
    }
  };
}

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions()));
let wired: ReturnType<typeof createDeploysHandler> | undefined;

export const handler = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  wired ??= createDeploysHandler(releaseLog(dynamo), { environment: configFromEnvironment().environment, now: Date.now });
  return wired(event);
};
