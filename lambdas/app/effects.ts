/**
 * A run's effects, each once, with recovery: how the decisions of an evaluation are carried out
 * and its alerts delivered, so that a run that dies at any point, runs out of time, or is
 * delivered twice neither loses an effect nor repeats one.
 *
 * - A decision is recorded before it is acted on (an intent), its outcome after, its alert after
 *   that; then it is finished. One left unfinished is pending: a later run takes it over
 *   (`resumeDecision`: of two copies of a run, one), acts if it still has to (the flag controller
 *   reads the flag again and never raises it), records the outcome and delivers the alert.
 * - A change the flag controller could not make now (out of the run's time budget:
 *   DeadlineExceededError; LaunchDarkly throttling or down past its retries: UnavailableError)
 *   stays pending for the next run, for RETRY_ACTION_FOR_MS; after that it is a failure, and pages.
 * - Every alert has an idempotency key (`Alert.id`). Its delivery to each notifier is claimed by
 *   key and recorded as sent: a duplicate run never sends it again, and a delivery its run did not
 *   finish is finished by the next. (The one window left: a run that dies after a notifier took
 *   the alert and before it was recorded; the next run sends it again, with the same key. PagerDuty
 *   folds it into the same incident by its dedup key; SNS carries the key as attribute `id`.)
 * - Alerts about a decision go out as soon as its outcome is known, from the run that holds the
 *   decision, whichever run saves the state. Alerts about the evaluation itself (blind, seeing
 *   again, resolved, an episode with no decision) are put in the state's outbox and go out only
 *   once that state's save won (`commit`); what a run could not deliver, the next delivers.
 */

import type { Alert, AlertIntent } from '../core/alert.ts';
import type { GuardrailConfig } from '../core/config.ts';
import type { Decision, Outcome } from '../core/decision.ts';
import { logScaleOf } from '../core/detector-settings.ts';
import { DeadlineExceededError, UnavailableError } from '../core/errors.ts';
import type { Evaluation } from '../core/evaluation.ts';
import { formatPercent } from '../core/format.ts';
import type { GuardrailState } from '../core/state.ts';
import type { FlagController, Notifier, StateStore } from '../ports.ts';
import { type Delivery, deliver, deliverAll } from './alert-delivery.ts';
import { decisionIdsOf, intentOf, render } from './effect-alerts.ts';

/** How long a recorded change that could not be made now (out of time, LaunchDarkly unavailable) is tried again, run after run. */
export const RETRY_ACTION_FOR_MS = 5 * 60_000;
/** How far back unfinished decisions are looked for. */
export const PENDING_LOOKBACK_MS = 6 * 3_600_000;

/** What a store must do for effects to be exactly once; without the optional part, effects are as before (at most once, no recovery). */
export type EffectStore = Pick<StateStore, 'recordDecision' | 'recordOutcome'> &
  Partial<Pick<StateStore, 'pendingDecisions' | 'resumeDecision' | 'recordAlerted' | 'claimAlert' | 'recordAlertSent'>>;

export interface EffectPorts {
  readonly store: EffectStore;
  readonly flags: FlagController;
  readonly notifiers: readonly Notifier[];
  /** Links for an alert (the incident report's), added before it is sent. */
  readonly links?: (alert: Alert) => Promise<ReadonlyArray<{ href: string; text: string }>>;
  /**
   * Saves the evaluated state (refused with StateConflictError when another run saved first):
   * the evaluation's own alerts go out only after it. Without it (replays), they go out at once.
   */
  readonly commit?: () => Promise<void>;
}

export interface Effects {
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** Decisions this run acted on: its own, and those it took over from a run that stopped. */
  readonly acted: readonly Decision[];
  /** Decisions this run took over from a run that stopped before finishing them. */
  readonly resumed: readonly Decision[];
  /** Decisions left for the next run: the change did not fit in this run's time budget. */
  readonly deferred: ReadonlyArray<{ readonly decision: Decision; readonly reason: string }>;
  readonly sent: readonly Alert[];
  readonly notifierErrors: readonly string[];
}

export async function carryOut(
  state: GuardrailState,
  evaluation: Evaluation,
  now: number,
  config: GuardrailConfig,
  ports: EffectPorts,
): Promise<Effects> {
  const { held, resumed, outcomes } = await holdDecisions(evaluation, now, ports.store);
  const { acted, deferred } = await actOn(held, outcomes, now, ports);
  const context = {
    episodes: state.episodes,
    decisions: new Map([...evaluation.decisions, ...held.values()].map((d) => [d.id, d])),
    outcomes,
    logScale: logScaleOf(config),
  };
  const delivery = { ports, now, sent: [] as Alert[], notifierErrors: [] as string[] };
  await alertDecisions(evaluation, held, resumed, context, delivery);
  await alertEvaluation(state, evaluation, context, delivery);
  return { outcomes, acted, resumed, deferred, sent: delivery.sent, notifierErrors: delivery.notifierErrors };
}

type AlertContext = Parameters<typeof render>[1];
type EffectDelivery = Delivery<EffectPorts>;

