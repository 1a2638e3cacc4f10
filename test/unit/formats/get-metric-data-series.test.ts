/** How GetMetricData results become series: by label (and Id, for default labels), merged across pages and exports. */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../lambdas/core/config.ts';
import { seriesName } from '../../../lambdas/core/metric-series.ts';
import { readGetMetricData } from '../../../lambdas/formats/get-metric-data.ts';

const signals = defaultConfig().signals.map((s) => s.name);
const read = (...pages: unknown[]) =>
  readGetMetricData(
    pages.map((document, i) => ({ source: `page${i + 1}.json`, document })),
    signals,
  );

describe('series identity: a label with dimensions names its series; the metric name alone needs the Id too', () => {
  const stamps = ['2025-08-28T14:01:00+00:00', '2025-08-28T14:00:00+00:00'];
  const withId = (id: string, label: string | undefined, values: number[], status = 'Complete') => ({
    Id: id,
    ...(label !== undefined ? { Label: label } : {}),
    Timestamps: stamps.slice(0, values.length),
    Values: values,
    StatusCode: status,
  });

  it('with default labels (the metric name for every broker), keeps one series per Id, never merged', () => {
    const { series, warnings } = read({
      MetricDataResults: [
        withId('m0', 'ConnectionCreationRate', [5, 4]),
        withId('m1', 'ConnectionCreationRate', [50, 40]),
        withId('m2', 'HeapMemoryAfterGC', [30, 31]),
      ],
    });
    expect(warnings).toEqual([]);
    expect(series.map((s) => s.key)).toEqual(['ConnectionCreationRate Id=m0', 'ConnectionCreationRate Id=m1', 'HeapMemoryAfterGC']);
    expect(series[1]!.points.map((p) => p.value)).toEqual([40, 50]);
    expect(seriesName(series[0]!)).toBe('ConnectionCreationRate (Id m0)');
  });

  it('merges a series across pages by its Id, and tells pages that stop short', () => {
    const { series, warnings } = read(
      {
        MetricDataResults: [
          withId('m0', 'ConnectionCreationRate', [2], 'PartialData'),
          withId('m1', 'ConnectionCreationRate', [20], 'PartialData'),
        ],
        NextToken: 't1',
      },
      {
        MetricDataResults: [
          { ...withId('m0', 'ConnectionCreationRate', [1]), Timestamps: [stamps[1]] },
          { ...withId('m1', 'ConnectionCreationRate', [10]), Timestamps: [stamps[1]] },
        ],
      },
    );
    expect(warnings).toEqual([]);
    expect(series.map((s) => s.points.length)).toEqual([2, 2]);
  });

  it('warns of an incomplete export when the last page of a series still carries NextToken', () => {
    const { series, warnings } = read({ MetricDataResults: [withId('m0', 'ConnectionCount', [1, 2], 'PartialData')], NextToken: 'more' });
    expect(series).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/^incomplete export: 1 series end in a page that carries NextToken \(page1\.json\)/)]);
  });

  it('takes a series that said Complete on a page with NextToken as whole: other series go on to the next pages', () => {
    const { warnings } = read(
      {
        MetricDataResults: [withId('m0', 'ConnectionCount', [1, 2], 'Complete'), withId('m1', 'ConnectionCount', [1], 'PartialData')],
        NextToken: 'more',
      },
      { MetricDataResults: [{ ...withId('m1', 'ConnectionCount', [3]), Timestamps: [stamps[1]] }] },
    );
    expect(warnings).toEqual([]);
    const cut = read({
      MetricDataResults: [withId('m0', 'ConnectionCount', [1, 2], 'Complete'), withId('m1', 'ConnectionCount', [1], 'PartialData')],
      NextToken: 'more',
    });
    expect(cut.warnings).toEqual([
      expect.stringMatching(
        /^incomplete export: 1 series end in a page that carries NextToken .*missing: the oldest if the pages go newest first .*, the newest, where a storm would be, if they go oldest first/,
      ),
    ]);
  });

  it('with dynamic labels, a SEARCH Id returning every broker gives one series per label, keyed as before', () => {
    const label = (b: number) => `ConnectionCount Cluster Name=events, Broker ID=${b}`;
    const { series } = read({ MetricDataResults: [withId('q0', label(1), [1]), withId('q0', label(2), [2])] });
    expect(series.map((s) => s.key)).toEqual([
      'ConnectionCount Cluster Name=events, Broker ID=1',
      'ConnectionCount Cluster Name=events, Broker ID=2',
    ]);
    expect(series.every((s) => s.cluster === 'events')).toBe(true);
  });

  it('with dynamic labels, merges a series across exports whose queries were named differently (m1, then qm1)', () => {
    const label = (b: number) => `ConnectionCreationRate Cluster Name=events, Broker ID=${b}`;
    const earlier = { MetricDataResults: [1, 2].map((b) => ({ ...withId(`m${b}`, label(b), [b]), Timestamps: [stamps[1]] })) };
    const later = { MetricDataResults: [1, 2].map((b) => ({ ...withId(`qm${b}`, label(b), [10 * b]), Timestamps: [stamps[0]] })) };
    const { series, warnings } = read(earlier, later);
    expect(warnings).toEqual([]);
    expect(series.map((s) => [s.key, s.points.map((p) => p.value)])).toEqual([
      [label(1), [1, 10]],
      [label(2), [2, 20]],
    ]);
  });

  it('with default labels, keeps two exports’ Ids apart: the metric name alone does not say which broker either is', () => {
    const { series, warnings } = read(
      { MetricDataResults: [withId('m0', 'ConnectionCreationRate', [1])] },
      { MetricDataResults: [withId('qm0', 'ConnectionCreationRate', [2])] },
    );
    expect(warnings).toEqual([]);
    expect(series.map((s) => s.key)).toEqual(['ConnectionCreationRate Id=m0', 'ConnectionCreationRate Id=qm0']);
  });

  it('mixed: a dynamic label merges across Ids, the default one splits by Id, and two queries with one label and other values split by Id, warned', () => {
    const dynamic = 'HeapMemoryAfterGC Cluster Name=events, Broker ID=1';
    const { series, warnings } = read(
      {
        MetricDataResults: [
          withId('h1', dynamic, [30]),
          withId('c1', 'ConnectionCount', [1]),
          withId('c2', 'ConnectionCount', [2]),
          withId('x1', 'ClientConnectionCount Broker ID=1', [3]),
          withId('x2', 'ClientConnectionCount Broker ID=1', [4]),
        ],
      },
      { MetricDataResults: [{ ...withId('h9', dynamic, [31]), Timestamps: [stamps[1]] }] },
    );
    expect(series.map((s) => s.key)).toEqual([
      'ClientConnectionCount Broker ID=1, Id=x1',
      'ClientConnectionCount Broker ID=1, Id=x2',
      'ConnectionCount Id=c1',
      'ConnectionCount Id=c2',
      `${dynamic}`,
    ]);
    expect(series[4]!.points.map((p) => p.value)).toEqual([31, 30]);
    expect(seriesName(series[0]!)).toBe('ClientConnectionCount on broker 1');
    expect(warnings).toEqual([
      expect.stringMatching(
        /^page1\.json: MetricDataResults\[4\] \("ClientConnectionCount Broker ID=1"\) names the same series as an earlier result of its page, with another value at a time both have: .*kept apart \(as ClientConnectionCount Broker ID=1, Id=x2\)/,
      ),
    ]);
  });

  it('reads the signal from the Id when there is no label, or the label names none', () => {
    const { series } = read({
      MetricDataResults: [withId('clientConnectionCount_b1', undefined, [1]), withId('connectioncount_b1', 'broker 1', [2])],
    });
    expect(series.map((s) => [s.signal, s.key])).toEqual([
      ['ClientConnectionCount', 'ClientConnectionCount'],
      ['ConnectionCount', 'ConnectionCount Series=broker 1'],
    ]);
  });
});

