/**
 * A shard's series as a load rebuilds them: from its checkpoints, or from the series this store
 * saved last, with the journal entries after them replayed (series-log.ts).
 */
import type { GuardrailConfig } from '../../core/config-schema.ts';
import type { SeriesState } from '../../core/series.ts';
import { type Bucket, readCheckpoints } from './checkpoints.ts';
import { readJournal } from './journal.ts';
import { releasesUntil } from './releases.ts';
import { type LogEntry, replayEntries } from './series-log.ts';
import type { Table } from './table.ts';

/** Where a shard's series are kept, and the configuration their journal is replayed with. */
export interface Shard {
  readonly db: Table;
  readonly partition: string;
  readonly id: string;
  readonly config: GuardrailConfig;
}

/** The series from the checkpoints, the journal entries after them replayed; and each bucket's checkpoint revision. */
export async function seriesFromCheckpoints(
  shard: Shard,
  log: readonly LogEntry[],
): Promise<{ series: Record<string, SeriesState>; checkpoints: Map<number, number> }> {
  const buckets = await readCheckpoints(shard.db, shard.partition);
  const checkpoints = new Map([...buckets].map(([b, { rev }]) => [b, rev]));
  const [first, , , kind] = log[0] ?? [];
  const stale = [...buckets].filter(([, { rev }]) => first !== undefined && kind === 'p' && rev < first - 1);
  if (stale.length > 0) {
    // Never expected (the log is kept back to the oldest checkpoint); the series carry on with a gap.
    console.warn(
      JSON.stringify({
        level: 'warn',
        message: `shard ${shard.id}: ${stale.length} series buckets are older than the journal; their series miss the datapoints in between`,
      }),
    );
  }
  await replayJournal(shard, buckets, log, -Infinity);
  return { series: merged(buckets), checkpoints };
}

/** The series saved at `revision`, brought up to the head's revision from the journal. */
export async function catchUpSeries(
  shard: Shard,
  series: Record<string, SeriesState>,
  revision: number,
  log: readonly LogEntry[],
  bucketOf: (key: string) => number,
): Promise<Record<string, SeriesState>> {
  const buckets = new Map<number, Bucket>();
  for (const [key, s] of Object.entries(series)) {
    const b = bucketOf(key);
    let held = buckets.get(b);
    if (!held) {
      held = { rev: revision, series: {} };
      buckets.set(b, held);
    }
    held.series[key] = s;
  }
  await replayJournal(shard, buckets, log, revision);
  return merged(buckets);
}

/** Replays onto `buckets` the journal entries after revision `after`. */
async function replayJournal(shard: Shard, buckets: Map<number, Bucket>, log: readonly LogEntry[], after: number): Promise<void> {
  const wanted = log.filter(([rev]) => rev > after);
  if (wanted.length === 0) return;
  const entries = await readJournal(shard.db, shard.partition, shard.id, wanted);
  const releases = await releasesUntil(shard.db, Date.parse('9999-12-31T00:00:00Z'));
  replayEntries(buckets, entries, (until) => releases.filter((r) => r.time <= until), shard.config);
}

function merged(buckets: ReadonlyMap<number, Bucket>): Record<string, SeriesState> {
  return Object.assign({}, ...[...buckets.values()].map((b) => b.series)) as Record<string, SeriesState>;
}
