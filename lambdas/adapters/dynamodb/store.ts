/**
 * The DynamoDB StateStore and ReleaseLog: one table, keys `pk` and `sk` (strings), `expiresAt`
 * (epoch seconds) for DynamoDB's time to live.
 *
 * | pk               | sk                    | what                                                            |
 * |------------------|-----------------------|-----------------------------------------------------------------|
 * | `guardrail`      | `shard#<id>`          | a shard's head: episodes, freezes, cooldowns, the last evaluation, the log of saved evaluations, a summary for the gate; `revision` |
 * | `shard#<id>`     | `checkpoint#<bucket>` | the shard's series in one of 512 buckets (by a hash of their key), as of revision `rev`, compressed JSON |
 * | `shard#<id>`     | `journal#<revision>#<run>#<part>` | what one saved evaluation was given that was new: its datapoints (compressed); expires after 3 days |
 * | `decision`       | `<decision id>`       | a decision, written before it is acted on; its `outcome` after; expires after 400 days |
 * | `alert`          | `<alert id> → <notifier>` | one alert's delivery to one notifier: `claimedAt` (the evaluation), `sentAt`; expires after 30 days |
 * | `release`        | `<ISO time>#<id>`     | a release (rollout step or deploy); expires after 30 days       |
 *
 * A shard's series are its checkpoints with the journal entries after them replayed
 * (series-log.ts): a save writes its journal entry (a few bytes a series), the head (a few KB),
 * and about 1/30 of the buckets; a whole series is written about every 30 saves instead of every
 * one. A store keeps the state it saved in memory: the next load of the same container reads the
 * head only, and catches up from the journal when another container saved since. (Series loaded
 * from checkpoints come in bucket order, not in the order they were first seen: alerts about
 * several signals at once may be listed in another order.)
 *
 * Two runs that overlap (EventBridge delivers at least once) cannot both act or both save:
 * a decision is put only if its id is new (`attribute_not_exists`), and the head only if its
 * revision is the one that run loaded (the other gets StateConflictError). Journal entries are
 * written before the head, named by their run, and count only once the head lists them;
 * checkpoints after it, by the run whose head was saved, never over a newer one.
 *
 * A decision carries `alertPending` until its alert is delivered, and `claimedAt`, the evaluation
 * that holds it: a later evaluation takes an unfinished one over with a conditional update
 * (`claimedAt < now`), so of two copies of one run only one resumes it. Alert deliveries are
 * claimed the same way.
 *
 * The layout before shards (`guardrail`/`state` and one `series#<key>` item per series, legacy.ts)
 * is read once, for shard '0', when that shard has no head yet.
 */

import { createHash, randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type CadenceState, isBusy } from '../../core/cadence.ts';
import { defaultConfig, type GuardrailConfig } from '../../core/config.ts';
import type { Decision, Outcome } from '../../core/decision.ts';
import { StateConflictError, StormguardError } from '../../core/errors.ts';
import { orderedUnique, type ReleaseEvent } from '../../core/release.ts';
import { newSeriesState, type SeriesState } from '../../core/series.ts';
import { type GuardrailState, newGuardrailState } from '../../core/state.ts';
import type { AlertClaim, EvaluatedInput, PendingDecision, ReleaseLog, StateStore } from '../../ports.ts';
import { loadLegacyState } from './legacy.ts';
import {
  bucketOf,
  CHECKPOINT_EVERY,
  decodeCheckpoint,
  encodeCheckpoint,
  encodePoints,
  encodeSnapshot,
  type HeadFields,
  type LogEntry,
  replayEntries,
} from './series-log.ts';

/** DynamoDB's item limit is 400 KB, attribute names and values together: a margin below it. */
export const MAX_ITEM_BYTES = 350 * 1024;
/** DynamoDB's key limits: 2048 bytes for the partition key, 1024 for the sort key. */
const MAX_SK_BYTES = 1024;

/** A save refused because an item would exceed DynamoDB's limit: nothing was written. */
export class StateTooLargeError extends StormguardError {
  constructor(message: string) {
    super('STATE_TOO_LARGE', message);
    this.name = 'StateTooLargeError';
  }
}

