/** The OpenMetrics writer (the JMX exporter's names, for backfilling a real Prometheus). */
import { describe, expect, it } from 'vitest';
import { writeOpenMetrics } from '../../../lambdas/formats/openmetrics.ts';

describe('the OpenMetrics writer', () => {
  it('writes families with escaped labels, timestamps in seconds, and # EOF', () => {
    const text = writeOpenMetrics([
      {
        name: 'x_total',
        type: 'gauge',
        help: 'a "help"\nline',
        samples: [
          {
            labels: { path: 'a\\b"c' },
            points: [
              { time: 61_000, value: 2 },
              { time: 1000, value: Number.NaN },
            ],
          },
        ],
      },
    ]);
    expect(text).toBe(
      '# HELP x_total a "help"\\nline\n# TYPE x_total gauge\nx_total{path="a\\\\b\\"c"} NaN 1\nx_total{path="a\\\\b\\"c"} 2 61\n# EOF\n',
    );
  });

  it('refuses names that are not metric names', () => {
    expect(() => writeOpenMetrics([{ name: 'bad-name', type: 'gauge', help: '', samples: [] }])).toThrow(
      /not a valid OpenMetrics metric or label name/,
    );
  });
});
