/**
 * A shard's journal (`shard#<id>`/`journal#<revision>#<run>#<part>`): what each saved evaluation
 * was given that was new, compressed, kept 3 days. Written before the head, named by the run,
 * and counted only once the head's log lists it.
 */
import type { LogEntry } from './series-log.ts';
import { batchPut, expiry, queryAll, type Table } from './table.ts';

/** Journal entries outlive the checkpoints they follow by far (each bucket is written about every 30 saves). */
const JOURNAL_DAYS = 3;

const pad = (n: number) => String(n).padStart(12, '0');

/** Writes the parts of revision `revision`'s entry, by run `runId`. */
export async function writeJournal(
  table: Table,
  partition: string,
  revision: number,
  runId: string,
  parts: readonly Uint8Array[],
  now: number,
): Promise<void> {
  const expiresAt = expiry(now, JOURNAL_DAYS);
  await batchPut(
    table,
    parts.map((body, i) => ({ pk: partition, sk: `journal#${pad(revision)}#${runId}#${i}`, body, expiresAt })),
  );
}

/** The entries the log lists, in its order; one whose parts are gone is skipped with a warning. */
export async function readJournal(
  table: Table,
  partition: string,
  shard: string,
  wanted: readonly LogEntry[],
): Promise<Array<{ revision: number; parts: Uint8Array[] }>> {
  const items = await queryAll(table, partition, `journal#${pad(wanted[0]![0])}`, `journal#${pad(wanted.at(-1)![0])}#\uffff`);
  const bodies = new Map<string, Uint8Array>();
  for (const item of items) bodies.set(item.sk as string, item.body as Uint8Array);
  const entries: Array<{ revision: number; parts: Uint8Array[] }> = [];
  for (const [rev, runId, parts] of wanted) {
    const found = Array.from({ length: parts }, (_, i) => bodies.get(`journal#${pad(rev)}#${runId}#${i}`));
    if (found.some((p) => p === undefined)) {
      console.warn(
        JSON.stringify({
          level: 'warn',
          message: `shard ${shard}: the journal entry of revision ${rev} is gone; its datapoints are missed`,
        }),
      );
      continue;
    }
    entries.push({ revision: rev, parts: found as Uint8Array[] });
  }
  return entries;
}
