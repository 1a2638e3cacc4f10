/**
 * What the guardrail knows between evaluations: per-series detector state and history, episodes,
 * freezes, the percentages it set itself, and its cooldowns. Plain JSON, saved with a revision so
 * that two overlapping runs cannot both save.
 */
import type { Alert } from './alert.ts';
import type { Episode } from './episode.ts';
import type { FlagMemory } from './freeze.ts';
import type { SeriesState } from './series.ts';

export interface GuardrailState extends FlagMemory {
  readonly version: 1;
  /** Advanced by every save: two runs that loaded the same revision cannot both save. */
  revision: number;
  /** The last evaluation's time. */
  evaluatedAt: number | null;
  series: Record<string, SeriesState>;
  episodes: Episode[];
  /** Alerts about saved evaluations not yet delivered everywhere: the next run delivers them (app/effects.ts). */
  outbox?: Alert[];
}

export function newGuardrailState(): GuardrailState {
  return { version: 1, revision: 0, evaluatedAt: null, series: {}, episodes: [], freezes: {}, setPercents: {}, lastRollbackAt: {} };
}

