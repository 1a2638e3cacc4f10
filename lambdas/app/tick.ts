/**
 * Carries out an evaluation through the ports: each decision is recorded before it is acted on
 * and its outcome after; a decision another run has already recorded is not acted on again;
 * alerts go out last, and a notifier that fails never blocks a rollback.
 *
 * The same sequence serves the detector Lambda, `stormguard replay` and the benchmarks.
 */
import { logScaleOf } from '../core/detector-settings.ts';
import { type Alert, renderAlert } from '../core/alert.ts';
import type { GuardrailConfig } from '../core/config.ts';
import { type Evaluation, type EvaluationInput, evaluate } from '../core/evaluation.ts';
import { type GuardrailState } from '../core/state.ts';
import { formatPercent } from '../core/format.ts';
import type { Decision } from '../core/decision.ts';
import type { FlagController, Notifier, StateStore } from '../ports.ts';
import type { Outcome } from '../core/decision.ts';

export interface ActingPorts {
  readonly store: Pick<StateStore, 'recordDecision' | 'recordOutcome'>;
  readonly flags: FlagController;
  readonly notifiers: readonly Notifier[];
  /** Links for an alert (the incident report's), added before it is sent. */
  readonly links?: (alert: Alert) => Promise<ReadonlyArray<{ href: string; text: string }>>;
}

export interface Tick extends Evaluation {
  readonly outcomes: ReadonlyMap<string, Outcome>;
  /** Decisions this run acted on (another run may have recorded the rest first). */
  readonly acted: readonly Decision[];
  readonly sent: readonly Alert[];
  readonly notifierErrors: readonly string[];
}

/** Evaluates and carries out: the whole guardrail step for one point in time. */
export async function tick(state: GuardrailState, input: EvaluationInput, config: GuardrailConfig, ports: ActingPorts): Promise<Tick> {
  const evaluation = evaluate(state, input, config);
  const outcomes = new Map<string, Outcome>();
  const acted: Decision[] = [];
  for (const decision of evaluation.decisions) {
    if (!(await ports.store.recordDecision(decision))) continue;
    acted.push(decision);
    const outcome = { ...(await execute(decision, ports.flags)), time: input.now };
    outcomes.set(decision.id, outcome);
    await ports.store.recordOutcome(decision.id, outcome);
  }
  const decisions = new Map(evaluation.decisions.map((d) => [d.id, d]));
  const context = { episodes: state.episodes, decisions, outcomes, logScale: logScaleOf(config) };
  const sent: Alert[] = [];
  const notifierErrors: string[] = [];
  for (const intent of evaluation.alerts) {
    const ids = intent.kind === 'episode' ? intent.decisionIds : intent.kind === 'reverted' ? [intent.decisionId] : [];
    if (ids.length > 0 && ids.every((id) => !outcomes.has(id))) continue; // another run acted and alerted
    const rendered = renderAlert(intent, context);
    const links = ports.links ? await ports.links(rendered) : [];
    const alert = links.length > 0 ? { ...rendered, links } : rendered;
    sent.push(alert);
    for (const notifier of ports.notifiers) {
      try {
        await notifier.notify(alert);
      } catch (error) {
        notifierErrors.push(`${notifier.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { ...evaluation, outcomes, acted, sent, notifierErrors };
}

async function execute(decision: Decision, flags: FlagController): Promise<Omit<Outcome, 'time'>> {
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
    return { status: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}
