/**
 * The CloudWatch MetricSource: the configured signals of the configured clusters, read with
 * GetMetricData.
 *
 * One SEARCH expression per signal and cluster finds every broker's series (a search returns up
 * to 500), labelled with a dynamic label in the form the export reader parses, so CloudWatch's
 * answer goes through the same door as a user's `aws cloudwatch get-metric-data` output. Up to 500
 * queries a request; every page is followed through `NextToken`; `PartialData` on a last page and
 * failed statuses come back as warnings, never as zeros.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { GuardrailConfig } from '../../core/config.ts';
import type { MetricReadout } from '../../core/metric-series.ts';
import { dynamicLabel, searchExpression } from '../../formats/cloudwatch-search.ts';
import { readGetMetricData } from '../../formats/get-metric-data.ts';
import { inClusters } from '../../formats/metric-label.ts';
import type { MetricSource } from '../../ports.ts';

/** GetMetricData's limit of queries per request. */
export const MAX_QUERIES_PER_REQUEST = 500;

export class CloudWatchMetricSource implements MetricSource {
  constructor(
    private readonly client: Pick<CloudWatchClient, 'send'>,
    private readonly config: GuardrailConfig,
  ) {}

  async read(from: number, to: number): Promise<MetricReadout> {
    const queries = metricQueries(this.config);
    const documents: Array<{ source: string; document: unknown }> = [];
    for (let start = 0; start < queries.length; start += MAX_QUERIES_PER_REQUEST) {
      const chunk = queries.slice(start, start + MAX_QUERIES_PER_REQUEST);
      let nextToken: string | undefined;
      let page = 0;
      do {
        const output = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: chunk,
            StartTime: new Date(from),
            EndTime: new Date(to + 1),
            ScanBy: 'TimestampAscending',
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        documents.push({
          source: `GetMetricData request ${start / MAX_QUERIES_PER_REQUEST + 1}, page ${++page}`,
          document: asDocument(output),
        });
        nextToken = output.NextToken;
      } while (nextToken);
    }
    const readout = readGetMetricData(documents, this.config.signals);
    // A signal whose dimensions leave out Cluster Name is read as a replay of its export reads it.
    const series = inClusters(readout.series, this.config.clusters).map((s) => ({
      ...s,
      points: s.points.filter((p) => p.time > from && p.time <= to),
    }));
    // The reader says what GetMetricData said (Messages), of each page and result, as for an export.
    return { series, warnings: readout.warnings };
  }
}

/** The GetMetricData queries for a configuration: one SEARCH per signal and cluster. */
export function metricQueries(config: GuardrailConfig): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  for (const signal of config.signals) {
    for (const cluster of config.clusters) {
      queries.push({
        Id: `q${queries.length}`,
        Expression: searchExpression(signal, cluster, config.metricPeriodSeconds),
        Label: dynamicLabel(signal),
        ReturnData: true,
      });
    }
  }
  return queries;
}

/** The SDK's output as the AWS CLI prints it: timestamps as epoch seconds. */
function asDocument(output: GetMetricDataCommandOutput): unknown {
  return {
    MetricDataResults: (output.MetricDataResults ?? []).map((r) => ({
      ...r,
      Timestamps: (r.Timestamps ?? []).map((t) => t.getTime() / 1000),
      Values: r.Values ?? [],
    })),
    Messages: output.Messages ?? [],
  };
}
