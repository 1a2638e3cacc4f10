/**
 * In-memory adapters: a StateStore and a FlagController that keep everything in the process.
 * For benchmarks and drills that run thousands of replays and need no files.
 */

import type { Decision, Outcome } from '../../core/decision.ts';
import { StateConflictError } from '../../core/errors.ts';
import type { GuardrailState } from '../../core/state.ts';
import type { AlertClaim, FlagController, PendingDecision, StateStore } from '../../ports.ts';

export class MemoryStateStore implements StateStore {
  private state: GuardrailState | undefined;
  readonly decisions = new Map<string, Decision>();
  readonly outcomes = new Map<string, Outcome>();
  /** Decisions whose alert is still owed, and the evaluation that holds each. */
  private readonly alertOwed = new Map<string, number>();
  /** Alert deliveries by key: the evaluation that claimed each, and whether it was sent. */
  readonly alertClaims = new Map<string, { claimedAt: number; sent: boolean }>();

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
    this.alertOwed.set(decision.id, decision.time);
    return true;
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    this.outcomes.set(decisionId, outcome);
  }

  async pendingDecisions(since: number): Promise<PendingDecision[]> {
    return [...this.alertOwed.keys()].flatMap((id) => {
      const decision = this.decisions.get(id)!;
      const outcome = this.outcomes.get(id);
      return decision.time >= since ? [{ decision, ...(outcome ? { outcome } : {}) }] : [];
    });
  }

  async resumeDecision(decisionId: string, now: number): Promise<boolean> {
    const heldAt = this.alertOwed.get(decisionId);
    if (heldAt === undefined || heldAt >= now) return false;
    this.alertOwed.set(decisionId, now);
    return true;
  }

  async recordAlerted(decisionId: string): Promise<void> {
    this.alertOwed.delete(decisionId);
  }

  async claimAlert(key: string, now: number): Promise<AlertClaim> {
    const claim = this.alertClaims.get(key);
    if (claim?.sent) return 'sent';
    if (claim && claim.claimedAt >= now) return 'taken';
    this.alertClaims.set(key, { claimedAt: now, sent: false });
    return 'claimed';
  }

  async recordAlertSent(key: string, now: number): Promise<void> {
    this.alertClaims.set(key, { claimedAt: this.alertClaims.get(key)?.claimedAt ?? now, sent: true });
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
