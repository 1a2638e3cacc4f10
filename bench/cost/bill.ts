/** A month's bill from what a simulation measured, at the list prices of prices.ts; and what is priced on paper. */
import { DETECTOR_GB, MONTH_MINUTES, PRICES } from './prices.ts';
import type { Measured } from './simulate.ts';

export interface Cost {
  readonly getMetricData: number;
  readonly dynamoWrites: number;
  readonly dynamoReads: number;
  readonly dynamoStorage: number;
  readonly lambda: number;
  readonly sns: number;
  readonly s3: number;
  readonly secrets: number;
  readonly logs: number;
}

/** A month's bill from what was measured over `days` (scaled to 30; custom metrics and storage are monthly as they are). */
export function bill(m: Measured): Cost {
  const k = 30 / m.days;
  return {
    getMetricData: m.metricsRequested * k * PRICES.getMetricDataPerMetric,
    dynamoWrites: m.wru * k * PRICES.dynamoWriteUnit,
    dynamoReads: m.rru * k * PRICES.dynamoReadUnit,
    dynamoStorage: (m.storedBytes / 1e9) * (PRICES.dynamoStoragePerGbMonth + PRICES.dynamoPitrPerGbMonth),
    lambda: m.gbSeconds * k * PRICES.lambdaArmPerGbSecond + m.invocations * k * PRICES.lambdaPerRequest,
    sns: m.snsPublishes * k * PRICES.snsPerPublish,
    s3: m.s3Puts * k * PRICES.s3PerPut,
    secrets: m.secretCalls * k * PRICES.secretsPerCall,
    logs: (m.logBytes * k * PRICES.logsIngestionPerGb) / 1e9,
  };
}

export const sum = (c: Cost) => Object.values(c).reduce((a, b) => a + b, 0);
export const minus = (a: Cost, b: Cost): Cost =>
  Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - b[k as keyof Cost]])) as unknown as Cost;
export const divide = (a: Cost, n: number): Cost => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v / n])) as unknown as Cost;

/** Priced on paper: what does not depend on the detector's runs. */
export function paperFixed(): Array<{ item: string; usd: number }> {
  const backfillRuns = MONTH_MINUTES / 15;
  return [
    // The detector's eight, the backfill's errors, and the webhook's failures (its 5xx answers).
    { item: 'ten alarms on the guardrail itself', usd: 10 * PRICES.alarmPerMonth },
    { item: 'the dashboard', usd: PRICES.dashboardPerMonth },
    { item: "the alert topic's KMS key", usd: PRICES.kmsKeyPerMonth },
    { item: 'two secrets (LaunchDarkly token, webhook signing secret)', usd: 2 * PRICES.secretPerMonth },
    {
      item: `the audit-log backfill: ${backfillRuns.toLocaleString('en')} runs of ~300 ms`,
      usd: backfillRuns * (PRICES.lambdaPerRequest + 0.3 * DETECTOR_GB * PRICES.lambdaArmPerGbSecond),
    },
  ];
}
