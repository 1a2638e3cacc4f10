/**
 * Acknowledging a freeze: on-call lifts it once the cause is fixed, and says who and why. The same
 * for a local state folder and for the state table in AWS: load, lift, save; a save refused because
 * a detector run saved first is retried on the fresh state.
 */
import { StateConflictError, StormguardError } from '../core/errors.ts';
import { type Acknowledgement, lift } from '../core/freeze.ts';
import { namedTarget, targetName } from '../core/release.ts';
import type { StateStore } from '../ports.ts';

export interface AcknowledgeRequest {
  readonly flag: string;
  readonly environment: string;
  readonly by: string;
  readonly reason: string;
  /** Lift only this rule's freeze (`fallthrough`: the default rule's); every frozen target of the flag when absent. */
  readonly ruleId?: string | undefined;
}

const ATTEMPTS = 5;

/** Lifts the flag's freezes (or the named rule's): each one's acknowledgement; throws NOT_FROZEN when none is frozen. */
export async function acknowledge(
  store: Pick<StateStore, 'load' | 'save'>,
  request: AcknowledgeRequest,
  now: number,
): Promise<Acknowledgement[]> {
  for (let attempt = 1; ; attempt++) {
    const state = await store.load();
    const lifted = state ? lift(state, { ...request, time: now }) : [];
    if (!state || lifted.length === 0)
      throw new StormguardError('NOT_FROZEN', `${request.flag}${onRule(request)} in ${request.environment} is not frozen`);
    try {
      await store.save(state);
      return lifted;
    } catch (error) {
      if (!(error instanceof StateConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

const onRule = ({ ruleId }: AcknowledgeRequest) => (ruleId === undefined ? '' : ` (${targetName(namedTarget(ruleId))})`);
