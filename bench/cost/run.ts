/**
 * `npm run bench:cost`: what the guardrail costs a month, measured by driving the real detector
 * handler (createDetectorHandler) in process over a simulated month, minute by minute, with every
 * AWS client replaced by a counting stand-in answering in the real response shapes: GetMetricData
 * metrics requested, DynamoDB request units and storage (bench/cost/fake-dynamo.ts), Lambda
 * invocations and GB-seconds (compute measured here, plus typical round trips: prices.ts), SNS
 * publishes, S3 puts, Secrets Manager calls, CloudWatch custom metrics and log bytes from the
 * handler's embedded metric format output. Multiplied by the list prices in bench/cost/prices.ts.
 *
 * Per series-month is what the series add over an empty guardrail of the same design (run with no
 * series); fixed is that empty guardrail plus what is priced on paper (alarms, dashboard, key,
 * secrets, the backfill function). Designs:
 *   cadence       reads every minute while a release is watched (3 h), every 5 minutes otherwise; journal store (this branch)
 *   watch-60      the same, watching a release for 1 hour (10 and 100 series)
 *   every-minute  reads every minute; journal store
 *   before        reads every minute; every series item written every run (the layout before)
 *   metric-streams on paper: a CloudWatch Metric Stream (one update a series a minute) through Firehose,
 *                 with the every-minute design's state and compute
 *
 * Options: --json (rows), --markdown (docs/deploy.md's cost section; --from-json FILE renders a
 * saved --json run), --series 10,100,1000,
 * --days N (the cadence designs' simulated days, the first N of the month's calendar, scaled to
 * 30; default 30: a month of 1,000 series takes about four minutes here), --steady-days N (the
 * every-minute designs', scaled to 30: they do not depend on the calendar; default 1).
 */
import { readFile } from 'node:fs/promises';
import { bill, type Cost, divide, minus, paperFixed, sum } from './bill.ts';
import { MONTH_MINUTES, PRICES, PRICES_CHECKED } from './prices.ts';
import { costSection, printTables, type Row } from './report.ts';
import { DESIGNS, type DesignKey, SMALL_ONLY, simulate } from './simulate.ts';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const markdown = process.argv.includes('--markdown');
  const sizes = (option('--series') ?? '10,100,1000').split(',').map(Number);
  const daysFor = () => Number(option('--days') ?? 30);
  const steadyDays = Number(option('--steady-days') ?? 1);
  const log = (line: string) => (json || markdown ? process.stderr.write(`${line}\n`) : console.log(line));
  const paper = paperFixed();
  const paperUsd = paper.reduce((a, p) => a + p.usd, 0);
  const saved = option('--from-json');
  if (saved) {
    // A run saved with --json, rendered again without simulating.
    const { rows, paperFixed: savedPaper } = JSON.parse(await readFile(saved, 'utf8')) as { rows: Row[]; paperFixed: typeof paper };
    return void console.log(costSection(rows, savedPaper));
  }
  const rows = await measureRows(sizes, { days: daysFor(), steadyDays, paperUsd, log });
  rows.push(...streamRows(rows, sizes));
  if (json) return void console.log(JSON.stringify({ pricesChecked: PRICES_CHECKED, paperFixed: paper, rows }, null, 2));
  if (markdown) return void console.log(costSection(rows, paper));
  printTables(rows, paper);
}

/** Each design simulated at each size (the empty guardrail of the same days once), priced. */
async function measureRows(
  sizes: readonly number[],
  { days, steadyDays, paperUsd, log }: { days: number; steadyDays: number; paperUsd: number; log: (line: string) => void },
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const design of Object.keys(DESIGNS) as DesignKey[]) {
    const emptyRuns = new Map<number, Cost>();
    for (const series of sizes) {
      if (SMALL_ONLY.has(design) && series >= 1000) continue;
      const calendarDependent = DESIGNS[design].idleMinutes > 1;
      const d = calendarDependent ? days : steadyDays;
      if (!emptyRuns.has(d)) emptyRuns.set(d, bill(await simulate(design, 0, d)));
      const fixed = emptyRuns.get(d)!;
      const m = await simulate(design, series, d);
      const perSeries = divide(minus(bill(m), fixed), series);
      const delays = m.releaseToRead;
      // Custom metrics: per cluster (those with a Cluster dimension) or fixed (the guardrail's own), never per series.
      const perCluster = (m.clusterMetrics * PRICES.customMetricPerMonth) / m.clusters;
      const fixedUsd = sum(fixed) + m.customMetrics * PRICES.customMetricPerMonth + paperUsd;
      rows.push({
        design,
        label: DESIGNS[design].label,
        series,
        clusters: m.clusters,
        perSeriesMonthUsd: sum(perSeries),
        perClusterMonthUsd: perCluster,
        fixedMonthUsd: fixedUsd,
        totalMonthUsd: sum(perSeries) * series + perCluster * m.clusters + fixedUsd,
        emptyRunsMonthUsd: sum(fixed),
        ...(calendarDependent && delays.length
          ? {
              releaseToFastReadSeconds: {
                mean: delays.reduce((a, b) => a + b, 0) / delays.length,
                max: Math.max(...delays),
                releases: delays.length,
              },
            }
          : {}),
        perSeries,
        readsPerMonth: (m.reads * 30) / m.days,
        perRead: m.perRead,
        simulatedDays: d,
        simulatedSeconds: m.simulatedSeconds,
        rollbacks: m.rollbacks,
      });
      log(
        `simulated ${design}, ${series} series, ${d} days: ${m.simulatedSeconds.toFixed(0)} s (${m.reads} reads of ${m.invocations} runs; ${m.rollbacks} rollback(s), ${m.snsPublishes} alerts)`,
      );
    }
  }
  return rows;
}

/** Metric Streams, on paper: one update a series a minute, through Firehose (about 0.5 KB an update, batched), and the every-minute design's state and compute. */
function streamRows(rows: readonly Row[], sizes: readonly number[]): Row[] {
  const streams: Row[] = [];
  for (const series of sizes) {
    const everyMinute = rows.find((r) => r.design === 'every-minute' && r.series === series)!;
    const stream = MONTH_MINUTES * PRICES.metricStreamPerUpdate + MONTH_MINUTES * 0.5e-6 * PRICES.firehosePerGb;
    const rest = sum(everyMinute.perSeries!) - everyMinute.perSeries!.getMetricData;
    streams.push({
      design: 'metric-streams',
      label: 'Metric Streams + Firehose (on paper), every-minute state and compute',
      series,
      clusters: everyMinute.clusters!,
      perSeriesMonthUsd: stream + rest,
      perClusterMonthUsd: everyMinute.perClusterMonthUsd!,
      fixedMonthUsd: everyMinute.fixedMonthUsd,
      totalMonthUsd: (stream + rest) * series + everyMinute.perClusterMonthUsd! * everyMinute.clusters! + everyMinute.fixedMonthUsd,
    });
  }
  return streams;
}

await main();
