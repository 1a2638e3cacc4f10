/**
 * What the guardrail knows between evaluations: per-series detector state and history, episodes,
 * the release watches and heap watches under way and the flags' baselines, freezes, the
 * percentages it set itself, and its cooldowns. Plain JSON, saved with a revision so that two
 * overlapping runs cannot both save.
 */
import type { Alert } from './alert.ts';
import type { ClusterCoverage } from './coverage.ts';
import type { Episode } from './episode.ts';
import type { FlagMemory } from './freeze.ts';
import type { HeapEntry } from './heap-watch.ts';
import type { SeriesState } from './series.ts';
import type { FlagBaseline } from './step-back.ts';
import type { WatchEntry } from './watches.ts';

export interface GuardrailState extends FlagMemory {
  readonly version: 1;
  /** Advanced by every save: two runs that loaded the same revision cannot both save. */
  revision: number;
  /** The last evaluation's time. */
  evaluatedAt: number | null;
  series: Record<string, SeriesState>;
  episodes: Episode[];
  /** Release watches of fast signals, per release, cluster and signal (absent in a state saved before them). */
  watches?: WatchEntry[];
  /** Heap watches, per release and cluster. */
  heapWatches?: HeapEntry[];
  /** Each flag's signals before its first watched step, by flag key: what its remaining excess is judged against. */
  flagBaselines?: Record<string, FlagBaseline>;
  /** Guarded clusters with a configured signal never reported, as of the last evaluation (absent in a state saved before it). */
  coverage?: Record<string, ClusterCoverage>;
  /** Alerts about saved evaluations not yet delivered everywhere: the next run delivers them (app/effects.ts). */
  outbox?: Alert[];
}

export function newGuardrailState(): GuardrailState {
  return {
    version: 1,
    revision: 0,
    evaluatedAt: null,
    series: {},
    episodes: [],
    watches: [],
    heapWatches: [],
    flagBaselines: {},
    coverage: {},
    freezes: {},
    setPercents: {},
    lastRollbackAt: {},
  };
}
