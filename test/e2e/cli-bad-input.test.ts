/**
 * What an adversarial run on the CLI found (issue 12), each as the user met it: a user's mistake
 * exits 2 with a message naming the field, and an absurd point is skipped and said, never a hang,
 * a stack trace or a rollback missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newFolder, stormguard } from '../support/cli.ts';

const SCENARIO = 'scenarios/pagerduty-2025';

/** The bundled storm's exports in a new folder, page 2 (08:00–13:59, newest first) changed by `edit`, labels by `relabel`. */
async function exports(
  edit: (page2: { MetricDataResults: Array<{ Label: string; Timestamps: unknown[]; Values: number[] }> }) => void = () => {},
  relabel = (text: string) => text,
) {
  const folder = await newFolder();
  const page2 = JSON.parse(relabel(await readFile(join(SCENARIO, 'metrics-page-2.json'), 'utf8')));
  edit(page2);
  await writeFile(join(folder, 'metrics-page-2.json'), JSON.stringify(page2));
  await writeFile(join(folder, 'metrics-page-1.json'), relabel(await readFile(join(SCENARIO, 'metrics-page-1.json'), 'utf8')));
  await writeFile(join(folder, 'audit.json'), await readFile(join(SCENARIO, 'launchdarkly-audit-log.json'), 'utf8'));
  const replay = (...extra: string[]) =>
    stormguard(
      'replay',
      '--metrics',
      join(folder, 'metrics-page-1.json'),
      join(folder, 'metrics-page-2.json'),
      '--timeline',
      join(folder, 'audit.json'),
      '--state',
      join(folder, 'state'),
      '--json',
      ...extra,
    );
  return { folder, replay };
}

/** Index of 13:00 in page 2 (newest first from 13:59). */
const AN_HOUR_BEFORE = 59;