describe('an export that stops short: which end is missing, from the order its pages go in, and how the CLI fetches it', () => {
  const minutes = ['2025-08-28T14:00:00Z', '2025-08-28T14:01:00Z', '2025-08-28T14:02:00Z'];
  const page = (stamps: string[]) => ({
    MetricDataResults: [1, 2].map((b) => ({
      Id: `m${b}`,
      Label: `ConnectionCount Cluster Name=events, Broker ID=${b}`,
      Timestamps: stamps,
      Values: stamps.map((_, i) => i + b),
      StatusCode: 'PartialData',
    })),
    NextToken: 'more',
  });

  it('pages that go oldest first (ScanBy TimestampAscending) miss the newest points', () => {
    const { warnings } = read(page(minutes));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^incomplete export: 2 series .*missing: the newest, where a storm would be \(the pages go oldest first, ScanBy TimestampAscending\)/,
      ),
    ]);
  });

  it('pages that go newest first (the default) miss the oldest', () => {
    const { warnings } = read(page([...minutes].reverse()));
    expect(warnings).toEqual([
      expect.stringMatching(/^incomplete export: 2 series .*missing: the oldest \(the pages go newest first, ScanBy TimestampDescending/),
    ]);
  });

  it('names the CLI options that fetch the rest: every page by default, or --starting-token (get-metric-data has no --next-token)', () => {
    for (const stamps of [minutes, [...minutes].reverse(), minutes.slice(0, 1)]) {
      const [warning] = read(page(stamps)).warnings;
      expect(warning).toMatch(
        /fetches every page unless given --max-items or --no-paginate; to go on from this page, run the same command with its NextToken as --starting-token/,
      );
      expect(warning).not.toMatch(/--next-token/);
    }
  });
});