/** The decisions this run carries out: those runs that stopped left unfinished, and this evaluation's, each recorded first. */
async function holdDecisions(evaluation: Evaluation, now: number, store: EffectPorts['store']) {
  const held = new Map<string, Decision>();
  const outcomes = new Map<string, Outcome>();
  const resumed: Decision[] = [];
  // What runs that stopped left unfinished (a run of this same evaluation is still at it).
  if (store.pendingDecisions && store.resumeDecision) {
    for (const { decision, outcome } of await store.pendingDecisions(now - PENDING_LOOKBACK_MS)) {
      if (decision.time >= now || !(await store.resumeDecision(decision.id, now))) continue;
      held.set(decision.id, decision);
      resumed.push(decision);
      if (outcome) outcomes.set(decision.id, outcome);
    }
  }
  // This evaluation's decisions, recorded before they are acted on: one another run recorded is its own.
  for (const decision of evaluation.decisions) {
    if (!held.has(decision.id) && (await store.recordDecision(decision))) held.set(decision.id, decision);
  }
  return { held, resumed, outcomes };
}

/** Changes each flag held without an outcome yet; one that does not fit the time budget is left for the next run. */
async function actOn(held: ReadonlyMap<string, Decision>, outcomes: Map<string, Outcome>, now: number, ports: EffectPorts) {
  const acted: Decision[] = [];
  const deferred: Array<{ decision: Decision; reason: string }> = [];
  for (const decision of held.values()) {
    if (outcomes.has(decision.id)) continue;
    let result = await execute(decision, ports.flags);
    if (result instanceof Error) {
      if (now - decision.time < RETRY_ACTION_FOR_MS) {
        deferred.push({ decision, reason: result.message });
        continue;
      }
      result = {
        status: 'failed',
        detail: `not done within ${RETRY_ACTION_FOR_MS / 60_000} minutes of the decision, tried run after run (last: ${result.message}): roll it back by hand`,
      };
    }
    const outcome = { ...result, time: now };
    outcomes.set(decision.id, outcome);
    acted.push(decision);
    await ports.store.recordOutcome(decision.id, outcome);
  }
  return { acted, deferred };
}

/** Alerts about decisions: from the run holding them, as soon as their outcomes are known. */
async function alertDecisions(
  evaluation: Evaluation,
  held: ReadonlyMap<string, Decision>,
  resumed: readonly Decision[],
  context: AlertContext,
  delivery: EffectDelivery,
) {
  const alerted = new Set<string>();
  const decisionAlerts: Array<{ intent: AlertIntent; ids: string[] }> = [];
  for (const intent of evaluation.alerts) {
    const ids = decisionIdsOf(intent).filter((id) => held.has(id));
    if (ids.length === 0) continue; // none (the evaluation's own alert), or another run holds them and alerts
    for (const id of ids) alerted.add(id);
    if (ids.every((id) => context.outcomes.has(id))) decisionAlerts.push({ intent, ids });
  }
  for (const decision of resumed) {
    if (!alerted.has(decision.id) && context.outcomes.has(decision.id))
      decisionAlerts.push({ intent: intentOf(decision), ids: [decision.id] });
  }
  const { store } = delivery.ports;
  for (const { intent, ids } of decisionAlerts) {
    const alert = await withLinks(render(intent, context), delivery.ports);
    if ((await deliver(alert, delivery)) && store.recordAlerted) for (const id of ids) await store.recordAlerted(id);
  }
}

/** Alerts about the evaluation (blind, resolved, …): queued with the state, delivered once its save won. */
async function alertEvaluation(state: GuardrailState, evaluation: Evaluation, context: AlertContext, delivery: EffectDelivery) {
  // What earlier runs queued belongs to evaluations already saved: deliver it first, so that this
  // run saves only what is still undelivered (else a persisted outbox never drains).
  const queued = new Map((await deliverAll(state.outbox ?? [], delivery)).map((a) => [a.id!, a]));
  const fresh: Alert[] = [];
  for (const intent of evaluation.alerts) {
    if (decisionIdsOf(intent).length > 0) continue;
    const alert = await withLinks(render(intent, context), delivery.ports);
    if (!queued.has(alert.id!)) fresh.push(alert);
    queued.set(alert.id!, alert);
  }
  setOutbox(state, [...queued.values()]);
  await delivery.ports.commit?.();
  const undelivered = await deliverAll(fresh, delivery);
  setOutbox(state, [...queued.values()].filter((a) => !fresh.includes(a)).concat(undelivered)); // saved with the next run's state
}

async function withLinks(alert: Alert, ports: EffectPorts): Promise<Alert> {
  const links = ports.links ? await ports.links(alert) : [];
  return links.length > 0 ? { ...alert, links } : alert;
}

function setOutbox(state: GuardrailState, alerts: Alert[]): void {
  if (alerts.length > 0) state.outbox = alerts;
  else delete state.outbox;
}

/** The outcome, or why it cannot be had now (the next run tries again). */
async function execute(
  decision: Decision,
  flags: FlagController,
): Promise<Omit<Outcome, 'time'> | DeadlineExceededError | UnavailableError> {
  if (decision.mode === 'observe') return { status: 'observed', detail: 'observe mode: recorded, not acted on' };
  try {
    return await flags.setRollout({
      flag: decision.flag,
      environment: decision.environment,
      target: decision.target,
      percent: decision.toPercent,
      turnOff: decision.turnOff,
      comment: `Stormguard ${decision.action} ${formatPercent(decision.fromPercent)} → ${formatPercent(decision.toPercent)}: ${decision.reason} [decision ${decision.id}]`,
    });
  } catch (error) {
    if (error instanceof DeadlineExceededError || error instanceof UnavailableError) return error;
    return { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}
