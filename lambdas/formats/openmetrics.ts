/**
 * OpenMetrics text (the exposition format Prometheus scrapes, and what
 * `promtool tsdb create-blocks-from openmetrics` backfills), written with timestamps so that a
 * whole simulated day can be loaded into a real Prometheus.
 *
 * `jmxExporterFamilies` turns the guardrail's series (a simulation, or a GetMetricData export read
 * by the same reader) into what the JMX exporter would have exposed for them, by the names in
 * jmx-exporter.ts, so the Prometheus source's default PromQL gives back the very same series.
 */
import type { MetricPoint, MetricSeries } from '../core/metric-series.ts';
import { CONNECTION_COUNT, CONNECTION_CREATION_RATE, POOL_MAX_AFTER_GC, POOL_USED_AFTER_GC, PRODUCER_ID_COUNT } from './jmx-exporter.ts';

export interface MetricFamily {
  readonly name: string;
  readonly type: 'gauge' | 'counter' | 'unknown';
  readonly help: string;
  readonly samples: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly points: readonly MetricPoint[] }>;
}

/** One family after another, each series' points in time order, `# EOF` last (the format requires it). */
export function writeOpenMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    checkName(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = formatLabels(sample.labels);
      const points = [...sample.points].sort((a, b) => a.time - b.time);
      for (const point of points) lines.push(`${family.name}${labels} ${formatValue(point.value)} ${point.time / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

export interface JmxExporterOptions {
  /** The heap's max bytes, which HeapMemoryAfterGC (a percentage) is a share of. @default 6 GiB, the simulator's */
  readonly heapMaxBytes?: number;
  /** The label names a relabelling rule gives the cluster and the broker. @default cluster, broker */
  readonly clusterLabel?: string;
  readonly brokerLabel?: string;
}

const CLIENT = { listener: 'CLIENT', networkProcessor: '0' };
const REPLICATION = { listener: 'REPLICATION', networkProcessor: '0' };
const OLD_GEN = { pool: 'G1 Old Gen' };

/**
 * The JMX exporter's families for the guardrail's series: client connections on a CLIENT
 * listener, the rest of ConnectionCount on a REPLICATION listener (so that both sum back), heap
 * after GC as G1 Old Gen bytes over its max. Signals it has no name for are left out.
 */
export function jmxExporterFamilies(series: readonly MetricSeries[], options: JmxExporterOptions = {}): MetricFamily[] {
  const heapMax = options.heapMaxBytes ?? 6 * 1024 ** 3;
  const identity = (s: MetricSeries) => ({
    [options.clusterLabel ?? 'cluster']: s.cluster,
    [options.brokerLabel ?? 'broker']: s.dimensions['Broker ID'] ?? s.key,
  });
  const bySignal = (signal: string) => series.filter((s) => s.signal === signal);
  const clientOf = (s: MetricSeries) =>
    bySignal('ClientConnectionCount').find((c) => c.cluster === s.cluster && c.dimensions['Broker ID'] === s.dimensions['Broker ID']);
  const family = (name: string, help: string, samples: MetricFamily['samples']): MetricFamily => ({ name, type: 'gauge', help, samples });
  return [
    family(
      CONNECTION_CREATION_RATE,
      'connection-creation-rate kafka.server:name=null,type=socket-server-metrics',
      bySignal('ConnectionCreationRate').map((s) => ({ labels: { ...identity(s), ...CLIENT }, points: s.points })),
    ),
    family(CONNECTION_COUNT, 'connection-count kafka.server:name=null,type=socket-server-metrics', [
      ...bySignal('ClientConnectionCount').map((s) => ({ labels: { ...identity(s), ...CLIENT }, points: s.points })),
      ...bySignal('ConnectionCount').map((s) => ({
        labels: { ...identity(s), ...REPLICATION },
        points: minus(s.points, clientOf(s)?.points ?? []),
      })),
    ]),
    family(
      PRODUCER_ID_COUNT,
      'Attribute exposed for management kafka.server:name=ProducerIdCount,type=ReplicaManager,attribute=Value',
      bySignal('ProducerIdCount').map((s) => ({ labels: identity(s), points: s.points })),
    ),
    family(
      POOL_USED_AFTER_GC,
      'Used bytes after last collection of a given JVM memory pool.',
      bySignal('HeapMemoryAfterGC').map((s) => ({
        labels: { ...identity(s), ...OLD_GEN },
        points: s.points.map((p) => ({ time: p.time, value: (p.value / 100) * heapMax })),
      })),
    ),
    family(
      POOL_MAX_AFTER_GC,
      'Max bytes after last collection of a given JVM memory pool.',
      bySignal('HeapMemoryAfterGC').map((s) => ({
        labels: { ...identity(s), ...OLD_GEN },
        points: s.points.map((p) => ({ time: p.time, value: heapMax })),
      })),
    ),
  ].filter((f) => f.samples.length > 0);
}

/** `total` minus `part` at the times both have: the share of a count that is not `part`'s. */
function minus(total: readonly MetricPoint[], part: readonly MetricPoint[]): MetricPoint[] {
  const parts = new Map(part.map((p) => [p.time, p.value]));
  return total.filter((p) => parts.has(p.time)).map((p) => ({ time: p.time, value: p.value - parts.get(p.time)! }));
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const entries = Object.entries(labels);
  for (const [name] of entries) checkName(name);
  return entries.length === 0 ? '' : `{${entries.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
}

/** OpenMetrics spells the non-finite values its own way. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

function checkName(name: string): void {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a valid OpenMetrics metric or label name: ${JSON.stringify(name)}`);
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (text: string) => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
