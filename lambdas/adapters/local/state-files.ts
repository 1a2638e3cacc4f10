/**
 * The local StateStore: the guardrail's state, decisions and their outcomes as files in a folder.
 *
 * Every write that decides between runs is one atomic file-system operation, so it holds across
 * processes:
 * - a decision is created with O_EXCL (`wx`): of two runs that decide the same thing, exactly one
 *   records it and acts; the other is told it was already recorded;
 * - a save is a compare-and-swap: the new state is written beside, then hard-linked as
 *   `revisions/<revision>.json`, which fails if that revision exists. Of the runs that loaded one
 *   revision, exactly one saves the next; the others get StateConflictError (none is lost
 *   silently). `state.json` follows the newest revision, for people; `load` reads the newest revision;
 * - taking over a decision, or claiming an alert's delivery, creates a file named for the claiming
 *   evaluation with O_EXCL: of two copies of one run, one gets it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Decision, Outcome } from '../../core/decision.ts';
import { InputError, StateConflictError } from '../../core/errors.ts';
import type { GuardrailState } from '../../core/state.ts';
import { checkedState } from '../../core/state-schema.ts';
import type { AlertClaim, PendingDecision, StateStore } from '../../ports.ts';
import { readJson, readJsonIfExists, writeAtomically } from './files.ts';

/** The replay's flag file in a state folder (flag-file.ts: the replay's LaunchDarkly). */
export const FLAG_FILE = 'flags.json';
/** Revisions kept beside the newest (older ones are removed after a save). */
const KEPT_REVISIONS = 20;
/** File names stay well under the 255 bytes file systems allow, suffixes included. */
const MAX_NAME_BYTES = 160;

/**
 * A file name for an id (a decision's, an alert's): the id URI-encoded, or, when that is long
 * (a long cluster name or flag key), its start and a hash of the whole id. Files are found by
 * this name and read for the id itself, never decoded from it.
 */
