/**
 * A shard's head (`guardrail`/`shard#<id>`): its state but for the series, the log of saved
 * evaluations, and a summary of the series for the gate, which reads heads only.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { isBusy } from '../../core/cadence.ts';
import type { GuardrailConfig } from '../../core/config-schema.ts';
import { InputError, parseInput, StateConflictError } from '../../core/errors.ts';
import type { FlagMemory } from '../../core/freeze.ts';
import { newSeriesState, type SeriesState } from '../../core/series.ts';
import { type GuardrailState, newGuardrailState } from '../../core/state.ts';
import { seriesRefSchema, stateFieldsSchema } from '../../core/state-schema.ts';
import '../../core/zod-messages.ts';
import { loadLegacyState } from './legacy.ts';
import { compress, decompress, type HeadFields, type LogEntry } from './series-log.ts';
import { type Item, itemName, queryAll, type Table } from './table.ts';

/** Series named in the gate's summary, at most, per list. */
const SUMMARY_LIMIT = 200;

type SeriesRef = Pick<SeriesState, 'key' | 'signal' | 'cluster' | 'dimensions'>;

/** What the gate reads of a shard's series, kept in its head: the gate never loads series. */
interface GateSummary {
  readonly blind: SeriesRef[];
  /** Series of signals with a headroom whose latest value is above it. */
  readonly overHeadroom: Array<SeriesRef & { readonly time: number; readonly value: number }>;
}

export interface StoredHead extends HeadFields {
  readonly log: LogEntry[];
  readonly gate?: GateSummary;
}

/**
 * A head's body is compressed JSON: release watches name each broker's series, so a shard of a
 * thousand series watching a few releases outgrows an item as text (355 KB; 10x less compressed).
 */
export function encodeHead(head: StoredHead): Uint8Array {
  return compress(head);
}

/** The state's fields, as a state file's are checked, and the head's own: its log and the gate's summary. */
const headSchema = z.extend(stateFieldsSchema, {
  log: z.array(z.tuple([z.number(), z.string(), z.number(), z.enum(['p', 's'])])),
  gate: z.optional(
    z.looseObject({
      blind: z.array(seriesRefSchema),
      overHeadroom: z.array(z.extend(seriesRefSchema, { time: z.number(), value: z.number() })),
    }),
  ),
});

/**
 * A head's body, compressed or (saved before compression) JSON text, checked: a corrupt head, or
 * one in a format this code does not read, is an InputError naming the item and the field.
 */
export function readHead(item: Item): StoredHead {
  const body = typeof item.body === 'string' ? JSON.parse(item.body) : decompress<unknown>(item.body as Uint8Array);
  parseInput(headSchema, body, { file: itemName(item) });
  return body as StoredHead;
}

export const headKey = (shard: string) => ({ pk: 'guardrail', sk: `shard#${shard}` });

