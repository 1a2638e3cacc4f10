/**
 * What the guard suite asks of each method on each case, and the suite's summary.
 *
 * A storm is caught when the first rollback is of the storm's flag, to the percentage before the
 * storm's step or lower, within TARGET_PERIODS metric periods of that step. A rollback in a
 * benign case is false; one of another flag in a storm case is a wrong flag. A heap-only storm is
 * stopped when its flag is back to 0% before the storm takes any broker's heap after GC to 85%: a
 * minute at 85% counts where the same world without the storm was under it (on spiky textures a
 * traffic burst alone takes a broker there, which no guardrail of releases can or should stop;
 * `calmLimitAt` says when, `stoppedBeforeAny` counts the storms stopped before any 85%). Pages are
 * critical alerts (each rule's firing, for the emulated rules); they should come only with a
 * rollback, so they are counted per benign day.
 */
import { median } from 'simple-statistics';
import type { CaseKind, GuardCase, LabelStyle } from './cases.ts';
import type { TextureCategory } from './textures.ts';

export const TARGET_PERIODS = 3;
export const HEAP_LIMIT_PERCENT = 85;

export interface Rollback {
  readonly time: number;
  readonly flag: string;
  readonly toPercent: number;
  /** Which check decided it (fast or heap, step or excess), where the method says. */
  readonly check?: string;
}

export interface Outcome {
  readonly method: string;
  readonly rollbacks: readonly Rollback[];
  readonly pages: number;
  readonly warnings: number;
  /** Storms: the first rollback is the right flag and step. */
  readonly right?: boolean;
  /** Storms: periods from the storm's step to the first rollback (0 when it came before the step). */
  readonly delayPeriods?: number;
  readonly caught?: boolean;
  readonly wrongFlags: number;
  readonly falseRollbacks: number;
  /** Heap-only storms: when the flag reached 0%, when heap reached the limit, and whether 0% came first. */
  readonly heap?: {
    readonly zeroAt?: number;
    readonly limitAt?: number;
    readonly calmLimitAt?: number;
    readonly stopped: boolean;
    readonly stoppedBeforeAny: boolean;
  };
}

export interface CaseResult {
  readonly id: string;
  readonly name: string;
  readonly kind: CaseKind;
  readonly category: TextureCategory;
  readonly labels: LabelStyle;
  readonly days: number;
  readonly factor?: number;
  readonly passes: number;
  readonly outcomes: Outcome[];
}

export function judge(
  c: GuardCase,
  method: string,
  rollbacks: readonly Rollback[],
  alerts: { pages: number; warnings: number },
  periodMs: number,
  heapLimit: { readonly limitAt?: number; readonly calmLimitAt?: number } = {},
): Outcome {
  const common = { method, rollbacks, pages: alerts.pages, warnings: alerts.warnings };
  if (!c.storm) return { ...common, wrongFlags: 0, falseRollbacks: rollbacks.length };
  const storm = c.storm;
  const first = rollbacks[0];
  const right = first !== undefined && first.flag === storm.flag && first.toPercent <= storm.fromPercent;
  const delayPeriods = first && Math.max(0, Math.ceil((first.time - storm.time) / periodMs));
  const wrongFlags = rollbacks.filter((r) => r.flag !== storm.flag).length;
  const outcome = {
    ...common,
    right,
    caught: right && delayPeriods! <= TARGET_PERIODS,
    wrongFlags,
    falseRollbacks: 0,
    ...(delayPeriods !== undefined ? { delayPeriods } : {}),
  };
  if (c.kind !== 'heap-only') return outcome;
  const zeroAt = rollbacks.find((r) => r.flag === storm.flag && r.toPercent === 0)?.time;
  const before = (at: number | undefined) => zeroAt !== undefined && (at === undefined || zeroAt < at);
  const { limitAt, calmLimitAt } = heapLimit;
  const earliest = Math.min(limitAt ?? Infinity, calmLimitAt ?? Infinity);
  return {
    ...outcome,
    heap: {
      ...(zeroAt !== undefined ? { zeroAt } : {}),
      ...heapLimit,
      stopped: before(limitAt),
      stoppedBeforeAny: before(Number.isFinite(earliest) ? earliest : undefined),
    },
  };
}

