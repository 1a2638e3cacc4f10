/** Configurations: objects mostly within the documented bounds, sometimes just out of them or anything; and their YAML and JSON text. */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { signalNames } from './corpus.ts';
import { interestingValue } from './interesting.ts';
import { applyTextEdits, textEdit } from './mutate.ts';

/** Mostly a valid value, sometimes anything. */
export const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 60, arbitrary: valid }, { weight: 1, arbitrary: interestingValue });
/** Mostly one of the valid values, sometimes one just out of bounds, sometimes anything. */
export const choice = <T>(valid: readonly T[], invalid: readonly unknown[] = []) =>
  fc.oneof(
    { weight: 60, arbitrary: fc.constantFrom(...valid) as fc.Arbitrary<unknown> },
    { weight: invalid.length > 0 ? 1 : 0, arbitrary: fc.constantFrom(...(invalid.length > 0 ? invalid : [undefined])) },
    { weight: 1, arbitrary: interestingValue },
  );
export const key = (valid: readonly string[], invalid: readonly string[]) =>
  fc.oneof({ weight: 60, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });

export const configObject = fc
  .record(
    {
      mode: choice(['observe', 'enforce']),
      environment: choice(['production', 'staging', 'constructor'], ['', 'e'.repeat(300)]),
      clusters: mostly(fc.array(key(['events-msk', 'orders', 'c'.repeat(250)], ['', 'a"b', 'x'.repeat(300)]), { maxLength: 3 })),
      metricPeriodSeconds: choice([1, 10, 60, 300, 3600], [0, 3601, 1.5]),
      publishDelaySeconds: choice([0, 120, 3600], [-1, 3601]),
      detector: mostly(
        fc.record(
          {
            halfLifePeriods: choice([30, 0.5, 100_000], [0, 100_001]),
            warmupPeriods: choice([2, 30, 100_000], [1, 1e6]),
            seasonPeriods: choice([0, 60, 1440], [1441, 10_080, 1e8]),
            extraHalfLives: choice([[], [10], [1, 10, 100, 1000]], [[1, 2, 3, 4, 5], [0], [1e9]]),
            likelihoodHalfLife: choice([1000, 100_000], [1e300]),
            quietPeriods: choice([0, 30], [-1]),
            confirmPeriods: choice([1, 2, 60], [61]),
            corroboratingSeries: choice([1, 3], [0]),
          },
          { requiredKeys: [] },
        ),
      ),
      signals: mostly(
        fc.dictionary(
          key(
            [...signalNames, 'ProducersCreated', 'constructor', 'toString', 'hasOwnProperty'],
            ['__proto__', '[', '(a+)+b', 'a b', 'x'.repeat(200)],
          ),
          fc.record(
            {
              kind: choice(['rate', 'count', 'percent']),
              direction: choice(['up', 'down', 'both']),
              zThreshold: choice([4, 0.1, 100], [0, 1e6]),
              minFactor: choice([1, 1.5, 1000], [0.5, 1001]),
              minChange: choice([0, 5, 100], [101]),
              logOffset: choice([1, 1e6], [1e7]),
              minSd: choice([0.05, 1e6], [1e7]),
              forecast: mostly(
                fc.record(
                  {
                    windowPeriods: choice([5, 30, 120], [4, 121]),
                    horizonMinutes: choice([120, 10_080], [1e9]),
                    limitPercent: choice([90, 100], [101]),
                  },
                  { requiredKeys: [] },
                ),
              ),
              headroomPercent: choice([60, 100], [101]),
              dimensions: choice(
                [['Cluster Name', 'Broker ID'], ['Broker ID']],
                [['a"b'], [], Array.from({ length: 31 }, (_, i) => `d${i}`)],
              ),
              namespace: choice(['AWS/Kafka', 'Custom/App'], ["x'}"]),
              enabled: choice([true, false]),
            },
            { requiredKeys: [] },
          ),
          { maxKeys: 3 },
        ),
      ),
      releaseWatch: mostly(fc.record({ heapHorizonMinutes: choice([60, 360, 10_080], [0, 10_081]) }, { requiredKeys: [] })),
      // The correlator's keys, retired: refused, now and then.
      correlation: fc.oneof(
        { weight: 30, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constant({ lookbackMinutes: 720 }) },
      ),
      rollback: mostly(
        fc.record(
          { to: choice(['previous-step', 'zero', 'off']), cooldownMinutes: choice([0, 60, 10_080], [10_081]) },
          { requiredKeys: [] },
        ),
      ),
      flags: mostly(
        fc.dictionary(
          key(['checkout', 'constructor', 'toString'], ['__proto__', '', 'f'.repeat(300)]),
          fc.record({ guarded: choice([true, false]), rollbackTo: choice(['zero', 'off']) }, { requiredKeys: [] }),
          { maxKeys: 3 },
        ),
      ),
      freshness: mostly(fc.record({ staleAfterPeriods: choice([1, 5, 1440], [1441]) }, { requiredKeys: [] })),
      gate: mostly(fc.record({ bakeMinutes: choice([0, 30, 10_080], [1e12]) }, { requiredKeys: [] })),
      heap: mostly(fc.record({ exhaustedPercent: choice([95, 100], [0]) }, { requiredKeys: [] })),
      launchDarkly: mostly(
        fc.record(
          { projectKey: choice(['default']), baseUrl: choice(['https://app.launchdarkly.com'], ['not a url']) },
          { requiredKeys: ['projectKey'] },
        ),
      ),
      cadence: mostly(
        fc.record(
          { idleMinutes: choice([1, 5, 60], [0, 61, 1.5]), watchMinutes: choice([0, 180, 10_080], [10_081]) },
          { requiredKeys: [] },
        ),
      ),
      shards: mostly(
        fc.record(
          { maxSeries: choice([1, 150, 500, 10_000], [0, 100_001, 1e9]), brokersPerCluster: choice([1, 30, 1000], [0, 1001]) },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map(({ correlation, ...rest }) => (correlation === undefined ? rest : { ...rest, correlation }));

export const yamlText = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ config: configObject, edits: fc.array(textEdit, { maxLength: 1 }) })
      .map(({ config: c, edits: e }) => applyTextEdits(safeYaml(c), e)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'a: &a [1]\nb: *a\n',
      '['.repeat(3000),
      '{a: '.repeat(16_000),
      `${'- '.repeat(2000)}x`,
      `${'- '.repeat(90)}x`,
      `${'a:\n '.repeat(500)}b`,
      Array.from({ length: 3000 }, (_, i) => `k${i}: ${i}`).join('\n'),
      `a: &a [1]\n${Array.from({ length: 3000 }, (_, i) => `b${i}: *a`).join('\n')}`,
      `mode: "${'\\"'.repeat(20_000)}"`,
      'detector: !!js/function "x"\n',
      '{"mode": "observe"}',
      '\ufeffmode: observe',
    ),
  },
);

/** JSON text of a document; one nested beyond JSON.stringify's stack is sent as the text of its nesting. */
export function jsonText(document: unknown): string {
  try {
    return JSON.stringify(document) ?? '';
  } catch {
    return `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  }
}

export function safeYaml(value: unknown): string {
  try {
    return stringify(value, { aliasDuplicateObjects: false });
  } catch {
    return JSON.stringify(value) ?? '';
  }
}
