/**
 * Carries out an evaluation through the ports: each decision is recorded before it is acted on
 * and its outcome after; a decision another run has already recorded is not acted on again; one a
 * run left unfinished (it died, or ran out of time) is finished by the next; every alert is
 * delivered once, by idempotency key; a notifier that fails never blocks a rollback. The effects
 * themselves: app/effects.ts.
 *
 * The same sequence serves the detector Lambda, `stormguard replay` and the benchmarks.
 */
import type { GuardrailConfig } from '../core/config.ts';
import { type Evaluation, type EvaluationInput, evaluate } from '../core/evaluation.ts';
import type { GuardrailState } from '../core/state.ts';
import { carryOut, type EffectPorts, type Effects } from './effects.ts';

export type ActingPorts = EffectPorts;

export interface Tick extends Evaluation, Effects {}

/** Evaluates and carries out: the whole guardrail step for one point in time. */
export async function tick(state: GuardrailState, input: EvaluationInput, config: GuardrailConfig, ports: ActingPorts): Promise<Tick> {
  const evaluation = evaluate(state, input, config);
  return { ...evaluation, ...(await carryOut(state, evaluation, input.now, config, ports)) };
}
