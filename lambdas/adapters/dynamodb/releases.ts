/**
 * Releases in the table: partition `release`, sort key `<ISO time>#<id>`, kept 30 days; and when
 * the timeline was last read back up to date from LaunchDarkly (`~timeline-read`: `~` sorts after every
 * time, so no query of releases by time meets it).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { orderedUnique, type ReleaseEvent } from '../../core/release.ts';
import { batchPut, expiry, queryEach, sortKey, type Table, WRITE_BATCH } from './table.ts';

const RELEASE_DAYS = 30;

/** Stores releases (from webhooks, the audit-log backfill, deploy events); a repeated id is the same item. */
export async function addReleases(table: Table, releases: readonly ReleaseEvent[]): Promise<void> {
  const items = orderedUnique(releases).map((r) => ({
    pk: 'release',
    sk: releaseKey(r),
    body: JSON.stringify(r),
    expiresAt: expiry(r.time, RELEASE_DAYS),
  }));
  for (let i = 0; i < items.length; i += WRITE_BATCH) await batchPut(table, items.slice(i, i + WRITE_BATCH));
}

/** The releases up to `until`, in order, each once. */
export async function releasesUntil(table: Table, until: number): Promise<ReleaseEvent[]> {
  const releases: ReleaseEvent[] = [];
  await queryEach(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND sk <= :until',
      // The upper bound sorts after every id at that millisecond.
      ExpressionAttributeValues: { ':pk': 'release', ':until': `${new Date(until).toISOString()}#\uffff` },
    },
    (item) => releases.push(JSON.parse(item.body as string) as ReleaseEvent),
  );
  return orderedUnique(releases);
}

function releaseKey(release: ReleaseEvent): string {
  return sortKey(`${new Date(release.time).toISOString()}#${release.id}`);
}

const TIMELINE_READ_KEY = { pk: 'release', sk: '~timeline-read' };

/** Records that the timeline was read back up to date at `time` (the backfill, once it read the audit log's newest page whole). */
export async function markTimelineRead(table: Table, time: number): Promise<void> {
  await batchPut(table, [{ ...TIMELINE_READ_KEY, readAt: time }]);
}

/** When the timeline was last read back up to date, if ever. */
export async function timelineReadAt(table: Table): Promise<number | undefined> {
  const { Item } = await table.client.send(new GetCommand({ TableName: table.name, Key: TIMELINE_READ_KEY }));
  return typeof Item?.readAt === 'number' ? Item.readAt : undefined;
}