export interface Summary {
  readonly method: string;
  /** Storms at their first step, per factor: caught / cases. */
  readonly byFactor: ReadonlyArray<{ factor: number; caught: number; cases: number }>;
  readonly stormAfterNoise: { caught: number; cases: number };
  readonly twoFlags: { caught: number; cases: number; wrongFlags: number };
  /** Every storm case with a connection signal (all but heap-only). */
  readonly storms: { caught: number; cases: number; rightAtAnyDelay: number; medianDelay?: number; worstDelay?: number };
  readonly stormsByLabels: Record<LabelStyle, { caught: number; cases: number }>;
  readonly wrongFlags: number;
  readonly benign: {
    cases: number;
    days: number;
    falseRollbacks: number;
    casesWithFalseRollback: number;
    pages: number;
    pagesPerDay: number;
    warningsPerDay: number;
  };
  readonly benignByCategory: Record<string, { cases: number; days: number; falseRollbacks: number; pagesPerDay: number }>;
  readonly heapOnly: { stopped: number; stoppedBeforeAny: number; cases: number; rolledBackAtAll: number };
}

export function summarise(results: readonly CaseResult[]): Summary[] {
  const methods = results[0]?.outcomes.map((o) => o.method) ?? [];
  return methods.map((method) => summariseMethod(results, method));
}

function summariseMethod(results: readonly CaseResult[], method: string): Summary {
  const of = (r: CaseResult) => r.outcomes.find((o) => o.method === method)!;
  const count = (rs: readonly CaseResult[]) => ({ caught: rs.filter((r) => of(r).caught).length, cases: rs.length });
  const storms = results.filter((r) => r.kind === 'storm' || r.kind === 'storm-after-noise' || r.kind === 'two-flags');
  const right = storms.map(of).filter((o) => o.right);
  const delays = right.map((o) => o.delayPeriods!);
  const benign = results.filter((r) => !isStormKind(r.kind));
  const days = sum(benign.map((r) => r.days));
  const pages = sum(benign.map((r) => of(r).pages));
  const heapOnly = results.filter((r) => r.kind === 'heap-only');
  const twoFlags = results.filter((r) => r.kind === 'two-flags');
  return {
    method,
    byFactor: [...new Set(results.filter((r) => r.kind === 'storm').map((r) => r.factor!))].map((factor) => ({
      factor,
      ...count(results.filter((r) => r.kind === 'storm' && r.factor === factor)),
    })),
    stormAfterNoise: count(results.filter((r) => r.kind === 'storm-after-noise')),
    twoFlags: { ...count(twoFlags), wrongFlags: sum(twoFlags.map((r) => of(r).wrongFlags)) },
    storms: {
      ...count(storms),
      rightAtAnyDelay: right.length,
      ...(delays.length ? { medianDelay: median(delays), worstDelay: Math.max(...delays) } : {}),
    },
    stormsByLabels: {
      default: count(storms.filter((r) => r.labels === 'default')),
      dynamic: count(storms.filter((r) => r.labels === 'dynamic')),
    },
    wrongFlags: sum(results.filter((r) => isStormKind(r.kind)).map((r) => of(r).wrongFlags)),
    benign: {
      cases: benign.length,
      days,
      falseRollbacks: sum(benign.map((r) => of(r).falseRollbacks)),
      casesWithFalseRollback: benign.filter((r) => of(r).falseRollbacks > 0).length,
      pages,
      pagesPerDay: days > 0 ? pages / days : 0,
      warningsPerDay: days > 0 ? sum(benign.map((r) => of(r).warnings)) / days : 0,
    },
    benignByCategory: Object.fromEntries(
      [...new Set(benign.map((r) => r.category))].map((category) => {
        const rs = benign.filter((r) => r.category === category);
        const d = sum(rs.map((r) => r.days));
        return [
          category,
          {
            cases: rs.length,
            days: d,
            falseRollbacks: sum(rs.map((r) => of(r).falseRollbacks)),
            pagesPerDay: sum(rs.map((r) => of(r).pages)) / d,
          },
        ];
      }),
    ),
    heapOnly: heapOnlySummary(heapOnly.map(of)),
  };
}

function heapOnlySummary(outcomes: readonly Outcome[]): Summary['heapOnly'] {
  return {
    stopped: outcomes.filter((o) => o.heap?.stopped).length,
    stoppedBeforeAny: outcomes.filter((o) => o.heap?.stoppedBeforeAny).length,
    cases: outcomes.length,
    rolledBackAtAll: outcomes.filter((o) => o.rollbacks.length > 0).length,
  };
}

export function isStormKind(kind: CaseKind): boolean {
  return kind === 'storm' || kind === 'storm-after-noise' || kind === 'two-flags' || kind === 'heap-only';
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
