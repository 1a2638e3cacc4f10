/** Inputs in the real formats: GetMetricData pages, audit logs, deploy events, CSV series, scenarios; made from the bundled exports, then edited. */
import fc from 'fast-check';
import { T } from './bounds.ts';
import { auditEntries, config, deployEvents, metricPages, scenarioDocuments, signalNames } from './corpus.ts';
import { interestingStrings, interestingValue } from './interesting.ts';
import { applyEdits, applyTextEdits, edit, textEdit } from './mutate.ts';

export const edits = (max: number) => fc.array(edit, { maxLength: max });

/** A few results of a real page, each cut to a few points, then edited. */
export const metricsDocument = fc
  .record({
    page: fc.nat(),
    picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    from: fc.nat({ max: 400 }),
    length: fc.nat({ max: 12 }),
    nextToken: fc.boolean(),
    pages: fc.boolean(),
    edits: edits(4),
  })
  .map(({ page, picks, from, length, nextToken, pages, edits: e }) => {
    const source = metricPages[page % metricPages.length]!;
    const results = picks.map((p) => {
      const r = source.MetricDataResults[p % source.MetricDataResults.length]!;
      return { ...r, Timestamps: r.Timestamps!.slice(from, from + length), Values: r.Values!.slice(from, from + length) };
    });
    const document = { MetricDataResults: results, ...(nextToken ? { NextToken: 'token' } : {}), Messages: [] };
    const edited = applyEdits(document, e);
    return pages ? [edited, applyEdits(document, e.slice(0, 1))] : edited;
  });

export const signalList = fc.oneof(
  { weight: 8, arbitrary: fc.constant<readonly (string | { name: string; kind: 'rate' | 'count' | 'percent' })[]>(config.signals) },
  { weight: 1, arbitrary: fc.constant<readonly string[]>(signalNames) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...signalNames, '[', '(a+)+b', '', 'a', 'Cluster', '.*', '\\'), { maxLength: 4 }) },
);

export const timelineShape = <T>(items: T[], shape: number): unknown => (shape % 3 === 0 ? items : shape % 3 === 1 ? { items } : items[0]);

export const auditDocument = fc
  .record({ picks: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), shape: fc.nat(), edits: edits(4) })
  .map(({ picks, shape, edits: e }) =>
    applyEdits(
      timelineShape(
        picks.map((p) => auditEntries[p % auditEntries.length]),
        shape,
      ),
      e,
    ),
  );

export const deploySeed = fc.record({
  id: fc.oneof(fc.constant('deploy-1'), fc.string({ maxLength: 10 })),
  time: fc.oneof(
    fc.constantFrom<unknown>(
      '2025-10-02T10:00:00.000Z',
      T,
      T / 1000,
      '0',
      0,
      1e16,
      '1969-07-20T20:17:00Z',
      '2025-10-02',
      '2025-10-02 10:00',
    ),
    interestingValue,
  ),
  service: fc.constantFrom('payments-api', '', 'x'.repeat(300)),
  version: fc.constant('2.14.0'),
  environment: fc.constantFrom('production', 'constructor'),
  by: fc.option(fc.constant('bot'), { nil: undefined }),
});
export const deployDocument = fc
  .record({
    base: fc.oneof(
      fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).map((ps) => ps.map((p) => deployEvents[p % deployEvents.length])),
      fc.array(deploySeed, { minLength: 1, maxLength: 3 }),
    ),
    shape: fc.nat(),
    edits: edits(3),
  })
  .map(({ base, shape, edits: e }) => applyEdits(timelineShape(base as unknown[], shape), e));

export const csvText = fc
  .record({
    header: fc.oneof(
      { weight: 15, arbitrary: fc.constant('timestamp,value') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('timestamp,value,extra', 'time,val', '"timestamp","value"', 'value,timestamp', ...interestingStrings),
      },
    ),
    start: fc.integer({ min: Date.UTC(2006, 0, 1), max: Date.UTC(2099, 0, 1) }),
    stepMs: fc.constantFrom(60_000, 300_000, 3_600_000, 0, -60_000),
    style: fc.constantFrom('nab', 'iso', 'offset'),
    rows: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 40, arbitrary: fc.constant(undefined) },
          {
            weight: 1,
            arbitrary: fc.constantFrom('1969-12-31 23:59:00', '0', '', '2200-01-01 00:00:00', String(T), ...interestingStrings),
          },
        ),
        fc.oneof(
          { weight: 40, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
          { weight: 1, arbitrary: fc.constantFrom('1e100', 'NaN', '', ' 7 ', 'Infinity', '"1"', ...interestingStrings) },
        ),
      ),
      { maxLength: 40 },
    ),
    edits: fc.array(textEdit, { maxLength: 1 }),
  })
  .map(({ header, start, stepMs, style, rows, edits: e }) => {
    const stamp = (i: number) => {
      const iso = new Date(start + i * stepMs).toISOString();
      return style === 'nab' ? iso.slice(0, 19).replace('T', ' ') : style === 'iso' ? iso : iso.replace('Z', '+00:00');
    };
    return applyTextEdits([header, ...rows.map(([t, v], i) => `${t ?? stamp(i)},${v}`)].join('\n'), e);
  });

export const scenarioDocument = fc
  .record({ pick: fc.nat(), edits: edits(4) })
  .map(({ pick, edits: e }) => applyEdits(scenarioDocuments[pick % scenarioDocuments.length], e));
