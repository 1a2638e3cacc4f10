/** How often the detector runs (the construct's `schedule`), checked: its alarms count their periods in runs. */
import { Duration } from 'aws-cdk-lib';
import type { GuardrailConfig } from '../lambdas/core/config-schema.ts';
import { InputError } from '../lambdas/core/errors.ts';

export const DEFAULT_SCHEDULE = Duration.minutes(1);
/** The runs an alarm on the detector looks back over (HeartbeatMissing, DetectorErrors). */
export const ALARM_RUNS = 3;
/** CloudWatch evaluates an alarm over at most a day: three runs must fit. */
const LONGEST_SCHEDULE = Duration.hours(24 / ALARM_RUNS);

/** The schedule of `props`, refused (an input error: one line, exit 2) where the guardrail or its alarms could not run on it. */
export function detectorSchedule(schedule: Duration | undefined, config: GuardrailConfig, path: string): Duration {
  const checked = schedule ?? DEFAULT_SCHEDULE;
  if (checked.toSeconds() < config.metricPeriodSeconds)
    throw new InputError({ file: path, field: 'schedule' }, `must not be shorter than the metric period (${config.metricPeriodSeconds} s)`);
  if (checked.toSeconds() > LONGEST_SCHEDULE.toSeconds())
    throw new InputError(
      { file: path, field: 'schedule' },
      `must be at most ${LONGEST_SCHEDULE.toHours()} hours: the alarms on the detector look at its last ${ALARM_RUNS} runs, and CloudWatch evaluates an alarm over a day at most`,
    );
  return checked;
}