describe('absurd points are skipped and said, never acted on', () => {
  it('one 1e100 point an hour before the storm on every broker no longer suppresses the 1% rollback', async () => {
    const { replay } = await exports((page) => {
      for (const r of page.MetricDataResults) if (r.Label.startsWith('ConnectionCreationRate')) r.Values[AN_HOUR_BEFORE] = 1e100;
    });
    const { code, out } = await replay();
    expect(code).toBe(0);
    const result = JSON.parse(out);
    // On main the rollback came at the 5% step (15:01): the 1e100 had widened every baseline's floor.
    expect(
      result.decisions
        .filter((d: { action: string }) => d.action === 'rollback')
        .map((d: { time: string; fromPercent: number }) => [d.time, d.fromPercent]),
    ).toEqual([['2025-08-28T14:01:00.000Z', 1]]);
    // Six skipped points, and the scenario's traffic, never exported.
    expect(result.warnings).toHaveLength(7);
    expect(result.warnings[6]).toMatch(/^cluster events-msk reports no traffic signal \(MessagesInPerSec, BytesInPerSec\)/);
    expect(result.warnings[0]).toMatch(
      /metrics-page-2\.json: 1 point of MetricDataResults\[\d+\] out of bounds for ConnectionCreationRate, skipped \(the first, Values\[59\]: 1e\+100 is beyond/,
    );
  });

  it('±1e308 and a heap over 100% leave no NaN or Infinity in the saved state', async () => {
    const { folder, replay } = await exports((page) => {
      for (const r of page.MetricDataResults) {
        if (r.Label.startsWith('HeapMemoryAfterGC')) r.Values[30] = 1e308;
        if (r.Label.startsWith('ConnectionCount')) r.Values[31] = -1e308;
      }
    });
    expect((await replay()).code).toBe(0);
    const state = JSON.parse(await readFile(join(folder, 'state', 'state.json'), 'utf8'));
    for (const series of Object.values(state.series) as Array<{
      detector: { baseline: { mean: number; variance: number }; high: number };
    }>) {
      expect(Number.isFinite(series.detector.baseline.mean) && Number.isFinite(series.detector.baseline.variance)).toBe(true);
      expect(Math.abs(series.detector.high)).toBeLessThan(1e3);
    }
  });
});

describe('a user mistake exits 2 naming the field, never a stack trace', () => {
  it('a timestamp in milliseconds where GetMetricData has seconds', async () => {
    const { replay } = await exports((page) => {
      page.MetricDataResults[3]!.Timestamps[5] = Date.parse('2025-08-28T13:54:00Z');
    });
    const { code, err } = await replay();
    expect(code).toBe(2);
    expect(err).toMatch(
      /metrics-page-2\.json: field `MetricDataResults\[3\]\.Timestamps\[5\]`: 1756389240000 looks like epoch milliseconds \(2025-08-28T13:54:00Z\); expected epoch seconds\n$/,
    );
  });

  it('exports with no datapoints (every result InternalError): no false all-clear, no RangeError, nothing written', async () => {
    const { folder, replay } = await exports((page) => {
      for (const r of page.MetricDataResults) Object.assign(r, { Timestamps: [], Values: [], StatusCode: 'InternalError' });
    });
    await writeFile(join(folder, 'metrics-page-1.json'), JSON.stringify({ MetricDataResults: [] }));
    for (const json of [[], ['--json']]) {
      const { code, out, err } = await replay(...json);
      expect([code, out]).toEqual([2, '']);
      expect(err).toMatch(
        /^stormguard: no datapoints in \S+metrics-page-1\.json, \S+metrics-page-2\.json: 30 series read, none with a point, nothing to replay \(\S+metrics-page-2\.json: MetricDataResults\[0\] has StatusCode InternalError: it has no points\)\n$/,
      );
    }
    expect(await readdir(folder)).not.toContain('state');
  });

  it('a 5-minute export on the default 60 s period (the storm was found but never blamed): exit 2 naming the key to set', async () => {
    type Page = { MetricDataResults: Array<{ Timestamps: unknown[]; Values: number[] }> };
    const everyFifth = (page: Page) => {
      for (const r of page.MetricDataResults) {
        const kept = r.Timestamps.flatMap((t, i) => (new Date(String(t)).getUTCMinutes() % 5 === 0 ? [i] : []));
        Object.assign(r, { Timestamps: kept.map((i) => r.Timestamps[i]), Values: kept.map((i) => r.Values[i]) });
      }
    };
    const { folder, replay } = await exports(everyFifth);
    const page1 = JSON.parse(await readFile(join(folder, 'metrics-page-1.json'), 'utf8'));
    everyFifth(page1);
    await writeFile(join(folder, 'metrics-page-1.json'), JSON.stringify(page1));
    const { code, err } = await replay();
    expect(code).toBe(2);
    expect(err).toMatch(
      /^stormguard: \S+metrics-page-1\.json, \S+metrics-page-2\.json: the points are 300 s apart \(the median spacing of 30 of 30 series\), but metricPeriodSeconds is 60: set `metricPeriodSeconds: 300` in the configuration \(--config\)\n$/,
    );
    expect(await readdir(folder)).not.toContain('state');
  });

  it('a 240-character cluster name is a cluster like any other (its decision files once outgrew a file name)', async () => {
    const { replay } = await exports(undefined, (text) => text.replaceAll('events-msk', 'c'.repeat(240)));
    const { code, out, err } = await replay();
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).decisions[0]).toMatchObject({ action: 'rollback', fromPercent: 1, toPercent: 0 });
  });

  it('labels that name no Cluster Name (broker only), no cluster configured: one cluster, default, and the replay says so', async () => {
    const { replay } = await exports(undefined, (text) => text.replaceAll('Cluster Name=events-msk, ', ''));
    const { code, out } = await replay();
    expect(code).toBe(0);
    expect(JSON.parse(out).warnings).toContain(
      '30 of 30 series name no Cluster Name (a label of the metric name alone, or one that leaves it out): read as one cluster, default; give each query a dynamic label that names it (docs/formats.md)',
    );
  });

  it('labels that name no Cluster Name, one cluster configured: that cluster, guarded and rolled back there, and the replay says so', async () => {
    const { folder, replay } = await exports(undefined, (text) => text.replaceAll('Cluster Name=events-msk, ', ''));
    await writeFile(join(folder, 'config.yaml'), 'clusters: [events-msk]\n');
    const { code, out } = await replay('--config', join(folder, 'config.yaml'));
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.warnings).toContain(
      '30 of 30 series name no Cluster Name (a label of the metric name alone, or one that leaves it out): read as the one configured cluster, events-msk; give each query a dynamic label that names it (docs/formats.md)',
    );
    // They were read as a cluster `default`: events-msk blind (the gate denying), the rollback on a cluster no one configured.
    expect(result.warnings.join('\n')).not.toMatch(/blind/);
    expect(result.decisions[0]).toMatchObject({ action: 'rollback', fromPercent: 1 });
    expect(result.episodes[0].cluster).toBe('events-msk');
  });

  it('labels that name no Cluster Name, several clusters configured: one cluster, default, said to be none of them', async () => {
    const { folder, replay } = await exports(undefined, (text) => text.replaceAll('Cluster Name=events-msk, ', ''));
    await writeFile(join(folder, 'config.yaml'), 'clusters: [events-msk, orders-msk]\n');
    const { code, out } = await replay('--config', join(folder, 'config.yaml'));
    expect(code).toBe(0);
    expect(JSON.parse(out).warnings).toContain(
      '30 of 30 series name no Cluster Name (a label of the metric name alone, or one that leaves it out): read as one cluster, default, none of the 2 configured (events-msk, orders-msk); give each query a dynamic label that names it (docs/formats.md)',
    );
  });

  it('a flag named constructor is decided on like any other (it was a TypeError): the SDK of the local stand-in cannot serve it, and says so', async () => {
    const { folder, replay } = await exports();
    const audit = await readFile(join(SCENARIO, 'launchdarkly-audit-log.json'), 'utf8');
    await writeFile(join(folder, 'audit.json'), audit.replaceAll('checkout-producer-per-request', 'constructor'));
    const { code, out, err } = await replay();
    expect(err).not.toMatch(/internal error/);
    // Exit 1: the rollback was decided and recorded, but LaunchDarkly's file data source refuses a flag keyed `constructor`.
    expect(code).toBe(1);
    expect(JSON.parse(out).decisions[0]).toMatchObject({
      action: 'rollback',
      flag: 'constructor',
      time: '2025-08-28T14:01:00.000Z',
      outcome: { status: 'failed' },
    });
  });

  it('a deploy at a time no Date holds (a RangeError and a stack trace once)', async () => {
    const { folder, replay } = await exports();
    await writeFile(
      join(folder, 'deploys.json'),
      JSON.stringify([{ id: 'd1', time: 1e16, service: 'api', version: '1', environment: 'production' }]),
    );
    const { code, err } = await replay('--timeline', join(folder, 'deploys.json'));
    expect(code).toBe(2);
    expect(err).toBe(
      `stormguard: ${join(folder, 'deploys.json')}: field \`[0].time\`: 10000000000000000 (epoch milliseconds) is outside the plausible window 2006-01-01 .. 2100-01-01 UTC\n`,
    );
  });

  it('--state naming a file, for replay, gate and ack', async () => {
    const file = join(await newFolder(), 'state.txt');
    await writeFile(file, 'not a folder');
    const replay = await stormguard('replay', '--state', file);
    expect([replay.code, replay.err]).toEqual([2, `stormguard: field \`--state\`: ${file} is a file: name a new or empty folder\n`]);
    const gate = await stormguard('gate', '--flag', 'f', '--env', 'production', '--to', '5', '--state', file);
    expect([gate.code, gate.err]).toEqual([2, `stormguard: ${file}: is a file, expected a state folder\n`]);
    const ack = await stormguard('ack', '--flag', 'f', '--env', 'production', '--reason', 'fixed', '--state', file);
    expect([ack.code, ack.err]).toEqual([2, `stormguard: ${file}: is a file, expected a state folder\n`]);
  });

  it('a corrupt or old state.json: cannot decide (exit 2), naming the file and field, in --json too; a state folder that does not exist: exit 2 (a TypeError and exit 1, read as deny, once)', async () => {
    const folder = join(await newFolder(), 'state');
    await mkdir(folder);
    const gate = () => stormguard('gate', '--flag', 'f', '--env', 'production', '--to', '5', '--state', folder);
    const file = join(folder, 'state.json');
    await writeFile(file, JSON.stringify({ version: 1, revision: 1, evaluatedAt: 1756400000000 }));
    expect(await gate()).toMatchObject({
      code: 2,
      out: `unknown: f in production → 5%\n  the guardrail's state cannot be read: ${file}: field \`series\`: missing: expected a record\n`,
    });
    const json = await stormguard('gate', '--flag', 'f', '--env', 'production', '--to', '5', '--state', folder, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out)).toMatchObject({ verdict: 'unknown', reasons: [expect.stringContaining(`${file}: field \`series\``)] });
    // A real state with a freeze (the bundled storm's rollback), one freeze's target then broken.
    const replayed = join(folder, '..', 'replayed');
    expect((await stormguard('replay', '--state', replayed)).code).toBe(0);
    const state = JSON.parse(await readFile(join(replayed, 'state.json'), 'utf8'));
    state.freezes = { x: { ...Object.values(state.freezes)[0]!, target: { kind: 'rule' } } };
    await writeFile(file, JSON.stringify(state));
    expect(await gate()).toMatchObject({
      code: 2,
      out: expect.stringContaining(`${file}: field \`freezes.x.target.ruleId\`: missing: expected a string\n`),
    });
    // The gate reads what a cluster never reported: a broken record of it is named too.
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(join(replayed, 'state.json'), 'utf8')), coverage: { c: null } }));
    expect(await gate()).toMatchObject({ code: 2, out: expect.stringContaining(`${file}: field \`coverage.c\``) });
    const missing = join(folder, 'nowhere');
    const expected = {
      code: 2,
      err: `stormguard: ${missing}: no such folder, expected a state folder (the --state of a replay or a drill)\n`,
    };
    expect(await stormguard('gate', '--flag', 'f', '--env', 'production', '--to', '5', '--state', missing)).toMatchObject(expected);
    expect(await stormguard('ack', '--flag', 'f', '--env', 'production', '--reason', 'fixed', '--state', missing)).toMatchObject(expected);
  });

  it('gate: an interval or a timeout beyond any pipeline (Node fires an overflowing timer at once), a time that is not one', async () => {
    const folder = await newFolder();
    const gate = (...extra: string[]) => stormguard('gate', '--flag', 'f', '--env', 'production', '--to', '5', '--state', folder, ...extra);
    expect((await gate('--wait', '--interval', '1e300')).err).toBe('stormguard: field `--interval`: at most 3600 seconds (an hour)\n');
    expect((await gate('--wait', '--interval', '1e400')).err).toBe('stormguard: field `--interval`: expected seconds, such as 60\n');
    expect(await gate('--wait', '--interval', '99999999')).toMatchObject({
      code: 2,
      err: 'stormguard: field `--interval`: at most 3600 seconds (an hour)\n',
    });
    expect(await gate('--wait', '--timeout', '86401')).toMatchObject({
      code: 2,
      err: 'stormguard: field `--timeout`: at most 86400 seconds (a day)\n',
    });
    expect(await gate('--at', '0')).toMatchObject({
      code: 2,
      err: 'stormguard: field `--at`: expected an ISO 8601 time such as 2025-08-28T14:00:00Z, got "0"\n',
    });
  });

  it('detect: a 1969 date, an unclosed quote, a file over 200 MB (read whole, a 50 MB one took 2.2 GB)', async () => {
    const folder = await newFolder();
    const csv = async (name: string, text: string) => {
      await writeFile(join(folder, name), text);
      return stormguard('detect', join(folder, name));
    };
    expect(await csv('old.csv', 'timestamp,value\n2014-04-01 00:00:00,1\n1969-12-31 23:59:00,2\n')).toMatchObject({
      code: 2,
      err: `stormguard: ${join(folder, 'old.csv')}, line 3: "1969-12-31 23:59:00" is outside the plausible window 2006-01-01 .. 2100-01-01 UTC\n`,
    });
    const quoted = await csv('quote.csv', `timestamp,value\n"2014-04-01 00:00:00,${'1'.repeat(5000)}\n`);
    expect(quoted.code).toBe(2);
    expect(quoted.err).toMatch(
      /quote\.csv, line 2: not valid CSV: Max Record Size: record exceed the maximum number of tolerated bytes of 4096/,
    );
    const big = join(folder, 'big.csv');
    await writeFile(big, 'timestamp,value\n');
    await truncate(big, 201 * 1024 * 1024); // sparse: nothing is written
    expect(await stormguard('detect', big)).toMatchObject({
      code: 2,
      err: `stormguard: ${big}: is 201 MB, more than the 200 MB read at most (it is parsed whole, in memory): split it into several files\n`,
    });
  });

  it('detect on a pipe: said, not read as a file without its header (the second of its two reads found the pipe drained)', async () => {
    const fifo = join(await newFolder(), 'scores.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(await stormguard('detect', fifo)).toEqual({
      code: 2,
      out: '',
      err: `stormguard: ${fifo}: is a pipe or a device, expected a file: it is read twice (write it to a file first)\n`,
    });
  });
});
