/**
 * The DynamoDB StateStore and ReleaseLog: one table, keys `pk` and `sk` (strings), `expiresAt`
 * (epoch seconds) for DynamoDB's time to live.
 *
 * | pk               | sk                    | what                                                            |
 * |------------------|-----------------------|-----------------------------------------------------------------|
 * | `guardrail`      | `shard#<id>`          | a shard's head (compressed JSON): episodes, release watches, freezes, cooldowns, the last evaluation, the log of saved evaluations, a summary for the gate; `revision` |
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
 *
 * This file is the store's state lifecycle (load, catch up, save); each kind of item has its own
 * file: head.ts, checkpoints.ts, journal.ts, outbox.ts (decisions and alerts), releases.ts,
 * item-size.ts (the 400 KB limit), table.ts (queries, batches, keys).
 */

import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CadenceState } from '../../core/cadence.ts';
import { defaultConfig, type GuardrailConfig } from '../../core/config-schema.ts';
import type { Decision, Outcome } from '../../core/decision.ts';
import type { ReleaseEvent } from '../../core/release.ts';
import type { SeriesState } from '../../core/series.ts';
import type { GuardrailState } from '../../core/state.ts';
import type { AlertClaim, EvaluatedInput, PendingDecision, ReleaseLog, StateStore } from '../../ports.ts';
import { dueBuckets, writeCheckpoint } from './checkpoints.ts';
import { encodeHead, gateSummary, headKey, loadAllHeads, putHead, readHead, type StoredHead } from './head.ts';
import { checkSizes } from './item-size.ts';
import { writeJournal } from './journal.ts';
import { loadLegacyState } from './legacy.ts';
import * as outbox from './outbox.ts';
import { addReleases, releasesUntil } from './releases.ts';
import { bucketOf, decompress, encodeCheckpoint, encodePoints, encodeSnapshot, type LogEntry } from './series-log.ts';
import { catchUpSeries, type Shard, seriesFromCheckpoints } from './shard-series.ts';
import type { Item, Table } from './table.ts';

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

/** What a load knew, for the save of the same state. */
interface Loaded {
  readonly revision: number;
  /** The head as loaded, encoded (immune to the run's changes): the journal entry's `before`. */
  readonly head?: Uint8Array;
  readonly log: readonly LogEntry[];
  /** Series in the state when loaded: the journal names the others in full. */
  readonly known: ReadonlySet<string>;
  /** The series are checkpoints and journal entries (false: carried over from elsewhere; the save writes them whole). */
  readonly reproducible: boolean;
}

