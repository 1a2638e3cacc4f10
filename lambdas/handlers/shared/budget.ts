/**
 * A run's time budget: the outside calls of one invocation end before the Lambda's timeout, with
 * margin. Flag changes stop first, so the alerts about them still fit; alerts stop before the
 * margin kept for the state's save, the reports and the metrics. What does not fit is left for
 * the next run (recorded decisions are resumed; undelivered alerts stay in the outbox).
 *
 * One budget serves every invocation of a container: adapters read its deadlines at each call.
 */
export class RunBudget {
  /** Kept at the end of the run: saving the state, writing reports, flushing metrics. */
  static readonly MARGIN_MS = 5_000;
  /** Kept after the flag changes for the alerts about them (notifiers run side by side). */
  static readonly ALERTS_MS = 12_000;

  private end = Infinity;
  private readonly marginMs: number;
  private readonly alertsMs: number;
  private readonly now: () => number;

  constructor(options: { marginMs?: number; alertsMs?: number; now?: () => number } = {}) {
    this.marginMs = options.marginMs ?? RunBudget.MARGIN_MS;
    this.alertsMs = options.alertsMs ?? RunBudget.ALERTS_MS;
    this.now = options.now ?? Date.now;
  }

  /** A run starts with `remainingMs` before its Lambda is stopped (context.getRemainingTimeInMillis()). */
  start(remainingMs: number): void {
    this.end = this.now() + remainingMs - this.marginMs;
  }

  /** By when a flag change must be over (epoch ms). */
  readonly flags = (): number => this.end - this.alertsMs;
  /** By when any outside call must be over (epoch ms): the run's end, less the margin. */
  readonly calls = (): number => this.end;
  /** By when an alert's delivery must be over (epoch ms): the detector's last calls. */
  readonly alerts = this.calls;
}
