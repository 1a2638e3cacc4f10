/**
 * What a Prometheus answer can be that a user's own server would not give, and what a replay
 * reads beside it: a matrix not shaped as the HTTP API's (a proxy, another server answering
 * `status: success`), and a timeline read within the configuration's scope.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusMetricSource } from '../../lambdas/adapters/prometheus/metric-source.ts';
import { parseConfig } from '../../lambdas/core/config.ts';
import { newFolder, stormguard } from '../support/cli.ts';
import { stepEntry } from '../support/fixtures.ts';
import { answer, broker, matrix, type PrometheusStub, prometheusStub } from '../support/prometheus-stub.ts';

const START = '2025-08-28T08:00:00Z';
const t0 = Date.parse('2025-08-28T14:00:00Z');
let stub: PrometheusStub;
beforeAll(async () => {
  stub = await prometheusStub();
});
afterAll(() => stub.close());

describe('a Prometheus answer and its timeline', () => {
  it('a matrix not shaped as the HTTP API gives it: an error naming where, never a crash', async () => {
    const config = parseConfig('signals:\n  ConnectionCount: { enabled: false }\n  HeapMemoryAfterGC: { enabled: false }\n');
    const source = new PrometheusMetricSource({ url: stub.base, retry: { sleep: async () => {} } }, config);
    const shapes: Array<[unknown[], string]> = [
      [[null], 'data.result[0]'],
      [[{ metric: {}, values: 5 }], 'data.result[0].values'],
      [
        [
          {
            metric: {},
            values: [
              [1, '2'],
              [5, 6],
            ],
          },
        ],
        'data.result[0].values[1][1]',
      ],
    ];
    for (const [result, field] of shapes) {
      stub.handle(answer(200, matrix(result)));
      const read = source.read(t0 - 60_000, t0 + 60_000);
      await expect(read).rejects.toThrow(
        `answered the query for ConnectionCreationRate with a matrix not shaped as the HTTP API's (${field}: `,
      );
      await expect(read).rejects.toMatchObject({ code: 'PROMETHEUS_QUERY' });
    }
  });

  it('a range result whose every broker holds each value over 3 periods: the read says the scrape is slower than the period', async () => {
    const config = parseConfig('signals:\n  ConnectionCount: { enabled: false }\n  HeapMemoryAfterGC: { enabled: false }\n');
    const source = new PrometheusMetricSource({ url: stub.base, retry: { sleep: async () => {} } }, config);
    const t = Date.parse(START);
    // As Prometheus answers a scrape every 3 minutes at a 60 s step: each sample at three steps.
    const everyThird = (b: number): Array<[number, string]> =>
      Array.from({ length: 60 }, (_, i) => [t + i * 60_000, String(b * 100 + Math.floor((i + b) / 3))]);
    stub.handle(answer(200, matrix([1, 2, 3].map((b) => broker({ cluster: 'events', broker: String(b) }, everyThird(b))))));
    const readout = await source.read(t - 1, t + 60 * 60_000);
    expect(readout.warnings.filter((w) => w.includes('over 3 periods'))).toEqual([
      expect.stringMatching(/series that change often .* scraped about every 180 s.* set `metricPeriodSeconds: 180`/),
    ]);
  });

  it("replay --prometheus reads its timeline as the configuration scopes it: another project's change is left out, and said", async () => {
    const folder = await newFolder();
    const config = join(folder, 'stormguard.config.yaml');
    await writeFile(config, 'launchDarkly: { projectKey: shop }\n');
    const entry = {
      ...stepEntry('other-project', Date.parse('2025-08-28T14:00:00Z'), 'storm', 0, 25),
      target: { resources: ['proj/mobile-app:env/production:flag/storm'] },
    };
    await writeFile(join(folder, 'audit.json'), JSON.stringify([entry]));
    const t = Date.parse(START);
    stub.handle(
      answer(
        200,
        matrix([
          broker(
            { cluster: 'events', broker: '1' },
            Array.from({ length: 60 }, (_, i) => [t + i * 60_000, '3']),
          ),
        ]),
      ),
    );
    const { code, out } = await stormguard(
      ...['replay', '--prometheus', stub.base, '--from', START, '--to', '2025-08-28T09:00:00Z', '--timeline', join(folder, 'audit.json')],
      ...['--config', config, '--state', join(folder, 'state'), '--json'],
    );
    expect(code).toBe(0);
    const result = JSON.parse(out) as { warnings: string[] };
    expect(result.warnings).toContain(
      `${join(folder, 'audit.json')}: [0] (other-project) is a change in project mobile-app, not shop: left out`,
    );
  });
});
