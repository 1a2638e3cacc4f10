/**
 * The local StateStore: the guardrail's state, decisions and their outcomes as files in a folder.
 *
 * A decision is created with O_EXCL (`wx`), so of two runs that decide the same thing, exactly
 * one records it and acts; the other is told it was already recorded.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StateConflictError } from '../../core/errors.ts';
import type { GuardrailState } from '../../core/state.ts';
import type { Decision } from '../../core/decision.ts';
import type { Outcome } from '../../core/decision.ts';
import type { StateStore } from '../../ports.ts';
import { readJson, writeAtomically } from './files.ts';

export class FileStateStore implements StateStore {
  constructor(readonly folder: string) {}

  private get statePath(): string {
    return join(this.folder, 'state.json');
  }

  private decisionPath(id: string, suffix = ''): string {
    return join(this.folder, 'decisions', `${encodeURIComponent(id)}${suffix}.json`);
  }

  async load(): Promise<GuardrailState | undefined> {
    try {
      return (await readJson(this.statePath)) as GuardrailState;
    } catch (error) {
      if ((error as Error).message.endsWith('no such file')) return undefined;
      throw error;
    }
  }

  async save(state: GuardrailState): Promise<void> {
    const saved = await this.load();
    if (saved && saved.revision !== state.revision) throw new StateConflictError();
    state.revision++;
    await writeAtomically(this.statePath, JSON.stringify(state));
  }

  async recordDecision(decision: Decision): Promise<boolean> {
    await mkdir(join(this.folder, 'decisions'), { recursive: true });
    try {
      await writeFile(this.decisionPath(decision.id), JSON.stringify(decision, null, 2), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    await writeAtomically(this.decisionPath(decisionId, '.outcome'), JSON.stringify(outcome, null, 2));
  }

  /** Every recorded decision, oldest first. */
  async decisions(): Promise<Decision[]> {
    const folder = join(this.folder, 'decisions');
    const names = await readdir(folder).catch(() => [] as string[]);
    const decisions = await Promise.all(
      names.filter((n) => n.endsWith('.json') && !n.endsWith('.outcome.json')).map(async (n) => (await readJson(join(folder, n))) as Decision),
    );
    return decisions.sort((a, b) => a.time - b.time);
  }
}
