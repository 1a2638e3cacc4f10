/**
 * Metric series: one signal of one broker (or other dimensions), as every source delivers it
 * (CloudWatch GetMetricData, Prometheus, exported files), and its human name.
 */
export interface MetricPoint {
  readonly time: number;
  readonly value: number;
}

export interface MetricSeries {
  /** Unique and stable: the signal and its dimensions (and the query's Id, or the result's order, where the label is not unique). */
  readonly key: string;
  readonly signal: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** The cluster the series belongs to: anomalies are grouped into episodes per cluster. */
  readonly cluster: string;
  readonly points: readonly MetricPoint[];
}

export interface MetricReadout {
  readonly series: MetricSeries[];
  /** Results not used, and why (no configured signal in the label, failed status), and exports that stop short. */
  readonly warnings: string[];
}

/** The pseudo-dimension that keeps apart results a label alone does not (GetMetricData's query `Id`). */
export const ID_DIMENSION = 'Id';

/** The one that keeps apart results with the same Id and label that disagree (two metrics): their order, from 1. */
export const RESULT_DIMENSION = 'Result';

/** A short human name for a series: "broker 3" where there is one. */
export function seriesName(series: Pick<MetricSeries, 'dimensions' | 'signal'>): string {
  const broker = series.dimensions['Broker ID'];
  return broker ? `${series.signal} on broker ${broker}` : `${series.signal}${describe(series.dimensions)}`;
}

function describe(dimensions: Readonly<Record<string, string>>): string {
  const values = Object.entries(dimensions).map(([name, value]) =>
    name === ID_DIMENSION ? `Id ${value}` : name === RESULT_DIMENSION ? `result ${value}` : value,
  );
  return values.length > 0 ? ` (${values.join(', ')})` : '';
}
