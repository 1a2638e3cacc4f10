/**
 * CloudWatch metric math for the configured signals: one SEARCH expression per signal and cluster
 * finds every broker's series, and a dynamic label names each in the form the GetMetricData reader
 * parses. Shared by the metric source and the construct's dashboard.
 */
import type { SignalConfig } from '../core/config.ts';

/** SEARCH('{AWS/Kafka,"Cluster Name","Broker ID"} MetricName="ConnectionCount" "Cluster Name"="events"', 'Average', 60) */
export function searchExpression(signal: SignalConfig, cluster: string, periodSeconds: number): string {
  const schema = [signal.namespace, ...signal.dimensions.map((d) => `"${d}"`)].join(',');
  const clusterFilter = signal.dimensions.includes('Cluster Name') ? ` "Cluster Name"="${cluster}"` : '';
  return `SEARCH('{${schema}} MetricName="${signal.name}"${clusterFilter}', '${signal.statistic}', ${periodSeconds})`;
}

/** "${PROP('MetricName')} Cluster Name=${PROP('Dim.Cluster Name')}, Broker ID=${PROP('Dim.Broker ID')}" */
export function dynamicLabel(signal: Pick<SignalConfig, 'dimensions'>): string {
  return `\${PROP('MetricName')} ${signal.dimensions.map((d) => `${d}=\${PROP('Dim.${d}')}`).join(', ')}`;
}
