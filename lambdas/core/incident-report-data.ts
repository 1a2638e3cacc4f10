/**
 * What an incident report is drawn from (a replay's or a scheduled run's result, and a closed loop's
 * counterfactual) and what it holds: the data the HTML page (adapters/report) renders.
 */
import type { ReplayResult } from '../app/replay.ts';
import type { MetricSeries } from './metric-series.ts';

export type MarkerKind = 'step' | 'deploy' | 'detection' | 'rollback' | 'revert' | 'alert' | 'resolved' | 'exhausted';

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  readonly charts: ReadonlyArray<{
    readonly signal: string;
    /** Epoch seconds, the x of every series below. */
    readonly times: readonly number[];
    readonly series: ReadonlyArray<{ readonly name: string; readonly values: ReadonlyArray<number | null> }>;
    /** The baseline and band of the series that moved first (or the first series). */
    readonly baseline: {
      readonly name: string;
      readonly mean: ReadonlyArray<number | null>;
      readonly low: ReadonlyArray<number | null>;
      readonly high: ReadonlyArray<number | null>;
    };
    readonly anomalies: ReadonlyArray<number | null>;
  }>;
  readonly rollouts: ReadonlyArray<{ readonly flag: string; readonly times: readonly number[]; readonly percents: readonly number[] }>;
  /** A closed-loop replay's other world: one broker's heap after GC without the guardrail and with it. */
  readonly counterfactual?: {
    readonly title: string;
    /** Epoch seconds. */
    readonly times: readonly number[];
    readonly without: { readonly name: string; readonly values: ReadonlyArray<number | null> };
    readonly with: { readonly name: string; readonly values: ReadonlyArray<number | null> };
    /** The heap exhaustion level, percent. */
    readonly limit: number;
    /** When the heap ran out without the guardrail, epoch seconds. */
    readonly exhaustedAt: number | null;
    /** Each flag's percentage without the guardrail: every step as it was made. */
    readonly rollouts: ReportData['rollouts'];
  };
  readonly markers: ReadonlyArray<{ readonly time: number; readonly kind: MarkerKind; readonly label: string }>;
  /** Where the legends read when the cursor is off the charts: the first anomalous datapoint, epoch seconds. */
  readonly focus: number | null;
  readonly rows: ReadonlyArray<{
    readonly time: string;
    readonly what: MarkerKind | 'first anomalous datapoint';
    readonly details: string;
  }>;
  readonly alerts: ReadonlyArray<{ readonly time: string; readonly title: string; readonly text: string }>;
}

/** What a report is drawn from: a replay's result, or a scheduled run's. */
export interface ReportSource {
  readonly from: number;
  readonly to: number;
  readonly releases: ReplayResult['releases'];
  readonly episodes: ReplayResult['episodes'];
  readonly decisions: readonly ReplayResult['decisions'][number][];
  readonly outcomes: ReplayResult['outcomes'];
  readonly alerts: readonly ReplayResult['alerts'][number][];
}

/** A closed-loop replay's first pass: the same simulated world without the guardrail in the loop. */
export interface Counterfactual {
  readonly series: readonly MetricSeries[];
  readonly result: Pick<ReplayResult, 'heapExhausted' | 'heapPeak' | 'releases'>;
  readonly exhaustedPercent: number;
}
