/**
 * A shard's checkpoints (`shard#<id>`/`checkpoint#<bucket>`): its series in 512 buckets, each as
 * of the revision `rev` that wrote it, compressed. A save writes about 1/CHECKPOINT_EVERY of them.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SeriesState } from '../../core/series.ts';
import { CHECKPOINT_EVERY, decodeCheckpoint } from './series-log.ts';
import { queryAll, type Table } from './table.ts';

/** A bucket's series as of revision `rev`. */
export type Bucket = { rev: number; series: Record<string, SeriesState> };

/** Every checkpoint of the partition, by bucket. */
export async function readCheckpoints(table: Table, partition: string): Promise<Map<number, Bucket>> {
  const buckets = new Map<number, Bucket>();
  for (const item of await queryAll(table, partition, 'checkpoint#', 'checkpoint#\uffff')) {
    const list = decodeCheckpoint(item.body as Uint8Array, item.history as Uint8Array);
    buckets.set(Number((item.sk as string).slice('checkpoint#'.length)), {
      rev: item.rev as number,
      series: Object.fromEntries(list.map((s) => [s.key, s])),
    });
  }
  return buckets;
}

/** Writes a bucket's checkpoint as of `revision`, never over a newer one (a later save's). */
export async function writeCheckpoint(
  table: Table,
  partition: string,
  bucket: number,
  { body, history }: { body: Uint8Array; history: Uint8Array },
  revision: number,
): Promise<void> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { pk: partition, sk: `checkpoint#${String(bucket).padStart(3, '0')}`, rev: revision, body, history },
        ConditionExpression: 'attribute_not_exists(pk) OR rev < :rev',
        ExpressionAttributeValues: { ':rev': revision },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * The buckets a save at `next` writes: all after a snapshot; else the oldest 1/CHECKPOINT_EVERY,
 * and any far behind. `known` is the revision of a bucket's newest checkpoint (-1: none).
 */
export function dueBuckets(buckets: Iterable<number>, known: (bucket: number) => number, next: number, points: boolean): number[] {
  const ordered = [...buckets].sort((a, b) => known(a) - known(b));
  return points
    ? ordered.filter((b, i) => i < Math.ceil(ordered.length / CHECKPOINT_EVERY) || next - known(b) >= 2 * CHECKPOINT_EVERY)
    : ordered;
}
