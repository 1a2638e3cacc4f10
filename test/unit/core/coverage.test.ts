/** Signals a guarded cluster never reported: warned about once, and a gate denial where the cluster cannot be guarded. */
import { describe, expect, it } from 'vitest';
import { mergeHeads } from '../../../lambdas/adapters/dynamodb/head.ts';
import { parseConfig } from '../../../lambdas/core/config.ts';
import { coverageOf, coverageWarnings } from '../../../lambdas/core/coverage.ts';
import { evaluate } from '../../../lambdas/core/evaluation.ts';
import { decideGate } from '../../../lambdas/core/gate.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';
import { newGuardrailState } from '../../../lambdas/core/state.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-09-09T08:00:00Z');
const request = { flag: 'f', environment: 'production', targetPercent: 50 };
const MSK = [
  'ConnectionCreationRate',
  'ConnectionCount',
  'ClientConnectionCount',
  'HeapMemoryAfterGC',
  'MessagesInPerSec',
  'BytesInPerSec',
];

/** One broker of each signal on `cluster`, a point a minute for 10 minutes (a series listed in `empty` has none). */
function exported(cluster: string, signals: readonly string[], empty: readonly string[] = []): MetricSeries[] {
  return signals.map((signal) => ({
    key: `${signal} ${cluster}/1`,
    signal,
    cluster,
    dimensions: { 'Cluster Name': cluster, 'Broker ID': '1' },
    points: empty.includes(signal) ? [] : Array.from({ length: 10 }, (_, i) => ({ time: t0 + i * MINUTE, value: 40 })),
  }));
}

/** The state after evaluating `series` at the end of their 10 minutes, and the gate's answer on it. */
function gateOn(series: MetricSeries[], yaml = '') {
  const config = parseConfig(yaml);
  const state = newGuardrailState();
  evaluate(state, { now: t0 + 10 * MINUTE, series, releases: [] }, config);
  return { state, config, answer: decideGate(state, [], config, request, t0 + 10 * MINUTE) };
}

describe('the gate on signals never reported', () => {
  it('denies where a cluster reports only the heap, naming the fast signals; MSK without ProducerIdCount is allowed', () => {
    const heapOnly = gateOn([...exported('a', MSK), ...exported('b', ['HeapMemoryAfterGC'])]).answer;
    expect(heapOnly.verdict).toBe('deny');
    expect(heapOnly.reasons).toEqual([
      'blind: cluster b has reported none of the fast signals (ConnectionCreationRate, ConnectionCount, ClientConnectionCount, ProducerIdCount): a storm there could not be rolled back',
    ]);
    expect(heapOnly.evidence.unguardedClusters).toEqual(['b']);
    expect(gateOn(exported('a', MSK)).answer.verdict).toBe('allow');
    // One fast signal is enough to see a storm.
    expect(gateOn(exported('a', ['ConnectionCount', 'HeapMemoryAfterGC'])).answer.verdict).toBe('allow');
  });

  it('denies without the signal its headroom is checked on; a signal disabled in the configuration is never needed', () => {
    expect(gateOn(exported('a', ['ConnectionCount'])).answer.reasons).toEqual([
      'blind: cluster a has never reported HeapMemoryAfterGC: its headroom cannot be checked',
    ]);
    expect(gateOn(exported('a', ['ConnectionCount']), 'signals:\n  HeapMemoryAfterGC: { enabled: false }').answer.verdict).toBe('allow');
  });

  it('counts a series with no datapoint as absent, and a configured cluster with no series at all', () => {
    expect(gateOn(exported('a', MSK, ['ConnectionCreationRate', 'ConnectionCount', 'ClientConnectionCount'])).answer.verdict).toBe('deny');
    const { answer } = gateOn(exported('a', MSK), 'clusters: [a, c]');
    expect(answer.verdict).toBe('deny');
    expect(answer.evidence.unguardedClusters).toEqual(['c']);
  });

  it('the gate Lambda reads the same from the shards’ heads', () => {
    const { state, config } = gateOn(exported('b', ['HeapMemoryAfterGC']));
    const { series: _series, revision: _revision, ...head } = state;
    const merged = mergeHeads([{ body: JSON.stringify({ ...head, log: [] }) }]);
    expect(decideGate(merged, [], config, request, t0 + 10 * MINUTE).reasons).toEqual([
      expect.stringMatching(/^blind: cluster b has reported none of the fast signals/),
    ]);
  });

  it('denies on a state saved before coverage was recorded, blind until the next evaluation records it; so does the gate Lambda when one shard’s head is such', () => {
    const { state, config } = gateOn(exported('b', ['HeapMemoryAfterGC']));
    delete state.coverage;
    const stale = decideGate(state, [], config, request, t0 + 10 * MINUTE);
    expect(stale.verdict).toBe('deny');
    expect(stale.reasons).toEqual([expect.stringMatching(/^blind: the state does not record which signals each cluster reports/)]);
    evaluate(state, { now: t0 + 11 * MINUTE, series: [], releases: [] }, config);
    expect(decideGate(state, [], config, request, t0 + 11 * MINUTE).reasons).toEqual([
      expect.stringMatching(/^blind: cluster b has reported none of the fast signals/),
    ]);
    const head = (s: typeof state) =>
      (({ series: _series, revision: _revision, ...fields }) => ({ body: JSON.stringify({ ...fields, log: [] }) }))(s);
    const covered = gateOn(exported('a', MSK)).state;
    const { coverage: _coverage, ...before } = gateOn(exported('b', ['HeapMemoryAfterGC'])).state;
    expect(decideGate(mergeHeads([head(covered)]), [], config, request, t0 + 10 * MINUTE).verdict).toBe('allow');
    expect(decideGate(mergeHeads([head(covered), head(before)]), [], config, request, t0 + 10 * MINUTE).verdict).toBe('deny');
    expect(decideGate(mergeHeads([head(before), head(covered)]), [], config, request, t0 + 10 * MINUTE).verdict).toBe('deny');
  });
});

describe('coverage warnings', () => {
  const config = parseConfig('');
  const stateOf = (series: MetricSeries[]) => {
    const state = newGuardrailState();
    evaluate(state, { now: t0 + 10 * MINUTE, series, releases: [] }, config);
    return state.series;
  };

  it('name each absent signal, traffic only where the cluster reports none; once, until another goes absent', () => {
    const full = coverageOf(stateOf(exported('a', [...MSK, 'ProducerIdCount'])), config);
    expect(full).toEqual({});
    const noMessages = coverageOf(stateOf(exported('a', [...MSK.filter((s) => s !== 'MessagesInPerSec'), 'ProducerIdCount'])), config);
    expect(noMessages).toEqual({});
    const msk = coverageOf(stateOf(exported('a', MSK)), config);
    expect(coverageWarnings(msk)).toEqual(['cluster a has no data for ProducerIdCount: the guardrail is blind for them']);
    expect(coverageWarnings(msk, msk)).toEqual([]);
    const heapOnly = coverageOf(stateOf(exported('a', ['HeapMemoryAfterGC'])), config);
    expect(coverageWarnings(heapOnly, msk)).toEqual([
      'cluster a has no data for ConnectionCreationRate, ConnectionCount, ClientConnectionCount, ProducerIdCount: the guardrail is blind for them; the gate denies step-ups while it cannot guard the cluster',
      'cluster a reports no traffic signal (MessagesInPerSec, BytesInPerSec): its release watches judge connections as they are, not per unit of traffic',
    ]);
  });
});
