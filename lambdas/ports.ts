/**
 * The ports: what the core needs from the outside world, named for the role each system plays.
 * Adapters (lambdas/adapters/<system>/) implement them; the core and the commands depend only on
 * these interfaces.
 */
import type { Alert } from './core/alert.ts';
import type { CadenceState } from './core/cadence.ts';
import type { Decision, Outcome } from './core/decision.ts';
import type { MetricReadout, MetricSeries } from './core/metric-series.ts';
import type { ReleaseEvent, RolloutTarget } from './core/release.ts';
import type { GuardrailState } from './core/state.ts';

/** Where signals come from: CloudWatch GetMetricData, or exported files. */
export interface MetricSource {
  /** Datapoints with from < time <= to, per series, and what could not be used. */
  read(from: number, to: number): Promise<MetricReadout>;
}

/** The release timeline: LaunchDarkly audit log and webhooks, deploy events. */
export interface ReleaseLog {
  /** Every release up to `until`, ordered by time, each once. */
  releases(until: number): Promise<ReleaseEvent[]>;
  /** Adds releases; one already kept (same id) is left as it is. */
  addReleases(releases: readonly ReleaseEvent[]): Promise<void>;
}

/** When the release timeline was last read back up to date from LaunchDarkly (its newest entries read): what the gate's sight of it rests on (freshness.ts `timelineIsStale`). */
export interface TimelineReads {
  markTimelineRead(time: number): Promise<void>;
  timelineReadAt(): Promise<number | undefined>;
}

/** A decision recorded and not finished: its outcome, or its alert, is still owed. */
export interface PendingDecision {
  readonly decision: Decision;
  /** There when the flag was dealt with and only the alert is owed. */
  readonly outcome?: Outcome;
}

/**
 * One alert's delivery to one notifier, as a run claims it: `claimed` (deliver it), `sent` (it
 * was), `taken` (a run of the same evaluation, a duplicate delivery, is delivering it).
 */
export type AlertClaim = 'claimed' | 'sent' | 'taken';

/** What an evaluation was given that it had not seen: a store may keep it instead of the series it changed. */
export interface EvaluatedInput {
  /** The evaluation's time. */
  readonly now: number;
  /** The datapoints new to the state (complete at `now`, after each series' last one), and series new to it. */
  readonly series: readonly MetricSeries[];
}

/** Where the guardrail keeps what it knows and what it did. */
export interface StateStore {
  load(): Promise<GuardrailState | undefined>;
  /**
   * What the read cadence decides on (the last evaluation's time; an episode open or alerts owed),
   * without loading the whole state; stores without it are loaded instead.
   */
  cadence?(): Promise<CadenceState>;
  /**
   * Saves the state if nobody saved another since it was loaded (its `revision`), and advances
   * the revision; throws StateConflictError otherwise: a run that overlapped has saved first.
   * `evaluated` is what the evaluation since the load was given, where there was one.
   */
  save(state: GuardrailState, evaluated?: EvaluatedInput): Promise<void>;
  /**
   * Records a decision before it is acted on. Returns false when a decision with the same id is
   * already recorded: another run has it, and this one must not act.
   */
  recordDecision(decision: Decision): Promise<boolean>;
  recordOutcome(decisionId: string, outcome: Outcome): Promise<void>;
  /**
   * Decisions made at or after `since` and not finished (no outcome yet, or their alert not
   * delivered): what a run that died, or ran out of time, left. The next run takes them over.
   */
  pendingDecisions(since: number): Promise<PendingDecision[]>;
  /**
   * Takes a pending decision over for the run evaluating `now`: false when it is finished, or a
   * run of this same evaluation holds it. (A run of an earlier evaluation is over: the detector's
   * timeout is shorter than its period.)
   */
  resumeDecision(decisionId: string, now: number): Promise<boolean>;
  /** The decision's alert is delivered: the decision is finished. */
  recordAlerted(decisionId: string): Promise<void>;
  /**
   * Claims delivering an alert to a notifier, by idempotency key (alert id and notifier). A claim
   * from an earlier evaluation that was never marked sent is taken over: its run died.
   */
  claimAlert(key: string, now: number): Promise<AlertClaim>;
  recordAlertSent(key: string, now: number): Promise<void>;
}

/** What can change a flag's rollout: LaunchDarkly's REST API, or a local flag file. */
export interface FlagController {
  /** Sets the share of traffic served the flag's treatment (or turns the flag off). */
  setRollout(request: {
    readonly flag: string;
    readonly environment: string;
    readonly target: RolloutTarget;
    readonly percent: number;
    readonly turnOff: boolean;
    readonly comment: string;
  }): Promise<Omit<Outcome, 'time'>>;
}

/** Where alerts go: console, files, SNS, PagerDuty, Slack. A failing notifier never blocks a rollback. */
export interface Notifier {
  readonly name: string;
  notify(alert: Alert): Promise<void>;
}

/** Where incident pages are kept, and the links alerts carry to them. */
export interface ReportStore {
  write(episodeId: string, html: string): Promise<void>;
  /** Links for an alert (its episode's page); none for other alerts. */
  links(alert: Alert): Promise<Array<{ href: string; text: string }>>;
}