describe('a result without points: its series is left out of its signal, and said so, one line per file and signal', () => {
  const result = (id: string, signal: string, broker: number, stamps: string[], status = 'Complete') => ({
    Id: id,
    Label: `${signal} Cluster Name=events, Broker ID=${broker}`,
    Timestamps: stamps,
    Values: stamps.map(() => broker),
    StatusCode: status,
  });
  const at = ['2025-08-28T14:00:00Z'];

  it("names the file, the result's Id and label, and the signal it is missing from", () => {
    const { series, warnings } = read({
      MetricDataResults: [result('ccr1', 'ConnectionCreationRate', 1, at), result('ccr6', 'ConnectionCreationRate', 6, [])],
    });
    expect(series.map((s) => s.points.length)).toEqual([1, 0]);
    expect(warnings).toEqual([
      'page1.json: MetricDataResults[1] (ccr6, "ConnectionCreationRate Cluster Name=events, Broker ID=6") returned no points: ' +
        'its series is left out of ConnectionCreationRate (nothing in the time range: a broker down throughout, or a metric the cluster does not publish, such as an MSK metric of the PER_BROKER monitoring level on a cluster at DEFAULT)',
    ]);
  });

  it('says many empty results in one line per file and signal, naming the first three', () => {
    const brokers = Array.from({ length: 40 }, (_, i) => i + 1);
    const page = (signal: string) => brokers.map((b) => result(`${signal}${b}`, signal, b, []));
    const { warnings } = read(
      { MetricDataResults: [...page('ConnectionCreationRate'), ...page('ConnectionCount')] },
      { MetricDataResults: page('ConnectionCreationRate').map((r, i) => ({ ...r, Id: `q${i}` })) },
    );
    expect(warnings).toEqual([
      expect.stringMatching(
        /^page1\.json: MetricDataResults\[0\] \(ConnectionCreationRate1, .*\), MetricDataResults\[1\] .*, MetricDataResults\[2\] .*, and 37 more returned no points: their 40 series are left out of ConnectionCreationRate /,
      ),
      expect.stringMatching(
        /^page1\.json: MetricDataResults\[40\] .*, and 37 more returned no points: their 40 series are left out of ConnectionCount /,
      ),
    ]);
  });

  it('says nothing of a series that has points in another export, nor again of a result whose StatusCode failed', () => {
    const { warnings } = read(
      { MetricDataResults: [result('m1', 'ConnectionCount', 1, []), result('m2', 'ConnectionCount', 2, [], 'Forbidden')] },
      { MetricDataResults: [result('m1', 'ConnectionCount', 1, at)] },
    );
    expect(warnings).toEqual(['page1.json: MetricDataResults[1] has StatusCode Forbidden: it has no points']);
  });
});
