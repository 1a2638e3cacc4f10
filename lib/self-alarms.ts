/**
 * The guardrail watches itself: errors, throttles, runs near the timeout, a missing heartbeat
 * (missing data breaches), alerts that do not get out, and stale data, each to the alert topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { longestReadIntervalMs } from '../lambdas/core/cadence.ts';
import type { GuardrailConfig } from '../lambdas/core/config-schema.ts';
import { DETECTOR_SERVICE, METRICS_NAMESPACE } from '../lambdas/names.ts';
import { ALARM_RUNS } from './schedule.ts';

/** The detector's timeout: the run must end before the next one starts. */
export const DETECTOR_TIMEOUT = Duration.seconds(50);
/** Duration alarm: the run takes most of its timeout. */
const DURATION_ALARM_FRACTION = 0.8;
/** Data older than this at evaluation means CloudWatch is not delivering. */
const STALE_DATA_SECONDS = 600;

/**
 * The alarms on the detector run on `schedule`: each alarm period is one run of every shard, so a
 * detector run every 5 minutes is not "missing" four minutes in five, and "2 of 3" counts runs.
 */
export function selfAlarms(scope: Construct, fn: lambda.IFunction, schedule: Duration, config: GuardrailConfig): cloudwatch.Alarm[] {
  return [...functionAlarms(scope, fn, schedule), ...reportedAlarms(scope, schedule), staleDataAlarm(scope, schedule, config)];
}

/** A metric the detector reports of itself (embedded metric format), over `period`. */
const detectorMetric = (metricName: string, statistic: string, period: Duration) =>
  new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: DETECTOR_SERVICE }, statistic, period });

/** `runs` runs of the detector, said in minutes. */
const minutesOf = (schedule: Duration, runs: number) => `${(schedule.toMinutes() * runs).toLocaleString('en')} minutes`;

/**
 * An alarm when `metric` reaches `threshold` (a count: 1) in `periods` periods (`datapoints` of
 * them, where given); a period without data reaches nothing. Most of the guardrail's alarms are one.
 */
export function alarmAtLeast(
  scope: Construct,
  id: string,
  a: { description: string; metric: cloudwatch.IMetric; threshold?: number; periods?: number; datapoints?: number },
): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: a.description,
    metric: a.metric,
    threshold: a.threshold ?? 1,
    evaluationPeriods: a.periods ?? 1,
    ...(a.datapoints !== undefined ? { datapointsToAlarm: a.datapoints } : {}),
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/** What Lambda says of the detector function: errors, throttles, runs near the timeout. */
function functionAlarms(scope: Construct, fn: lambda.IFunction, period: Duration): cloudwatch.Alarm[] {
  return [
    alarmAtLeast(scope, 'DetectorErrors', {
      description: `Stormguard: the detector failed in 2 of its last ${ALARM_RUNS} runs (${minutesOf(period, ALARM_RUNS)})`,
      metric: fn.metricErrors({ period }),
      periods: ALARM_RUNS,
      datapoints: 2,
    }),
    alarmAtLeast(scope, 'DetectorThrottles', {
      description: 'Stormguard: the detector was throttled',
      metric: fn.metricThrottles({ period }),
    }),
    alarmAtLeast(scope, 'DetectorDuration', {
      description: `Stormguard: runs take over ${DURATION_ALARM_FRACTION * 100}% of the detector's timeout`,
      metric: fn.metricDuration({ period, statistic: 'Maximum' }),
      threshold: DETECTOR_TIMEOUT.toMilliseconds() * DURATION_ALARM_FRACTION,
      periods: ALARM_RUNS,
    }),
  ];
}

/** What the detector reports of itself: its heartbeat, decisions it could not carry out yet, alerts that did not get out. */
function reportedAlarms(scope: Construct, period: Duration): cloudwatch.Alarm[] {
  return [
    new cloudwatch.Alarm(scope, 'HeartbeatMissing', {
      alarmDescription: `Stormguard: no detector run completed in ${minutesOf(period, ALARM_RUNS)}: the guardrail is not watching`,
      metric: detectorMetric('Heartbeat', 'SampleCount', period),
      threshold: 1,
      evaluationPeriods: ALARM_RUNS,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No heartbeat at all is the failure scope alarm exists for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    alarmAtLeast(scope, 'NotifierErrors', {
      description: `Stormguard: alerts have failed to reach PagerDuty, Slack or SNS for ${ALARM_RUNS} runs (the detector log says which and why)`,
      metric: detectorMetric('NotifierErrors', 'Sum', period),
      periods: ALARM_RUNS,
    }),
    alarmAtLeast(scope, 'DecisionsDeferred', {
      description: `Stormguard: a rollback or revert could not be made in 2 runs (${minutesOf(period, 2)}): LaunchDarkly unavailable, or out of time; it is tried for 5 minutes, then paged as failed (the detector log says why)`,
      metric: detectorMetric('DecisionsDeferred', 'Sum', period),
      periods: 2,
    }),
    alarmAtLeast(scope, 'AlertsLost', {
      description: 'Stormguard: an alert was refused by PagerDuty, Slack or SNS, or given up after retries (the detector log says which)',
      metric: detectorMetric('AlertsLost', 'Sum', period),
    }),
  ];
}

/**
 * The data's age, as the runs that read report it (a read that found nothing reports a day:
 * handlers/detector.ts). Only those runs report it, every minute while a release is watched and
 * every `cadence.idleMinutes` otherwise: the period is the longest wait between two reads (in
 * runs of the schedule), so each period holds one; 2 of 3, so that a read that fell into the next
 * period (an empty one, not breaching) does not hide two stale ones. The run's own failures and
 * silence are HeartbeatMissing's and DetectorErrors'.
 */
function staleDataAlarm(scope: Construct, schedule: Duration, config: GuardrailConfig): cloudwatch.Alarm {
  const runs = Math.ceil(longestReadIntervalMs(config) / schedule.toMilliseconds());
  const period = Duration.minutes(schedule.toMinutes() * runs);
  return new cloudwatch.Alarm(scope, 'StaleData', {
    alarmDescription: `Stormguard: the newest datapoint read was over ${STALE_DATA_SECONDS / 60} minutes old, or none was read, in 2 of the last ${ALARM_RUNS} reads (${minutesOf(period, ALARM_RUNS)}): the guardrail is blind`,
    metric: detectorMetric('DataAge', 'Maximum', period),
    threshold: STALE_DATA_SECONDS,
    evaluationPeriods: ALARM_RUNS,
    datapointsToAlarm: 2,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
