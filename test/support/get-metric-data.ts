/** A stand-in for CloudWatch's GetMetricData over known series, for tests that mock the CloudWatch client. */
import type { GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricSeries } from '../../lambdas/core/metric-series.ts';

/** The results CloudWatch gives a request: for each SEARCH query, each series of its metric in [StartTime, EndTime), labelled as the detector's dynamic label prints. */
export function getMetricDataResults(input: GetMetricDataCommandInput, series: readonly MetricSeries[]): MetricDataResult[] {
  const from = input.StartTime!.getTime();
  const to = input.EndTime!.getTime();
  return input.MetricDataQueries!.flatMap((query) =>
    series
      .filter((s) => query.Expression!.includes(`MetricName="${s.signal}"`))
      .map((s) => {
        const points = s.points.filter((p) => p.time >= from && p.time < to);
        return {
          Id: query.Id,
          Label: `${s.signal} Cluster Name=${s.dimensions['Cluster Name']}, Broker ID=${s.dimensions['Broker ID']}`,
          Timestamps: points.map((p) => new Date(p.time)),
          Values: points.map((p) => p.value),
          StatusCode: 'Complete',
        };
      }),
  );
}
