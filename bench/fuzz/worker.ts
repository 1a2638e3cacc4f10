/**
 * One target's inputs in a worker thread: the main thread (run.ts) watches the index of the
 * input under way in shared memory and ends the worker if one input takes longer than the hang
 * bound; it then starts another from the next input. Progress (counts and findings) is posted
 * every PROGRESS_EVERY inputs, and at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type FuzzReport, fuzz } from './harness.ts';
import { targets } from './targets.ts';

export interface WorkerData {
  readonly target: string;
  readonly seed: number;
  readonly count: number;
  readonly from: number;
  readonly skip: number[];
  readonly hangMs: number;
  readonly report: FuzzReport;
  /** [index under way, inputs started] */
  readonly shared: SharedArrayBuffer;
}

const PROGRESS_EVERY = 200;
const data = workerData as WorkerData;
const target = targets.find((t) => t.name === data.target);
if (!target) throw new Error(`no fuzz target ${data.target}`);
const shared = new Int32Array(data.shared);
const report = await fuzz(target, {
  count: data.count,
  seed: data.seed,
  hangMs: data.hangMs,
  from: data.from,
  skip: new Set(data.skip),
  report: data.report,
  onInput: (index, progress) => {
    if (index % PROGRESS_EVERY === 0) parentPort!.postMessage({ type: 'progress', next: index, report: progress });
    Atomics.store(shared, 0, index);
    Atomics.add(shared, 1, 1);
  },
});
parentPort!.postMessage({ type: 'done', report });
