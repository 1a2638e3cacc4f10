/**
 * How the DynamoDB store keeps series state cheaply: checkpoints and a journal.
 *
 * A series' state (its detector and 13 hours of history, about 7.5 KB of JSON) changes with every
 * datapoint, but what changes it is small: the datapoints themselves. So each saved evaluation
 * writes a journal entry, the datapoints it was given that were new to the state (a few bytes a
 * series), and the series are checkpointed in buckets, round robin, each about every
 * CHECKPOINT_EVERY evaluations. The state is the newest checkpoint of each bucket with the journal
 * entries after it replayed through the same evaluation (core/evaluation.ts), which is
 * deterministic: the same state, bit for bit, at a small fraction of the writes.
 *
 * Pure: encoding, decoding and replay; the store does the I/O.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { GuardrailConfig } from '../../core/config.ts';
import { evaluate } from '../../core/evaluation.ts';
import type { MetricSeries } from '../../core/metric-series.ts';
import type { ReleaseEvent } from '../../core/release.ts';
import type { SeriesState } from '../../core/series.ts';
import type { GuardrailState } from '../../core/state.ts';

/** Series are checkpointed in this many buckets, by a hash of their key. */
export const BUCKETS = 512;
/** A bucket is checkpointed about every this many saved evaluations (round robin, oldest first). */
export const CHECKPOINT_EVERY = 30;
/** Compressed journal parts stay under this, well within DynamoDB's 400 KB item limit. */
const PART_BYTES = 300 * 1024;

/** The state without its series: what every save writes whole (the shard's head). */
export type HeadFields = Omit<GuardrailState, 'series' | 'revision'>;

/** One saved evaluation in the head's log: its revision, the run that saved it, its journal parts, its kind. */
export type LogEntry = readonly [revision: number, runId: string, parts: number, kind: 'p' | 's'];

/** A journal entry: the datapoints one evaluation was given ('p'), or the series whole ('s': a snapshot). */
export type JournalEntry =
  | { readonly kind: 'p'; readonly now: number; readonly before: HeadFields; readonly series: readonly MetricSeries[] }
  | { readonly kind: 's'; readonly series: readonly SeriesState[] };

/** FNV-1a of the key, into BUCKETS. */
export function bucketOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % BUCKETS;
}

export function compress(value: unknown): Uint8Array {
  return gzipSync(JSON.stringify(value), { level: 1 });
}

export function decompress<T>(body: Uint8Array): T {
  return JSON.parse(gunzipSync(body).toString('utf8')) as T;
}

/**
 * A bucket's checkpoint: the series without their history as compressed JSON (`body`), and the
 * histories as float64s (`history`: per series its length, then times, then values, in `body`'s
 * order). Histories are most of a series and most of the time it takes to write one; as numbers
 * they are copied, not printed and compressed.
 */
export function encodeCheckpoint(series: readonly SeriesState[]): { body: Uint8Array; history: Uint8Array } {
  let length = 0;
  for (const s of series) length += 1 + 2 * s.history.times.length;
  const numbers = new Float64Array(length);
  let at = 0;
  for (const { history } of series) {
    numbers[at++] = history.times.length;
    numbers.set(history.times, at);
    numbers.set(history.values, at + history.times.length);
    at += 2 * history.times.length;
  }
  const body = compress(series.map((s) => ({ ...s, history: { compacted: s.history.compacted } })));
  return { body, history: new Uint8Array(numbers.buffer) };
}

export function decodeCheckpoint(body: Uint8Array, history: Uint8Array): SeriesState[] {
  const series = decompress<Array<Omit<SeriesState, 'history'> & { history: { compacted: number } }>>(body);
  // The binary attribute may sit at any offset of its buffer: copy it to an aligned one.
  const numbers = new Float64Array(new Uint8Array(history).buffer);
  let at = 0;
  return series.map((s) => {
    const n = numbers[at++]!;
    const times = Array.from(numbers.subarray(at, at + n));
    const values = Array.from(numbers.subarray(at + n, at + 2 * n));
    at += 2 * n;
    return { ...s, history: { times, values, compacted: s.history.compacted } };
  });
}

/**
 * A points entry in parts, each under PART_BYTES compressed: `[key, time offsets back from now,
 * values, signal, cluster, dimensions]` per series, the last three only for series new to the state.
 */