/** A key within `maxBytes`: as it is, or its start and a SHA-256 of the whole. */
export function boundedKey(key: string, maxBytes: number): string {
  if (Buffer.byteLength(key) <= maxBytes) return key;
  const hash = createHash('sha256').update(key).digest('hex');
  // Characters, not bytes, are cut: a quarter of the budget is safe whatever the encoding.
  return `${[...key].slice(0, Math.floor((maxBytes - hash.length - 1) / 4)).join('')}#${hash}`;
}

const sortKey = (key: string) => boundedKey(key, MAX_SK_BYTES);

/**
 * Refuses a save with an item over MAX_ITEM_BYTES, naming the series to blame where one is: the
 * configuration's bounds keep a series far below it (config-schema.ts LIMITS), so this is a
 * shard holding too many series, or a bound that failed.
 */
function checkSizes(
  parts: readonly Uint8Array[],
  head: StoredHead,
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
  const headBytes = Buffer.byteLength(JSON.stringify(head));
  if (tooBig(headBytes)) refuse("the guardrail's head (episodes, freezes, outbox)", headBytes);
}

/** BatchGetItem and BatchWriteItem limits. */
const WRITE_BATCH = 25;
const DECISION_DAYS = 400;
const RELEASE_DAYS = 30;
const ALERT_DAYS = 30;
/** Journal entries outlive the checkpoints they follow by far (each bucket is written about every 30 saves). */
const JOURNAL_DAYS = 3;
/** Unprocessed batch items are retried this many times, with backoff, before giving up. */
const BATCH_RETRIES = 5;
/** Series named in the gate's summary, at most, per list. */
const SUMMARY_LIMIT = 200;
/** Checkpoints written at once. */
const CHECKPOINT_CONCURRENCY = 8;
/** A head read for the cadence serves the load that follows it within this. */
const PEEK_MS = 5_000;

export interface DynamoStoreOptions {
  /** The shard whose state this store keeps. @default '0' */
  readonly shard?: string;
  /** The configuration the journal is replayed with and the gate's summary drawn with: the detector's. @default the embedded defaults */
  readonly config?: GuardrailConfig;
}

type SeriesRef = Pick<SeriesState, 'key' | 'signal' | 'cluster' | 'dimensions'>;

/** What the gate reads of a shard's series, kept in its head: the gate never loads series. */
interface GateSummary {
  readonly blind: SeriesRef[];
  /** Series of signals with a headroom whose latest value is above it. */
  readonly overHeadroom: Array<SeriesRef & { readonly time: number; readonly value: number }>;
}

interface StoredHead extends HeadFields {
  readonly log: LogEntry[];
  readonly gate?: GateSummary;
}

/** What a load knew, for the save of the same state. */
interface Loaded {
  readonly revision: number;
  /** The head as loaded: the journal entry's `before`. */
  readonly body: string;
  readonly log: readonly LogEntry[];
  /** Series in the state when loaded: the journal names the others in full. */
  readonly known: ReadonlySet<string>;
  /** The series are checkpoints and journal entries (false: carried over from elsewhere; the save writes them whole). */
  readonly reproducible: boolean;
}

type Item = Record<string, unknown>;

export class DynamoStore implements StateStore, ReleaseLog {
  readonly shard: string;
  private readonly config: GuardrailConfig;
  /** The state this store saved last, while no run holds it. */
  private cache: { revision: number; state: GuardrailState; lent: boolean } | undefined;
  /** The revision of each bucket's newest checkpoint, as far as this store knows (never newer than it is). */
  private checkpoints = new Map<number, number>();
  private readonly loads = new WeakMap<GuardrailState, Loaded>();
  private readonly buckets = new Map<string, number>();
  private peeked: { item: Item | undefined; at: number } | undefined;

  constructor(
    private readonly client: Pick<DynamoDBDocumentClient, 'send'>,
    private readonly table: string,
    options: DynamoStoreOptions = {},
  ) {
    this.shard = options.shard ?? '0';
    this.config = options.config ?? defaultConfig();
  }