export class DynamoStore implements StateStore, ReleaseLog {
  readonly shard: string;
  private readonly config: GuardrailConfig;
  private readonly db: Table;
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
    this.db = { client, name: table };
  }

  private get headKey() {
    return headKey(this.shard);
  }

  private get partition() {
    return `shard#${this.shard}`;
  }

  private get shardSeries(): Shard {
    return { db: this.db, partition: this.partition, id: this.shard, config: this.config };
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
    const stored = readHead(head);
    const { log, gate: _gate, ...fields } = stored;
    const encoded = head.body instanceof Uint8Array ? head.body : encodeHead(stored);
    const cache = this.cache && !this.cache.lent ? this.cache : undefined;
    if (cache && cache.revision === revision) {
      // Nobody saved since this container did: its state is the head's, and knows more (the
      // alerts the run delivered after saving are out of its outbox: they leave the head at the next save).
      cache.lent = true;
      this.loads.set(cache.state, { revision, head: encoded, log, known: new Set(Object.keys(cache.state.series)), reproducible: true });
      return cache.state;
    }
    let series: Record<string, SeriesState>;
    if (cache && cache.revision < revision && (log[0]?.[0] ?? Infinity) <= cache.revision + 1) {
      series = await catchUpSeries(this.shardSeries, cache.state.series, cache.revision, log, (key) => this.bucket(key));
    } else {
      ({ series, checkpoints: this.checkpoints } = await seriesFromCheckpoints(this.shardSeries, log));
    }
    if (cache) cache.lent = true;
    const state: GuardrailState = { ...fields, revision, series };
    this.loads.set(state, { revision, head: encoded, log, known: new Set(Object.keys(series)), reproducible: true });
    return state;
  }

  /** A deployment from before shards: its state, to be saved whole in the new layout. */
  private async carryOver(): Promise<GuardrailState | undefined> {
    const state = await loadLegacyState(this.client, this.table);
    if (!state) return undefined;
    const carried = { ...state, revision: 0 };
    this.loads.set(carried, { revision: 0, log: [], known: new Set(), reproducible: false });
    return carried;
  }

  async save(state: GuardrailState, evaluated?: EvaluatedInput): Promise<void> {
    const loaded = this.loads.get(state);
    const { series, revision, ...fields } = state;
    const next = revision + 1;
    const runId = randomBytes(4).toString('hex');
    const now = state.evaluatedAt ?? Date.now();
    const points = loaded?.reproducible && loaded.head && evaluated && loaded.revision === revision;
    const before = points ? (({ log: _log, gate: _gate, ...rest }) => rest)(decompress<StoredHead>(loaded.head!)) : undefined;
    const parts = points
      ? encodePoints(evaluated.now, before!, evaluated.series, (key) => loaded.known.has(key))
      : encodeSnapshot(Object.values(series));

    // Buckets by the oldest checkpoint this store knows of: the log goes back to it.
    const byBucket = this.byBucket(series);
    const known = (b: number) => this.checkpoints.get(b) ?? -1;
    const oldest = Math.min(...[...byBucket.keys()].map(known));
    const log: LogEntry[] = [
      ...(points ? loaded.log.filter(([rev]) => rev > oldest) : []),
      [next, runId, parts.length, points ? 'p' : 's'],
    ];
    const head: StoredHead = { ...fields, log, gate: gateSummary(series, this.config) };
    const due = dueBuckets(byBucket.keys(), known, next, Boolean(points));
    // Everything this save writes is encoded and weighed before the first write: nothing half-saved.
    const checkpoints = new Map(due.map((b) => [b, encodeCheckpoint(byBucket.get(b)!)]));
    const encoded = encodeHead(head);
    checkSizes(parts, encoded, checkpoints, byBucket);
    await writeJournal(this.db, this.partition, next, runId, parts, now);
    await putHead(this.db, this.shard, state, revision, encoded);
    state.revision = next;
    this.cache = undefined;

    for (let i = 0; i < due.length; i += CHECKPOINT_CONCURRENCY) {
      await Promise.all(due.slice(i, i + CHECKPOINT_CONCURRENCY).map((b) => this.checkpoint(b, checkpoints.get(b)!, next)));
    }
    this.cache = { revision: next, state, lent: false };
    this.loads.set(state, { revision: next, head: encoded, log, known: new Set(Object.keys(series)), reproducible: true });
  }

  private byBucket(series: Record<string, SeriesState>): Map<number, SeriesState[]> {
    const byBucket = new Map<number, SeriesState[]>();
    for (const s of Object.values(series)) {
      const b = this.bucket(s.key);
      const list = byBucket.get(b);
      if (list) list.push(s);
      else byBucket.set(b, [s]);
    }
    return byBucket;
  }

  private async checkpoint(bucket: number, encoded: { body: Uint8Array; history: Uint8Array }, revision: number): Promise<void> {
    await writeCheckpoint(this.db, this.partition, bucket, encoded, revision);
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

  /**
   * Every shard as the gate sees the guardrail: their heads merged (episodes, freezes, cooldowns;
   * the oldest evaluation), and of series only the blind ones and those over their headroom.
   */
  async loadAll(): Promise<GuardrailState | undefined> {
    return loadAllHeads(this.db);
  }

  recordDecision(decision: Decision): Promise<boolean> {
    return outbox.recordDecision(this.db, decision);
  }

  recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    return outbox.recordOutcome(this.db, decisionId, outcome);
  }

  pendingDecisions(since: number): Promise<PendingDecision[]> {
    return outbox.pendingDecisions(this.db, since);
  }

  resumeDecision(decisionId: string, now: number): Promise<boolean> {
    return outbox.resumeDecision(this.db, decisionId, now);
  }

  recordAlerted(decisionId: string): Promise<void> {
    return outbox.recordAlerted(this.db, decisionId);
  }

  claimAlert(key: string, now: number): Promise<AlertClaim> {
    return outbox.claimAlert(this.db, key, now);
  }

  recordAlertSent(key: string, now: number): Promise<void> {
    return outbox.recordAlertSent(this.db, key, now);
  }

  /** Stores releases (from webhooks, the audit-log backfill, deploy events); a repeated id is the same item. */
  addReleases(releases: readonly ReleaseEvent[]): Promise<void> {
    return addReleases(this.db, releases);
  }

  releases(until: number): Promise<ReleaseEvent[]> {
    return releasesUntil(this.db, until);
  }
}
