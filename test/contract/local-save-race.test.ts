/**
 * The local state folder's save across processes: four processes load the same revision and save
 * at once, ten rounds. Exactly one save per round wins; the others are told (StateConflictError);
 * every save that was reported as done is in the folder's history.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileStateStore } from '../../lambdas/adapters/local/state-files.ts';

const PROCESSES = 4;
const ROUNDS = 10;
const child = join(import.meta.dirname, '../support/save-race-child.ts');

interface Line {
  child: number;
  round: number;
  loaded: number;
  result: string;
  revision: number;
  mark: number;
}

let childFailed: Error | undefined;

async function waitFor(paths: string[]): Promise<void> {
  while (!paths.every((p) => existsSync(p))) {
    if (childFailed) throw childFailed;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('FileStateStore.save across processes', () => {
  it('of the processes that loaded one revision, exactly one saves; no save is lost silently', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'stormguard-race-'));
    const lines: Line[] = [];
    const children = Array.from({ length: PROCESSES }, (_, i) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, folder, String(i + 1), String(ROUNDS)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      proc.stdout.on('data', (chunk) => (out += chunk));
      return new Promise<void>((resolve, reject) =>
        proc.on('exit', (code) => {
          if (code === 0) {
            lines.push(
              ...out
                .trim()
                .split('\n')
                .map((l) => JSON.parse(l) as Line),
            );
            resolve();
          } else {
            childFailed = new Error(`a saving process exited with ${code}`);
            reject(childFailed);
          }
        }),
      );
    });
    for (let round = 1; round <= ROUNDS; round++) {
      await waitFor(Array.from({ length: PROCESSES }, (_, i) => join(folder, `loaded-${round}-${i + 1}`)));
      await writeFile(join(folder, `go-${round}`), '');
      await waitFor(Array.from({ length: PROCESSES }, (_, i) => join(folder, `done-${round}-${i + 1}`)));
    }
    await Promise.all(children);

    expect(lines).toHaveLength(PROCESSES * ROUNDS);
    for (let round = 1; round <= ROUNDS; round++) {
      const inRound = lines.filter((l) => l.round === round);
      expect(new Set(inRound.map((l) => l.loaded)).size, `round ${round}: every process loaded the same revision`).toBe(1);
      expect(
        inRound.filter((l) => l.result === 'saved'),
        `round ${round}`,
      ).toHaveLength(1);
      expect(
        inRound.filter((l) => l.result === 'conflict'),
        `round ${round}`,
      ).toHaveLength(PROCESSES - 1);
    }
    // Every save reported as done is the revision it says, with its content.
    const saved = lines.filter((l) => l.result === 'saved');
    for (const s of saved) {
      const stored = JSON.parse(await readFile(join(folder, 'state', 'revisions', `${s.revision}.json`), 'utf8'));
      expect(stored.evaluatedAt).toBe(s.mark);
    }
    const final = await new FileStateStore(join(folder, 'state')).load();
    expect(final!.revision).toBe(ROUNDS);
    expect(final!.evaluatedAt).toBe(saved.find((s) => s.round === ROUNDS)!.mark);
    expect(JSON.parse(await readFile(join(folder, 'state', 'state.json'), 'utf8')).revision).toBe(ROUNDS);
  }, 60_000);
});
