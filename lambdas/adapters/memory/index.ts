/**
 * In-memory adapters: a StateStore and a FlagController that keep everything in the process.
 * For benchmarks and drills that run thousands of replays and need no files.
 */
import { StateConflictError } from '../../core/errors.ts';
import type { GuardrailState } from '../../core/state.ts';
import type { Decision } from '../../core/decision.ts';
import type { FlagController, StateStore } from '../../ports.ts';
import type { Outcome } from '../../core/decision.ts';

export class MemoryStateStore implements StateStore {
  private state: GuardrailState | undefined;
  readonly decisions = new Map<string, Decision>();
  readonly outcomes = new Map<string, Outcome>();

  async load(): Promise<GuardrailState | undefined> {
    return this.state === undefined ? undefined : structuredClone(this.state);
  }

  async save(state: GuardrailState): Promise<void> {
    if (this.state && this.state.revision !== state.revision) throw new StateConflictError();
    state.revision++;
    this.state = structuredClone(state);
  }

  async recordDecision(decision: Decision): Promise<boolean> {
    if (this.decisions.has(decision.id)) return false;
    this.decisions.set(decision.id, decision);
    return true;
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    this.outcomes.set(decisionId, outcome);
  }
}

/** Applies every request and remembers it. */
export class RecordingFlagController implements FlagController {
  readonly requests: Array<Parameters<FlagController['setRollout']>[0]> = [];

  async setRollout(request: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    this.requests.push(request);
    return { status: 'applied', detail: `${request.flag} set to ${request.percent}%` };
  }
}
