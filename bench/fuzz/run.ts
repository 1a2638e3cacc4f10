/**
 * `npm run bench:fuzz`: every parser of a user's input over generated inputs (bench/fuzz/targets.ts),
 * at least 100,000 each, and what came of them: crashes (thrown, not an InputError), hangs (an
 * input over the per-input bound, the worker ended and restarted after it) and wrong results
 * (accepted, breaking an invariant). Exits 1 if any.
 *
 *   npm run bench:fuzz [-- --count 100000 --seed 1 --hang-ms 10000 --concurrency 2 --only NAME]
 *
 * Results: the table on stdout, every finding in bench/results/fuzz.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { type FuzzReport, newReport } from './harness.ts';
import { targets } from './targets.ts';
import type { WorkerData } from './worker.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    'hang-ms': { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '2' },
    only: { type: 'string' },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const hangMs = Number(values['hang-ms']);
const concurrency = Math.max(1, Number(values.concurrency));
const chosen = targets.filter((t) => !values.only || t.name.includes(values.only));

/** One target in workers, one after another when an input hangs. */
async function runTarget(name: string): Promise<FuzzReport & { seconds: number }> {
  const started = performance.now();
  let report = newReport(name);
  let from = 0;
  const skip: number[] = [];
  for (;;) {
    const shared = new SharedArrayBuffer(8);
    const view = new Int32Array(shared);
    const data: WorkerData = { target: name, seed, count, from, skip, hangMs, report, shared };
    const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: data });
    const outcome = await new Promise<
      { kind: 'done'; report: FuzzReport } | { kind: 'hang'; index: number; progress: { next: number; report: FuzzReport } }
    >((resolve, reject) => {
      let progress = { next: from, report };
      let lastStarted = -1;
      let since = performance.now();
      const watchdog = setInterval(
        () => {
          const started = Atomics.load(view, 1);
          if (started !== lastStarted) {
            lastStarted = started;
            since = performance.now();
          } else if (started > 0 && performance.now() - since > hangMs) {
            clearInterval(watchdog);
            const index = Atomics.load(view, 0);
            void worker.terminate().then(() => resolve({ kind: 'hang', index, progress }));
          }
        },
        Math.min(1000, hangMs / 4),
      );
      worker.on('message', (message: { type: string; next?: number; report: FuzzReport }) => {
        if (message.type === 'progress') progress = { next: message.next!, report: message.report };
        else {
          clearInterval(watchdog);
          resolve({ kind: 'done', report: message.report });
        }
      });
      worker.on('error', (error) => {
        clearInterval(watchdog);
        reject(error);
      });
    });
    if (outcome.kind === 'done') return { ...outcome.report, seconds: (performance.now() - started) / 1000 };
    // The inputs from the last progress on run again, but for the one that hung.
    report = outcome.progress.report;
    report.hangs.push({
      index: outcome.index,
      input: '(see the seed and index: the worker was ended)',
      detail: `over ${hangMs} ms: ended`,
    });
    report.inputs++;
    skip.push(outcome.index);
    from = outcome.progress.next;
    process.stderr.write(`${name}: input ${outcome.index} hung; going on\n`);
  }
}

const started = performance.now();
const reports: Array<FuzzReport & { seconds: number }> = [];
const queue = [...chosen.map((t) => t.name)];
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const report = await runTarget(name);
      reports.push(report);
      process.stderr.write(`${name}: ${report.inputs} inputs in ${report.seconds.toFixed(0)} s\n`);
    }
  }),
);
reports.sort((a, b) => chosen.findIndex((t) => t.name === a.target) - chosen.findIndex((t) => t.name === b.target));

const pad = (text: string | number, width: number) => String(text).padStart(width);
const lines = [
  `bench:fuzz: ${count} inputs per parser, seed ${seed}, hang bound ${hangMs} ms per input`,
  '',
  `${'parser'.padEnd(28)} ${pad('inputs', 8)} ${pad('accepted', 9)} ${pad('rejected', 9)} ${pad('crashes', 8)} ${pad('hangs', 6)} ${pad('wrong', 6)} ${pad('slowest', 9)} ${pad('time', 7)}`,
  ...reports.map(
    (r) =>
      `${r.target.padEnd(28)} ${pad(r.inputs, 8)} ${pad(r.accepted, 9)} ${pad(r.rejected, 9)} ${pad(r.crashes.length, 8)} ${pad(r.hangs.length, 6)} ${pad(r.wrong.length, 6)} ${pad(`${r.slowestMs.toFixed(0)} ms`, 9)} ${pad(`${r.seconds.toFixed(0)} s`, 7)}`,
  ),
  '',
  `total: ${reports.reduce((n, r) => n + r.inputs, 0)} inputs, ${reports.reduce((n, r) => n + r.crashes.length, 0)} crashes, ${reports.reduce((n, r) => n + r.hangs.length, 0)} hangs, ${reports.reduce((n, r) => n + r.wrong.length, 0)} wrong results, in ${((performance.now() - started) / 1000).toFixed(0)} s`,
];
process.stdout.write(`${lines.join('\n')}\n`);
for (const r of reports) {
  for (const [kind, findings] of [
    ['crash', r.crashes],
    ['hang', r.hangs],
    ['wrong', r.wrong],
  ] as const) {
    for (const f of findings.slice(0, 3)) process.stdout.write(`  ${r.target} ${kind} #${f.index}: ${f.detail}\n    input: ${f.input}\n`);
  }
}
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/fuzz.json', `${JSON.stringify({ count, seed, hangMs, reports }, null, 2)}\n`);
process.exitCode = reports.some((r) => r.crashes.length + r.hangs.length + r.wrong.length > 0) ? 1 : 0;
