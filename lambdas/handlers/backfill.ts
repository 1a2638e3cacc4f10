/**
 * The audit-log backfill Lambda, on a schedule: the rollout steps of the last two hours read back
 * from LaunchDarkly's audit log and stored (a step stored before is the same item again).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { LaunchDarklyAuditLog } from '../adapters/launchdarkly/audit-log.ts';
import { controlVariations } from '../formats/launchdarkly.ts';
import type { ReleaseLog, TimelineReads } from '../ports.ts';
import { clientOptions } from './shared/aws-clients.ts';
import { RunBudget } from './shared/budget.ts';
import { configFromEnvironment } from './shared/config.ts';
import { requiredEnvironment } from './shared/environment.ts';
import { type LogEntry, logLine } from './shared/log.ts';
import { releaseLog } from './shared/release-log.ts';
import { secretFrom, secretsManager } from './shared/secrets.ts';

/** Read back further than the schedule (freshness.ts TIMELINE_READ_EVERY_MS), so a late or failed run loses nothing. */
export const BACKFILL_WINDOW_MS = 2 * 3_600_000;

export function createBackfillHandler(
  auditLog: Pick<LaunchDarklyAuditLog, 'releasesSince'>,
  store: Pick<ReleaseLog, 'addReleases'> & Pick<TimelineReads, 'markTimelineRead'>,
  log: (entry: LogEntry) => void = logLine,
) {
  return async (event: Pick<ScheduledEvent, 'time'>): Promise<{ releases: number; warnings: number }> => {
    const time = Date.parse(event.time);
    const { releases, warnings, upToDate } = await auditLog.releasesSince(time - BACKFILL_WINDOW_MS);
    await store.addReleases(releases);
    for (const message of warnings) log({ level: 'warn', message });
    // The gate's sight of the timeline rests on this mark: only a read of the newest entries makes it.
    // Short of that the run fails, for BackfillErrors to say (lib/intake.ts).
    if (!upToDate) throw new Error("the audit log's newest entries were not read in this run's time: the timeline is not marked read");
    await store.markTimelineRead(time);
    return { releases: releases.length, warnings: warnings.length };
  };
}

const client = new DynamoDBClient(clientOptions());
const dynamo = DynamoDBDocumentClient.from(client);
// Secrets read with the DynamoDB client's credentials and region (shared/secrets.ts says why).
const secrets = secretsManager({ credentials: client.config.credentials, region: client.config.region });
let wired: ReturnType<typeof createBackfillHandler> | undefined;

// The reading stops in time to store what it read (the budget's margin), the Lambda's timeout being 60 s.
const budget = new RunBudget();

export const handler = (
  event: ScheduledEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<{ releases: number; warnings: number }> => {
  if (!wired) {
    const config = configFromEnvironment();
    if (!config.launchDarkly) throw new Error('STORMGUARD_CONFIG: the backfill needs `launchDarkly.projectKey`');
    const auditLog = new LaunchDarklyAuditLog({
      ...config.launchDarkly,
      environment: config.environment,
      token: secretFrom(secrets, requiredEnvironment('LAUNCHDARKLY_TOKEN_SECRET_ARN')),
      controls: controlVariations(config),
      deadline: budget.calls,
    });
    wired = createBackfillHandler(auditLog, releaseLog(dynamo));
  }
  if (context) budget.start(context.getRemainingTimeInMillis());
  return wired(event);
};
