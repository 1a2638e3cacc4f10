/**
 * The release log of the table the construct names (TABLE_NAME), for the Lambdas that only store
 * releases (deploy events, the webhook, the backfill): the releases' items alone, not DynamoStore,
 * so that they carry none of the state's code (the journal's replay links the whole evaluation).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addReleases, markTimelineRead, timelineReadAt } from '../../adapters/dynamodb/releases.ts';
import type { ReleaseLog, TimelineReads } from '../../ports.ts';
import { requiredEnvironment } from './environment.ts';

export function releaseLog(client: Pick<DynamoDBDocumentClient, 'send'>): Pick<ReleaseLog, 'addReleases'> & TimelineReads {
  const table = { client, name: requiredEnvironment('TABLE_NAME') };
  return {
    addReleases: (releases) => addReleases(table, releases),
    markTimelineRead: (time) => markTimelineRead(table, time),
    timelineReadAt: () => timelineReadAt(table),
  };
}