export function encodePoints(
  now: number,
  before: HeadFields,
  series: readonly MetricSeries[],
  known: (key: string) => boolean,
): Uint8Array[] {
  const rows = series.map((s) => {
    const row: unknown[] = [s.key, s.points.map((p) => now - p.time), s.points.map((p) => p.value)];
    if (!known(s.key)) row.push(s.signal, s.cluster, s.dimensions);
    return row;
  });
  return split(rows, (chunk, first) => compress({ k: 'p', now, ...(first ? { before } : {}), s: chunk }));
}

/** A snapshot entry in parts: the series whole. */
export function encodeSnapshot(series: readonly SeriesState[]): Uint8Array[] {
  return split(series, (chunk) => compress({ k: 's', s: chunk }));
}

/** Encodes rows in as few parts as fit, halving a chunk that does not. */
function split<T>(rows: readonly T[], encode: (chunk: readonly T[], first: boolean) => Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  const go = (chunk: readonly T[]) => {
    const body = encode(chunk, parts.length === 0);
    if (body.byteLength <= PART_BYTES || chunk.length <= 1) return void parts.push(body);
    const half = chunk.length >> 1;
    go(chunk.slice(0, half));
    go(chunk.slice(half));
  };
  go(rows);
  return parts;
}

/** Decodes an entry from its parts, in order; `meta` gives a series already known its signal, cluster and dimensions. */
export function decodeEntry(
  parts: readonly Uint8Array[],
  meta: (key: string) => Pick<MetricSeries, 'signal' | 'cluster' | 'dimensions'> | undefined,
): JournalEntry {
  const decoded = parts.map((p) => decompress<{ k: 'p' | 's'; now?: number; before?: HeadFields; s: unknown[] }>(p));
  if (decoded[0]!.k === 's') return { kind: 's', series: decoded.flatMap((d) => d.s as SeriesState[]) };
  const now = decoded[0]!.now!;
  const series: MetricSeries[] = [];
  for (const d of decoded) {
    for (const row of d.s as Array<[string, number[], Array<number | null>, string?, string?, Record<string, string>?]>) {
      const [key, back, values, signal, cluster, dimensions] = row;
      const known = signal === undefined ? meta(key) : { signal, cluster: cluster!, dimensions: dimensions! };
      if (!known) continue; // a series new to a bucket checkpointed since: the checkpoint has it
      // JSON has no NaN or Infinity: they come back null, which the detector counts invalid as it did them.
      series.push({ key, ...known, points: back.map((b, i) => ({ time: now - b, value: values[i] ?? Number.NaN })) });
    }
  }
  return { kind: 'p', now, before: decoded[0]!.before!, series };
}

/**
 * Brings series buckets up to date: each entry (in revision order) is replayed on the buckets
 * checkpointed before it, through the evaluation itself on a scratch state that holds what the
 * original run's state held (`before`), with the releases known now. Series it creates join their
 * bucket. Entries are decoded as they are replayed: a later one names series an earlier one made.
 */
export function replayEntries(
  buckets: Map<number, { rev: number; series: Record<string, SeriesState> }>,
  entries: ReadonlyArray<{ revision: number; parts: readonly Uint8Array[] }>,
  releases: (until: number) => readonly ReleaseEvent[],
  config: GuardrailConfig,
): void {
  const bucket = (b: number) => {
    let found = buckets.get(b);
    if (!found) {
      found = { rev: -1, series: {} };
      buckets.set(b, found);
    }
    return found;
  };
  const meta = (key: string) => buckets.get(bucketOf(key))?.series[key];
  for (const { revision, parts } of entries) {
    const entry = decodeEntry(parts, meta);
    if (entry.kind === 's') {
      for (const held of buckets.values()) if (held.rev < revision) held.series = {};
      for (const s of entry.series) {
        const held = bucket(bucketOf(s.key));
        if (held.rev < revision) held.series[s.key] = s;
      }
      continue;
    }
    const behind = (b: number) => (buckets.get(b)?.rev ?? -1) < revision;
    const series: Record<string, SeriesState> = {};
    for (const held of buckets.values()) if (held.rev < revision) Object.assign(series, held.series);
    const input = entry.series.filter((s) => behind(bucketOf(s.key)));
    const scratch: GuardrailState = { ...entry.before, revision: 0, series };
    evaluate(scratch, { now: entry.now, series: input, releases: releases(entry.now) }, config);
    for (const [key, s] of Object.entries(scratch.series)) {
      const held = bucket(bucketOf(key));
      if (held.rev < revision) held.series[key] = s;
    }
  }
}