export function fileNameOf(id: string): string {
  const encoded = encodeURIComponent(id);
  if (encoded.length <= MAX_NAME_BYTES) return encoded;
  return `${encoded.slice(0, MAX_NAME_BYTES - 41).replace(/%[0-9A-F]?$/, '')}~${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
}

export class FileStateStore implements StateStore {
  constructor(readonly folder: string) {}

  private get statePath(): string {
    return join(this.folder, 'state.json');
  }

  private get revisionsPath(): string {
    return join(this.folder, 'revisions');
  }

  private decisionPath(id: string, suffix = ''): string {
    return join(this.folder, 'decisions', `${fileNameOf(id)}${suffix}.json`);
  }

  /** The store of a folder that must exist: gate and ack read a replay's or a drill's state, and a mistyped path is not "no state yet". */
  static async existing(folder: string): Promise<FileStateStore> {
    if (!(await folderExists(folder)))
      throw new InputError({ file: folder }, 'no such folder, expected a state folder (the --state of a replay or a drill)');
    return new FileStateStore(folder);
  }

  async load(): Promise<GuardrailState | undefined> {
    await folderExists(this.folder);
    const newest = (await this.revisions()).at(-1);
    const path = newest === undefined ? this.statePath : join(this.revisionsPath, `${newest}.json`);
    const read = await readJsonIfExists(path);
    return read === undefined ? undefined : checkedState(read, path);
  }

  async save(state: GuardrailState): Promise<void> {
    const next = state.revision + 1;
    await mkdir(this.revisionsPath, { recursive: true });
    const written = join(this.folder, `.state.${randomUUID()}.tmp`);
    try {
      await writeFile(written, JSON.stringify({ ...state, revision: next }));
      // The compare-and-swap: link(2) fails if the revision exists, whoever made it.
      await link(written, join(this.revisionsPath, `${next}.json`));
    } catch (error) {
      await rm(written, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new StateConflictError();
      throw error;
    }
    state.revision = next;
    const revisions = await this.revisions();
    if (revisions.at(-1) === next) await rename(written, this.statePath);
    else await rm(written, { force: true });
    for (const old of revisions.slice(0, -KEPT_REVISIONS)) await rm(join(this.revisionsPath, `${old}.json`), { force: true });
  }

  /** The revisions saved, oldest first. */
  private async revisions(): Promise<number[]> {
    const names = await readdir(this.revisionsPath).catch(() => [] as string[]);
    return names.flatMap((n) => (/^\d+\.json$/.test(n) ? [Number(n.slice(0, -5))] : [])).sort((a, b) => a - b);
  }

  async recordDecision(decision: Decision): Promise<boolean> {
    await mkdir(join(this.folder, 'decisions'), { recursive: true });
    try {
      await writeFile(this.decisionPath(decision.id), JSON.stringify(decision, null, 2), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
    await writeFile(this.decisionPath(decision.id, '.alert-pending'), JSON.stringify({ claimedAt: decision.time }));
    return true;
  }

  async recordOutcome(decisionId: string, outcome: Outcome): Promise<void> {
    await writeAtomically(this.decisionPath(decisionId, '.outcome'), JSON.stringify(outcome, null, 2));
  }

  async pendingDecisions(since: number): Promise<PendingDecision[]> {
    const names = await readdir(join(this.folder, 'decisions')).catch(() => [] as string[]);
    const pending: PendingDecision[] = [];
    for (const name of names.filter((n) => n.endsWith('.alert-pending.json'))) {
      const base = join(this.folder, 'decisions', name.slice(0, -'.alert-pending.json'.length));
      const decision = (await readJson(`${base}.json`)) as Decision;
      if (decision.time < since) continue;
      const outcome = (await readJson(`${base}.outcome.json`).catch(() => undefined)) as Outcome | undefined;
      pending.push({ decision, ...(outcome ? { outcome } : {}) });
    }
    return pending.sort((a, b) => a.decision.time - b.decision.time);
  }

  async resumeDecision(decisionId: string, now: number): Promise<boolean> {
    const pending = (await readJson(this.decisionPath(decisionId, '.alert-pending')).catch(() => undefined)) as
      | { claimedAt: number }
      | undefined;
    if (!pending || pending.claimedAt >= now) return false;
    if (!(await createOnce(this.decisionPath(decisionId, `.resumed-${now}`)))) return false;
    await writeAtomically(this.decisionPath(decisionId, '.alert-pending'), JSON.stringify({ claimedAt: now }));
    return true;
  }

  async recordAlerted(decisionId: string): Promise<void> {
    await rm(this.decisionPath(decisionId, '.alert-pending'), { force: true });
  }

  async claimAlert(key: string, now: number): Promise<AlertClaim> {
    const folder = join(this.folder, 'alerts', fileNameOf(key));
    await mkdir(folder, { recursive: true });
    const names = await readdir(folder);
    if (names.includes('sent')) return 'sent';
    if (names.some((n) => n.startsWith('claimed-') && Number(n.slice('claimed-'.length)) >= now)) return 'taken';
    return (await createOnce(join(folder, `claimed-${now}`))) ? 'claimed' : 'taken';
  }

  async recordAlertSent(key: string, now: number): Promise<void> {
    await writeFile(join(this.folder, 'alerts', fileNameOf(key), 'sent'), String(now));
  }

  /** Every recorded decision, oldest first. */
  async decisions(): Promise<Decision[]> {
    const folder = join(this.folder, 'decisions');
    const names = await readdir(folder).catch(() => [] as string[]);
    const decisions = await Promise.all(
      names
        .filter((n) => n.endsWith('.json') && !/\.(outcome|alert-pending|resumed-\d+)\.json$/.test(n))
        .map(async (n) => (await readJson(join(folder, n))) as Decision),
    );
    return decisions.sort((a, b) => a.time - b.time);
  }
}

/** Whether a state folder exists; a file where it should be is an input error. */
async function folderExists(folder: string): Promise<boolean> {
  const found = await stat(folder).catch(() => undefined);
  if (found && !found.isDirectory()) throw new InputError({ file: folder }, 'is a file, expected a state folder');
  return found !== undefined;
}

/** Creates an empty file if it does not exist: true for the one caller that created it. */
async function createOnce(path: string): Promise<boolean> {
  try {
    await writeFile(path, '', { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
