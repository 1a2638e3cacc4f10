/**
 * The audit-log backfill Lambda, on a schedule: the rollout steps of the last two hours read back
 * from LaunchDarkly's audit log and stored (a step stored before is the same item again).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { LaunchDarklyAuditLog } from '../adapters/launchdarkly/audit-log.ts';
import { controlVariations } from '../formats/launchdarkly.ts';
import type { ReleaseLog } from '../ports.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';
import { type LogEntry, logLine } from './shared/log.ts';
import { releaseLog } from './shared/release-log.ts';
import { secretFrom, secretsManager } from './shared/secrets.ts';

/** Read back further than the schedule, so a late or failed run loses nothing. */
export const BACKFILL_WINDOW_MS = 2 * 3_600_000;

export function createBackfillHandler(
  auditLog: Pick<LaunchDarklyAuditLog, 'releasesSince'>,
  store: Pick<ReleaseLog, 'addReleases'>,
  log: (entry: LogEntry) => void = logLine,
) {
  return async (event: Pick<ScheduledEvent, 'time'>): Promise<{ releases: number; warnings: number }> => {
    const { releases, warnings } = await auditLog.releasesSince(Date.parse(event.time) - BACKFILL_WINDOW_MS);
    await store.addReleases(releases);
    for (const message of warnings) log({ level: 'warn', message });
    return { releases: releases.length, warnings: warnings.length };
  };
}

const client = new DynamoDBClient({});
const dynamo = DynamoDBDocumentClient.from(client);
// Secrets read with the DynamoDB client's credentials and region (shared/secrets.ts says why).
const secrets = secretsManager({ credentials: client.config.credentials, region: client.config.region });
let wired: ReturnType<typeof createBackfillHandler> | undefined;

export const handler = (event: ScheduledEvent): Promise<{ releases: number; warnings: number }> => {
  if (!wired) {
    const config = configFromEnvironment();
    if (!config.launchDarkly) throw new Error('STORMGUARD_CONFIG: the backfill needs `launchDarkly.projectKey`');
    const auditLog = new LaunchDarklyAuditLog({
      ...config.launchDarkly,
      token: secretFrom(secrets, requiredEnvironment('LAUNCHDARKLY_TOKEN_SECRET_ARN')),
      controls: controlVariations(config),
    });
    wired = createBackfillHandler(auditLog, releaseLog(dynamo));
  }
  return wired(event);
};
