/** DynamoDB's 400 KB item limit, checked before a save writes anything. */
import { StormguardError } from '../../core/errors.ts';
import type { SeriesState } from '../../core/series.ts';

/** DynamoDB's item limit is 400 KB, attribute names and values together: a margin below it. */
export const MAX_ITEM_BYTES = 350 * 1024;

/** A save refused because an item would exceed DynamoDB's limit: nothing was written. */
export class StateTooLargeError extends StormguardError {
  constructor(message: string) {
    super('STATE_TOO_LARGE', message);
    this.name = 'StateTooLargeError';
  }
}

/**
 * Refuses a save with an item over MAX_ITEM_BYTES, naming the series to blame where one is: the
 * configuration's bounds keep a series far below it (config-schema.ts LIMITS), so this is a
 * shard holding too many series, or a bound that failed.
 */
export function checkSizes(
  parts: readonly Uint8Array[],
  head: Uint8Array,
  checkpoints: ReadonlyMap<number, { body: Uint8Array; history: Uint8Array }>,
  byBucket: ReadonlyMap<number, readonly SeriesState[]>,
): void {
  const tooBig = (bytes: number) => bytes > MAX_ITEM_BYTES;
  const largest = (series: readonly SeriesState[]) =>
    series.map((s) => ({ key: s.key, bytes: Buffer.byteLength(JSON.stringify(s)) })).sort((a, b) => b.bytes - a.bytes)[0];
  const refuse = (what: string, bytes: number) => {
    throw new StateTooLargeError(
      `${what} is ${Math.round(bytes / 1024)} KB, more than the ${MAX_ITEM_BYTES / 1024} KB a DynamoDB item holds here (400 KB at most): nothing was saved`,
    );
  };
  for (const [bucket, { body, history }] of checkpoints) {
    if (!tooBig(body.byteLength + history.byteLength)) continue;
    const culprit = largest(byBucket.get(bucket)!);
    if (culprit && tooBig(culprit.bytes)) refuse(`the state of series ${culprit.key}`, culprit.bytes);
    refuse(`series bucket ${bucket} (split the clusters over more shards: shards.maxSeries)`, body.byteLength + history.byteLength);
  }
  for (const part of parts) if (tooBig(part.byteLength)) refuse('a journal entry (one series too large to split)', part.byteLength);
  if (tooBig(head.byteLength)) refuse("the guardrail's head (episodes, release watches, freezes, outbox), compressed,", head.byteLength);
}
