/**
 * The FlagController for a guardrail with none configured: every change fails with the reason,
 * so the decision's outcome and its alert say plainly that nothing was rolled back. Explicit,
 * rather than an undefined controller that would fail in some other way.
 */

import type { Outcome } from '../../core/decision.ts';
import type { FlagController } from '../../ports.ts';

export class NoFlagController implements FlagController {
  constructor(private readonly reason: string) {}

  async setRollout(request: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    return { status: 'failed', detail: `${request.flag} was not changed: ${this.reason}` };
  }
}
