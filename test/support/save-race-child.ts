/**
 * One of several processes saving the local state folder at once (see test/adapters/local-save-race.test.ts):
 * each round, load; say so; wait for the go; save a state marked with this process and round;
 * print what happened, one JSON line per round.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStateStore } from '../../lambdas/adapters/local/state-files.ts';
import { StateConflictError } from '../../lambdas/core/errors.ts';
import { newGuardrailState } from '../../lambdas/core/state.ts';

const [folder, child, rounds] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];
const store = new FileStateStore(join(folder, 'state'));
for (let round = 1; round <= rounds; round++) {
  const state = (await store.load()) ?? newGuardrailState();
  const loaded = state.revision;
  state.evaluatedAt = child * 1000 + round;
  writeFileSync(join(folder, `loaded-${round}-${child}`), '');
  const giveUpAt = Date.now() + 30_000; // the test is gone: do not spin on
  while (!existsSync(join(folder, `go-${round}`))) {
    // spin: every process leaves the barrier within microseconds of the others
    if (Date.now() > giveUpAt) process.exit(3);
  }
  let result: string;
  try {
    await store.save(state);
    result = 'saved';
  } catch (error) {
    result = error instanceof StateConflictError ? 'conflict' : `error: ${(error as Error).message}`;
  }
  process.stdout.write(`${JSON.stringify({ child, round, loaded, result, revision: state.revision, mark: state.evaluatedAt })}\n`);
  writeFileSync(join(folder, `done-${round}-${child}`), '');
}