  private get headKey() {
    return { pk: 'guardrail', sk: `shard#${this.shard}` };
  }

  private get partition() {
    return `shard#${this.shard}`;
  }

  async cadence(): Promise<CadenceState> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.table, Key: this.headKey, ConsistentRead: true }));
    this.peeked = { item: Item, at: Date.now() };
    return { evaluatedAt: (Item?.evaluatedAt as number | null | undefined) ?? null, busy: Item?.busy === true };
  }

  async load(): Promise<GuardrailState | undefined> {
    const peeked = this.peeked && Date.now() - this.peeked.at < PEEK_MS ? this.peeked.item : undefined;
    this.peeked = undefined;
    const head =
      peeked ?? (await this.client.send(new GetCommand({ TableName: this.table, Key: this.headKey, ConsistentRead: true }))).Item;
    if (!head) return this.shard === '0' ? this.carryOver() : undefined;
    const revision = head.revision as number;
    const body = head.body as string;
    const { log, gate: _gate, ...fields } = JSON.parse(body) as StoredHead;
    const cache = this.cache && !this.cache.lent ? this.cache : undefined;
    if (cache && cache.revision === revision) {
      // Nobody saved since this container did: its state is the head's, and knows more (the
      // alerts the run delivered after saving are out of its outbox: they leave the head at the next save).
      cache.lent = true;
      this.loads.set(cache.state, { revision, body, log, known: new Set(Object.keys(cache.state.series)), reproducible: true });
      return cache.state;
    }
    let series: Record<string, SeriesState>;
    if (cache && cache.revision < revision && (log[0]?.[0] ?? Infinity) <= cache.revision + 1) {
      series = await this.catchUp(cache.state.series, cache.revision, log);
    } else {
      series = await this.loadSeries(log);
    }
    if (cache) cache.lent = true;
    const state: GuardrailState = { ...fields, revision, series };
    this.loads.set(state, { revision, body, log, known: new Set(Object.keys(series)), reproducible: true });
    return state;
  }

  /** A deployment from before shards: its state, to be saved whole in the new layout. */
  private async carryOver(): Promise<GuardrailState | undefined> {
    const state = await loadLegacyState(this.client, this.table);
    if (!state) return undefined;
    const carried = { ...state, revision: 0 };
    this.loads.set(carried, { revision: 0, body: '{}', log: [], known: new Set(), reproducible: false });
    return carried;
  }

  /** The series from the checkpoints, and the journal entries after them replayed. */
  private async loadSeries(log: readonly LogEntry[]): Promise<Record<string, SeriesState>> {
    const buckets = new Map<number, { rev: number; series: Record<string, SeriesState> }>();
    for (const item of await this.queryAll('checkpoint#', 'checkpoint#\uffff')) {
      const list = decodeCheckpoint(item.body as Uint8Array, item.history as Uint8Array);
      buckets.set(Number((item.sk as string).slice('checkpoint#'.length)), {
        rev: item.rev as number,
        series: Object.fromEntries(list.map((s) => [s.key, s])),
      });
    }
    this.checkpoints = new Map([...buckets].map(([b, { rev }]) => [b, rev]));
    const [first, , , kind] = log[0] ?? [];
    const stale = [...buckets].filter(([, { rev }]) => first !== undefined && kind === 'p' && rev < first - 1);
    if (stale.length > 0) {
      // Never expected (the log is kept back to the oldest checkpoint); the series carry on with a gap.
      console.warn(
        JSON.stringify({
          level: 'warn',
          message: `shard ${this.shard}: ${stale.length} series buckets are older than the journal; their series miss the datapoints in between`,
        }),
      );
    }
    await this.replay(buckets, log, -Infinity);
    return Object.assign({}, ...[...buckets.values()].map((b) => b.series)) as Record<string, SeriesState>;
  }

  /** The series this store saved at `revision`, brought up to the head's revision from the journal. */
  private async catchUp(
    series: Record<string, SeriesState>,
    revision: number,
    log: readonly LogEntry[],
  ): Promise<Record<string, SeriesState>> {
    const buckets = new Map<number, { rev: number; series: Record<string, SeriesState> }>();
    for (const [key, s] of Object.entries(series)) {
      const b = this.bucket(key);
      let held = buckets.get(b);
      if (!held) {
        held = { rev: revision, series: {} };
        buckets.set(b, held);
      }
      held.series[key] = s;
    }
    await this.replay(buckets, log, revision);
    return Object.assign({}, ...[...buckets.values()].map((b) => b.series)) as Record<string, SeriesState>;
  }

  private async replay(
    buckets: Map<number, { rev: number; series: Record<string, SeriesState> }>,
    log: readonly LogEntry[],
    after: number,
  ): Promise<void> {
    const wanted = log.filter(([rev]) => rev > after);
    if (wanted.length === 0) return;
    const pad = (n: number) => String(n).padStart(12, '0');
    const items = await this.queryAll(`journal#${pad(wanted[0]![0])}`, `journal#${pad(wanted.at(-1)![0])}#\uffff`);
    const bodies = new Map<string, Uint8Array>();
    for (const item of items) bodies.set(item.sk as string, item.body as Uint8Array);
    const entries: Array<{ revision: number; parts: Uint8Array[] }> = [];
    for (const [rev, runId, parts] of wanted) {
      const found = Array.from({ length: parts }, (_, i) => bodies.get(`journal#${pad(rev)}#${runId}#${i}`));
      if (found.some((p) => p === undefined)) {
        console.warn(
          JSON.stringify({
            level: 'warn',
            message: `shard ${this.shard}: the journal entry of revision ${rev} is gone; its datapoints are missed`,
          }),
        );
        continue;
      }
      entries.push({ revision: rev, parts: found as Uint8Array[] });
    }
    const releases = await this.releases(Date.parse('9999-12-31T00:00:00Z'));
    replayEntries(buckets, entries, (until) => releases.filter((r) => r.time <= until), this.config);
  }

  async save(state: GuardrailState, evaluated?: EvaluatedInput): Promise<void> {
    const loaded = this.loads.get(state);
    const { series, revision, ...fields } = state;
    const next = revision + 1;
    const runId = randomBytes(4).toString('hex');
    const now = state.evaluatedAt ?? Date.now();
    const points = loaded?.reproducible && evaluated && loaded.revision === revision;
    const before = points ? (({ log: _log, gate: _gate, ...rest }) => rest)(JSON.parse(loaded.body) as StoredHead) : undefined;
    const parts = points
      ? encodePoints(evaluated.now, before!, evaluated.series, (key) => loaded.known.has(key))
      : encodeSnapshot(Object.values(series));
    const pad = String(next).padStart(12, '0');
    const expiresAt = expiry(now, JOURNAL_DAYS);

    // Buckets by the oldest checkpoint this store knows of: the log goes back to it.
    const byBucket = new Map<number, SeriesState[]>();
    for (const s of Object.values(series)) {
      const b = this.bucket(s.key);
      const list = byBucket.get(b);
      if (list) list.push(s);
      else byBucket.set(b, [s]);
    }
    const known = (b: number) => this.checkpoints.get(b) ?? -1;
    const oldest = Math.min(...[...byBucket.keys()].map(known));
    const log: LogEntry[] = [
      ...(points ? loaded.log.filter(([rev]) => rev > oldest) : []),
      [next, runId, parts.length, points ? 'p' : 's'],
    ];
    const head: StoredHead = { ...fields, log, gate: this.summary(series) };
    // Checkpoints: all after a snapshot; else the oldest 1/CHECKPOINT_EVERY, and any far behind.
    const ordered = [...byBucket.keys()].sort((a, b) => known(a) - known(b));
    const due = points
      ? ordered.filter((b, i) => i < Math.ceil(ordered.length / CHECKPOINT_EVERY) || next - known(b) >= 2 * CHECKPOINT_EVERY)
      : ordered;
    // Everything this save writes is encoded and weighed before the first write: nothing half-saved.
    const checkpoints = new Map(due.map((b) => [b, encodeCheckpoint(byBucket.get(b)!)]));
    checkSizes(parts, head, checkpoints, byBucket);
    await this.batchPut(parts.map((body, i) => ({ pk: this.partition, sk: `journal#${pad}#${runId}#${i}`, body, expiresAt })));

    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.headKey, revision: next, evaluatedAt: state.evaluatedAt, busy: isBusy(state), body: JSON.stringify(head) },
          ConditionExpression: 'attribute_not_exists(pk) OR revision = :loaded',
          ExpressionAttributeValues: { ':loaded': revision },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError();
      throw error;
    }
    state.revision = next;
    this.cache = undefined;

    for (let i = 0; i < due.length; i += CHECKPOINT_CONCURRENCY) {
      await Promise.all(due.slice(i, i + CHECKPOINT_CONCURRENCY).map((b) => this.checkpoint(b, checkpoints.get(b)!, next)));
    }
    this.cache = { revision: next, state, lent: false };
    this.loads.set(state, { revision: next, body: JSON.stringify(head), log, known: new Set(Object.keys(series)), reproducible: true });
  }

  private async checkpoint(bucket: number, { body, history }: { body: Uint8Array; history: Uint8Array }, revision: number): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: this.partition, sk: `checkpoint#${String(bucket).padStart(3, '0')}`, rev: revision, body, history },
          ConditionExpression: 'attribute_not_exists(pk) OR rev < :rev',
          ExpressionAttributeValues: { ':rev': revision },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    if ((this.checkpoints.get(bucket) ?? -1) < revision) this.checkpoints.set(bucket, revision);
  }

  private bucket(key: string): number {
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = bucketOf(key);
      this.buckets.set(key, b);
    }
    return b;
  }

  /** Blind series, and those over their signal's headroom: what the gate reads of series. */
  private summary(series: Record<string, SeriesState>): GateSummary {
    const headroom = new Map(
      this.config.signals.flatMap((s) => (s.headroomPercent === undefined ? [] : [[s.name, s.headroomPercent] as const])),
    );
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
   * Every shard as the gate sees the guardrail: their heads merged (episodes, freezes, cooldowns;
   * the oldest evaluation), and of series only the blind ones and those over their headroom.
   */
  async loadAll(): Promise<GuardrailState | undefined> {
    const heads = await this.queryAll('shard#', 'shard#\uffff', 'guardrail');
    if (heads.length === 0) return loadLegacyState(this.client, this.table);
    const merged = newGuardrailState();
    let evaluatedAt: number | null = Infinity;
    for (const item of heads) {
      const { log: _log, gate, ...head } = JSON.parse(item.body as string) as StoredHead;
      // The guardrail is as fresh as its stalest shard.
      evaluatedAt = evaluatedAt === null || head.evaluatedAt === null ? null : Math.min(evaluatedAt, head.evaluatedAt);
      merged.episodes.push(...head.episodes);
      Object.assign(merged.freezes, head.freezes);
      Object.assign(merged.setPercents, head.setPercents);
      Object.assign(merged.lastRollbackAt, head.lastRollbackAt);
      if (head.outbox?.length) merged.outbox = [...(merged.outbox ?? []), ...head.outbox];
      const summarised = (s: SeriesRef, blind: boolean, point?: { time: number; value: number }): SeriesState => ({
        ...newSeriesState(s),
        blind,
        history: point ? { times: [point.time], values: [point.value], compacted: 0 } : { times: [], values: [], compacted: 0 },
      });
      for (const s of gate?.blind ?? []) merged.series[s.key] = summarised(s, true);
      for (const s of gate?.overHeadroom ?? []) merged.series[s.key] = summarised(s, merged.series[s.key]?.blind ?? false, s);
    }
    merged.evaluatedAt = evaluatedAt;
    return merged;
  }

  private async queryAll(from: string, to: string, pk = this.partition): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': pk, ':from': from, ':to': to },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async recordDecision(decision: Decision): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: 'decision',
            sk: sortKey(decision.id),
            body: JSON.stringify(decision),
            time: decision.time,
            claimedAt: decision.time,
            alertPending: true,
            expiresAt: expiry(decision.time, DECISION_DAYS),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'decision', sk: sortKey(decisionId) },
        UpdateExpression: 'SET outcome = :outcome',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':outcome': JSON.stringify(outcome) },
      }),
    );
  }

  async pendingDecisions(since: number): Promise<PendingDecision[]> {
    const pending: PendingDecision[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          FilterExpression: 'alertPending = :true AND #time >= :since',
          ExpressionAttributeNames: { '#time': 'time' },
          ExpressionAttributeValues: { ':pk': 'decision', ':true': true, ':since': since },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        pending.push({
          decision: JSON.parse(item.body as string) as Decision,
          ...(item.outcome ? { outcome: JSON.parse(item.outcome as string) as Outcome } : {}),
        });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return pending;
  }

  async resumeDecision(decisionId: string, now: number): Promise<boolean> {
    return this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'decision', sk: sortKey(decisionId) },
        UpdateExpression: 'SET claimedAt = :now',
        ConditionExpression: 'alertPending = :true AND claimedAt < :now',
        ExpressionAttributeValues: { ':now': now, ':true': true },
      }),
    );
  }

  async recordAlerted(decisionId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'decision', sk: decisionId },
        UpdateExpression: 'REMOVE alertPending',
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async claimAlert(key: string, now: number): Promise<AlertClaim> {
    const claimed = await this.conditionally(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'alert', sk: sortKey(key) },
        UpdateExpression: 'SET claimedAt = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_not_exists(sentAt) AND claimedAt < :now)',
        ExpressionAttributeValues: { ':now': now, ':expires': expiry(now, ALERT_DAYS) },
      }),
    );
    if (claimed) return 'claimed';
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { pk: 'alert', sk: sortKey(key) }, ConsistentRead: true }),
    );
    return Item?.sentAt !== undefined ? 'sent' : 'taken';
  }

  async recordAlertSent(key: string, now: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: 'alert', sk: key },
        UpdateExpression: 'SET sentAt = :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }

  /** A conditional write: false when its condition did not hold. */
  private async conditionally(command: UpdateCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Stores releases (from webhooks, the audit-log backfill, deploy events); a repeated id is the same item. */
  async addReleases(releases: readonly ReleaseEvent[]): Promise<void> {
    const items = orderedUnique(releases).map((r) => ({
      pk: 'release',
      sk: releaseKey(r),
      body: JSON.stringify(r),
      expiresAt: expiry(r.time, RELEASE_DAYS),
    }));
    for (let i = 0; i < items.length; i += WRITE_BATCH) await this.batchPut(items.slice(i, i + WRITE_BATCH));
  }

  async releases(until: number): Promise<ReleaseEvent[]> {
    const releases: ReleaseEvent[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk <= :until',
          // The upper bound sorts after every id at that millisecond.
          ExpressionAttributeValues: { ':pk': 'release', ':until': `${new Date(until).toISOString()}#\uffff` },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) releases.push(JSON.parse(item.body as string) as ReleaseEvent);
      start = page.LastEvaluatedKey;
    } while (start);
    return orderedUnique(releases);
  }

  private async batchPut(items: Array<Record<string, unknown>>): Promise<void> {
    let pending: Array<{ PutRequest?: { Item?: Record<string, unknown> } }> | undefined = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending && pending.length > 0; attempt++) {
      if (attempt > BATCH_RETRIES) throw new Error(`DynamoDB left ${pending.length} items unwritten after ${BATCH_RETRIES} retries`);
      if (attempt > 0) await backoff(attempt);
      const output: BatchWriteCommandOutput = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [this.table]: pending as never } }),
      );
      pending = output.UnprocessedItems?.[this.table] as typeof pending;
    }
  }
}

function releaseKey(release: ReleaseEvent): string {
  return sortKey(`${new Date(release.time).toISOString()}#${release.id}`);
}

function expiry(time: number, days: number): number {
  return Math.floor(time / 1000) + days * 86_400;
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
}
