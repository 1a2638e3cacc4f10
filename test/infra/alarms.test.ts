/**
 * The alarms on the guardrail itself, as the template has them: their periods follow the
 * detector's schedule and cadence, so each can fire whatever the schedule.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../lambdas/core/errors.ts';
import { NO_DATA_AGE_SECONDS } from '../../lambdas/handlers/detector.ts';
import { StormguardGuardrail, type StormguardGuardrailProps } from '../../lib/index.ts';
import { context } from '../support/cdk-context.ts';

interface AlarmProperties {
  readonly AlarmDescription: string;
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Period: number;
  readonly EvaluationPeriods: number;
  readonly DatapointsToAlarm?: number;
  readonly Threshold: number;
  readonly TreatMissingData: string;
}

function alarmsOf(props: Partial<StormguardGuardrailProps> = {}): Record<string, AlarmProperties> {
  const stack = new Stack(new App({ context }), 'Alarms');
  new StormguardGuardrail(stack, 'Guardrail', { ...props, config: { clusters: ['events-msk'], ...props.config } });
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  return Object.fromEntries(
    Object.entries(alarms).map(([id, a]) => [id.replace(/^Guardrail/, '').replace(/[0-9A-F]{8}$/, ''), a.Properties as AlarmProperties]),
  );
}

describe('the alarms on the detector', () => {
  it('count their periods in runs of its schedule: a detector run every 5 minutes is not missing, and 2 failed runs of 3 still alarm', () => {
    const alarms = alarmsOf({ schedule: Duration.minutes(5) });
    for (const id of [
      'DetectorErrors',
      'DetectorThrottles',
      'DetectorDuration',
      'HeartbeatMissing',
      'NotifierErrors',
      'DecisionsDeferred',
      'AlertsLost',
    ])
      expect(alarms[id]?.Period, id).toBe(300);
    expect(alarms.HeartbeatMissing).toMatchObject({ EvaluationPeriods: 3, TreatMissingData: 'breaching' });
    expect(alarms.HeartbeatMissing?.AlarmDescription).toContain('15 minutes');
    expect(alarms.DetectorErrors).toMatchObject({ EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    expect(alarmsOf().HeartbeatMissing?.Period).toBe(60);
  });

  it('refuse a schedule whose three runs CloudWatch could not evaluate (over a day): an input error naming the field', () => {
    expect(() => alarmsOf({ schedule: Duration.hours(9) })).toThrow(InputError);
    expect(() => alarmsOf({ schedule: Duration.hours(9) })).toThrow(/Alarms\/Guardrail: field `schedule`: must be at most 8 hours/);
  });
});

describe('StaleData', () => {
  it('looks at periods as long as the longest wait between two reads, which each report the data age: it fires while idle too', () => {
    // Idle, the detector reads every 5 minutes: one-minute periods saw a stale age one minute in five.
    expect(alarmsOf().StaleData).toMatchObject({ MetricName: 'DataAge', Period: 300, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    // Every 2 minutes with a 7-minute idle cadence: the runs at 8, 16, … minutes read.
    expect(alarmsOf({ schedule: Duration.minutes(2), config: { clusters: ['a'], cadence: { idleMinutes: 7 } } }).StaleData?.Period).toBe(
      480,
    );
  });

  it('fires on a read that found no datapoint at all: the age such a read reports is past its threshold', () => {
    expect(alarmsOf().StaleData!.Threshold).toBeLessThan(NO_DATA_AGE_SECONDS);
  });
});