/** Puts a shard's head of revision `loaded + 1` if the head is still the one the run loaded. */
export async function putHead(table: Table, shard: string, state: GuardrailState, loaded: number, head: Uint8Array): Promise<void> {
  try {
    await table.client.send(
      new PutCommand({
        TableName: table.name,
        Item: { ...headKey(shard), revision: loaded + 1, evaluatedAt: state.evaluatedAt, busy: isBusy(state), body: head },
        ConditionExpression: 'attribute_not_exists(pk) OR revision = :loaded',
        ExpressionAttributeValues: { ':loaded': loaded },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new StateConflictError();
    throw error;
  }
}

/** Blind series, and those over their signal's headroom: what the gate reads of series. */
export function gateSummary(series: Record<string, SeriesState>, config: GuardrailConfig): GateSummary {
  const headroom = new Map(config.signals.flatMap((s) => (s.headroomPercent === undefined ? [] : [[s.name, s.headroomPercent] as const])));
  const ref = ({ key, signal, cluster, dimensions }: SeriesState): SeriesRef => ({ key, signal, cluster, dimensions });
  const blind: SeriesRef[] = [];
  const overHeadroom: GateSummary['overHeadroom'] = [];
  for (const s of Object.values(series)) {
    if (s.blind && blind.length < SUMMARY_LIMIT) blind.push(ref(s));
    const limit = headroom.get(s.signal);
    const value = s.history.values.at(-1);
    if (limit !== undefined && value !== undefined && value > limit && overHeadroom.length < SUMMARY_LIMIT)
      overHeadroom.push({ ...ref(s), time: s.history.times.at(-1)!, value });
  }
  return { blind, overHeadroom };
}

/**
 * The guardrail as the gate reads it: every shard's head, merged (mergeHeads); before shards, the
 * one state item. Apart from DynamoStore so that the gate Lambda carries no series code. `shards`:
 * the shards the configuration plans (shards.ts): one with no head yet (clusters just added, or a
 * shard failing before its first save) watches nothing, and is said, never merged away as healthy;
 * of one no longer planned (fewer clusters), only its freezes and changes count, not its ever older evaluation.
 */
export async function loadAllHeads(table: Table, shards?: readonly string[]): Promise<GuardrailState | undefined> {
  const stored = await storedHeads(table);
  if (stored.length === 0) return loadLegacyState(table.client, table.name);
  if (!shards) return mergeHeads(stored);
  const planned = new Set(shards);
  const heads = stored.filter((item) => planned.has(shardOf(item)));
  const retired = stored.filter((item) => !planned.has(shardOf(item)));
  const missing = shards.filter((id) => !heads.some((item) => shardOf(item) === id));
  if (missing.length > 0)
    throw new InputError(
      {},
      `${missing.length === 1 ? 'shard' : 'shards'} ${missing.join(', ')} of ${shards.length} ${missing.length === 1 ? 'has' : 'have'} saved no evaluation yet: their clusters are not watched (each runs every minute; see its log if this lasts)`,
    );
  return mergeHeads(heads, retired);
}

/**
 * The shards whose heads are stored, the planned ones first: a shard no longer planned still holds
 * the freezes its detector made, which the gate keeps and an acknowledgement must be able to lift.
 */
export async function storedShards(table: Table, planned: readonly string[]): Promise<string[]> {
  return [...new Set([...planned, ...(await storedHeads(table)).map(shardOf)])];
}

/** Every shard head stored (`guardrail`/`shard#<id>`). */
function storedHeads(table: Table): Promise<Item[]> {
  const { pk, sk: prefix } = headKey('');
  return queryAll(table, pk, prefix, `${prefix}\uffff`);
}

/** The shard a head item is of (headKey's inverse). */
function shardOf(item: Item): string {
  return String(item.sk).slice(headKey('').sk.length);
}

/** Adds `from`'s entries to `into`, each replacing the one of its key only where `wins(had, next)`. */
function mergeBy<T>(into: Record<string, T>, from: Readonly<Record<string, T>>, wins: (had: T, next: T) => boolean): void {
  for (const [key, next] of Object.entries(from)) {
    const had = Object.hasOwn(into, key) ? into[key] : undefined;
    if (had === undefined || wins(had, next)) into[key] = next;
  }
}

/**
 * Every shard as the gate sees the guardrail: their heads merged (episodes, freezes, cooldowns,
 * clusters' coverage; the oldest evaluation), and of series only the blind ones and those over their headroom.
 */
export function mergeHeads(heads: readonly Item[], retired: readonly Item[] = []): GuardrailState {
  const merged = newGuardrailState();
  let evaluatedAt: number | null = Infinity;
  let coverageKnown = true;
  for (const item of heads) {
    const { log: _log, gate, ...head } = readHead(item);
    // The guardrail is as fresh as its stalest shard.
    evaluatedAt = evaluatedAt === null || head.evaluatedAt === null ? null : Math.min(evaluatedAt, head.evaluatedAt);
    merged.episodes.push(...head.episodes);
    mergeFlagMemory(merged, head);
    // Shards guard disjoint clusters: the gate reads every shard's. One that recorded none (saved
    // before coverage was) leaves the guardrail's unknown: the gate denies till that shard evaluates.
    if (!head.coverage) coverageKnown = false;
    else merged.coverage = { ...merged.coverage, ...head.coverage };
    if (head.outbox?.length) merged.outbox = [...(merged.outbox ?? []), ...head.outbox];
    const summarised = (s: SeriesRef, blind: boolean, point?: { time: number; value: number }): SeriesState => ({
      ...newSeriesState(s),
      blind,
      history: point ? { times: [point.time], values: [point.value], compacted: 0 } : { times: [], values: [], compacted: 0 },
    });
    for (const s of gate?.blind ?? []) merged.series[s.key] = summarised(s, true);
    for (const s of gate?.overHeadroom ?? []) merged.series[s.key] = summarised(s, merged.series[s.key]?.blind ?? false, s);
  }
  // A shard no longer planned watches nothing now, but what it froze stays frozen until acknowledged.
  for (const item of retired) mergeFlagMemory(merged, readHead(item));
  merged.evaluatedAt = evaluatedAt;
  if (!coverageKnown) delete merged.coverage;
  return merged;
}

/** A flag may span shards: of two shards' memories of one target, the stricter freeze, the newer percentage, the later rollback. */
function mergeFlagMemory(into: FlagMemory, head: FlagMemory): void {
  mergeBy(into.freezes, head.freezes, (a, b) => b.percent < a.percent || (b.percent === a.percent && b.since < a.since));
  mergeBy(into.setPercents, head.setPercents, (a, b) => b.time > a.time);
  mergeBy(into.lastRollbackAt, head.lastRollbackAt, (a, b) => b > a);
}
